"""numerics.staircase.training: the recorded trajectory and its columns under each convention, the bounds at every
recorded step, reproducibility, batching, divergence, and a short staircase on the paper's target."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.activations import NAMES as ACTIVATION_NAMES
from numerics.nets import INITS, MLP, BatchedMLP, batched_loss_grad
from numerics.staircase.problem import measurement, paper_problem
from numerics.quadrature import paper_trapezoid, trapezoid
from numerics.ranks import epsilon_rank, gram_eigenvalues, gram_matrix
from numerics.staircase.analysis import rank_loss_correlation
from numerics.staircase.config import ModelSpec, TrainConfig
from numerics.train import BLOWUP_LOSS_FACTOR
from numerics.staircase.training import (
    column,
    convention_view,
    conventions_in,
    layer_columns,
    rank_column,
    train,
    train_members,
    training_flops_per_step,
)

BOUNDS = ("thm3_3_paper", "thm3_3_tight", "thm3_3_eigen")


@pytest.fixture(scope="module")
def problem():
    return paper_problem()


# --- trajectory contents --------------------------------------------------------------------------


def test_trajectory_columns_and_values(problem):
    cfg = TrainConfig(steps=45, record_every=20, lr=1e-2)
    res = train(problem, ModelSpec(width=10, depth=2), cfg, seeds=(0, 1))
    t = res.trajectory
    assert t.groupby("seed")["step"].apply(list).tolist() == [[0, 20, 40, 45]] * 2
    for k in (1, 2):
        for e in cfg.eps:
            assert rank_column(k, e) in t.columns
    assert (t["eps_rank"] == t[rank_column(2, 1e-6)]).all()
    assert (t[rank_column(2, 1e-9)] >= t[rank_column(2, 1e-6)]).all()
    assert (t[rank_column(2, 1e-6)] >= t[rank_column(2, 1e-3)]).all()
    x, w, target = problem.tensors()
    for b, seed in enumerate((0, 1)):
        model = res.model.member(b)
        row = t[t.seed == seed].iloc[-1]
        u = model(x)[:, 0].detach().numpy()
        assert row["loss"] == pytest.approx(problem.loss(u), rel=1e-12)
        assert row["beta_norm2"] == pytest.approx(float((model.beta.weight.detach()**2).sum()), rel=1e-12)
        assert row["eps_rank"] == epsilon_rank(model.hidden_features(x)[-1].detach(), 1e-6, w)
        for name in BOUNDS:
            assert {name, f"{name}_slack", f"{name}_holds"} <= set(t.columns)
        assert row["holds"]
    # the long-form checks hold the same numbers as the wide columns
    chk = res.checks
    assert len(chk) == len(t) * len(BOUNDS)
    merged = chk[chk.bound == "thm3_3_tight"].merge(t, on=["config", "seed", "step"])
    np.testing.assert_allclose(merged["rhs"], merged["thm3_3_tight"], rtol=0, atol=0)
    np.testing.assert_allclose(merged["lhs"], merged["loss"], rtol=1e-12)
    # FLOP accounting: matmul work of 2 members × 45 steps
    assert res.timing["gflop"] == pytest.approx(2 * 45 * training_flops_per_step(problem.m, 1, 10, 2) / 1e9)
    assert not t["diverged"].any()


def test_training_lowers_the_loss(problem):
    res = train(problem, ModelSpec(width=20, depth=2), TrainConfig(steps=300, record_every=300, lr=1e-2,
                                                                   check_bounds=False), seeds=(0,))
    first, last = res.trajectory["loss"].iloc[0], res.trajectory["loss"].iloc[-1]
    # the smooth part cos x + cos 2x is learned quickly; what is left is about ‖cos 30x‖² ≈ 1
    assert last < 0.3 * first and last < 1.2


def test_float32_training_records_float64_quantities(problem):
    cfg = TrainConfig(steps=20, record_every=10, dtype="float32", check_bounds=False)
    res = train(problem, ModelSpec(width=10, depth=2), cfg, seeds=(2,))
    assert res.model.beta.dtype == torch.float32
    x, _, _ = problem.tensors()
    m64 = res.model.member(0).double()
    assert res.trajectory["loss"].iloc[-1] == pytest.approx(problem.loss(m64(x)[:, 0].detach().numpy()), rel=1e-12)


def test_thread_setting_is_restored(problem):
    before = torch.get_num_threads()
    cfg = TrainConfig(steps=3, record_every=3, check_bounds=False, threads=1)
    a = train(problem, ModelSpec(width=6, depth=1), cfg, seeds=(0,))
    assert torch.get_num_threads() == before
    b = train(problem, ModelSpec(width=6, depth=1), TrainConfig(steps=3, record_every=3, check_bounds=False,
                                                                threads=None), seeds=(0,))
    assert torch.get_num_threads() == before
    assert a.timing["threads"] == 1.0 and b.timing["threads"] == float(before)
    with pytest.raises(ValueError, match="threads"):
        TrainConfig(threads=0)


def test_schedules_and_sgd_change_the_trajectory(problem):
    base = dict(steps=30, record_every=30, lr=1e-2, check_bounds=False)
    losses = {}
    for key, extra in {"adam": {}, "cosine": {"schedule": "cosine"}, "exp": {"schedule": "exponential"},
                       "sgd": {"optimizer": "sgd", "momentum": 0.9}}.items():
        res = train(problem, ModelSpec(width=8, depth=1), TrainConfig(**base, **extra), seeds=(0,))
        losses[key] = res.trajectory["loss"].iloc[-1]
    assert len(set(losses.values())) == 4


# --- bounds at every recorded step (hypothesis over the configuration) ------------------------------


def test_bounds_hold_at_every_recorded_step(problem):
    """Empirical loss ≥ every Thm 3.3 variant at every recorded step of short training runs."""
    checked = {"points": 0, "configs": 0, "violations": 0}

    @settings(max_examples=10, deadline=None)
    @given(
        width=st.integers(2, 10),
        depth=st.integers(1, 3),
        activation=st.sampled_from(ACTIVATION_NAMES),
        init=st.sampled_from(INITS),
        residual=st.booleans(),
        eps=st.sampled_from([1e-2, 1e-4, 1e-6, 1e-9]),
        seed=st.integers(0, 2**31 - 1),
        steps=st.integers(1, 30),
        paper_m=st.integers(8, 300),
    )
    def run(width, depth, activation, init, residual, eps, seed, steps, paper_m):
        cfg = TrainConfig(steps=steps, record_every=5, lr=1e-2, eps=(eps,), rank_eps=eps,
                          conventions=("integral", "paper"), paper_m=paper_m)
        res = train(problem, ModelSpec(width, depth, activation, residual, init), cfg, seeds=(seed,))
        chk = res.checks
        assert set(chk["bound"]) == set(BOUNDS)
        assert set(chk["convention"]) == {"integral", "paper"}
        assert len(chk) == len(res.trajectory) * 3 * 2
        checked["points"] += len(res.trajectory)
        checked["configs"] += 1
        bad = chk[~chk["holds"]]
        checked["violations"] += len(bad)
        assert bad.empty, bad.to_string()
        assert np.all(chk["lhs"] >= chk["rhs"] - 1e-12 * np.maximum(1.0, chk["lhs"].abs()))
        assert res.trajectory["holds"].all() and res.trajectory["holds@paper"].all()
        # under "paper" the bound's loss is the unit-weight one, not the trained loss
        paper = chk[chk.convention == "paper"].merge(res.trajectory, on=["config", "seed", "step"])
        np.testing.assert_array_equal(paper["lhs"], paper["loss@paper"])

    run()
    print(f"\nThm 3.3 along training: {checked['points']} (config, step) points in {checked['configs']} configs, "
          f"{checked['points'] * 6} bound checks (both conventions), {checked['violations']} violations")
    assert checked["violations"] == 0 and checked["points"] > 0


# --- measurement conventions ---------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(m=st.integers(3, 400), n=st.integers(1, 40), scale=st.floats(0.3, 20.0),
       log_eps=st.floats(-10, -1), a=st.floats(-3.0, 0.0), length=st.floats(0.1, 5.0), seed=st.integers(0, 2**32 - 1))
def test_paper_rank_is_integral_rank_at_eps_times_h(m, n, scale, log_eps, a, length, seed):
    """r_ε(M_paper) = r_{ε·h}(M_trapezoid) on random tanh features: M_paper = M_trapezoid / h exactly."""
    from hypothesis import assume

    rng = np.random.default_rng(seed)
    trap, paper = trapezoid(a, a + length, m), paper_trapezoid(a, a + length, m)
    np.testing.assert_array_equal(trap.points, paper.points)
    h = length / (m - 1)
    phi = np.tanh(scale * (trap.points @ rng.standard_normal((1, n)) + rng.uniform(-1, 1, n)))
    eps = 10.0**log_eps
    # entrywise, relative to the round-off scale Σ_k w_k |φ_ki φ_kj| (an entry can cancel far below it)
    scale = np.abs(phi).T @ (paper.weights[:, None] * np.abs(phi))
    diff = np.abs(gram_matrix(phi, paper.weights) - gram_matrix(phi, trap.weights) / h)
    assert np.all(diff <= 4 * m * np.finfo(np.float64).eps * scale), float(np.max(diff / scale))
    lam = gram_eigenvalues(phi, trap.weights)
    assume(np.all(np.abs(lam - eps * h) > 1e-9 * eps * h))  # no eigenvalue on the threshold within rounding
    r_paper = epsilon_rank(phi, eps, paper.weights, absolute=True)
    assert r_paper == epsilon_rank(phi, eps * h, trap.weights)
    assert r_paper == int(np.count_nonzero(lam > eps * h))


def test_convention_column_names():
    assert column("eps_rank", "paper") == "eps_rank@paper" and column("loss") == "loss"
    assert rank_column(2, 1e-6, "paper") == "eps_rank_l2_e1e-06@paper"


def test_convention_view_swaps_in_the_paper_columns():
    traj = pd.DataFrame({"config": ["a"], "seed": [0], "step": [0], "loss": [1.0], "eps_rank": [3],
                         "loss@paper": [99.0], "eps_rank@paper": [4], "beta_norm2": [2.0]})
    view = convention_view(traj, "paper")
    assert view.loc[0, "loss"] == 99.0 and view.loc[0, "eps_rank"] == 4 and view.loc[0, "beta_norm2"] == 2.0
    assert not any(c.endswith("@paper") for c in view.columns)
    assert convention_view(traj, "integral") is traj
    with pytest.raises(ValueError, match="paper"):
        convention_view(traj[["config", "loss"]], "paper")


def test_conventions_in_and_layer_columns_read_the_recorded_columns():
    traj = pd.DataFrame({"eps_rank": [3], "eps_rank_l1_e1e-06": [2], "eps_rank_l2_e1e-06": [3],
                         "eps_rank_l3_e1e-06": [np.nan], "eps_rank_l1_e0.001": [1]})
    assert conventions_in(traj) == ("integral",)
    assert conventions_in(traj.assign(**{"eps_rank@paper": [4]})) == ("integral", "paper")
    assert conventions_in(traj.drop(columns="eps_rank")) == ()
    # an all-NaN layer column ends the list (a shallower member of a stacked trajectory)
    assert layer_columns(traj, 1e-6) == [(1, "eps_rank_l1_e1e-06"), (2, "eps_rank_l2_e1e-06")]
    assert layer_columns(traj, 1e-3) == [(1, "eps_rank_l1_e0.001")]
    assert layer_columns(traj, 1e-9) == []


def test_a_run_records_both_conventions_from_the_same_network(problem):
    """Both conventions' columns come from one trained network; the integral ones are unchanged bit for bit."""
    base = dict(steps=40, record_every=20, lr=1e-2)
    both = train(problem, ModelSpec(width=12, depth=2, init="paper"),
                 TrainConfig(**base, conventions=("integral", "paper"), paper_m=150), seeds=(3, 4))
    alone = train(problem, ModelSpec(width=12, depth=2, init="paper"), TrainConfig(**base), seeds=(3, 4))
    t, t0 = both.trajectory, alone.trajectory
    pd.testing.assert_frame_equal(t[list(t0.columns)], t0, check_exact=True)
    paper = measurement(problem, "paper", 150)
    xp = paper.quadrature.points_tensor()
    for b, seed in enumerate((3, 4)):
        model = both.model.member(b)
        row = t[t.seed == seed].iloc[-1]
        feats = model.hidden_features(xp)
        u = model(xp)[:, 0].detach().numpy()
        assert row["loss@paper"] == pytest.approx(float(np.sum(paper.quadrature.weights * (u - paper.target) ** 2)),
                                                  rel=1e-12)
        assert row["mse@paper"] == pytest.approx(row["loss@paper"] / 149, rel=1e-14)
        for k in (1, 2):
            for e in (1e-3, 1e-6, 1e-9):
                assert row[rank_column(k, e, "paper")] == epsilon_rank(
                    feats[k - 1].detach(), e, paper.quadrature.weights, absolute=True)
        assert row["eps_rank@paper"] == row[rank_column(2, 1e-6, "paper")]
        assert row["holds@paper"]
    # the paper's weights scale M by about 1/h = 74.5, so its count is never below the integral one here
    assert (t["eps_rank@paper"] >= t["eps_rank"]).all()
    assert set(both.checks["convention"]) == {"integral", "paper"}
    assert (both.checks["holds"]).all()


