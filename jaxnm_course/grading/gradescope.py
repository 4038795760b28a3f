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
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from jaxnm_course.grading import batch, outputs, sandbox
from jaxnm_course.grading.config import GradingConfig
from jaxnm_course.grading.errors import SubmissionRejected
from jaxnm_course.grading.results import StudentRow
from jaxnm_course.grading.staging import extract_zip

__all__ = ["RUN_AUTOGRADER", "SETUP_SH", "build_bundle", "find_submission", "main", "run"]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when building the autograder image.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null; then
  apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
# The kernel sandbox of the workers (see docs/instructor.md, "Threat model").
if ! command -v bwrap >/dev/null; then
  apt-get update && apt-get install -y bubblewrap
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install -c constraints.txt -e ".[test]"
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
  "$ROOT/results/results.json" --course "$ROOT/source"
"""

_SHIP = ("jaxnm_course/", "exercises/", "hidden_tests/")
_SHIP_FILES = ("pyproject.toml", "constraints.txt", "README.md", "LICENSE")


def build_bundle(
    course: str | Path,
    out_zip: str | Path,
    hidden_visibility: str = "after_published",
    call_timeout: float = 60.0,
    submission_timeout: float = 900.0,
    insecure: bool = False,
) -> list[str]:
    """Write the Gradescope autograder zip.

    Args:
        course: the course folder.
        out_zip: the zip to write.
        hidden_visibility: Gradescope visibility of hidden tests.
        call_timeout: per-call limit (s).
        submission_timeout: per-submission budget (s).
        insecure: grade even where the container cannot set up the kernel sandbox.

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
            forbid=tuple(batch.default_forbid(course)),
            hidden_visibility=hidden_visibility,
            call_timeout=call_timeout,
            submission_timeout=submission_timeout,
            workers=1,
            insecure=bool(insecure),
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


def find_submission(root: Path, work: Path) -> Path:
    """The folder holding the exercise files of an uploaded submission.

    Gradescope puts the uploaded files in ``/autograder/submission`` (possibly inside a
    folder, or as one .zip): return the shallowest folder holding ``exNN_*.py``.

    Args:
        root: the submission folder.
        work: a scratch folder (for an uploaded zip).

    Returns:
        The folder.
    """
    zips = sorted(root.glob("*.zip"))
    if not list(root.rglob("ex[0-9][0-9]_*.py")) and len(zips) == 1:
        dest = work / "unzipped"
        dest.mkdir()
        extract_zip(zips[0], dest)
        root = dest
    for depth in range(4):
        pattern = "/".join(["*"] * depth + ["ex[0-9][0-9]_*.py"])
        hits = sorted(root.glob(pattern))
        if hits:
            return hits[0].parent
    return root


def run(submission: str | Path, results: str | Path, course: str | Path) -> dict:
    """Grade one submission with the batch harness and write Gradescope's results.json.

    Args:
        submission: the uploaded submission folder.
        results: where results.json goes.
        course: the unpacked bundle (``/autograder/source``).

    Returns:
        The results dict written.
    """
    course = Path(course).resolve()
    cfg_path = course / "grading.json"
    cfg = GradingConfig.from_json(cfg_path.read_text()) if cfg_path.is_file() else GradingConfig()
    cfg = cfg.replace(course=course, workers=1)
    with tempfile.TemporaryDirectory(prefix="jaxnm-gs-") as tmp:
        tmp = Path(tmp)
        try:
            folder = find_submission(Path(submission), tmp)
        except SubmissionRejected as err:
            rows = [StudentRow("submission", status="rejected", reason=str(err))]
            outputs.write_outputs(rows, tmp / "out", cfg)
        else:
            try:
                rows = batch.grade_entries(
                    [("submission", folder)], tmp / "out", cfg, hide=[Path(submission)]
                )
            except sandbox.SandboxUnavailable as err:  # no kernel sandbox, no --insecure
                rows = [StudentRow("submission", status="error", reason=str(err))]
                outputs.write_outputs(rows, tmp / "out", cfg)
        written = tmp / "out" / "students" / rows[0].folder / "results.json"
        data = json.loads(written.read_text())
        Path(results).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(written, results)
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m jaxnm_course.grading.gradescope run SUBMISSION RESULTS [--course DIR]``."""
    p = argparse.ArgumentParser(prog="python -m jaxnm_course.grading.gradescope")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("submission", type=Path)
    r.add_argument("results", type=Path)
    r.add_argument("--course", type=Path, default=Path.cwd())
    args = p.parse_args(argv)
    data = run(args.submission, args.results, args.course)
    print(f"score {data['score']:g}/{data['max_score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
