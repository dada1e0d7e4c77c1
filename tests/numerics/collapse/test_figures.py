"""numerics.collapse.figures: each figure is a `Figure` outside pyplot and draws exactly the table's numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from numerics.collapse.config import CollapseConfig
from numerics.collapse.figures import tail_figure, variability_figure

CFG = CollapseConfig(dim=5, per_class=4, width=6, depth=3, lambdas=(0.0, 1e-3, 1e-2), spreads=(0.5, 0.05),
                     losses=("mse", "ce"), critical_lambdas=(1e-2,), bias_lambdas=())


def _layers() -> pd.DataFrame:
    """rel_tail_K = 10^-(layer) · (1 + 100λ) for W_1, W_2, and 0 for W_3 = W_L (rank ≤ K by shape)."""
    rows = [dict(regime=r, loss=loss, spread=s, bias=b, lam=lam, layer=layer,
                 rel_tail_K=0.0 if layer == 3 else 10.0 ** -layer * (1 + 100 * lam) * (2 if s != 0.5 or b else 1))
            for r in ("adam", "adam+lbfgs") for loss in CFG.losses for s in CFG.spreads for b in (False, True)
            for lam in CFG.lambdas[::-1] for layer in (1, 2, 3)]
    return pd.DataFrame(rows)


def test_tail_figure_draws_each_layers_tail_against_lambda_with_lambda_zero_a_decade_left():
    n_open = len(plt.get_fignums())
    fig = tail_figure(_layers(), CFG)
    assert type(fig) is Figure and len(plt.get_fignums()) == n_open  # not registered with pyplot
    assert [ax.get_title().split(",")[1].strip() for ax in fig.axes] == list(CFG.losses)
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        labels = [line.get_label() for line in ax.get_lines()]
        # W_3 has zero tail by shape and is left out; the other spread and the bias nets are not drawn
        assert labels == ["W_1 (adam)", "W_2 (adam)", "W_1 (adam+lbfgs)", "W_2 (adam+lbfgs)"]
        for line, layer in zip(ax.get_lines(), (1, 2, 1, 2)):
            x, y = line.get_data()
            np.testing.assert_array_equal(x, [1e-4, 1e-3, 1e-2])  # λ = 0 at min λ>0 / 10, sorted by λ
            np.testing.assert_allclose(y, [10.0 ** -layer * (1 + 100 * lam) for lam in (0.0, 1e-3, 1e-2)], rtol=1e-15)


def test_variability_figure_draws_V_against_depth_per_lambda_for_adam_points():
    rows = [dict(regime=r, loss=loss, spread=s, bias=False, lam=lam, V_H0=1.0, V_H1=0.5 - lam, V_H2=0.25 - lam)
            for r in ("adam", "adam+lbfgs") for loss in CFG.losses for s in CFG.spreads for lam in CFG.lambdas[::-1]]
    fig = variability_figure(pd.DataFrame(rows), CFG)
    assert type(fig) is Figure and len(fig.axes) == len(CFG.losses)
    for ax in fig.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["λ=0", "λ=0.001", "λ=0.01"]
        for line, lam in zip(ax.get_lines(), (0.0, 1e-3, 1e-2)):
            x, y = line.get_data()
            assert list(x) == [0, 1, 2]
            np.testing.assert_array_equal(y, [1.0, 0.5 - lam, 0.25 - lam])


def test_one_panel_per_loss():
    cfg = CollapseConfig(losses=("ce",), lambdas=(0.0, 1e-2))
    layers = _layers()
    assert len(tail_figure(layers[layers["loss"] == "ce"], cfg).axes) == 1
    nets = pd.DataFrame([dict(regime="adam", loss="ce", spread=0.5, bias=False, lam=lam, V_H0=1.0) for lam in cfg.lambdas])
    assert len(variability_figure(nets, cfg).axes) == 1
