"""ANM and GNM against ProDy (an independent implementation) and its published eigenvalues.

ProDy builds its Hessian and Kirchhoff matrices with its own Python loops and diagonalises
them with SciPy; we feed it *our* coordinates (``buildHessian(R)``) so both sides see the
same atoms, and check separately that ProDy's own parser picks the same Cα.

ANM and GNM on 1UBI (76 Cα) and 1AKE chain A (214 Cα); on 7CTH (2,157 Cα) the GNM modes,
the full ANM Hessian and the 20 slowest ANM modes (ProDy's Hessian solved with ARPACK as
ProDy's sparse path does: a dense (6471 x 6471) ``eigh`` would take ~45 s on each side here).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import enm

pytestmark = pytest.mark.oracle

REPO = Path(__file__).resolve().parents[2]
EIG_RTOL = 1e-8  # eigenvalues, relative (observed ~1e-13)
VEC_TOL = 1e-8  # 1 - smallest singular value of the overlap of matching subspaces


def _require_data() -> bool:
    return os.environ.get("JAXNM_REQUIRE_DATA") == "1"


def _missing(what: str) -> None:
    message = f"{what} not found (set JAXNM_DATA_DIR to shared/data/structures)"
    if _require_data():
        pytest.fail(f"JAXNM_REQUIRE_DATA=1 but {message}")
    pytest.skip(message)


def _reference_dir() -> Path | None:
    candidates = [REPO.parent / "shared" / "data" / "reference"]
    data = os.environ.get("JAXNM_DATA_DIR")
    if data:
        candidates += [Path(data).parent / "reference", Path(data) / "reference"]
    return next((c for c in candidates if (c / "anm1ubi_evalues.dat").is_file()), None)


def _degenerate_groups(w: np.ndarray, rtol: float = 1e-6) -> list[np.ndarray]:
    """Index groups of eigenvalues equal to ``rtol`` (relative to the largest)."""
    cuts = np.flatnonzero(np.diff(w) > rtol * np.abs(w).max()) + 1
    return np.split(np.arange(len(w)), cuts)


def assert_same_modes(w, V, w_ref, V_ref):
    """Same eigenvalues; same eigenvectors up to sign, or up to rotation in degenerate sets."""
    w, V = np.asarray(w), np.asarray(V)
    w_ref, V_ref = np.asarray(w_ref), np.asarray(V_ref)
    np.testing.assert_allclose(w, w_ref, rtol=EIG_RTOL)
    groups = _degenerate_groups(w_ref)
    if len(groups) > 1 and len(groups[-1]) > 1:
        groups = groups[:-1]  # a degenerate set cut at the last mode is not comparable
    for g in groups:
        sigma = np.linalg.svd(V[:, g].T @ V_ref[:, g], compute_uv=False)
        assert 1.0 - sigma.min() < VEC_TOL, (g, sigma)


@pytest.fixture(scope="module")
def structures(ubiquitin, adk_closed):
    return {"1UBI": ubiquitin, "1AKE_A": adk_closed}


@pytest.mark.parametrize("name", ["1UBI", "1AKE_A"])
def test_prody_parses_the_same_calpha(prody, structures, name):
    s = structures[name]
    chain = " and chain A" if name.endswith("_A") else ""
    atoms = prody.parsePDB(s.source).select(f"name CA and protein{chain}")
    np.testing.assert_array_equal(atoms.getCoords(), s.R)


@pytest.mark.parametrize("name", ["1UBI", "1AKE_A"])
@pytest.mark.parametrize(("cutoff", "gamma"), [(15.0, 1.0), (10.0, 2.5)])
def test_anm_matches_prody(prody, structures, name, cutoff, gamma):
    R = structures[name].R
    ref = prody.ANM(name)
    ref.buildHessian(R, cutoff=cutoff, gamma=gamma)
    np.testing.assert_allclose(nm.anm_hessian(R, cutoff, gamma), ref.getHessian(), atol=1e-12)
    ref.calcModes(n_modes=20)
    ours = nm.anm(R, cutoff=cutoff, gamma=gamma, n_modes=20)
    assert ours.n_rigid == 6
    assert_same_modes(ours.eigenvalues, ours.vectors, ref.getEigvals(), ref.getEigvecs())


@pytest.mark.parametrize("name", ["1UBI", "1AKE_A"])
@pytest.mark.parametrize(("cutoff", "gamma"), [(10.0, 1.0), (7.3, 0.5)])
def test_gnm_matches_prody(prody, structures, name, cutoff, gamma):
    R = structures[name].R
    ref = prody.GNM(name)
    ref.buildKirchhoff(R, cutoff=cutoff, gamma=gamma)
    np.testing.assert_allclose(nm.gnm_kirchhoff(R, cutoff, gamma), ref.getKirchhoff(), atol=1e-12)
    ref.calcModes(n_modes=20)
    ours = nm.gnm(R, cutoff=cutoff, gamma=gamma, n_modes=20)
    assert ours.n_rigid == 1
    assert_same_modes(ours.eigenvalues, ours.vectors, ref.getEigvals(), ref.getEigvecs())


@pytest.mark.parametrize("scheme", ["pfanm", "hinsen"])
def test_distance_dependent_springs_match_prody(prody, structures, scheme):
    # ProDy takes gamma(dist2, i, j) of the squared distance, written out here by hand.
    R = structures["1UBI"].R
    if scheme == "pfanm":
        ours_gamma = enm.parameter_free_gamma

        def prody_gamma(dist2, i, j):
            return 1.0 / dist2

    else:
        ours_gamma = enm.hinsen_gamma

        def prody_gamma(dist2, i, j):
            r_nm = np.sqrt(dist2) / 10.0
            k = 8.6e5 * r_nm - 2.39e5 if r_nm < 0.4 else 128.0 * r_nm**-6  # kJ/mol/nm^2
            return k / 4.184 / 100.0  # kcal/mol/Å^2

    ref = prody.ANM(scheme)
    ref.buildHessian(R, cutoff=1000.0, gamma=prody_gamma)  # ProDy needs a number: > span
    ref.calcModes(n_modes=20)
    ours = nm.anm(R, cutoff=None, gamma=ours_gamma, n_modes=20)
    assert_same_modes(ours.eigenvalues, ours.vectors, ref.getEigvals(), ref.getEigvecs())


def test_published_prody_eigenvalues_1ubi(structures):
    folder = _reference_dir()
    if folder is None:
        _missing("shared/data/reference/anm1ubi_evalues.dat")
    R = structures["1UBI"].R
    # ANM (cutoff 15 Å, gamma 1), printed as %.5E: 6 rigid-body "zeros", then 30 modes.
    anm_ref = np.loadtxt(folder / "anm1ubi_evalues.dat")
    np.testing.assert_array_equal(anm_ref[:, 0], np.arange(1, len(anm_ref) + 1))
    assert np.all(np.abs(anm_ref[:6, 1]) < 1e-5)
    ours = nm.anm(R, cutoff=15.0, gamma=1.0, n_modes=len(anm_ref) - 6)
    np.testing.assert_allclose(ours.eigenvalues, anm_ref[6:, 1], rtol=6e-5)
    # GNM (cutoff 10 Å, gamma 1), printed as %.5f: rows 1-21 are the zero mode and the
    # lowest 20 modes, rows 22-42 the highest 21 of the 75 nonzero modes.
    gnm_ref = np.loadtxt(folder / "gnm1ubi_evalues.dat")
    assert gnm_ref.shape == (42, 2)
    assert gnm_ref[0, 1] == 0.0
    w = np.asarray(nm.gnm(R, cutoff=10.0, gamma=1.0, n_modes=None).eigenvalues)
    assert w.shape == (75,)
    np.testing.assert_allclose(w[:20], gnm_ref[1:21, 1], rtol=0, atol=6e-6)
    np.testing.assert_allclose(w[-21:], gnm_ref[21:, 1], rtol=0, atol=6e-6)


@pytest.fixture(scope="module")
def cth():
    try:
        s = nm.load_structure("7CTH", download=False)
    except FileNotFoundError:
        _missing("7cth.cif")
    assert s.n_residues == 2157
    return s.R


@pytest.mark.slow
def test_gnm_7cth_matches_prody(prody, cth):
    ref = prody.GNM("7cth")
    ref.buildKirchhoff(cth, cutoff=10.0, gamma=1.0)
    ref.calcModes(n_modes=20)
    ours = nm.gnm(cth, cutoff=10.0, gamma=1.0, n_modes=20)
    assert ours.n_rigid == 1  # the 10 chains form one network at 10 Å
    assert_same_modes(ours.eigenvalues, ours.vectors, ref.getEigvals(), ref.getEigvecs())


@pytest.mark.slow
def test_anm_7cth_matches_prody(prody, cth):
    """Hessian, then the 20 slowest modes: ProDy's Hessian diagonalised as ProDy's sparse
    path does (ARPACK ``eigsh(which="SA")`` on the raw matrix, the 6 zeros dropped) against
    ``nm.anm``, which above 1,500 rows never forms a dense matrix (KD-tree contacts, CSR
    assembly, Lanczos on the rigid-body-deflated operator): no shared step but ARPACK."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as sla

    ref = prody.ANM("7cth")
    ref.buildHessian(cth, cutoff=15.0, gamma=1.0)
    H_ref = ref.getHessian()
    H = nm.anm_hessian(cth, cutoff=15.0, gamma=1.0)
    np.testing.assert_allclose(np.asarray(H), H_ref, rtol=0, atol=1e-12)
    del H
    w_ref, V_ref = sla.eigsh(sp.csr_array(H_ref), k=26, which="SA", tol=1e-12)
    order = np.argsort(w_ref)
    w_ref, V_ref = w_ref[order], V_ref[:, order]
    assert np.all(np.abs(w_ref[:6]) < 1e-10)  # the rigid-body zeros, dropped as ProDy does
    ours = nm.anm(cth, cutoff=15.0, gamma=1.0, n_modes=20)
    assert ours.n_rigid == 6
    assert_same_modes(ours.eigenvalues, ours.vectors, w_ref[6:], V_ref[:, 6:])
