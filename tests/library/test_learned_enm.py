"""The B-factor models of jaxnm_course.bfactor_models and predict_bfactors (issue 17)."""

from __future__ import annotations

import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import bfactor_models as bm
from jaxnm_course.network import DisconnectedNetworkError

SHARED = Path(
    os.environ.get(
        "JAXNM_BFACTOR_DIR",
        Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bfactors" / "structures",
    )
)


def _rotation(seed: int = 0) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


@pytest.fixture
def ubi(ubiquitin):
    return ubiquitin


@pytest.fixture(scope="module")
def ubi_protein() -> bm.Protein:
    return bm.load_protein("1UBI")


def _batch(proteins, size=None):
    size = size or bm.bucket_for(max(len(p.R) for p in proteins))
    return bm.pad_batch([(p.R, p.features, p.bfactors) for p in proteins], size)


def test_loss_gradient_matches_central_differences(ubi_protein):
    batch = _batch([ubi_protein])
    w = jnp.ones(1)
    rng = np.random.default_rng(1)
    # a generic point (not the symmetric start) and a random direction in all 44 parameters
    params = jax.tree.map(lambda a: a + 0.1 * rng.normal(size=a.shape), bm.init_params())
    direction = jax.tree.map(lambda a: rng.normal(size=a.shape), params)
    loss = jax.jit(lambda p: bm.batch_loss(p, batch, w, 1e-3))
    grad = jax.grad(lambda p: bm.batch_loss(p, batch, w, 1e-3))(params)
    ad = sum(
        float(jnp.vdot(g, d))
        for g, d in zip(jax.tree.leaves(grad), jax.tree.leaves(direction), strict=True)
    )
    h = 1e-4
    shift = lambda t: jax.tree.map(lambda a, d: a + t * d, params, direction)  # noqa: E731
    fd = (float(loss(shift(h))) - float(loss(shift(-h)))) / (2 * h)
    # Central differences: truncation h²/6 |L'''| (L''' along a unit-variance direction of
    # 44 parameters is O(10): ~2e-7) plus rounding ε |L| / h (~1e-12); 1e-6 covers both,
    # while a wrong derivative (a missing term) is off by O(|ad|) ~ 1e-2.
    assert abs(ad - fd) < 1e-6 * max(1.0, abs(fd))
    assert abs(ad) > 1e-4  # the check is not vacuous


def test_start_is_pfgnm_up_to_an_affine_map(ubi_protein):
    p = ubi_protein
    msf = np.asarray(bm.batch_fluctuations(bm.init_params(), _batch([p])))[0, : len(p.R)]
    pf = bm.pfgnm_msf(p.R)
    # The uniform tether g = e^-10 adds 3/(N g) to every residue and shifts the other
    # modes by g/λ (λ >= ~0.05 for ubiquitin: ~1e-3 relative, but almost uniform); the
    # springs are 3.8² times those of the pfGNM. Observed 1 - r ~ 1e-11; a tether that
    # depended on the features at the start, or a wrong spring law, gives 1 - r > 1e-4.
    assert 1.0 - np.corrcoef(msf, pf)[0, 1] < 1e-8
    slope = np.polyfit(pf, msf, 1)[0]
    assert abs(slope * 3.8**2 - 1.0) < 1e-3


@pytest.mark.parametrize("model", ["learned", "pfgnm", "gnm"])
def test_predictions_invariant_under_rigid_motion(ubi, model):
    moved = ubi._replace(R=ubi.R @ _rotation(3).T + np.array([12.0, -40.0, 7.5]))
    a = np.asarray(nm.predict_bfactors(ubi, model))
    b = np.asarray(nm.predict_bfactors(moved, model))
    # Distances change by rounding only (~1e-15 relative); the Kirchhoff condition number
    # of ubiquitin is ~1e3, so B agrees to ~1e-12; 1e-9 leaves a wide margin.
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_predictions_ignore_residue_numbering(ubi):
    renumbered = ubi._replace(
        resnums=ubi.resnums * 3 + 1000, chains=tuple("Z" for _ in ubi.chains), name="renamed"
    )
    for model in ("learned", "pfgnm"):
        np.testing.assert_array_equal(
            np.asarray(nm.predict_bfactors(ubi, model)),
            np.asarray(nm.predict_bfactors(renumbered, model)),
        )


