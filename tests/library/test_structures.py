"""Reading protein structures: Cα selection, ids and data folders, downloads, bad input.

Counts and B-factors are checked against the file text read with plain Python (or the
low-level CIF tokenizer of gemmi for mmCIF), independently of the selection code.
"""

from __future__ import annotations

import gzip
import io
import os
import urllib.error
import urllib.request
from pathlib import Path

import gemmi
import numpy as np
import pytest

from jaxnm_course import structures
from jaxnm_course.structures import (
    RESIDUE_MASSES,
    Structure,
    load_structure,
    residue_masses,
)

BUNDLED_DIR = Path(structures.__file__).parent.with_name("data")  # jaxnm_course/data
WATER = 2 * 1.008 + 15.999


def _shared_dir() -> Path | None:
    env = os.environ.get("JAXNM_DATA_DIR")
    candidates = [Path(env), Path(env) / "structures"] if env else []
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "structures")
    for folder in candidates:
        if (folder / "7cth.cif").is_file():
            return folder
    return None


SHARED = _shared_dir()
needs_shared = pytest.mark.skipif(
    SHARED is None,
    reason="large test structures (7cth.cif, 4v8r.pdb) not found: set JAXNM_DATA_DIR to the "
    "folder holding them (../shared/data/structures in the project checkout)",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No test touches the network, the user's cache or a data folder it did not choose."""
    monkeypatch.setenv("JAXNM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("JAXNM_DATA_DIR", raising=False)
    monkeypatch.setenv("JAXNM_OFFLINE", "1")


def _text_cas(path: Path) -> list[tuple[str, float, float, float, float]]:
    """(chain, x, y, z, B) of the ATOM/HETATM lines named ' CA ' (first model, no altloc B)."""
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("ENDMDL"):
            break
        if line.startswith(("ATOM", "HETATM")) and line[12:16] == " CA " and line[16] in " A":
            xyz_b = (float(line[30:38]), float(line[38:46]), float(line[46:54]))
            rows.append((line[20:22].strip(), *xyz_b, float(line[60:66])))
    return rows


# --- bundled structures ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "n", "name"),
    [
        ("1UBI", 76, "1UBI"),
        ("1ubi", 76, "1UBI"),
        ("1AKE", 214, "1AKE"),
        ("4AKE_A_aligned", 214, "4AKE_A_ALIGNED"),
        ("4ake_a_aligned_to_1ake", 214, "4AKE_A_ALIGNED_TO_1AKE"),
    ],
)
def test_bundled_counts(source, n, name):
    s = load_structure(source)
    assert isinstance(s, Structure)
    assert s.R.shape == (n, 3)
    assert s.R.dtype == np.float64
    assert s.bfactors.shape == (n,)
    assert len(s.resnames) == len(s.chains) == len(s.icodes) == s.resnums.shape[0] == n
    assert s.n_residues == n
    assert s.name == name
    assert s.models is None
    assert Path(s.source).parent == BUNDLED_DIR


def test_1ake_chain_a():
    s = load_structure("1ake", chains="A")
    assert s.n_residues == 214
    assert set(s.chains) == {"A"}
    assert (s.resnums == np.arange(1, 215)).all()


def test_ubiquitin_sequence_and_numbering():
    s = load_structure("1UBI")
    one = {"MET": "M", "GLN": "Q", "ILE": "I", "PHE": "F", "VAL": "V", "LYS": "K"}
    assert "".join(one[r] for r in s.resnames[:6]) == "MQIFVK"
    assert s.resnames[-2:] == ("GLY", "GLY")
    assert (s.resnums == np.arange(1, 77)).all()
    assert s.icodes == ("",) * 76


@pytest.mark.parametrize("filename", ["1ubi.pdb", "1ake.pdb", "4ake_A_aligned_to_1ake.pdb"])
def test_coordinates_and_bfactors_match_file_text(filename):
    path = BUNDLED_DIR / filename
    expected = _text_cas(path)
    s = load_structure(path)
    assert s.n_residues == len(expected)
    np.testing.assert_array_equal(s.R, np.array([r[1:4] for r in expected]))
    np.testing.assert_array_equal(s.bfactors, np.array([r[4] for r in expected]))


def test_bfactor_spot_check():
    s = load_structure("1ubi")
    # First Cα line of 1ubi.pdb: "ATOM      2  CA  MET A   1 ... 1.00  9.58".
    line = next(
        ln for ln in (BUNDLED_DIR / "1ubi.pdb").read_text().splitlines() if ln[12:16] == " CA "
    )
    assert line[17:20] == "MET"
    assert s.bfactors[0] == float(line[60:66]) == 9.58


def test_open_and_closed_adenylate_kinase_match_residue_by_residue():
    closed, open_ = load_structure("1AKE"), load_structure("4ake_A_aligned")
    assert closed.resnames == open_.resnames
    assert (closed.resnums == open_.resnums).all()
    # Superposed, yet a domain closure: the RMSD is several Å (about 7 Å in the literature).
    rmsd = np.sqrt(((closed.R - open_.R) ** 2).sum(1).mean())
    assert 5.0 < rmsd < 9.0


def test_path_as_str_and_gzip(tmp_path):
    gz = tmp_path / "ubiquitin.pdb.gz"
    gz.write_bytes(gzip.compress((BUNDLED_DIR / "1ubi.pdb").read_bytes()))
    s = load_structure(str(gz))
    assert s.name == "ubiquitin"
    np.testing.assert_array_equal(s.R, load_structure("1ubi").R)


def test_mmcif_equals_pdb(tmp_path):
    st = gemmi.read_structure(str(BUNDLED_DIR / "1ake.pdb"))
    st.setup_entities()
    cif = tmp_path / "1ake_copy.cif"
    st.make_mmcif_document().write_file(str(cif))
    a, b = load_structure(cif), load_structure("1ake")
    np.testing.assert_array_equal(a.R, b.R)
    np.testing.assert_array_equal(a.bfactors, b.bfactors)
    assert a.resnames == b.resnames


# --- hand-written file: ions, ligands, altlocs, models, insertion codes ----------------------


def _atom(serial, name, resname, resnum, x, *, record="ATOM", alt=" ", icode=" ", b=10.0,
          occ=1.0, element="C", chain="A"):  # fmt: skip
    return (
        f"{record:<6}{serial:>5} {name:<4}{alt}{resname:>3} {chain}{resnum:>4}{icode}   "
        f"{x:8.3f}{2.0:8.3f}{3.0:8.3f}{occ:6.2f}{b:6.2f}          {element:>2}"
    )


def _tiny_model(shift: float) -> list[str]:
    x = shift
    return [
        _atom(1, " N  ", "ALA", 1, x - 1.0, element="N"),
        _atom(2, " CA ", "ALA", 1, x + 0.0, b=11.11),
        _atom(3, " C  ", "ALA", 1, x + 1.0),
        _atom(4, " CA ", "GLY", 2, x + 3.8, alt="A", occ=0.6, b=22.22),
        _atom(5, " CA ", "GLY", 2, x + 4.1, alt="B", occ=0.4, b=33.33),
        _atom(6, " CA ", "SER", 2, x + 7.6, icode="A"),
        _atom(7, " CA ", "LYS", 3, x + 11.4),
        "TER       8      LYS A   3",
        # A calcium ion (residue CA, atom CA, element Ca) in the protein's chain.
        _atom(9, "CA  ", "CA", 101, x + 20.0, record="HETATM", element="CA"),
        # A ligand carbon that happens to be named CA.
        _atom(10, " CA ", "LIG", 102, x + 25.0, record="HETATM"),
        # A free amino acid bound as a ligand: not part of the polymer.
        _atom(11, " CA ", "MET", 103, x + 30.0, record="HETATM"),
        _atom(12, " O  ", "HOH", 201, x + 35.0, record="HETATM", element="O"),
    ]


@pytest.fixture
def tiny_pdb(tmp_path) -> Path:
    lines = ["MODEL        1", *_tiny_model(0.0), "ENDMDL"]
    lines += ["MODEL        2", *_tiny_model(1.0), "ENDMDL", "END"]
    path = tmp_path / "tiny.pdb"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tiny_selection(tiny_pdb):
    s = load_structure(tiny_pdb)
    # Only the four amino acids of the polymer: no ion, no ligand CA, no free MET, no water.
    assert s.resnames == ("ALA", "GLY", "SER", "LYS")
    assert s.resnums.tolist() == [1, 2, 2, 3]
    assert s.icodes == ("", "", "A", "")
    assert s.chains == ("A",) * 4
    # First altloc (A) of GLY 2, first model.
    np.testing.assert_array_equal(s.R[:, 0], [0.0, 3.8, 7.6, 11.4])
    np.testing.assert_array_equal(s.bfactors, [11.11, 22.22, 10.0, 10.0])
    assert s.models is None


def test_hetero_residues_inside_the_chain(tmp_path):
    # Without a TER between them, gemmi puts an ion or a sugar written among the amino
    # acids into the polymer: the amino-acid test and the element test must catch them.
    lines = [
        _atom(1, " CA ", "ALA", 1, 0.0),
        _atom(2, "CA  ", "CA", 2, 3.8, element="CA"),
        _atom(3, " CA ", "NAG", 3, 7.6, record="HETATM"),
        _atom(4, " CA ", "GLY", 4, 11.4),
        _atom(5, "CA  ", "ALA", 5, 15.2, element="CA"),  # a calcium, whatever the residue
        "TER",
        "END",
    ]
    path = tmp_path / "inside.pdb"
    path.write_text("\n".join(lines) + "\n")
    s = load_structure(path)
    assert s.resnames == ("ALA", "GLY")
    assert s.resnums.tolist() == [1, 4]


def test_tiny_altloc_b(tiny_pdb):
    s = load_structure(tiny_pdb, altloc="B")
    np.testing.assert_array_equal(s.R[:, 0], [0.0, 4.1, 7.6, 11.4])
    assert s.bfactors[1] == 33.33


def test_tiny_models(tiny_pdb):
    second = load_structure(tiny_pdb, model=1)
    np.testing.assert_array_equal(second.R[:, 0], [1.0, 4.8, 8.6, 12.4])
    both = load_structure(tiny_pdb, model="all")
    assert both.models.shape == (2, 4, 3)
    np.testing.assert_array_equal(both.models[0], both.R)
    np.testing.assert_array_equal(both.models[1], second.R)
    with pytest.raises(ValueError, match=r"model index 2 is out of range.*2 model\(s\)"):
        load_structure(tiny_pdb, model=2)


def test_models_with_different_residues(tmp_path):
    lines = ["MODEL        1", *_tiny_model(0.0), "ENDMDL"]
    lines += ["MODEL        2", *_tiny_model(1.0)[:3], "ENDMDL", "END"]
    path = tmp_path / "uneven.pdb"
    path.write_text("\n".join(lines) + "\n")
    assert load_structure(path, model=1).n_residues == 1
    with pytest.raises(ValueError, match=r"model 1 .* different residues"):
        load_structure(path, model="all")


def test_chain_selection(tmp_path):
    lines = [*_tiny_model(0.0)[:7], "TER"]
    lines += [ln.replace(" A ", " B ", 1) for ln in _tiny_model(50.0)[:7]] + ["END"]
    path = tmp_path / "two_chains.pdb"
    path.write_text("\n".join(lines) + "\n")
    assert load_structure(path).chains == ("A",) * 4 + ("B",) * 4
    assert load_structure(path, chains="B").R[0, 0] == 50.0
    assert load_structure(path, chains=["B", "A"]).n_residues == 8
    with pytest.raises(
        ValueError, match=r"chain\(s\) \['a'\].*chains with protein are \['A', 'B'\]"
    ):
        load_structure(path, chains="a")
    with pytest.raises(ValueError, match="`chains` must be"):
        load_structure(path, chains=[])


# --- bad input ---------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdb"
    path.write_text("")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes\)"):
        load_structure(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.pdb"
    path.write_text("this is not\na structure file\n")
    with pytest.raises(ValueError, match="holds no atoms"):
        load_structure(path)


def test_truncated_line(tmp_path):
    path = tmp_path / "truncated.pdb"
    path.write_text(_tiny_model(0.0)[0] + "\n" + _tiny_model(0.0)[1][:35] + "\n")
    with pytest.raises(
        ValueError, match=r"(?s)could not be read as a PDB or mmCIF.*too short.*truncated"
    ):
        load_structure(path)


def test_no_protein(tmp_path):
    path = tmp_path / "ions.pdb"
    # Calcium ion, ligand carbon named CA, water.
    path.write_text("\n".join([*_tiny_model(0.0)[8:10], _tiny_model(0.0)[11]]) + "\nEND\n")
    with pytest.raises(ValueError, match=r"no protein Cα atom.*water, ions, ligands"):
        load_structure(path)


def test_nonexistent_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_structure(tmp_path / "missing.pdb")
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_structure(str(tmp_path / "missing.cif.gz"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"altloc": "AB"}, "`altloc` must be"),
        ({"model": "last"}, "`model` must be"),
        ({"model": True}, "`model` must be"),
        ({"model": -1}, "out of range"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_structure("1ubi", **kwargs)


def test_bad_source_type():
    with pytest.raises(TypeError, match="`source` must be a path or an id"):
        load_structure(1234)


# --- ids: data folder, cache, download -------------------------------------------------------


def test_unknown_id_offline():
    with pytest.raises(FileNotFoundError) as info:
        load_structure("9XYZ")
    message = str(info.value)
    for part in ("'9xyz'", "bundled", "JAXNM_DATA_DIR (not set)", "JAXNM_OFFLINE=1", "What to do"):
        assert part in message


def test_download_false_overrides_environment(monkeypatch):
    monkeypatch.delenv("JAXNM_OFFLINE")
    monkeypatch.setattr(structures._lookup, "_fetch", _refuse)
    with pytest.raises(FileNotFoundError, match=r"downloading is disabled \(download=False\)"):
        load_structure("9xyz", download=False)


def test_not_a_pdb_id_is_not_downloaded(monkeypatch):
    monkeypatch.setattr(structures._lookup, "_fetch", _refuse)
    with pytest.raises(FileNotFoundError, match="not a PDB id either"):
        load_structure("ubiquitin", download=True)


def _refuse(url, timeout=60.0):
    raise AssertionError(f"no download expected, got {url}")


def test_data_dir_lookup(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    (folder / "structures").mkdir(parents=True)
    ubi = (BUNDLED_DIR / "1ubi.pdb").read_bytes()
    (folder / "structures" / "9ZZZ.pdb.gz").write_bytes(gzip.compress(ubi))
    (folder / "pdb8abc.ent").write_bytes(ubi)
    monkeypatch.setenv("JAXNM_DATA_DIR", str(folder))
    s = load_structure("9zzz")
    assert s.name == "9ZZZ"
    assert s.n_residues == 76
    assert load_structure("8ABC").n_residues == 76


def _fake_urlopen(payload: bytes, calls: list):
    def urlopen(url, timeout=None):
        calls.append((url, timeout))
        return io.BytesIO(payload)

    return urlopen


def test_download_with_fake_network(monkeypatch, tmp_path):
    st = gemmi.read_structure(str(BUNDLED_DIR / "1ubi.pdb"))
    st.setup_entities()
    payload = st.make_mmcif_document().as_string().encode()
    calls: list = []
    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen(payload, calls))
    monkeypatch.delenv("JAXNM_OFFLINE")
    s = load_structure("9Abc")
    assert calls == [("https://files.rcsb.org/download/9ABC.cif", 60.0)]
    cached = tmp_path / "cache" / "9abc.cif"
    assert cached.is_file()
    assert Path(s.source) == cached
    assert s.name == "9ABC"
    np.testing.assert_array_equal(s.R, load_structure("1ubi").R)
    assert not list(cached.parent.glob("*.part"))
    # Second time from the cache, even offline.
    monkeypatch.setenv("JAXNM_OFFLINE", "1")
    monkeypatch.setattr(structures._lookup, "_fetch", _refuse)
    np.testing.assert_array_equal(load_structure("9abc").R, s.R)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (urllib.error.HTTPError("u", 404, "Not Found", None, None), r"HTTP 404: Not Found"),
        (urllib.error.URLError("Name or service not known"), "Name or service not known"),
        (TimeoutError("timed out"), "timed out"),
    ],
)
def test_download_failures(monkeypatch, tmp_path, error, message):
    def fail(url, timeout=60.0):
        raise error

    monkeypatch.setattr(structures._lookup, "_fetch", fail)
    with pytest.raises(FileNotFoundError, match=f"download of .*9ABC.cif failed.*{message}"):
        load_structure("9abc", download=True)
    assert not (tmp_path / "cache" / "9abc.cif").exists()


