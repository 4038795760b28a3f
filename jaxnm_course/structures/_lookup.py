"""Where a structure comes from: bundled files, JAXNM_DATA_DIR, the cache, the RCSB (private).

Re-exported by :mod:`jaxnm_course.structures`; the order of the look-up is described there.
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from types import MappingProxyType

# Public, documented in jaxnm_course.structures (RCSB_URL).
RCSB_URL = "https://files.rcsb.org/download/{id}.cif"

# The package data folder, jaxnm_course/data (one level above this package).
_DATA = Path(__file__).parent.parent / "data"

# Public, documented in jaxnm_course.structures (BUNDLED).
BUNDLED: MappingProxyType[str, str] = MappingProxyType(
    {
        "1ubi": "1ubi.pdb",
        "1ake": "1ake.pdb",
        "4ake_a_aligned": "4ake_A_aligned_to_1ake.pdb",
        "4ake_a_aligned_to_1ake": "4ake_A_aligned_to_1ake.pdb",
    }
)

_SUFFIXES = (".cif", ".mmcif", ".pdb", ".ent")
_PDB_ID = re.compile(r"^(?:[0-9][a-z0-9]{3}|pdb_[0-9a-z]{8})$")
_TRUE = {"1", "true", "yes", "on"}


def cache_dir() -> Path:
    """Folder where downloaded entries are kept: ``JAXNM_CACHE_DIR`` or ~/.cache/jaxnm_course."""
    env = os.environ.get("JAXNM_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "jaxnm_course"


# --- finding the file --------------------------------------------------------------------


def _looks_like_path(text: str) -> bool:
    lower = text.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return "/" in text or os.sep in text or lower.endswith(_SUFFIXES)


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def _data_dirs() -> list[Path]:
    env = os.environ.get("JAXNM_DATA_DIR")
    if not env:
        return []
    root = Path(env).expanduser()
    return [d for d in (root, root / "structures") if d.is_dir()]


def _find_in(folder: Path, key: str) -> Path | None:
    wanted = []
    for stem in (key, f"pdb{key}"):
        for suffix in _SUFFIXES:
            wanted += [stem + suffix, stem + suffix + ".gz"]
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name in wanted:
        if name in files:
            return files[name]
    return None


def _fetch(url: str, timeout: float = 60.0) -> bytes:
    """Download ``url`` and return its bytes (the one place that touches the network)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _not_found(source: str, key: str, reason: str) -> FileNotFoundError:
    env = os.environ.get("JAXNM_DATA_DIR")
    where = f"JAXNM_DATA_DIR={env}" if env else "JAXNM_DATA_DIR (not set)"
    bundled = "1UBI, 1AKE, 4AKE_A_aligned"
    return FileNotFoundError(
        f"load_structure: {source!r} is not an existing file, and no structure with id "
        f"{key!r} was found among the bundled ones ({bundled}), in {where} or in the "
        f"download cache {cache_dir()}; {reason}. What to do: pass the path of a PDB or "
        "mmCIF file, or put <id>.cif / <id>.pdb (optionally .gz) in a folder and set "
        "JAXNM_DATA_DIR to it, or allow the download (download=True, JAXNM_OFFLINE unset) "
        "on a machine with internet access."
    )


def _download(key: str, source: str) -> Path:
    folder = cache_dir()
    url = RCSB_URL.format(id=key.upper())
    try:
        data = _fetch(url)
    except urllib.error.HTTPError as exc:
        raise _not_found(
            source, key, f"the download of {url} failed (HTTP {exc.code}: {exc.reason})"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise _not_found(source, key, f"the download of {url} failed ({exc})") from exc
    if not data.strip():
        raise _not_found(source, key, f"the download of {url} returned an empty file")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key}.cif"
    # Write to a temporary name and rename: a crash never leaves half a file in the cache.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _resolve(source: str | os.PathLike, download: bool | None) -> tuple[Path, str]:
    """Path of the file to read and the name to report."""
    if isinstance(source, os.PathLike):
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"load_structure: no file at {str(path)!r}; check the path "
                "(relative paths start from the current directory, "
                f"{Path.cwd()})."
            )
        return path, _stem(path)
    if not isinstance(source, str) or not source.strip():
        raise TypeError(
            f"load_structure: `source` must be a path or an id such as '1UBI', got {source!r}."
        )
    path = Path(source).expanduser()
    if path.is_file():
        return path, _stem(path)
    if _looks_like_path(source):
        raise FileNotFoundError(
            f"load_structure: no file at {source!r}; check the path (relative paths start "
            f"from the current directory, {Path.cwd()})."
        )
    key = source.strip().lower()
    if key in BUNDLED:
        return _DATA / BUNDLED[key], source.strip().upper()
    for folder in _data_dirs():
        found = _find_in(folder, key)
        if found is not None:
            return found, source.strip().upper()
    cached = cache_dir() / f"{key}.cif"
    if cached.is_file():
        return cached, source.strip().upper()
    if download is None:
        offline = os.environ.get("JAXNM_OFFLINE", "")
        download = offline.strip().lower() not in _TRUE
        why = f"JAXNM_OFFLINE={offline}"
    else:
        why = "download=False"
    if not _PDB_ID.match(key):
        raise _not_found(
            source,
            key,
            "it is not a PDB id either (4 characters such as '1ubi', or 'pdb_0000xxxx'), "
            "so it cannot be downloaded",
        )
    if not download:
        raise _not_found(source, key, f"downloading is disabled ({why})")
    return _download(key, source), source.strip().upper()