# --- reproducibility, batching, divergence -----------------------------------------------------


def test_same_seed_same_trajectory_bit_for_bit(problem):
    cfg = TrainConfig(steps=40, record_every=10, lr=1e-2)
    a = train(problem, ModelSpec(width=10, depth=2, init="paper"), cfg, seeds=(7, 8))
    b = train(problem, ModelSpec(width=10, depth=2, init="paper"), cfg, seeds=(7, 8))
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory, check_exact=True)
    ta = a.trajectory
    assert not np.array_equal(ta[ta.seed == 7]["loss"].to_numpy(), ta[ta.seed == 8]["loss"].to_numpy())
    c = train(problem, ModelSpec(width=10, depth=2, init="paper"), cfg, seeds=(9,))
    assert not np.array_equal(c.trajectory["loss"].to_numpy(), ta[ta.seed == 7]["loss"].to_numpy())


def _autograd_grads(model, x, target, w, alive=None):
    """The reference: autograd through BatchedMLP.forward, as the trainer did before the hand-written backward."""
    model.zero_grad(set_to_none=True)
    losses = ((model(x)[..., 0] - target) ** 2 * w).sum(dim=1)
    (losses.sum() if alive is None else torch.where(alive, losses, 0.0).sum()).backward()
    return losses.detach(), [p.grad.clone() for p in (*model.weights, *model.biases, model.beta)]


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_hand_written_backward_equals_autograd_bit_for_bit(problem, activation, residual, dtype):
    """batched_loss_grad's losses and gradients equal loss.backward()'s exactly, masked members included."""
    model = BatchedMLP.from_modules([MLP(1, 7, 3, activation, residual=residual, init="paper", seed=s, dtype=dtype)
                                     for s in (0, 1, 2)])
    x, w, target = problem.tensors(dtype)
    for alive in (None, torch.tensor([True, False, True])):
        ref_losses, ref = _autograd_grads(model, x, target, w, alive)
        scale = None if alive is None else alive.to(dtype)
        with torch.no_grad():
            losses, g_w, g_b, g_beta = batched_loss_grad(list(model.weights), list(model.biases), model.beta, x,
                                                         target, w, activation, residual, scale)
        assert torch.equal(losses, ref_losses)
        for got, want in zip([*g_w, *g_b, g_beta], ref):
            assert got.shape == want.shape and torch.equal(got, want), (activation, residual, dtype)


