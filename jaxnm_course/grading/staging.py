"""Staging: from a student's folder or zip to a folder of ``exNN_*.py`` files, nothing else.

The trusted side never imports, collects or runs anything a student sent: it only copies the
bytes of the regular files that :func:`~jaxnm_course.grading.discover.discover` chose by
name (the course's ``exNN_<name>.py`` files or their near misses, each at most
:data:`MAX_FILE_BYTES`), under their expected names, into a fresh folder that the worker
receives out of band (through the run's configuration file, never on pytest's command
line). Everything else (other names such as ``conftest.py``, links, devices, oversized
files) is listed as ignored in the student's feedback.

Zips are checked before anything is written: no absolute or ``..`` paths, no links or special
members, at most :data:`MAX_FILES` files and :data:`MAX_BYTES` uncompressed bytes (declared or
actual: a lying header is caught while reading).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from jaxnm_course.grading.discover import Discovery, discover
from jaxnm_course.grading.errors import SubmissionRejected

__all__ = [
    "EXERCISE_FILE",
    "MAX_BYTES",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "Staged",
    "SubmissionRejected",
    "copy_submission",
    "extract_zip",
    "stage",
]

#: Largest submission (bytes, all files together) and file count.
MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 200
#: Largest single exercise file staged (bytes).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: The only files staged: ``exNN_<identifier>.py``.
EXERCISE_FILE = re.compile(r"^ex\d\d_[A-Za-z0-9_]+\.py$")
_MAX_IGNORED_SHOWN = 50


class Staged(NamedTuple):
    """A staged submission.

    Attributes:
        folder: the folder holding only the staged ``exNN_*.py`` files.
        ignored: what was sent but not staged (paths as sent, with the reason).
        notes: near misses that were staged under the expected name.
    """

    folder: Path
    ignored: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _safe_member(name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise SubmissionRejected(f"zip member {name!r} has a backslash or NUL in its name")
    p = PurePosixPath(name)
    if p.is_absolute() or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise SubmissionRejected(f"zip member {name!r} is an absolute path")
    if any(part == ".." for part in p.parts):
        raise SubmissionRejected(f"zip member {name!r} escapes the folder ('..')")
    return p


def extract_zip(
    path: str | os.PathLike, dest: str | os.PathLike, max_files: int = MAX_FILES, max_bytes=None
) -> None:
    """Extract a submission zip safely (everything is checked before anything is written).

    Refused: absolute paths, ``..``, backslashes, symbolic links and other special members,
    more than ``max_files`` files, more than ``max_bytes`` uncompressed bytes (declared or
    actual: a lying header is caught while reading).

    Args:
        path: the zip file.
        dest: an existing empty folder.
        max_files: most members.
        max_bytes: most uncompressed bytes in all (default :data:`MAX_BYTES`).

    Raises:
        SubmissionRejected: with the reason.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    dest = Path(dest)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionRejected(f"not a readable zip file: {err}") from None
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > max_files:
            raise SubmissionRejected(f"zip holds {len(files)} files (limit {max_files})")
        declared = sum(i.file_size for i in files)
        if declared > max_bytes:
            raise SubmissionRejected(
                f"zip would expand to {declared} bytes (limit {max_bytes}): refused as a zip bomb"
            )
        for info in infos:
            _safe_member(info.filename)
            ftype = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip has no Unix modes
            if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionRejected(
                    f"zip member {info.filename!r} is a link or special file: refused"
                )
        try:
            _extract_members(zf, files, dest, max_bytes)
        except SubmissionRejected:
            raise
        except Exception as err:  # corrupt data, CRC mismatch, a lying header...
            raise SubmissionRejected(f"corrupt zip: {type(err).__name__}: {err}") from None


def _extract_members(zf: zipfile.ZipFile, files: list, dest: Path, max_bytes: int) -> None:
    total = 0
    for info in files:
        rel = _safe_member(info.filename)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue  # __MACOSX, .DS_Store, caches
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            while True:
                chunk = src.read(1 << 16)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise SubmissionRejected(
                        f"zip expands past {max_bytes} bytes: refused as a zip bomb"
                    )
                out.write(chunk)


