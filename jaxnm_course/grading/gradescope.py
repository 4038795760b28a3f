"""Gradescope autograder bundle: the same isolated harness, run on Gradescope's machine.

``jaxnm-grade gradescope OUT.zip`` writes a bundle whose root holds ``setup.sh`` (creates
``/autograder/venv`` and installs the course with pinned versions), ``run_autograder`` (grades
``/autograder/submission`` into ``/autograder/results/results.json``), the library, the
exercise stubs and visible tests, the hidden tests (graded, never shown to students unless
their visibility says so) and ``grading.json`` (the
:class:`~jaxnm_course.grading.config.GradingConfig`: time limits, hidden-test visibility, the
forbid list decided when the bundle was built). It holds
no solutions. ``python -m jaxnm_course.grading.gradescope run SUBMISSION RESULTS`` is what
``run_autograder`` calls.

Each worker runs in the kernel sandbox (bubblewrap, installed by ``setup.sh``; see
:mod:`jaxnm_course.grading.sandbox`). Where Gradescope's container does not allow user
namespaces, the bundle refuses to grade unless it was built with ``--insecure``
(``grading.json``: ``"insecure": true``), and every result then says the run was insecure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from jaxnm_course.grading import batch, late, outputs, sandbox
from jaxnm_course.grading import course as _course
from jaxnm_course.grading.config import GradingConfig
from jaxnm_course.grading.results import StudentRow

__all__ = [
    "BUNDLE_SUBMISSION_TIMEOUT",
    "GRADESCOPE_TIMEOUT",
    "MIN_PYTHON",
    "RUN_AUTOGRADER",
    "SETUP_SH",
    "build_bundle",
    "format_results",
    "main",
    "run",
    "try_bundle",
]

#: Where Gradescope's images keep a Python that the package accepts.
MIN_PYTHON = (3, 11)
#: Gradescope's time limit by default (s); the bundle's budget fits inside it.
GRADESCOPE_TIMEOUT = 600
#: The bundle's per-submission budget of student calls (s): the trusted pytest's hard limit,
#: ``1.5 * budget + 120`` = 570 s, fits inside :data:`GRADESCOPE_TIMEOUT`.
BUNDLE_SUBMISSION_TIMEOUT = 300.0

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when building the autograder image (as root).
# Testing hooks (jaxnm-grade gradescope --test): AUTOGRADER_ROOT (default /autograder),
# JAXNM_APT (the package installer, default apt-get), JAXNM_PYTHONS (the interpreters tried),
# JAXNM_SETUP_DRY_RUN=1 (choose the Python, then stop before creating the virtual env).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
APT="${JAXNM_APT:-apt-get}"
cd "$ROOT/source"
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }
pick() {
  for cand in ${JAXNM_PYTHONS:-python3.13 python3.12 python3.11 python3}; do
    if command -v "$cand" >/dev/null 2>&1 && ok "$cand"; then echo "$cand"; return 0; fi
  done
  return 1
}
IMAGE_HINT="choose the base image 'Ubuntu 24.04' (Python 3.12) in the autograder settings"
if ! PY="$(pick)"; then
  found="$(python3 --version 2>&1 || echo 'no python3')"
  echo "setup.sh: the course needs Python 3.11+, this image has: $found; installing python3.11" >&2
  if ! { "$APT" update && "$APT" install -y python3.11 python3.11-venv; }; then
    echo "setup.sh: could not install Python 3.11 with $APT: $IMAGE_HINT" >&2
    exit 1
  fi
  if ! PY="$(JAXNM_PYTHONS=python3.11 pick)"; then
    echo "setup.sh: python3.11 is still missing after installing it: $IMAGE_HINT" >&2
    exit 1
  fi
fi
echo "setup.sh: using $PY ($("$PY" --version 2>&1))"
if [ "${JAXNM_SETUP_DRY_RUN:-0}" = "1" ]; then
  echo "setup.sh: dry run: would create $ROOT/venv and install the course"
  exit 0
fi
"$PY" -m venv --help >/dev/null 2>&1 || "$APT" install -y "$(basename "$PY")-venv"
# The kernel sandbox of the workers (see docs/instructor.md, "Threat model").
if ! command -v bwrap >/dev/null; then
  "$APT" update && "$APT" install -y bubblewrap
fi
"$PY" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install -c constraints.txt -e ".[test]"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT / AUTOGRADER_PYTHON are only
# for testing the bundle outside Gradescope.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source"
export JAX_PLATFORMS=cpu OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
mkdir -p "$ROOT/results"
exec "$PY" -m jaxnm_course.grading.gradescope run "$ROOT/submission" \\
  "$ROOT/results/results.json" --course "$ROOT/source" \\
  --metadata "$ROOT/submission_metadata.json"
"""

