"""numerics.collapse.experiment: the bounds at trained points, the critical-point forms, and the claims.

Bounds and proofs are ours: proofs_notes/collapse.md. Fast tests use the "test" profile (one shared run);
the paper-scale claims are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.collapse import experiment as nc
from numerics.collapse.measure import measure_network
from numerics.collapse.model import gaussian_mixture, init_mlp, train_adam
from numerics.cli import main
from numerics.io import read_csv
from tests.numerics.collapse.trained import K, tiny
from theory import collapse as T


# -- bound (A) and the any-point corollaries at every trained point (property test) ---------------------
@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**16),
    width=st.integers(3, 9),
    log_lam=st.floats(-4, -1),
    loss=st.sampled_from(["mse", "ce"]),
    bias=st.booleans(),
    steps=st.integers(0, 60),
)
def test_any_point_bounds_hold_at_every_trained_point(seed, width, log_lam, loss, bias, steps):
    lam = 10.0**log_lam
    net, mix = tiny(seed=seed, width=width, lam=lam, loss=loss, bias=bias, steps=steps)
    m = measure_network(net.member(0), mix.X, mix.y, lam, loss, K)
    point = nc.Point(nc.NetSpec(loss, 0.5, lam, bias), "adam", m)
    checks = nc.bound_checks(point, K)
    assert checks["holds"].all(), checks[~checks["holds"]]
    expected = {"A_any_point", "B_tcv1", "B_tcv2", "C_loss_explicit", "D_propagation"}
    expected |= {"F_ce_last_layer"} if loss == "ce" else set()
    expected |= {"A_bias_rank_Km1"} if bias else set()
    assert set(checks["bound"]) == expected  # critical-point forms are never checked at Adam points
    # the chain (A) ≤ (B2) ≤ (C) term by term (proofs_notes §4)
    for layer in {r for r in checks["layer"] if "->" not in r}:
        rhs = checks[checks["layer"] == layer].set_index("bound")["rhs"]
        assert rhs["A_any_point"] <= rhs["B_tcv2"] * (1 + 1e-12)
        assert rhs["B_tcv2"] <= rhs["C_loss_explicit"] * (1 + 1e-12)
        assert rhs["A_any_point"] <= rhs["B_tcv1"] * (1 + 1e-12)


def test_critical_form_of_C_fails_at_an_adam_point_with_small_residual():
    # Finding (proofs_notes/collapse.md §9): C_critical is a theorem only at critical points. After plain
    # Adam, with every r_ℓ ≤ 0.1, it fails on W_3 by ~20% while the residual form (C) holds; this is why
    # the experiment checks the critical-point forms only at L-BFGS points.
    mix = gaussian_mixture(4, 12, 12, 0.05, seed=0)
    net = init_mlp([12, 20, 20, 20, 4], [False], generator=torch.Generator().manual_seed(0))
    train_adam(net, mix.X, mix.y, [1e-2], ["mse"], steps=1500, lr=2e-3)
    m = measure_network(net.member(0), mix.X, mix.y, 1e-2, "mse", 4)
    point = nc.Point(nc.NetSpec("mse", 0.05, 1e-2, False), "adam", m)
    assert point.small_residual and not point.near_critical
    crit = nc.critical_form_checks(point).set_index(["layer", "bound"])
    assert not crit.loc[("3", "C_critical"), "holds"]
    assert crit.loc[("3", "C_critical"), "lhs"] > 1.1 * crit.loc[("3", "C_critical"), "rhs"]
    full = nc.bound_checks(point, 4)
    assert full["holds"].all() and "C_critical" not in set(full["bound"])


# -- the experiment, test profile (one shared run) ----------------------------------------------------
@pytest.fixture(scope="module")
def result(profile_test_run):
    return profile_test_run(nc.experiment)


def test_experiment_has_no_violations_and_checks_every_bound(result):
    res, _ = result
    assert res.theorem_id == "collapse.weight_decay_rank"
    assert res.violations == 0, res.checks[~res.checks["holds"]]
    assert set(res.checks["bound"]) == {b.name for b in T.BOUNDS}


def test_critical_forms_hold_at_near_critical_points_with_slack(result):
    res, _ = result
    crit = res.checks[res.checks["bound"].isin(["C_critical", "E_balanced_relu"])]
    assert len(crit) >= 8
    assert (crit["regime"] == "adam+lbfgs").all()
    assert (crit["max_r_layer"] <= nc.NEAR_CRITICAL).all()
    assert crit["holds"].all() and (crit["slack"] > 0).all()
    # E is implied by C_critical only through balancedness; at these points the norms are balanced
    nets = res.tables["networks"]
    refined = nets[(nets["regime"] == "adam+lbfgs") & ~nets["bias"]]
    assert (refined["imbalance"] < 1e-2).all()


def test_residual_reported_for_every_point(result):
    res, _ = result
    nets = res.tables["networks"]
    assert np.isinf(nets.loc[nets["lam"] == 0, "residual"]).all()
    pos = nets[nets["lam"] > 0]
    assert np.isfinite(pos["residual"]).all() and (pos["residual"] > 0).all()
    # L-BFGS moves the refined points closer to stationarity than Adam left them
    for (loss, s, bias), grp in pos[pos["lam"] == 1e-2].groupby(["loss", "spread", "bias"]):
        r = grp.set_index("regime")["residual"]
        assert r["adam+lbfgs"] < r["adam"], (loss, s, bias)


def _claims(res, name, regime=None):
    c = res.comparison[res.comparison["claim"] == name]
    if regime is not None:
        c = c[c["settings"].str.split(",").str[0] == regime]
    assert len(c) > 0, name
    return c


@pytest.mark.parametrize("name", ["rank_vs_lambda", "tail_drop", "spread_vs_depth", "spread_vs_tail"])
def test_claims_reproduce_at_test_scale(result, name):
    c = _claims(result[0], name)
    assert (c["reproduced"] == "yes").all(), c[["quantity", "ours", "criterion"]]


def test_ce_last_layer_has_rank_K_minus_1_and_mse_does_not(result):
    res, _ = result
    c = _claims(res, "ce_last_layer", regime="adam")
    assert (c["reproduced"] == "yes").all(), c
    layers = res.tables["layers"]
    last = layers[(layers["layer"] == layers["layer"].max()) & (layers["lam"] >= 1e-2) & ~layers["bias"]]
    ce = last[last["loss"] == "ce"]["sigmaK_over_sigma1"]
    mse = last[last["loss"] == "mse"]["sigmaK_over_sigma1"]
    assert ce.max() < 1e-2 < mse.min()  # MSE keeps all K output directions, CE loses one


def test_outputs_written(result):
    res, out = result
    for stem in ("checks", "comparison", "layers", "networks", "spectra"):
        df = read_csv(out / f"collapse_{stem}.csv")
        assert len(df) > 0
    assert {p.name for p in res.figures} == {"collapse_tail_vs_lambda.png", "collapse_variability_vs_depth.png"}
    assert all(p.stat().st_size > 1000 for p in res.figures)
    comp = res.comparison
    assert {"quantity", "paper", "ours", "ratio", "settings", "reproduced"} <= set(comp.columns)


def test_same_seed_same_result_bit_for_bit():
    cfg = nc.CollapseConfig(dim=5, per_class=4, width=6, depth=3, lambdas=(1e-2,), spreads=(0.5,), losses=("ce",),
                            adam_steps=30, lbfgs_iters=5, critical_lambdas=(1e-2,), bias_lambdas=())
    a = nc.run_sweep(cfg, seed=4)
    b = nc.run_sweep(cfg, seed=4)
    for pa, pb in zip(a, b):
        for la, lb in zip(pa.measure.layers, pb.measure.layers):
            np.testing.assert_array_equal(la.sv, lb.sv)


def test_config_and_profile_validation():
    with pytest.raises(ValueError, match="losses"):
        nc.CollapseConfig(losses=("hinge",))
    with pytest.raises(ValueError, match="depth"):
        nc.CollapseConfig(depth=1)
    with pytest.raises(ValueError, match="profile"):
        nc.experiment("huge")


def test_cli_help_and_bad_argument(capsys):
    assert main(["collapse", "--help"]) == 0
    text = capsys.readouterr().out
    assert "dist_F(W_ℓ, rank ≤ K)" in text and "Examples:" in text and "proofs_notes/collapse.md" in text
    assert main(["collapse", "--width", "0", "--quiet"]) == 2
    assert "argument --width: must be an integer >= 1, got '0'" in capsys.readouterr().err


# -- quick and paper scale ----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["quick", "paper"])
def scale_result(request):
    return nc.experiment(request.param, seed=0, quiet=True)


@pytest.mark.slow
def test_scale_bounds_hold_everywhere(scale_result):
    assert scale_result.violations == 0, scale_result.checks[~scale_result.checks["holds"]]
    crit = scale_result.checks[scale_result.checks["bound"].isin(["C_critical", "E_balanced_relu"])]
    assert len(crit) >= 40 and crit["holds"].all()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rank_vs_lambda", "tail_drop", "spread_vs_depth", "ce_last_layer"])
def test_scale_claims(scale_result, name):
    c = _claims(scale_result, name)
    assert (c["reproduced"] == "yes").all(), c[c["reproduced"] != "yes"][["quantity", "ours", "criterion"]]


@pytest.mark.slow
def test_scale_smaller_spread_smaller_tail_near_critical_and_mse(scale_result):
    c = _claims(scale_result, "spread_vs_tail")
    near = c[c["settings"].str.startswith("adam+lbfgs")]
    mse_adam = c[c["settings"].str.startswith("adam,") & c["quantity"].str.contains("mse")]
    assert len(near) == 2 and len(mse_adam) == 1
    assert (near["reproduced"] == "yes").all() and (mse_adam["reproduced"] == "yes").all()


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="finding: with cross-entropy and plain Adam (λ=1e-2) the W_1 tail is NOT smaller for the smaller "
    "spread (ratio s=0.5/s=0.05: 0.80 quick, 0.81 paper; 1.9 at test scale); the Adam noise floor, not the "
    "variability, sets the tail there. At the L-BFGS near-critical points it reproduces (3.8-5.7).",
)
def test_scale_smaller_spread_smaller_tail_ce_adam(scale_result):
    c = _claims(scale_result, "spread_vs_tail")
    ce_adam = c[c["settings"].str.startswith("adam,") & c["quantity"].str.contains(", ce,")]
    assert len(ce_adam) == 1
    assert (ce_adam["reproduced"] == "yes").all()


@pytest.mark.slow
def test_paper_scale_matches_the_research_note_pilot(scale_result):
    if scale_result.config["profile"] != "paper":
        pytest.skip("the note's pilot numbers are for the paper-scale settings")
    c = _claims(scale_result, "note_pilot")
    assert len(c) == 14
    assert (c["reproduced"] == "yes").all(), c[c["reproduced"] != "yes"][["quantity", "paper", "ours"]]
