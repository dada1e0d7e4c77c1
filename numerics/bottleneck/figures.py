"""Figures for the bottleneck experiment (arXiv 2305.19008): the per-layer singular-value heat map,
the 2-D middle-layer representation coloured by the latent angle, and depth trends.

Each function builds and returns a `matplotlib.figure.Figure` (no pyplot state, no backend
selection); the caller saves it with `numerics.io.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from numerics.bottleneck.measure import layer_singular_values, preactivations

__all__ = ["heatmap_figure", "representation_figure", "depth_figure"]


def heatmap_figure(models, depths, *, top: int = 10) -> Figure:
    """One panel per depth: log10 s_i(W_ℓ) for the first ``top`` singular values (rows i, columns ℓ)."""
    if len(models) != len(depths) or not models:
        raise ValueError(f"models and depths must be non-empty and of equal length, got {len(models)} and {len(depths)}")
    fig = Figure(figsize=(3.2 * len(models) + 0.8, 3.0), layout="constrained")
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    vmin, vmax = -2.5, 0.5
    im = None
    for ax, model, L in zip(axes, models, depths):
        sv = layer_singular_values(model)
        grid = np.full((top, len(sv)), np.nan)
        for ell, s in enumerate(sv):
            n = min(top, s.size)
            grid[:n, ell] = np.log10(np.maximum(s[:n], 1e-12))
        im = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax, origin="upper",
                       extent=(0.5, len(sv) + 0.5, top + 0.5, 0.5))
        ax.set_title(f"L = {L}  (L^-1/2 = {L ** -0.5:.2f})", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer ℓ")
        if ax is axes[0]:
            ax.set_ylabel("singular value index i")
    fig.colorbar(im, ax=list(axes), label="log10 s_i(W_ℓ)")
    fig.suptitle("singular values of W_ℓ: k (or k+1) bright rows through the middle layers = bottleneck", fontsize=9)
    return fig


def representation_figure(model, x, z, *, layers, k: int = 2) -> Figure:
    """Centred pre-activations α̃_ℓ(X) of the given layers projected on their top two principal
    directions, one panel per layer, coloured by the latent angle atan2(z_2, z_1) (cyclic colour map):
    the task's rotation symmetry shows as the colour wheel being preserved."""
    layers = list(layers)
    if not layers:
        raise ValueError("layers must name at least one hidden layer")
    reps = preactivations(model, x)[:-1]
    zz = np.asarray(z, dtype=np.float64)
    angle = np.arctan2(zz[:, 1], zz[:, 0])
    fig = Figure(figsize=(2.9 * len(layers) + 0.8, 2.9), layout="constrained")
    axes = fig.subplots(1, len(layers), squeeze=False)[0]
    sc = None
    for ax, ell in zip(axes, layers):
        if not 1 <= ell <= len(reps):
            raise ValueError(f"layers must be hidden layers 1..{len(reps)}, got {ell}")
        Z = reps[ell - 1] - reps[ell - 1].mean(axis=0, keepdims=True)
        U, S, _ = np.linalg.svd(Z, full_matrices=False)
        P = U[:, :2] * S[:2] / np.sqrt(Z.shape[0])
        lam = S**2
        share = float(lam[:k].sum() / lam.sum()) if lam.sum() > 0 else float("nan")
        sc = ax.scatter(P[:, 0], P[:, 1], c=angle, cmap="twilight", vmin=-np.pi, vmax=np.pi, s=6, linewidths=0)
        ax.set_title(f"layer ℓ = {ell}: top-{k} variance share {share:.3f}", fontsize=8)
        ax.set_xlabel("PC 1")
        ax.set_aspect("equal", adjustable="datalim")
        if ax is axes[0]:
            ax.set_ylabel("PC 2")
    fig.colorbar(sc, ax=list(axes), label="latent angle atan2(z₂, z₁)")
    fig.suptitle("centred hidden representations (pre-activations / √N) on their top two principal directions",
                 fontsize=9)
    return fig


def depth_figure(depth_table: pd.DataFrame) -> Figure:
    """‖θ‖²/L, the fraction of layers outside the bottleneck, and the RMS tail against L^{-1/2}, versus depth."""
    fig = Figure(figsize=(10.0, 2.9), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    a.plot(depth_table["depth"], depth_table["theta_norm2_over_L"], "o-")
    a.axhline(float(depth_table["k"].iloc[0]), color="grey", ls="--", label="R⁽⁰⁾ = k")
    a.set_xlabel("depth L")
    a.set_ylabel("‖θ‖² / L")
    a.legend()
    b.plot(depth_table["depth"], depth_table["deviation_fraction"], "o-")
    b.set_xlabel("depth L")
    b.set_ylabel("fraction of layers\noutside the bottleneck")
    b.set_ylim(0, 1)
    if "tail_rms" in depth_table:
        L = depth_table["depth"].to_numpy(dtype=float)
        c.loglog(L, depth_table["tail_rms"], "o-", label="RMS over layers of s_i(W_ℓ), i > k")
        if "middle_tail_max" in depth_table:
            c.loglog(L, depth_table["middle_tail_max"], "s-", label="max middle-layer s_{k+1}(W_ℓ)")
        ref = float(depth_table["tail_rms"].iloc[0]) * (L / L[0]) ** -0.5
        c.loglog(L, ref, "k--", label="∝ L^-1/2")
        c.set_xlabel("depth L")
        c.set_ylabel("tail singular values")
        c.legend(fontsize=7)
    else:
        c.set_axis_off()
    return fig
