"""The exercise harness and the batch grader (course-agnostic: the course declares itself).

The course:

* :mod:`~jaxnm_course.grading.course`: the course declaration (``exercises/course.toml``):
  sets, titles, points policy, instructor folders and the course's support package. The
  harness holds no exercise set, title or reference of its own; the course's trusted
  material (catalog of Refs, checks, strategies, references) lives in its support package.
* :mod:`~jaxnm_course.grading.plugin`: the pytest plugin of ``pytest exercises`` (``--course``,
  ``--target``, points, the final points table, ``--results-json``).
* :mod:`~jaxnm_course.grading.target`: ``load("ex04_hessians")``, the only way tests reach the
  code under test.
* :mod:`~jaxnm_course.grading.stubs`: generates the exercise stubs from ``solutions/``.
* :mod:`~jaxnm_course.grading.release`: the student release (no instructor material).
* :mod:`~jaxnm_course.grading.mutants`: deliberate wrong answers that must lose points.

The batch grader (``jaxnm-grade``, :mod:`~jaxnm_course.grading.cli`):

* :mod:`~jaxnm_course.grading.config`: one :class:`GradingConfig` for a run and a submission.
* :mod:`~jaxnm_course.grading.batch`: grades a folder of submissions, one trusted pytest
  process each (no student path on its command line).
* :mod:`~jaxnm_course.grading.discover`: which files of a submission are graded, by name
  (near misses, Canvas's renamed files), for ``grade`` and the Gradescope bundle alike.
* :mod:`~jaxnm_course.grading.staging`: a submission (folder or zip) to its ``exNN_*.py`` files.
* :mod:`~jaxnm_course.grading.results` and :mod:`~jaxnm_course.grading.outputs`: the results
  model (hidden tests stay hidden; the INSECURE note) and the files under ``OUT/students/``,
  ``OUT/instructor/`` and ``OUT/grades.csv``; :mod:`~jaxnm_course.grading.gradebook`: the
  gradebook, its legend, the Canvas import file and the per-set summary;
  :mod:`~jaxnm_course.grading.late`: the late policy.
* :mod:`~jaxnm_course.grading.scaffold`: ``jaxnm-grade new-set``.
* :mod:`~jaxnm_course.grading.gradescope`: the Gradescope bundle and its ``run``.
* :mod:`~jaxnm_course.grading.remote`: module proxies whose calls run in a worker.
* :mod:`~jaxnm_course.grading.supervisor`: one worker's calls, time limits and failures;
  :mod:`~jaxnm_course.grading.launch` starts and stops its process.
* :mod:`~jaxnm_course.grading.sandbox`: the kernel sandbox (bubblewrap), resource limits.
* :mod:`~jaxnm_course.grading.worker`: the untrusted side (audit hook, import blocker).
* :mod:`~jaxnm_course.grading.protocol`, :mod:`~jaxnm_course.grading.codec`: framing and
  plain-data encoding between the two; :mod:`~jaxnm_course.grading.errors`: the exceptions.

Nothing here is imported by ``import jaxnm_course``.
"""

__all__ = [
    "batch",
    "cli",
    "codec",
    "config",
    "course",
    "discover",
    "errors",
    "gradebook",
    "gradescope",
    "late",
    "launch",
    "mutants",
    "outputs",
    "plugin",
    "protocol",
    "release",
    "remote",
    "results",
    "sandbox",
    "scaffold",
    "staging",
    "stubs",
    "supervisor",
    "target",
    "worker",
]
