"""Visible tests of mini set ex02."""

import pytest

from jaxnm_course.grading.target import load

ex = load("ex02_vectors")


@pytest.mark.points(2)
def test_norm():
    assert ex.norm([3.0, 4.0]) == pytest.approx(5.0)


@pytest.mark.points(2)
def test_dot():
    assert ex.dot([1.0, 2.0], [3.0, 4.0]) == pytest.approx(11.0)
