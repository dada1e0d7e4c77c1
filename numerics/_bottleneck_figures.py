"""Figures for the bottleneck experiment: per-layer singular-value heat map (as in arXiv 2305.19008) and depth trends."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from numerics._bottleneck_measure import layer_singular_values  # noqa: E402
from numerics.io import save_figure  # noqa: E402

__all__ = ["heatmap_figure", "depth_figure"]


def heatmap_figure(models, depths, path: Path, *, top: int = 10, config=None, seed=None) -> Path:
    """One panel per depth: log10 s_i(W_ℓ) for the first ``top`` singular values (rows i, columns ℓ)."""
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.0), squeeze=False, constrained_layout=True)
    vmin, vmax = -3.0, 0.5
    im = None
    for ax, model, L in zip(axes[0], models, depths):
        sv = layer_singular_values(model)
        grid = np.full((top, len(sv)), np.nan)
        for ell, s in enumerate(sv):
            n = min(top, s.size)
            grid[:n, ell] = np.log10(np.maximum(s[:n], 1e-12))
        im = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax, origin="upper",
                       extent=(0.5, len(sv) + 0.5, top + 0.5, 0.5))
        ax.set_title(f"L = {L}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer ℓ")
        if ax is axes[0][0]:
            ax.set_ylabel("singular value index i")
    fig.colorbar(im, ax=axes[0].tolist(), label="log10 s_i(W_ℓ)")
    fig.suptitle("log10 singular values of W_ℓ: k (or k+1) bright rows in the middle layers = bottleneck", fontsize=9, y=1.02)
    path = save_figure(fig, path, config=config, seed=seed)
    plt.close(fig)
    return path


def depth_figure(depth_table: pd.DataFrame, path: Path, *, config=None, seed=None) -> Path:
    """‖θ‖²/L and the fraction of layers outside the bottleneck, against depth."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.0, 2.8))
    a.plot(depth_table["depth"], depth_table["theta_norm2_over_L"], "o-")
    a.axhline(float(depth_table["k"].iloc[0]), color="grey", ls="--", label="R⁽⁰⁾ = k")
    a.set_xlabel("depth L")
    a.set_ylabel("‖θ‖² / L")
    a.legend()
    b.plot(depth_table["depth"], depth_table["deviation_fraction"], "o-")
    b.set_xlabel("depth L")
    b.set_ylabel("fraction of layers\noutside the bottleneck")
    b.set_ylim(0, 1)
    fig.tight_layout()
    path = save_figure(fig, path, config=config, seed=seed)
    plt.close(fig)
    return path