def test_shipped_params_reproduce_reported_scores():
    params, record = bm.load_learned()
    assert record["training_ids_sha256"] == bm.ids_hash(record["training_ids"])
    proteins = [bm.load_protein(i) for i in ("1UBI", "1AKE")]
    r = bm.evaluate(params, proteins)
    for name, value in record["bundled_r"].items():
        # same float64 computation, different batch composition: rounding only
        assert abs(r[name] - value) < 1e-8
        # and predict_bfactors gives the same correlation
        B = nm.predict_bfactors(name.upper(), "learned")
        exp = nm.load_structure(name.upper()).bfactors
        assert abs(float(np.corrcoef(B, exp)[0, 1]) - value) < 1e-8


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared B-factor set not found")
def test_shipped_params_reproduce_validation_subset():
    params, record = bm.load_learned()
    ids = sorted(record["validation_r"])[:6]
    assert all(bm.split(i) == "validation" and i not in record["training_ids"] for i in ids)
    r = bm.evaluate(params, bm.load_proteins(SHARED, ids))
    for i in ids:
        assert abs(r[i] - record["validation_r"][i]) < 1e-8


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="shared B-factor set not found")
def test_shipped_params_reproduce_validation_mean():
    params, record = bm.load_learned()
    proteins = [p for p in bm.load_proteins(SHARED) if bm.split(p.name) == "validation"]
    assert bm.ids_hash(p.name for p in proteins) == record["validation_ids_sha256"]
    r = np.array(list(bm.evaluate(params, proteins).values()))
    assert abs(r.mean() - record["validation_mean_r"]) < 1e-8


def test_training_on_a_few_proteins_improves_their_fit(ubi_protein):
    ake = bm.load_protein("1AKE")
    # two proteins of one bucket (128): ubiquitin and the first 110 residues of 1AKE
    piece = ake._replace(
        name="1ake_1-110",
        R=ake.R[:110],
        features=bm.residue_features(ake.R[:110], ake.resnames[:110]),
        bfactors=ake.bfactors[:110],
    )
    proteins = [ubi_protein, piece]
    before = bm.evaluate(bm.init_params(), proteins)
    result = bm.train(proteins, epochs=15, batch_size=2, learning_rate=0.05, progress=False)
    after = bm.evaluate(result.params, proteins)
    assert result.losses[-1] < result.losses[0] - 0.02
    assert np.mean(list(after.values())) > np.mean(list(before.values())) + 0.02


def test_train_refuses_proteins_without_bfactors(ubi_protein):
    flat = ubi_protein._replace(bfactors=np.zeros(len(ubi_protein.R)))
    with pytest.raises(ValueError, match="no usable experimental B-factors"):
        bm.train([flat], epochs=1, progress=False)


def test_predict_bfactors_errors(ubi):
    with pytest.raises(ValueError, match="at least 5 residues"):
        nm.predict_bfactors(ubi._replace(R=ubi.R[:4], resnames=ubi.resnames[:4]), "pfgnm")
    with pytest.raises(ValueError, match="unknown `model`"):
        nm.predict_bfactors(ubi, "hinsen")
    with pytest.raises(TypeError, match="`model` must be a string"):
        nm.predict_bfactors(ubi, 3)
    with pytest.raises(TypeError, match="must be a path, a PDB id or a Structure"):
        nm.predict_bfactors(ubi.R)
    two = np.concatenate([ubi.R, ubi.R + 100.0])
    apart = ubi._replace(R=two, resnames=ubi.resnames * 2, bfactors=np.tile(ubi.bfactors, 2))
    with pytest.raises(DisconnectedNetworkError, match="falls apart into 2 pieces"):
        nm.predict_bfactors(apart, "gnm")


def test_scale_fitted_to_experiment_or_default(ubi):
    B = np.asarray(nm.predict_bfactors(ubi, "learned"))
    exp = ubi.bfactors
    # least squares through the origin: the residual is orthogonal to the prediction
    assert abs(float((exp - B) @ B)) < 1e-8 * float(exp @ exp)
    no_b = ubi._replace(bfactors=np.zeros(len(exp)))
    default = np.asarray(nm.predict_bfactors(no_b, "learned"))
    np.testing.assert_allclose(default / B, (default / B)[0], rtol=1e-12)
    assert 0.2 < np.mean(default) / np.mean(exp) < 5  # a typical crystal's level


@pytest.mark.oracle
def test_gnm_and_anm_match_prody(prody, ubi):
    R = ubi.R
    gnm = prody.GNM("1ubi")
    gnm.buildKirchhoff(R, cutoff=bm.GNM_CUTOFF, gamma=1.0)
    gnm.calcModes(n_modes=None, zeros=False)
    anm = prody.ANM("1ubi")
    anm.buildHessian(R, cutoff=bm.ANM_CUTOFF, gamma=1.0)
    anm.calcModes(n_modes=None, zeros=False)
    # ProDy: GNM sqFlucts = Σ u²/λ (our GNM has the factor 3 of the isotropic GNM)
    ours_g = np.asarray(nm.predict_bfactors(ubi, "gnm", scale=1.0)) / nm.analysis.BFACTOR_PER_MSF
    ours_a = np.asarray(nm.predict_bfactors(ubi, "anm", scale=1.0)) / nm.analysis.BFACTOR_PER_MSF
    # both are eigendecompositions of the same float64 matrices (condition ~1e3): 1e-8
    np.testing.assert_allclose(ours_g / 3.0, prody.calcSqFlucts(gnm), rtol=1e-8)
    np.testing.assert_allclose(ours_a, prody.calcSqFlucts(anm), rtol=1e-8)
