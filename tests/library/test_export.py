"""Export: files written here are read back by independent readers (gemmi, ProDy, ASE)."""

from __future__ import annotations

import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import analysis as an
from jaxnm_course import export
from tests import strategies as S
from tests.references import analytic_spring_hessian


@pytest.fixture(scope="module")
def ake(adk_open):
    """Adenylate kinase (chain A, 214 Cα) and a trajectory of 5 frames along a vector."""
    s = adk_open
    v = np.random.default_rng(0).normal(size=3 * s.n_residues)
    frames = np.asarray(an.traverse_mode(s.R, v, n_steps=2, rmsd=1.0).R)
    return s, frames


@pytest.fixture(scope="module")
def two_chains(adk_closed):
    """Eight residues of 1AKE split by hand into chains A and B, with an insertion code."""
    s = adk_closed
    return s._replace(
        R=s.R[:8],
        resnames=s.resnames[:8],
        resnums=s.resnums[:8],
        icodes=("", "", "B", "", "", "", "", ""),
        chains=("A",) * 4 + ("B",) * 4,
        bfactors=s.bfactors[:8],
    )


def test_pdb_trajectory_reads_back_with_gemmi(tmp_path, ake):
    import gemmi

    s, frames = ake
    path = export.write_pdb_trajectory(tmp_path / "traj.pdb", frames, s, remark="test")
    st = gemmi.read_structure(str(path))
    assert len(st) == 5
    for model, R in zip(st, frames, strict=True):
        atoms = [a for ch in model for res in ch for a in res]
        xyz = np.array([a.pos.tolist() for a in atoms])
        np.testing.assert_allclose(xyz, R, atol=5e-4)
        assert {a.name for a in atoms} == {"CA"}
        assert {a.element.name for a in atoms} == {"C"}
    res = [r for ch in st[0] for r in ch]
    assert [r.name for r in res] == list(s.resnames)
    assert [r.seqid.num for r in res] == list(s.resnums)
    assert {ch.name for ch in st[0]} == set(s.chains)
    # and our own reader gets the same residues back, model by model
    back = nm.load_structure(path, model="all")
    np.testing.assert_allclose(back.models, frames, atol=5e-4)
    assert back.resnames == s.resnames
    np.testing.assert_allclose(back.bfactors, s.bfactors, atol=5e-3)


def test_pdb_columns_chains_and_insertion_codes(tmp_path, two_chains):
    import gemmi

    s = two_chains
    path = export.write_pdb_trajectory(tmp_path / "two.pdb", s.R, s, bfactors=np.arange(8.0))
    text = path.read_text().splitlines()
    atom = next(line for line in text if line.startswith("ATOM"))
    assert len(atom) == 78
    assert atom[12:16] == " CA "
    assert atom[76:78] == " C"
    assert sum(line.startswith("TER") for line in text) == 2  # one per chain
    st = gemmi.read_structure(str(path))
    res = [(ch.name, r.seqid.num, r.seqid.icode.strip(), r.name) for ch in st[0] for r in ch]
    assert res == list(zip(s.chains, s.resnums, s.icodes, s.resnames, strict=True))
    b = [r[0].b_iso for ch in st[0] for r in ch]
    np.testing.assert_allclose(b, np.arange(8.0), atol=1e-6)


@pytest.mark.oracle
def test_pdb_trajectory_reads_back_with_prody(tmp_path, ake, prody):
    s, frames = ake
    path = export.write_pdb_trajectory(tmp_path / "traj.pdb", frames, s)
    ag = prody.parsePDB(str(path))
    assert ag.numCoordsets() == 5
    assert ag.numAtoms() == s.n_residues
    np.testing.assert_allclose(ag.getCoordsets(), frames, atol=5e-4)
    assert list(ag.getResnames()) == list(s.resnames)
    assert list(ag.getResnums()) == list(s.resnums)
    assert set(ag.getChids()) == {"A"}


