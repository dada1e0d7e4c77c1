"""numerics.spikes.experiment: strengths, counts, the finite-size shift and the test error.

Non-slow tests run at n ≤ 2000 (seconds); the `slow` tests are the issue's report-level checks at
n = 2000 with 5 seeds (research note §4.3, §4.5, §4.7).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from numerics.spikes import config as C
from numerics.spikes import experiment as E
from theory import spikes as T


def test_finite_size_shift_finds_the_first_alpha_with_two_outliers_per_seed():
    n = 1000
    rows = [(0, 0.35, 2, 71.0), (0, 0.20, 1, 69.0), (0, 0.30, 2, 70.0), (0, 0.25, 1, 69.5),  # unsorted on purpose
            (1, 0.20, 1, 60.0), (1, 0.40, 1, 80.0)]  # seed 1: never two outliers, α = 0.30 not on its grid
    relu = pd.DataFrame(rows, columns=["seed", "alpha", "measured", "edge"]).assign(n=n)
    shift = E.finite_size_shift(relu).set_index("seed")
    assert shift.loc[0, "first_alpha_two"] == 0.30 and shift.loc[0, "last_alpha_one"] == 0.25
    assert shift.loc[0, "shift_upper"] == pytest.approx(0.05, abs=1e-15)
    assert math.isnan(shift.loc[1, "first_alpha_two"]) and shift.loc[1, "last_alpha_one"] == 0.40
    # α*₂(n) = 1/2 + log(s_c/(|μ₂|·(3!!/2!)·√(nN)))/(2 log n), s_c = edge/2 for N = n; edge at α = 0.30, else the median
    mu2 = float(T.relu_hermite(2))
    for seed, edge in ((0, 70.0), (1, 70.0)):
        expected = 0.5 + math.log((edge / 2) / (mu2 * 1.5 * n)) / (2 * math.log(n))
        assert shift.loc[seed, "bbp_alpha_star"] == pytest.approx(expected, rel=1e-12)
    assert (shift["asymptotic_alpha_2"] == 0.25).all()
    assert E.finite_size_shift(relu.iloc[:0]) is None


# -------------------------------------------------------------------------- strengths
def test_strengths_match_theta_k_mu_k_sqrt_nN():
    rows = E.strength_rows(C.StrengthSettings(n=2000, d=1000, thetas=(0.15,), acts=("relu",), seeds=1), 0, True)
    r = rows.set_index("k")
    assert abs(r.loc[1, "ratio"] - 1) < 0.05
    assert abs(r.loc[2, "ratio_sample"] - 1) < 0.15
    # ReLU has μ₃ = 0: the He₃ projection is noise-sized, far below what μ₃ ≠ 0 would give
    assert abs(r.loc[3, "projection"]) < 3 * r.loc[3, "noise_sd"]


# -------------------------------------------------------------------------- report-level (slow)
@pytest.fixture(scope="module")
def counts_2000():
    cfg = C.CountSettings(n=2000, d=1000, alphas=C.ALPHA_GRID + (0.22, 0.26, 0.28), acts=("relu", "tanh"), seeds=5, k_top=4)
    return E.count_rows(cfg, 0, True)


@pytest.mark.slow
def test_counts_at_n_2000_five_seeds(counts_2000):
    checked = counts_2000[~counts_2000["in_window"]]
    mismatched = checked[checked["measured"] != checked["predicted"]]
    assert mismatched.empty, mismatched.to_string()
    # tanh: 1 spike everywhere past 0; ReLU: 2 spikes from α = 0.30 on
    tanh = counts_2000[counts_2000["activation"] == "tanh"]
    assert (tanh[tanh["alpha"] > 0]["measured"] == 1).all()
    relu = counts_2000[(counts_2000["activation"] == "relu") & (counts_2000["alpha"] >= 0.30)]
    assert (relu["measured"] == 2).all()
    shift = E.finite_size_shift(counts_2000[counts_2000["activation"] == "relu"])
    assert ((shift["first_alpha_two"] > 0.25) & (shift["first_alpha_two"] <= 0.30)).all()


@pytest.mark.slow
def test_test_error_relu_improves_tanh_plateaus():
    err = E.error_rows(C.ErrorSettings(n=2000, N=1000, d=1000, lam=1.0, seeds=5, n_test=8000), 0, True)
    piv = err.pivot_table(index=["activation", "seed"], columns="alpha", values="test_mse")
    relu_gain = piv.loc["relu"][0.25] - piv.loc["relu"][0.45]  # 1 -> 2 spikes
    tanh_gain = piv.loc["tanh"][0.25] - piv.loc["tanh"][0.45]  # 1 -> 1 spike
    assert (relu_gain > 0.03).all(), relu_gain
    assert relu_gain.mean() > 3 * abs(tanh_gain.mean())
    assert (piv.loc["relu"]["RF"] > piv.loc["relu"][0.15]).all()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="finding: the k = 3 (tanh) He₃ projection is not within 15% of θ³μ₃√(nN) at "
                   "n = 2000: the O(θ²) correction is −21% at θ = 0.15 (μ₅/μ₃ = −1.88) and at smaller θ the "
                   "signal (≈ 2.4) is below 4 noise SDs of the bulk projection (≈ 0.63)")
def test_third_degree_strength_within_15_percent():
    rows = E.strength_rows(C.StrengthSettings(n=2000, d=1000, thetas=(0.15,), acts=("tanh",), seeds=5), 0, True)
    k3 = rows[rows["k"] == 3]
    assert abs(k3["projection"].mean() / k3["predicted"].iloc[0] - 1) <= 0.15
