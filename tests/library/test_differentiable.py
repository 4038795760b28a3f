"""Differentiable ENM: values against independent routes, gradients against finite differences.

Independent checks used here: NumPy's SVD pseudo-inverse and eigendecomposition,
`jax.hessian` of a spring energy, SciPy's graph Laplacian, the principal-axes rigid-body
basis of `geometry.rigid_body_modes`, hand-derived first-order perturbation formulas, and
finite differences (`jax.test_util.check_grads`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import jaxnm_course as nm
from jaxnm_course import differentiable as df
from jaxnm_course import geometry


@pytest.fixture(scope="module")
def ubi(ubiquitin):
    return ubiquitin


@pytest.fixture(scope="module")
def fragment(ubi):
    """First 20 Cα of ubiquitin with a smooth 9 Å cutoff: small, rigid, non-degenerate."""
    R = np.asarray(ubi.R[:20])
    net = df.build_network(R, 9.0 + 10 * 0.5, resnames=ubi.resnames[:20])
    params = df.default_params(cutoff=9.0, width=0.5, p=1.0)
    params = params._replace(
        log_k_seq=jnp.array([0.7, 0.2]),
        theta_res=0.1 * jnp.sin(jnp.arange(21.0)),  # nonzero, so their gradients are tested
    )
    return R, net, params


def octahedron():
    """Regular octahedron, all 15 pairs, k = 1: internal eigenvalues 1 (x3), 2 (x3), 3 (x5), 6."""
    R = 3.0 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1.0]])
    i, j = np.triu_indices(6, 1)
    return R, np.stack([i, j], axis=1), np.ones(15)


def spring_energy(R0, pairs, k):
    """E = Σ k/2 (|r_ij| - r0_ij)^2 with rest lengths from R0: its Hessian at R0 is ANM's."""
    r0 = np.linalg.norm(R0[pairs[:, 1]] - R0[pairs[:, 0]], axis=1)

    def energy(R):
        r = geometry.pair_distances(R, pairs)
        return 0.5 * jnp.sum(k * (r - r0) ** 2)

    return energy


# --- builders ---------------------------------------------------------------------------


def test_spring_hessian_is_the_hessian_of_the_spring_energy(fragment):
    R, net, params = fragment
    k = np.asarray(df.spring_constants(params, R, net))
    H = df.spring_hessian(R, net.pairs, k)
    H_ad = jax.jit(lambda X: nm.hessian(spring_energy(R, net.pairs, k), X))(R)
    np.testing.assert_allclose(H, H_ad, atol=1e-12 * np.abs(H_ad).max())


def test_spring_hessian_agrees_with_the_enm_module(ubi):
    R = np.asarray(ubi.R)
    pairs = nm.enm.contact_pairs(R, 10.0)
    r = np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=1)
    H = df.spring_hessian(R, pairs, r**-2.0)
    ref = nm.enm.anm_hessian(R, 10.0, nm.enm.parameter_free_gamma)  # gamma = r^-2
    np.testing.assert_allclose(H, ref, atol=1e-13 * np.abs(ref).max())


def test_spring_kirchhoff_is_the_weighted_graph_laplacian(fragment):
    from scipy.sparse.csgraph import laplacian

    R, net, params = fragment
    k = np.asarray(df.spring_constants(params, R, net))
    W = np.zeros((len(R), len(R)))
    W[net.pairs[:, 0], net.pairs[:, 1]] = k
    np.testing.assert_allclose(
        df.spring_kirchhoff(len(R), net.pairs, k), laplacian(W + W.T), atol=1e-14
    )


def test_spring_constants_follow_the_formula(fragment):
    R, net, params = fragment
    k = np.asarray(df.spring_constants(params, R, net))
    i, j = net.pairs.T
    r = np.linalg.norm(R[j] - R[i], axis=1)
    kappa = np.concatenate([[0.0], np.asarray(params.log_k_seq)])[np.where(j - i <= 2, j - i, 0)]
    theta = np.asarray(params.theta_res)[net.restypes]
    expected = (
        np.exp(float(params.log_gamma) + kappa + theta[i] + theta[j])
        * (r / 3.8) ** (-float(params.p))
        / (1 + np.exp((r - 9.0) / 0.5))
    )
    np.testing.assert_allclose(k, expected, rtol=1e-12)


