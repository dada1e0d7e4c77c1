"""Methods that raise ε-rank (arXiv 2412.05144 §4–§6): the experiments, the joint table, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from numerics import rank_methods
from numerics.experiment import COMPARISON_COLUMNS
from numerics.io import read_csv
from numerics.models import MLP
from numerics.problems import paper_problem
from numerics.rank_methods import (
    EXPERIMENTS,
    _close,
    _same_magnitude,
    activations_experiment,
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


def test_structured_experiment_rows(tmp_path):
    result = structured_experiment("test", seed=0, out_dir=tmp_path)
    table = result.comparison()
    assert list(table.columns) == ["experiment", *COMPARISON_COLUMNS]
    row = table.set_index("quantity").loc["structured L=2 n=30: layer-1 ε-rank at step 0"]
    assert row["ours"] == 30 and row["reproduced"] == "yes"
    # 150 steps instead of 15k: the absolute losses cannot be compared
    loss_rows = table[table["quantity"].str.contains("final MSE level")]
    assert (loss_rows["reproduced"] == "n/a").all()
    assert loss_rows["settings"].str.contains("reduced").all()
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
    assert set(table["reproduced"].fillna("n/a")) <= {"yes", "no", "n/a"}
    assert (tmp_path / "methods_comparison.md").exists() and (tmp_path / "methods_comparison.tex").exists()
    assert (tmp_path / "methods_rfm.png").exists() and (tmp_path / "methods_digits.png").exists()
    rfm = table[table["experiment"] == "rfm"].set_index("quantity")
    assert rfm.loc["ordering: ε-rank RFM > ELM and error RFM < ELM", "ours"] == "yes"
    with pytest.raises(ValueError, match="ids must be among"):
        run_methods(["mnist"], "test")
    with pytest.raises(ValueError, match="profile"):
        run_methods(["rfm"], "huge")


def test_methods_report_collects_rows_figures_notes(monkeypatch, tmp_path):
    monkeypatch.setattr(rank_methods, "EXPERIMENTS", {"rfm": EXPERIMENTS["rfm"]})
    table, figures, notes = methods_report("test", seed=0, out_dir=tmp_path, quiet=True)
    assert isinstance(table, pd.DataFrame) and (table["experiment"] == "rfm").all()
    assert [f.name for f in figures] == ["methods_rfm.png"]
    assert any("feature law" in n for n in notes)


def test_cli_digits_on_user_arrays(tmp_path, capsys):
    from numerics.cli import main

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6))
    y = (X[:, 0] > 0).astype(np.int64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    out = tmp_path / "out"
    rc = main(["methods", "digits", "--data", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"),
               "--profile", "test", "--out", str(out), "--quiet"])
    assert rc == 0
    table = read_csv(out / "methods_comparison.csv")
    assert table["settings"].str.contains("N=60").all()
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
