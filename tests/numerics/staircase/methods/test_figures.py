"""numerics.staircase.methods.figures: each function returns a Figure (no pyplot) and draws the columns it is given."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import matplotlib.figure
import numpy as np
import pandas as pd

from numerics.staircase.methods.figures import pinn_figure, plot_layer_ranks, plot_loss_rank, rfm_figure

BOTH = ("integral", "paper")


def _ydata(ax):
    return [list(line.get_ydata()) for line in ax.get_lines()]


def test_figures_are_returned_not_drawn_on_pyplot():
    backend = matplotlib.get_backend()
    traj = pd.DataFrame({"config": "a", "step": [0, 10], "mse": [1.0, 0.1], "eps_rank": [3, 5],
                         "eps_rank@paper": [4, 6]})
    fig = plot_loss_rank(traj, "config", {"a": "net"}, BOTH, title="t", caption="c")
    assert isinstance(fig, matplotlib.figure.Figure)
    ranks_axis = fig.axes[1]
    assert _ydata(ranks_axis) == [[3, 5], [4, 6]]
    assert [line.get_linestyle() for line in ranks_axis.get_lines()] == ["-", "--"]
    assert matplotlib.get_backend() == backend


def test_layer_ranks_draw_every_layer_under_every_convention():
    traj = pd.DataFrame({"step": [0, 10], **{f"eps_rank_l{k}_e1e-06": [k, k + 1] for k in (1, 2)},
                         **{f"eps_rank_l{k}_e1e-06@paper": [10 + k, 11 + k] for k in (1, 2)}})
    fig = plot_layer_ranks({"net A": traj, "net B": traj.assign(**{"eps_rank_l1_e1e-06": [7, 8]})}, 2, BOTH,
                           title="t", caption="c")
    assert isinstance(fig, matplotlib.figure.Figure)
    a, b = fig.axes[:2]
    assert a.get_title() == "net A" and b.get_title() == "net B"
    assert _ydata(a) == [[1, 2], [11, 12], [2, 3], [12, 13]]  # layer 1 (integral, paper), layer 2 (…)
    assert _ydata(b)[0] == [7, 8]
    assert "ε=1e-06" in a.get_ylabel()


def test_pinn_figure_draws_loss_error_and_rank_per_initialisation():
    traj = pd.DataFrame({"config": ["UDI", "UDI", "Xavier", "Xavier"], "step": [0, 10, 0, 10],
                         "loss": [1.0, 0.5, 2.0, 0.4], "l2_error": [0.3, 0.2, 0.6, 0.1],
                         "eps_rank": [40, 45, 7, 20], "eps_rank@paper": [42, 47, 9, 22]})
    fig = pinn_figure(traj, ["UDI", "Xavier"], BOTH, caption="c")
    assert isinstance(fig, matplotlib.figure.Figure)
    loss, err, rank = fig.axes[:3]
    assert _ydata(loss) == [[1.0, 0.5], [2.0, 0.4]] and _ydata(err) == [[0.3, 0.2], [0.6, 0.1]]
    assert _ydata(rank) == [[40, 45], [42, 47], [7, 20], [9, 22]]


def test_rfm_figure_draws_each_spectrum_beside_eps_and_the_cutoff_sweep():
    spectra = {"integral": np.array([1.0, 1e-3, 0.0]), "paper": np.array([2.0, 1e-2, 1e-8])}
    elm = SimpleNamespace(spectra=spectra, eps_ranks={"integral": 2, "paper": 3})
    rfm = SimpleNamespace(spectra={c: 10 * v for c, v in spectra.items()}, eps_ranks={"integral": 3, "paper": 3})
    sweep = pd.DataFrame({"method": ["elm", "elm", "rfm", "rfm"], "rcond": [1e-15, 1e-8] * 2,
                          "l2_error": [1e-3, 2e-3, 1e-5, 3e-5]})
    fig = rfm_figure(((elm, "ELM"), (rfm, "RFM")), sweep, BOTH, caption="c")
    assert isinstance(fig, matplotlib.figure.Figure)
    spec, cut = fig.axes[:2]
    lines = spec.get_lines()
    # λ = 0 is drawn at 1e-300 on the log axis (not dropped), then the ε line
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 1e-3, 1e-300])
    assert [line.get_label() for line in lines[:2]] == ["ELM, integral: r_ε=2", "ELM, paper: r_ε=3"]
    assert list(lines[-1].get_ydata()) == [1e-6, 1e-6]
    assert _ydata(cut) == [[1e-3, 2e-3], [1e-5, 3e-5]]
