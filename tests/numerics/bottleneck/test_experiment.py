"""numerics.bottleneck.experiment: deep linear nets reach the closed-form cost; (★) holds on random and trained ReLU
networks; trained networks show the bottleneck (fast version here, paper scale under -m slow)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import numerics.bottleneck.experiment as nb
from numerics.bottleneck.measure import jacobians, preactivations
from numerics.bottleneck.nets import weight_matrices
from tests.conftest import tol
from theory.bottleneck import minimal_norm_factor_singular_values

LINEAR_DEPTHS = (2, 4, 8)


# -- deep linear networks: exact --------------------------------------------------------------


@pytest.fixture(scope="module")
def linear_fits():
    return nb.linear_fits(LINEAR_DEPTHS)


def test_deep_linear_nets_reach_closed_form_minimal_cost(linear_fits):
    for fit in linear_fits:
        # ‖θ‖² = L Σ s_i(P)^{2/L} for the product P the network computes (balanced critical point).
        assert abs(fit.relative_cost_gap) < 1e-7, (fit.depth, fit.relative_cost_gap)
        assert fit.check().holds
        assert fit.gradient_norm < 1e-4


def test_deep_linear_layers_have_singular_values_s_to_the_one_over_L(linear_fits):
    for fit in linear_fits:
        target = minimal_norm_factor_singular_values(fit.product_singular_values[: fit.rank], fit.depth)
        for s in fit.layer_singular_values:
            np.testing.assert_allclose(s[: fit.rank], target, atol=1e-4)
            assert np.all(s[fit.rank:] < 1e-4)  # the other directions are switched off in every layer


def test_deep_linear_product_solves_the_scalar_regularised_problem(linear_fits):
    # min_P ‖P − A‖² + λ R(P; L) acts on each singular value: t minimises (t − s)² + λ L t^{2/L}, so
    # t − s + λ t^{2/L − 1} = 0 (for L = 2: t = s − λ exactly). A wrong cost (e.g. 2/L·Σ s^{2/L}) fails this.
    s = np.array(nb.LINEAR_TARGET_SVALS)
    for fit in linear_fits:
        t = fit.product_singular_values[:3]
        lam, L = fit.weight_decay, fit.depth
        np.testing.assert_allclose(t - s + lam * t ** (2.0 / L - 1.0), 0.0, atol=1e-5)
        if L == 2:
            np.testing.assert_allclose(t, s - lam, atol=1e-6)


def test_linear_experiment_has_no_violations():
    res = nb.linear_experiment("test", quiet=True)
    assert res.violations == 0
    assert set(res.comparison["reproduced"]) == {"yes"}


# -- the master inequality on random ReLU networks (property) ----------------------------------


def _random_net(depth, width, d_in, d_out, scale, bias, activation, seed):
    gen = torch.Generator().manual_seed(seed)
    net = nb.make_mlp(d_in, width, depth, d_out, bias=bias, scale=scale, activation=activation, generator=gen,
                      dtype=torch.float64)
    if bias:
        with torch.no_grad():
            for p in net.parameters():
                if p.ndim == 1:
                    p.copy_(scale * torch.randn(p.shape, generator=gen, dtype=torch.float64))
    return net, gen


@given(
    depth=st.integers(1, 8),
    width=st.integers(1, 12),
    d_in=st.integers(1, 6),
    d_out=st.integers(1, 6),
    scale=st.floats(0.2, 3.0),
    input_scale=st.floats(0.01, 10.0),
    bias=st.booleans(),
    activation=st.sampled_from(["relu", "relu", "leaky_relu", "tanh"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_master_inequality_holds_for_random_networks(depth, width, d_in, d_out, scale, input_scale, bias, activation, seed):
    net, gen = _random_net(depth, width, d_in, d_out, scale, bias, activation, seed)
    x = input_scale * torch.randn(3, d_in, generator=gen, dtype=torch.float64)
    rows = nb.master_checks(net, x, max_k=6)
    if not len(rows):  # every unit dead at these inputs: Jf(x) = 0, no k to check
        assert np.all(jacobians(net, x) == 0)
        return
    bad = rows[~rows["holds"].astype(bool)]
    assert bad.empty, bad.to_string()
    # the corollary's distance is bounded by H + T, so both bounds are at least as slack as (★)'s pieces
    assert set(rows["bound"]) == {"master", "master_amgm", "bottleneck_distance"}


def test_jacobian_is_the_product_of_weights_and_relu_masks():
    net, gen = _random_net(5, 7, 4, 3, 1.0, True, "relu", 3)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    J = jacobians(net, x)
    pre = preactivations(net, x)
    Ws = [W.detach().numpy() for W in weight_matrices(net)]
    for i in range(5):
        M = Ws[0]
        for ell in range(1, len(Ws)):
            M = Ws[ell] @ np.diag((pre[ell - 1][i] > 0).astype(float)) @ M
        np.testing.assert_allclose(J[i], M, **tol())


def test_master_checks_rejects_bad_input():
    net, _ = _random_net(3, 5, 4, 2, 1.0, True, "relu", 0)
    with pytest.raises(ValueError, match="x must have 4 columns"):
        nb.master_checks(net, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="x must be finite"):
        nb.master_checks(net, np.full((2, 4), np.nan))
    with pytest.raises(TypeError, match="model"):
        nb.master_checks("net", np.zeros((2, 4)))
    with pytest.raises(ValueError, match="max_k"):
        nb.master_checks(net, np.zeros((2, 4)), max_k=0)


def test_dominant_count():
    assert nb.dominant_count([3.0, 2.0, 0.1, 0.05]) == 2
    assert nb.dominant_count([3.0, 2.0, 1.5]) == 3
    assert nb.dominant_count([0.0, 0.0]) == 0
    with pytest.raises(ValueError, match="gap"):
        nb.dominant_count([1.0], gap=1.5)


def test_task_is_deterministic_and_depends_on_k_latents_only():
    a, b = nb.make_task(50, seed=4), nb.make_task(50, seed=4)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    # y is a function of z_1..z_k: changing the other latents leaves y unchanged
    from numerics.bottleneck.task import random_shallow_net

    gen = torch.Generator().manual_seed(4)  # make_task's generator: g's parameters, then h's, then z
    random_shallow_net(8, 20, 100, gen)
    h = random_shallow_net(2, 20, 100, gen)
    z = a.z.clone()
    z[:, 2:] = 0
    y = h(z[:, :2])
    y = y - y.mean(0)
    np.testing.assert_allclose((y / y.std()).numpy(), a.y.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="k must be <= latent_dim"):
        nb.make_task(10, k=9)


# -- trained networks: fast version of the paper's claims --------------------------------------

FAST = nb.PROFILE_CONFIGS["test"]


def _fast_nets():
    return [(cfg, *nb.trained_network(cfg), None) for cfg in FAST]


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
    a = nb._train(cfg, True)[0]
    b = nb._train(cfg, True)[0]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_stopped_sweep_resumes_from_saved_models(tmp_path):
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=40, lr=1e-2, seed=123)
    model, _task, res = nb.trained_network(cfg, cache_dir=tmp_path)
    saved = list(tmp_path.glob("L3_*.pt"))
    assert len(saved) == 1
    nb._TRAINED.pop(cfg)  # a new process: nothing in memory, the file is there
    again, _task2, res2 = nb.trained_network(cfg, cache_dir=tmp_path)
    assert again is not model and res2 == res
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))


def test_a_corrupt_saved_model_is_retrained_and_replaced(tmp_path):
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=40, lr=1e-2, seed=124)
    model, _task, res = nb.trained_network(cfg, cache_dir=tmp_path)
    (saved,) = tmp_path.glob("L3_*.pt")
    good = saved.read_bytes()
    saved.write_bytes(good[: len(good) // 2])  # a file cut short
    nb._TRAINED.pop(cfg)
    with pytest.warns(RuntimeWarning, match="will be recomputed"):
        again, _task2, res2 = nb.trained_network(cfg, cache_dir=tmp_path)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))  # trained again, same net
    nb._TRAINED.pop(cfg)
    third, _task3, _res3 = nb.trained_network(cfg, cache_dir=tmp_path)  # the file was rewritten whole
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


def test_cli_bottleneck_linear_runs_only_the_linear_experiment(tmp_path, capsys, monkeypatch):
    from numerics.cli import main

    def no_relu(*_a, **_k):
        raise AssertionError("--linear must not run the ReLU experiment")

    monkeypatch.setattr(nb, "experiment", no_relu)
    rc = main(["bottleneck", "--linear", "--profile", "test", "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0 and "closed_form_cost" in out
    assert (tmp_path / "bottleneck_linear_fits.csv").exists()
    assert not (tmp_path / "bottleneck_checks.csv").exists() and not (tmp_path / "bottleneck_models").exists()


# -- the measurements and the training loop -----------------------------------------------------


def test_near_one_count_tail_rms_and_fitted_exponent():
    from numerics.bottleneck.measure import fitted_exponent, near_one_count, tail_rms

    assert near_one_count([1.2, 0.9, 0.4, 0.01], 0.5) == 2  # |0.4 − 1| = 0.6 > 0.5
    assert near_one_count([1.6, 1.5, 0.5], 0.5) == 2
    with pytest.raises(ValueError, match="tol"):
        near_one_count([1.0], 0.0)
    # ((1/L) Σ_ℓ Σ_{i>k} s_i²)^{1/2}, unsorted input sorted first
    assert tail_rms([np.array([1.0, 3.0, 2.0]), np.array([2.0, 0.5, 1.0])], 1) == pytest.approx(np.sqrt((4 + 1 + 1 + 0.25) / 2))
    assert tail_rms([np.array([3.0, 2.0])], 2) == 0.0
    L = np.array([6, 12, 25])
    assert fitted_exponent(L, 0.7 * L ** -0.5) == pytest.approx(-0.5)
    assert fitted_exponent(L, 2.0 * L**1.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="distinct depths"):
        fitted_exponent([5, 5], [1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        fitted_exponent([5, 6], [1.0, 0.0])


def test_objective_terms_gradient_norm_is_the_objective_gradient():
    # one linear layer without bias: C(W) = (1/N)Σ‖W x_i − y_i‖² + λ‖W‖², ∇C = (2/N)(W X − Y)ᵀ-form + 2λW
    from numerics.bottleneck.nets import objective_terms

    gen = torch.Generator().manual_seed(1)
    net = nb.make_mlp(3, 4, 1, 2, bias=False, generator=gen)
    X, Y = torch.randn(7, 3, generator=gen), torch.randn(7, 2, generator=gen)
    W = net[0].weight.detach().double()
    R = X.double() @ W.T - Y.double()
    lam = 0.3
    grad = 2.0 / 7 * R.T @ X.double() + 2 * lam * W
    mse, n2, g = objective_terms(net, X, Y, lam)
    assert mse == pytest.approx(float((R**2).sum() / 7)) and n2 == pytest.approx(float((W**2).sum()))
    assert g == pytest.approx(float(torch.linalg.norm(grad)), rel=1e-10)
    assert net[0].weight.grad is None  # measured on a copy


def test_weight_decay_continuation_schedule_and_final_objective():
    from numerics.bottleneck.nets import _weight_decay_schedule

    sch = _weight_decay_schedule(1e-4, 1.0, (0.25, 0.75), 100)
    assert sch(0) == sch(24) == 1.0 and sch(75) == sch(99) == 1e-4
    assert sch(50) == pytest.approx(1e-2)  # geometric: halfway in log
    assert _weight_decay_schedule(1e-4, None, (0.25, 0.75), 100)(0) == 1e-4
    with pytest.raises(ValueError, match="anneal"):
        _weight_decay_schedule(1e-4, 1.0, (0.8, 0.2), 100)
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=80, lr=1e-2, lam_times_depth=3e-3,
                              lam_times_depth_start=3.0, anneal=(0.25, 0.5))
    model, task, res = nb.trained_network(cfg)
    lams = [h["weight_decay"] for h in res.history]
    assert lams[0] == pytest.approx(1.0) and lams[-1] == pytest.approx(1e-3)  # λL/L at start and end
    # the reported objective is the final (stated) one, not the continuation's
    assert res.objective == pytest.approx(res.mse + cfg.weight_decay * res.theta_norm2)
    assert res.grad_norm > 0 and res.seconds > 0


def test_train_full_batch_records_every_k_steps_and_stops_at_a_non_finite_loss():
    from numerics.bottleneck.nets import BottleneckFit, make_mlp, train_full_batch

    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(20, 3, generator=g), torch.randn(20, 2, generator=g)
    model = make_mlp(3, 8, 4, 2, generator=torch.Generator().manual_seed(0))
    res = train_full_batch(model, x, y, weight_decay=1e-3, steps=30, lr=1e-2, record_every=7)
    assert isinstance(res, BottleneckFit) and not res.diverged
    assert [h["step"] for h in res.history] == [0, 7, 14, 21, 28, 29]
    h0 = res.history[0]  # the objective at θ_0, before the first update
    assert h0["objective"] == pytest.approx(h0["mse"] + 1e-3 * h0["theta_norm2"], rel=1e-6)
    with torch.no_grad():
        fresh = make_mlp(3, 8, 4, 2, generator=torch.Generator().manual_seed(0))
        assert h0["mse"] == pytest.approx(float(((fresh(x) - y) ** 2).sum(dim=1).mean()), rel=1e-6)
    # a huge step overflows float32 after the first update: divergence, no final terms
    wild = make_mlp(3, 8, 4, 2, scale=30.0, generator=torch.Generator().manual_seed(0))
    res = train_full_batch(wild, x, y, weight_decay=1e-3, steps=40, lr=1e30, record_every=3)
    assert res.diverged and np.isnan(res.mse) and np.isnan(res.objective)
    assert [h["step"] for h in res.history] == [0]


def test_figures_are_returned_not_saved():
    import matplotlib
    from matplotlib.figure import Figure

    from numerics.bottleneck.figures import depth_figure, heatmap_figure, representation_figure

    backend = matplotlib.get_backend()
    cfg, model, task, _res, _s = _fast_nets()[-1]
    fig = heatmap_figure([model], [cfg.depth])
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # one panel + colour bar
    fig = representation_figure(model, task.x, task.z, layers=[2, 4], k=task.k)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    with pytest.raises(ValueError, match="hidden layers"):
        representation_figure(model, task.x, task.z, layers=[cfg.depth], k=task.k)
    import pandas as pd

    fig = depth_figure(pd.DataFrame({"depth": [4, 8], "k": [2, 2], "theta_norm2_over_L": [8.0, 5.0],
                                     "deviation_fraction": [1.0, 0.25], "tail_rms": [0.5, 0.3]}))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert matplotlib.get_backend() == backend


def test_cli_bottleneck_runs_a_tiny_sweep(tmp_path, capsys):
    from numerics.cli import main

    rc = main(["bottleneck", "--profile", "test", "--depths", "3", "4", "--width", "8", "--n", "30", "--steps", "60",
               "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0 and "master" in out and "reproduced" in out
    assert (tmp_path / "bottleneck_layers_L4.csv").exists()
    assert main(["bottleneck", "--depths", "1", "--out", str(tmp_path), "--quiet"]) == 2


# -- the paper's stated setting (arXiv 2305.19008 §5): L = 25, width 200, λ = 2e-4 ------------------


PAPER = nb.PROFILE_CONFIGS["paper"]  # width 200, λ = 2e-4 in (λ/L)‖θ‖², L = 6, 12, 25; N = 500, 6000 Adam steps (5000 at L = 25)
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
