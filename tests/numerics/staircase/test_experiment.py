"""The staircase experiment, its tables, figures, resume, paper comparison and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from numerics.experiment import ExperimentResult
from numerics.io import read_csv, read_provenance
from numerics.staircase.experiment import (
    BOUND_NAMES,
    FIG2_VERDICT,
    StaircaseGrid,
    comparison_table,
    experiment,
    fig2_table,
    final_models,
    profile_grid,
    run_grid,
    start_rank_table,
    start_ranks,
)
from numerics.staircase.training import ModelSpec, TrainConfig
from numerics.staircase.experiment import thm3_2_experiment


@pytest.fixture(scope="module")
def test_run(profile_test_run):
    return profile_test_run(experiment)


def test_registered_experiment_is_this_one():
    from theory import registry

    assert registry.get("staircase.thm3_3").resolve_experiment() is experiment


def test_test_profile_checks_every_step_and_bound(test_run):
    result, _ = test_run
    assert isinstance(result, ExperimentResult)
    traj = result.tables["trajectory"]
    assert result.violations == 0
    assert len(result.checks) == len(traj) * len(BOUND_NAMES) * 2  # both conventions
    assert set(result.checks["bound"]) == set(BOUND_NAMES)
    assert set(result.checks["convention"]) == {"integral", "paper"}
    assert {"config", "seed", "step"} <= set(result.checks.columns)
    # the check's lhs is the recorded loss of its own convention
    merged = result.checks.merge(traj[["config", "seed", "step", "loss", "loss@paper"]], on=["config", "seed", "step"])
    integral, paper = merged[merged.convention == "integral"], merged[merged.convention == "paper"]
    np.testing.assert_allclose(integral["lhs"], integral["loss"], rtol=1e-12)
    np.testing.assert_allclose(paper["lhs"], paper["loss@paper"], rtol=1e-12)
    assert (paper["loss@paper"] > 10 * paper["loss"]).all()  # unit weights: about 1/h = 29.5 times the integral


def test_summary_agrees_with_trajectory(test_run):
    result, _ = test_run
    traj, summary = result.tables["trajectory"], result.tables["summary"]
    assert len(summary) == 2 * traj.groupby(["config", "seed"]).ngroups
    for row in summary.itertuples():
        sfx = "" if row.convention == "integral" else "@paper"
        g = traj[(traj.config == row.config) & (traj.seed == row.seed)].sort_values("step")
        assert row.final_loss == g["loss" + sfx].iloc[-1]
        assert row.final_eps_rank == g["eps_rank" + sfx].iloc[-1]
        assert row.rank_start == g["eps_rank" + sfx].iloc[0]
        for name in BOUND_NAMES:
            assert getattr(row, f"min_slack_{name}") == g[f"{name}_slack" + sfx].min()
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
    assert len(result.figures) == 3 + len(result.tables["summary"]["config"].unique())  # Fig. 2 per convention, spectra
    assert {"Fig. 2 beside ours (integral convention)", "Fig. 2 beside ours (paper convention)"} <= set(result.tables)
    assert len(final_models(out)) == 2  # one saved parameter file per trained group
    gap = result.tables["final ε-rank: conventions, grids, ε/10 and 10ε, near-duplicate neurons"]
    summary = result.tables["summary"]
    for conv, col in (("integral", "rank [integral]"), ("paper", "rank [paper m=60]")):  # the saved nets are the last step
        final = summary[summary.convention == conv].merge(gap, on=["config", "seed"])
        assert (final[col] == final["final_eps_rank"]).all() and len(final) == len(gap)
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


def test_a_corrupt_run_file_is_retrained_not_trusted(tmp_path):
    grid = StaircaseGrid((ModelSpec(width=6, depth=1),), TrainConfig(steps=20, record_every=10, lr=1e-2), (0,))
    first, _ = run_grid(grid, out_dir=tmp_path, quiet=True)
    (pt,) = (tmp_path / "staircase_runs").glob("*.pt")
    for ext, damage in (("csv", b"config,seed\n\"unterminated"), ("pt", b"\x80 not a torch file"), ("json", b"{\"timing\"")):
        pt.with_suffix(f".{ext}").write_bytes(damage)
        with pytest.warns(RuntimeWarning, match="will be recomputed"):
            again, info = run_grid(grid, out_dir=tmp_path, quiet=True)
        assert [t["resumed"] for t in info["timing"]] == [False]
        pd.testing.assert_frame_equal(first, again)
        assert run_grid(grid, out_dir=tmp_path, quiet=True)[1]["timing"][0]["resumed"]  # the entry was rewritten


def test_comparison_table_criteria():
    grid = profile_grid("paper")
    summary = pd.DataFrame([
        {"depth": 2, "width": 50, "final_eps_rank": 47, "final_mse": 3e-4},  # rank ok, loss within 10x
        {"depth": 2, "width": 25, "final_eps_rank": 20, "final_mse": 1e-3},  # rank 0.8x, loss 60x below
        {"depth": 4, "width": 25, "final_eps_rank": 25, "final_mse": 1e-5},  # paper gives no loss
    ])
    table = comparison_table(summary, grid).set_index("quantity")
    tag = " [integral convention]"
    a = table.loc[f"Fig. 2(a) L=2, n=50{tag}: final eps-rank (eps=1e-06)"]
    assert a["paper"] == 50 and a["ours"] == 47 and a["ratio"] == pytest.approx(0.94) and a["reproduced"] == "yes"
    assert table.loc[f"Fig. 2(a) L=2, n=50{tag}: final loss (MSE)", "reproduced"] == "yes"
    assert table.loc[f"Fig. 2(b) L=2, n=25{tag}: final eps-rank (eps=1e-06)", "reproduced"] == "no"
    assert table.loc[f"Fig. 2(b) L=2, n=25{tag}: final loss (MSE)", "reproduced"] == "no"
    assert table.loc[f"Fig. 2(d) L=4, n=25{tag}: final loss (MSE)", "reproduced"] == "n/a"
    assert not any("(c)" in q for q in table.index)  # no run for (c): no row
    assert "15000 steps" in a["settings"] and "3 seed(s)" in a["settings"]


def test_fig2_table_verdicts_and_ranges():
    rows = [{"depth": 2, "width": 50, "init": "torch", "convention": conv, "final_eps_rank": r, "final_mse": 2e-4,
             "spearman": rho, "spearman_rise": -0.95} for conv, r, rho in (("paper", 50, -0.9), ("paper", 44, -0.7), ("paper", 46, -0.8),
                                                   ("integral", 38, -0.5), ("integral", 40, -0.55), ("integral", 39, -0.9))]
    table = fig2_table(pd.DataFrame(rows)).set_index("convention")
    paper, integral = table.loc["paper"], table.loc["integral"]
    assert paper["ours median"] == 46 and paper["ours range"] == "44–50" and paper["rank ratio"] == pytest.approx(0.92)
    assert paper[FIG2_VERDICT] == "rank yes, staircase yes / yes, loss yes"
    assert integral["ours median"] == 39 and integral[FIG2_VERDICT] == "rank no, staircase no / yes, loss yes"
    assert paper["MSE ratio"] == pytest.approx(2.0) and paper["seeds"] == 3
    assert "0.9" in FIG2_VERDICT and "-0.6" in FIG2_VERDICT


def test_start_ranks_count_both_conventions():
    from numerics.staircase.problem import measurement, paper_problem
    from numerics.ranks import epsilon_rank

    specs = (ModelSpec(width=12, depth=2, init="torch"), ModelSpec(width=12, depth=2, init="xavier"))
    starts = start_ranks(specs, (0, 1), m=100, paper_m=80)
    assert len(starts) == 2 * 2 * 2 and set(starts["convention"]) == {"integral", "paper"}
    problem = paper_problem(100)
    for row in starts.itertuples():
        meas = measurement(problem, row.convention, 80)
        feats = ModelSpec(width=12, depth=2, init=row.init).build(problem, row.seed).hidden_features(
            meas.quadrature.points_tensor())
        for k in (1, 2):
            assert getattr(row, f"rank_l{k}") == epsilon_rank(feats[k - 1].detach(), 1e-6, meas.quadrature.weights,
                                                              absolute=meas.absolute)
        assert row.eps_rank == row.rank_l2
    table = start_rank_table(starts)
    assert len(table) == 4 and table["seeds"].eq(2).all()
    ok = table["matches Fig. 2 start (median in [5, 10])"]
    assert (ok == table["ours median"].between(5, 10)).all()


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
    # --convention paper records the paper's columns only (the loss trained on stays the integral one)
    rc = main(["staircase", "--profile", "test", "--depth", "1", "--width", "5", "--steps", "10", "--record-every", "5",
               "--convention", "paper", "--paper-m", "40", "--out", str(tmp_path / "paper"), "--quiet"])
    assert rc == 0 and "violations: 0" in capsys.readouterr().out
    traj = read_csv(tmp_path / "paper" / "staircase_trajectory.csv")
    assert "eps_rank@paper" in traj.columns and "eps_rank" not in traj.columns and "loss" in traj.columns
    assert read_provenance(tmp_path / "paper" / "staircase_summary.csv")["config"]["train"]["paper_m"] == 40


def _profile_choices(command: str) -> tuple:
    from numerics.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    return tuple(next(a for a in sub._actions if a.dest == "profile").choices)


def test_cli_profile_choices_are_the_profile_names():
    from numerics.experiment import PROFILE_NAMES
    from numerics.staircase.config import PROFILES

    assert _profile_choices("staircase") == PROFILE_NAMES == tuple(PROFILES)


def test_cli_rejects_bad_values(tmp_path, capsys):
    from numerics.cli import main

    rc = main(["staircase", "--profile", "test", "--steps", "0", "--out", str(tmp_path), "--quiet"])
    assert rc != 0
    assert "steps" in capsys.readouterr().err
    rc = main(["staircase", "--profile", "test", "--threads", "-1", "--out", str(tmp_path), "--quiet"])
    assert rc != 0
    assert "--threads" in capsys.readouterr().err


# --- Fig. 2 at paper scale (slow): all four panels, torch init, 3 seeds, both conventions -----------------
# Measured (issue 13, seeds 0-2, paper convention, final eps-rank): (a) 36/41/44, (b) 25/24/23, (c) 49/50/49,
# (d) 25/25/25; Spearman over the rise <= -0.86 in every run. The floors keep a margin of 2-3 below the medians.
FIG2_FLOORS = {(2, 50): 38, (2, 25): 22, (4, 50): 46, (4, 25): 24}
_FIG2A_GAP = (
    "finding: Fig. 2(a) (L=2, n=50) reaches 50; ours ends at 36/41/44 (seeds 0-2; 5 seeds: median 43, 36-44) "
    "under the paper's convention and 32/38/43 under ours. Not the convention (paper grid m = 67/200/600: median "
    "42/43/43), not the init (paper init: 41), not lr or m (3x either way: 40-42): the last 7-14 Gram eigenvalues "
    "fall off a cliff to 1e-9..1e-19 (paper weights), so M would need a scale of ~2e7 to reach full rank; no two "
    "neurons are duplicates (50 of 50 clusters). Panel (c) (L=4) does reach 50 under the paper's convention."
)


@pytest.fixture(scope="module")
def fig2_paper_scale():
    from numerics.staircase.experiment import summary_tables

    grid = profile_grid("paper")
    traj, info = run_grid(grid, quiet=True)
    return traj, summary_tables(traj, grid.config.rank_eps), info


def _panel(summary, depth, width, convention="paper"):
    return summary[(summary.depth == depth) & (summary.width == width) & (summary.convention == convention)]


@pytest.mark.slow
def test_fig2_paper_scale_staircase_and_bounds(fig2_paper_scale):
    """Under the paper's convention: the rank climbs from a low start, anticorrelated with the loss, to at least
    the measured final ranks; Thm 3.3 holds at every recorded step under both conventions."""
    traj, summary, info = fig2_paper_scale
    print("\n" + summary[["config", "seed", "convention", "rank_start", "final_eps_rank", "spearman",
                          "spearman_rise", "final_mse"]].to_string())
    assert not info["diverged"]
    assert traj["holds"].all() and traj["holds@paper"].all()
    paper = summary[summary.convention == "paper"]
    assert paper["rank_start"].between(4, 10).all(), paper  # Fig. 2 starts at about 5-10
    assert (paper["spearman_rise"] <= -0.8).all(), paper
    assert (paper.groupby("config")["spearman"].median() <= -0.5).all(), paper
    for (depth, width), floor in FIG2_FLOORS.items():
        sel = _panel(summary, depth, width)
        assert sel["final_eps_rank"].median() >= floor, sel
    # the printed weights scale M by 1/h = 99.5: the paper's count is never below ours
    assert (paper["final_eps_rank"].to_numpy() >= summary[summary.convention == "integral"]["final_eps_rank"].to_numpy()).all()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=_FIG2A_GAP)
def test_fig2a_reaches_full_rank_under_the_paper_convention(fig2_paper_scale):
    _, summary, _ = fig2_paper_scale
    sel = _panel(summary, 2, 50)
    print("\n" + sel[["seed", "final_eps_rank"]].to_string())
    assert sel["final_eps_rank"].median() >= 0.9 * 50, sel


@pytest.mark.slow
def test_fig2c_reaches_full_rank_under_the_paper_convention_only(fig2_paper_scale):
    """Panel (c) is a convention effect: about 50 with the printed weights, about 41 with weights that integrate."""
    _, summary, _ = fig2_paper_scale
    assert _panel(summary, 4, 50)["final_eps_rank"].median() >= 0.9 * 50
    assert _panel(summary, 4, 50, "integral")["final_eps_rank"].median() <= 44  # measured 41 (39-42)


def test_thm3_2_experiment_writes_table_and_figure(tmp_path):
    res = thm3_2_experiment("test", seed=1, out_dir=tmp_path, quiet=True)
    assert res.theorem_id == "staircase.thm3_2" and res.violations == 0
    assert set(res.checks["bound"]) == {"thm3_2_paper", "thm3_2_tight"}
    assert {"activation", "dim", "n", "eps", "p"} <= set(res.checks.columns)
    assert set(res.checks["activation"]) == {"tanh", "relu", "cos"} and set(res.checks["dim"]) == {1, 2}
    assert (res.checks["p"] > 0).any() and (res.checks["p"] < res.checks["n"]).any()
    assert (tmp_path / "staircase_thm3_2_checks.csv").exists() and (tmp_path / "staircase_thm3_2_checks.md").exists()
    assert res.figures and res.figures[0].exists() and res.figures[0].suffix == ".png"
    again = thm3_2_experiment("test", seed=1, out_dir=None, quiet=True)
    assert again.checks.equals(res.checks) and again.figures == []
