"""Classic B-factor predictors, NumPy (no ``jit``: no compilation per protein size).

GNM with a 7.3 Å cutoff, the parameter-free GNM (all pairs, springs 1/r², Yang, Song,
Jernigan 2009), ANM with a 15 Å cutoff (ProDy's defaults for B-factors), and a Lorentz-
kernel flexibility-rigidity index (FRI; Opron, Xia, Wei 2014). The matrices come from
the library's one builder (:func:`jaxnm_course.network.kirchhoff`,
:func:`jaxnm_course.network.anm_hessian`, sparse then densified); the pseudo-inverse
diagonal from one dense ``eigh`` with the zero modes dropped.

Fluctuations are returned in kT/γ units (γ = 1): ⟨ΔR_i²⟩ = 3 [Γ⁺]_ii (GNM) and
tr [H⁺]_ii (ANM), Å² per (kcal/mol)/(kcal/mol/Å²).
"""

from __future__ import annotations

import numpy as np

from ..network import (
    DisconnectedNetworkError,
    anm_hessian,
    components,
    find_contacts,
    kirchhoff,
)

__all__ = [
    "ANM_CUTOFF",
    "FRI_ETA",
    "FRI_NU",
    "GNM_CUTOFF",
    "anm_msf",
    "fri_flexibility",
    "gnm_msf",
    "pfgnm_msf",
]

#: Standard cutoffs, Å: GNM 7.3 Å (Kundu et al. 2002's best for B-factors), ANM 15 Å
#: (Atilgan et al. 2001; ProDy's default).
GNM_CUTOFF = 7.3
ANM_CUTOFF = 15.0
#: Lorentz kernel of the FRI, 1 / (1 + (r/η)^ν): η = 3 Å, ν = 3 (Opron et al. 2014).
FRI_ETA = 3.0
FRI_NU = 3.0


def _check_connected(n: int, pairs: np.ndarray, what: str, function: str) -> None:
    n_comp, labels = components(n, pairs)
    if n_comp > 1:
        sizes = np.bincount(labels)
        raise DisconnectedNetworkError(
            f"{function}: the {what} network of this structure falls apart into {n_comp} "
            f"pieces (sizes {sorted(sizes.tolist(), reverse=True)[:5]}); each piece "
            "would move freely. Use model='pfgnm' or 'learned' (all pairs are springs), "
            "or check the structure for stray residues."
        )


def _pinv_diag(M: np.ndarray, n_zero: int, function: str) -> np.ndarray:
    lam, V = np.linalg.eigh(M)
    tol = 1e-8 * lam[-1]
    if lam[n_zero] <= tol:
        raise ValueError(
            f"{function}: the network has more than {n_zero} zero modes (a floppy part); "
            "its fluctuations are undefined. Use model='pfgnm' or 'learned'."
        )
    V, lam = V[:, n_zero:], lam[n_zero:]
    return (V**2) @ (1.0 / lam)


def gnm_msf(R: np.ndarray, cutoff: float = GNM_CUTOFF, function: str = "gnm_msf") -> np.ndarray:
    """GNM fluctuations 3 [Γ⁺]_ii, uniform springs γ = 1 within ``cutoff`` (<=), (N,)."""
    pairs = find_contacts(R, cutoff)
    _check_connected(R.shape[0], pairs, f"GNM ({cutoff} Å)", function)
    G = kirchhoff(R.shape[0], pairs, np.ones(len(pairs)), sparse=True).toarray()
    return 3.0 * _pinv_diag(G, 1, function)


def pfgnm_msf(R: np.ndarray, function: str = "pfgnm_msf") -> np.ndarray:
    """Parameter-free GNM fluctuations: every pair a spring 1/r², (N,)."""
    pairs = find_contacts(R, None)
    d2 = ((R[pairs[:, 1]] - R[pairs[:, 0]]) ** 2).sum(-1)
    G = kirchhoff(R.shape[0], pairs, 1.0 / d2, sparse=True).toarray()
    return 3.0 * _pinv_diag(G, 1, function)


def anm_msf(R: np.ndarray, cutoff: float = ANM_CUTOFF, function: str = "anm_msf") -> np.ndarray:
    """ANM fluctuations tr [H⁺]_ii, γ = 1 within ``cutoff`` (<=), (N,)."""
    pairs = find_contacts(R, cutoff)
    _check_connected(R.shape[0], pairs, f"ANM ({cutoff} Å)", function)
    H = anm_hessian(R, pairs, np.ones(len(pairs)), sparse=True).toarray()
    return _pinv_diag(H, 6, function).reshape(-1, 3).sum(axis=1)


def fri_flexibility(R: np.ndarray, eta: float = FRI_ETA, nu: float = FRI_NU) -> np.ndarray:
    r"""Lorentz-kernel flexibility index f_i = 1 / Σ_{j≠i} 1/(1 + (r_ij/η)^ν), (N,).

    B-factors are predicted as a f_i + b (Opron, Xia, Wei, J. Chem. Phys. 140, 234105
    (2014)); not an elastic network: no matrix, no modes.
    """
    d = np.linalg.norm(R[:, None, :] - R[None, :, :], axis=-1)
    kernel = 1.0 / (1.0 + (d / eta) ** nu)
    np.fill_diagonal(kernel, 0.0)
    return 1.0 / kernel.sum(axis=1)