_SHIP = ("jaxnm_course/", "exercises/", "hidden_tests/")
_SHIP_FILES = ("pyproject.toml", "constraints.txt", "README.md", "LICENSE")


def build_bundle(
    course: str | Path,
    out_zip: str | Path,
    hidden_visibility: str = "after_published",
    call_timeout: float = 60.0,
    submission_timeout: float = BUNDLE_SUBMISSION_TIMEOUT,
    insecure: bool = False,
    due: str = "",
    late_grace_minutes: float = 0.0,
    late_penalty_per_day: float = 0.0,
) -> list[str]:
    """Write the Gradescope autograder zip.

    Args:
        course: the course folder.
        out_zip: the zip to write.
        hidden_visibility: Gradescope visibility of hidden tests.
        call_timeout: per-call limit (s).
        submission_timeout: per-submission budget (s); the default fits Gradescope's
            default 10-minute limit (see :data:`BUNDLE_SUBMISSION_TIMEOUT`).
        insecure: grade even where the container cannot set up the kernel sandbox.
        due: the due date (ISO 8601); empty: Gradescope's due date of the assignment.
        late_grace_minutes: minutes after the due date that are not late.
        late_penalty_per_day: fraction of the points taken off per started day late.

    Returns:
        The names in the zip.
    """
    course = Path(course).resolve()
    names: list[str] = []
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            z.writestr(info, text)
            names.append(name)
        cfg = GradingConfig(
            forbid=tuple(_course.default_forbid(course)),
            hidden_visibility=hidden_visibility,
            call_timeout=call_timeout,
            submission_timeout=submission_timeout,
            workers=1,
            insecure=bool(insecure),
            due=due,
            late_grace_minutes=late_grace_minutes,
            late_penalty_per_day=late_penalty_per_day,
        )
        z.writestr("grading.json", cfg.to_json())
        names.append("grading.json")
        for p in sorted(course.rglob("*")):
            rel = p.relative_to(course).as_posix()
            if not p.is_file() or p.is_symlink() or "__pycache__" in rel or ".egg-info" in rel:
                continue
            if rel.startswith(_SHIP) or rel in _SHIP_FILES:
                z.write(p, rel)
                names.append(rel)
    return names


def run(
    submission: str | Path, results: str | Path, course: str | Path, metadata: str | Path = ""
) -> dict:
    """Grade one submission with the batch harness and write Gradescope's results.json.

    The submission's files are found as ``jaxnm-grade grade`` finds them
    (:func:`~jaxnm_course.grading.discover.discover`: the whole tree, near misses noted, an
    uploaded ``.zip`` opened). The late policy of ``grading.json`` is applied from
    Gradescope's ``submission_metadata.json`` (its ``created_at``, and its due date when the
    bundle sets none).

    Args:
        submission: the uploaded submission folder.
        results: where results.json goes.
        course: the unpacked bundle (``/autograder/source``).
        metadata: Gradescope's ``submission_metadata.json`` (ignored when absent).

    Returns:
        The results dict written.
    """
    course = Path(course).resolve()
    cfg_path = course / "grading.json"
    cfg = GradingConfig.from_json(cfg_path.read_text()) if cfg_path.is_file() else GradingConfig()
    cfg = cfg.replace(course=course, workers=1)
    submitted, due = late.gradescope_metadata(metadata) if metadata else ("", "")
    with tempfile.TemporaryDirectory(prefix="jaxnm-gs-") as tmp:
        tmp = Path(tmp)
        try:
            rows = batch.grade_entries(
                [("submission", Path(submission))],
                tmp / "out",
                cfg,
                hide=[Path(submission)],
                times={"submission": submitted} if submitted else None,
                due=due,
            )
        except sandbox.SandboxUnavailable as err:  # no kernel sandbox, no --insecure
            rows = [StudentRow("submission", status="error", reason=str(err))]
            outputs.write_outputs(rows, tmp / "out", cfg)
        written = tmp / "out" / "students" / rows[0].folder / "results.json"
        data = json.loads(written.read_text())
        Path(results).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(written, results)
    return data


