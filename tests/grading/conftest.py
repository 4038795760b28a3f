"""Tests of the grading harness: the mini course is a course, not a test folder of this suite."""

from __future__ import annotations

import pytest

from . import _shared_batch

# Its test files are collected only by the pytest sessions the tests start for it.
collect_ignore = ["mini_course"]


@pytest.fixture(scope="session", params=["root", "unprivileged"])
def grader_batch(request):
    """The trust and sandbox-escape submissions graded in one batch per user (see
    ``_shared_batch.py``): session-scoped, so ``test_trust.py`` and
    ``test_sandbox_escapes.py`` share one ``jaxnm-grade grade`` run as root and one as an
    unprivileged user instead of starting three."""
    yield from _shared_batch.run(request.param)