def test_download_of_garbage(monkeypatch, tmp_path):
    monkeypatch.setattr(
        structures._lookup, "_fetch", lambda url, timeout=60.0: b"<html>oops</html>"
    )
    with pytest.raises(ValueError, match="holds no atoms"):
        load_structure("9abc", download=True)


# --- larger structures from the shared data folder ---------------------------------------------


@needs_shared
def test_7cth_mmcif(monkeypatch):
    monkeypatch.setenv("JAXNM_DATA_DIR", str(SHARED))
    s = load_structure("7CTH")
    assert s.n_residues == 2157
    assert len(set(s.chains)) == 10
    # Independent count from the CIF tokens: carbon atoms named CA, model 1, first altloc,
    # in residues whose entity is a polymer (7cth has 3 Cα with a second altloc B).
    block = gemmi.cif.read(str(SHARED / "7cth.cif")).sole_block()
    polymer = set(block.find_values("_entity_poly.entity_id"))
    table = block.find(
        "_atom_site.",
        ["label_atom_id", "type_symbol", "label_alt_id", "pdbx_PDB_model_num", "label_entity_id"],
    )
    rows = [list(r) for r in table]
    ca = [r for r in rows if r[0] == "CA" and r[1] == "C" and r[3] == "1" and r[4] in polymer]
    assert len(ca) == 2160
    assert sum(r[2] in (".", "A") for r in ca) == 2157
    # And gemmi's own view of the polymer part of each chain.
    st = gemmi.read_structure(str(SHARED / "7cth.cif"))
    st.setup_entities()
    per_chain = {ch.name: len(ch.get_polymer()) for ch in st[0]}
    assert {c: s.chains.count(c) for c in per_chain} == per_chain


