"""numerics.spikes.figures: each figure is a `Figure` outside pyplot and draws exactly the table's numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from numerics.spikes import measure as S
from numerics.spikes.figures import count_figure, error_figure, spectrum_figure


def _vertical_lines(ax) -> list[float]:
    return [line.get_xdata()[0] for line in ax.get_lines()]


def test_spectrum_figure_marks_the_edge_the_margin_and_every_outlier_above_it():
    n_open = len(plt.get_fignums())
    s = np.r_[np.linspace(1.0, 2.0, 50), 2.03, 2.05, 5.0]  # edge 2: 2.03 is within 2%, 2.05 and 5 are outliers
    fig = spectrum_figure((s, 2.0, "a caption"))
    assert type(fig) is Figure and len(plt.get_fignums()) == n_open
    (ax,) = fig.axes
    assert ax.get_title() == "a caption" and ax.get_yscale() == "log"
    assert _vertical_lines(ax) == [2.0, S.EDGE_FACTOR * 2.0, 2.05, 5.0]
    assert sum(p.get_height() for p in ax.patches) == s.size  # the histogram holds every singular value


def test_count_figure_plots_the_seed_mean_beside_the_predicted_staircase():
    counts = pd.DataFrame({"activation": ["relu"] * 4 + ["tanh"] * 2, "alpha": [0.1, 0.1, 0.3, 0.3, 0.1, 0.3],
                           "measured": [1, 1, 1, 2, 1, 1]})
    (ax,) = count_figure(counts).axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["relu: measured (mean over seeds)"].get_ydata(), [1.0, 1.5])
    np.testing.assert_allclose(lines["relu: measured (mean over seeds)"].get_xdata(), [0.1 - 0.004, 0.3 - 0.004])
    np.testing.assert_allclose(lines["tanh: measured (mean over seeds)"].get_xdata(), [0.1, 0.3])
    grid, relu2 = lines["relu: ℓ(α), degrees ≤ 2"].get_data()
    tanh2 = lines["tanh: ℓ(α), degrees ≤ 2"].get_ydata()
    # ReLU: μ₁, μ₂ ≠ 0, so 1 spike past 0 and 2 past α₂ = 1/4; tanh is odd (μ₂ = 0): 1 spike for every α > 0
    assert relu2[(grid > 0) & (grid < 0.25)].tolist() == [1] * int(np.sum((grid > 0) & (grid < 0.25)))
    assert set(relu2[grid > 0.26].tolist()) == {2} and set(tanh2[grid > 0].tolist()) == {1}
    assert relu2[0] == tanh2[0] == 0


def test_error_figure_draws_mean_and_std_per_alpha_and_the_random_features_line():
    summary = pd.DataFrame({"activation": ["relu"] * 3, "alpha": ["RF", 0.25, 0.4], "mean": [2.0, 1.8, 1.7],
                            "std": [0.1, 0.05, 0.02]})
    (ax,) = error_figure(summary).axes
    bars = ax.containers[0]
    x, y = bars.lines[0].get_data()
    np.testing.assert_array_equal(x, [0.25, 0.4])
    np.testing.assert_array_equal(y, [1.8, 1.7])
    rf = [line for line in ax.get_lines() if line.get_label() == "relu random features (η=0)"]
    assert len(rf) == 1 and list(rf[0].get_ydata()) == [2.0, 2.0]
