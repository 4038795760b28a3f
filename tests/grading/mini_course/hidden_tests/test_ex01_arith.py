"""Hidden tests of mini set ex01."""

import pytest

from jaxnm_course.grading.target import load

ex = load("ex01_arith")


@pytest.mark.points(2)
def test_hiddenname_add_negative_numbers():
    # The name and the message are secrets of the instructor (tests/grading/test_trust.py).
    got = ex.add(-2, -3)
    assert got == -5, f"HIDDEN-EXPECTED-MINUS-5: add(-2, -3) should be -5, got {got}"
