"""Methods that raise ε-rank (arXiv 2412.05144 §4–§6): the experiments, the joint table, the CLI."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import torch

from numerics.staircase.methods import experiment as rank_methods
from numerics.io import read_csv
from numerics.nets import MLP
from numerics.staircase.problem import paper_problem
from numerics.quadrature import paper_trapezoid
from numerics.staircase.methods.experiment import (
    EXPERIMENTS,
    METHODS_COLUMNS,
    MAGNITUDE,
    RANK,
    SAME,
    activations_experiment,
    end_level,
    eps_window,
    method_row,
    methods_columns,
    methods_report,
    rank_criterion,
    ranks_agree,
    run_methods,
    same_magnitude,
    structured_experiment,
)
from numerics.ranks import epsilon_rank
from numerics.staircase.training import ModelSpec, TrainConfig, train_members



def _ranks(model, problem):
    x = torch.tensor(np.array(problem.quadrature.points))
    with torch.no_grad():
        feats = model.hidden_features(x)
    return [epsilon_rank(f.numpy(), 1e-6, problem.quadrature.weights) for f in feats]


def test_criteria():
    assert ranks_agree(29, 30) and ranks_agree(8, 6) and not ranks_agree(20, 30)
    assert ranks_agree(50, 45) and not ranks_agree(12, 7, rel=0.5)
    assert same_magnitude(5e-4, 5.53e-4) and same_magnitude(2.7e-4, 2.7e-5) and not same_magnitude(3e-6, 5e-4)
    # the Criterion objects the table uses decide by these rules and print them
    assert RANK.test(29, 30) and not RANK.test(20, 30) and "max(2, 0.15·paper)" in RANK.text
    assert rank_criterion(0.5).test(9, 6) and not rank_criterion(0.5).test(10, 6)
    assert MAGNITUDE.test(1e-3, 1e-4) and not MAGNITUDE.test(1e-3, 9.9e-5)


def test_end_level_ignores_a_last_step_spike():
    steps = np.arange(0, 1001, 10)
    loss = np.full(steps.size, 1e-5)
    loss[-1] = 3e-4  # an Adam spike at the very end
    traj = pd.DataFrame({"config": "a", "step": steps, "mse": loss})
    assert end_level(traj, "config", "mse")["a"] == 1e-5
    loss[-6:] = 2e-4  # a plateau over the last 10%: that is the level
    assert end_level(traj.assign(mse=loss), "config", "mse")["a"] == 2e-4



def test_structured_first_layer_is_full_rank_at_step_0():
    problem = paper_problem()
    structured = _ranks(MLP(1, 30, 2, init="structured", seed=0), problem)
    random = _ranks(MLP(1, 30, 2, init="torch", seed=0), problem)
    assert structured[0] == 30
    assert structured[1] >= 27
    assert random[1] <= 10


def test_structured_layer_trains_faster_than_random_same_shape():
    problem = paper_problem()
    members = [(ModelSpec(30, 2, init="structured"), 0), (ModelSpec(30, 2, init="torch"), 0)]
    cfg = TrainConfig(steps=800, record_every=400, eps=(1e-6,), check_bounds=False)
    final = train_members(problem, members, cfg).final().set_index("config")
    s, r = final.loc["mlp_L2_n30_tanh_structured"], final.loc["mlp_L2_n30_tanh_torch"]
    assert s["mse"] < 0.5 * r["mse"]
    assert s["eps_rank"] > r["eps_rank"] + 10


def test_resnet_starts_above_mlp():
    problem = paper_problem(400)
    for seed in range(3):
        res = _ranks(MLP(1, 100, 4, residual=True, init="torch", seed=seed), problem)
        mlp = _ranks(MLP(1, 100, 4, residual=False, init="torch", seed=seed), problem)
        assert res[0] == mlp[0]  # same first layer: the residual path starts at layer 2
        assert res[-1] > mlp[-1]
        assert res[-1] >= res[0]  # the identity path keeps what layer 1 had


def test_method_row_verdicts_per_convention():
    both = ("integral", "paper")
    row = method_row("r", 50, {"integral": 39, "paper": 50}, "s", conventions=both, criterion=RANK)
    assert row["reproduced (integral)"] == "no" and row["reproduced (paper)"] == "yes"
    assert row["verdict"] == "reproduced under paper only" and row["reason"] == "" and row["reproduced"] == "yes"
    assert row["ratio (integral)"] == pytest.approx(0.78) and row["criterion"].startswith("|ours − paper|")
    row = method_row("r", 40, {"integral": 6, "paper": 8}, "s", conventions=both, criterion=RANK)
    assert row["verdict"] == "not reproduced" and row["reason"] == "unexplained" and row["reproduced"] == "no"
    row = method_row("r", 40, {"integral": 6, "paper": 8}, "s", conventions=both, criterion=RANK, reason="init")
    assert row["reason"] == "init"
    # a convention-independent value (a loss) fills every group; a shorter run is not judged
    row = method_row("loss", 1e-4, 3e-4, "s", conventions=both, criterion=MAGNITUDE, full=False)
    assert row["ours (integral)"] == row["ours (paper)"] == 3e-4
    assert row["reproduced (paper)"] == "n/a" and row["verdict"].startswith("n/a") and row["reproduced"] == "n/a"
    row = method_row("ordering", "yes", {"integral": "yes", "paper": "yes"}, "s", conventions=both, criterion=SAME)
    assert row["verdict"] == "reproduced (both conventions)" and row["ratio (paper)"] is None
    row = method_row("r", 7, {"integral": 7}, "s", conventions=("integral",), criterion=RANK)
    assert row["verdict"] == "reproduced (integral)" and "ours (paper)" not in row
    assert list(row) == methods_columns(("integral",))
    assert method_row("c", "not reported", 0.5, "s", conventions=both)["verdict"] == "n/a"
    with pytest.raises(ValueError, match="convention"):
        method_row("r", 1, 1, "s", conventions=("gauss",))
    with pytest.raises(TypeError, match="conventions must be a sequence"):
        methods_columns("paper")


def test_eps_window_is_where_the_count_equals_p():
    lam = np.array([1.0, 1e-3, 1e-7, 1e-9])
    assert eps_window([lam], 2) == "[1.0e-07, 1.0e-03)"
    assert eps_window([lam], 4) == "[0.0e+00, 1.0e-09)"
    assert eps_window([lam, lam * 3], 1) == "[2.0e-03, 2.0e+00)"  # medians over the spectra
    assert eps_window([lam], 5).startswith("none (n = 4 < 5)")
    # the window really is where epsilon_rank counts p
    phi = np.diag(np.sqrt(lam))
    for eps in (1.1e-7, 9e-4):
        assert epsilon_rank(phi, eps) == 2


def test_structured_experiment_rows_under_both_conventions(tmp_path):
    result = structured_experiment("test", seed=0, out_dir=tmp_path)
    table = result.comparison()
    assert list(table.columns) == ["experiment", *METHODS_COLUMNS]
    t = table.set_index("quantity")
    row = t.loc["structured L=2 n=30: layer-1 ε-rank at step 0"]
    assert row["ours (integral)"] == row["ours (paper)"] == 30 and row["verdict"] == "reproduced (both conventions)"
    # the paper column is eq. (4.1) on the same network: unit trapezoid weights on 200 uniform points, |λ| > ε
    grid = paper_trapezoid(-1.0, 1.0, 200)
    problem = paper_problem(200)
    model = ModelSpec(width=50, depth=4, init="structured").build(problem, 0)
    with torch.no_grad():
        last_p = model.hidden_features(torch.tensor(grid.points))[-1].numpy()
        last_i = model.hidden_features(torch.tensor(problem.quadrature.points))[-1].numpy()
    row = t.loc["structured L=4 n=50: last-layer ε-rank at step 0"]
    assert row["ours (paper)"] == epsilon_rank(last_p, 1e-6, grid.weights, absolute=True)
    assert row["ours (integral)"] == epsilon_rank(last_i, 1e-6, problem.quadrature.weights)
    # r_ε(M_paper) = r_{ε·h}(M_trapezoid): the paper column counts more here, so no silent fallback
    h = 2.0 / 199
    assert row["ours (paper)"] == epsilon_rank(last_p, 1e-6 * h, grid.weights * h)
    assert row["ours (paper)"] > row["ours (integral)"]
    assert "paper: ours = 50 for ε ∈" in row["reason"]
    # 150 steps instead of 15k: the absolute losses cannot be compared
    loss_rows = table[table["quantity"].str.contains("final MSE level")]
    assert (loss_rows["reproduced (paper)"] == "n/a").all() and (loss_rows["reproduced (integral)"] == "n/a").all()
    assert loss_rows["settings"].str.contains("reduced").all()
    assert table["settings"].str.contains("unit weights").all()
    assert result.figures and result.figures[0].exists()


def test_activations_experiment_records_every_activation():
    result = activations_experiment("test", seed=0)
    traj = result.tables["activations_trajectory"]
    assert set(traj["activation"]) == {"relu", "elu", "cos", "tanh"}
    assert len(result.rows) == 5
    # different activations give different networks, so different losses at the end
    assert traj.groupby("activation")["loss"].last().nunique() == 4


def test_run_methods_writes_one_joint_table(tmp_path):
    results = run_methods(["rfm", "digits"], "test", seed=0, out_dir=tmp_path)
    assert [r.experiment for r in results] == ["rfm", "digits"]
    table = read_csv(tmp_path / "methods_comparison.csv")
    assert set(table["experiment"]) == {"rfm", "digits"}
    # pandas reads the string "n/a" back as NaN
    for c in ("integral", "paper"):
        assert set(table[f"reproduced ({c})"].fillna("n/a")) <= {"yes", "no", "n/a"}
    assert (tmp_path / "methods_comparison.md").exists() and (tmp_path / "methods_comparison.tex").exists()
    assert (tmp_path / "methods_rfm.png").exists() and (tmp_path / "methods_digits.png").exists()
    rfm = table[table["experiment"] == "rfm"].set_index("quantity")
    assert rfm.loc["ordering: ε-rank RFM > ELM and error RFM < ELM (every seed)", "ours (integral)"] == "yes"
    assert rfm.loc["ordering: ε-rank RFM > ELM and error RFM < ELM (every seed)", "ours (paper)"] == "yes"
    # unit weights on a finer-than-|Ω| grid count more of the same features' eigenvalues
    elm = rfm.loc["ELM 900 features: ε-rank"]
    assert elm["ours (paper)"] > elm["ours (integral)"]
    # the error does not depend on the convention
    err = rfm.loc["ELM 900 features: L² error"]
    assert err["ours (paper)"] == err["ours (integral)"]
    with pytest.raises(ValueError, match="ids must be among"):
        run_methods(["mnist"], "test")
    with pytest.raises(ValueError, match="profile"):
        run_methods(["rfm"], "huge")
    with pytest.raises(ValueError, match="convention"):
        run_methods(["rfm"], "test", conventions=("trapezoid",))


def test_methods_report_collects_rows_figures_notes(monkeypatch, tmp_path):
    monkeypatch.setattr(rank_methods, "EXPERIMENTS", {"rfm": EXPERIMENTS["rfm"]})
    table, figures, notes = methods_report("test", seed=0, out_dir=tmp_path, quiet=True, conventions=("paper",))
    assert isinstance(table, pd.DataFrame) and (table["experiment"] == "rfm").all()
    assert "ours (paper)" in table.columns and "ours (integral)" not in table.columns
    assert [f.name for f in figures] == ["methods_rfm.png"]
    assert any("feature law" in n for n in notes) and any(n.startswith("Conventions: paper") for n in notes)


def test_cli_digits_on_user_arrays(tmp_path, capsys):
    from numerics.cli import main

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6))
    y = (X[:, 0] > 0).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    out = tmp_path / "out"
    rc = main(["methods", "digits", "--data", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
               "--profile", "test", "--out", str(out), "--quiet", "--convention", "integral"])
    assert rc == 0
    table = read_csv(out / "methods_comparison.csv")
    assert table["settings"].str.contains("N=60").all()
    assert "ours (integral)" in table.columns and "ours (paper)" not in table.columns
    rc = main(["methods", "digits", "--data", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
               "--profile", "test", "--out", str(out), "--quiet"])
    assert rc == 0 and {"ours (integral)", "ours (paper)"} <= set(read_csv(out / "methods_comparison.csv").columns)
    np.save(tmp_path / "bad.npy", np.ones(59))
    assert main(["methods", "digits", "--data", str(tmp_path / "X.npy"), str(tmp_path / "bad.npy"), "--quiet",
                 "--out", str(out)]) == 2
    assert "y has 59 labels but X has 60 rows" in capsys.readouterr().err
    assert main(["methods", "nonsense", "--quiet"]) == 2


# ---------------------------------------------------------------------------------------------
# paper scale (make test-slow / make report --profile paper)
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _paper(name):
    """Each paper-scale experiment runs once per session, whatever the number of tests reading it."""
    return EXPERIMENTS[name]("paper")


def _table(result):
    return result.comparison().set_index("quantity")


# Thresholds below come from the paper-profile run of this session (seeds 0–2 where batched,
# proofs_notes/staircase.md "§4 methods under both conventions"), with a margin.


@pytest.mark.slow
def test_paper_structured_example_4_1():
    t = _table(_paper("structured"))
    assert t.loc["ordering: MSE level structured L2 n30 < random L4 n50", "reproduced"] == "yes"
    assert t.loc["structured L=2 n=30: last-layer ε-rank at step 0", "verdict"] == "reproduced (both conventions)"
    # the convention effect: the L=4 n=50 networks reach n only in the paper's count (measured 38–41 vs 49–50)
    for q in ("structured L=4 n=50: final ε-rank", "random L=4 n=50: final ε-rank"):
        assert t.loc[q, "verdict"] == "reproduced under paper only"
        assert t.loc[q, "ours (paper)"] >= 47 and t.loc[q, "ours (integral)"] <= 44


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Example 4.1: random L=2 n=30 stays at ε-rank ≈10–11 until ≈5.5k steps in the "
                   "paper; ours is at 27 (integral, seeds 0–2: 25–28) / 30 (paper convention, 28–30) at step 5000: it "
                   "passes 12 at step 2700 (integral) / 800 (paper). Adam 1e-3 is our choice (the paper states no "
                   "optimiser); not a convention effect")
def test_paper_structured_random_plateau():
    t = _table(_paper("structured"))
    assert t.loc["random L=2 n=30: ε-rank at step 5000 (the plateau before the jump)", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_rfm_elm_rank_is_the_integral_conventions():
    t = _table(_paper("rfm"))
    elm = t.loc["ELM 900 features: ε-rank"]
    # paper 37: ours 37 (36–37) with weights that integrate, 61 (61–62) with the printed unit weights
    assert elm["verdict"] == "reproduced under integral only" and elm["ours (paper)"] >= 50
    for q in ("ELM 900 features: L² error", "PoU-RFM 3×3×100: L² error",
              "ordering: ε-rank RFM > ELM and error RFM < ELM (every seed)"):
        assert t.loc[q, "verdict"] == "reproduced (both conventions)"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Example 4.3 RFM ε-rank: paper 232, ours 195 (integral, seeds 0–2: 194–198) and "
                   "352 (paper convention, 346–353); our count is 232 only for ε ∈ [2.2e-7, 2.3e-7) (integral). The "
                   "paper states no feature law (ours: k, b ~ U(−1, 1)); not a convention effect: the paper's count "
                   "lies between the two conventions, nearer the integral one")
def test_paper_rfm_rank_232():
    assert _table(_paper("rfm")).loc["PoU-RFM 3×3×100: ε-rank", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_resnet_above_mlp():
    t = _table(_paper("resnet"))
    assert t.loc["ordering: ResNet > MLP at step 0", "verdict"] == "reproduced (both conventions)"
    assert t.loc["ordering: ResNet ≥ MLP at the end", "verdict"] == "reproduced (both conventions)"
    # ResNet final 97: ours 90 (88–91) in the paper's count, 70 (68–71) with integrating weights
    row = t.loc["ResNet: final last-layer ε-rank"]
    assert row["verdict"] == "reproduced under paper only" and row["ours (integral)"] <= 75


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Example 4.4 step 0: paper ResNet 40 / MLP 15, ours 6 / 5 (integral) and 8 / 7 "
                   "(paper convention), every seed; our count reaches 40 only at ε ≈ 1e-31 and 15 at ε ≈ 1e-19, and "
                   "no standard init comes near (paper init 3–4 / 2–3, Xavier 2–3): an initialisation the paper does "
                   "not state, not the convention")
def test_paper_resnet_step0_ranks():
    t = _table(_paper("resnet"))
    assert t.loc["ResNet: last-layer ε-rank at step 0", "reproduced"] == "yes"
    assert t.loc["MLP: last-layer ε-rank at step 0", "reproduced"] == "yes"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Example 4.4 final: MLP 82, ours 49 (integral, 48–50) / 69 (paper convention, "
                   "68–69); per-layer 2/3/4 ResNet 70/92/96 vs 31/55/70 and 39/71/90, MLP 65/78/83 vs 37/47/49 and "
                   "43/64/69. The paper convention closes most of the gap, not all; 10k Adam steps at 1e-3")
def test_paper_resnet_final_mlp_and_layers():
    t = _table(_paper("resnet"))
    assert t.loc["MLP: final last-layer ε-rank", "reproduced"] == "yes"
    assert t.loc["ResNet: final ε-rank layers 2/3/4", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_digits_staircase():
    result = _paper("digits")
    t = _table(result)
    traj = result.tables["digits_trajectory"]
    r, loss = traj["eps_rank"].to_numpy(), traj["loss"].to_numpy()
    assert r[0] <= 12 and r[-1] >= 90
    # Fig. 5 starts at ≈10: that is the integral count (11); unit weights on the 1,797 samples count 45
    assert t.loc["digits: ε-rank of the 100-wide layer at step 0", "verdict"] == "reproduced under integral only"
    assert traj["eps_rank@paper"].iloc[0] >= 30
    assert t.loc["digits: final ε-rank of the 100-wide layer", "verdict"] == "reproduced (both conventions)"
    # the rise happens while the loss falls: by the first record at rank ≥ 90 the loss has halved.
    # (Over all 4,500 steps Spearman ρ is only about −0.4: the rank saturates at 100 early and the
    # loss keeps falling at constant rank, so ρ is no test of the staircase here.)
    first_high = int(np.argmax(r >= 90))
    assert loss[first_high] < 0.5 * loss[0]
    assert np.corrcoef(r[: first_high + 1], np.log(loss[: first_high + 1]))[0, 1] < -0.8


@pytest.mark.slow
def test_paper_layer_ordering_and_counts():
    t = _table(_paper("layers"))
    assert t.loc["ordering: r1 < r2 < r3 < r4 (final, every seed)", "verdict"] == "reproduced (both conventions)"
    # Fig. 3's 7 < 32 < 45 < 50: paper convention 11/36/48/49, integral 9/30/39/41 (medians, seeds 0–2);
    # layer 4 reaches 50 only in the paper's count (49–50 against 40–41)
    assert t.loc["layer 4: final ε-rank", "verdict"] == "reproduced under paper only"
    for k in (2, 3):
        assert t.loc[f"layer {k}: final ε-rank", "reproduced (paper)"] == "yes"


@pytest.mark.slow
def test_paper_pinn_udi_starts_higher():
    t = _table(_paper("pinn"))
    assert t.loc["ordering: ε-rank UDI > Xavier at step 0", "verdict"] == "reproduced (both conventions)"
    assert t.loc["PINN UDI: ε-rank at step 0", "verdict"] == "reproduced (both conventions)"  # 50 / 50 vs 45


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Example 4.2 Xavier PINN at step 0: paper 7, ours 12 (integral) / 17 (paper "
                   "convention), seed 0: the paper's count moves away from 7, so not a convention effect. The paper "
                   "calls U(−1/√n, 1/√n) 'Xavier' (p. 7–8); that init (ours: init='paper') starts at 9 / 10, within "
                   "the row's max(2, 0.5·7); Glorot's normal law (init='xavier') is what this row measures")
def test_paper_pinn_xavier_step0():
    assert _table(_paper("pinn")).loc["PINN Xavier: ε-rank at step 0", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_every_activation_climbs_and_tanh_is_reproduced():
    result = _paper("activations")
    traj = result.tables["activations_trajectory"]
    for col in ("eps_rank", "eps_rank@paper"):
        grouped = traj.groupby(["activation", "seed"])[col]
        assert (grouped.last() > grouped.first() + 5).all()
    t = _table(result)
    # tanh 43: ours 38 (integral) / 41 (paper convention); ReLU 35: 25 / 31; cos 21: 22 / 26 (medians, seeds 0–2)
    assert t.loc["tanh: final ε-rank", "verdict"] == "reproduced (both conventions)"
    assert t.loc["relu: final ε-rank", "verdict"] == "reproduced under paper only"
    assert t.loc["cos: final ε-rank", "verdict"] == "reproduced under integral only"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="Fig. 4 ELU ≈48–50: ours 29 (integral, 27–30) / 39 (paper convention, 37–39), "
                   "so the final ordering is cos<relu<elu<tanh against the paper's cos<relu<tanh<elu under both "
                   "conventions; our count is 48 only for ε ∈ [1.0e-10, 1.7e-10) (integral). α = 1 is our choice (the "
                   "paper states none); not a convention effect")
def test_paper_elu_and_activation_ordering():
    t = _table(_paper("activations"))
    assert t.loc["elu: final ε-rank", "reproduced"] == "yes"
    assert t.loc["ordering of final ε-ranks (medians)", "reproduced"] == "yes"


def test_cli_profile_choices_are_the_profile_names():
    from numerics.cli import build_parser
    from numerics.experiment import PROFILE_NAMES
    from numerics.staircase.methods.config import PROFILES

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["methods"]
    assert tuple(next(a for a in sub._actions if a.dest == "profile").choices) == PROFILE_NAMES == tuple(PROFILES)