@needs_shared
@pytest.mark.slow
def test_4v8r_hybrid36(monkeypatch):
    monkeypatch.setenv("JAXNM_DATA_DIR", str(SHARED))
    path = SHARED / "4v8r.pdb"
    s = load_structure("4v8r")
    expected = _text_cas(path)
    assert s.n_residues == len(expected) == 16716
    np.testing.assert_array_equal(s.R, np.array([r[1:4] for r in expected]))
    np.testing.assert_array_equal(s.bfactors, np.array([r[4] for r in expected]))
    # Two-character chain ids AA..Bz: 32 chains; their 16 distinct last characters are the
    # "16 chains" a reader of column 22 alone sees.
    assert len(set(s.chains)) == 32
    assert len({c[-1] for c in s.chains}) == 16
    # The file does use hybrid-36 serials (letters in columns 7-11) past atom 99,999.
    atoms = [ln for ln in path.read_text().splitlines() if ln.startswith(("ATOM", "HETATM"))]
    assert len(atoms) == 128_780
    hybrid36 = [ln[6:11] for ln in atoms if not ln[6:11].strip().isdigit()]
    assert len(hybrid36) > 28_000
    assert all(h[0].isupper() and h.isalnum() for h in hybrid36)


# --- residue masses --------------------------------------------------------------------------


