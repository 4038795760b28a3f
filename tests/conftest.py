"""Test configuration: float64 on, Hypothesis profiles, optional oracles, shared fixtures."""

from __future__ import annotations

import os

import jax

# The library never enables x64 itself (see jaxnm_course.precision); the tests do, once,
# before any array is created. Tests of the x64-off behaviour use `jax.enable_x64(False)`.
jax.config.update("jax_enable_x64", True)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from jaxnm_course.structures import Structure, load_structure  # noqa: E402

# JAX compiles on the first call of each shape: the default 200 ms deadline would fail
# on compilation, not on slowness of the code under test.
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI: reproducible examples (derandomize), no example database carried between runs.
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=25,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

# CI must run the cross-code checks, not skip them: .ci/run sets JAXNM_REQUIRE_ORACLES=1,
# and a missing oracle is then an error at start-up instead of a quiet skip.
if os.environ.get("JAXNM_REQUIRE_ORACLES") == "1":
    import ase  # noqa: F401
    import matplotlib  # noqa: F401  (the plotting tests skip without it)
    import prody  # noqa: F401
    import pyscf  # noqa: F401

# Likewise the large shared structures (7CTH, 4V8R): CI has ../shared beside the clone.
if os.environ.get("JAXNM_REQUIRE_DATA") == "1":
    _data = os.environ.get("JAXNM_DATA_DIR", "")
    if not os.path.isfile(os.path.join(_data, "4v8r.pdb")):
        raise RuntimeError(
            f"JAXNM_REQUIRE_DATA=1 but JAXNM_DATA_DIR={_data!r} does not hold 4v8r.pdb; "
            "point it at shared/data/structures."
        )


# --- pytest-xdist (make test: -n 2 --dist loadfile): one module per worker ---------------

#: Modules whose tests share a session-scoped fixture, and so must run on one worker (the
#: fixture would otherwise be built again on each): the grader's trust and sandbox-escape
#: submissions are graded in one batch per user (the fixture ``grader_batch``).
SAME_WORKER = {
    "tests/grading/test_trust.py": "grader_batch",
    "tests/grading/test_sandbox_escapes.py": "grader_batch",
}

try:
    from xdist.scheduler import LoadFileScheduling
except ImportError:  # without pytest-xdist the suite runs in one process
    LoadFileScheduling = None

if LoadFileScheduling is not None:

    class _ModuleScheduling(LoadFileScheduling):
        """``--dist loadfile`` (each module on one worker: its module-scoped fixtures, such
        as the grading batches and the exercise sessions, are built once), with the modules
        of :data:`SAME_WORKER` as one unit. (xdist's ``--dist loadgroup`` marks do not take
        with pytest 9.2, whose nodes keep their id elsewhere than xdist 3.8 writes it.)"""

        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return SAME_WORKER.get(module, module)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config, log):
        if config.getvalue("dist") == "loadfile":
            return _ModuleScheduling(config, log)
        return None


# --- Shared fixtures: the oracle and the proteins, loaded once per session -----------------


def _read_only(s: Structure) -> Structure:
    """The structure with its arrays frozen: a session-wide fixture must not be edited."""
    for a in (s.R, s.resnums, s.bfactors, s.models):
        if a is not None:
            a.setflags(write=False)
    return s


@pytest.fixture(scope="session", name="prody")
def prody_module():
    """ProDy (an independent ENM code), quiet; the test skips when it is not installed."""
    module = pytest.importorskip("prody", reason="ProDy is not installed: pip install prody")
    module.confProDy(verbosity="none")
    return module


@pytest.fixture(scope="session")
def ubiquitin() -> Structure:
    """Ubiquitin, 1UBI (76 Cα), from the bundled PDB file."""
    return _read_only(load_structure("1UBI"))


@pytest.fixture(scope="session")
def adk_closed() -> Structure:
    """Closed adenylate kinase, 1AKE chain A (214 Cα).

    The bundled 1ake.pdb holds chain A only, so this is also ``load_structure("1AKE")``.
    """
    return _read_only(load_structure("1AKE", chains="A"))


@pytest.fixture(scope="session")
def adk_open() -> Structure:
    """Open adenylate kinase, 4AKE chain A superposed on 1AKE chain A (214 Cα)."""
    return _read_only(load_structure("4AKE_A_aligned"))


# The course's support package (exercises/support/jaxnm_exercises: the catalog of trusted
# callables, the Hypothesis strategies shared with the exercise tests) on sys.path, as the
# grading plugin puts it there for the exercise tests.
from jaxnm_course.grading import course as _course  # noqa: E402

_course.use_support(_course.load())
