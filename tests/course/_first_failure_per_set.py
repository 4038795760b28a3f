"""Pytest plugin for the mutant rounds: after a set's first failing test, skip the rest of it.

A mutant round (the course's tests grade its mutants, solutions with one plausible mistake,
which the student release does not ship) only has to show that each mutant's set loses
points; once one test of the set has failed, the set's other tests cannot change that
verdict, and running them is most of a round's time (each compiles its own JAX programs).
Loaded with ``-p tests.course._first_failure_per_set``, only in those rounds: never in a
student's or the grader's session, whose scores need every test.
"""

from __future__ import annotations

import re

import pytest

_SET = re.compile(r"test_(ex\d\d)_")
_lost: set[str] = set()


def _set_of(item: pytest.Item) -> str | None:
    m = _SET.search(item.path.name)
    return m.group(1) if m else None


def pytest_runtest_setup(item: pytest.Item) -> None:
    name = _set_of(item)
    if name in _lost:
        pytest.skip(f"{name} already lost points in this round")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        name = _set_of(item)
        if name is not None:
            _lost.add(name)
