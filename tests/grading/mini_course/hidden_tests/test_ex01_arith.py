"""Hidden tests of mini set ex01."""

import pytest

from jaxnm_course.grading.target import load

ex = load("ex01_arith")


@pytest.mark.points(2)
def test_add_negative_numbers():
    assert ex.add(-2, -3) == -5
