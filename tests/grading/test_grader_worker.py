"""The isolated worker, call by call: confinement, time limits, crashes, protocol.

Each attack is a function of a submission module, called through the same remote proxy the
grader uses. The tests run once with every layer (Linux namespaces when root) and once with
the portable layer alone (audit hook and resource limits), which is all a non-root
instructor or Gradescope gets.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest

from jaxnm_course.grading import errors, remote, sandbox

ROOT = Path(__file__).resolve().parents[2]
SECRET = ROOT / "solutions" / "ex02_jax_basics.py"
TOKEN = f"/tmp/jaxnm-worker-test-{uuid.uuid4().hex}"

ATTACKS = textwrap.dedent(
    f"""
    import os, sys, signal, importlib
    ROOT = {str(ROOT)!r}
    SECRET = {str(SECRET)!r}
    TOKEN = {TOKEN!r}
    GRADER_PID = {os.getpid()}

    def add(a, b):
        return a + b

    def read_secret():
        return open(SECRET).read()

    def read_secret_after_chdir():
        os.chdir(ROOT)
        return open("solutions/ex02_jax_basics.py").read()

    def read_secret_by_dir_fd():
        fd = os.open(ROOT, os.O_RDONLY)
        return os.read(os.open("solutions/ex02_jax_basics.py", os.O_RDONLY, dir_fd=fd), 100)

    def read_secret_with_pathlike():
        class P:
            def __fspath__(self):
                return SECRET
        return open(P()).read()

    def list_solutions():
        return os.listdir(ROOT + "/solutions")

    def import_solutions():
        return importlib.import_module("solutions").__name__

    def import_hidden_tests():
        import hidden_tests
        return hidden_tests.__name__

    def write_outside():
        open(TOKEN, "w").write("escaped")
        return "written"

    def write_inside():
        open("scratch.txt", "w").write("fine")
        return open("scratch.txt").read()

    def spawn():
        import subprocess
        return subprocess.run(["true"]).returncode

    def fork():
        return os.fork()

    def signal_parent():
        os.kill(GRADER_PID, 0)  # signal 0: only checks the right to signal
        return "signalled"

    def use_ctypes():
        import ctypes
        return ctypes.CDLL(None).getpid()

    def connect():
        import socket
        s = socket.create_connection(("127.0.0.1", 9), timeout=2)
        return "connected"

    def walk_gc():
        import gc
        return len(gc.get_objects())

    def loop():
        while True:
            pass

    def stubborn_loop():
        for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        while True:
            pass

    def die():
        os._exit(7)

    def allocate():
        return len(bytearray(50 * 1024**3))

    def keyboard_interrupt():
        raise KeyboardInterrupt

    def not_implemented():
        raise NotImplementedError("ex01: not yet")

    def bad_value(x):
        raise ValueError(f"bad x = {{x}}")

    def noisy(a):
        import struct
        fake = struct.pack(">Q", 16) + b'{{"id":1,"ok":0}}'
        for _ in range(1000):
            sys.stdout.write(repr(fake) * 10)
            sys.stderr.write("noise\\n")
        sys.stdout.buffer.write(fake * 10)
        sys.stdout.flush()
        return a * 2

    def forge_protocol():
        import struct
        msg = b'{{"$":"dict","items":{{"id":999,"ok":42}}}}'
        for fd in range(3, 30):
            try:
                os.write(fd, struct.pack(">Q", len(msg)) + msg)
            except OSError:
                pass
        return 1

    def raise_limits():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        return "raised"

    def use_library():
        import jaxnm_course
        return jaxnm_course.__name__

    def use_support():
        import jaxnm_exercises.references
        return jaxnm_exercises.references.__name__

    def call_ref(f, x):
        return f(x)

    def returns_function():
        return lambda: 1

    def returns_object_array():
        import numpy as np
        return np.array([object()])
    """
)

BLOCKED = [
    "read_secret",
    "read_secret_after_chdir",
    "read_secret_by_dir_fd",
    "read_secret_with_pathlike",
    "list_solutions",
    "import_solutions",
    "import_hidden_tests",
    "write_outside",
    "spawn",
    "fork",
    "signal_parent",
    "use_ctypes",
    "connect",
    "walk_gc",
    "raise_limits",
]

# The trusted side runs JAX (multithreaded) when it spawns workers, as in a grading session:
# spawning must not fork with a preexec_fn (JAX's at-fork warning would fail the test).
jnp_ready = __import__("jax").numpy.ones(3).block_until_ready()

MODES = ["auto", "off"] if sandbox.namespaces_available() else ["off"]


@pytest.fixture(scope="module", params=MODES, ids=lambda m: f"namespaces-{m}")
def worker(request, tmp_path_factory):
    sub = tmp_path_factory.mktemp("sub")
    (sub / "attacks.py").write_text(ATTACKS)
    # Generous per-call limit: first calls may compile on a loaded machine. The time-limit
    # tests below use their own worker with a short limit.
    w = remote.Worker(sub, call_timeout=20, submission_timeout=600, namespaces=request.param)
    yield w
    w.close()


def test_plain_calls_work_and_arrays_cross(worker):
    out = worker.call("attacks", "add", (np.arange(3.0), 1.0), {})
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("attack", BLOCKED)
def test_escape_attempts_are_refused(worker, attack):
    with pytest.raises((remote.RemoteError, remote.WorkerFailure)) as info:
        worker.call("attacks", attack, (), {})
    # Refused by the sandbox, not by an accident of the test set-up.
    assert info.value.remote_type in (
        "PermissionError",
        "ModuleNotFoundError",
        "ImportError",
        "OSError",
        "FileNotFoundError",
        "NotADirectoryError",
    ), (attack, info.value.remote_type, str(info.value))
    assert not Path(TOKEN).exists()


def test_the_submission_may_use_its_own_folder(worker):
    assert worker.call("attacks", "write_inside", (), {}) == "fine"


def test_exceptions_arrive_as_local_classes(worker):
    with pytest.raises(ValueError, match="bad x = 3") as info:
        worker.call("attacks", "bad_value", (3,), {})
    assert isinstance(info.value, remote.RemoteError)
    with pytest.raises(remote.RemoteError, match="KeyboardInterrupt") as info:
        worker.call("attacks", "keyboard_interrupt", (), {})
    assert not isinstance(info.value, KeyboardInterrupt)
    from jaxnm_course.grading.target import NotAttempted

    with pytest.raises(NotAttempted, match="ex01: not yet"):
        worker.call("attacks", "not_implemented", (), {})
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        worker.call("attacks", "missing", (), {})


@pytest.mark.parametrize("attack", ["loop", "stubborn_loop"])
def test_a_call_past_its_time_limit_is_killed_and_the_next_call_works(tmp_path, attack):
    (tmp_path / "attacks.py").write_text(ATTACKS)
    mode = MODES[0]
    w = remote.Worker(tmp_path, call_timeout=3, submission_timeout=600, namespaces=mode)
    try:
        assert w.call("attacks", "add", (1, 1), {}) == 2
        with pytest.raises(remote.CallTimeout):
            w.call("attacks", attack, (), {})
        assert w.proc is None  # the worker was killed
        assert w.call("attacks", "add", (1, 2), {}) == 3
    finally:
        w.close()


def test_a_crash_fails_one_call_only(worker):
    with pytest.raises(remote.WorkerCrashed, match="status 7"):
        worker.call("attacks", "die", (), {})
    assert worker.call("attacks", "add", (2, 2), {}) == 4


def test_memory_is_limited(worker):
    with pytest.raises(MemoryError):
        worker.call("attacks", "allocate", (), {})
    assert worker.call("attacks", "add", (1, 1), {}) == 2


def test_output_cannot_corrupt_the_protocol(worker):
    assert worker.call("attacks", "noisy", (21,), {}) == 42


def test_forged_protocol_messages_fail_only_that_call(worker):
    try:
        out = worker.call("attacks", "forge_protocol", (), {})
    except remote.ProtocolViolation:
        out = None
    assert out in (1, None)  # never the forged 42
    assert worker.call("attacks", "add", (5, 5), {}) == 10


@pytest.mark.parametrize("attack", ["returns_function", "returns_object_array"])
def test_ungradable_return_values_are_errors(worker, attack):
    with pytest.raises(remote.RemoteError, match="cannot be graded"):
        worker.call("attacks", attack, (), {})


def test_submission_budget_stops_everything(tmp_path):
    (tmp_path / "attacks.py").write_text(ATTACKS)
    w = remote.Worker(tmp_path, call_timeout=2, submission_timeout=3, namespaces="off")
    try:
        messages = []
        for _ in range(6):
            with pytest.raises(remote.CallTimeout) as info:
                w.call("attacks", "loop", (), {})
            messages.append(str(info.value))
            if "used up" in messages[-1]:
                break
        assert "no answer within" in messages[0]
        assert "used up" in messages[-1], messages
        starts = w.starts
        with pytest.raises(remote.CallTimeout, match=r"time limit \(3 s\) is used up"):
            w.call("attacks", "add", (1, 2), {})
        assert w.starts == starts  # no worker started once the budget is spent
    finally:
        w.close()


def test_missing_module_is_not_attempted_and_import_failure_is_remembered(tmp_path):
    from jaxnm_course.grading.target import NotAttempted

    (tmp_path / "broken.py").write_text("import os\nos._exit(3)\n")
    w = remote.Worker(tmp_path, call_timeout=10, namespaces="off")
    try:
        with pytest.raises(NotAttempted, match="not in the submission"):
            w.call("ex09_missing", "f", (), {})
        with pytest.raises(remote.SubmissionImportError, match="status 3"):
            w.call("broken", "f", (), {})
        starts = w.starts
        with pytest.raises(remote.SubmissionImportError):
            w.call("broken", "g", (), {})
        assert w.starts == starts  # no new worker for a module known to be broken
    finally:
        w.close()


def test_worker_environment_is_sanitised(tmp_path):
    (tmp_path / "env.py").write_text(
        "import os, sys\ndef env():\n    return dict(os.environ)\n"
        "def path():\n    return list(sys.path)\n"
    )
    os.environ["JAXNM_TEST_SECRET"] = "do-not-leak"
    w = remote.Worker(tmp_path, call_timeout=10, namespaces="off")
    try:
        env = w.call("env", "env", (), {})
        path = w.call("env", "path", (), {})
    finally:
        w.close()
        del os.environ["JAXNM_TEST_SECRET"]
    assert "JAXNM_TEST_SECRET" not in env
    assert remote.ENV not in env
    assert not any(p == str(ROOT) or p.startswith(str(ROOT / "solutions")) for p in path)


def test_the_library_can_be_forbidden_while_catalog_refs_keep_working(tmp_path):
    from jaxnm_exercises import catalog

    from jaxnm_course.grading import codec, course

    (tmp_path / "attacks.py").write_text(ATTACKS)
    # As in the trusted pytest process: the plugin makes the course current and registers
    # its catalog; the worker gets a staged copy of the catalog, the support package forbidden.
    decl = course.load()
    course.set_current(decl)
    codec.set_ref_class(catalog.Ref)
    f = catalog.function("polynomial", coefficients=np.array([1.0, 2.0]))
    forbid = ["jaxnm_course", decl.support_package]
    w = remote.Worker(tmp_path, call_timeout=10, namespaces="off", forbid=forbid)
    try:
        with pytest.raises(ImportError, match="cannot be imported by a submission"):
            w.call("attacks", "use_library", (), {})
        with pytest.raises(ImportError, match="cannot be imported by a submission"):
            w.call("attacks", "use_support", (), {})
        assert float(w.call("attacks", "call_ref", (f, 3.0), {})) == pytest.approx(float(f(3.0)))
    finally:
        w.close()
        course.set_current(None)
        codec.set_ref_class(None)


def test_the_library_is_importable_when_not_forbidden(worker):
    assert worker.call("attacks", "use_library", (), {}) == "jaxnm_course"


def test_default_forbid_follows_what_the_solutions_import(tmp_path):
    from jaxnm_course.grading import batch

    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "ex01_a.py").write_text("import jax\n")
    assert batch.default_forbid(tmp_path) == ["jaxnm_course"]
    (tmp_path / "solutions" / "ex02_b.py").write_text("from jaxnm_course.units import KB\n")
    assert batch.default_forbid(tmp_path) == []


def test_plugin_names_worker_failures_by_their_grading_outcome():
    """Timeouts and crashes are recorded as such; a student's own exception is a failure."""
    from jaxnm_course.grading.plugin import _worker_outcome

    timeout = remote.CallTimeout("no answer within 6 s")
    crash = remote.WorkerCrashed("the worker died")
    student = errors.remote_exception({"type": "ValueError", "message": "bad x"})
    assert isinstance(student, ValueError)
    assert _worker_outcome(timeout) == "timeout"
    assert _worker_outcome(crash) == "error"
    assert _worker_outcome(student) is None
    assert _worker_outcome(ValueError("CallTimeout: a student's message")) is None
    # Inside a group (Hypothesis) or as the cause of another error, a timeout still wins.
    assert _worker_outcome(BaseExceptionGroup("two", [crash, timeout])) == "timeout"
    wrapped = AssertionError("the test's own assert")
    wrapped.__cause__ = timeout
    assert _worker_outcome(wrapped) == "timeout"
