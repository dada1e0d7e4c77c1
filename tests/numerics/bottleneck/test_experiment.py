"""numerics.bottleneck.experiment: the linear experiment has no violations; (★) holds on trained ReLU networks,
which show the bottleneck (fast version here, paper scale under -m slow); trained models are cached in memory
and on disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

import numerics.bottleneck.experiment as nb
from numerics.bottleneck.config import PROFILES

# The pieces have their own tests: test_task, test_nets, test_measure, test_linear, test_figures;
# the command line's in tests/numerics/cli/test_bottleneck.py.


def test_linear_experiment_has_no_violations():
    res = nb.linear_experiment("test", quiet=True)
    assert res.violations == 0
    assert set(res.comparison["reproduced"]) == {"yes"}


# -- trained networks: fast version of the paper's claims --------------------------------------

FAST = PROFILES["test"].master_inequality.configs


@pytest.fixture(scope="module")
def fast_summaries():
    out = []
    for cfg in FAST:
        model, task, res = nb.trained_network(cfg)
        out.append((cfg, model, task, res, nb.bottleneck_summary(model, task, samples=20, bias=cfg.bias)))
    return out


def test_master_inequality_holds_on_trained_networks(fast_summaries):
    for cfg, model, task, _res, _s in fast_summaries:
        rows = nb.master_checks(model, task.x[:20], max_k=4)
        ranks = rows.groupby("sample")["rank_J"].first()
        assert len(ranks) == 20 and (ranks >= task.k).all()
        assert len(rows) == 3 * int(np.minimum(ranks, 4).sum())  # every k ≤ min(4, rank Jf(x)), three bounds
        assert rows["holds"].all(), rows.loc[~rows["holds"].astype(bool)].to_string()
        # slack reported: (★) at k = task.k is far from tight but finite
        slack = rows[(rows["bound"] == "master") & (rows["k"] == task.k)]["slack"]
        print(f"L={cfg.depth}: (★) slack at k={task.k}: min {slack.min():.3f}, median {slack.median():.3f}")
        assert np.isfinite(slack).all()


def test_trained_deep_network_middle_layers_have_k_or_k_plus_1_dominant_singular_values(fast_summaries):
    cfg, model, task, res, s = fast_summaries[-1]
    assert res.mse < 0.25  # it fits the task (y has unit variance per sample: mse ≈ 20 means nothing learned)
    k = task.k
    assert all(c in (k, k + 1) for c in s["middle_w_dominant"]), s
    # the tail is well below: s_{k+2}(W_ℓ) < 0.1·s_k(W_ℓ) in every middle layer
    assert s["middle_tail_ratio_max"] < 0.1, s


def test_trained_network_jacobian_has_k_dominant_singular_values(fast_summaries):
    for cfg, _m, task, _r, s in fast_summaries:
        assert s["jacobian_fraction_k"] >= 0.9, (cfg.depth, s["jacobian_dominant"])
        assert s["jacobian_ratio_k1_over_k_median"] < 0.2


@pytest.mark.xfail(
    strict=True,
    reason=(
        "finding: at the fast scale (L=8, width 30, N=100, 2000 Adam steps, biases) the centred middle-layer "
        "representations have k+1 = 3 dominant directions (s_3/s_2 ≈ 0.25–0.36 in layers 3–6), not k = 2 (their participation ratio is ≈ 2.08: the third direction is small but above the 0.2 gap); the research note's "
        "pilot sees k only at L=18 after 12k steps. The paper-scale version is the slow test."
    ),
)
def test_trained_network_centred_representations_have_k_dominant_directions(fast_summaries):
    _cfg, _m, task, _r, s = fast_summaries[-1]
    assert all(c == task.k for c in s["middle_rep_dominant"]), s["middle_rep_dominant"]


def test_trained_network_centred_representations_have_effective_dimension_k(fast_summaries):
    # The (k+1)-th direction the gap count sees carries little variance: the participation ratio
    # (Σλ)²/Σλ² of the centred middle representations is k to within a fraction of a dimension,
    # and the spectrum ends at k+1 (at most k+1 dominant directions).
    _cfg, _m, task, _r, s = fast_summaries[-1]
    assert all(c in (task.k, task.k + 1) for c in s["middle_rep_dominant"]), s["middle_rep_dominant"]
    assert all(task.k - 0.25 <= v <= task.k + 0.5 for v in s["middle_rep_participation"]), s["middle_rep_participation"]


def test_fraction_of_deviating_layers_falls_with_depth(fast_summaries):
    fractions = [s["deviation_fraction"] for *_rest, s in fast_summaries]
    assert fractions[-1] < fractions[0], fractions
    norms = [s["theta_norm2_over_L"] for *_rest, s in fast_summaries]
    assert norms[-1] < norms[0], norms  # ‖θ‖²/L falls toward k


def test_training_is_bit_reproducible():
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=50, lr=1e-2)
    a = nb.trained_network(cfg, in_memory=False)[0]  # trained anew each time: no copy kept in memory
    b = nb.trained_network(cfg, in_memory=False)[0]
    assert a is not b
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_stopped_sweep_resumes_from_saved_models(tmp_path):
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=40, lr=1e-2, seed=123)
    model, _task, res = nb.trained_network(cfg, cache_dir=tmp_path)
    saved = list(tmp_path.glob("L3_*.pt"))
    assert len(saved) == 1
    # a new process: nothing in memory, the file is there
    again, _task2, res2 = nb.trained_network(cfg, cache_dir=tmp_path, in_memory=False)
    assert again is not model and res2 == res
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))


def test_a_corrupt_saved_model_is_retrained_and_replaced(tmp_path):
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=40, lr=1e-2, seed=124)
    model, _task, res = nb.trained_network(cfg, cache_dir=tmp_path)
    (saved,) = tmp_path.glob("L3_*.pt")
    good = saved.read_bytes()
    saved.write_bytes(good[: len(good) // 2])  # a file cut short
    with pytest.warns(RuntimeWarning, match="will be recomputed"):
        again, _task2, res2 = nb.trained_network(cfg, cache_dir=tmp_path, in_memory=False)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))  # trained again, same net
    third, _task3, _res3 = nb.trained_network(cfg, cache_dir=tmp_path, in_memory=False)  # the file was rewritten whole
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), third.parameters()))


def test_experiment_test_profile(tmp_path):
    res = nb.experiment("test", out_dir=tmp_path, quiet=True)
    assert res.violations == 0
    assert {"master", "master_amgm", "bottleneck_distance"} == set(res.checks["bound"])
    assert res.checks["network"].str.startswith("trained").any() and res.checks["network"].str.startswith("random").any()
    assert all(p.exists() for p in res.figures) and len(res.figures) == 3
    assert (tmp_path / "bottleneck_comparison.csv").exists() and (tmp_path / "bottleneck_setting.csv").exists()
    assert list((tmp_path / "bottleneck_models").glob("L4_*.pt"))  # the cache lives beside the outputs
    assert set(res.comparison["reproduced"]) <= {"yes", "no", "n/a"}
    # every comparison row names its source and its criterion; the abstract's claims are labelled as such
    assert res.comparison["source"].str.len().gt(0).all() and res.comparison["criterion"].str.len().gt(0).all()
    assert res.comparison["source"].str.contains("abstract").sum() >= 3
    depth = res.tables["depth_summary"]
    assert list(depth["depth"]) == [4, 8] and (depth["grad_norm"] > 0).all() and (depth["train_seconds"] > 0).all()
    assert np.isfinite(res.tables["tail_exponents"]["exponent"]).all()


def test_model_cache_dir_honours_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(nb.MODEL_CACHE_ENV, raising=False)
    assert nb.model_cache_dir(tmp_path) == tmp_path / "bottleneck_models"
    assert nb.model_cache_dir(None) is None
    monkeypatch.setenv(nb.MODEL_CACHE_ENV, str(tmp_path / "shared"))
    assert nb.model_cache_dir(tmp_path) == tmp_path / "shared" and nb.model_cache_dir(None) == tmp_path / "shared"


# -- the paper's stated setting (arXiv 2305.19008 §5): L = 25, width 200, λ = 2e-4 ------------------


PAPER = PROFILES["paper"].master_inequality.configs  # width 200, λ = 2e-4 in (λ/L)‖θ‖², L = 6, 12, 25; N = 500, 6000 Adam steps (5000 at L = 25)
# The trained models are cached where `rankbounds bottleneck --profile paper` and the report keep them,
# or in $RANKBOUNDS_MODEL_CACHE; without a cache the slow tests train them (about 45 minutes on a loaded 2-core machine).
PAPER_CACHE = Path(os.environ.get(nb.MODEL_CACHE_ENV) or
                   Path(__file__).resolve().parents[3] / "results" / "bottleneck_results" / "bottleneck_models")


def test_paper_profile_is_the_stated_setting():
    cfg = nb.PAPER_CONFIG
    assert (cfg.depth, cfg.width, cfg.k, cfg.lam_times_depth) == (25, 200, 2, 2e-4)
    assert cfg.weight_decay == pytest.approx(2e-4 / 25)  # the coefficient of ‖θ‖² is λ/L
    assert [c.depth for c in PAPER] == [6, 12, 25] and all(c.width == 200 and c.lam_times_depth == 2e-4 for c in PAPER)
    task = nb.make_task(10, k=cfg.k)
    assert task.z.shape[1] == 8 and task.x.shape[1] == 20 and task.y.shape[1] == 20
    table = nb.setting_table(PAPER)
    src = dict(zip(table["parameter"], table["source"]))
    assert "third party" in src["width"] and "third party" in src["λ"] and src["N"].startswith("ours")
    assert src["optimiser"].startswith("ours") and src["init"].startswith("ours") and src["steps"].startswith("ours")


@pytest.fixture(scope="module")
def paper_runs():
    out = []
    for cfg in PAPER:
        model, task, res = nb.trained_network(cfg, cache_dir=PAPER_CACHE)
        rows = nb.master_checks(model, task.x, max_k=4)  # every training point
        out.append((cfg, res, rows, nb.bottleneck_summary(model, task, bias=cfg.bias)))
    return out


GRAD_NORM_MAX = 0.05  # measured 0.0061 (L=6), 0.011 (L=12)
MSE_MAX = 0.05  # measured 0.0064, 0.0080


def _by_depth(paper_runs, depth):
    return next(run for run in paper_runs if run[0].depth == depth)


@pytest.mark.slow
def test_paper_setting_training_converges(paper_runs):
    # stationarity of the stated objective: small gradient, a fit, and ‖θ‖² settled over the last 20 % of the steps
    for cfg, res, _rows, s in paper_runs:
        assert not res.diverged
        assert res.grad_norm < GRAD_NORM_MAX, (cfg.depth, res.grad_norm)
        assert res.mse < MSE_MAX, (cfg.depth, res.mse)
        tail = [h["theta_norm2"] for h in res.history if h["step"] >= 0.8 * cfg.steps]
        assert (max(tail) - min(tail)) / tail[-1] < 0.05, (cfg.depth, min(tail), max(tail))
        assert res.objective == pytest.approx(res.mse + cfg.weight_decay * res.theta_norm2)


@pytest.mark.slow
def test_paper_setting_bounds_hold_at_every_training_point(paper_runs):
    for cfg, _res, rows, _s in paper_runs:
        ranks = rows.groupby("sample")["rank_J"].first()
        assert len(ranks) == cfg.n and (ranks >= cfg.k).all()
        assert len(rows) == 3 * int(np.minimum(ranks, 4).sum())
        bad = rows[~rows["holds"].astype(bool)]
        assert bad.empty, bad.to_string()
        print(f"L={cfg.depth}: {len(rows)} checks, min slack by bound {rows.groupby('bound')['slack'].min().to_dict()}")


@pytest.mark.slow
def test_paper_setting_jacobian_has_k_dominant_values_at_the_training_points(paper_runs):
    for cfg, _res, _rows, s in paper_runs:
        assert s["jacobian_points"] == cfg.n
        assert s["jacobian_fraction_k"] >= 0.9, (cfg.depth, s["jacobian_dominant"])
        assert s["jacobian_ratio_k1_over_k_median"] < 0.1, (cfg.depth, s["jacobian_ratio_k1_over_k_median"])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): at L=25 the centred middle representations are 3-dimensional: participation "
    "ratio 2.92–2.96 in layers 7–18 (s_3/s_2 ≈ 0.88–0.99, s_4/s_3 < 0.012); 1 of 24 hidden layers is within "
    "[k−0.25, k+0.5]. At L=12 they were 2.10–2.15 (10 of 11 layers), at L=6 1.96–2.15"))
def test_paper_setting_middle_representations_have_effective_dimension_k(paper_runs):
    _cfg, _res, _rows, s = _by_depth(paper_runs, 25)
    k = s["k"]
    assert all(k - 0.25 <= v <= k + 0.5 for v in s["middle_rep_participation"]), s["middle_rep_participation"]
    assert s["rep_fraction_effective_k"] >= 0.8, s["hidden_rep_participation"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): at L=25 every middle layer's centred representation has 3 = k+1 dominant "
    "directions by the 0.2 gap (s_3/s_2 ≈ 0.88–0.99); at L=12 also 3 (s_3/s_2 ≈ 0.29–0.39)"))
def test_paper_setting_centred_middle_representations_have_k_dominant_directions(paper_runs):
    _cfg, _res, _rows, s = _by_depth(paper_runs, 25)
    assert all(c == s["k"] for c in s["middle_rep_dominant"]), s["middle_rep_dominant"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): at L=25 no layer has exactly k=2 singular values in [0.5, 1.5]: layers 3–20 "
    "have 3 (≈ 1.21, 1.19, 1.15 in the middle), layers 2, 21–23 have 4, layers 1, 24, 25 have 13, 9, 12; k or k+1: "
    "18 of 25 layers (0.72)"))
def test_paper_setting_almost_all_weights_have_k_singular_values_close_to_one(paper_runs):
    _cfg, _res, _rows, s = _by_depth(paper_runs, 25)
    assert s["near_one_fraction_k"] >= 0.8, s["near_one_counts"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): the (k+1)-th singular value of W_ℓ is of order one, not O(L^-1/2): median "
    "over layers 1.14, 1.24, 1.14 at L = 6, 12, 25 (L^-1/2 = 0.41, 0.29, 0.20), fitted exponent −0.002"))
def test_paper_setting_other_singular_values_are_order_L_minus_half(paper_runs):
    from numerics.bottleneck.measure import fitted_exponent

    _cfg, _res, _rows, s = _by_depth(paper_runs, 25)
    assert np.median(s["tail_k1"]) <= 25**-0.5, s["tail_k1"]
    depths = [run[0].depth for run in paper_runs]
    p = fitted_exponent(depths, [np.median(run[3]["tail_k1"]) for run in paper_runs])
    assert p <= -0.5 + nb.EXPONENT_MARGIN, p


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): s_{k+2}(W_ℓ), beyond the third order-one value, has median 0.62, 0.20, 0.45 "
    "over layers at L = 6, 12, 25 (L^-1/2 = 0.41, 0.29, 0.20; middle layers at L=25: 0.34–0.46, no relative gap): "
    "fitted exponent −0.22, not ≤ −0.35. At L=25 the final ‖∇C‖ = 0.016 is ~80× the regulariser's own gradient "
    "2(λ/L)‖θ‖ = 2.0e-4, so the tails have not reached their stationary size"))
def test_paper_setting_values_beyond_the_bias_offset_are_order_L_minus_half(paper_runs):
    from numerics.bottleneck.measure import fitted_exponent

    _cfg, _res, _rows, s = _by_depth(paper_runs, 25)
    assert np.median(s["tail_k2"]) <= 25**-0.5, s["tail_k2"]
    depths = [run[0].depth for run in paper_runs]
    p = fitted_exponent(depths, [np.median(run[3]["tail_k2"]) for run in paper_runs])
    assert p <= -0.5 + nb.EXPONENT_MARGIN, p


@pytest.mark.slow
def test_paper_setting_norm_per_layer_falls_with_depth(paper_runs):
    norms = [s["theta_norm2_over_L"] for *_r, s in paper_runs]
    assert all(b < a for a, b in zip(norms, norms[1:])), norms


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "finding (stated setting, seed 0): the fraction of layers with s_{k+2}(W_ℓ) ≥ 0.2·s_k(W_ℓ) is 0.83, 0.33, 1.00 "
    "at L = 6, 12, 25: at L=25 every layer's s_4/s_2 is ≥ 0.28"))
def test_paper_setting_fraction_of_layers_outside_the_bottleneck_falls_with_depth(paper_runs):
    fractions = [s["deviation_fraction"] for *_r, s in paper_runs]
    assert all(b < a for a, b in zip(fractions, fractions[1:])), fractions
