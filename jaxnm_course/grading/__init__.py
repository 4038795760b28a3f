"""The exercise harness: pytest plugin, target loader, stub generator, course declaration.

* :mod:`~jaxnm_course.grading.plugin`: the pytest plugin of ``pytest exercises`` (``--target``,
  points, the final points table, ``--results-json``).
* :mod:`~jaxnm_course.grading.target`: ``load("ex03_hessians")``, the only way tests reach the
  code under test.
* :mod:`~jaxnm_course.grading.stubs`: generates ``exercises/exNN_*.py`` from ``solutions/``.
* :mod:`~jaxnm_course.grading.course`: the course declaration (``exercises/course.toml``):
  sets, titles, points policy, instructor folders and the course's support package. The
  harness holds no exercise set, title or reference of its own; the course's trusted
  material (catalog of Refs, checks, strategies, references) lives in its support package.

Nothing here is imported by ``import jaxnm_course``.
"""

__all__ = ["course", "plugin", "stubs", "target"]