def test_residue_masses_textbook_values():
    m = residue_masses(["GLY", "ala", "TRP", "MSE"])
    np.testing.assert_allclose(m, [57.052, 71.079, 186.214, 178.10], atol=0.01)
    assert m.dtype == np.float64


# Force-field names (HID, CYX, ...) are not in gemmi's table; the others are checked.
TABULATED = [n for n in sorted(RESIDUE_MASSES) if gemmi.find_tabulated_residue(n).is_amino_acid()]


@pytest.mark.parametrize("name", TABULATED)
def test_residue_masses_against_gemmi(name):
    info = gemmi.find_tabulated_residue(name)
    assert info.is_amino_acid()
    # gemmi tabulates the free amino acid (float32); a residue in a chain lacks one water.
    # The Chemical Component Dictionary has ARG, LYS and HIS protonated (+1 H); gemmi's
    # weight of Se is the pre-2013 78.96 (CIAAW 2021: 78.971), hence 0.02 for MSE and SEC.
    extra_h = 1.008 if name in {"ARG", "LYS", "HIS"} else 0.0
    assert RESIDUE_MASSES[name] + WATER + extra_h == pytest.approx(info.weight, abs=0.02)


def test_residue_masses_protonation_variants():
    assert RESIDUE_MASSES["HIP"] - RESIDUE_MASSES["HIS"] == pytest.approx(1.008)
    assert RESIDUE_MASSES["HSD"] == RESIDUE_MASSES["HIE"] == RESIDUE_MASSES["HIS"]
    assert RESIDUE_MASSES["CYS"] - RESIDUE_MASSES["CYX"] == pytest.approx(1.008)


