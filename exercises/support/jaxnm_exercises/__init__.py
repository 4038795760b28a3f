"""Trusted support material of the jaxnm-course exercises (declared in ``exercises/course.toml``).

* :mod:`jaxnm_exercises.catalog`: :class:`~jaxnm_exercises.catalog.Ref`, trusted callables
  (energies, 1-D functions) passed to exercise functions by name; the grader's worker
  imports this module (only this one) to rebuild the Refs it receives.
* :mod:`jaxnm_exercises.checks`: readable checks of untrusted return values.
* :mod:`jaxnm_exercises.strategies`: Hypothesis strategies of the exercise tests.
* :mod:`jaxnm_exercises.references`: trusted reference computations shared by a set's
  visible and hidden tests.

The folder holding this package (``exercises/support``) is put on ``sys.path`` by the
grading plugin; submissions may not import it.
"""

__all__ = ["catalog", "checks", "references", "strategies"]
