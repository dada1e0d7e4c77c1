"""Staircase segmentation and rank–loss correlations on trajectories whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from numerics.staircase.analysis import analyse_trajectory, rank_loss_correlation, segment_staircase


def _staircase(levels, lengths, record_every=100):
    ranks = np.concatenate([np.full(k, lev) for lev, k in zip(levels, lengths)])
    steps = np.arange(ranks.size) * record_every
    return steps, ranks


def test_clean_staircase():
    steps, ranks = _staircase([4, 6, 18, 50], [10, 8, 12, 20])
    loss = np.concatenate([np.full(10, 0.5), np.full(8, 0.3), np.full(12, 1e-2), np.full(20, 1e-4)])
    s = segment_staircase(steps, ranks, loss)
    assert s.n_steps == 3 and s.total_gain == 46
    assert s.steps["rank_gain"].tolist() == [2, 12, 32]
    assert s.steps["rank_before"].tolist() == [4, 6, 18]
    assert s.steps["end_step"].tolist() == [1000, 1800, 3000]  # first record of each new level
    assert s.steps["start_step"].tolist() == [900, 1700, 2900]
    np.testing.assert_allclose(s.steps["log10_drop"], [math.log10(0.5 / 0.3), math.log10(30), 2.0])
    assert s.plateaus["level"].tolist() == [4, 6, 18, 50]
    assert len(s.drops) == 0


def test_blips_are_not_steps():
    steps, ranks = _staircase([5, 20], [15, 15])
    ranks = ranks.copy()
    ranks[4] = 9  # one-record flicker up on the low plateau
    ranks[22] = 19  # one-record flicker down on the high plateau
    s = segment_staircase(steps, ranks)
    assert s.n_steps == 1 and s.steps["rank_gain"].tolist() == [15]
    assert len(s.drops) == 0
    # without smoothing the flickers are still not plateaus: they last 1 < min_plateau records
    s1 = segment_staircase(steps, ranks, window=1)
    assert s1.n_steps == 1 and s1.total_gain == 15


def test_gradual_ramp_is_one_step_and_drop_is_a_drop():
    ranks = np.array([3] * 6 + list(range(4, 12)) + [12] * 6 + [7] * 6)
    steps = np.arange(ranks.size)
    s = segment_staircase(steps, ranks, window=1, min_plateau=3)
    assert s.n_steps == 1 and s.steps["rank_gain"].tolist() == [9]
    assert s.drops["rank_gain"].tolist() == [-5]


def test_min_rise_filters_small_steps():
    steps, ranks = _staircase([10, 11, 30], [6, 6, 6])
    assert segment_staircase(steps, ranks).n_steps == 2
    s = segment_staircase(steps, ranks, min_rise=2)
    # the 10 -> 11 transition is below min_rise and ignored; 11 -> 30 counts
    assert s.steps["rank_gain"].tolist() == [19]


def test_constant_trajectory_has_no_steps_and_nan_correlation():
    steps, ranks = _staircase([7], [12])
    s = segment_staircase(steps, ranks)
    assert s.n_steps == 0 and len(s.plateaus) == 1
    c = rank_loss_correlation(ranks, np.linspace(1, 0.5, 12))
    assert math.isnan(c["spearman"]) and math.isnan(c["kendall"])


@given(
    levels=st.lists(st.integers(0, 60), min_size=1, max_size=6),
    length=st.integers(3, 9),
)
def test_total_gain_is_net_rise(levels, length):
    """On a clean staircase with plateaus ≥ min_plateau, Σ gains − Σ drops = last level − first level."""
    steps, ranks = _staircase(levels, [length] * len(levels))
    s = segment_staircase(steps, ranks, window=1)
    net = s.steps["rank_gain"].sum() + s.drops["rank_gain"].sum()
    assert net == levels[-1] - levels[0]
    expected_ups = sum(1 for a, b in zip(levels, levels[1:]) if b > a)
    assert s.n_steps == expected_ups


def test_correlation_matches_scipy_and_sign():
    rng = np.random.default_rng(0)
    ranks = np.repeat([3, 8, 15, 30], 10)
    loss = 10.0 ** (-ranks / 10 + 0.05 * rng.standard_normal(ranks.size))
    c = rank_loss_correlation(ranks, loss)
    assert c["spearman"] < -0.8 and c["spearman_p"] < 1e-6
    assert c["kendall"] < -0.6
    ref = scipy.stats.spearmanr(ranks, np.log10(loss))
    assert c["spearman"] == pytest.approx(ref.statistic)
    # rank statistics: log or not, the same
    assert c["spearman"] == pytest.approx(scipy.stats.spearmanr(ranks, loss).statistic)
    c_pos = rank_loss_correlation(ranks, 1.0 / loss)
    assert c_pos["spearman"] == pytest.approx(-c["spearman"])


def test_analyse_trajectory():
    steps, ranks = _staircase([2, 10, 25], [5, 5, 5])
    loss = np.concatenate([np.full(5, 1.0), np.full(5, 0.1), np.full(5, 1e-3)]) * np.linspace(1, 0.9, 15)
    traj = pd.DataFrame({"step": steps, "loss": loss, "eps_rank": ranks})
    out = analyse_trajectory(traj)
    assert out["n_steps"] == 2 and out["total_gain"] == 23
    assert out["rank_start"] == 2 and out["rank_end"] == 25
    assert out["first_step_at"] == 500 and out["last_step_at"] == 1000
    assert out["spearman"] < -0.9
    assert out["rise_until"] == 1000
    assert out["spearman_rise"] == pytest.approx(rank_loss_correlation(ranks[:11], loss[:11])["spearman"])
    # a saturated tail where the rank flickers while the loss keeps falling weakens the whole-run ρ
    # but not the staircase-phase ρ
    tail_ranks = np.concatenate([ranks, np.tile([24, 25, 24, 25], 10)])
    tail_loss = np.concatenate([loss, loss[-1] * np.logspace(-0.1, -2, 40)])
    tail = pd.DataFrame({"step": np.arange(tail_ranks.size) * 100, "loss": tail_loss, "eps_rank": tail_ranks})
    out_tail = analyse_trajectory(tail)
    assert out_tail["spearman"] > out["spearman"] + 0.2
    assert out_tail["spearman_rise"] == pytest.approx(out["spearman_rise"])
    with pytest.raises(ValueError, match="lacks column 'loss'"):
        analyse_trajectory(traj.drop(columns="loss"))


def test_bad_input():
    with pytest.raises(ValueError, match="strictly increasing"):
        segment_staircase([0, 2, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="non-negative integers"):
        segment_staircase([0, 1, 2], [1, 2.5, 3])
    with pytest.raises(ValueError, match="window must be odd"):
        segment_staircase([0, 1, 2], [1, 2, 3], window=4)
    with pytest.raises(ValueError, match="losses must be > 0"):
        rank_loss_correlation([1, 2, 3], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="length"):
        segment_staircase([0, 1, 2], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        rank_loss_correlation([1, 2, 3], [1.0, np.nan, 2.0])
