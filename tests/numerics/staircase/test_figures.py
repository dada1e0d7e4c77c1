"""numerics.staircase.figures: each function returns a Figure (no pyplot) that draws the trajectory columns of the
convention asked for."""

from __future__ import annotations

import matplotlib.figure
import numpy as np
import pandas as pd
import pytest

from numerics.staircase.figures import layer_ranks_figure, spectrum_figure, staircase_figure, thm3_2_figure


def _traj() -> pd.DataFrame:
    """Two configurations (two seeds of the first), three records, both conventions; layer 3 was never recorded."""
    rows = []
    for config, depth, seed in (("a", 2, 0), ("a", 2, 1), ("b", 1, 0)):
        for step in (0, 10, 20):
            r = 1 + step // 10 + seed
            rows.append({"config": config, "seed": seed, "step": step, "depth": depth, "width": 8, "activation": "tanh",
                         "init": "torch", "residual": False, "loss": 1.0 / (1 + step + seed), "eps_rank": r,
                         "thm3_3_tight": 0.5 / (1 + step) if step else 0.0, "thm3_3_eigen": 0.25 / (1 + step),
                         "eps_rank_l1_e1e-06": r - 1, "eps_rank_l2_e1e-06": r, "eps_rank_l3_e1e-06": np.nan,
                         "loss@paper": 30.0 / (1 + step + seed), "eps_rank@paper": r + 2,
                         "thm3_3_tight@paper": 3.0, "thm3_3_eigen@paper": 2.0,
                         "eps_rank_l1_e1e-06@paper": r + 1, "eps_rank_l2_e1e-06@paper": r + 2})
    return pd.DataFrame(rows)


def _ydata(ax) -> list[list[float]]:
    return [list(np.asarray(line.get_ydata(), dtype=float)) for line in ax.get_lines()]


def test_staircase_figure_draws_loss_rank_and_bounds_of_its_convention():
    traj = _traj()
    fig = staircase_figure(traj, "integral", caption="settings", rank_eps=1e-6)
    assert isinstance(fig, matplotlib.figure.Figure)
    first = fig.axes[0]  # config "a": every seed's loss, the first opaque
    assert _ydata(first) == [[1.0, 1 / 11, 1 / 21], [0.5, 1 / 12, 1 / 22]]
    assert [line.get_alpha() for line in first.get_lines()] == [1.0, 0.4]
    assert "MLP, 2 hidden layers of 8 tanh neurons, torch init" == first.get_title()
    twins = [ax for ax in fig.axes if ax.get_ylabel() == "ε-rank"]
    assert _ydata(twins[0]) == [[1, 2, 3], [2, 3, 4]] and twins[0].get_ylim() == (0, 10)  # 0 … width + 2
    bound_axis = next(ax for ax in fig.axes if ax.get_title().startswith("Thm 3.3 lower bounds"))
    loss, tight, eigen = _ydata(bound_axis)
    assert loss == [1.0, 1 / 11, 1 / 21] and eigen == [0.25, 0.25 / 11, 0.25 / 21]
    assert np.isnan(tight[0]) and tight[1:] == [0.5 / 11, 0.5 / 21]  # a zero bound is not drawn on the log axis
    paper = staircase_figure(traj, "paper", bound_config="b")
    assert _ydata(paper.axes[0])[0] == [30.0, 30 / 11, 30 / 21]  # the @paper columns under the plain names
    bound_axis = next(ax for ax in paper.axes if ax.get_title().startswith("Thm 3.3 lower bounds"))
    assert "1 hidden layer of 8" in bound_axis.get_title() and _ydata(bound_axis)[1] == [3.0] * 3
    with pytest.raises(ValueError, match=r"bound_config must be one of \['a', 'b'\], got 'c'"):
        staircase_figure(traj, bound_config="c")
    with pytest.raises(ValueError, match="traj holds no 'paper' columns"):
        staircase_figure(traj[["config", "seed", "step", "loss", "eps_rank"]], "paper")


def test_layer_ranks_figure_draws_every_recorded_layer_per_convention():
    fig = layer_ranks_figure(_traj(), "a", conventions=("integral", "paper"))
    assert isinstance(fig, matplotlib.figure.Figure)
    integral, paper = fig.axes[:2]
    assert integral.get_title() == "integral convention" and paper.get_title() == "paper convention"
    # the first seed only; layer 3 holds no record, so two lines
    assert _ydata(integral) == [[0, 1, 2], [1, 2, 3]]
    assert _ydata(paper) == [[2, 3, 4], [3, 4, 5]]
    assert [line.get_label() for line in integral.get_lines()] == ["layer 1", "layer 2"]


def test_spectrum_figure_draws_magnitudes_against_eps():
    spectra = pd.DataFrame({"config": ["a"] * 6, "seed": [0] * 6, "convention": ["integral"] * 3 + ["paper"] * 3,
                            "index": [0, 1, 2] * 2, "lambda": [2.0, 1e-3, 0.0, 40.0, 0.02, -1e-9]})
    fig = spectrum_figure(spectra, eps=1e-4)
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    integral, paper, eps = ax.get_lines()
    assert list(integral.get_xdata()) == [1, 2, 3]  # 1-based index
    np.testing.assert_array_equal(integral.get_ydata(), [2.0, 1e-3, np.nan])  # λ = 0: no point on the log axis
    np.testing.assert_array_equal(paper.get_ydata(), [40.0, 0.02, 1e-9])  # |λ| of a negative round-off eigenvalue
    assert list(eps.get_ydata()) == [1e-4, 1e-4]
    assert integral.get_color() != paper.get_color()


def test_thm3_2_figure_draws_both_bounds_and_the_line_of_equality():
    df = pd.DataFrame({"rhs_paper": [4.0, 40.0], "rhs_tight": [2.0, 20.0], "approx_error2": [1e-3, 1e-2]})
    fig = thm3_2_figure(df)
    assert isinstance(fig, matplotlib.figure.Figure)
    paper, tight, equality = fig.axes[0].get_lines()
    assert list(paper.get_xdata()) == [4.0, 40.0] and list(tight.get_xdata()) == [2.0, 20.0]
    assert list(paper.get_ydata()) == list(tight.get_ydata()) == [1e-3, 1e-2]
    assert list(equality.get_xdata()) == list(equality.get_ydata()) == [2.0, 40.0]
    empty = thm3_2_figure(df.iloc[:0])
    assert len(empty.axes[0].get_lines()) == 2  # no points: no line of equality
