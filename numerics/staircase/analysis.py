"""Staircase analysis of one training trajectory: plateaus and steps of the ε-rank, loss drop per step,
and rank–loss correlations (the staircase phenomenon of arXiv 2412.05144, §2, Figs. 1–2).

Segmentation (`segment_staircase`), on records (t_i, r_i) with t increasing and r the ε-rank:

1. Smooth: r̃_i = median of r over the ``window`` records centred on i (shrunk at the ends), so
   a one-record blip (a rank that flickers at the ε threshold) is not a step.
2. Runs: maximal blocks of consecutive records with equal r̃.
3. Plateaus: runs of at least ``min_plateau`` records, plus the first and the last run (the
   trajectory's start and end levels are always plateaus). Adjacent plateaus of equal level merge.
4. Steps: between consecutive plateaus P, P' with level(P') − level(P) ≥ ``min_rise``. A step starts
   at the last record of P and ends at the first record of P'; it gains level(P') − level(P).
   A fall of at least ``min_rise`` is a *drop* (kept apart: the staircase is about rises).

Loss drop over a step: ``loss_before`` at the step's start record, ``loss_after`` at its end
record, and ``log10_drop`` = log10(loss_before / loss_after) (positive when the loss fell).
Correlations: Spearman ρ and Kendall τ between ε-rank and log-loss, with scipy p-values; both
are rank statistics, so they equal those of rank against the loss itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats

from numerics.validation import positive_int, to_numpy

__all__ = [
    "Staircase",
    "segment_staircase",
    "rank_loss_correlation",
    "analyse_trajectory",
]

_STEP_COLUMNS = ["start_step", "end_step", "rank_before", "rank_after", "rank_gain", "loss_before", "loss_after",
                 "log10_drop"]
_PLATEAU_COLUMNS = ["start_step", "end_step", "level", "records"]


@dataclass(frozen=True)
class Staircase:
    """The segmentation of one trajectory.

    Attributes:
        plateaus: one row per plateau: ``start_step, end_step, level, records``.
        steps: one row per upward step: ``start_step, end_step, rank_before, rank_after, rank_gain``
            and, when losses were given, ``loss_before, loss_after, log10_drop``.
        drops: the downward transitions, same columns as ``steps`` (negative ``rank_gain``).
        smoothed: r̃, the median-smoothed ranks.
    """

    plateaus: pd.DataFrame
    steps: pd.DataFrame
    drops: pd.DataFrame
    smoothed: np.ndarray

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    @property
    def total_gain(self) -> int:
        return int(self.steps["rank_gain"].sum()) if len(self.steps) else 0


def _vector(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(to_numpy(x, name), dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must be non-empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)][:3].tolist()}")
    return arr


def _running_median(r: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    n = r.size
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        # shrink symmetrically at the ends so the window stays centred and odd
        k = min(i - lo, hi - 1 - i)
        out[i] = np.median(r[i - k : i + k + 1])
    return out


def segment_staircase(
    steps: Any,
    ranks: Any,
    losses: Any = None,
    *,
    window: int = 5,
    min_plateau: int = 3,
    min_rise: int = 1,
) -> Staircase:
    """Plateaus and steps of an ε-rank trajectory (the algorithm is in the module docstring).

    Args:
        steps: ``(T,)`` training steps of the records, strictly increasing.
        ranks: ``(T,)`` ε-ranks (non-negative integers).
        losses: optional ``(T,)`` positive losses, for the loss drop over each step.
        window: odd median-filter length in records (1 = no smoothing).
        min_plateau: records a run needs to be a plateau.
        min_rise: smallest level change that counts as a step (or a drop).
    """
    t = _vector(steps, "steps")
    r = _vector(ranks, "ranks")
    if r.size != t.size:
        raise ValueError(f"ranks must have the length of steps ({t.size}), got {r.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("steps must be strictly increasing")
    if np.any(r < 0) or np.any(r != np.round(r)):
        raise ValueError(f"ranks must be non-negative integers, got {r[(r < 0) | (r != np.round(r))][:3].tolist()}")
    loss = None
    if losses is not None:
        loss = _vector(losses, "losses")
        if loss.size != t.size:
            raise ValueError(f"losses must have the length of steps ({t.size}), got {loss.size}")
        if np.any(loss <= 0):
            raise ValueError(f"losses must be > 0, got {loss[loss <= 0][:3].tolist()}")
    window = positive_int(window, "window")
    if window % 2 == 0:
        raise ValueError(f"window must be odd, got {window}")
    min_plateau = positive_int(min_plateau, "min_plateau")
    min_rise = positive_int(min_rise, "min_rise")

    smooth = _running_median(r, window)
    # runs of equal smoothed value: [start, end] index pairs
    breaks = np.flatnonzero(np.diff(smooth) != 0) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks - 1, [r.size - 1]])
    plateaus: list[list[int]] = []  # [start_idx, end_idx, level]
    last = len(starts) - 1
    for k, (s, e) in enumerate(zip(starts, ends)):
        if e - s + 1 >= min_plateau or k == 0 or k == last:
            level = int(smooth[s])
            if plateaus and plateaus[-1][2] == level:
                plateaus[-1][1] = int(e)
            else:
                plateaus.append([int(s), int(e), level])

    up, down = [], []
    for (s0, e0, lev0), (s1, _e1, lev1) in zip(plateaus[:-1], plateaus[1:]):
        gain = lev1 - lev0
        if abs(gain) < min_rise:
            continue
        row: dict[str, Any] = {
            "start_step": t[e0], "end_step": t[s1], "rank_before": lev0, "rank_after": lev1, "rank_gain": gain,
            "loss_before": math.nan, "loss_after": math.nan, "log10_drop": math.nan,
        }
        if loss is not None:
            row["loss_before"] = float(loss[e0])
            row["loss_after"] = float(loss[s1])
            row["log10_drop"] = float(np.log10(loss[e0] / loss[s1]))
        (up if gain > 0 else down).append(row)
    plateau_rows = [{"start_step": t[s], "end_step": t[e], "level": lev, "records": e - s + 1} for s, e, lev in plateaus]
    smooth.setflags(write=False)
    return Staircase(
        plateaus=pd.DataFrame(plateau_rows, columns=_PLATEAU_COLUMNS),
        steps=pd.DataFrame(up, columns=_STEP_COLUMNS),
        drops=pd.DataFrame(down, columns=_STEP_COLUMNS),
        smoothed=smooth,
    )


def rank_loss_correlation(ranks: Any, losses: Any) -> dict[str, float]:
    """Spearman ρ and Kendall τ of (ε-rank, log10 loss), with two-sided p-values (scipy.stats).

    The staircase claim (arXiv 2412.05144 §2) predicts ρ, τ < 0. With fewer than 3 records, or a
    constant rank or loss, the correlations are undefined and returned as NaN.
    """
    r = _vector(ranks, "ranks")
    loss = _vector(losses, "losses")
    if r.size != loss.size:
        raise ValueError(f"losses must have the length of ranks ({r.size}), got {loss.size}")
    if np.any(loss <= 0):
        raise ValueError(f"losses must be > 0 for the log, got {loss[loss <= 0][:3].tolist()}")
    out = {"n": float(r.size), "spearman": math.nan, "spearman_p": math.nan, "kendall": math.nan, "kendall_p": math.nan}
    logloss = np.log10(loss)
    if r.size < 3 or np.ptp(r) == 0 or np.ptp(logloss) == 0:
        return out
    sp = scipy.stats.spearmanr(r, logloss)
    kt = scipy.stats.kendalltau(r, logloss)
    out.update(spearman=float(sp.statistic), spearman_p=float(sp.pvalue), kendall=float(kt.statistic),
               kendall_p=float(kt.pvalue))
    return out


def analyse_trajectory(traj: pd.DataFrame, *, rank_column: str = "eps_rank", **segment_kwargs: Any) -> dict[str, Any]:
    """Staircase summary of one member's trajectory (columns ``step``, ``loss`` and ``rank_column``).

    Returns ``n_steps``, ``total_gain``, ``first_step_at``/``last_step_at`` (the end step of the first/
    last rise), ``rank_start``/``rank_end``, ``max_log10_drop`` (the largest loss drop over one step),
    the `rank_loss_correlation` fields, ``rise_until`` (the first step at which the median-smoothed
    rank reaches its maximum) and ``spearman_rise``: Spearman ρ over the records up to then (the
    rising phase, without the saturated tail where the rank only flickers).
    """
    for col in ("step", "loss", rank_column):
        if col not in traj.columns:
            raise ValueError(f"traj lacks column {col!r}; it has {list(traj.columns)}")
    stair = segment_staircase(traj["step"].to_numpy(), traj[rank_column].to_numpy(), traj["loss"].to_numpy(),
                              **segment_kwargs)
    corr = rank_loss_correlation(traj[rank_column].to_numpy(), traj["loss"].to_numpy())
    st = stair.steps
    peak = int(np.argmax(stair.smoothed))  # first record at which the smoothed rank reaches its maximum
    corr_rise = rank_loss_correlation(traj[rank_column].to_numpy()[: peak + 1], traj["loss"].to_numpy()[: peak + 1])
    return {
        "n_steps": stair.n_steps,
        "total_gain": stair.total_gain,
        "first_step_at": float(st["end_step"].iloc[0]) if len(st) else math.nan,
        "last_step_at": float(st["end_step"].iloc[-1]) if len(st) else math.nan,
        "rank_start": int(traj[rank_column].iloc[0]),
        "rank_end": int(traj[rank_column].iloc[-1]),
        "max_log10_drop": float(st["log10_drop"].max()) if len(st) else math.nan,
        **{k: v for k, v in corr.items() if k != "n"},
        "rise_until": float(traj["step"].iloc[peak]),
        "spearman_rise": corr_rise["spearman"],
    }
