"""Interactive 3D views of Cα structures and their modes, as self-contained HTML (3Dmol.js).

:func:`viewer_html` returns an HTML fragment (a ``<div>``, the data as inline JSON and a
short script) that draws a Cα trace with `3Dmol.js <https://3dmol.org>`_ (N. Rego and
D. Koes, Bioinformatics 31, 1322 (2015)) and, optionally,

* animates it along a displacement (a normal mode, or the change between two structures):
  frame f is ``R + weights[f] * displacement``, the frames are built in the browser, so the
  page carries 2 × 3N numbers, not a whole trajectory;
* colours it by one value per residue (a GNM mode shape, fluctuations), blue-white-red;
* draws "porcupine" arrows, one per residue, along a displacement.

The fragment does not load 3Dmol.js itself: the page must provide ``window.$3Dmol``
(the course site serves a pinned copy from ``_static/3dmol/``; pass ``script_src`` to
add a ``<script>`` tag for a standalone file). No network access is needed once the
script is there. In a notebook, show it with ``IPython.display.HTML(viewer_html(...))``.
Coordinates in Å.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from typing import Any

import numpy as np

from .structures import Structure

__all__ = ["sine_weights", "viewer_html"]

_COUNTER = itertools.count(1)


def sine_weights(n_frames: int = 16) -> np.ndarray:
    """Weights sin(2π f / n_frames), f = 0 … n_frames - 1: one period of an oscillation.

    Args:
        n_frames: frames per period (≥ 2).

    Returns:
        Shape (n_frames,), values in [-1, 1].
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, int | np.integer):
        raise TypeError(f"sine_weights: `n_frames` must be an int, got {type(n_frames).__name__}.")
    if n_frames < 2:
        raise ValueError(f"sine_weights: `n_frames` must be at least 2, got {n_frames}.")
    return np.sin(2.0 * np.pi * np.arange(n_frames) / n_frames)


