"""Builders of honest and hostile submissions of exercise set 01 (see test_grader_hostile).

Each builder writes one submission (a folder or a .zip) into the submissions folder and
returns the most points it may earn: the points of its honest work (0 for a hostile
submission built on the untouched stub; the points of ``partial_honest`` for the partial
ones; ``None`` for "exactly full marks").

Every hostile submission that tries to escape leaves evidence where the test looks for it
(a marker file named with ``TOKEN``, forged result files holding ``FORGED``).
"""

from __future__ import annotations

import ast
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MODULE = "ex02_jax_basics.py"
SOLUTION = ROOT / "solutions" / MODULE
STUB = ROOT / "exercises" / MODULE
FORGED = "FORGED-BY-A-SUBMISSION"


def functions() -> list[str]:
    """Names of the exercise functions of set 01 (from the solution's source)."""
    tree = ast.parse(SOLUTION.read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]


def with_body(body: str, prelude: str = "", only: list[str] | None = None) -> str:
    """A module defining every ex02 function (or ``only`` those) with the same body."""
    out = [textwrap.dedent(prelude)]
    for name in only or functions():
        out.append(
            f"def {name}(*args, **kwargs):\n" + textwrap.indent(textwrap.dedent(body), "    ")
        )
    return "\n\n".join(out) + "\n"


def write(folder: Path, source: str) -> None:
    folder.mkdir(parents=True)
    (folder / MODULE).write_text(source)


def partial_source(rest_body: str) -> str:
    """The solution's spring_energy and spring_forces, every other function = rest_body."""
    tree = ast.parse(SOLUTION.read_text())
    keep = {"spring_energy", "spring_forces"}
    lines = SOLUTION.read_text().splitlines()
    head = "import jax\nimport jax.numpy as jnp\n\n"
    kept = []
    for n in tree.body:
        if isinstance(n, ast.FunctionDef) and n.name in keep:
            kept.append("\n".join(lines[n.lineno - 1 : n.end_lineno]))
    others = [f for f in functions() if f not in keep]
    return head + "\n\n\n".join(kept) + "\n\n\n" + with_body(rest_body, only=others)


