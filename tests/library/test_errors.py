"""One error convention at every public boundary of the network, ENM, solver and modes code.

TypeError for an argument of the wrong type (a float pair list, a string cutoff, a
non-integer n_modes), ValueError for a wrong value (shape, NaN, range, repeated or self
pairs, a non-symmetric matrix), and the message starts with the public function the user
called, even when the check runs in a helper or in another public function it calls.
"""

from __future__ import annotations

import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import enm, network, potentials, solvers, sparse

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


@pytest.mark.parametrize("name", ["anm_super_elements", "assemble_hessian", "assemble_sparse"])
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
