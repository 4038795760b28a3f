"""One error convention at every public boundary of the network, ENM, solver and modes code
(and of the differentiable models, analyses, thermochemistry and export that read them).

TypeError for an argument of the wrong type (a float pair list, a string cutoff, a
non-integer n_modes), ValueError for a wrong value (shape, NaN, range, repeated or self
pairs, a non-symmetric matrix), and the message starts with the public function the user
called, even when the check runs in a helper or in another public function it calls.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import (
    analysis,
    enm,
    export,
    molecules,
    network,
    potentials,
    solvers,
    sparse,
    thermo,
)
from jaxnm_course import differentiable as df

# A regular tetrahedron of edge 3.8 Å: every pair within 5 Å.
R4 = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float) * 3.8 / 2**1.5
PAIRS = np.array([[0, 1], [0, 2], [1, 3]])
BLOCKS = np.zeros((3, 3, 3))


def _bond_energy(pairs):
    return potentials.bond_energy(potentials.harmonic(1.0, 1.0), pairs)


# Every public function that takes a pair list, as f(pairs).
PAIR_TAKERS = {
    "anm_super_elements": lambda p: enm.anm_super_elements(R4, p),
    "anm_blocks_autodiff": lambda p: enm.anm_blocks_autodiff(R4, p),
    "assemble_hessian": lambda p: enm.assemble_hessian(4, p, np.zeros((len(p), 3, 3))),
    "assemble_sparse": lambda p: sparse.assemble_sparse(4, p, np.zeros((len(p), 3, 3))),
    "kirchhoff_sparse": lambda p: sparse.kirchhoff_sparse(4, p),
    "connected_components": lambda p: network.connected_components(4, p),
    "bond_energy": _bond_energy,
    "spring_hessian": lambda p: df.spring_hessian(R4, p, np.ones(len(p))),
    "spring_kirchhoff": lambda p: df.spring_kirchhoff(4, p, np.ones(len(p))),
    "gnm_fluctuations": lambda p: df.gnm_fluctuations(4, p, np.ones(len(p))),
}


@pytest.mark.parametrize("name", sorted(PAIR_TAKERS))
def test_pair_lists_follow_one_rule(name):
    call = PAIR_TAKERS[name]
    call(PAIRS)  # a good list is accepted
    with pytest.raises(TypeError, match=rf"^{name}: `\w+` must be integer atom indices"):
        call(PAIRS.astype(float))
    with pytest.raises(TypeError, match=rf"^{name}: "):
        call(PAIRS.astype(bool))
    for bad, what in (
        (np.array([[0, 1], [2, 2]]), r"couples atom 2 to itself"),
        (np.array([[0, 1], [1, 0]]), r"row 1 \[1, 0\] repeats row 0 \[0, 1\]"),
        (np.array([[0, 1], [0, 1]]), r"twice"),
        (np.array([0, 1]), r"shape \(P, 2\)"),
        (np.array([[0, -1]]), r"negative index"),
    ):
        with pytest.raises(ValueError, match=rf"^{name}: .*{what}"):
            call(bad)


@pytest.mark.parametrize(
    "name", ["anm_super_elements", "assemble_hessian", "assemble_sparse", "spring_hessian"]
)
def test_pair_index_out_of_range(name):
    with pytest.raises(ValueError, match=rf"^{name}: .*indices outside 0..3"):
        PAIR_TAKERS[name](np.array([[0, 4]]))


COORDINATE_TAKERS = {
    "anm": lambda R: nm.anm(R, n_modes=None),
    "gnm": lambda R: nm.gnm(R, n_modes=None),
    "anm_hessian": nm.anm_hessian,
    "gnm_kirchhoff": nm.gnm_kirchhoff,
    "anm_energy": enm.anm_energy,
    "anm_hessian_sparse": sparse.anm_hessian_sparse,
    "contact_pairs": lambda R: network.contact_pairs(R, 10.0),
    "pairs_within": lambda R: network.pairs_within(R, 10.0),
    "normal_modes": lambda R: nm.normal_modes(np.eye(12), np.ones(4), R),
}


@pytest.mark.parametrize("name", sorted(COORDINATE_TAKERS))
def test_coordinates(name):
    call = COORDINATE_TAKERS[name]
    with pytest.raises(ValueError, match=rf"^{name}: `R` must have shape \(N, 3\)"):
        call(R4.reshape(-1))
    with pytest.raises(ValueError, match=rf"^{name}: `R` must have shape \(N, 3\)"):
        call(np.zeros((4, 2)))
    nan = R4.copy()
    nan[1, 2] = np.nan
    with pytest.raises(ValueError, match=rf"^{name}: `R` contains 1 non-finite"):
        call(nan)
    with pytest.raises(TypeError, match=rf"^{name}: `R` has dtype"):
        call(np.array([["a", "b", "c"]]))


@pytest.mark.parametrize("name", ["anm", "gnm", "anm_hessian", "gnm_kirchhoff", "contact_pairs"])
def test_cutoff(name):
    fn = {"contact_pairs": network.contact_pairs}.get(name) or getattr(nm, name)
    with pytest.raises(TypeError, match=rf"^{name}: `cutoff` must be a distance"):
        fn(R4, "15")
    with pytest.raises(TypeError, match=rf"^{name}: `cutoff`"):
        fn(R4, True)
    for bad in (0.0, -3.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"^{name}: `cutoff` must be a positive"):
            fn(R4, bad)


@pytest.mark.parametrize("name", ["anm", "gnm", "anm_hessian", "gnm_kirchhoff"])
def test_gamma(name):
    fn = getattr(nm, name)
    with pytest.raises(ValueError, match=rf"^{name}: `gamma` must be a positive"):
        fn(R4, 10.0, -1.0)
    with pytest.raises(TypeError, match=rf"^{name}: `gamma` has dtype"):
        fn(R4, 10.0, "stiff")
    with pytest.raises(ValueError, match=rf"^{name}: `gamma` must be a number or a function"):
        fn(R4, 10.0, np.ones(6))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("anm", lambda n: nm.anm(R4, n_modes=n)),
        ("gnm", lambda n: nm.gnm(R4, n_modes=n)),
        ("normal_modes", lambda n: nm.normal_modes(nm.anm_hessian(R4), np.ones(4), R4, n_modes=n)),
    ],
)
def test_n_modes(name, call):
    for bad in (2.5, "3", True):
        with pytest.raises(TypeError, match=rf"^{name}: `n_modes` must be a positive integer"):
            call(bad)
    for bad in (0, -1, 100):
        with pytest.raises(ValueError, match=rf"^{name}: `n_modes` = {bad} is out of range"):
            call(bad)


def test_solver_and_method_names():
    for name in ("anm", "gnm"):
        with pytest.raises(ValueError, match=rf"^{name}: `solver` must be one of"):
            getattr(nm, name)(R4, n_modes=None, solver="magic")
    with pytest.raises(ValueError, match=r"^normal_modes: `solver` must be one of"):
        nm.normal_modes(np.eye(12), np.ones(4), R4, solver="magic")
    with pytest.raises(ValueError, match=r"^lowest_eigenpairs: `method` must be one of"):
        solvers.lowest_eigenpairs(np.eye(12), 2, method="magic")
    for name, fn in (("anm", nm.anm), ("anm_hessian", nm.anm_hessian)):
        with pytest.raises(ValueError, match=rf"^{name}: `method` must be 'analytic'"):
            fn(R4, method="numeric")


def test_non_symmetric_matrices():
    H = np.eye(12)
    H[0, 5] = 1.0
    with pytest.raises(ValueError, match=r"^normal_modes: `H` is not symmetric"):
        nm.normal_modes(H, np.ones(4), R4)
    with pytest.raises(ValueError, match=r"^mass_weight: `H` is not symmetric"):
        nm.mass_weight(H, np.ones(4))
    with pytest.raises(ValueError, match=r"^lowest_eigenpairs: `A` is not symmetric"):
        solvers.lowest_eigenpairs(H, 2)
    with pytest.raises(TypeError, match=r"^lowest_eigenpairs: `A` must be a real matrix"):
        solvers.lowest_eigenpairs(np.eye(12).astype(complex), 2)


def test_counts_and_masses():
    with pytest.raises(TypeError, match=r"^assemble_sparse: `n_atoms` must be an integer"):
        sparse.assemble_sparse(4.0, PAIRS, BLOCKS)
    with pytest.raises(ValueError, match=r"^assemble_hessian: `n_atoms` must be a positive"):
        enm.assemble_hessian(0, np.zeros((0, 2), int), np.zeros((0, 3, 3)))
    with pytest.raises(TypeError, match=r"^all_pairs: `n_atoms` must be an integer"):
        network.all_pairs(True)
    with pytest.raises(ValueError, match=r"^anm: `masses` must be positive"):
        nm.anm(R4, n_modes=None, masses=np.array([1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"^anm: `masses` must have shape \(4,\)"):
        nm.anm(R4, n_modes=None, masses=np.ones(3))


def test_the_outermost_public_function_is_named():
    # anm_hessian_sparse runs anm_hessian (a public function itself): the message names
    # the one the user called; and a nested call does not stack two prefixes.
    with pytest.raises(ValueError, match=r"^anm_hessian_sparse: `cutoff` must be a positive"):
        sparse.anm_hessian_sparse(R4, -1.0)
    with pytest.raises(ValueError, match=r"^pair_energy: `exclude` row 0 .* negative"):
        potentials.pair_energy(potentials.lennard_jones(1.0, 1.0), 4, exclude=[(0, -1)])
    # An energy closure names its builder when called directly.
    with pytest.raises(ValueError, match=r"^bond_energy: `bonds` row 0 .* refers to atom 5"):
        _bond_energy([(0, 5)])(R4)
    # Disconnected networks are ValueErrors too (a subclass), named the same way.
    far = np.concatenate([R4, R4 + 40.0])
    with pytest.raises(enm.DisconnectedNetworkError, match=r"^gnm: the GNM network"):
        nm.gnm(far, cutoff=10.0, n_modes=None)


# --- differentiable models: pairs and spring constants checked once, at the boundary --------

# A slightly distorted tetrahedron with all 6 springs: rigid, and its slowest internal mode
# is not degenerate (the regular one's is), so every differentiable function accepts it.
R4X = R4 + np.array([[0.0, 0.0, 0.0], [0.2, 0.0, 0.0], [0.0, 0.3, 0.0], [0.0, 0.0, 0.4]])
ALL6 = np.stack(np.triu_indices(4, 1), axis=1)
SPRING_TAKERS = {
    "anm_fluctuations": lambda p, k: df.anm_fluctuations(R4X, p, k),
    "slowest_mode_sensitivity": lambda p, k: df.slowest_mode_sensitivity(R4X, p, k),
    "fluctuation_sensitivity": lambda p, k: df.fluctuation_sensitivity(R4X, p, k),
    "spring_hessian": lambda p, k: df.spring_hessian(R4X, p, k),
    "spring_kirchhoff": lambda p, k: df.spring_kirchhoff(4, p, k),
    "gnm_fluctuations": lambda p, k: df.gnm_fluctuations(4, p, k),
}


@pytest.mark.parametrize("name", sorted(SPRING_TAKERS))
def test_differentiable_springs(name):
    call = SPRING_TAKERS[name]
    call(ALL6, np.ones(6))  # a good network is accepted
    with pytest.raises(TypeError, match=rf"^{name}: `pairs` must be integer atom indices"):
        call(ALL6.astype(float), np.ones(6))
    repeated = np.concatenate([ALL6, [[1, 0]]])
    with pytest.raises(ValueError, match=rf"^{name}: `pairs` row 6 \[1, 0\] repeats row 0"):
        call(repeated, np.ones(7))
    with pytest.raises(ValueError, match=rf"^{name}: `k` must hold one spring constant per pair"):
        call(ALL6, np.ones(5))
    with pytest.raises(TypeError, match=rf"^{name}: `k` has dtype"):
        call(ALL6, np.array(["stiff"] * 6))


# --- modes carry their dimension: analyses, thermochemistry and export read modes.dim -------


@pytest.fixture(scope="module")
def gnm_modes():
    return nm.gnm(R4X, cutoff=10.0, n_modes=None)


@pytest.fixture(scope="module")
def anm_modes():
    return nm.anm(R4X, cutoff=10.0, n_modes=None)


def test_analyses_read_modes_dim(gnm_modes, anm_modes):
    assert (gnm_modes.dim, anm_modes.dim) == (1, 3)
    for name in ("square_fluctuations", "covariance", "cross_correlation", "collectivity"):
        fn = getattr(analysis, name)
        fn(gnm_modes), fn(anm_modes)  # no `dim` needed for a Modes
        fn(gnm_modes, dim=1), fn(anm_modes, dim=3)  # an agreeing `dim` is fine
        with pytest.raises(
            ValueError, match=rf"^{name}: dim=3 disagrees with the modes, .* modes.dim=1"
        ):
            fn(gnm_modes, dim=3)
        with pytest.raises(ValueError, match=rf"^{name}: dim=1 disagrees .* modes.dim=3"):
            fn(anm_modes, dim=1)
        # a hand-made Modes whose dim contradicts its shapes, or is not 1 or 3
        with pytest.raises(ValueError, match=rf"^{name}: `modes.vectors` has shape \(4, 3\)"):
            fn(gnm_modes._replace(dim=3))
        with pytest.raises(ValueError, match=rf"^{name}: `modes.dim` must be 3 .* or 1"):
            fn(anm_modes._replace(dim=2))
    with pytest.raises(TypeError, match=r"^square_fluctuations: `modes` must be a Modes"):
        analysis.square_fluctuations({"eigenvalues": gnm_modes.eigenvalues})


def test_gnm_and_cartesian_modes_are_not_mixed(gnm_modes, anm_modes):
    with pytest.raises(ValueError, match=r"^hinge_residues: hinges are defined on one-dim"):
        analysis.hinge_residues(anm_modes)
    with pytest.raises(ValueError, match=r"^sample_conformers: needs Cartesian modes"):
        analysis.sample_conformers(jax.random.key(0), R4X, gnm_modes)
    for name in ("overlap", "rmsip"):
        with pytest.raises(ValueError, match=rf"^{name}: `a` has modes.dim=1 and `b` modes"):
            getattr(analysis, name)(gnm_modes, anm_modes)


@pytest.mark.parametrize("name", ["harmonic_thermo", "classical_limit"])
def test_thermochemistry_needs_frequencies(name, gnm_modes, anm_modes):
    fn = getattr(thermo, name)
    fn(anm_modes)  # Cartesian modes have frequencies
    message = (
        rf"^{name}: GNM modes have no frequencies: thermochemistry needs Cartesian modes "
        "from normal_modes or anm"
    )
    with pytest.raises(ValueError, match=message):
        fn(gnm_modes)
    with pytest.raises(TypeError, match=rf"^{name}: `frequencies` has dtype"):
        fn(np.array(["fast", "slow"]))


def test_nmd_export_needs_cartesian_modes(tmp_path, gnm_modes, anm_modes):
    export.write_nmd(tmp_path / "anm.nmd", R4X, anm_modes)
    with pytest.raises(ValueError, match=r"^write_nmd: NMD files hold Cartesian modes"):
        export.write_nmd(tmp_path / "gnm.nmd", R4X, gnm_modes)
    with pytest.raises(TypeError, match=r"^write_nmd: `modes` must be a Modes"):
        export.write_nmd(tmp_path / "x.nmd", R4X, {"vectors": anm_modes.vectors})


# --- molecules and Hessians: the builder or Hessian function the user called is named -------

# Every molecule builder with one bad argument: (call, error, what the message says next).
MOLECULE_MISTAKES = {
    "diatomic": (lambda: molecules.diatomic(r0=-1.0), ValueError, r"`r0` must be finite and > 0"),
    "water": (lambda: molecules.water(k_bond="stiff"), TypeError, r"`k_bond` must be a number"),
    "carbon_dioxide": (
        lambda: molecules.carbon_dioxide(nu_bend=0.0),
        ValueError,
        r"`nu_bend` must be finite and > 0",
    ),
    "ammonia": (
        lambda: molecules.ammonia(theta0_deg=120.0),
        ValueError,
        r"`theta0_deg` must be below 120°",
    ),
    "methane": (
        lambda: molecules.methane(k_angle=float("nan")),
        ValueError,
        r"`k_angle` must be finite and > 0",
    ),
    "harmonic_chain": (
        lambda: molecules.harmonic_chain(4, mass=0.0),
        ValueError,
        r"`mass` must be finite and > 0",
    ),
    "lj_cluster": (lambda: molecules.lj_cluster(5), ValueError, r"n = 5 is not supported"),
}


@pytest.mark.parametrize("name", sorted(MOLECULE_MISTAKES))
def test_molecule_builders_name_themselves(name):
    call, error, what = MOLECULE_MISTAKES[name]
    with pytest.raises(error, match=rf"^{name}: {what}"):
        call()


@pytest.mark.parametrize("name", ["diatomic", "water", "carbon_dioxide", "harmonic_chain"])
def test_shared_checks_inside_a_builder_name_the_builder(name):
    # The precision check runs in the shared validators (as_positions), not in the builder.
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match=rf"^{name} needs float64"):
        getattr(molecules, name)()


def test_lj_cluster_refuses_float32_before_relaxing():
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match=r"^lj_cluster needs"):
        molecules.lj_cluster(7)


def _sum_of_squares(X):
    return jnp.sum(X**2)


# Every public Hessian function, as f(energy_fn, R).
HESSIAN_TAKERS = {
    "hessian": nm.hessian,
    "finite_difference_hessian": nm.finite_difference_hessian,
    "hessian_vector_product": lambda E, R: nm.hessian_vector_product(E, R, np.ones(np.shape(R))),
    "hvp_fn": nm.hvp_fn,
}


@pytest.mark.parametrize("name", sorted(HESSIAN_TAKERS))
def test_hessian_functions_name_themselves(name):
    call = HESSIAN_TAKERS[name]
    call(_sum_of_squares, R4)  # good input is accepted
    with pytest.raises(ValueError, match=rf"^{name}: `R` must have shape \(N, 3\)"):
        call(_sum_of_squares, np.ones((4, 2)))
    with pytest.raises(ValueError, match=rf"^{name}: atoms 0 and 1 of `R` overlap"):
        call(_sum_of_squares, np.zeros((2, 3)))
    with pytest.raises(TypeError, match=rf"^{name}: `R` has dtype"):
        call(_sum_of_squares, np.full((2, 3), "x"))
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match=rf"^{name} needs float64"):
        call(_sum_of_squares, R4)


def test_hessian_argument_errors_name_the_function():
    with pytest.raises(ValueError, match=r"^hessian: `energy_fn` must return a scalar"):
        nm.hessian(lambda X: X**2, R4)
    with pytest.raises(
        ValueError, match=r"^finite_difference_hessian: `energy_fn` must return a scalar"
    ):
        nm.finite_difference_hessian(lambda X: X**2, R4)
    with pytest.raises(ValueError, match=r"^finite_difference_hessian: `step` must be > 0"):
        nm.finite_difference_hessian(_sum_of_squares, R4, step=0.0)
    with pytest.raises(ValueError, match=r"^hessian_vector_product: `V` must have shape"):
        nm.hessian_vector_product(_sum_of_squares, R4, np.ones(4))
    with pytest.raises(TypeError, match=r"^hessian_vector_product: `V` has dtype"):
        nm.hessian_vector_product(_sum_of_squares, R4, np.full(12, "x"))
