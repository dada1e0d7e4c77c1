"""Figures of the §4 methods experiments (arXiv 2412.05144, Figs. 3–8 style). Each function returns a
`matplotlib.figure.Figure`; `numerics.staircase.methods.experiment` saves it with `numerics.io.save_figure`.

Every ε-rank curve is drawn once per measurement convention from the same run, solid for
``"integral"`` and dashed for ``"paper"``; ε is the paper's 1e-6 (`numerics.staircase.methods.config.EPS`).

- `plot_loss_rank`: loss (log axis) and last-layer ε-rank per group (Figs. 4–6).
- `plot_layer_ranks`: the ε-rank of every hidden layer, one panel per network (Figs. 3, 9–10).
- `pinn_figure`: PINN loss, L² error and ε-rank per initialisation (Fig. 7).
- `rfm_figure`: Gram spectra of ELM and PoU-RFM features and the error against the least-squares
  cut-off (Fig. 8).
"""

from __future__ import annotations

import textwrap
from typing import Any, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from numerics.staircase.methods.config import EPS
from numerics.staircase.training import column, rank_column

__all__ = ["plot_loss_rank", "plot_layer_ranks", "pinn_figure", "rfm_figure"]

_STYLE = {"integral": "-", "paper": "--"}


def _new_figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, layout="constrained")


def _caption(fig: Figure, text: str, width: int = 170) -> None:
    fig.supxlabel(textwrap.fill(text, width), fontsize=7)


def plot_loss_rank(traj: pd.DataFrame, key: str, labels: dict[Any, str], conventions: Sequence[str], *,
                   title: str, caption: str, loss: str = "mse", loss_label: str = "MSE (L²/|Ω|)",
                   rank: str = "eps_rank", size: tuple[float, float] = (11, 4)) -> Figure:
    """Loss (log axis) and last-layer ε-rank per group, one line style per convention.

    Args:
        traj: a trajectory with columns ``step``, ``key``, ``loss`` and ``rank`` (``…@paper`` per convention).
        labels: ``{value of key: legend label}``, in drawing order.
    """
    fig = _new_figure(size)
    ax1, ax2 = fig.subplots(1, 2)
    for i, (g, lab) in enumerate(labels.items()):
        t = traj[traj[key] == g]
        colour = f"C{i}"
        ax1.semilogy(t["step"], t[loss], color=colour, label=lab)
        for c in conventions:
            ax2.step(t["step"], t[column(rank, c)], where="post", color=colour, ls=_STYLE[c], label=f"{lab} ({c})")
    ax1.set(xlabel="step", ylabel=loss_label, title="loss")
    ax2.set(xlabel="step", ylabel=f"ε-rank (ε={EPS:g})", title="ε-rank of the last hidden layer")
    ax1.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title)
    _caption(fig, caption)
    return fig


def plot_layer_ranks(trajs: dict[str, pd.DataFrame], depth: int, conventions: Sequence[str], *, title: str,
                     caption: str, size: tuple[float, float] = (11, 4)) -> Figure:
    """Per-layer ε-rank per panel (one panel per network ``{title: trajectory}``, layers 1…``depth``), one
    line style per convention."""
    fig = _new_figure(size)
    axes = np.atleast_1d(fig.subplots(1, len(trajs), sharey=True))
    for ax, (name, t) in zip(axes, trajs.items()):
        for k in range(1, depth + 1):
            for c in conventions:
                ax.step(t["step"], t[rank_column(k, EPS, c)], where="post", color=f"C{k - 1}", ls=_STYLE[c],
                        label=f"layer {k} ({c})")
        ax.set(xlabel="step", title=name)
    axes[0].set_ylabel(f"ε-rank (ε={EPS:g})")
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title)
    _caption(fig, caption)
    return fig


def pinn_figure(traj: pd.DataFrame, labels: Sequence[str], conventions: Sequence[str], *, caption: str) -> Figure:
    """PINN loss (eq. 4.4), L² error to u* and last-layer ε-rank against the step, one colour per ``labels``
    entry (the trajectory's ``config``), one line style per convention (Example 4.2, Fig. 7)."""
    fig = _new_figure((15, 4))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for i, lab in enumerate(labels):
        t = traj[traj["config"] == lab]
        ax1.semilogy(t["step"], t["loss"], color=f"C{i}", label=lab)
        ax2.semilogy(t["step"], t["l2_error"], color=f"C{i}", label=lab)
        for c in conventions:
            ax3.step(t["step"], t[column("eps_rank", c)], where="post", color=f"C{i}", ls=_STYLE[c],
                     label=f"{lab} ({c})")
    ax1.set(xlabel="step", ylabel="loss (4.4)", title="PINN loss")
    ax2.set(xlabel="step", ylabel="‖u − u*‖ (L²)", title="error to the exact solution")
    ax3.set(xlabel="step", ylabel=f"ε-rank (ε={EPS:g})", title="ε-rank of the last hidden layer")
    for ax in (ax1, ax2, ax3):
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Example 4.2: Poisson PINN, uniform-density first layer against Xavier")
    _caption(fig, caption)
    return fig


def rfm_figure(fits: Sequence[tuple[Any, str]], sweep: pd.DataFrame, conventions: Sequence[str], *,
               caption: str) -> Figure:
    """ELM against PoU-RFM (Example 4.3, Fig. 8): the Gram spectrum λ_i(M) of each fit's features under
    each convention beside ε, and the L² error against the least-squares cut-off.

    Args:
        fits: ``[(fit, label), …]`` in colour order, each fit with ``spectra`` and ``eps_ranks`` per
            convention (`numerics.staircase.methods.random_features.fit_random_features`).
        sweep: rows ``method, rcond, l2_error`` of one seed; methods ``"elm"`` and ``"rfm"``.
    """
    fig = _new_figure((12, 4))
    ax1, ax2 = fig.subplots(1, 2)
    for i, (fit, lab) in enumerate(fits):
        for c in conventions:
            lam = np.clip(fit.spectra[c], 1e-300, None)
            ax1.semilogy(np.arange(1, lam.size + 1), lam, color=f"C{i}", ls=_STYLE[c],
                         label=f"{lab}, {c}: r_ε={fit.eps_ranks[c]}")
    ax1.axhline(EPS, color="k", ls=":", lw=0.8, label=f"ε={EPS:g}")
    ax1.set_ylim(1e-18, None)
    ax1.set(xlabel="index i", ylabel="λ_i(M)", title="Gram spectrum of the features")
    for i, (method, lab) in enumerate((("elm", "ELM"), ("rfm", "PoU-RFM"))):
        tm = sweep[sweep["method"] == method]
        ax2.loglog(tm["rcond"], tm["l2_error"], "o-", color=f"C{i}", label=lab)
    ax2.set(xlabel="least-squares cut-off rcond (σ_i/σ_1)", ylabel="‖u − u*‖ (L²)",
            title="error against the least-squares cut-off")
    for ax in (ax1, ax2):
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Example 4.3: ELM against partition-of-unity RFM (no training)")
    _caption(fig, caption)
    return fig
