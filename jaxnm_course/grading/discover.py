"""Finding a submission's exercise files by their names (never by their content).

One function, :func:`discover`, decides which files of a submission are graded, for
``jaxnm-grade grade`` and for the Gradescope bundle alike. It looks at names only: the
trusted side never opens a student's file as code (:mod:`~jaxnm_course.grading.staging`
copies the chosen files' bytes, nothing else).

The whole tree is searched (files split across folders are all found). A file whose name is
not exactly one the course expects is matched when it is a near miss, and the match is
noted in the student's feedback:

* a copy suffix: ``ex01_jax_basics (1).py``, ``ex01_jax_basics-1.py`` (Canvas adds ``-1``
  to a resubmitted file);
* another capitalisation: ``Ex04_Normal_Modes.py``;
* a Canvas bulk-download prefix: ``smithjane_12345_67890_ex01_jax_basics.py`` (also with
  ``_late_``);
* a close name of the same set: ``ex02_energy.py`` for ``ex02_energies.py`` (same ``exNN``
  and :func:`difflib.SequenceMatcher` ratio of at least :data:`CLOSE`).

Other Python files are reported, with the expected name they resemble when there is one.

Canvas's bulk download is one flat folder of renamed files from every student;
:func:`canvas_groups` groups them into one submission per student.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

__all__ = ["CLOSE", "Discovery", "canvas_groups", "canvas_name", "discover", "normalise"]

#: Smallest :class:`difflib.SequenceMatcher` ratio at which a name of the right set is taken
#: for the expected one.
CLOSE = 0.75
#: Names of the course's exercise files when the course is not known.
_EXERCISE = re.compile(r"^ex\d\d_[A-Za-z0-9_]+\.py$")
_SET = re.compile(r"^(ex\d\d)")
# Canvas: <name>[_late]_<user id>_<submission id>_<original name>
_CANVAS = re.compile(
    r"^(?P<student>[A-Za-z0-9-]+?)(?:_late)?_(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$", re.I
)
_COPY = re.compile(r"(?:\s*\(\d+\)|-\d+|\s+copy)$", re.I)
_SKIP_DIRS = ("__MACOSX", "__pycache__")
_MAX_ENTRIES = 2000


class Discovery(NamedTuple):
    """What a submission's tree holds, by name.

    Attributes:
        files: expected file name -> path relative to the root (POSIX) of the file graded
            as it.
        notes: near misses accepted ("``a/Ex01_x (1).py`` graded as ``ex01_x.py``").
        ignored: everything else, with the reason (relative paths).
    """

    files: dict[str, str]
    notes: tuple[str, ...]
    ignored: tuple[str, ...]


def canvas_name(name: str) -> tuple[str, str] | None:
    """``(student, original file name)`` of a Canvas bulk-download file name, else None.

    Example:
        >>> canvas_name("smithjane_late_12345_67890_ex01_jax_basics-1.py")
        ('smithjane', 'ex01_jax_basics-1.py')
    """
    m = _CANVAS.match(name)
    if not m:
        return None
    return m.group("student"), m.group("file")


def normalise(name: str) -> str:
    """A file name without a Canvas prefix or copy suffix, in lower case, spaces as ``_``.

    Example:
        >>> normalise("Ex01_JAX_basics (1).py")
        'ex01_jax_basics.py'
    """
    canvas = canvas_name(name)
    if canvas and _SET.match(canvas[1].lower()):
        name = canvas[1]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = _COPY.sub("", stem.strip())
    stem = re.sub(r"\s+", "_", stem.strip())
    return (stem + (f".{suffix}" if dot else "")).lower()


def _closest(norm: str, expected: Sequence[str]) -> tuple[str | None, float]:
    best, ratio = None, 0.0
    for e in expected:
        r = difflib.SequenceMatcher(None, norm, e.lower()).ratio()
        if r > ratio:
            best, ratio = e, r
    return best, ratio


def _match(name: str, expected: Sequence[str] | None) -> tuple[str | None, str]:
    """(expected name, how) for one file name; (None, why not) when it is not one."""
    if expected is None:
        return (name, "exact") if _EXERCISE.match(name) else (None, "")
    if name in expected:
        return name, "exact"
    if not name.lower().endswith(".py"):
        return None, ""
    norm = normalise(name)
    lowered = {e.lower(): e for e in expected}
    if norm in lowered:
        return lowered[norm], "near"
    best, ratio = _closest(norm, expected)
    m = _SET.match(norm)
    same_set = [e for e in expected if m and e.lower().startswith(m.group(1) + "_")]
    if len(same_set) == 1 and best == same_set[0] and ratio >= CLOSE:
        return best, "near"
    if best is not None and ratio >= 0.6:
        return None, f"not a file of this course (did you mean {best}?)"
    return None, "not a file of this course"


def _walk(root: Path) -> list[tuple[str, str, int]]:
    """(relative path, kind, size) of every entry under ``root``, links not followed.

    ``kind`` is ``"file"`` (a regular file), ``"link"`` or ``"special"``.
    """
    out: list[tuple[str, str, int]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        rel = Path(folder).relative_to(root)
        keep = []
        for d in sorted(dirs):
            if d.startswith(".") or d in _SKIP_DIRS:
                continue
            if (Path(folder) / d).is_symlink():
                out.append(((rel / d).as_posix(), "link", 0))
                continue
            keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if f.startswith("."):
                continue
            st = os.lstat(Path(folder) / f)
            kind = "link" if stat.S_ISLNK(st.st_mode) else "special"
            kind = "file" if stat.S_ISREG(st.st_mode) else kind
            out.append(((rel / f).as_posix(), kind, st.st_size))
        if len(out) > _MAX_ENTRIES:
            break
    return out


def _collapse(ignored: list[tuple[str, str]], graded: Iterable[str]) -> list[str]:
    """Ignored paths, a folder that holds no graded file shown once as ``name/ (a folder)``."""
    used = {str(p) for g in graded for p in PurePosixPath(g).parents}
    out: list[str] = []
    for rel, why in ignored:
        parts = PurePosixPath(rel).parts
        for n in range(1, len(parts)):
            top = "/".join(parts[:n])
            if top not in used:
                shown = f"{top}/ (a folder)"
                if shown not in out:
                    out.append(shown)
                break
        else:
            out.append(f"{rel} ({why})" if why else rel)
    return out


def discover(
    root: str | os.PathLike, expected: Sequence[str] | None = None, max_bytes: int | None = None
) -> Discovery:
    """Decide, by name only, which files of the tree ``root`` are graded, as which file.

    Args:
        root: the submission's folder (a zip already extracted).
        expected: the course's exercise file names (``("ex01_jax_basics.py", ...)``); None:
            any exactly named ``exNN_<name>.py`` file, nothing else.
        max_bytes: a Python file larger than this is not graded (None: no limit).

    Returns:
        The :class:`Discovery`. An exact name wins over a near miss; of two equal
        candidates the shallower, then the first in name order, is graded and the other
        ignored as a duplicate. A folder holding no graded file is listed once.
    """
    root = Path(root)
    chosen: dict[str, tuple[int, str, str]] = {}  # expected -> (rank, rel, how)
    ignored: list[tuple[str, str]] = []
    for rel, kind, size in _walk(root):
        name = PurePosixPath(rel).name
        if kind == "link":
            ignored.append((rel, "a link"))
            continue
        if kind != "file" or (
            max_bytes is not None and size > max_bytes and name.lower().endswith(".py")
        ):
            limit = f" of at most {max_bytes} bytes" if max_bytes is not None else ""
            ignored.append((rel, f"not a regular file{limit}"))
            continue
        target, how = _match(name, expected)
        if target is None:
            ignored.append((rel, how))
            continue
        rank = (0 if how == "exact" else 1) * 100 + rel.count("/")
        old = chosen.get(target)
        if old is None or rank < old[0]:
            if old is not None:
                ignored.append((old[1], f"another file was graded as {target}"))
            chosen[target] = (rank, rel, how)
        else:
            ignored.append((rel, f"another file was graded as {target}"))
    files = {t: rel for t, (_r, rel, _h) in sorted(chosen.items())}
    notes = tuple(
        f"{rel} was graded as {t} (the expected name is {t})"
        for t, (_r, rel, how) in sorted(chosen.items())
        if how != "exact"
    )
    return Discovery(files, notes, tuple(_collapse(ignored, files.values())))


def canvas_groups(names: Iterable[str]) -> dict[str, list[str]]:
    """Group Canvas bulk-download file names by student (names that are not Canvas's left out).

    Example:
        >>> canvas_groups(["doej_1_2_ex01_a.py", "doej_1_2_ex02_b.py", "notes.txt"])
        {'doej': ['doej_1_2_ex01_a.py', 'doej_1_2_ex02_b.py']}
    """
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        parsed = canvas_name(name)
        if parsed:
            groups.setdefault(parsed[0], []).append(name)
    return groups