def build_all(subs: Path, out: Path, token: str) -> dict[str, str | float | None]:
    """Write every submission; return name -> bound ("full", "partial" or 0)."""
    bounds: dict[str, str | float | None] = {}
    # (code is prepended to these below: no `from __future__` line may follow it)
    stub = STUB.read_text().replace("from __future__ import annotations\n", "")
    sol = SOLUTION.read_text().replace("from __future__ import annotations\n", "")
    marker = f"/tmp/{token}"
    ctx = {"OUT": str(out), "ROOT": str(ROOT), "MARKER": marker, "FORGED": FORGED}

    def fmt(src: str) -> str:
        for k, v in ctx.items():
            src = src.replace(f"@{k}@", v)
        return src

    # -- honest ------------------------------------------------------------------------------
    write(subs / "honest_full", sol)
    bounds["honest_full"] = "full"
    write(subs / "honest_stub", stub)
    bounds["honest_stub"] = 0
    with zipfile.ZipFile(subs / "honest_zip.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"alice/{MODULE}", sol)  # zipped inside a folder, as students do
    bounds["honest_zip"] = "full"
    # Full solution that prints a lot, including text that looks like protocol frames.
    noisy = (
        "import sys, struct\n"
        "_fake = struct.pack('>Q', 16) + b'{\"id\":1,\"ok\":0}'\n"
        "for _ in range(2000):\n"
        "    sys.stdout.write('x' * 500 + repr(_fake))\n"
        "    sys.stderr.write(repr(_fake) + '\\n')\n"
        "sys.stdout.buffer.write(_fake * 100)\n"
        "sys.stdout.flush()\n\n" + sol
    )
    write(subs / "honest_noisy", noisy)
    bounds["honest_noisy"] = "full"
    write(subs / "partial_honest", partial_source('raise NotImplementedError("ex02: todo")'))
    bounds["partial_honest"] = "partial_reference"
    write(subs / "partial_exit", partial_source("import os\nos._exit(0)"))
    bounds["partial_exit"] = "partial"
    write(subs / "partial_loop", partial_source("while True:\n    pass"))
    bounds["partial_loop"] = "partial"

    # -- hostile: all built on the stub (honest work: 0 points) ----------------------------
    hostile: dict[str, str] = {}
    hostile["os_exit_at_import"] = "import os\nos._exit(0)\n" + stub
    hostile["sys_exit_at_import"] = "import sys\nsys.exit(0)\n" + stub
    hostile["base_exceptions"] = "_n = [0]\n" + with_body(
        "_n[0] += 1\n"
        "raise [KeyboardInterrupt, SystemExit, BaseException, GeneratorExit]"
        "[_n[0] % 4]()"
    )
    hostile["keyboard_interrupt_at_import"] = "raise KeyboardInterrupt\n" + stub
    hostile["infinite_loop"] = with_body("while True:\n    pass")
    hostile["ignores_signals"] = with_body(
        "import signal\n"
        "for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGXCPU):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "while True:\n    pass"
    )
    hostile["memory_bomb"] = with_body(
        "import numpy as np\n"
        "keep = [bytearray(50 * 1024**3)]\n"
        "keep.append(np.ones(50 * 1024**3 // 8))\n"
        "return keep"
    )
    hostile["fork_bomb"] = with_body(
        "import os, subprocess, multiprocessing\n"
        "for make in (lambda: os.fork(),\n"
        "             lambda: subprocess.Popen(['sleep', '60']),\n"
        "             lambda: multiprocessing.Process(target=print).start(),\n"
        "             lambda: os.system('sleep 60 &')):\n"
        "    try:\n"
        "        for _ in range(200):\n"
        "            make()\n"
        "    except BaseException:\n"
        "        pass\n"
        "raise NotImplementedError('ex02: nothing done')"
    )
    forge = fmt(
        textwrap.dedent(
            """
        def _forge():
            import glob, json, os, time
            fake = {"tests": [{"nodeid": "x", "exercise": "ex02", "title": "t", "name": "n",
                               "points": 1000, "max_points": 1, "outcome": "passed",
                               "visibility": "visible", "message": ""}],
                    "totals": {"ex02": {"points": 1000, "max_points": 1, "title": "t"}}}
            targets = ["@OUT@/grades.csv", "@MARKER@"]
            targets += glob.glob("@OUT@/*/results.json")
            targets += glob.glob("@OUT@/students/*/results.json")
            targets += glob.glob("/tmp/jaxnm-grade-*/run/*/results.json")
            targets += glob.glob("/tmp/*/run/*/results.json")
            # Worst case: the attacker knows the instructor's folder layout exactly.
            targets += glob.glob("@OUT@/../**/results.json", recursive=True)
            targets += glob.glob("@OUT@/../**/grades.csv", recursive=True)
            targets += ["../results.json", "../../results.json", "results.json.forged"]
            for t in targets:
                try:
                    with open(t, "w") as f:
                        f.write("@FORGED@" + json.dumps(fake))
                except BaseException:
                    pass
            """
        )
    )
    hostile["write_results"] = forge + "\n_forge()\n" + stub
    hostile["atexit_hook"] = forge + "\nimport atexit\natexit.register(_forge)\n" + stub
    hostile["detached_child"] = (
        forge
        + textwrap.dedent(
            """
            import os, subprocess, sys, time

            def _later():
                time.sleep(3)
                _forge()

            def _detach():
                try:
                    if os.fork() == 0:
                        os.setsid()
                        if os.fork() == 0:
                            _later()
                        os._exit(0)
                except BaseException:
                    pass
                code = "import time; time.sleep(3); open('@MARKER@', 'w').write('x')"
                shell = ["sh", "-c", "sleep 3; touch @MARKER@"]
                for argv in ([sys.executable, "-c", code], shell):
                    try:
                        subprocess.Popen(argv, start_new_session=True)
                    except BaseException:
                        pass
                try:
                    os.posix_spawn("/bin/sh", ["sh", "-c", "sleep 3; touch @MARKER@"], {})
                except BaseException:
                    pass
                try:
                    import ctypes
                    if ctypes.CDLL(None).fork() == 0:
                        _later()
                        os._exit(0)
                except BaseException:
                    pass

            _detach()
            """
        ).replace("@MARKER@", marker)
        + stub
    )
    hostile["print_500mb"] = with_body(
        "import sys\nfor _ in range(500):\n    sys.stdout.write('x' * 1_000_000)\nreturn 1.0"
    )
    hostile["monkeypatch"] = textwrap.dedent(
        """
            import numpy, numpy.testing, jax, jax.numpy
            import pytest, hypothesis
            pytest.approx = lambda *a, **k: a[0]
            numpy.allclose = lambda *a, **k: True
            numpy.isclose = lambda *a, **k: True
            numpy.testing.assert_allclose = lambda *a, **k: None
            numpy.isfinite = lambda *a, **k: True
            jax.numpy.allclose = lambda *a, **k: True
            hypothesis.given = lambda *a, **k: (lambda f: (lambda *x, **y: None))
            """
    ) + with_body("return float('nan')")
    hostile["frames_and_gc"] = with_body(
        textwrap.dedent(
            """
            import gc, sys
            f = sys._getframe()
            while f is not None:
                for k, v in list(f.f_locals.items()):
                    if hasattr(v, "option") or k in ("config", "results", "session"):
                        try:
                            v.option.results_json = "/tmp/forged.json"
                        except BaseException:
                            pass
                f = f.f_back
            try:
                for o in gc.get_objects():
                    if type(o).__name__ in ("Config", "Session", "TestReport"):
                        o.outcome = "passed"
            except BaseException:
                pass
            raise NotImplementedError("ex02: nothing done")
            """
        )
    )
    hostile["import_solutions"] = (
        fmt(
            textwrap.dedent(
                """
            import importlib, importlib.util, os, sys
            sys.path[:0] = ["@ROOT@", "@ROOT@/solutions", "@ROOT@/hidden_tests"]
            _src = None

            def _spec():
                spec = importlib.util.spec_from_file_location(
                    "stolen", "@ROOT@/solutions/ex02_jax_basics.py")
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                return open(mod.__file__).read()

            for _try in (
                lambda: open("@ROOT@/solutions/ex02_jax_basics.py").read(),
                lambda: open("../../solutions/ex02_jax_basics.py").read(),
                lambda: open(importlib.import_module("solutions.ex02_jax_basics").__file__).read(),
                _spec,
                lambda: open("@ROOT@/hidden_tests/test_ex02_jax_basics.py").read() and None,
                lambda: __import__("hidden_tests") and None,
                lambda: os.listdir("@ROOT@/solutions") and None,
            ):
                try:
                    _src = _try() or _src
                except BaseException:
                    pass
            if _src:
                exec(compile(_src, "stolen", "exec"), globals())
            """
            )
        )
        + "\n".join(f"{f} = globals().get('{f}') or (lambda *a, **k: [][0])" for f in functions())
        + "\n"
    )
    hostile["syntax_error"] = "def spring_energy(r, k, r0:\n    return 0\n"
    hostile["missing_functions"] = '"""Nothing here."""\n'
    hostile["wrong_types"] = textwrap.dedent(
        """
        import numpy as np
        import jax.numpy as jnp

        class Weird:
            def __float__(self):
                return 0.0

        def spring_energy(r, k, r0):
            return "hello"

        def spring_forces(r, k, r0):
            return np.zeros((7, 7))

        def batch_energies(r_batch, k, r0):
            return jnp.zeros(len(r_batch), dtype=jnp.float32)

        def curvature(f, x):
            return None

        def stretch_energy(R, k, r0):
            return {"E": 1.0}

        def float32_rounding_error(R):
            return Weird()
        """
    )
    hostile["nan_answers"] = with_body(
        "import jax.numpy as jnp\nimport numpy as np\n"
        "a = args[0] if args else 0.0\n"
        "return jnp.full(np.shape(a)[:1] if np.ndim(a) > 1 else (), jnp.nan)"
    )
    for name, src in hostile.items():
        write(subs / name, src)
        bounds[name] = 0

    # -- hostile zips --------------------------------------------------------------------------
    with zipfile.ZipFile(subs / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(MODULE, sol)
        z.writestr("padding.bin", b"\0" * (64 * 1024 * 1024))
    bounds["zip_bomb"] = 0
    with zipfile.ZipFile(subs / "zip_slip.zip", "w") as z:
        z.writestr(MODULE, sol)
        z.writestr(f"../../../../../../tmp/{token}-zipslip.py", "print('escaped')")
    bounds["zip_slip"] = 0
    return bounds
