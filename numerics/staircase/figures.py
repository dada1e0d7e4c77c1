"""Figures of the staircase experiment (arXiv 2412.05144, Fig. 2 and Fig. 3 style). Each function returns a
`matplotlib.figure.Figure`; the caller saves it with `numerics.io.save_figure`.

- `staircase_figure`: one panel per configuration with the loss on a log axis and the ε-rank as a step
  ladder on a twin axis (Fig. 2), plus one panel that draws the Thm 3.3 lower bounds (tight and eigen
  variants) under the measured loss along one trajectory.
- `layer_ranks_figure`: the ε-rank of every hidden layer against the iteration (Fig. 3), one axis per
  convention.
- `spectrum_figure`: the final Gram eigenvalues of the last hidden layer against ε, both conventions.
- `thm3_2_figure`: the realised Thm 3.2 error against its bound C·K·ε for both K, on random features.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from numerics.staircase.training import convention_view, layer_columns

__all__ = ["staircase_figure", "layer_ranks_figure", "spectrum_figure", "thm3_2_figure"]

_LOSS, _RANK, _TIGHT, _EIGEN = "tab:blue", "tab:red", "tab:green", "tab:purple"
_CONV_COLOURS = {"integral": "tab:blue", "paper": "tab:orange"}


def _words(g: pd.DataFrame, label: str) -> str:
    row = g.iloc[0]
    if "depth" not in g:
        return label
    arch = "ResNet" if bool(row.get("residual", False)) else "MLP"
    depth = int(row["depth"])
    layers = "1 hidden layer" if depth == 1 else f"{depth} hidden layers"
    return f"{arch}, {layers} of {int(row['width'])} {row['activation']} neurons, {row['init']} init"


def staircase_figure(traj: pd.DataFrame, convention: str = "integral", *, caption: str = "",
                     rank_eps: float = 1e-6, bound_config: str | None = None) -> Figure:
    """Fig. 2 in the paper's style, plus the Thm 3.3 bound panel.

    Args:
        traj: a trajectory of `numerics.staircase.training` (columns of ``convention`` present).
        convention: ``"integral"`` or ``"paper"``: which loss, ε-rank and bounds to draw.
        caption: the settings line printed under the panels.
        rank_eps: ε of the rank ladder (for the axis label).
        bound_config: the configuration whose first seed the bound panel follows (default: the first).
    """
    view = convention_view(traj, convention)
    configs = list(dict.fromkeys(view["config"]))
    bound_config = bound_config or configs[0]
    if bound_config not in configs:
        raise ValueError(f"bound_config must be one of {configs}, got {bound_config!r}")
    panels = len(configs) + 1
    cols = 2 if panels <= 3 else 3
    rows = math.ceil((panels + 1) / cols)  # one slot more than panels: it holds the legend, off the curves
    fig = Figure(figsize=(5.2 * cols, 3.4 * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    handles: dict[str, Any] = {}
    for ax, label in zip(axes, configs):
        g = view[view["config"] == label]
        twin = ax.twinx()
        for i, (_, h) in enumerate(g.groupby("seed")):
            alpha = 1.0 if i == 0 else 0.4
            (ln,) = ax.semilogy(h["step"], h["loss"], color=_LOSS, lw=1.0, alpha=alpha)
            (lr,) = twin.plot(h["step"], h["eps_rank"], color=_RANK, lw=1.2, alpha=alpha, drawstyle="steps-post")
            if i == 0:
                handles["loss Σ w (u − u*)² (left, log)"] = ln
                handles[f"ε-rank of the last hidden layer, ε = {rank_eps:g} (right)"] = lr
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss", color=_LOSS)
        twin.set_ylabel("ε-rank", color=_RANK)
        if "width" in g:
            twin.set_ylim(0, int(g["width"].max()) + 2)
        ax.set_title(_words(g, label), fontsize=9)
    ax = axes[len(configs)]
    g = view[view["config"] == bound_config]
    h = g[g["seed"] == g["seed"].iloc[0]]
    ax.semilogy(h["step"], h["loss"], color=_LOSS, lw=1.2)
    for name, colour, text in (("thm3_3_tight", _TIGHT, "Thm 3.3 bound, tight K = (p+1)(n−p)"),
                               ("thm3_3_eigen", _EIGEN, "Thm 3.3 bound, eigen variant (d = dist(u*, G_p))")):
        if name in h:
            vals = h[name].to_numpy(dtype=float)
            (lb,) = ax.semilogy(h["step"], np.where(vals > 0, vals, np.nan), color=colour, lw=1.2)
            handles[text] = lb
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss and its lower bounds")
    ax.set_title(f"Thm 3.3 lower bounds under the measured loss\n({_words(g, bound_config)}, seed {int(h['seed'].iloc[0])})",
                 fontsize=9)
    for extra in axes[panels:]:
        extra.set_axis_off()
    axes[panels].legend(list(handles.values()), list(handles), loc="center", fontsize=8, frameon=False)
    fig.suptitle(f"Loss and ε-rank during training ({convention} convention); bounds that are 0 are not drawn",
                 fontsize=10)
    if caption:
        fig.supxlabel(caption, fontsize=7)
    return fig


def layer_ranks_figure(traj: pd.DataFrame, label: str, *, rank_eps: float = 1e-6,
                       conventions: tuple[str, ...] = ("integral",)) -> Figure:
    """ε-rank of every hidden layer against the iteration for one configuration (first seed), as Fig. 3."""
    fig = Figure(figsize=(5.2 * len(conventions), 3.6), layout="constrained")
    axes = fig.subplots(1, len(conventions), squeeze=False).ravel()
    for ax, conv in zip(axes, conventions):
        view = convention_view(traj, conv)
        g = view[view["config"] == label]
        g = g[g["seed"] == g["seed"].iloc[0]]
        for k, col in layer_columns(g, rank_eps):
            ax.plot(g["step"], g[col], drawstyle="steps-post", label=f"layer {k}")
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"ε-rank (ε = {rank_eps:g})")
        ax.set_title(f"{conv} convention", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)
    g0 = traj[traj["config"] == label]
    fig.suptitle(f"ε-rank of each hidden layer during training: {_words(g0, label)}, seed {int(g0['seed'].iloc[0])}",
                 fontsize=9)
    return fig


def spectrum_figure(spectra: pd.DataFrame, *, eps: float = 1e-6, caption: str = "") -> Figure:
    """Final Gram eigenvalues of the last hidden layer (descending) against ε, one panel per configuration.

    ``spectra`` has columns ``config, seed, convention, index, lambda`` (see
    `numerics.staircase.experiment.final_spectra`); every seed is drawn, the convention sets the colour.
    """
    configs = list(dict.fromkeys(spectra["config"]))
    cols = 2 if len(configs) <= 3 else 3
    rows = math.ceil((len(configs) + 1) / cols)  # the last slot holds the legend
    fig = Figure(figsize=(5.2 * cols, 3.4 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    handles: dict[str, Any] = {}
    for ax, label in zip(axes, configs):
        g = spectra[spectra["config"] == label]
        for (conv, _seed), h in g.groupby(["convention", "seed"], sort=False):
            lam = np.abs(h["lambda"].to_numpy(dtype=float))
            (ln,) = ax.semilogy(h["index"] + 1, np.where(lam > 0, lam, np.nan), ".", ms=3, alpha=0.6,
                                color=_CONV_COLOURS.get(conv, "k"))
            handles.setdefault(f"{conv} convention: |λ_i(M)|", ln)
        eline = ax.axhline(eps, color="k", lw=0.8, ls="--")
        handles[f"ε = {eps:g}"] = eline
        ax.set_xlabel("eigenvalue index i")
        ax.set_ylabel("|λ_i|")
        ax.set_title(label, fontsize=9)
    for extra in axes[len(configs):]:
        extra.set_axis_off()
    axes[len(configs)].legend(list(handles.values()), list(handles), loc="center", fontsize=8, frameon=False)
    fig.suptitle("Final Gram eigenvalues of the last hidden layer against ε", fontsize=10)
    if caption:
        fig.supxlabel(caption, fontsize=7)
    return fig


def thm3_2_figure(df: pd.DataFrame) -> Figure:
    """Realised ‖f − f̃‖² against the Thm 3.2 bound C·K·ε for both K (log-log), with the line of equality.

    ``df`` holds the columns ``rhs_paper``, ``rhs_tight`` and ``approx_error2`` of the quantities table of
    `numerics.staircase.experiment.thm3_2_experiment`, one row per point.
    """
    fig = Figure(figsize=(5.5, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.loglog(df.rhs_paper, df.approx_error2, "o", ms=3, alpha=0.6, label="K = (p+1)(n−p)² (paper)")
    ax.loglog(df.rhs_tight, df.approx_error2, "s", ms=3, alpha=0.6, label="K = (p+1)(n−p) (ours)")
    if len(df):
        lo, hi = df.rhs_tight.min(), df.rhs_paper.max()
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="equality")
    ax.set_xlabel("bound C·K·ε")
    ax.set_ylabel("realised ‖f − f̃‖² (≈1e-30: exactly dependent ReLU neurons)")
    ax.set_title("Thm 3.2 on random features: realised error below the bound")
    fig.legend(loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    return fig