def test_batched_members_follow_their_own_runs(problem):
    """Member b of a batch trains as it would alone: the batch shares nothing between members.

    Not bit for bit: with one output (β is 1 × n) MKL computes u = y^L βᵀ and ∂β by a matrix-vector
    kernel when B = 1 and a batched matrix product when B > 1, which round differently (1 ulp
    after ~60 steps here). Every wider product rounds alike (`test_batched_trainer_reproduces_the_autograd_loop`).
    """
    cfg = TrainConfig(steps=60, record_every=20, lr=1e-2, check_bounds=True)
    spec_t, spec_p = ModelSpec(width=10, depth=2, init="torch"), ModelSpec(width=10, depth=2, init="paper")
    batch = train_members(problem, [(spec_t, 1), (spec_p, 1), (spec_t, 2)], cfg).trajectory
    for spec, seed in ((spec_p, 1), (spec_t, 2)):
        alone = train(problem, spec, cfg, seeds=(seed,)).trajectory
        mine = batch[(batch.config == spec.label) & (batch.seed == seed)]
        for col in ("loss", "beta_norm2", *BOUNDS):
            np.testing.assert_allclose(mine[col].to_numpy(), alone[col].to_numpy(), rtol=1e-12, atol=0)
        for col in [c for c in alone.columns if c.startswith("eps_rank")] + ["p"]:
            assert (mine[col].to_numpy() == alone[col].to_numpy()).all(), col


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_batched_trainer_reproduces_the_autograd_loop(problem, dtype):
    """The trajectory equals a plain autograd + fused-Adam loop over the same BatchedMLP, bit for bit, with B = 1 and B = 4."""
    steps, lr = 50, 1e-2
    spec = ModelSpec(width=12, depth=2, init="paper")
    seeds = (3, 4, 5, 6)
    for chosen, schedule in ((seeds[:1], None), (seeds, None), (seeds[1:3], "cosine")):
        cfg = TrainConfig(steps=steps, record_every=steps, lr=lr, check_bounds=False, dtype=dtype, schedule=schedule)
        x, w, target = problem.tensors(cfg.torch_dtype)
        res = train(problem, spec, cfg, seeds=chosen)
        ref = BatchedMLP.from_modules([spec.build(problem, s, dtype=cfg.torch_dtype) for s in chosen])
        opt = torch.optim.Adam(ref.parameters(), lr=lr, fused=True)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if schedule else None
        for _ in range(steps):
            _autograd_grads(ref, x, target, w)
            opt.step()
            if sched is not None:
                sched.step()
        for got, want in zip(res.model.parameters(), ref.parameters()):
            assert torch.equal(got.detach(), want.detach())


