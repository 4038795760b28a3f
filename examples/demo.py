"""End-to-end demo of jaxnm_course: normal modes and thermochemistry of small molecules.

Run with ``make demo`` (or ``python examples/demo.py`` in an environment with the package).
Every number printed is shown next to an independent check (finite differences, an
analytic formula, or a literature value), and the script exits non-zero if a check fails.
"""

from __future__ import annotations

import sys

import jax

jax.config.update("jax_enable_x64", True)  # before any array is created

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxnm_course as nm  # noqa: E402
from jaxnm_course import molecules, thermo, units  # noqa: E402

FAILURES: list[str] = []
PASSED: list[str] = []

# Experimental fundamentals (cm⁻¹), for orientation only: a valence force field without
# cross terms or anharmonicity is not expected to reproduce them exactly.
EXPERIMENT = {
    "H2O (SPC/Fw)": "3657 (sym. stretch), 1595 (bend), 3756 (antisym. stretch)",
    "CO2": "667 (bend, x2), 1333 (sym. stretch, Raman), 2349 (antisym. stretch)",
    "NH3": "950 (umbrella), 1627 (bend, x2), 3337 (stretch), 3444 (stretch, x2)",
    "CH4": "1306 (x3), 1534 (x2), 2917, 3019 (x3)",
    "HCl (harmonic)": "2886 (fundamental); ωe = 2991 (the force constant is fitted to it)",
}


def check(label: str, ok: bool, detail: str) -> None:
    """Record a check; a failure is printed at once with its numbers, passes in one line."""
    if ok:
        PASSED.append(label)
    else:
        print(f"    FAILED {label}: {detail}")
        FAILURES.append(label)


def flush_checks() -> None:
    if PASSED:
        print(f"    checks passed: {', '.join(PASSED)}")
        PASSED.clear()


def analyse(mol: molecules.Molecule, reduced: bool = False) -> nm.Modes:
    """Hessian, normal modes and the checks every molecule must pass."""
    H = nm.hessian(mol.energy, mol.R)
    modes = nm.normal_modes(H, mol.masses, mol.R)
    print(f"{mol.name}: {len(mol.symbols)} atoms, {modes.n_rigid} rigid-body modes removed")
    if reduced:  # Lennard-Jones units: eigenvalues in ε/σ²/m, no wavenumbers
        levels, counts = np.unique(np.round(np.asarray(modes.eigenvalues), 3), return_counts=True)
        values = ", ".join(
            f"{x:.3f}" + (f" (x{c})" if c > 1 else "") for x, c in zip(levels, counts, strict=True)
        )
        print(f"    eigenvalues / (ε/σ²/m), with degeneracies: {values}")
    else:
        values = ", ".join(f"{f:.1f}" for f in np.asarray(modes.frequencies))
        print(f"    frequencies / cm⁻¹: {values}")
    if mol.name in EXPERIMENT:
        print(f"    experiment  / cm⁻¹: {EXPERIMENT[mol.name]}")
    grad = float(jnp.abs(jax.grad(mol.energy)(mol.R)).max())
    check("at a minimum", grad < 1e-8, f"max |∇E| = {grad:.1e}")
    # Finite differences are O(h²) accurate (h = 1e-3 Å): agreement to 1e-4 relative is
    # what they can show; a wrong Hessian differs at order 1.
    H_fd = nm.finite_difference_hessian(mol.energy, mol.R)
    rel = float(jnp.abs(H - H_fd).max() / jnp.abs(H).max())
    check("autodiff vs finite differences", rel < 1e-4, f"max rel. difference {rel:.1e}")
    full = nm.normal_modes(H, mol.masses, project=False)
    scale = float(jnp.abs(full.eigenvalues).max())
    n_zero = int(jnp.sum(jnp.abs(full.eigenvalues) < 1e-8 * scale))
    check(
        "rigid-body count",
        n_zero == modes.n_rigid,
        f"{n_zero} near-zero eigenvalues without projection, {modes.n_rigid} projected out",
    )
    check("all real", nm.n_imaginary(modes) == 0, f"{nm.n_imaginary(modes)} imaginary modes")
    return modes