def _unpack(bundle: Path, submission: Path, root: Path) -> None:
    """Lay out ``root`` as Gradescope's ``/autograder``: source, submission, results."""
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
        for info in z.infolist():
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    dest = root / "submission"
    if submission.is_dir():
        shutil.copytree(submission, dest, symlinks=True)
    else:
        dest.mkdir()
        shutil.copy(submission, dest / submission.name)
    (root / "results").mkdir()


def try_bundle(
    bundle: str | Path,
    submission: str | Path,
    setup: str = "dry-run",
    python: str = sys.executable,
    timeout: float = GRADESCOPE_TIMEOUT,
) -> tuple[dict, str]:
    """Run a bundle as Gradescope would, in a throwaway ``/autograder``-shaped folder.

    Args:
        bundle: the autograder zip.
        submission: a folder, a ``.zip`` or one file, as a student would upload it.
        setup: ``"dry-run"`` (``setup.sh`` chooses its Python and stops: the env that runs
            this is used), ``"full"`` (``setup.sh`` creates ``venv/`` and installs the
            course: needs network; run as root for its ``apt-get``) or ``"skip"``.
        python: the interpreter of ``run_autograder`` unless ``setup="full"``.
        timeout: each script's time limit (s): Gradescope's limit by default.

    Returns:
        (the ``results.json`` written, the scripts' output).

    Raises:
        ValueError: an unknown ``setup``.
        RuntimeError: a script failed (its output in the message).
    """
    if setup not in ("dry-run", "full", "skip"):
        raise ValueError(f"try_bundle: setup must be dry-run, full or skip, got {setup!r}")
    log = []
    with tempfile.TemporaryDirectory(prefix="jaxnm-autograder-") as tmp:
        root = Path(tmp) / "autograder"
        _unpack(Path(bundle), Path(submission), root)
        env = dict(os.environ, AUTOGRADER_ROOT=str(root))
        if setup != "full":
            env["AUTOGRADER_PYTHON"] = python
        steps = [] if setup == "skip" else [("setup.sh", {"JAXNM_SETUP_DRY_RUN": "1"})]
        if setup == "full":
            steps = [("setup.sh", {})]
        steps.append(("run_autograder", {}))
        for script, extra in steps:
            proc = subprocess.run(
                ["bash", str(root / "source" / script)],
                env={**env, **extra},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            log.append(f"$ {script}\n{proc.stdout}{proc.stderr}")
            if proc.returncode != 0:
                raise RuntimeError(f"{script} failed (exit {proc.returncode}):\n" + log[-1])
        data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    return data, "\n".join(log)


def format_results(data: dict) -> str:
    """A readable view of a ``results.json`` (what Gradescope would show, all visibilities)."""
    lines = [f"score {data['score']:g}/{data['max_score']:g}", data.get("output", "")]
    for t in data.get("tests", []):
        lines.append(
            f"  {t['status']:<6} {t['score']:g}/{t['max_score']:g}  {t['name']} "
            f"[{t['visibility']}]"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m jaxnm_course.grading.gradescope run SUBMISSION RESULTS [--course DIR]``."""
    p = argparse.ArgumentParser(prog="python -m jaxnm_course.grading.gradescope")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("submission", type=Path)
    r.add_argument("results", type=Path)
    r.add_argument("--course", type=Path, default=Path.cwd())
    r.add_argument("--metadata", type=Path, default=None)
    args = p.parse_args(argv)
    data = run(args.submission, args.results, args.course, args.metadata or "")
    print(f"score {data['score']:g}/{data['max_score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
