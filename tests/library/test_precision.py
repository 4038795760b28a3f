"""The x64 policy: float64 or a clear error, never a silent float32 result."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course.precision import PrecisionError

R3 = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.1, 0]])


def energy(R):
    return jnp.sum((R[1:] - R[:-1]) ** 2)


CALLS = {
    "hessian": lambda: nm.hessian(energy, R3),
    "finite_difference_hessian": lambda: nm.finite_difference_hessian(energy, R3),
    "hessian_vector_product": lambda: nm.hessian_vector_product(energy, R3, R3),
    "normal_modes": lambda: nm.normal_modes(np.eye(9), np.ones(3), R3),
    "mass_weight": lambda: nm.mass_weight(np.eye(9), np.ones(3)),
    "rigid_body_modes": lambda: nm.rigid_body_modes(R3, np.ones(3)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_x64_off_raises_with_instructions(name):
    with jax.enable_x64(False), pytest.raises(PrecisionError) as info:
        CALLS[name]()
    message = str(info.value)
    assert name in message
    assert 'jax.config.update("jax_enable_x64", True)' in message
    assert "JAX_ENABLE_X64=1" in message
    assert "from jax.config import config" in message  # says the old recipe is gone


def test_precision_error_is_a_type_error():
    assert issubclass(PrecisionError, TypeError)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_input_is_rejected_naming_the_argument(dtype):
    with pytest.raises(PrecisionError, match=r"`R` is float(32|16)"):
        nm.hessian(energy, R3.astype(dtype))
    with pytest.raises(PrecisionError, match="`H` is float"):
        nm.normal_modes(np.eye(9, dtype=dtype), np.ones(3), R3)
    with pytest.raises(PrecisionError, match="`masses` is float"):
        nm.normal_modes(np.eye(9), np.ones(3, dtype=dtype), R3)


def test_jax_float32_array_made_before_x64_is_rejected():
    """The classic pitfall: an array created while x64 was off stays float32."""
    with jax.enable_x64(False):
        R32 = jnp.asarray(R3)
    assert R32.dtype == jnp.float32
    with pytest.raises(PrecisionError, match="created before"):
        nm.hessian(energy, R32)


def test_integer_and_list_input_become_float64():
    H = nm.hessian(energy, [[0, 0, 0], [1, 0, 0], [0, 2, 0]])
    assert H.dtype == jnp.float64
    modes = nm.normal_modes(np.eye(9, dtype=int), [1, 1, 1], R3.astype(int) * 2)
    assert modes.eigenvalues.dtype == jnp.float64
    assert modes.frequencies.dtype == jnp.float64


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
    )


def test_import_does_not_enable_x64_and_fresh_process_gets_clear_error():
    proc = _run(
        """
        import jax, numpy as np
        import jaxnm_course as nm
        assert not jax.config.jax_enable_x64, "importing jaxnm_course flipped x64 on"
        try:
            nm.normal_modes(np.eye(6), np.ones(2), [[0, 0, 0], [1.0, 0, 0]])
        except nm.PrecisionError as e:
            print("OK", e)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK normal_modes needs float64")


def test_environment_variable_enables_x64():
    proc = _run(
        """
        import numpy as np
        import jaxnm_course as nm
        m = nm.normal_modes(np.eye(6), np.ones(2), project=False)
        print(m.eigenvalues.dtype)
        """,
        JAX_ENABLE_X64="1",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "float64"


def test_old_config_import_really_is_gone():
    """The docs say `from jax.config import config` fails on current JAX: keep that true."""
    with pytest.raises(ModuleNotFoundError):
        exec("from jax.config import config")


def test_x64_matters_for_nma():
    """Why the policy exists: the same water-like Hessian in float32 loses the zero modes."""
    R = np.array([[0.0, 0.0, 0.1173], [0.0, 0.7572, -0.4692], [0.0, -0.7572, -0.4692]])
    pl = np.array([[0, 1], [0, 2], [1, 2]])
    k = np.array([1000.0, 1000.0, 100.0])
    r0 = np.linalg.norm(R[pl[:, 1]] - R[pl[:, 0]], axis=-1)

    def springs(X):
        d = jnp.linalg.norm(X[pl[:, 1]] - X[pl[:, 0]], axis=-1)
        return 0.5 * jnp.sum(jnp.asarray(k, X.dtype) * (d - jnp.asarray(r0, X.dtype)) ** 2)

    m = np.repeat(np.array([16.0, 1.0, 1.0]), 3)
    with jax.enable_x64(False):
        H32 = jax.hessian(springs)(jnp.asarray(R, jnp.float32)).reshape(9, 9)
        ev32 = np.linalg.eigvalsh(np.asarray(H32, np.float64) / np.sqrt(np.outer(m, m)))
    H64 = nm.hessian(springs, R)
    ev64 = np.linalg.eigvalsh(np.asarray(H64) / np.sqrt(np.outer(m, m)))
    to_cm = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    zeros32 = to_cm * np.sqrt(np.sort(np.abs(ev32))[:6])
    zeros64 = to_cm * np.sqrt(np.sort(np.abs(ev64))[:6])
    vib32 = to_cm * np.sqrt(np.sort(np.abs(ev32))[6:])
    vib64 = to_cm * np.sqrt(np.sort(np.abs(ev64))[6:])
    # float64: rigid-body "zeros" far below 1e-3 cm⁻¹; float32: visibly non-zero
    assert zeros64.max() < 1e-3
    assert zeros32.max() > 3e-2
    # and the vibrations themselves drift by ~1e-7 relative in float32, 1e-14 in float64
    assert np.abs(vib32 / vib64 - 1).max() > 1e-9