def test_build_network_pairs_and_classes(ubi):
    R = np.asarray(ubi.R)
    net = df.build_network(R, 7.0, resnames=ubi.resnames, chains=["A"] * 40 + ["B"] * 36)
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)
    chain = np.arange(76) >= 40
    sep = np.arange(76)[None, :] - np.arange(76)[:, None]
    bonded = (sep >= 1) & (sep <= 2) & (chain[:, None] == chain[None, :])
    i, j = np.nonzero(np.triu((d < 7.0) | bonded, 1))  # sequence neighbours always kept
    assert {(int(a), int(b)) for a, b in net.pairs} == set(
        zip(i.tolist(), j.tolist(), strict=True)
    )
    assert np.any(bonded & (d >= 7.0))  # ... and the case occurs here
    sep = net.pairs[:, 1] - net.pairs[:, 0]
    across = (net.pairs[:, 0] < 40) & (net.pairs[:, 1] >= 40)
    assert np.all(net.seq_class[across] == 0)  # no sequence neighbours across chains
    assert np.array_equal(net.seq_class[~across], np.where(sep[~across] <= 2, sep[~across], 0))
    assert df.AMINO_ACIDS[net.restypes[0]] == ubi.resnames[0]  # MET


def test_smooth_switch_tends_to_the_hard_cutoff():
    r = np.array([5.0, 9.9, 10.1, 14.0])
    np.testing.assert_allclose(df.smooth_switch(r, 10.0, 1e-3), [1, 1, 0, 0], atol=1e-12)
    assert float(df.smooth_switch(10.0, 10.0, 0.7)) == 0.5
    s = float(df.smooth_switch(9.0, 10.0, 0.5))
    g = jax.grad(df.smooth_switch, argnums=(0, 1, 2))(9.0, 10.0, 0.5)
    np.testing.assert_allclose(
        g, [-s * (1 - s) / 0.5, s * (1 - s) / 0.5, -s * (1 - s) * 1.0 / 0.5**2]
    )


# --- zero modes, pseudo-inverse, fluctuations --------------------------------------------


def test_rigid_projector_matches_the_principal_axes_basis(fragment):
    R, net, params = fragment
    P0 = np.asarray(df.rigid_projector(R))
    D = np.asarray(geometry.rigid_body_modes(R, np.ones(len(R))))
    np.testing.assert_allclose(P0, D @ D.T, atol=1e-13)
    H = df.spring_hessian(R, net.pairs, df.spring_constants(params, R, net))
    assert np.abs(np.asarray(H) @ P0).max() < 1e-12 * np.abs(H).max()


def test_pseudo_inverse_equals_numpy_pinv(fragment):
    R, net, params = fragment
    H = df.spring_hessian(R, net.pairs, df.spring_constants(params, R, net))
    X = df.pseudo_inverse(H, df.rigid_projector(R))
    ref = np.linalg.pinv(np.asarray(H), rcond=1e-10, hermitian=True)
    np.testing.assert_allclose(X, ref, atol=1e-9 * np.abs(ref).max())


def test_anm_fluctuations_equal_the_mode_sum(fragment):
    R, net, params = fragment
    k = df.spring_constants(params, R, net)
    modes = nm.normal_modes(df.spring_hessian(R, net.pairs, k), np.ones(len(R)), R)
    V = np.asarray(modes.mw_vectors).reshape(len(R), 3, -1)
    expected = 0.6 * np.sum(V**2 / np.asarray(modes.eigenvalues), axis=(1, 2))
    np.testing.assert_allclose(df.anm_fluctuations(R, net.pairs, k, kT=0.6), expected, rtol=1e-9)


