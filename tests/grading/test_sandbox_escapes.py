"""Hostile submissions against the kernel sandbox, as root and as an unprivileged user.

One batch per user (a copy of the mini course, short limits; shared with ``test_trust.py``
through the session fixture ``grader_batch``, see ``_shared_batch.py``): two honest controls
(the solutions, first and last) and one submission per attack of issue 13 (see
``_hostile_sandbox.py``), among the trust batch's submissions. The audit hook is switched
off in these workers (``JAXNM_GRADE_AUDIT_HOOK=0``, a trusted-side switch), so everything
that stops the attacks here is the kernel layer. Against the grader of before (commit
5a86568, whose audit hook the attacks switch off themselves), as an unprivileged user: b, c,
d and g earned full marks, i reached the host's network, f's survivor forged ``grades.csv``
after the batch; as root: b earned full marks and g listed ``/home`` and the batch folder.

CI sets ``JAXNM_REQUIRE_SANDBOX=1``: a missing sandbox or missing user namespaces then fail
these tests instead of skipping them.
"""

from __future__ import annotations

import os
import re

import pytest

from jaxnm_course.grading import results, sandbox, seccomp

from . import _hostile_sandbox as hs

pytestmark = pytest.mark.slow
HOSTILE = sorted(hs.ATTACKS)
HONEST = ["a_honest", "z_honest"]


@pytest.fixture
def batch(grader_batch):
    return grader_batch


def test_the_batch_finishes_with_a_row_for_everyone(batch):
    assert batch["rc"] == 0, batch["log"]
    # grades.csv keeps each name, formula-neutralised (the trust batch's odd names).
    assert set(batch["rows"]) == {results.neutral_cell(e) for e in batch["entries"]}, batch["log"]
    assert set(HONEST + HOSTILE) <= set(batch["rows"]), batch["log"]
    print(f"{batch['mode']}: {len(batch['rows'])} submissions in {batch['elapsed']:.0f} s")


def test_the_honest_controls_get_full_marks(batch):
    for name in HONEST:
        row = batch["rows"].get(name)
        assert row is not None, batch["log"]
        assert float(row["max"]) > 0, row
        assert float(row["total"]) == float(row["max"]), row
        assert row["status"] == "ok", row


@pytest.mark.parametrize("name", HOSTILE)
def test_no_attack_earns_marks_or_sees_anything(batch, name):
    row = batch["rows"].get(name)
    assert row is not None, batch["log"]
    assert float(row["total"]) == 0, (row, batch["feedback"].get(name, "")[:3000])
    leaks = re.findall(r"LEAK (.*)", batch["feedback"].get(name, ""))
    if name == "h_disk_fill":
        # The disk fills up at the worker's own tmpfs, far below the 2 GiB it tried.
        m = re.search(r"DISK wrote (\d+) bytes then OSError: No space left on device", leaks[0])
        assert m, leaks
        assert int(m.group(1)) <= sandbox.DEFAULT_TMPFS_MB << 20
    else:
        assert not leaks, leaks


def test_nothing_survives_the_batch_or_writes_afterwards(batch):
    assert batch["before"] == batch["after"]
    assert batch["markers"] == []
    assert batch["survivors"] == []


def test_no_submission_reached_the_host_network(batch):
    assert batch["connections"] == 0


def test_the_outputs_say_how_the_workers_were_confined(batch):
    """The instructor's record, report and summary name the layers (seccomp: on, or why not)."""
    layer = seccomp.status()  # the grader ran on this machine, in this environment
    assert batch["records"], batch["log"]
    for rec in batch["records"]:
        assert rec["sandbox"].startswith("bubblewrap: "), rec["sandbox"]
        assert rec["sandbox"].endswith(f"; {layer}"), rec["sandbox"]
    reports = list((batch["out"] / "instructor").glob("*.feedback.txt"))
    assert reports
    for report in reports:
        assert "\nSandbox: bubblewrap: " in report.read_text(), report
    summary = (batch["out"] / "instructor" / "summary.txt").read_text()
    assert f"; {layer}\n" in summary, summary
    if os.environ.get("JAXNM_REQUIRE_SANDBOX") == "1":  # CI: libseccomp is there
        assert layer == "seccomp: on"
