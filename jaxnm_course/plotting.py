"""Figures of normal mode analyses (matplotlib, the ``plot`` extra, imported lazily).

Every function draws on a new figure (or on the ``ax`` given) and returns the
:class:`matplotlib.figure.Figure`, so it works the same in scripts, notebooks and tests
(use the non-interactive ``Agg`` backend on machines without a display). Inputs are
arrays (NumPy or JAX) as returned by :mod:`jaxnm_course.analysis`.

* :func:`plot_fluctuations`: a fluctuation or B-factor profile against experiment, with
  the Pearson r in the legend;
* :func:`plot_cross_correlation`: a cross-correlation map, diverging colours fixed to
  [-1, 1];
* :func:`plot_spectrum`: eigenvalues (or frequencies) against mode index, and each mode's
  share 1/λ_k / Σ 1/λ of the fluctuations;
* :func:`plot_cumulative_overlap`: |overlap| of each mode with a vector and the cumulative
  overlap;
* :func:`plot_sensitivity_map`: a contact map coloured by a per-contact sensitivity (e.g.
  :func:`jaxnm_course.differentiable.slowest_mode_sensitivity`).

Moving pictures live in :mod:`jaxnm_course.animation` (:func:`animate_mode`,
:func:`animate_chain`, :func:`animation_html`, re-exported here) and 3D views of proteins in
:mod:`jaxnm_course.viewer`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .animation import animate_chain, animate_mode, animation_html

__all__ = [
    "animate_chain",
    "animate_mode",
    "animation_html",
    "plot_cross_correlation",
    "plot_cumulative_overlap",
    "plot_fluctuations",
    "plot_sensitivity_map",
    "plot_spectrum",
]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "jaxnm_course.plotting needs matplotlib: pip install 'jaxnm-course[plot]' "
            "(or pip install matplotlib)."
        ) from exc
    return plt


def _vector(x: Any, name: str, function: str, n: int | None = None) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or (n is not None and v.size != n):
        want = f"({n},)" if n is not None else "(N,)"
        raise ValueError(f"{function}: `{name}` must have shape {want}, got {v.shape}.")
    if not np.isfinite(v).all():
        raise ValueError(f"{function}: `{name}` contains NaN or inf.")
    return v


def _axes(ax: Any, plt: Any, **kw: Any) -> tuple[Any, Any]:
    if ax is None:
        fig, ax = plt.subplots(**kw)
        return fig, ax
    return ax.figure, ax


def plot_fluctuations(
    predicted: Any,
    experimental: Any = None,
    *,
    resnums: Any = None,
    label: str = "ENM",
    ylabel: str = "B-factor (Å²)",
    ax: Any = None,
) -> Any:
    """Profile of fluctuations or B-factors per residue, optionally against experiment.

    With ``experimental`` the Pearson correlation coefficient r (see
    :func:`jaxnm_course.analysis.pearson_r`) is shown in the legend. Put both on the same
    scale first (e.g. :func:`jaxnm_course.analysis.fit_bfactors`).

    Args:
        predicted: computed values, shape (N,) (Å² for B-factors or ⟨ΔR²⟩).
        experimental: experimental values, shape (N,), or None.
        resnums: residue numbers for the x axis, shape (N,), or None for 1..N.
        label: legend label of the computed profile.
        ylabel: y-axis label.
        ax: matplotlib Axes to draw on, or None for a new figure.

    Returns:
        The Figure.
    """
    fn = "plot_fluctuations"
    plt = _pyplot()
    y = _vector(predicted, "predicted", fn)
    x = np.arange(1, y.size + 1) if resnums is None else _vector(resnums, "resnums", fn, y.size)
    fig, ax = _axes(ax, plt, figsize=(8, 3))
    if experimental is not None:
        e = _vector(experimental, "experimental", fn, y.size)
        dy, de = y - y.mean(), e - e.mean()
        r = float((dy * de).sum() / np.sqrt((dy * dy).sum() * (de * de).sum()))
        ax.plot(x, e, color="0.3", lw=1.2, label="experiment")
        label = f"{label} (r = {r:.2f})"
    ax.plot(x, y, color="C0", lw=1.5, label=label)
    ax.set_xlabel("residue")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    return fig


def plot_cross_correlation(
    C: Any, *, resnums: Any = None, title: str = "cross-correlation", ax: Any = None
) -> Any:
    """Map of a normalised cross-correlation matrix (blue -1, white 0, red +1).

    Args:
        C: C_ij, shape (N, N), entries in [-1, 1]
            (:func:`jaxnm_course.analysis.cross_correlation`).
        resnums: residue numbers of the axes, shape (N,), or None for 1..N (ticks only
            follow the first and last residue numbers; the matrix is drawn as given).
        title: axes title.
        ax: matplotlib Axes, or None for a new figure.

    Returns:
        The Figure (with a colour bar).
    """
    fn = "plot_cross_correlation"
    plt = _pyplot()
    M = np.asarray(C, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.size == 0:
        raise ValueError(f"{fn}: `C` must be a square (N, N) matrix, got {M.shape}.")
    if not np.isfinite(M).all():
        raise ValueError(f"{fn}: `C` contains NaN or inf.")
    n = M.shape[0]
    if resnums is None:
        lo, hi = 1, n
    else:
        r = _vector(resnums, "resnums", fn, n)
        lo, hi = r[0], r[-1]
    fig, ax = _axes(ax, plt, figsize=(5, 4.3))
    im = ax.imshow(
        M,
        cmap="RdBu_r",
        vmin=-1.0,
        vmax=1.0,
        origin="lower",
        interpolation="nearest",
        extent=(lo - 0.5, hi + 0.5, lo - 0.5, hi + 0.5),
    )
    fig.colorbar(im, ax=ax, label="C$_{ij}$")
    ax.set_xlabel("residue")
    ax.set_ylabel("residue")
    ax.set_title(title)
    return fig


def plot_spectrum(eigenvalues: Any, *, frequencies: Any = None, n_modes: int | None = None) -> Any:
    """Mode spectrum: eigenvalues (or frequencies) by index, and each mode's 1/λ share.

    The right panel shows (1/λ_k) / Σ_j 1/λ_j, the fraction of the mean-square fluctuation
    carried by mode k (for normalised modes), and its cumulative sum: a few slow modes
    dominate.

    Args:
        eigenvalues: λ_k > 0, shape (M,), ascending (rigid-body zeros left out).
        frequencies: wavenumbers to plot instead of λ on the left, shape (M,), cm⁻¹.
        n_modes: plot only the first ``n_modes`` modes (the shares are still of all M).

    Returns:
        The Figure, two Axes.
    """
    fn = "plot_spectrum"
    plt = _pyplot()
    lam = _vector(eigenvalues, "eigenvalues", fn)
    if (lam <= 0).any():
        raise ValueError(
            f"{fn}: eigenvalue {int(np.argmax(lam <= 0))} is not positive; leave out the "
            "rigid-body (zero) modes."
        )
    share = (1.0 / lam) / (1.0 / lam).sum()
    m = lam.size if n_modes is None else int(n_modes)
    k = np.arange(1, lam.size + 1)[:m]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    if frequencies is None:
        left.plot(k, lam[:m], "o-", ms=3, color="C0")
        left.set_ylabel("eigenvalue λ (units of γ)")
    else:
        nu = _vector(frequencies, "frequencies", fn, lam.size)
        left.plot(k, nu[:m], "o-", ms=3, color="C0")
        left.set_ylabel("frequency (cm$^{-1}$)")
    left.set_xlabel("mode index")
    right.bar(k, share[:m], color="C1", label="1/λ$_k$ / Σ 1/λ")
    right.plot(k, np.cumsum(share)[:m], "k.-", ms=3, label="cumulative")
    right.set_xlabel("mode index")
    right.set_ylabel("share of fluctuations")
    right.set_ylim(0, 1.05)
    right.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_cumulative_overlap(overlaps: Any, *, ax: Any = None) -> Any:
    """|Overlap| of each mode with a vector (bars) and the cumulative overlap (line).

    Args:
        overlaps: overlap O_k of mode k with the vector, shape (M,) (signed or not; e.g.
            ``analysis.overlap(modes, d)[:, 0]``). The cumulative overlap
            (Σ_{j<=k} O_j²)^{1/2} is computed from it.
        ax: matplotlib Axes, or None for a new figure.

    Returns:
        The Figure.
    """
    fn = "plot_cumulative_overlap"
    plt = _pyplot()
    o = _vector(overlaps, "overlaps", fn)
    if np.abs(o).max() > 1 + 1e-9:
        raise ValueError(f"{fn}: overlaps must lie in [-1, 1] (cosines); got {np.abs(o).max()}.")
    k = np.arange(1, o.size + 1)
    fig, ax = _axes(ax, plt, figsize=(6, 3.2))
    ax.bar(k, np.abs(o), color="C0", label="|overlap|")
    ax.plot(k, np.sqrt(np.cumsum(o**2)), "k.-", label="cumulative overlap")
    ax.set_xlabel("mode index")
    ax.set_ylabel("overlap")
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False)
    return fig


def plot_sensitivity_map(
    n_atoms: int,
    pairs: Any,
    sensitivity: Any,
    *,
    title: str = "",
    cmap: str = "magma_r",
    ax: Any = None,
    log: bool = False,
) -> Any:
    """Contact map coloured by a per-contact sensitivity; pairs not listed stay blank.

    Entry (i, j) and (j, i) show |s_ij| for each pair of ``pairs``, e.g. ∂λ₁/∂k_ij from
    :func:`jaxnm_course.differentiable.slowest_mode_sensitivity`.

    Args:
        n_atoms: N, the number of residues (nodes).
        pairs: index pairs (i, j), int, shape (P, 2), 0 <= i, j < N.
        sensitivity: one value per pair, shape (P,) (any units; |value| is shown).
        title: axes title.
        cmap: matplotlib colour map name.
        ax: matplotlib Axes, or None for a new figure.
        log: colour on a logarithmic scale (sensitivities often span several decades, so
            a linear scale shows only the few largest); the scale spans at most six
            decades below the largest value, and smaller values (zeros included) take
            the lowest colour.

    Returns:
        The Figure (with a colour bar).
    """
    fn = "plot_sensitivity_map"
    plt = _pyplot()
    if isinstance(n_atoms, bool) or int(n_atoms) != n_atoms or n_atoms < 1:
        raise ValueError(f"{fn}: `n_atoms` must be a positive integer, got {n_atoms!r}.")
    n = int(n_atoms)
    idx = np.asarray(pairs)
    if idx.ndim != 2 or idx.shape[1] != 2 or idx.dtype.kind not in "iu":
        raise ValueError(
            f"{fn}: `pairs` must be an integer array of shape (P, 2), got {idx.dtype} of "
            f"shape {idx.shape}."
        )
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"{fn}: `pairs` holds indices outside 0..{n - 1} (n_atoms = {n}).")
    size = np.abs(_vector(sensitivity, "sensitivity", fn, idx.shape[0]))
    M = np.full((n, n), np.nan)
    M[idx[:, 0], idx[:, 1]] = M[idx[:, 1], idx[:, 0]] = size
    fig, ax = _axes(ax, plt, figsize=(5, 4.2))
    norm = None
    if log:
        from matplotlib.colors import LogNorm

        top = float(size.max()) if size.size else 0.0
        if top > 0:
            low = float(size[size > 0].min())
            norm = LogNorm(vmin=max(low, top * 1e-6), vmax=top, clip=True)
    image = ax.imshow(M, origin="lower", cmap=cmap, interpolation="nearest", norm=norm)
    label = "|sensitivity| (log scale)" if norm is not None else "|sensitivity|"
    fig.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("residue index j")
    ax.set_ylabel("residue index i")
    if title:
        ax.set_title(title)
    return fig