def test_residue_masses_of_a_structure():
    s = load_structure("1ubi")
    m = residue_masses(s.resnames)
    assert m.shape == (76,)
    assert 8000 < m.sum() + WATER < 9000  # ubiquitin: 8.6 kDa


def test_residue_masses_unknown():
    with pytest.raises(
        ValueError, match=r"no mass for residue name\(s\) \['UNK', 'XYZ'\].*default"
    ):
        residue_masses(["ALA", "XYZ", "UNK"])
    np.testing.assert_array_equal(residue_masses(["XYZ"], default=110.0), [110.0])
    with pytest.raises(ValueError, match="positive mass"):
        residue_masses(["ALA"], default=0.0)
    with pytest.raises(ValueError, match="single string"):
        residue_masses("ALA")
    with pytest.raises(ValueError, match="empty"):
        residue_masses([])


def test_globular_cloud_is_compact_dense_and_reproducible():
    from scipy.spatial import cKDTree

    from jaxnm_course.structures import globular_cloud

    R = globular_cloud(500, seed=3)
    assert R.shape == (500, 3)
    assert R.dtype == np.float64
    np.testing.assert_array_equal(R, globular_cloud(500, seed=3))
    assert not np.array_equal(R, globular_cloud(500, seed=4))
    # Grid neighbours differ by >= 5 Å along one axis; the jitter moves each by <= 0.6 Å.
    tree = cKDTree(R)
    d, _ = tree.query(R, k=2)
    assert d[:, 1].min() >= 5.0 - 1.2
    # One point per 125 Å³: interior points have about (4/3)π 10³ / 125 ≈ 33.5 others
    # within 10 Å (a folded protein's Cα density), and the cloud is a ball.
    centre = R.mean(axis=0)
    r = np.linalg.norm(R - centre, axis=1)
    interior = r < r.max() - 10.0
    counts = np.array([len(tree.query_ball_point(x, 10.0)) - 1 for x in R[interior]])
    assert 28 < counts.mean() < 39, counts.mean()
    assert r.max() < 1.2 * (3 * 500 * 125 / (4 * np.pi)) ** (1 / 3)


@pytest.mark.parametrize(("n", "spacing"), [(0, 5.0), (2.5, 5.0), (True, 5.0), (10, 1.0)])
def test_globular_cloud_rejects_bad_arguments(n, spacing):
    from jaxnm_course.structures import globular_cloud

    with pytest.raises(ValueError, match="globular_cloud"):
        globular_cloud(n, spacing=spacing)