def test_gnm_fluctuations_equal_three_kt_pinv_diagonal(fragment):
    R, net, params = fragment
    k = df.spring_constants(params, R, net)
    G = np.asarray(df.spring_kirchhoff(len(R), net.pairs, k))
    expected = 3 * 0.6 * np.diag(np.linalg.pinv(G, hermitian=True))
    np.testing.assert_allclose(df.gnm_fluctuations(len(R), net.pairs, k, 0.6), expected, rtol=1e-9)


@pytest.mark.oracle
def test_gnm_and_anm_bfactor_profiles_agree_with_prody(ubi, prody):
    R = np.asarray(ubi.R)
    for model, cutoff in (("gnm", 7.3), ("anm", 13.0)):
        # a 1e-6 Å switch width is a hard cutoff unless a pair sits within 1e-4 Å of it
        net = df.build_network(R, cutoff, n_seq=0)
        params = df.default_params(cutoff=cutoff, width=1e-6, n_seq=0)
        B = df.predicted_bfactors(params, R, net, model)
        enm = prody.GNM() if model == "gnm" else prody.ANM()
        build = enm.buildKirchhoff if model == "gnm" else enm.buildHessian
        build(R, cutoff=cutoff, gamma=1.0)
        enm.calcModes(n_modes=None, zeros=False)
        msf = prody.calcSqFlucts(enm)
        if model == "gnm":
            msf = 3 * msf  # ProDy's GNM gives [Γ^+]_ii per direction
        np.testing.assert_allclose(B, nm.analysis.BFACTOR_PER_MSF * msf, rtol=1e-7)


# --- spectra: values and gradients, degenerate eigenvalues included ------------------------


def test_lowest_eigenvalues_sum_and_projector_values(fragment):
    R, net, params = fragment
    H = df.spring_hessian(R, net.pairs, df.spring_constants(params, R, net))
    P0 = df.rigid_projector(R)
    modes = nm.normal_modes(H, np.ones(len(R)), R)
    lam, V = np.asarray(modes.eigenvalues), np.asarray(modes.mw_vectors)
    for k in (1, 4, 10):
        np.testing.assert_allclose(df.lowest_eigenvalues_sum(H, P0, k), lam[:k].sum(), rtol=1e-10)
        P = np.asarray(df.lowest_modes_projector(H, P0, k))
        np.testing.assert_allclose(P, V[:, :k] @ V[:, :k].T, atol=1e-9)
        d = np.sin(np.arange(3.0 * len(R)))
        np.testing.assert_allclose(
            df.subspace_overlap(d, P), np.sum((V[:, :k].T @ d) ** 2) / (d @ d), rtol=1e-9
        )


@pytest.mark.slow
def test_gradients_survive_degenerate_eigenvalues():
    R, pairs, k = octahedron()
    lam = np.linalg.eigvalsh(np.asarray(df.spring_hessian(R, pairs, k)))[6:]
    np.testing.assert_allclose(lam[:6], [1, 1, 1, 2, 2, 2], atol=1e-12)  # really degenerate
    P0 = df.rigid_projector(R)
    d = np.cos(np.arange(18.0))

    @jax.jit
    def sum3(k, R):
        return df.lowest_eigenvalues_sum(df.spring_hessian(R, pairs, k), df.rigid_projector(R), 3)

    @jax.jit
    def overlap6(k, R):
        H = df.spring_hessian(R, pairs, k)
        return df.subspace_overlap(d, df.lowest_modes_projector(H, df.rigid_projector(R), 6))

    @jax.jit
    def projected6(k, R):  # P d, not only dᵀ P d: sees the antisymmetric part of dP too
        H = df.spring_hessian(R, pairs, k)
        return df.lowest_modes_projector(H, df.rigid_projector(R), 6) @ d

    for f, order, modes in (
        (sum3, 2, ("rev",)),
        (sum3, 1, ("fwd",)),
        (overlap6, 1, ("rev",)),
        (projected6, 1, ("fwd",)),
    ):
        check_grads(f, (k, R), order=order, modes=modes, eps=1e-4)
    with pytest.raises(NotImplementedError, match="differentiable once"):
        jax.hessian(overlap6)(k, R)  # a loud refusal, not a silently wrong number
    # first order by hand: d(λ1+λ2+λ3)/dk_p = Σ_i (b_p · v_i)^2 = b_pᵀ P_3 b_p
    P3 = np.asarray(df.lowest_modes_projector(df.spring_hessian(R, pairs, k), P0, 3))
    b = np.zeros((len(pairs), 6, 3))
    u = (R[pairs[:, 1]] - R[pairs[:, 0]]) / np.linalg.norm(
        R[pairs[:, 1]] - R[pairs[:, 0]], axis=1
    )[:, None]
    b[np.arange(len(pairs)), pairs[:, 1]] = u
    b[np.arange(len(pairs)), pairs[:, 0]] = -u
    b = b.reshape(len(pairs), 18)
    np.testing.assert_allclose(
        jax.grad(sum3)(k, R), np.einsum("pa,ab,pb->p", b, P3, b), atol=1e-12
    )