def test_members_of_different_shapes_train_as_groups(problem):
    cfg = TrainConfig(steps=30, record_every=10, lr=1e-2, check_bounds=False)
    a, b = ModelSpec(width=6, depth=1), ModelSpec(width=9, depth=2)
    res = train_members(problem, [(a, 0), (b, 0), (a, 1)], cfg)
    assert len(res.models) == 2 and res.timing["groups"] == 2.0
    assert [m.batch_size for m in res.models] == [2, 1]
    t = res.trajectory
    for spec, seed, rtol in ((a, 1, 1e-12), (b, 0, 0.0)):  # b trains alone in its group: bit for bit
        alone = train(problem, spec, cfg, seeds=(seed,)).trajectory
        np.testing.assert_allclose(t[(t.config == spec.label) & (t.seed == seed)]["loss"].to_numpy(),
                                   alone["loss"].to_numpy(), rtol=rtol, atol=0)
    with pytest.raises(ValueError, match="shape groups"):
        res.model


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")
def test_cuda_training_matches_cpu(problem):
    """On a GPU the batched step runs there; float64 trajectories agree with the CPU's to 1e-9 (other kernels)."""
    cfg = TrainConfig(steps=100, record_every=50, lr=1e-2, check_bounds=True)
    spec = ModelSpec(width=16, depth=2, init="paper")
    gpu = train(problem, spec, cfg, seeds=(0, 1), device="cuda")
    cpu = train(problem, spec, cfg, seeds=(0, 1))
    assert gpu.timing["device"].startswith("cuda") and gpu.model.beta.device.type == "cuda"
    np.testing.assert_allclose(gpu.trajectory["loss"], cpu.trajectory["loss"], rtol=1e-9)
    assert (gpu.trajectory["eps_rank"].to_numpy() == cpu.trajectory["eps_rank"].to_numpy()).all()