def main() -> int:
    print(f"jaxnm_course {nm.__version__} on JAX {jax.__version__} ({jax.devices()[0].platform})")
    print(
        f"units: Å, amu, kcal/mol; 1 sqrt(kcal/mol/Å²/amu) = "
        f"{units.WAVENUMBER_PER_SQRT_EIGENVALUE:.4f} cm⁻¹"
    )

    # Diatomic: ω = sqrt(k/μ) exactly.
    hcl = molecules.diatomic()
    modes = analyse(hcl)
    m1, m2 = np.asarray(hcl.masses)
    k_over_mu = hcl.parameters["k"] * (m1 + m2) / (m1 * m2)
    lam = float(modes.eigenvalues[0])
    rel = abs(lam - k_over_mu) / k_over_mu
    check("ω² = k/μ", rel < 1e-10, f"λ = {lam:.6f}, k/μ = {k_over_mu:.6f} (rel. {rel:.1e})")
    flush_checks()

    for make in (molecules.water, molecules.ammonia, molecules.methane):
        analyse(make())
        flush_checks()

    # CO2: linear, 5 rigid modes; stretches from the analytic formulas.
    co2 = molecules.carbon_dioxide()
    modes = analyse(co2)
    m_o, m_c = float(co2.masses[0]), float(co2.masses[1])
    kk = float(co2.parameters["k_stretch"])
    sym = float(units.eigenvalue_to_wavenumber(kk / m_o))
    anti = float(units.eigenvalue_to_wavenumber(kk / m_o * (1 + 2 * m_o / m_c)))
    f = np.asarray(modes.frequencies)
    check(
        "CO2 stretches vs sqrt(k/m_O), sqrt(k/m_O (1 + 2 m_O/m_C))",
        bool(np.isclose(f[2], sym, rtol=1e-10) and np.isclose(f[3], anti, rtol=1e-10)),
        f"{f[2]:.3f} / {sym:.3f} and {f[3]:.3f} / {anti:.3f} cm⁻¹",
    )
    flush_checks()

    # Harmonic chain: dispersion relation of the free chain.
    n = 12
    chain = molecules.harmonic_chain(n)
    Hx = nm.hessian(chain.energy, chain.R)[0::3, 0::3]
    ev = np.sort(np.linalg.eigvalsh(np.asarray(Hx)))
    exact = 2.0 * (1 - np.cos(np.pi * np.arange(n) / n))
    err = float(np.abs(ev - exact).max())
    print(f"harmonic chain (N = {n}, k = 1): longitudinal eigenvalues vs 2k(1 - cos(πj/N))")
    check("dispersion relation", err < 1e-12, f"max |difference| = {err:.1e}")
    flush_checks()

    # LJ13: relaxed icosahedron vs the Cambridge Cluster Database energy.
    lj = molecules.lj_cluster(13)
    e = float(lj.energy(lj.R))
    print(f"LJ13 cluster (reduced units ε = σ = m = 1): E = {e:.6f} ε (reference -44.326801)")
    check(
        "global minimum energy", abs(e - (-44.326801)) < 1e-6, f"E = {e:.6f} ε (ref. -44.326801)"
    )
    analyse(lj, reduced=True)
    flush_checks()

    # Thermochemistry of water at 298.15 K.
    h2o = molecules.water()
    modes = nm.normal_modes(nm.hessian(h2o.energy, h2o.R), h2o.masses, h2o.R)
    th = thermo.harmonic_thermo(modes, 298.15)
    zpe = 0.5 * units.HC_KCAL_MOL_CM * float(jnp.sum(modes.frequencies))
    print("H2O vibrational thermochemistry at 298.15 K (harmonic oscillator)")
    print(
        f"    ZPE {float(th.zpe):.4f} kcal/mol, U {float(th.internal_energy):.4f} kcal/mol, "
        f"S {float(th.entropy) * 1e3:.4f} cal/mol/K, Cv {float(th.heat_capacity) * 1e3:.4f} "
        f"cal/mol/K, F {float(th.helmholtz_energy):.4f} kcal/mol"
    )
    check("ZPE = ½ hc Σν̃", abs(float(th.zpe) - zpe) < 1e-12 * zpe, f"{zpe:.6f} kcal/mol")
    lhs = float(th.helmholtz_energy)
    rhs = float(th.internal_energy) - 298.15 * float(th.entropy)
    check("F = U - TS", abs(lhs - rhs) < 1e-10, f"{lhs:.8f} vs {rhs:.8f} kcal/mol")
    flush_checks()

    if FAILURES:
        print(f"{len(FAILURES)} check(s) FAILED: {', '.join(FAILURES)}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
