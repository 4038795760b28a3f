"""The configuration of a grading run: one frozen object, serialised one way.

:class:`GradingConfig` is what the command line builds, what :func:`batch.grade_all
<jaxnm_course.grading.batch.grade_all>` reads, what the trusted pytest process of each
submission reads (through a file named by the environment variable :data:`ENV`, never through
pytest's command line) and what a Gradescope bundle ships as ``grading.json``. It crosses
process boundaries only as :meth:`GradingConfig.to_json` / :meth:`GradingConfig.from_json`.

Example:
    >>> cfg = GradingConfig(call_timeout=30.0, exercises=("ex01",))
    >>> GradingConfig.from_json(cfg.to_json()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jaxnm_course.grading import sandbox

__all__ = ["ENV", "GRADING_PROFILES", "HIDDEN_VISIBILITIES", "GradingConfig"]

#: Environment variable of the trusted pytest process: the path of its configuration file
#: (set by the batch grader; when it is set, tests call student code in a worker).
ENV = "JAXNM_GRADE_REMOTE"
#: Gradescope visibilities a hidden test may have.
HIDDEN_VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise TypeError(f"GradingConfig: {what} must be a list of strings, got {value!r}")
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"GradingConfig: {what} must be a list of strings, got {value!r}")
    return tuple(value)


#: Hypothesis profiles a batch may run (registered by :mod:`jaxnm_course.grading.plugin`).
GRADING_PROFILES = ("grading", "thorough")


@dataclass(frozen=True)
class GradingConfig:
    """Settings of a grading run (batch-wide) and of one submission (worker side).

    Attributes:
        course: the course folder (holding ``exercises/`` and ``hidden_tests/``); None: the
            batch uses :func:`~jaxnm_course.grading.course.default_location`.
        workers: submissions graded in parallel.
        call_timeout: wall-clock limit of one call of student code (s).
        submission_timeout: wall-clock budget of one submission's calls (s); its pytest
            process is killed after ``1.5 * submission_timeout + 120`` s.
        memory_mb: address-space limit of a worker (MiB).
        exercises: only these sets (``("ex01", ...)``); all when empty.
        hidden: include ``hidden_tests/``.
        hidden_visibility: Gradescope visibility of hidden tests (one of
            :data:`HIDDEN_VISIBILITIES`).
        namespaces: ``"auto"`` or ``"off"`` (see :mod:`jaxnm_course.grading.sandbox`).
        forbid: modules a submission may not import; None: decided once per batch by
            :func:`~jaxnm_course.grading.course.default_forbid`.
        submission: the staged folder of one submission (set per submission by the batch;
            read by :mod:`~jaxnm_course.grading.remote`).
        hide: extra folders the worker must not see.
        pidfile: where the process-group id of each worker started is appended.
        tmp_root: the folder under which worker folders are made.
        insecure: grade even without the kernel sandbox (every output then says so);
            without it a run where the sandbox cannot be set up is refused.
        ro_paths: extra host paths confined workers may read (beside
            :func:`~jaxnm_course.grading.sandbox.readonly_paths`).
        tmpfs_mb: size of a confined worker's private tmpfs, its whole disk (MiB).
        profile: the Hypothesis profile of the trusted pytest: ``"grading"`` (derandomized,
            the same examples for every student) or ``"thorough"`` (hundreds of random
            examples per property; for ``jaxnm-grade check --thorough`` on the solutions).
        due: the due date (ISO 8601; ``""``: no late policy unless Gradescope's metadata
            gives one); see :mod:`~jaxnm_course.grading.late`.
        late_grace_minutes: minutes after ``due`` that are not late.
        late_penalty_per_day: fraction of the points taken off per started day late (0-1).
        submission_times: a CSV of submission times (``submission,submitted_at``).
        roster: a roster CSV mapping submissions to LMS identities (writes
            ``OUT/grades_canvas.csv``; see :mod:`~jaxnm_course.grading.gradebook`).
        assignment: the assignment's name in the LMS import file.
    """

    course: Path | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    call_timeout: float = 60.0
    submission_timeout: float = 900.0
    memory_mb: int = sandbox.DEFAULT_MEMORY_MB
    exercises: tuple[str, ...] = ()
    hidden: bool = True
    hidden_visibility: str = "after_published"
    namespaces: str = "auto"
    forbid: tuple[str, ...] | None = None
    submission: Path | None = None
    hide: tuple[str, ...] = ()
    pidfile: str | None = None
    tmp_root: str | None = None
    insecure: bool = False
    ro_paths: tuple[str, ...] = ()
    tmpfs_mb: int = sandbox.DEFAULT_TMPFS_MB
    profile: str = "grading"
    due: str = ""
    late_grace_minutes: float = 0.0
    late_penalty_per_day: float = 0.0
    submission_times: Path | None = None
    roster: Path | None = None
    assignment: str = "Exercises"

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        for name in ("course", "submission", "submission_times", "roster"):
            value = getattr(self, name)
            if value is not None:
                if not isinstance(value, str | os.PathLike):
                    raise TypeError(f"GradingConfig: {name} must be a path, got {value!r}")
                put(name, Path(value))
        put("exercises", _strings(self.exercises, "exercises"))
        put("hide", _strings(self.hide, "hide"))
        put("ro_paths", _strings(self.ro_paths, "ro_paths"))
        if self.forbid is not None:
            put("forbid", _strings(self.forbid, "forbid"))
        for name in ("workers", "memory_mb", "tmpfs_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"GradingConfig: {name} must be an int, got {value!r}")
            if value < 1:
                raise ValueError(f"GradingConfig: {name} must be at least 1, got {value}")
        for name in ("call_timeout", "submission_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"GradingConfig: {name} must be a number of seconds")
            if not value > 0:
                raise ValueError(f"GradingConfig: {name} must be positive, got {value}")
            put(name, float(value))
        for name in ("late_grace_minutes", "late_penalty_per_day"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"GradingConfig: {name} must be a number")
            if value < 0:
                raise ValueError(f"GradingConfig: {name} must be >= 0, got {value}")
            put(name, float(value))
        if self.late_penalty_per_day > 1:
            raise ValueError(
                "GradingConfig: late_penalty_per_day is a fraction of the points (0-1), got "
                f"{self.late_penalty_per_day}"
            )
        for name in ("due", "assignment"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"GradingConfig: {name} must be a string")
        if self.due:
            try:
                datetime.fromisoformat(self.due.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(
                    f"GradingConfig: due {self.due!r} is not an ISO 8601 time "
                    "(e.g. 2026-03-01T23:59:00+01:00)"
                ) from None
        for name in ("hidden", "insecure"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(
                    f"GradingConfig: {name} must be True or False, got {getattr(self, name)!r}"
                )
        if self.hidden_visibility not in HIDDEN_VISIBILITIES:
            raise ValueError(
                f"GradingConfig: hidden_visibility {self.hidden_visibility!r}: choose one of "
                f"{HIDDEN_VISIBILITIES}"
            )
        if not isinstance(self.profile, str):
            raise TypeError(f"GradingConfig: profile must be a string, got {self.profile!r}")
        if self.profile not in GRADING_PROFILES:
            raise ValueError(
                f"GradingConfig: profile {self.profile!r}: choose one of {GRADING_PROFILES}"
            )
        if self.namespaces not in ("auto", "off"):
            raise ValueError(
                f"GradingConfig: namespaces {self.namespaces!r}: choose 'auto' or 'off'"
            )
        for name in ("pidfile", "tmp_root"):
            value = getattr(self, name)
            if value is not None:
                put(name, os.fspath(value))

    def replace(self, **changes: Any) -> GradingConfig:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        """The configuration as JSON text (paths as strings, tuples as lists)."""
        data = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> GradingConfig:
        """Read :meth:`to_json`'s text (missing keys take their defaults).

        Raises:
            ValueError: not a JSON object, or an unknown key.
            TypeError: a value of the wrong type.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"GradingConfig.from_json: not JSON ({err})") from None
        if not isinstance(data, dict):
            raise ValueError("GradingConfig.from_json: expected a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"GradingConfig.from_json: unknown keys {unknown}")
        return cls(**data)
