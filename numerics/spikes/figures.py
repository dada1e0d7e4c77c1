"""Figures for the one-step spikes experiment (arXiv 2310.07891): the spectrum of F with the control
bulk edge, the outlier count against α beside the predicted staircase ℓ(α), and the test MSE against α.

Each function builds and returns a `matplotlib.figure.Figure` (no pyplot state, no backend
selection); the experiment saves it with `numerics.io.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from numerics.spikes import measure as S
from theory import spikes as T

__all__ = ["spectrum_figure", "count_figure", "error_figure"]


def _axes(width: float = 6, height: float = 3.5) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def spectrum_figure(spectrum: tuple[np.ndarray, float, str]) -> Figure:
    """Histogram of the singular values of F, the control bulk edge and 1.02 × edge, each outlier s > 1.02·edge marked.

    Args:
        spectrum: (s, edge, title): every singular value of F (1-D), the control's top singular value, a caption.
    """
    fig, ax = _axes()
    s, edge, label = spectrum
    ax.hist(s, bins=80, color="0.6")
    ax.axvline(edge, color="k", ls="--", label="control bulk edge")
    ax.axvline(S.EDGE_FACTOR * edge, color="k", ls=":", label="1.02 × edge")
    for v in s[s > S.EDGE_FACTOR * edge]:
        ax.axvline(v, color="C3")
    ax.set_xlabel("singular value of F")
    ax.set_yscale("log")
    ax.set_title(label)
    ax.legend(fontsize=8)
    return fig


def count_figure(counts: pd.DataFrame) -> Figure:
    """Measured outlier counts (mean over seeds) against α beside the predicted staircase
    ℓ(α) = #{k ≥ 1 : μ_k ≠ 0, k < 1/(1 − 2α)}, over degrees ≤ 8 and ≤ 2.

    Args:
        counts: the experiment's ``counts`` table (columns ``activation``, ``alpha``, ``measured``).
    """
    fig, ax = _axes()
    grid = np.linspace(0, 0.499, 500)
    for i, act in enumerate(sorted(counts["activation"].unique())):
        sel = counts[counts["activation"] == act].groupby("alpha")["measured"].mean()
        mus = list(S.activation(act).mu)
        ax.step(grid, [T.spike_count(float(a), mus, max_degree=S.HERMITE_KMAX) for a in grid], where="post",
                color=f"C{i}", alpha=0.5, label=f"{act}: ℓ(α), degrees ≤ {S.HERMITE_KMAX}")
        ax.step(grid, [T.spike_count(float(a), mus, max_degree=2) for a in grid], where="post", color=f"C{i}",
                ls="--", lw=0.8, alpha=0.8, label=f"{act}: ℓ(α), degrees ≤ 2")
        ax.plot(sel.index + 0.004 * (i - 1), sel.values, "o", color=f"C{i}", label=f"{act}: measured (mean over seeds)")
    ax.set_xlabel("α (η ∝ n^α)")
    ax.set_ylabel("spikes")
    ax.set_ylim(-0.2, 4.5)
    ax.legend(fontsize=7)
    return fig


def error_figure(summary: pd.DataFrame) -> Figure:
    """Test MSE (mean ± std over seeds) against α, with the random-features (η = 0) baseline as a line.

    Args:
        summary: the experiment's ``test_error_summary`` table (`numerics.spikes.experiment.error_summary`:
            columns ``activation``, ``alpha`` with ``"RF"`` for η = 0, ``mean``, ``std``).
    """
    fig, ax = _axes()
    for i, act in enumerate(summary["activation"].unique()):
        sel = summary[(summary["activation"] == act) & (summary["alpha"] != "RF")]
        ax.errorbar(sel["alpha"].astype(float), sel["mean"], yerr=sel["std"], fmt="o-", color=f"C{i}", label=act)
        rf = summary[(summary["activation"] == act) & (summary["alpha"] == "RF")]["mean"].iloc[0]
        ax.axhline(rf, color=f"C{i}", ls=":", label=f"{act} random features (η=0)")
    ax.axvline(0.25, color="k", lw=0.5)
    ax.set_xlabel("α")
    ax.set_ylabel("test MSE (mean ± std over seeds)")
    ax.legend(fontsize=7)
    return fig