def test_device_bad_input(problem):
    with pytest.raises(ValueError, match="device"):
        train(problem, ModelSpec(width=4), TrainConfig(steps=1), device="abacus")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            train(problem, ModelSpec(width=4), TrainConfig(steps=1), device="cuda")


def test_divergence_is_recorded_not_tabled(problem):
    cfg = TrainConfig(steps=400, record_every=1, lr=1e3, optimizer="sgd", check_bounds=False)
    res = train(problem, ModelSpec(width=8, depth=2, activation="tanh"), cfg, seeds=(0, 1))
    assert all(v is not None for v in res.diverged.values()), res.diverged
    t = res.trajectory
    assert t["diverged"].all()
    valid = t[t["loss"].notna()]
    # no row at or after the blow-up, and none whose loss grew past the rule's factor
    first = t.groupby("seed")["loss"].first()
    for (label, seed), at in res.diverged.items():
        mine = t[t.seed == seed]
        assert valid[valid.seed == seed]["step"].max() < at
        assert (valid[valid.seed == seed]["loss"] <= BLOWUP_LOSS_FACTOR * first[seed]).all()
        last = mine.iloc[-1]
        assert last["step"] == at and math.isnan(last["loss"]) and math.isnan(last["eps_rank"])
    assert res.final()["loss"].isna().all() and res.final()["diverged"].all()
    assert res.timing["steps"] < 400  # training stopped once every member had diverged


