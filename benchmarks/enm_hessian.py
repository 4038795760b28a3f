"""ANM Hessian three ways: analytic super-elements, per-spring autodiff, whole-system autodiff.

Prints wall times (best of 3, after one compiling call) and ratios to the analytic build.
The whole-system ``jax.hessian`` of the ANM energy needs O(N²) memory and is only run up to
N = 300. Run single-threaded for comparable numbers:

    OPENBLAS_NUM_THREADS=1 JAX_ENABLE_X64=1 python benchmarks/enm_hessian.py
"""

from __future__ import annotations

import os
import time

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

import jaxnm_course as nm  # noqa: E402
from jaxnm_course import enm  # noqa: E402


def best_of(fn, repeats: int = 3) -> float:
    jax.block_until_ready(fn())  # compile
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    try:
        R_all = nm.load_structure("7CTH", download=False).R
        source = "7CTH"
    except FileNotFoundError:
        R_all = nm.load_structure("1AKE").R
        source = "1AKE"
    print(f"structure {source}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'N':>6} {'pairs':>8} {'analytic s':>11} {'autodiff/an':>12} {'whole/an':>9}")
    for n in (100, 300, 1000, 2000):
        if n > len(R_all):
            break
        R = jnp.asarray(R_all[:n])
        pairs = enm.contact_pairs(R, 15.0)
        t_an = best_of(lambda R=R: nm.anm_hessian(R, 15.0))
        t_ad = best_of(lambda R=R: nm.anm_hessian(R, 15.0, method="autodiff"))
        whole = "-"
        if n <= 300:
            hess = jax.jit(jax.hessian(enm.anm_energy(R, 15.0)))
            whole = f"{best_of(lambda R=R, hess=hess: hess(R)) / t_an:9.1f}"
        print(f"{n:6d} {len(pairs):8d} {t_an:11.4f} {t_ad / t_an:12.2f} {whole:>9}")
    np.testing.assert_allclose(
        nm.anm_hessian(R, 15.0), nm.anm_hessian(R, 15.0, method="autodiff"), atol=1e-12
    )


if __name__ == "__main__":
    main()
