"""The exercise sets grade honestly: solutions 100 %, stubs 0, every mutant loses points.

The exercise sessions run in subprocesses (``pytest exercises --target ... --results-json``),
as a student or the grader would run them, and the assertions read the JSON record. Mutants
(``tests/course/mutants/exNN_<name>/mutant.toml``) are grouped into rounds, at most one per
exercise set, and each round is one session restricted (``-m``) to the sets it touches.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from jaxnm_course.grading import mutants as mutants_mod
from jaxnm_course.grading import stubs

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SETS = sorted(p.name[:4] for p in SOLUTIONS.glob("ex[0-9][0-9]_*.py"))
MUTANTS = mutants_mod.discover(ROOT / "tests" / "course" / "mutants")
CONTRACT_TEST_KEYS = {
    "nodeid", "exercise", "title", "name", "points", "max_points", "outcome", "visibility",
    "message",
}  # fmt: skip

pytestmark = pytest.mark.slow


def run_session(target, out: Path, *args: str, paths=("exercises",)):
    """One exercise session in a subprocess; returns (exit code, results, stdout)."""
    env = dict(os.environ, JAXNM_HYPOTHESIS_PROFILE="grading", OPENBLAS_NUM_THREADS="1")
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.pop("JAXNM_GRADE_REMOTE", None)
    cmd = [sys.executable, "-m", "pytest", *paths, "-p", "no:cacheprovider", "-q"]
    cmd += ["--target", str(target), "--results-json", str(out), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert out.is_file(), f"no results written (exit {proc.returncode}):\n{proc.stdout[-4000:]}"
    return proc.returncode, json.loads(out.read_text()), proc.stdout + proc.stderr


def rounds(mutants):
    """Group mutants so that each round has at most one mutant per exercise set."""
    by_set: dict[str, list] = {}
    for m in mutants:
        by_set.setdefault(m.exercise, []).append(m)
    depth = max(len(v) for v in by_set.values())
    return [[v[r] for v in by_set.values() if r < len(v)] for r in range(depth)]


def partial_target(folder: Path) -> Path:
    """The stubs with ex02's spring_energy filled in and ex03 broken (a syntax error)."""
    folder.mkdir()
    for p in EXERCISES.glob("ex[0-9]*_*.py"):
        (folder / p.name).write_text(p.read_text())
    ex02 = (
        (folder / "ex02_jax_basics.py")
        .read_text()
        .replace(
            'raise NotImplementedError("ex02: spring_energy not implemented yet")',
            "return jnp.sum(0.5 * k * (jnp.asarray(r) - r0) ** 2)",
        )
    )
    (folder / "ex02_jax_basics.py").write_text(ex02)
    (folder / "ex03_energies.py").write_text("def pair_distances(R, pairs)\n    return R\n")
    return folder


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Every exercise session this file needs, two at a time (the machine has 2 cores)."""
    base = tmp_path_factory.mktemp("sessions")
    jobs = {
        "solutions": ("solutions", (), ("exercises", "hidden_tests")),
        "stubs": ("exercises", (), ("exercises",)),
        "partial": (partial_target(base / "partial"), ("-m", "ex02 or ex03"), ("exercises",)),
    }
    # No counterexample search, and a set's first failing test ends it (the verdict "loses
    # points" cannot change after that): tests/course/_first_failure_per_set.py.
    fast = ("--hypothesis-profile", "grading-fast", "-p", "tests.course._first_failure_per_set")
    for n, group in enumerate(rounds(MUTANTS)):
        folder = mutants_mod.build(group, SOLUTIONS, base / f"round{n}")
        marker = " or ".join(sorted(m.exercise for m in group))
        jobs[f"round{n}"] = (folder, ("-m", marker, *fast), ("exercises",))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(run_session, target, base / f"{name}.json", *args, paths=paths)
            for name, (target, args, paths) in jobs.items()
        }
        return {name: f.result() for name, f in futures.items()}


@pytest.fixture(scope="module")
def solutions_run(sessions):
    return sessions["solutions"]


@pytest.fixture(scope="module")
def stubs_run(sessions):
    return sessions["stubs"]


@pytest.fixture(scope="module")
def mutant_runs(sessions):
    results = {}
    for n, group in enumerate(rounds(MUTANTS)):
        code, res, text = sessions[f"round{n}"]
        assert code in (0, 1), f"round {n} crashed (exit {code}):\n{text[-4000:]}"
        for m in group:
            results[m.name] = res
    return results


def test_eleven_sets_one_per_chapter_with_stubs_visible_and_hidden_tests():
    assert SETS == [f"ex{n:02d}" for n in range(1, 12)]
    for path in SOLUTIONS.glob("ex[0-9][0-9]_*.py"):
        assert (EXERCISES / path.name).is_file(), f"no stub for {path.name}"
        assert (EXERCISES / f"test_{path.name}").is_file(), f"no visible tests for {path.name}"
        assert (ROOT / "hidden_tests" / f"test_{path.name}").is_file(), f"no hidden tests: {path}"


def test_solutions_score_full_marks(solutions_run):
    code, results, text = solutions_run
    assert code == 0, text[-4000:]
    assert sorted(results["totals"]) == SETS
    for t in results["tests"]:
        assert set(t) == CONTRACT_TEST_KEYS
        assert t["outcome"] == "passed", t
        assert t["points"] == t["max_points"] > 0
    assert {t["visibility"] for t in results["tests"]} == {"visible", "hidden"}
    for ex, total in results["totals"].items():
        assert total["points"] == total["max_points"] > 0, ex
    assert "0 sets not attempted" in text


def test_stubs_score_zero_with_a_clean_table(stubs_run):
    code, results, text = stubs_run
    assert code == 1, f"expected exit 1 (tests not passed), got {code}:\n{text[-4000:]}"
    assert "error" not in text.lower().replace("errors", ""), text[-4000:]
    assert "Traceback" not in text
    assert results["tests"]
    for t in results["tests"]:
        assert t["outcome"] == "not_attempted", t
        assert t["points"] == 0
        assert t["message"].startswith(t["exercise"] + ": ")
        assert t["message"].endswith("not implemented yet")
    total = sum(t["max_points"] for t in results["totals"].values())
    assert f"total: 0/{total:g} visible points, 11 sets not attempted" in text, text[-3000:]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_every_mutant_loses_points_in_its_own_set(mutant, mutant_runs):
    results = mutant_runs[mutant.name]
    total = results["totals"][mutant.exercise]
    assert total["points"] < total["max_points"], (
        f"{mutant.name} ({mutant.description}) scores full"
    )
    lost = [t for t in results["tests"] if t["exercise"] == mutant.exercise]
    # Failures, not errors (an error would mean the mutant broke the module, not the answer);
    # the tests after the set's first failure are skipped (see the round's plugin)
    # (the grading plugin records a skip as an error whose message says why).
    assert all(
        t["outcome"] in ("passed", "failed") or "already lost points in this round" in t["message"]
        for t in lost
    ), lost
    assert any(t["outcome"] == "failed" for t in lost), lost


def test_each_set_has_at_least_three_mutants():
    for ex in SETS:
        assert sum(m.exercise == ex for m in MUTANTS) >= 3, ex


def test_regenerating_the_stubs_is_a_no_op():
    assert stubs.generate(SOLUTIONS, EXERCISES, check=True) == []
    proc = subprocess.run(
        [sys.executable, "-m", "jaxnm_course.grading.stubs", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", [p.name for p in sorted(SOLUTIONS.glob("ex[0-9]*_*.py"))])
def test_stub_signatures_and_docstrings_equal_the_solution(name):
    solution = (SOLUTIONS / name).read_text()
    stub = (EXERCISES / name).read_text()
    assert stubs.api(stub) == stubs.api(solution)
    tree = ast.parse(solution)
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    public = [fn for fn in functions if not fn.startswith("_")]
    assert public
    for fn in public:  # every public function of the solution is a hole in the stub
        assert f'raise NotImplementedError("{name[:4]}: {fn} not implemented yet")' in stub


def test_stub_generator_keeps_hints_and_replaces_holes():
    src = (
        '"""Brief."""\n\n\ndef f(x):\n    """Doc."""\n    # HINT: square it.\n'
        "    # BEGIN SOLUTION\n    y = x * x\n    return y\n    # END SOLUTION\n"
    )
    out = stubs.generate_stub(src, "ex07_demo.py")
    assert "# HINT: square it." in out
    assert 'raise NotImplementedError("ex07: f not implemented yet")' in out
    assert "x * x" not in out
    assert "SOLUTION" not in out
    with pytest.raises(ValueError, match="without"):
        stubs.generate_stub(src.replace("    # END SOLUTION\n", ""), "ex07_demo.py")
    with pytest.raises(ValueError, match="nested"):
        stubs.generate_stub(
            src.replace("    y = x", "    # BEGIN SOLUTION\n    y = x"), "ex07_demo.py"
        )


def test_mutant_edits_must_match_exactly_once():
    m = MUTANTS[0]
    broken = m._replace(edits=(("text that is not in the solution", "x"),))
    with pytest.raises(ValueError, match="0 times"):
        mutants_mod.apply((SOLUTIONS / m.file).read_text(), broken)


def test_partial_work_scores_and_broken_files_are_errors_not_crashes(sessions):
    """A student fills in one function of ex02 and breaks ex03: the session still runs."""
    code, results, text = sessions["partial"]
    assert code == 1, text[-3000:]
    by_name = {t["name"]: t for t in results["tests"]}
    energy_tests = [t for n, t in by_name.items() if n.startswith("test_spring_energy")]
    assert energy_tests
    assert all(t["outcome"] == "passed" for t in energy_tests)
    assert 0 < results["totals"]["ex02"]["points"] < results["totals"]["ex02"]["max_points"]
    ex03 = [t for t in results["tests"] if t["exercise"] == "ex03"]
    assert ex03
    assert all(t["outcome"] == "error" for t in ex03), ex03
    assert "SyntaxError" in ex03[0]["message"]
    assert "total: " in text
    assert "0 sets not attempted" in text
