"""The staircase experiment, its tables, figures, resume, paper comparison and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from numerics.experiment import ExperimentResult
from numerics.io import read_csv, read_provenance
from numerics.staircase_experiment import (
    BOUND_NAMES,
    StaircaseGrid,
    comparison_table,
    experiment,
    profile_grid,
    run_grid,
)
from numerics.training import ModelSpec, TrainConfig


@pytest.fixture(scope="module")
def test_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("staircase")
    return experiment("test", seed=0, out_dir=out, quiet=True), out


def test_registered_experiment_is_this_one():
    from theory import registry

    assert registry.get("staircase.thm3_3").resolve_experiment() is experiment


def test_test_profile_checks_every_step_and_bound(test_run):
    result, _ = test_run
    assert isinstance(result, ExperimentResult)
    traj = result.tables["trajectory"]
    assert result.violations == 0
    assert len(result.checks) == len(traj) * len(BOUND_NAMES)
    assert set(result.checks["bound"]) == set(BOUND_NAMES)
    assert {"config", "seed", "step"} <= set(result.checks.columns)
    # the check's lhs is the recorded loss
    merged = result.checks.merge(traj[["config", "seed", "step", "loss"]], on=["config", "seed", "step"])
    np.testing.assert_allclose(merged["lhs"], merged["loss"], rtol=1e-12)


def test_summary_agrees_with_trajectory(test_run):
    result, _ = test_run
    traj, summary = result.tables["trajectory"], result.tables["summary"]
    assert len(summary) == traj.groupby(["config", "seed"]).ngroups
    for row in summary.itertuples():
        g = traj[(traj.config == row.config) & (traj.seed == row.seed)].sort_values("step")
        assert row.final_loss == g["loss"].iloc[-1]
        assert row.final_eps_rank == g["eps_rank"].iloc[-1]
        assert row.rank_start == g["eps_rank"].iloc[0]
        for name in BOUND_NAMES:
            assert getattr(row, f"min_slack_{name}") == g[f"{name}_slack"].min()
            assert getattr(row, f"violations_{name}") == 0
    for k in (1,):
        assert f"final_rank_l{k}" in summary.columns
    assert summary["spearman"].between(-1, 1).all()


def test_files_are_written_with_provenance(test_run):
    result, out = test_run
    for stem in ("staircase_summary", "staircase_timing"):
        for ext in ("csv", "md", "tex"):
            assert (out / f"{stem}.{ext}").exists()
    traj = read_csv(out / "staircase_trajectory.csv")
    assert len(traj) == len(result.tables["trajectory"])
    assert read_provenance(out / "staircase_summary.csv")["config"]["theorem"] == "staircase.thm3_3"
    assert len(result.figures) == 1 + len(result.tables["summary"]["config"].unique())
    for fig in result.figures:
        assert fig.exists() and fig.stat().st_size > 10_000
        assert "provenance" in read_provenance(fig) or read_provenance(fig)["config"]


def test_resume_reuses_finished_configurations(tmp_path):
    grid = StaircaseGrid((ModelSpec(width=6, depth=1), ModelSpec(width=6, depth=2)),
                         TrainConfig(steps=20, record_every=10, lr=1e-2), (0,), description="resume test")
    first, _ = run_grid(grid, out_dir=tmp_path, quiet=True)
    runs = sorted((tmp_path / "staircase_runs").glob("*.csv"))
    assert len(runs) == 2
    runs[1].with_suffix(".json").unlink()  # as if the second configuration had been interrupted
    second, info = run_grid(grid, out_dir=tmp_path, quiet=True)
    assert sorted(t["resumed"] for t in info["timing"]) == [False, True]
    cols = ["config", "seed", "step", "loss", "eps_rank"]
    key = ["config", "seed", "step"]
    pd.testing.assert_frame_equal(first[cols].sort_values(key).reset_index(drop=True),
                                  second[cols].sort_values(key).reset_index(drop=True), check_exact=False, rtol=1e-15)


def test_comparison_table_criteria():
    grid = profile_grid("paper")
    summary = pd.DataFrame([
        {"depth": 2, "width": 50, "final_eps_rank": 47, "final_mse": 3e-4},  # rank ok, loss within 10x
        {"depth": 2, "width": 25, "final_eps_rank": 20, "final_mse": 1e-3},  # rank 0.8x, loss 60x below
        {"depth": 4, "width": 25, "final_eps_rank": 25, "final_mse": 1e-5},  # paper gives no loss
    ])
    table = comparison_table(summary, grid).set_index("quantity")
    a = table.loc["Fig. 2(a) L=2, n=50: final eps-rank (eps=1e-6)"]
    assert a["paper"] == 50 and a["ours"] == 47 and a["ratio"] == pytest.approx(0.94) and a["reproduced"] == "yes"
    assert table.loc["Fig. 2(a) L=2, n=50: final loss (MSE)", "reproduced"] == "yes"
    assert table.loc["Fig. 2(b) L=2, n=25: final eps-rank (eps=1e-6)", "reproduced"] == "no"
    assert table.loc["Fig. 2(b) L=2, n=25: final loss (MSE)", "reproduced"] == "no"
    assert table.loc["Fig. 2(d) L=4, n=25: final loss (MSE)", "reproduced"] == "n/a"
    assert not any("(c)" in q for q in table.index)  # no run for (c): no row
    assert "15000 steps" in a["settings"] and "3 seed(s)" in a["settings"]


def test_profiles():
    paper = profile_grid("paper")
    assert {(s.depth, s.width) for s in paper.specs} == {(2, 50), (2, 25), (4, 50), (4, 25)}
    assert paper.config.steps == 15000 and paper.config.lr == 1e-3 and len(paper.seeds) == 3
    assert all(s.activation == "tanh" for s in paper.specs)
    quick = profile_grid("quick")
    assert {(s.depth, s.width) for s in quick.specs} == {(2, 50), (2, 25), (4, 50), (4, 25)}
    assert "reduced" in quick.description
    with pytest.raises(ValueError, match="profile"):
        profile_grid("huge")


def test_cli(tmp_path, capsys):
    from numerics.cli import main

    assert main(["staircase", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "arXiv 2412.05144" in help_text and "Example" in help_text and "--record-every" in help_text
    rc = main(["staircase", "--profile", "test", "--depth", "1", "--width", "5", "--init", "paper", "torch",
               "--steps", "15", "--record-every", "5", "--n-seeds", "2", "--eps", "1e-4", "1e-8",
               "--out", str(tmp_path), "--quiet"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "violations: 0" in printed
    traj = read_csv(tmp_path / "staircase_trajectory.csv")
    assert set(traj["config"]) == {"mlp_L1_n5_tanh_paper", "mlp_L1_n5_tanh_torch"}
    assert set(traj["seed"]) == {0, 1}
    assert "eps_rank_l1_e1e-08" in traj.columns
    assert (traj["eps_rank"] == traj["eps_rank_l1_e0.0001"]).all()
    # both inits share one shape: they trained as one batched group
    timing = read_csv(tmp_path / "staircase_timing.csv")
    assert len(timing) == 1 and timing["members"].iloc[0] == 4


def test_cli_rejects_bad_values(tmp_path, capsys):
    from numerics.cli import main

    rc = main(["staircase", "--profile", "test", "--steps", "0", "--out", str(tmp_path), "--quiet"])
    assert rc != 0
    assert "steps" in capsys.readouterr().err
    rc = main(["staircase", "--profile", "test", "--threads", "-1", "--out", str(tmp_path), "--quiet"])
    assert rc != 0
    assert "--threads" in capsys.readouterr().err