def copy_submission(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy a (staged) submission folder's regular files (no links, size-capped) into ``dst``.

    Args:
        src: the submission folder.
        dst: an existing empty folder.

    Raises:
        ValueError: too many files or too many bytes.
    """
    src, dst = Path(src), Path(dst)
    total = count = 0
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d != "__pycache__" and not (Path(root) / d).is_symlink()
        ]
        for f in files:
            p = Path(root) / f
            if p.is_symlink() or not p.is_file():
                continue
            count += 1
            total += p.stat().st_size
            if count > MAX_FILES or total > MAX_BYTES:
                raise ValueError(
                    f"submission too large (more than {MAX_FILES} files or {MAX_BYTES} bytes)"
                )
            (dst / rel).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst / rel / f)


def _shown(name: str) -> str:
    """A file name as the feedback may show it (printable, at most 100 characters)."""
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text if len(text) <= 100 else text[:97] + "..."


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link) of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        data = f.read(limit + 1)
    return data if len(data) <= limit else None


def _copy_chosen(root: Path, found: Discovery, dest: Path) -> list[str]:
    """Copy the bytes of the chosen files into ``dest`` under their expected names."""
    problems = []
    total = 0
    for target, rel in found.files.items():
        data = _read_regular(root / rel, MAX_FILE_BYTES)
        if data is None:
            problems.append(
                f"{_shown(rel)} (not a regular file of at most {MAX_FILE_BYTES} bytes)"
            )
            continue
        total += len(data)
        if total > MAX_BYTES:
            raise SubmissionRejected(f"submission too large (more than {MAX_BYTES} bytes)")
        (dest / target).write_bytes(data)
    return problems


def _gather(files: Sequence[Path], dest: Path) -> None:
    """Copy loose files (a Canvas student's) into ``dest``: regular files only, size-capped."""
    if len(files) > MAX_FILES:
        raise SubmissionRejected(f"the submission holds more than {MAX_FILES} files")
    for f in files:
        data = _read_regular(f, MAX_FILE_BYTES)
        if data is not None and not f.name.startswith("."):
            (dest / f.name).write_bytes(data)


def _capped(items: Sequence[str]) -> tuple[str, ...]:
    items = [_shown(i) for i in items]
    if len(items) > _MAX_IGNORED_SHOWN:
        more = len(items) - _MAX_IGNORED_SHOWN
        items = [*items[:_MAX_IGNORED_SHOWN], f"... and {more} more"]
    return tuple(items)


def stage(
    entry: Path | Sequence[Path], dest: Path, expected: Sequence[str] | None = None
) -> Staged:
    """Stage one submission (a folder, a ``.zip``, or a list of loose files) into ``dest``.

    Which files are graded is decided by :func:`~jaxnm_course.grading.discover.discover`
    over the whole tree, by name only (near misses are accepted with a note). A folder whose
    tree holds no exercise file but exactly one ``.zip`` (as Gradescope stores an uploaded
    zip) is graded from that zip. The chosen files' bytes are copied, flat and under their
    expected names, into ``dest / "submission"``; a zip is first extracted (checked) into
    ``dest / "unpacked"``.

    Args:
        entry: the submission as handed in (a list of files: a Canvas student's files).
        dest: a folder that does not exist yet (private to the trusted side).
        expected: the course's exercise file names; None: any ``exNN_<name>.py``.

    Returns:
        The staged folder, what was not staged and the near misses accepted.

    Raises:
        SubmissionRejected: when it cannot be staged at all.
    """
    dest = Path(dest)
    dest.mkdir(parents=True)
    if isinstance(entry, list | tuple):
        source = dest / "unpacked"
        source.mkdir()
        _gather([Path(f) for f in entry], source)
    else:
        entry = Path(entry)
        if entry.is_symlink():
            raise SubmissionRejected("the submission is a symbolic link")
        if entry.is_dir():
            source = entry
        elif entry.suffix.lower() == ".zip" and entry.is_file():
            source = dest / "unpacked"
            source.mkdir()
            extract_zip(entry, source)
        else:
            raise SubmissionRejected(f"{_shown(entry.name)} is neither a folder nor a .zip")
    folder = dest / "submission"
    folder.mkdir()
    try:
        found = discover(source, expected, MAX_FILE_BYTES)
        zips = [p for p in source.iterdir() if p.suffix.lower() == ".zip" and p.is_file()]
        zips = [p for p in zips if not p.is_symlink()]
        if not found.files and len(zips) == 1 and source != dest / "unpacked":
            inner = dest / "unpacked"
            inner.mkdir()
            extract_zip(zips[0], inner)
            source, found = inner, discover(inner, expected, MAX_FILE_BYTES)
        problems = _copy_chosen(source, found, folder)
    except OSError as err:
        raise SubmissionRejected(f"cannot read the submission: {err.strerror}") from None
    return Staged(folder, _capped([*problems, *found.ignored]), _capped(found.notes))
