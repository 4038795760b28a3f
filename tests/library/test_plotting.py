"""Plotting: each figure holds the expected artists with the data given (Agg backend)."""

from __future__ import annotations

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from jaxnm_course import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_fluctuation_profile_with_pearson_r_in_the_legend():
    rng = np.random.default_rng(0)
    exp = rng.uniform(5, 40, 30)
    pred = exp + rng.normal(scale=8.0, size=30)
    fig = plotting.plot_fluctuations(pred, exp, resnums=np.arange(101, 131))
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    r = np.corrcoef(pred, exp)[0, 1]
    assert set(lines) == {"experiment", f"ENM (r = {r:.2f})"}
    np.testing.assert_array_equal(lines["experiment"].get_ydata(), exp)
    np.testing.assert_array_equal(lines[f"ENM (r = {r:.2f})"].get_xdata(), np.arange(101, 131))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"ENM (r = {r:.2f})" in legend
    # without experiment: one line, plain label
    fig = plotting.plot_fluctuations(pred, label="GNM")
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["GNM"]


def test_cross_correlation_map_is_fixed_to_minus_one_one():
    C = np.array([[1.0, 0.2, -0.5], [0.2, 1.0, 0.1], [-0.5, 0.1, 1.0]])
    fig = plotting.plot_cross_correlation(C)
    ax = fig.axes[0]
    (im,) = ax.get_images()
    assert im.get_clim() == (-1.0, 1.0)
    assert im.get_cmap().name == "RdBu_r"
    np.testing.assert_array_equal(im.get_array(), C)
    assert len(fig.axes) == 2  # the map and its colour bar


def test_spectrum_panels_hold_eigenvalues_and_inverse_shares():
    lam = np.array([0.5, 1.0, 2.0, 4.0])
    fig = plotting.plot_spectrum(lam)
    left, right = fig.axes
    np.testing.assert_array_equal(left.get_lines()[0].get_ydata(), lam)
    heights = [p.get_height() for p in right.patches]
    np.testing.assert_allclose(heights, np.array([8, 4, 2, 1]) / 15.0)  # (1/λ)/Σ(1/λ) by hand
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), np.array([8, 12, 14, 15]) / 15)
    nu = np.array([10.0, 20.0, 30.0, 40.0])
    fig = plotting.plot_spectrum(lam, frequencies=nu, n_modes=2)
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), nu[:2])
    assert "cm" in fig.axes[0].get_ylabel()


def test_cumulative_overlap_plot():
    o = np.array([0.6, -0.0, 0.8])
    fig = plotting.plot_cumulative_overlap(o)
    ax = fig.axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [0.6, 0.0, 0.8])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.6, 0.6, 1.0])


def test_sensitivity_map_shows_each_pair_symmetrically_and_nothing_else():
    pairs = np.array([[0, 1], [0, 3], [2, 4]])
    s = np.array([0.5, -2.0, 1e-3])
    fig = plotting.plot_sensitivity_map(5, pairs, s, title="t")
    ax = fig.axes[0]
    (im,) = ax.get_images()
    M = np.asarray(im.get_array().filled(np.nan))
    expected = np.full((5, 5), np.nan)
    expected[pairs[:, 0], pairs[:, 1]] = expected[pairs[:, 1], pairs[:, 0]] = np.abs(s)
    np.testing.assert_array_equal(M, expected)  # |s|, both triangles, NaN (blank) elsewhere
    assert ax.get_title() == "t"
    assert len(fig.axes) == 2  # the map and its colour bar
    with pytest.raises(ValueError, match=r"plot_sensitivity_map.*outside 0\.\.4"):
        plotting.plot_sensitivity_map(5, np.array([[0, 5]]), [1.0])
    with pytest.raises(ValueError, match=r"plot_sensitivity_map.*sensitivity.*\(3,\)"):
        plotting.plot_sensitivity_map(5, pairs, [1.0, 2.0])


def test_sensitivity_map_log_scale_spans_the_values_and_keeps_zeros_visible():
    from matplotlib.colors import LogNorm

    pairs = np.array([[0, 1], [0, 3], [2, 4], [1, 2]])
    s = np.array([0.5, -2.0, 1e-3, 0.0])
    (im,) = plotting.plot_sensitivity_map(5, pairs, s, log=True).axes[0].get_images()
    assert isinstance(im.norm, LogNorm)
    assert (im.norm.vmin, im.norm.vmax) == (1e-3, 2.0)  # smallest nonzero |s| .. largest
    assert im.norm(0.0) == 0.0  # a zero sensitivity is clipped to the lowest colour, not blank
    s[2] = 1e-12  # more than six decades below the top: the floor is 2e-6
    (im,) = plotting.plot_sensitivity_map(5, pairs, s, log=True).axes[0].get_images()
    assert im.norm.vmin == pytest.approx(2e-6)
    (im,) = plotting.plot_sensitivity_map(5, pairs, np.zeros(4), log=True).axes[0].get_images()
    assert not isinstance(im.norm, LogNorm)  # all zero: no log scale to draw


def test_plots_draw_on_a_given_axes_and_refuse_bad_input():
    fig, ax = plt.subplots()
    assert plotting.plot_cumulative_overlap([0.5], ax=ax) is fig
    with pytest.raises(ValueError, match="square"):
        plotting.plot_cross_correlation(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        plotting.plot_fluctuations([1.0, np.nan])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        plotting.plot_fluctuations([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="rigid-body"):
        plotting.plot_spectrum([0.0, 1.0])
    with pytest.raises(ValueError, match="cosines"):
        plotting.plot_cumulative_overlap([1.5])
