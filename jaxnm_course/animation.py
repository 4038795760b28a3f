"""Animations of normal modes with matplotlib, embeddable in a static page.

* :func:`animate_mode`: atoms (and bonds) of a molecule oscillating along one or several
  normal modes, one panel per mode, titled with its wavenumber (imaginary ones as
  "412i cm⁻¹": at a saddle point the motion runs downhill, it does not oscillate);
* :func:`animate_chain`: beads of a one-dimensional chain displaced by any
  (n_frames, N) array of longitudinal displacements (standing waves, wave packets);
* :func:`animation_html`: an animation as HTML and JavaScript (``Animation.to_jshtml``),
  with every frame inline, no remote style sheet, and playback that starts when the
  animation scrolls into view: a static page shows it without a Python kernel or a
  network.

3D coordinates are drawn in a fixed oblique projection (or a projection the caller
gives), so every frame is a cheap 2D redraw. Frames are sin(2π f / n_frames) times the
mode, scaled so that the largest atom displacement is ``amplitude`` Å. Uses the ``plot``
extra (matplotlib), imported lazily.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .modes import Modes

__all__ = ["animate_chain", "animate_mode", "animation_html"]

# Atom colours (CPK-like) and marker sizes (points²) by element symbol; others grey.
_COLORS = {"H": "0.85", "C": "0.3", "N": "tab:blue", "O": "tab:red", "Cl": "tab:green"}
_SIZES = {"H": 90.0}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
        from matplotlib import animation
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "jaxnm_course.animation needs matplotlib: pip install 'jaxnm-course[plot]'."
        ) from exc
    return plt, animation


def _projection(view: Any, fn: str) -> np.ndarray:
    if view is None:  # rotate 25° about x, then -35° about y: an oblique view
        a, b = np.radians(25.0), np.radians(-35.0)
        rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
        ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
        return (rx @ ry)[:2].T  # (3, 2): screen x, y of each Cartesian axis
    P = np.asarray(view, dtype=np.float64)
    if P.shape != (3, 2) or not np.isfinite(P).all():
        raise ValueError(f"{fn}: `view` must be a finite (3, 2) projection matrix, got {P.shape}.")
    return P


def _frequency_label(nu: float) -> str:
    if nu < 0:
        return f"{-nu:.0f}i cm⁻¹ (imaginary)"
    return f"{nu:.0f} cm⁻¹"


def animate_mode(
    modes: Modes,
    R: Any,
    k: int | Sequence[int],
    *,
    symbols: Sequence[str] | None = None,
    bonds: Any = None,
    amplitude: float = 0.35,
    n_frames: int = 10,
    interval_ms: int = 100,
    view: Any = None,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    panel_size: float = 2.3,
    dpi: int = 60,
) -> Any:
    """Animate one or several normal modes of a molecule: one panel per mode.

    Args:
        modes: Cartesian normal modes (:func:`jaxnm_course.normal_modes`; ``dim == 3``).
        R: equilibrium coordinates, shape (N, 3), Å.
        k: index of the mode (column of ``modes.vectors``, 0 = the softest), or a
            sequence of indices, one panel each.
        symbols: element symbol of each atom (colour and size), or None.
        bonds: pairs (i, j), integer shape (B, 2), drawn as lines, or None.
        amplitude: largest atom displacement at the turning points, Å.
        n_frames: frames per period (≥ 4).
        interval_ms: time per frame, ms.
        view: (3, 2) matrix projecting Cartesian coordinates on the screen, or None for
            a fixed oblique view.
        titles: one title per panel, or None for "mode k" and the wavenumber.
        ncols: panels per row (default: up to 3).
        panel_size: inches per panel.
        dpi: resolution of the frames (keep it low: every frame is a PNG in the page).

    Returns:
        A :class:`matplotlib.animation.FuncAnimation` (show it in a page with
        :func:`animation_html`).

    Raises:
        TypeError: ``modes`` not a Modes.
        ValueError: GNM modes, wrong shapes, or a mode index out of range.
    """
    fn = "animate_mode"
    if not isinstance(modes, Modes):
        raise TypeError(f"{fn}: `modes` must be a Modes (from normal_modes), got {type(modes)}.")
    if modes.dim != 3:
        raise ValueError(
            f"{fn}: GNM modes (dim == 1) have no direction to animate; colour a structure by "
            "them instead (jaxnm_course.viewer.viewer_html(R, values=...))."
        )
    X = np.asarray(R, dtype=np.float64)
    V = np.asarray(modes.vectors, dtype=np.float64)
    n = X.shape[0] if X.ndim == 2 else -1
    if X.ndim != 2 or X.shape[1] != 3 or V.shape[0] != 3 * n:
        raise ValueError(
            f"{fn}: `R` must have shape (N, 3) matching the modes' 3N = {V.shape[0]} rows, "
            f"got {X.shape}."
        )
    ks = [k] if isinstance(k, int | np.integer) else list(k)
    if not ks or any(
        isinstance(j, bool) or not isinstance(j, int | np.integer) or not 0 <= j < V.shape[1]
        for j in ks
    ):
        raise ValueError(f"{fn}: `k` must be mode indices in 0..{V.shape[1] - 1}, got {k!r}.")
    if titles is not None and len(titles) != len(ks):
        raise ValueError(f"{fn}: {len(ks)} panels but {len(titles)} titles.")
    if isinstance(n_frames, bool) or not isinstance(n_frames, int) or n_frames < 4:
        raise ValueError(f"{fn}: `n_frames` must be an int ≥ 4, got {n_frames!r}.")
    syms = list(symbols) if symbols is not None else ["C"] * n
    if len(syms) != n:
        raise ValueError(f"{fn}: {len(syms)} symbols for {n} atoms.")
    pairs = np.zeros((0, 2), int) if bonds is None else np.asarray(bonds, dtype=int)
    if pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.max() >= n):
        raise ValueError(f"{fn}: `bonds` must be atom index pairs, shape (B, 2).")
    P = _projection(view, fn)
    freqs = np.asarray(modes.frequencies, dtype=np.float64)

    plt, animation = _pyplot()
    cols = ncols or min(3, len(ks))
    rows = -(-len(ks) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(panel_size * cols, panel_size * rows), dpi=dpi, squeeze=False
    )
    center = X - X.mean(0)
    reach = np.abs(center @ P).max() + 2 * amplitude + 0.4
    shapes, artists = [], []
    for ax in axes.flat[len(ks) :]:
        ax.axis("off")
    for panel, (ax, j) in enumerate(zip(axes.flat, ks, strict=False)):
        u = V[:, j].reshape(n, 3)
        u = u * (amplitude / np.linalg.norm(u, axis=1).max())
        shapes.append(u)
        xy = center @ P
        lines = [ax.plot(*xy[list(b)].T, "-", color="0.55", lw=2.5, zorder=1)[0] for b in pairs]
        dots = ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=[_SIZES.get(s, 220.0) for s in syms],
            c=[_COLORS.get(s, "0.5") for s in syms],
            edgecolors="k",
            linewidths=0.6,
            zorder=2,
        )
        label = titles[panel] if titles is not None else f"mode {j + 1}"
        if titles is None and freqs.size == V.shape[1]:
            label += f"\n{_frequency_label(float(freqs[j]))}"
        ax.set_title(label, fontsize=9)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-reach, reach)
        ax.set_aspect("equal")
        ax.axis("off")
        artists.append((dots, lines))
    fig.tight_layout()

    def update(f: int) -> list:
        s = np.sin(2.0 * np.pi * f / n_frames)
        out = []
        for u, (dots, lines) in zip(shapes, artists, strict=True):
            xy = (center + s * u) @ P
            dots.set_offsets(xy)
            for line, b in zip(lines, pairs, strict=True):
                line.set_data(xy[b, 0], xy[b, 1])
            out += [dots, *lines]
        return out

    anim = animation.FuncAnimation(fig, update, frames=n_frames, interval=interval_ms, blit=False)
    plt.close(fig)  # the animation keeps it; no static copy in a notebook's output
    return anim


def animate_chain(
    displacements: Any,
    *,
    titles: Sequence[str] | None = None,
    spacing: float = 1.0,
    interval_ms: int = 90,
    width: float = 7.0,
    panel_height: float = 1.1,
    dpi: int = 60,
) -> Any:
    """Animate longitudinal displacements of a chain of beads (one row per panel).

    Each panel draws bead n at x = n·spacing + u_n(t) and, below it, the displacement
    u_n(t) against n (the wave shape), so standing waves and travelling packets read off
    both ways.

    Args:
        displacements: u_n at each frame, shape (n_frames, N) for one panel or
            (n_frames, P, N) for P panels, in units of ``spacing``.
        titles: one title per panel, or None.
        spacing: rest distance between beads (the unit of the displacements).
        interval_ms: time per frame, ms.
        width: figure width, inches.
        panel_height: inches per panel.
        dpi: resolution of the frames.

    Returns:
        A :class:`matplotlib.animation.FuncAnimation`.
    """
    fn = "animate_chain"
    U = np.asarray(displacements, dtype=np.float64)
    if U.ndim == 2:
        U = U[:, None, :]
    if U.ndim != 3 or U.shape[0] < 2 or U.shape[2] < 2 or not np.isfinite(U).all():
        raise ValueError(
            f"{fn}: `displacements` must be finite, shape (n_frames ≥ 2, N ≥ 2) or "
            f"(n_frames, P, N), got {np.shape(displacements)}."
        )
    n_frames, n_panels, n = U.shape
    if titles is not None and len(titles) != n_panels:
        raise ValueError(f"{fn}: {n_panels} panels but {len(titles)} titles.")
    plt, animation = _pyplot()
    fig, axes = plt.subplots(
        n_panels, 1, figsize=(width, panel_height * n_panels), dpi=dpi, squeeze=False
    )
    x0 = np.arange(n) * spacing
    umax = np.abs(U).max() or 1.0
    artists = []
    for p, ax in enumerate(axes[:, 0]):
        beads = ax.scatter(x0, np.full(n, 1.0), s=30, c="tab:blue", edgecolors="k", lw=0.4)
        (wave,) = ax.plot(x0, U[0, p] / umax * 0.8 - 0.9, "-", color="tab:orange", lw=1.5)
        ax.axhline(-0.9, color="0.85", lw=0.8, zorder=0)
        ax.set_xlim(-spacing, x0[-1] + spacing)
        ax.set_ylim(-1.9, 1.6)
        ax.axis("off")
        if titles is not None:
            ax.set_title(titles[p], fontsize=9, loc="left")
        artists.append((beads, wave))
    fig.tight_layout()

    def update(f: int) -> list:
        out = []
        for p, (beads, wave) in enumerate(artists):
            beads.set_offsets(np.column_stack([x0 + U[f, p], np.full(n, 1.0)]))
            wave.set_ydata(U[f, p] / umax * 0.8 - 0.9)
            out += [beads, wave]
        return out

    anim = animation.FuncAnimation(fig, update, frames=n_frames, interval=interval_ms, blit=False)
    plt.close(fig)
    return anim


_CDN_LINK = re.compile(r"<link[^>]*https?://[^>]*>\s*", re.I)


def animation_html(anim: Any) -> str:
    """HTML + JavaScript of an animation for a static page (no kernel, no network).

    ``Animation.to_jshtml`` embeds every frame as a PNG and adds a player (slider and
    buttons); this removes the remote Font Awesome style sheet it links (the course site
    ships its own icons) and starts the loop when the animation scrolls into view (and
    pauses it when it leaves), so a reader sees the mode move without pressing play.

    Args:
        anim: a :class:`matplotlib.animation.Animation`, e.g. from :func:`animate_mode`.

    Returns:
        An HTML fragment (str).
    """
    fn = "animation_html"
    if not hasattr(anim, "to_jshtml"):
        raise TypeError(f"{fn}: `anim` must be a matplotlib Animation, got {type(anim)}.")
    text = _CDN_LINK.sub("", anim.to_jshtml(default_mode="loop"))
    found = re.search(r"anim(\w+) = new Animation\(", text)
    if found is None:  # pragma: no cover - a matplotlib template change
        raise RuntimeError(f"{fn}: unexpected to_jshtml output (no Animation object found).")
    uid = found.group(1)
    autoplay = f"""<script>
(function () {{
  function start() {{
    var img = document.getElementById("_anim_img{uid}");
    if (!window.anim{uid} || !img) {{ return setTimeout(start, 50); }}
    var a = window.anim{uid};
    img.classList.add("jaxnm-animation");
    if (!("IntersectionObserver" in window)) {{ a.play_animation(); return; }}
    new IntersectionObserver(function (entries) {{
      entries.forEach(function (e) {{
        if (e.isIntersecting) {{ a.play_animation(); }} else {{ a.pause_animation(); }}
      }});
    }}).observe(img);
  }}
  start();
}})();
</script>
"""
    return text + autoplay