def _array(x: Any, name: str, shape: tuple[int, ...], fn: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{fn}: `{name}` is not a numeric array ({exc}).") from exc
    if a.size == math.prod(shape) and a.shape != shape:
        a = a.reshape(shape)  # (3N,) columns of Modes.vectors as (N, 3)
    if a.shape != shape:
        raise ValueError(f"{fn}: `{name}` must have shape {shape}, got {np.shape(x)}.")
    if not np.isfinite(a).all():
        raise ValueError(f"{fn}: `{name}` contains NaN or inf.")
    return a


def _round(a: np.ndarray, digits: int) -> list:
    return np.round(a, digits).reshape(-1).tolist()


def viewer_html(
    R: Any,
    *,
    structure: Structure | None = None,
    displacement: Any = None,
    weights: Any = None,
    values: Any = None,
    arrows: Any = None,
    arrow_scale: float = 1.0,
    color: str = "spectrum",
    loop: str = "forward",
    interval_ms: int = 80,
    width: int = 420,
    height: int = 320,
    title: str | None = None,
    script_src: str | None = None,
) -> str:
    """Self-contained HTML for a 3Dmol.js view of a Cα trace, animated or coloured.

    Args:
        R: Cα coordinates, shape (N, 3), Å (or a Structure, whose R is used).
        structure: residue names, numbers and chains for the PDB records 3Dmol reads
            (defaults to ``R`` when it is a Structure, else ALA 1..N in chain A).
        displacement: animate along this vector, shape (N, 3) or (3N,), Å at weight 1
            (e.g. a mode scaled to a few Å, or ``R_closed - R_open``); None: a still view.
        weights: weight of each frame, shape (n_frames,), default
            :func:`sine_weights` (16 frames, one oscillation period).
        values: colour each residue by one value, shape (N,) (e.g. a GNM mode shape),
            blue (negative) - white (0) - red (positive), symmetric about 0.
        arrows: draw one arrow per residue from R along this vector, shape (N, 3) or
            (3N,); arrows shorter than 0.3 Å after scaling are left out.
        arrow_scale: factor applied to ``arrows`` (Å per unit).
        color: 3Dmol colour scheme of the trace when ``values`` is None ("spectrum":
            N-terminus blue to C-terminus red; or a colour name).
        loop: "forward" (restart at frame 0: right for a full period) or "backAndForth"
            (right for a path between two structures, weights from 0 to 1).
        interval_ms: time per frame, ms.
        width: maximum width, CSS pixels (the view shrinks with narrow pages).
        height: height, CSS pixels.
        title: caption under the view, or None.
        script_src: URL of 3Dmol-min.js to load with a ``<script>`` tag (for a standalone
            file), or None when the page already loads it (the course site).

    Returns:
        An HTML fragment (str) with a unique element id.

    Raises:
        TypeError: a non-numeric array, or ``structure`` not a Structure.
        ValueError: wrong shapes, non-finite values, or unknown ``loop``.
    """
    fn = "viewer_html"
    if isinstance(R, Structure):
        structure = R if structure is None else structure
        R = R.R
    try:
        X = np.asarray(R, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{fn}: `R` is not a numeric array ({exc}).") from exc
    if X.ndim != 2 or X.shape[1] != 3 or X.shape[0] == 0:
        raise ValueError(f"{fn}: `R` must have shape (N, 3) in Å, got {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError(f"{fn}: `R` contains NaN or inf.")
    n = X.shape[0]
    if structure is not None and not isinstance(structure, Structure):
        raise TypeError(
            f"{fn}: `structure` must be a Structure (from load_structure) or None, got "
            f"{type(structure).__name__}."
        )
    if structure is not None and structure.n_residues != n:
        raise ValueError(f"{fn}: `structure` has {structure.n_residues} residues, R has {n}.")
    if loop not in ("forward", "backAndForth"):
        raise ValueError(f"{fn}: `loop` must be 'forward' or 'backAndForth', got {loop!r}.")
    for name, v in (("interval_ms", interval_ms), ("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{fn}: `{name}` must be a positive int, got {v!r}.")

    data: dict[str, Any] = {"R": _round(X, 3), "color": str(color), "loop": loop}
    if structure is not None:
        data["resn"] = [str(r)[:3] for r in structure.resnames]
        data["resi"] = [int(r) for r in structure.resnums]
        data["chain"] = [(str(c) or "A")[:1] for c in structure.chains]
    if displacement is not None:
        D = _array(displacement, "displacement", (n, 3), fn)
        w = sine_weights() if weights is None else np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size < 2 or not np.isfinite(w).all():
            raise ValueError(f"{fn}: `weights` must be at least 2 finite numbers, got {w.shape}.")
        data["D"] = _round(D, 3)
        data["w"] = _round(w, 4)
        data["interval"] = int(interval_ms)
    elif weights is not None:
        raise ValueError(f"{fn}: `weights` given without a `displacement` to animate.")
    if values is not None:
        b = _array(values, "values", (n,), fn)
        data["values"] = _round(b, 4)
        data["vmax"] = float(np.abs(b).max()) or 1.0
    if arrows is not None:
        A = _array(arrows, "arrows", (n, 3), fn) * float(arrow_scale)
        data["A"] = _round(A, 3)

    uid = f"jaxnm-3dmol-{next(_COUNTER)}-{np.random.default_rng().integers(1 << 30):x}"
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    caption = (
        f'<figcaption class="jaxnm-3dmol-caption">{html.escape(title)}</figcaption>'
        if title
        else ""
    )
    script = f'<script src="{html.escape(script_src)}"></script>\n' if script_src else ""
    return (
        f"{script}"
        f'<figure class="jaxnm-3dmol-figure" style="max-width:{int(width)}px;margin:0.5em auto">'
        f'<div class="jaxnm-3dmol" id="{uid}" data-frames="{len(data.get("w", [1]))}" '
        f'style="width:100%;height:{int(height)}px;position:relative"></div>{caption}'
        f"</figure>\n"
        f'<script type="application/json" id="{uid}-data">{payload}</script>\n'
        f"<script>{_JS.replace('__UID__', uid)}</script>\n"
    )


# Frames are PDB text made here (fixed columns of the wwPDB format: ATOM records, one
# MODEL per frame), so 3Dmol's own parser reads residue names and numbers.
_JS = """(function () {
  var uid = "__UID__", tries = 0;
  function pad(s, n) { s = String(s); while (s.length < n) { s = " " + s; } return s; }
  function draw() {
    var el = document.getElementById(uid);
    if (!el) { return; }
    if (!window.$3Dmol) {
      if (++tries > 400) { console.error("jaxnm viewer: 3Dmol.js is not loaded"); return; }
      return setTimeout(draw, 25);
    }
    var d = JSON.parse(document.getElementById(uid + "-data").textContent);
    var n = d.R.length / 3, w = d.w || [0], text = "";
    for (var f = 0; f < w.length; f++) {
      text += "MODEL     " + pad(f + 1, 4) + "\\n";
      for (var i = 0; i < n; i++) {
        var xyz = [0, 1, 2].map(function (c) {
          var x = d.R[3 * i + c] + (d.D ? w[f] * d.D[3 * i + c] : 0);
          return pad(x.toFixed(3), 8);
        });
        var b = d.values ? d.values[i] : 0;
        text += "ATOM  " + pad(i + 1, 5) + "  CA  " + pad(d.resn ? d.resn[i] : "ALA", 3) +
          " " + (d.chain ? d.chain[i] : "A") + pad(d.resi ? d.resi[i] : i + 1, 4) +
          "    " + xyz.join("") + "  1.00" + pad(b.toFixed(2), 6) + "           C\\n";
      }
      text += "ENDMDL\\n";
    }
    var v = $3Dmol.createViewer(el, {backgroundColor: "white"});
    if (d.D) { v.addModelsAsFrames(text, "pdb"); } else { v.addModel(text, "pdb"); }
    var style = d.values
      ? {colorfunc: function (atom) {
          var t = Math.max(-1, Math.min(1, d.values[atom.serial - 1] / d.vmax));
          var r = t < 0 ? 1 + t : 1, g = 1 - Math.abs(t), bl = t > 0 ? 1 - t : 1;
          return (Math.round(255 * r) << 16) | (Math.round(255 * g) << 8) | Math.round(255 * bl);
        }}
      : (d.color === "spectrum" ? {color: "spectrum"} : {color: d.color});
    v.setStyle({}, {cartoon: Object.assign({style: "trace", thickness: 0.8}, style)});
    if (d.A) {
      for (var k = 0; k < n; k++) {
        var a = [d.A[3 * k], d.A[3 * k + 1], d.A[3 * k + 2]];
        if (Math.hypot(a[0], a[1], a[2]) < 0.3) { continue; }
        var s = {x: d.R[3 * k], y: d.R[3 * k + 1], z: d.R[3 * k + 2]};
        v.addArrow({start: s, end: {x: s.x + a[0], y: s.y + a[1], z: s.z + a[2]},
                    radius: 0.25, mid: 0.8, color: "darkorange"});
      }
    }
    v.zoomTo();
    v.render();
    el.dataset.ready = "1";
    if (d.D) { v.animate({loop: d.loop, interval: d.interval}); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
})();"""