@pytest.mark.oracle
def test_nmd_reads_back_with_prody(tmp_path, ake, prody):
    s, _ = ake
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3 * s.n_residues, 4)))
    lam = np.array([0.05, 0.3, 1.7, 2.0])
    path = export.write_nmd(tmp_path / "ake.nmd", s, (lam, q), name="4ake open")
    nma, ag = prody.parseNMD(str(path), type=prody.ANM)
    np.testing.assert_allclose(ag.getCoords(), s.R, atol=5e-5)
    assert list(ag.getResnames()) == list(s.resnames)
    assert list(ag.getResnums()) == list(s.resnums)
    assert nma.numModes() == 4
    np.testing.assert_allclose(nma.getEigvals(), lam, rtol=1e-7)
    np.testing.assert_allclose(nma.getArray(), q, atol=5e-7)
    assert path.read_text().splitlines()[1] == "name 4ake_open"
    # and ProDy's own writer gives the same modes when we parse its file the same way
    anm = prody.ANM("x")
    anm.setEigens(q, lam)
    theirs = prody.writeNMD(str(tmp_path / "prody.nmd"), anm, ag)
    nma2, _ = prody.parseNMD(theirs, type=prody.ANM)
    np.testing.assert_allclose(nma2.getArray(), nma.getArray(), atol=1e-3)  # they write %.3f


def test_nmd_of_a_modes_object(tmp_path):
    R = np.random.default_rng(2).normal(scale=3.0, size=(5, 3))
    _, r0 = S.spring_network(R, np.ones(10))
    modes = nm.normal_modes(analytic_spring_hessian(R, np.ones(10), r0), np.ones(5), R)
    path = export.write_nmd(tmp_path / "m.nmd", R, modes, n_modes=3)
    lines = path.read_text().splitlines()
    assert lines[0] == "nmwiz_load m.nmd"  # the name only: no folder of the writer's machine
    assert str(tmp_path) not in path.read_text()
    mode_lines = [line.split() for line in lines if line.startswith("mode")]
    assert [int(m[1]) for m in mode_lines] == [1, 2, 3]
    scales = np.array([float(m[2]) for m in mode_lines])
    np.testing.assert_allclose(scales, np.asarray(modes.eigenvalues[:3]) ** -0.5, rtol=1e-7)
    vecs = np.array([[float(x) for x in m[3:]] for m in mode_lines]).T
    np.testing.assert_allclose(vecs, modes.vectors[:, :3], atol=5e-7)


def test_xyz_reads_back_with_ase(tmp_path, ake):
    ase_io = pytest.importorskip("ase.io")
    _, frames = ake
    path = export.write_xyz(tmp_path / "t.xyz", frames[:3], comments=["a", "b", "c"])
    images = ase_io.read(str(path), index=":")
    assert len(images) == 3
    for atoms, R in zip(images, frames[:3], strict=True):
        np.testing.assert_allclose(atoms.get_positions(), R, atol=1e-9)
        assert set(atoms.get_chemical_symbols()) == {"C"}
    lines = path.read_text().splitlines()
    assert lines[0] == str(frames.shape[1])
    assert lines[1] == "a"


def test_export_refuses_what_the_format_cannot_hold(tmp_path, ake, two_chains):
    s, frames = ake
    with pytest.raises(ValueError, match="8-character columns"):
        export.write_pdb_trajectory(tmp_path / "x.pdb", frames * 1e4, s)
    with pytest.raises(ValueError, match="one character"):
        export.write_pdb_trajectory(tmp_path / "x.pdb", s.R, s._replace(chains=("AB",) * 214))
    with pytest.raises(ValueError, match="214 residues"):
        export.write_pdb_trajectory(tmp_path / "x.pdb", s.R[:10], s)
    with pytest.raises(ValueError, match="NaN"):
        export.write_xyz(tmp_path / "x.xyz", np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match=r"\(3N, M\)"):
        export.write_nmd(tmp_path / "x.nmd", s.R, (np.ones(2), np.ones((9, 2))))
    with pytest.raises(ValueError, match="rigid-body"):
        export.write_nmd(tmp_path / "x.nmd", s.R, (np.zeros(1), np.ones(642)))
    assert not list(tmp_path.iterdir())  # nothing half-written