def test_splitting_a_multiplet_is_refused_or_nan_never_a_number():
    R, pairs, k = octahedron()
    H, P0 = df.spring_hessian(R, pairs, k), df.rigid_projector(R)
    for f in (df.lowest_eigenvalues_sum, df.lowest_modes_projector):
        with pytest.raises(ValueError, match=f"{f.__name__}.*splits a degenerate"):
            f(H, P0, 1)  # the lowest eigenvalue is a triplet

    @jax.jit
    def sum1(kk):  # under grad the check cannot run: the derivative comes out NaN
        return df.lowest_eigenvalues_sum(df.spring_hessian(R, pairs, kk), P0, 1)

    assert np.all(np.isnan(np.asarray(jax.grad(sum1)(k))))


@pytest.mark.slow
def test_fluctuation_gradients_match_finite_differences(fragment):
    R, net, params = fragment

    @jax.jit
    def B_of(params, R):
        return df.predicted_bfactors(params, R, net, "anm", 0.6)

    check_grads(B_of, (params, jnp.asarray(R)), order=2, modes=("rev",), eps=1e-4)

    @jax.jit
    def G_of(params, R):
        return df.predicted_bfactors(params, R, net, "gnm", 0.6)

    check_grads(G_of, (params, jnp.asarray(R)), order=1, modes=("fwd",), eps=1e-4)


# --- sensitivities against hand-derived formulas -----------------------------------------


def _stretch_vectors(R, pairs):
    d = R[pairs[:, 1]] - R[pairs[:, 0]]
    u = d / np.linalg.norm(d, axis=1)[:, None]
    b = np.zeros((len(pairs), len(R), 3))
    b[np.arange(len(pairs)), pairs[:, 1]] = u
    b[np.arange(len(pairs)), pairs[:, 0]] = -u
    return b.reshape(len(pairs), -1)


def test_slowest_mode_sensitivity_is_the_squared_stretch(fragment):
    R, net, params = fragment
    k = df.spring_constants(params, R, net)
    modes = nm.normal_modes(df.spring_hessian(R, net.pairs, k), np.ones(len(R)), R)
    lam = np.asarray(modes.eigenvalues)
    assert lam[1] - lam[0] > 1e-3 * lam[0]  # non-degenerate slowest mode
    v = np.asarray(modes.mw_vectors[:, 0])
    expected = (_stretch_vectors(R, net.pairs) @ v) ** 2
    sens = np.asarray(df.slowest_mode_sensitivity(R, net.pairs, k))
    np.testing.assert_allclose(sens, expected, atol=1e-10 * expected.max())
    top, values = df.top_contacts(net.pairs, sens, 3)
    assert values[0] == sens.max()
    assert tuple(top[0]) == tuple(net.pairs[np.argmax(sens)])


