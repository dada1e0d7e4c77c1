"""Methods that raise ε-rank (arXiv 2412.05144 §4–§6): the experiments, the joint table, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from numerics import rank_methods
from numerics.io import read_csv
from numerics.models import MLP
from numerics.problems import paper_problem
from numerics.quadrature import paper_trapezoid
from numerics.rank_methods import (
    EXPERIMENTS,
    METHODS_COLUMNS,
    MAGNITUDE,
    RANK,
    SAME,
    _close,
    _eps_window,
    _same_magnitude,
    activations_experiment,
    method_row,
    methods_columns,
    methods_report,
    run_methods,
    structured_experiment,
)
from numerics.ranks import epsilon_rank
from numerics.training import ModelSpec, TrainConfig, train_members



def _ranks(model, problem):
    x = torch.tensor(np.array(problem.quadrature.points))
    with torch.no_grad():
        feats = model.hidden_features(x)
    return [epsilon_rank(f.numpy(), 1e-6, problem.quadrature.weights) for f in feats]


def test_criteria():
    assert _close(29, 30) and _close(8, 6) and not _close(20, 30)
    assert _close(50, 45) and not _close(12, 7, rel=0.5)
    assert _same_magnitude(5e-4, 5.53e-4) and _same_magnitude(2.7e-4, 2.7e-5) and not _same_magnitude(3e-6, 5e-4)


def test_end_level_ignores_a_last_step_spike():
    steps = np.arange(0, 1001, 10)
    loss = np.full(steps.size, 1e-5)
    loss[-1] = 3e-4  # an Adam spike at the very end
    traj = pd.DataFrame({"config": "a", "step": steps, "mse": loss})
    assert rank_methods._end_level(traj, "config", "mse")["a"] == 1e-5
    loss[-6:] = 2e-4  # a plateau over the last 10%: that is the level
    assert rank_methods._end_level(traj.assign(mse=loss), "config", "mse")["a"] == 2e-4



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
    assert _eps_window([lam], 2) == "[1.0e-07, 1.0e-03)"
    assert _eps_window([lam], 4) == "[0.0e+00, 1.0e-09)"
    assert _eps_window([lam, lam * 3], 1) == "[2.0e-03, 2.0e+00)"  # medians over the spectra
    assert _eps_window([lam], 5).startswith("none (n = 4 < 5)")
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


def test_figures_are_returned_not_drawn_on_pyplot():
    import matplotlib.figure

    traj = pd.DataFrame({"config": "a", "step": [0, 10], "mse": [1.0, 0.1], "eps_rank": [3, 5],
                         "eps_rank@paper": [4, 6]})
    fig = rank_methods.plot_loss_rank(traj, "config", {"a": "net"}, ("integral", "paper"), title="t", caption="c")
    assert isinstance(fig, matplotlib.figure.Figure)
    ranks_axis = fig.axes[1]
    assert [list(line.get_ydata()) for line in ranks_axis.get_lines()] == [[3, 5], [4, 6]]
    assert [line.get_linestyle() for line in ranks_axis.get_lines()] == ["-", "--"]


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


def _table(result):
    return result.comparison().set_index("quantity")


@pytest.mark.slow
def test_paper_structured_beats_deeper_random():
    t = _table(EXPERIMENTS["structured"]("paper"))
    assert t.loc["ordering: MSE level structured L2 n30 < random L4 n50", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_rfm_matches_order_of_magnitude():
    t = _table(EXPERIMENTS["rfm"]("paper"))
    assert (t["reproduced"] == "yes").all()


@pytest.mark.slow
def test_paper_layer_ordering():
    t = _table(EXPERIMENTS["layers"]("paper"))
    assert t.loc["ordering: r1 < r2 < r3 < r4 (final)", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_resnet_above_mlp():
    t = _table(EXPERIMENTS["resnet"]("paper"))
    assert t.loc["ordering: ResNet > MLP at step 0", "reproduced"] == "yes"
    assert t.loc["ordering: ResNet ≥ MLP at the end", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_every_activation_climbs():
    result = EXPERIMENTS["activations"]("paper")
    traj = result.tables["activations_trajectory"]
    grouped = traj.groupby("activation")["eps_rank"]
    assert (grouped.last() > grouped.first() + 5).all()


@pytest.mark.slow
def test_paper_pinn_udi_starts_higher():
    t = _table(EXPERIMENTS["pinn"]("paper"))
    assert t.loc["ordering: ε-rank UDI > Xavier at step 0", "reproduced"] == "yes"
    assert t.loc["PINN UDI: ε-rank at step 0", "reproduced"] == "yes"


@pytest.mark.slow
def test_paper_digits_staircase():
    result = EXPERIMENTS["digits"]("paper")
    traj = result.tables["digits_trajectory"]
    r, loss = traj["eps_rank"].to_numpy(), traj["loss"].to_numpy()
    assert r[0] <= 12 and r[-1] >= 90
    # the rise happens while the loss falls: by the first record at rank ≥ 90 the loss has halved.
    # (Over all 4,500 steps Spearman ρ is only about −0.4: the rank saturates at 100 early and the
    # loss keeps falling at constant rank, so ρ is no test of the staircase here.)
    first_high = int(np.argmax(r >= 90))
    assert loss[first_high] < 0.5 * loss[0]
    assert np.corrcoef(r[: first_high + 1], np.log(loss[: first_high + 1]))[0, 1] < -0.8