def test_adam_blow_up_is_flagged_before_the_loss_is_infinite(problem):
    """Adam at lr 1e3 never reaches a non-finite loss (tanh saturates), yet every member is flagged diverged."""
    cfg = TrainConfig(steps=200, record_every=10, lr=1e3, check_bounds=True)
    res = train(problem, ModelSpec(width=10, depth=2, init="paper"), cfg, seeds=(0, 1))
    assert all(v is not None and v <= 20 for v in res.diverged.values()), res.diverged
    t = res.trajectory
    assert t["diverged"].all() and res.final()["loss"].isna().all()
    assert np.isfinite(t["loss"].dropna()).all()
    assert (t["loss"].dropna() < BLOWUP_LOSS_FACTOR * t["loss"].dropna().iloc[0]).all()


def test_one_diverging_member_does_not_touch_the_others(problem):
    """SGD at lr 0.3: the structured first layer (large Gram eigenvalues) diverges, the paper init does not."""
    cfg = TrainConfig(steps=200, record_every=10, lr=0.3, optimizer="sgd", check_bounds=False)
    wild, calm = ModelSpec(width=20, depth=1, init="structured"), ModelSpec(width=20, depth=1, init="paper")
    res = train_members(problem, [(wild, 0), (calm, 0)], cfg)
    assert res.diverged[(wild.label, 0)] is not None and res.diverged[(calm.label, 0)] is None
    t = res.trajectory
    wild_rows = t[t.config == wild.label]
    assert wild_rows["diverged"].all() and wild_rows["step"].max() == res.diverged[(wild.label, 0)] <= 200
    assert math.isnan(wild_rows["loss"].iloc[-1])
    alone = train(problem, calm, cfg, seeds=(0,)).trajectory
    mine = t[t.config == calm.label]
    assert not mine["diverged"].any()
    assert mine["step"].tolist() == alone["step"].tolist() == list(range(0, 201, 10))
    np.testing.assert_allclose(mine["loss"].to_numpy(), alone["loss"].to_numpy(), rtol=1e-12, atol=0)
    # bit for bit against a batch of the same size in which nobody diverges: the mask touches only its member
    peers = train_members(problem, [(calm, 1), (calm, 0)], cfg)
    assert all(v is None for v in peers.diverged.values())
    same = peers.trajectory[peers.trajectory.seed == 0]
    np.testing.assert_array_equal(mine["loss"].to_numpy(), same["loss"].to_numpy())
    for got, want in zip(res.model.parameters(), peers.model.parameters()):
        assert torch.equal(got.detach()[1], want.detach()[1])


# --- the staircase on the paper's target ---------------------------------------------------------


def test_train_bad_input(problem):
    with pytest.raises(ValueError, match="distinct"):
        train_members(problem, [(ModelSpec(width=4), 0), (ModelSpec(width=4), 0)], TrainConfig(steps=1))
    with pytest.raises(TypeError, match="problem"):
        train("cos", ModelSpec(), TrainConfig(steps=1))