@pytest.mark.slow
def test_fluctuation_sensitivity_is_minus_b_hplus_w_hplus_b(fragment):
    R, net, params = fragment
    k = df.spring_constants(params, R, net)
    w = np.linspace(0.0, 2.0, len(R))
    Hp = np.linalg.pinv(
        np.asarray(df.spring_hessian(R, net.pairs, k)), rcond=1e-10, hermitian=True
    )
    b = _stretch_vectors(R, net.pairs)
    W = np.diag(np.repeat(w, 3))
    expected = -0.6 * np.einsum("pa,ab,bc,cd,pd->p", b, Hp, W, Hp, b)
    sens = np.asarray(df.fluctuation_sensitivity(R, net.pairs, k, w, kT=0.6))
    np.testing.assert_allclose(sens, expected, atol=1e-8 * np.abs(expected).max())
    assert np.all(sens <= 1e-12)


def test_sensitivity_map_draws(fragment):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    R, net, _params = fragment
    sens = np.arange(len(net.pairs), dtype=float)
    ax = df.plot_sensitivity_map(len(R), net.pairs, sens, title="t")
    M = ax.images[0].get_array()
    i, j = net.pairs[-1]
    assert M[i, j] == M[j, i] == sens[-1]
    plt.close(ax.figure)


# --- fitting ------------------------------------------------------------------------------


def _textbook_adam(grad, x, steps, lr, mask, b1, b2, eps):
    """Kingma & Ba (2015), Algorithm 1, in NumPy: ε outside the square root."""
    m, v, xs = np.zeros_like(x), np.zeros_like(x), [x]
    for t in range(1, steps + 1):
        g = grad(x) * mask
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        xs.append(x)
    return xs


@pytest.mark.parametrize("hyper", [{}, {"b1": 0.8, "b2": 0.99, "eps": 1e-6}])
def test_adam_follows_the_textbook_update(hyper):
    # E = Σ w (x - c)²/2 + x⁴/4; w spans 1e-3..3 so that the gradients of some entries are
    # ~1e-3 and ε (or ε moved inside the square root) changes their steps visibly.
    w = np.array([3.0, 1.0, 1e-3, 0.5, 2e-3])
    c = np.array([1.0, -2.0, 0.5, 0.3, -0.7])
    mask = np.array([1.0, 1.0, 1.0, 0.0, 1.0])

    def energy(x):
        return 0.5 * np.sum(w * (x - c) ** 2) + 0.25 * np.sum(x**4)

    def loss(p):  # the same function of a pytree, in JAX
        x = jnp.concatenate([p["a"], p["b"]])
        return 0.5 * jnp.sum(w * (x - c) ** 2) + 0.25 * jnp.sum(x**4)

    x0 = np.array([0.2, 0.1, -0.3, 0.4, 0.05])
    p0 = {"a": jnp.asarray(x0[:3]), "b": jnp.asarray(x0[3:])}
    p, losses = df.adam(
        loss, p0, 30, 0.05, mask={"a": jnp.asarray(mask[:3]), "b": jnp.asarray(mask[3:])}, **hyper
    )
    h = {"b1": 0.9, "b2": 0.999, "eps": 1e-8} | hyper
    xs = _textbook_adam(lambda x: w * (x - c) + x**3, x0, 30, 0.05, mask, **h)
    # Same operations in another order: rounding (~1e-16 per step) accumulated over 30
    # steps stays far below 1e-12; a different ε placement or β changes the 3rd/5th entry
    # by more than 1e-3 relative.
    np.testing.assert_allclose(np.concatenate([p["a"], p["b"]]), xs[-1], rtol=1e-12)
    np.testing.assert_allclose(losses, [energy(x) for x in xs], rtol=1e-12)
    assert float(p["b"][0]) == x0[3]  # masked: untouched, bit for bit


def _ubi_data(R, ubi, cutoff=7.3):
    net = df.build_network(R, cutoff + 5.0, resnames=ubi.resnames)
    return [df.BFactorData(R, net, ubi.bfactors, "1UBI")]


