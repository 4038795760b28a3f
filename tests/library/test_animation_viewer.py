"""Animations (matplotlib) and the 3Dmol viewer fragment: shapes, frames, labels, errors."""

from __future__ import annotations

import gc
import json
import re
import warnings

import jax
import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import animation, molecules, viewer

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _collect_animations():
    """Tests inspect frames without rendering; matplotlib warns when such an animation is
    garbage-collected, so collect them here, warning silenced, not in a later test."""
    yield
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Animation was deleted without rendering")
        gc.collect()


@pytest.fixture(scope="module")
def water():
    with jax.enable_x64(True):
        mol = molecules.water()
        modes = nm.normal_modes(nm.hessian(mol.energy, mol.R), mol.masses, mol.R)
    return mol, modes


def _positions(anim, f):
    anim._func(f)
    return [np.asarray(c.get_offsets()).copy() for c in anim._fig.axes[0].collections]


def test_animate_mode_moves_atoms_along_the_mode(water):
    mol, modes = water
    anim = animation.animate_mode(
        modes, mol.R, 2, symbols=mol.symbols, bonds=mol.bonds, n_frames=12
    )
    rest, quarter = _positions(anim, 0)[0], _positions(anim, 3)[0]  # sin(2π·3/12) = 1
    P = animation._projection(None, "t")
    u = np.asarray(modes.vectors[:, 2]).reshape(-1, 3)
    expected = u / np.linalg.norm(u, axis=1).max() * 0.35 @ P
    # Exact up to float rounding: the frame is R + sin(phase) u, projected.
    np.testing.assert_allclose(quarter - rest, expected, atol=1e-9)
    assert np.abs(quarter - rest).max() > 0.05


def test_animate_mode_panels_and_labels(water):
    mol, modes = water
    anim = animation.animate_mode(modes, mol.R, [0, 1, 2], symbols=mol.symbols)
    titles = [ax.get_title() for ax in anim._fig.axes if ax.get_title()]
    assert len(titles) == 3
    assert f"{float(modes.frequencies[0]):.0f} cm⁻¹" in titles[0]
    fake = modes._replace(frequencies=-modes.frequencies)
    anim = animation.animate_mode(fake, mol.R, 0)
    assert "i cm⁻¹ (imaginary)" in anim._fig.axes[0].get_title()


def test_animate_mode_rejects_bad_input(water):
    mol, modes = water
    with pytest.raises(TypeError, match="animate_mode"):
        animation.animate_mode((modes.eigenvalues, modes.vectors), mol.R, 0)
    with pytest.raises(ValueError, match="mode indices"):
        animation.animate_mode(modes, mol.R, 3)
    with pytest.raises(ValueError, match="N, 3"):
        animation.animate_mode(modes, np.zeros((4, 3)), 0)
    with pytest.raises(ValueError, match="GNM"):
        animation.animate_mode(modes._replace(dim=1), mol.R, 0)


def test_animation_html_is_offline_and_autoplays(water):
    mol, modes = water
    anim = animation.animate_mode(modes, mol.R, 0, n_frames=4, dpi=30)
    text = animation.animation_html(anim)
    assert "https://" not in text
    assert "http://" not in text
    assert text.count("data:image/png;base64") == 4
    assert "IntersectionObserver" in text
    assert "play_animation()" in text
    with pytest.raises(TypeError, match="animation_html"):
        animation.animation_html("not an animation")
    assert nm.plotting.animate_mode is animation.animate_mode  # re-exported


def test_animate_chain_frames():
    t = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    U = 0.3 * np.sin(t)[:, None, None] * np.sin(np.pi * np.arange(10) / 9)[None, None, :]
    anim = animation.animate_chain(np.concatenate([U, -U], axis=1), titles=["a", "b"])
    anim._func(2)
    beads = np.asarray(anim._fig.axes[0].collections[0].get_offsets())
    np.testing.assert_allclose(beads[:, 0], np.arange(10) + U[2, 0], atol=1e-12)
    with pytest.raises(ValueError, match="animate_chain"):
        animation.animate_chain(np.zeros((1, 5)))


def _data(fragment):
    m = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', fragment, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_viewer_html_carries_the_animation_inline():
    R = np.random.default_rng(0).normal(size=(20, 3)) * 5
    D = np.ones((20, 3))
    text = viewer.viewer_html(R, displacement=D.reshape(-1), title="a <b>")
    data = _data(text)
    assert len(data["R"]) == 60
    assert len(data["D"]) == 60
    np.testing.assert_allclose(data["R"], np.round(R, 3).reshape(-1))
    np.testing.assert_allclose(data["w"], np.round(viewer.sine_weights(16), 4))
    assert "a &lt;b&gt;" in text  # the caption is escaped
    assert "http" not in text  # nothing fetched from anywhere
    assert "<script src" not in text  # the page provides 3Dmol.js
    other = viewer.viewer_html(R)
    ids = set(re.findall(r'<div class="jaxnm-3dmol" id="([^"]+)"', text + other))
    assert len(ids) == 2  # unique element ids on one page
    assert "D" not in _data(other)


def test_viewer_html_values_arrows_and_errors():
    R = np.zeros((5, 3))
    R[:, 0] = np.arange(5) * 3.8
    text = viewer.viewer_html(
        R, values=[-2, -1, 0, 1, 2], arrows=np.ones((5, 3)), arrow_scale=2.0, script_src="x.js"
    )
    data = _data(text)
    assert data["vmax"] == 2.0
    assert data["A"][:3] == [2.0, 2.0, 2.0]
    assert text.startswith('<script src="x.js"></script>')
    with pytest.raises(ValueError, match="viewer_html"):
        viewer.viewer_html(R, displacement=np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        viewer.viewer_html(R, values=[np.nan] * 5)
    with pytest.raises(ValueError, match="weights"):
        viewer.viewer_html(R, weights=[0, 1])
    with pytest.raises(ValueError, match="loop"):
        viewer.viewer_html(R, loop="sideways")
    with pytest.raises(TypeError, match="structure"):
        viewer.viewer_html(R, structure="1AKE")
    with pytest.raises(ValueError, match="at least 2"):
        viewer.sine_weights(1)