def _staircase_stats(traj: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (config, seed), g in traj.groupby(["config", "seed"]):
        corr = rank_loss_correlation(g["eps_rank"], g["loss"])
        rows.append({"config": config, "seed": seed, "start": int(g["eps_rank"].iloc[0]),
                     "end": int(g["eps_rank"].iloc[-1]), "spearman": corr["spearman"],
                     "final_loss": g["loss"].iloc[-1]})
    return pd.DataFrame(rows)


# The make-test version: Fig. 2(a)'s network, 2 000 steps at Adam 5e-3 (5x the paper-scale 1e-3, so the
# first stairs fit in a few seconds), one seed.
SHORT_STEPS = 2000
SHORT_LR = 5e-3


def test_short_staircase_on_the_paper_target(problem):
    """Reduced Fig. 2(a): tanh, L=2, n=50, Adam; rank rises from a low start while the loss falls."""
    cfg = TrainConfig(steps=SHORT_STEPS, record_every=50, lr=SHORT_LR, check_bounds=False, eps=(1e-6,))
    res = train(problem, ModelSpec(width=50, depth=2, init="paper"), cfg, seeds=(0,))
    stats = _staircase_stats(res.trajectory)
    print("\n" + stats.to_string())
    row = stats.iloc[0]
    assert row["start"] <= 10
    assert row["end"] >= 25
    assert row["spearman"] <= -0.8
    assert row["final_loss"] < 0.5  # below the cos 30x plateau (≈ ‖cos 30x‖² ≈ 1)


# Measured (issue 13; Fig. 2(a) settings, seeds 0-2, both conventions from the same runs):
#   paper convention: final eps-rank torch 36/41/44, paper-init 42/41/37; Spearman torch -0.89/-0.63/-0.83,
#   paper-init -0.85/-0.95/-0.80.  integral: final torch 32/38/43, paper-init 40/38/34; Spearman torch
#   -0.92/-0.96/-0.91, paper-init -0.92/-0.92/-0.56.
# The former strict xfail ("paper init, seed 2: rho = -0.57 > -0.6") is retired: under the paper's own
# convention the same network has rho = -0.80. The integral convention keeps its per-seed printout and
# the median criterion, which holds (-0.92 for both inits).


@pytest.mark.slow
@pytest.mark.parametrize("init", ["torch", "paper"])
def test_staircase_paper_scale(problem, init):
    """Fig. 2(a) settings: tanh, L=2, n=50, Adam 1e-3, 15 000 steps, float64, 3 seeds (batched), both conventions."""
    members = [(ModelSpec(width=50, depth=2, init=init), s) for s in (0, 1, 2)]
    cfg = TrainConfig(steps=15000, record_every=100, lr=1e-3, eps=(1e-6,), conventions=("integral", "paper"))
    res = train_members(problem, members, cfg)
    assert res.trajectory["holds"].all() and res.trajectory["holds@paper"].all()
    paper = _staircase_stats(convention_view(res.trajectory, "paper"))
    integral = _staircase_stats(res.trajectory)
    print("\npaper convention\n" + paper.to_string() + "\nintegral convention\n" + integral.to_string())
    assert (paper["start"] <= 10).all(), paper
    assert (paper["end"] >= 34).all(), paper  # measured >= 36 (Fig. 2(a): 50, a strict xfail in the 4-panel test)
    assert paper["spearman"].median() <= -0.75, paper
    assert (paper["spearman"] <= -0.55).all(), paper
    assert (paper["end"] >= integral["end"]).all()  # the printed weights scale M by 1/h = 99.5
    assert integral["spearman"].median() <= -0.8, integral


def test_sgd_lr_10_reaches_no_comparison_number(problem):
    """Issue 17: every member diverges under SGD at lr 10; the summary holds NaN and the comparison no number."""
    from numerics.staircase.experiment import (StaircaseGrid, checks_from_trajectory, comparison_table, run_grid,
                                               steps_table, summary_table)

    cfg = TrainConfig(steps=200, record_every=10, lr=10.0, optimizer="sgd")
    grid = StaircaseGrid((ModelSpec(width=25, depth=2, init="paper"),), cfg, seeds=(0, 1))
    traj, info = run_grid(grid, quiet=True, problem=problem)
    assert len(info["diverged"]) == 2 and traj["diverged"].all()
    summary = summary_table(traj)
    assert summary["diverged"].all() and summary["final_mse"].isna().all() and summary["final_eps_rank"].isna().all()
    comp = comparison_table(summary, grid)
    assert len(comp) == 2 and (comp["reproduced"] == "no").all()
    assert all(isinstance(v, str) and v.startswith("diverged") for v in comp["ours"]), comp
    assert comp["ratio"].isna().all()
    checks = checks_from_trajectory(traj)
    assert checks["diverged"].all() and checks["lhs"].notna().all()
    assert steps_table(traj).empty or set(steps_table(traj)["seed"]) <= {0, 1}
    from numerics.staircase.experiment import gap_table

    assert all(not saved["members"] for saved in info["models"])  # no diverged parameters kept for spectra
    assert gap_table(info["models"]).empty


def test_comparison_uses_only_the_members_that_did_not_diverge(problem):
    from numerics.staircase.experiment import StaircaseGrid, comparison_table

    grid = StaircaseGrid((ModelSpec(width=25, depth=2),), TrainConfig(steps=1), seeds=(0, 1, 2))
    summary = pd.DataFrame({"depth": [2, 2, 2], "width": [25, 25, 25], "final_eps_rank": [20.0, 24.0, math.nan],
                            "final_mse": [1e-2, 3e-2, math.nan], "diverged": [False, False, True]})
    comp = comparison_table(summary, grid)
    assert comp["ours"].tolist() == [22.0, 2e-2]
    assert all("2 seeds, 1 diverged and excluded" in s for s in comp["settings"])


def test_vectorised_bound_checks_equal_the_scalar_ones(problem):
    """check_bounds_batch over many rows gives exactly check_bounds' numbers row by row (holding and violated rows)."""
    from numerics.gram import check_bounds, check_bounds_batch, staircase_quantities

    rng = np.random.default_rng(5)
    w = np.asarray(problem.quadrature.weights)
    qs, losses = [], []
    for k in range(6):
        phi = np.tanh(rng.standard_normal((problem.m, 6)) * rng.uniform(0.01, 3, 6) + rng.standard_normal(6))
        beta = rng.standard_normal(6)
        q = staircase_quantities(phi, w, beta, problem.target, 10.0 ** -rng.integers(2, 8))
        qs.append(q)
        # the true loss (every bound holds) and a loss 1e3 times too small (bounds may be violated)
        true = problem.loss(phi @ beta)
        losses.append(true if k % 2 == 0 else true * 1e-3)
    batch = check_bounds_batch([q.p for q in qs], [q.n for q in qs], [q.eps for q in qs], [q.beta_norm2 for q in qs],
                               [q.dist_span_S for q in qs], [q.dist_G for q in qs], losses)
    for i, (q, loss) in enumerate(zip(qs, losses)):
        for scalar, vec in zip(check_bounds(q, loss), batch):
            assert scalar.name == vec.name
            assert (scalar.lhs, scalar.rhs, scalar.slack, scalar.holds, scalar.tol) == (
                float(vec.lhs[i]), float(vec.rhs[i]), float(vec.slack[i]), bool(vec.holds[i]), float(vec.tol[i]))
    assert not all(bool(c.holds.all()) for c in batch)  # the too-small losses violate something


def test_vectorised_bound_checks_bad_input():
    from numerics.gram import check_bounds_batch

    good = dict(p=[1, 2], n=4, eps=1e-6, C=1.0, dist_span_S=[0.1, 0.2], dist_G=[0.1, 0.2], loss=[1.0, 1.0])
    assert check_bounds_batch(**good)[0].holds.shape == (2,)
    with pytest.raises(ValueError, match="loss"):
        check_bounds_batch(**{**good, "loss": [1.0, -1.0]})
    with pytest.raises(ValueError, match="dist_G"):
        check_bounds_batch(**{**good, "dist_G": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="broadcast"):
        check_bounds_batch(**{**good, "p": [1, 2, 3]})
    with pytest.raises(ValueError, match="C_S"):
        check_bounds_batch(**good, C_S=0.0)