def test_fit_decreases_the_loss_and_its_gradient_is_right(ubi):
    R = np.asarray(ubi.R)
    data = _ubi_data(R, ubi)
    p0 = df.default_params(cutoff=7.3, width=0.5)
    loss = jax.jit(lambda p: df.bfactor_loss(p, data, "gnm", l2=0.01))
    check_grads(loss, (p0,), order=1, modes=("rev",), eps=1e-4)
    fit = df.fit_spring_params(data, p0, steps=15, learning_rate=0.05)
    assert fit.losses[-1] < fit.losses[0] - 1e-3
    np.testing.assert_allclose(1 - fit.r_after[0], fit.losses[-1], rtol=1e-12)
    assert fit.r_after[0] > fit.r_before[0]
    assert float(fit.params.width) == 0.5  # not trainable: untouched


@pytest.mark.slow
def test_fit_is_invariant_to_a_rigid_motion_of_the_input(ubi):
    R = np.asarray(ubi.R)
    Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    R2 = R @ Q.T + np.array([10.0, -3.0, 7.0])
    p0 = df.default_params(cutoff=7.3, width=0.5)
    fits = [
        df.fit_spring_params(_ubi_data(X, ubi), p0, model="anm", steps=4, learning_rate=0.05)
        for X in (R, R2)
    ]
    np.testing.assert_allclose(fits[0].losses, fits[1].losses, rtol=1e-9)
    for a, b in zip(fits[0].params, fits[1].params, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert fits[0].losses[-1] < fits[0].losses[0]


# --- ensembles ------------------------------------------------------------------------------


def test_vmapped_ensemble_equals_the_loop(fragment):
    R, net, params = fragment
    Rs = df.perturbed_ensemble(R, 4, rms=0.3, seed=2)
    rms = np.sqrt(np.mean(np.sum((Rs - R) ** 2, axis=-1)))
    assert 0.2 < rms < 0.4
    for model in ("anm", "gnm"):
        B = df.ensemble_bfactors(params, Rs, net, model)
        loop = np.stack([df.predicted_bfactors(params, X, net, model) for X in Rs])
        np.testing.assert_allclose(B, loop, rtol=1e-11)
        assert not np.allclose(B[0], B[1])  # the models really differ


# --- bad input ------------------------------------------------------------------------------


def test_floppy_network_is_an_error_not_nan(fragment):
    R, _, _params = fragment
    net = df.build_network(R, 4.0, n_seq=0)  # only near-sequence pairs: a floppy chain
    with pytest.raises(ValueError, match=r"predicted_bfactors|anm_fluctuations.*floppy"):
        df.predicted_bfactors(df.default_params(cutoff=4.0, n_seq=0), R, net, "anm")


def test_bad_arguments_are_named(fragment, ubi, adk_open):
    R, net, params = fragment
    with pytest.raises(ValueError, match="model"):
        df.predicted_bfactors(params, R, net, "enm")
    with pytest.raises(ValueError, match=r"spring_constants.*n_seq"):
        df.spring_constants(df.default_params(n_seq=3), R, net)
    with pytest.raises(ValueError, match=r"build_network.*resnames"):
        df.build_network(R, 9.0, resnames=["ALA"])
    with pytest.raises(ValueError, match=r"predicted_bfactors.*atoms"):
        df.predicted_bfactors(params, R[:10], net)
    with pytest.raises(ValueError, match="rigid_projector"):
        df.rigid_projector(np.outer(np.arange(4.0), [1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"lowest_eigenvalues_sum.*`k`"):
        df.lowest_eigenvalues_sum(np.eye(18), df.rigid_projector(octahedron()[0]), 12)
    zero = adk_open
    net4 = df.build_network(zero.R, 10.0)
    with pytest.raises(ValueError, match=r"fit_spring_params.*all equal"):
        df.fit_spring_params(
            [df.BFactorData(zero.R, net4, zero.bfactors, "4AKE")], params, steps=1
        )
    with pytest.raises(ValueError, match=r"trainable.*gamma"):
        df.fit_spring_params(_ubi_data(np.asarray(ubi.R), ubi), params, trainable=("gamma",))


def test_x64_off_is_a_precision_error(fragment):
    R, net, _ = fragment
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match="default_params"):
        df.default_params()
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match="anm_fluctuations"):
        df.anm_fluctuations(R, net.pairs, np.ones(len(net.pairs)))
