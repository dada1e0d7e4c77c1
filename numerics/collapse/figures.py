"""Figures for the neural-rank-collapse experiment (arXiv 2402.03991; bounds ours: proofs_notes/collapse.md):
the relative tail dist_F(W_ℓ, rank ≤ K)/‖W_ℓ‖_F against λ, and the within-class variability V(H_k)
against depth.

Each function builds and returns a `matplotlib.figure.Figure` (no pyplot state, no backend
selection); the experiment saves it with `numerics.io.save_figure`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from numerics.collapse.config import CollapseConfig
from numerics.collapse.measure import rows_where

__all__ = ["tail_figure", "variability_figure"]


def _subplots(n: int, width: float) -> tuple[Figure, list]:
    fig = Figure(figsize=(width * n, 4), layout="constrained")
    return fig, [fig.add_subplot(1, n, i + 1) for i in range(n)]


def tail_figure(layers: pd.DataFrame, cfg: CollapseConfig) -> Figure:
    """Relative tail dist_F(W_ℓ, rank ≤ K)/‖W_ℓ‖_F = √(Σ_{j>K} σ_j²)/‖W_ℓ‖_F against λ, one panel per loss.

    Args:
        layers: the experiment's ``layers`` table (one row per point and layer).
        cfg: the sweep; its first spread is drawn, λ = 0 sits one decade left of the smallest λ > 0.
    """
    s = cfg.spreads[0]
    lam_pos = lambda v: v if v > 0 else min(x for x in cfg.lambdas if x > 0) / 10  # noqa: E731
    fig, axes = _subplots(len(cfg.losses), 5)
    for ax, loss in zip(axes, cfg.losses):
        for regime, style in (("adam", "-o"), ("adam+lbfgs", "--s")):
            df = rows_where(layers, regime=regime, loss=loss, spread=s, bias=False)
            for layer in sorted(df["layer"].unique()):
                d = rows_where(df, layer=layer).sort_values("lam")
                if not (d["rel_tail_K"] > 0).any():
                    continue  # W_L is K×d: its distance to rank K is 0 by shape
                ax.plot([lam_pos(v) for v in d["lam"]], d["rel_tail_K"].clip(lower=1e-16), style,
                        label=f"W_{layer} ({regime})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("weight decay λ (leftmost point: λ = 0)")
        ax.set_ylabel("dist_F(W, rank≤K) / ‖W‖_F")
        ax.set_title(f"tail singular mass, {loss}, s={s} (W_L omitted: rank ≤ K by shape)", fontsize=9)
        ax.legend(fontsize=7)
    return fig


def variability_figure(networks: pd.DataFrame, cfg: CollapseConfig) -> Figure:
    """Within-class RMS variability V(H_k) against depth k for each λ (Adam points), one panel per loss.

    Args:
        networks: the experiment's ``networks`` table (one row per point, columns ``V_H0``, ``V_H1``, …).
        cfg: the sweep; its first spread is drawn.
    """
    s = cfg.spreads[0]
    fig, axes = _subplots(len(cfg.losses), 5)
    vcols = [c for c in networks.columns if c.startswith("V_H")]
    for ax, loss in zip(axes, cfg.losses):
        df = rows_where(networks, regime="adam", loss=loss, spread=s, bias=False).sort_values("lam")
        for _, row in df.iterrows():
            ax.plot(range(len(vcols)), row[vcols].to_numpy(float), "-o", label=f"λ={row['lam']:g}")
        ax.set_yscale("log")
        ax.set_xlabel("depth k (H_0 = input)")
        ax.set_ylabel("within-class RMS variability V(H_k)")
        ax.set_title(f"variability vs depth, {loss}, s={s}, Adam")
        ax.legend(fontsize=7)
    return fig
