r"""Small molecules with their force fields: HCl-like diatomics, H2O, CO2, NH3, CH4 (private).

Re-exported by :mod:`jaxnm_course.molecules`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import potentials
from .._validate import public
from ..elements import element_of, mass_of
from ..potentials import harmonic, harmonic_angle, linear_angle
from ..units import wavenumber_to_eigenvalue
from ._molecule import Molecule, _positive, _valence_molecule

# Spectroscopic constants of H35Cl: K. P. Huber, G. Herzberg, *Constants of Diatomic
# Molecules* (1979), also in the NIST Chemistry WebBook.
_HCL_R_E = 1.27455  # Å
_HCL_OMEGA_E = 2990.95  # cm⁻¹
_HCL_D_E = 106.5  # kcal/mol, ≈ D0 (4.434 eV) + zero-point energy; rounded
_HCL_REFERENCE = (
    "H35Cl r_e = 1.27455 Å, ωe = 2990.95 cm⁻¹: K. P. Huber, G. Herzberg, Constants of "
    "Diatomic Molecules (Van Nostrand Reinhold, 1979); NIST Chemistry WebBook."
)


def _reduced_mass(a: float, b: float) -> float:
    return a * b / (a + b)


# --- diatomics ------------------------------------------------------------------------------


@public
def diatomic(
    symbols: tuple[str, str] = ("H", "Cl"),
    *,
    r0: float | None = None,
    k: float | None = None,
    morse: bool = False,
    D: float | None = None,
    a: float | None = None,
) -> Molecule:
    r"""A diatomic molecule with a harmonic or Morse bond (HCl by default).

    Harmonic: E = k/2 (r - r0)². Morse: E = D (1 - exp(-a (r - r0)))², whose curvature at
    r0 is 2 D a². Either way the single vibration has

    .. math:: \omega^2 = \frac{k}{\mu} = \frac{2 D a^2}{\mu}, \qquad
              \mu = \frac{m_1 m_2}{m_1 + m_2}

    (ω² as a mass-weighted eigenvalue in kcal/mol/Å²/amu;
    :func:`jaxnm_course.units.eigenvalue_to_wavenumber` gives cm⁻¹).

    Defaults for HCl (any isotopes of H and Cl): r0 = r_e = 1.27455 Å, and k **derived**
    from the spectroscopic ωe = 2990.95 cm⁻¹ of H³⁵Cl with the H³⁵Cl reduced mass,
    k = μ(¹H, ³⁵Cl) ω_e² ≈ 743 kcal/mol/Å² (≈ 5.16 mdyn/Å). So ``diatomic(("1H", "35Cl"))``
    reproduces 2990.95 cm⁻¹ by construction (no test of anything); the default standard
    atomic weights give ≈ 2990.1 cm⁻¹, and ``("2H", "35Cl")`` predicts 2145.1 cm⁻¹ for
    D³⁵Cl from the same k (ωe = 2145.2 cm⁻¹ measured): a genuine isotope-effect test.
    For Morse, the default depth is D = 106.5 kcal/mol (≈ the HCl well depth
    De = D0 + zero-point energy, D0 = 4.434 eV; rounded, illustrative) and
    a = sqrt(k / 2D), so the harmonic frequency is unchanged.

    Args:
        symbols: the two atoms, element symbols or isotope labels (``("1H", "35Cl")``).
        r0: equilibrium bond length, Å; default 1.27455 for HCl, required otherwise.
        k: harmonic force constant, kcal/mol/Å²; default derived from ωe for HCl (see
            above), required otherwise unless ``morse`` with ``D`` and ``a`` is given.
        morse: use a Morse bond instead of a harmonic one.
        D: Morse well depth, kcal/mol; default 106.5 for HCl, required otherwise.
        a: Morse range parameter, 1/Å; default sqrt(k / 2D). Give ``k`` or ``a``, not
            both.

    Returns:
        :class:`Molecule`: atom 0 at the origin, atom 1 at (r0, 0, 0), linear; parameters
        ``r0`` and ``k`` (and ``D``, ``a`` for Morse).

    Raises:
        ValueError: non-HCl symbols without r0/k, conflicting k and a, Morse parameters
            without ``morse=True``, non-positive values.

    Reference: K. P. Huber, G. Herzberg, *Constants of Diatomic Molecules* (1979) for
    HCl; P. M. Morse, Phys. Rev. 34, 57 (1929).
    """
    if isinstance(symbols, str) or len(tuple(symbols)) != 2:
        raise ValueError(f"`symbols` must be two atoms such as ('H', 'Cl'), got {symbols!r}.")
    symbols = tuple(symbols)
    elements = {element_of(s) for s in symbols}
    is_hcl = elements == {"H", "Cl"}
    if not morse and (D is not None or a is not None):
        raise ValueError("`D` and `a` are Morse parameters; pass `morse=True` to use them.")
    if r0 is None:
        if not is_hcl:
            raise ValueError("pass `r0` (Å); the default is for HCl only.")
        r0 = _HCL_R_E
    r0 = _positive(r0, "r0")
    if morse:
        if D is None:
            if not is_hcl:
                raise ValueError(f"pass the Morse depth `D` (kcal/mol) for {symbols}.")
            D = _HCL_D_E
        D = _positive(D, "D")
        if a is not None and k is not None:
            raise ValueError("pass either `k` or `a` for a Morse bond, not both (k = 2 D a²).")
        if a is not None:
            a = _positive(a, "a")
            k = 2.0 * D * a * a
    if k is None:
        if not is_hcl:
            raise ValueError(f"pass the force constant `k` (kcal/mol/Å²) for {symbols}.")
        mu_ref = _reduced_mass(mass_of("1H"), mass_of("35Cl"))
        k = mu_ref * float(wavenumber_to_eigenvalue(_HCL_OMEGA_E))
    k = _positive(k, "k")
    parameters = {"r0": r0, "k": k}
    if morse:
        if a is None:
            a = math.sqrt(k / (2.0 * D))
        term = potentials.morse(D, a, r0)
        parameters.update(D=D, a=a)
    else:
        term = harmonic(k, r0)
    name = "".join(symbols) + (" (Morse)" if morse else " (harmonic)")
    R = np.array([[0.0, 0.0, 0.0], [r0, 0.0, 0.0]])
    reference = _HCL_REFERENCE if is_hcl else "User-supplied parameters."
    return _valence_molecule(
        name=name,
        symbols=symbols,
        R=R,
        bonds=[(0, 1)],
        bond_term=term,
        angles=[],
        angle_term=None,
        linear=True,
        reference=reference,
        parameters=parameters,
    )


# --- triatomics and small polyatomics ---------------------------------------------------


@public
def water(
    *,
    k_bond: float = 1059.162,
    r0: float = 1.012,
    k_angle: float = 75.90,
    theta0_deg: float = 113.24,
) -> Molecule:
    r"""Water with the intramolecular SPC/Fw force field (flexible SPC).

    .. math:: E = \frac{k_b}{2}\left[(r_{OH_1} - r_0)^2 + (r_{OH_2} - r_0)^2\right]
              + \frac{k_\theta}{2} (\theta_{HOH} - \theta_0)^2

    The SPC/Fw paper writes the intramolecular energy with the factor 1/2, as here (codes
    whose harmonic terms lack it, such as LAMMPS, use K = 529.581 and 37.95). An isolated
    molecule has no intramolecular Coulomb or Lennard-Jones terms in SPC/Fw, so these are
    all. The geometry is placed exactly at r0, θ0 (O at the origin, molecule in the xy
    plane, C2 axis along y), which is the minimum. The gas-phase frequencies of this
    liquid-state model are ≈ 1371, 3587 and 3671 cm⁻¹ (harmonic, standard atomic weights;
    the gas-phase fundamentals are 1595, 3657 and 3756 cm⁻¹).

    Args:
        k_bond: k_b, kcal/mol/Å².
        r0: O-H equilibrium length, Å.
        k_angle: k_θ, kcal/mol/rad².
        theta0_deg: H-O-H equilibrium angle, **degrees**.

    Returns:
        :class:`Molecule` with atoms (O, H, H).

    Reference: Y. Wu, H. L. Tepper, G. A. Voth, "Flexible simple point-charge water model
    with improved liquid-state properties", J. Chem. Phys. 124, 024503 (2006).
    """
    k_bond = _positive(k_bond, "k_bond")
    r0 = _positive(r0, "r0")
    k_angle = _positive(k_angle, "k_angle")
    theta0 = math.radians(_positive(theta0_deg, "theta0_deg"))
    s, c = math.sin(theta0 / 2), math.cos(theta0 / 2)
    R = np.array([[0.0, 0.0, 0.0], [r0 * s, r0 * c, 0.0], [-r0 * s, r0 * c, 0.0]])
    return _valence_molecule(
        name="H2O (SPC/Fw)",
        symbols=("O", "H", "H"),
        R=R,
        bonds=[(0, 1), (0, 2)],
        bond_term=harmonic(k_bond, r0),
        angles=[(1, 0, 2)],
        angle_term=harmonic_angle(k_angle, theta0),
        linear=False,
        reference=("SPC/Fw: Y. Wu, H. L. Tepper, G. A. Voth, J. Chem. Phys. 124, 024503 (2006)."),
        parameters={"k_bond": k_bond, "r0": r0, "k_angle": k_angle, "theta0": theta0},
    )


@public
def carbon_dioxide(
    *,
    r0: float = 1.162,
    k_stretch: float | None = None,
    k_bend: float | None = None,
    nu_antisymmetric: float = 2349.14,
    nu_bend: float = 667.38,
) -> Molecule:
    r"""Linear O=C=O with two harmonic C-O bonds and one linear bend.

    .. math:: E = \frac{k}{2}\left[(r_{CO_1} - r_0)^2 + (r_{CO_2} - r_0)^2\right]
              + k_b (1 + \cos\theta_{OCO})

    With β = 2 m_O / m_C the normal modes have closed forms (ω² as mass-weighted
    eigenvalues, kcal/mol/Å²/amu):

    .. math:: \omega_s^2 = \frac{k}{m_O}, \qquad
              \omega_{as}^2 = \frac{k}{m_O}(1 + \beta), \qquad
              \omega_{bend}^2 = \frac{2 k_b (1 + \beta)}{m_O r_0^2} \ (\times 2)

    (symmetric stretch, antisymmetric stretch, doubly degenerate bend; five rigid-body
    modes). By default k and k_b are **derived** so that the antisymmetric stretch and
    the bend of ¹²C¹⁶O₂ come out at the observed fundamentals 2349.14 and 667.38 cm⁻¹ with
    the ¹²C and ¹⁶O masses: those two frequencies are reproduced by construction (≈ 2348.3
    and 667.1 cm⁻¹ with the standard atomic weights used for ``masses``). The symmetric
    stretch is then a prediction of this simple valence force field, ≈ 1227 cm⁻¹ against
    the ≈ 1333 cm⁻¹ of the unperturbed level of the Fermi dyad 1285/1388 cm⁻¹: no
    stretch-stretch coupling is included. The bend is :func:`linear_angle`, smooth at
    θ = π where k/2 (θ - π)² would give NaN or zero curvature under autodiff.

    Args:
        r0: C-O bond length, Å (the ground-state r0 of CO2; r_e is 1.160 Å).
        k_stretch: k, kcal/mol/Å²; default derived from ``nu_antisymmetric``.
        k_bend: k_b, kcal/mol (curvature in θ at π, kcal/mol/rad²); default derived from
            ``nu_bend``.
        nu_antisymmetric: target antisymmetric stretch, cm⁻¹ (used when k_stretch is None).
        nu_bend: target bend, cm⁻¹ (used when k_bend is None).

    Returns:
        :class:`Molecule` with atoms (O, C, O) along x, C at the origin; linear.

    Reference: G. Herzberg, *Molecular Spectra and Molecular Structure II: Infrared and
    Raman Spectra of Polyatomic Molecules* (1945) (fundamentals and the valence force
    field of XY2); E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955).
    """
    r0 = _positive(r0, "r0")
    m_o, m_c = mass_of("16O"), mass_of("12C")
    beta = 2.0 * m_o / m_c
    if k_stretch is None:
        lam = float(wavenumber_to_eigenvalue(_positive(nu_antisymmetric, "nu_antisymmetric")))
        k_stretch = lam * m_o / (1.0 + beta)
    if k_bend is None:
        lam = float(wavenumber_to_eigenvalue(_positive(nu_bend, "nu_bend")))
        k_bend = lam * m_o * r0 * r0 / (2.0 * (1.0 + beta))
    k_stretch = _positive(k_stretch, "k_stretch")
    k_bend = _positive(k_bend, "k_bend")
    R = np.array([[-r0, 0.0, 0.0], [0.0, 0.0, 0.0], [r0, 0.0, 0.0]])
    return _valence_molecule(
        name="CO2",
        symbols=("O", "C", "O"),
        R=R,
        bonds=[(1, 0), (1, 2)],
        bond_term=harmonic(k_stretch, r0),
        angles=[(0, 1, 2)],
        angle_term=linear_angle(k_bend),
        linear=True,
        reference=(
            "Valence force field fitted to the 12C16O2 fundamentals ν3 = 2349.14 cm⁻¹ and "
            "ν2 = 667.38 cm⁻¹ (G. Herzberg, Infrared and Raman Spectra of Polyatomic "
            "Molecules, 1945); r0 = 1.162 Å."
        ),
        parameters={"r0": r0, "k_stretch": k_stretch, "k_bend": k_bend},
    )


@public
def ammonia(
    *,
    r0: float = 1.012,
    theta0_deg: float = 106.7,
    k_bond: float = 920.0,
    k_angle: float = 80.0,
) -> Molecule:
    r"""Pyramidal NH3 (C3v) with three harmonic N-H bonds and three harmonic H-N-H bends.

    .. math:: E = \sum_{i=1}^{3} \frac{k_b}{2} (r_i - r_0)^2
              + \sum_{i<j} \frac{k_\theta}{2} (\theta_{ij} - \theta_0)^2

    The geometry (r0 = 1.012 Å, θ0 = 106.7°) is the experimental equilibrium structure.
    The force constants are **illustrative** round numbers of the usual size for N-H
    stretches and bends, not fitted: the frequencies come out at ≈ 3331, 3432 (×2),
    1527 (×2) and 1134 cm⁻¹ against the observed fundamentals 3337, 3444, 1627 and
    950 cm⁻¹. The umbrella mode is ≈ 20 % high: with bond and angle terms only, its ratio
    to the asymmetric bend is fixed by the geometry (no stretch-bend or bend-bend
    coupling terms), a known limit of simple valence force fields. The non-planar
    geometry makes the six internal coordinates independent, so all six vibrations are
    stiff.

    Args:
        r0: N-H equilibrium length, Å.
        theta0_deg: H-N-H equilibrium angle, **degrees**, in (0, 120) (pyramidal).
        k_bond: k_b, kcal/mol/Å².
        k_angle: k_θ, kcal/mol/rad².

    Returns:
        :class:`Molecule` with atoms (N, H, H, H); N at the origin, C3 axis along z.

    Reference: geometry from the NIST Computational Chemistry Comparison and Benchmark
    Database (CCCBDB), experimental data for NH3; fundamentals from T. Shimanouchi,
    *Tables of Molecular Vibrational Frequencies Consolidated Volume I*, NSRDS-NBS 39
    (1972).
    """
    r0 = _positive(r0, "r0")
    k_bond = _positive(k_bond, "k_bond")
    k_angle = _positive(k_angle, "k_angle")
    theta0_deg = _positive(theta0_deg, "theta0_deg")
    if not theta0_deg < 120.0:
        raise ValueError(
            f"`theta0_deg` must be below 120° for a pyramid (120° is planar), got {theta0_deg}."
        )
    theta0 = math.radians(theta0_deg)
    # Angle α between each N-H bond and the C3 axis: cos θ = (3 cos²α - 1) / 2.
    cos_alpha = math.sqrt((2.0 * math.cos(theta0) + 1.0) / 3.0)
    sin_alpha = math.sqrt(1.0 - cos_alpha * cos_alpha)
    R = np.zeros((4, 3))
    for i in range(3):
        phi = 2.0 * math.pi * i / 3.0
        R[i + 1] = r0 * np.array(
            [sin_alpha * math.cos(phi), sin_alpha * math.sin(phi), -cos_alpha]
        )
    return _valence_molecule(
        name="NH3",
        symbols=("N", "H", "H", "H"),
        R=R,
        bonds=[(0, 1), (0, 2), (0, 3)],
        bond_term=harmonic(k_bond, r0),
        angles=[(1, 0, 2), (1, 0, 3), (2, 0, 3)],
        angle_term=harmonic_angle(k_angle, theta0),
        linear=False,
        reference=(
            "Experimental geometry r_e = 1.012 Å, θ_e = 106.7° (NIST CCCBDB); illustrative "
            "valence force constants."
        ),
        parameters={"r0": r0, "theta0": theta0, "k_bond": k_bond, "k_angle": k_angle},
    )


@public
def methane(
    *,
    r0: float = 1.087,
    k_bond: float = 700.0,
    k_angle: float = 70.0,
) -> Molecule:
    r"""Tetrahedral CH4 (Td) with four harmonic C-H bonds and six harmonic H-C-H bends.

    .. math:: E = \sum_{i=1}^{4} \frac{k_b}{2} (r_i - r_0)^2
              + \sum_{i<j} \frac{k_\theta}{2} (\theta_{ij} - \theta_t)^2,
              \qquad \theta_t = \arccos(-1/3) \approx 109.47°

    H atoms at r0 (1, 1, 1)/√3 and the three sign changes of two coordinates, so every
    angle is exactly θ_t. The six angles are redundant (one combination of them cannot
    change to first order) but together with the bonds they span all nine internal
    motions, so the minimum is strict. The force constants are **illustrative** round
    numbers, not fitted: the frequencies come out at ≈ 2862 (A1), 3024 (T2, ×3),
    1442 (E, ×2) and 1288 (T2, ×3) cm⁻¹, within 6 % of the observed fundamentals 2917,
    3019, 1534 and 1306 cm⁻¹, with the Td degeneracy pattern 1 + 3 + 2 + 3.

    Args:
        r0: C-H equilibrium length, Å (the experimental r_e 1.087 Å).
        k_bond: k_b, kcal/mol/Å².
        k_angle: k_θ, kcal/mol/rad².

    Returns:
        :class:`Molecule` with atoms (C, H, H, H, H), C at the origin.

    Reference: geometry from the NIST CCCBDB (experimental r_e of CH4); fundamentals from
    T. Shimanouchi, NSRDS-NBS 39 (1972).
    """
    r0 = _positive(r0, "r0")
    k_bond = _positive(k_bond, "k_bond")
    k_angle = _positive(k_angle, "k_angle")
    theta_t = math.acos(-1.0 / 3.0)
    corners = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
    R = np.vstack([np.zeros((1, 3)), r0 * corners / math.sqrt(3.0)])
    return _valence_molecule(
        name="CH4",
        symbols=("C", "H", "H", "H", "H"),
        R=R,
        bonds=[(0, i) for i in range(1, 5)],
        bond_term=harmonic(k_bond, r0),
        angles=[(i, 0, j) for i in range(1, 5) for j in range(i + 1, 5)],
        angle_term=harmonic_angle(k_angle, theta_t),
        linear=False,
        reference="Experimental r_e = 1.087 Å (NIST CCCBDB); illustrative force constants.",
        parameters={"r0": r0, "theta0": theta_t, "k_bond": k_bond, "k_angle": k_angle},
    )
