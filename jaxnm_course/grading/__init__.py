"""The exercise harness: pytest plugin, target loader, stub generator, trusted callables.

* :mod:`~jaxnm_course.grading.plugin`: the pytest plugin of ``pytest exercises`` (``--target``,
  points, the final points table, ``--results-json``).
* :mod:`~jaxnm_course.grading.target`: ``load("ex03_hessians")``, the only way tests reach the
  code under test.
* :mod:`~jaxnm_course.grading.stubs`: generates ``exercises/exNN_*.py`` from ``solutions/``.
* :mod:`~jaxnm_course.grading.catalog`: :class:`~jaxnm_course.grading.catalog.Ref`, trusted
  callables (energies, 1-D functions) passed to exercise functions by name.
* :mod:`~jaxnm_course.grading.checks` and :mod:`~jaxnm_course.grading.strategies`: helpers of
  the exercise tests (readable checks of untrusted return values; Hypothesis strategies).

Nothing here is imported by ``import jaxnm_course``.
"""

__all__ = ["catalog", "checks", "plugin", "strategies", "stubs", "target"]
