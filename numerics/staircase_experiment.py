"""The staircase experiment (arXiv 2412.05144, Example 2.6, Fig. 2) and the registered ``staircase.thm3_3`` check.

Trains tanh MLPs on u* = cos x + cos 2x + cos 30x over [−1, 1] (full batch, Adam), records the ε-rank
of every hidden layer, the loss and the three Thm 3.3 bounds every k steps, and writes:

- ``staircase_trajectory.csv``: the tidy trajectory (one row per configuration, seed and recorded step);
- ``staircase_summary.{csv,md,tex}``: per configuration and seed, the final loss, final ε-rank per
  layer, number of staircase steps, Spearman/Kendall correlation of rank and log-loss, minimum slack
  and violations of each bound;
- ``staircase_steps.{csv,md,tex}``: every detected step (when, rank gained, loss drop);
- ``staircase_comparison.{csv,md,tex}``: our final ε-rank and loss beside the values read off Fig. 2;
- figures: ``staircase_fig2.png`` (loss on a log scale with the ε-rank on a twin axis, one panel per
  configuration, as in the paper) and ``staircase_layers_<config>.png`` (ε-rank of every layer).

Each configuration's trajectory is also kept in ``staircase_runs/`` under a name derived from its
settings, so an interrupted grid resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from numerics import __version__
from numerics._progress import progress
from numerics.experiment import ExperimentResult, check_profile, comparison_row
from numerics.problems import DEFAULT_M, FittingProblem, paper_problem
from numerics.staircase_analysis import analyse_trajectory, segment_staircase
from numerics.training import ModelSpec, TrainConfig, rank_column, train_members

__all__ = [
    "BOUND_NAMES",
    "PAPER_FIG2",
    "StaircaseGrid",
    "profile_grid",
    "run_grid",
    "summary_table",
    "steps_table",
    "checks_from_trajectory",
    "comparison_table",
    "plot_staircase_grid",
    "plot_layer_ranks",
    "experiment",
]

THEOREM_ID = "staircase.thm3_3"
BOUND_NAMES = ("thm3_3_paper", "thm3_3_tight", "thm3_3_eigen")

# Values read off Fig. 2 of arXiv 2412.05144 (research note §4): (depth, width) -> final ε-rank, final loss
# (the paper's "MSE", compared with our L²(Ω) loss / |Ω|). None: the figure gives no number.
PAPER_FIG2 = {
    (2, 50): {"panel": "(a)", "rank": 50, "loss": 1e-4},
    (2, 25): {"panel": "(b)", "rank": 25, "loss": 6e-2},
    (4, 50): {"panel": "(c)", "rank": 50, "loss": 1e-4},
    (4, 25): {"panel": "(d)", "rank": 25, "loss": None},
}


@dataclass(frozen=True)
class StaircaseGrid:
    """A grid of configurations trained on one problem: specs × seeds, one `TrainConfig`."""

    specs: tuple[ModelSpec, ...]
    config: TrainConfig
    seeds: tuple[int, ...] = (0,)
    m: int = DEFAULT_M
    description: str = ""

    def settings(self) -> str:
        c = self.config
        sched = f", schedule={c.schedule}" if c.schedule else ""
        return (f"{c.optimizer} lr={c.lr:g}{sched}, {c.steps} steps, record every {c.record_every}, "
                f"{len(self.seeds)} seed(s), Gauss-Legendre m={self.m}, eps={c.rank_eps:g}, {c.dtype}")

    def as_config(self) -> dict[str, Any]:
        return {"specs": [asdict(s) for s in self.specs], "train": asdict(self.config), "seeds": list(self.seeds),
                "m": self.m, "description": self.description}


def _fig2_specs(init: str = "paper") -> tuple[ModelSpec, ...]:
    return tuple(ModelSpec(width=n, depth=L, init=init) for L, n in ((2, 50), (2, 25), (4, 50), (4, 25)))


def profile_grid(profile: str, seed: int = 0) -> StaircaseGrid:
    """The grid each profile runs.

    paper: Fig. 2's grid L ∈ {2, 4} × n ∈ {25, 50}, tanh, U(−1/√n, 1/√n) init, Adam 1e-3 (the paper
        states no optimiser), 15 000 steps, 3 seeds, recorded every 100 steps.
    quick: the same grid and seeds-1, reduced to 5 000 steps at Adam 3e-3, recorded every 100 (what
        ``make report`` runs; about a minute on 2 cores).
    test: L ∈ {1, 2}, n = 8, 120 steps at Adam 1e-2 (seconds).
    """
    check_profile(profile)
    if profile == "paper":
        cfg = TrainConfig(steps=15000, lr=1e-3, record_every=100)
        return StaircaseGrid(_fig2_specs(), cfg, (seed, seed + 1, seed + 2), description="Fig. 2 grid, paper scale")
    if profile == "quick":
        cfg = TrainConfig(steps=5000, lr=3e-3, record_every=100)
        return StaircaseGrid(_fig2_specs(), cfg, (seed,),
                             description="Fig. 2 grid reduced: 5 000 steps at Adam 3e-3 (paper scale: 15 000 at 1e-3), 1 seed")
    cfg = TrainConfig(steps=120, lr=1e-2, record_every=20)
    specs = (ModelSpec(width=8, depth=1), ModelSpec(width=8, depth=2))
    return StaircaseGrid(specs, cfg, (seed,), description="smoke grid (seconds)")


def _run_key(specs: tuple[ModelSpec, ...], grid: StaircaseGrid) -> str:
    train_settings = {k: v for k, v in asdict(grid.config).items() if k != "threads"}  # threads do not change results
    payload = json.dumps({"specs": [asdict(s) for s in specs], "train": train_settings,
                          "seeds": list(grid.seeds), "m": grid.m, "version": __version__}, sort_keys=True, default=str)
    inits = "-".join(s.init for s in specs)
    return f"{specs[0].label.rsplit('_', 1)[0]}_{inits}_{hashlib.sha256(payload.encode()).hexdigest()[:10]}"


def _shape_groups(specs: tuple[ModelSpec, ...]) -> list[tuple[ModelSpec, ...]]:
    groups: dict[tuple, list[ModelSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.shape, []).append(spec)
    return [tuple(g) for g in groups.values()]


def run_grid(grid: StaircaseGrid, *, out_dir: Path | None = None, quiet: bool = False,
             problem: FittingProblem | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train every spec of ``grid``; return (trajectory, info).

    Specs of one shape (width, depth, activation, residual; e.g. the same net with two inits) and
    all their seeds train together as one batched model. With ``out_dir``, each finished group is
    written to ``out_dir/staircase_runs/`` and a rerun with the same settings loads it instead of
    training again. ``info`` holds the timing of each group (GFLOP/s) and the
    diverged members.
    """
    from numerics.io import read_csv, write_json, write_table

    problem = problem or paper_problem(grid.m)
    frames, timing, diverged = [], [], []
    runs_dir = Path(out_dir) / "staircase_runs" if out_dir is not None else None
    groups = _shape_groups(grid.specs)
    for specs in progress(groups, total=len(groups), desc="staircase configs", quiet=quiet):
        cache = runs_dir / f"{_run_key(specs, grid)}.csv" if runs_dir is not None else None
        if cache is not None and cache.exists() and cache.with_suffix(".json").exists():
            frames.append(read_csv(cache))
            saved = json.loads(cache.with_suffix(".json").read_text())
            timing.append({**saved["timing"], "resumed": True})
            diverged += saved["diverged"]
            continue
        members = [(spec, s) for spec in specs for s in grid.seeds]
        label = " + ".join(spec.label for spec in specs)
        res = train_members(problem, members, grid.config, quiet=quiet, desc=label)
        traj = res.trajectory.copy()
        by_label = {spec.label: spec for spec in specs}
        for pos, col in enumerate(("depth", "width", "activation", "init", "residual"), start=1):
            traj.insert(pos, col, traj["config"].map(lambda lab, c=col: getattr(by_label[lab], c)))
        traj["diverged_at"] = [res.diverged[(lab, s)] for lab, s in zip(traj["config"], traj["seed"])]
        frames.append(traj)
        timing.append({"config": label, "resumed": False, **res.timing})
        run_diverged = [{"config": k[0], "seed": k[1], "step": v} for k, v in res.diverged.items() if v is not None]
        diverged += run_diverged
        if cache is not None:
            # the JSON is written last: a group counts as finished only when both files exist
            write_table(traj, cache.with_suffix(""), config=grid.as_config(), formats=("csv",), float_format="%.17g")
            write_json(cache.with_suffix(".json"), {"timing": timing[-1], "diverged": run_diverged},
                       config=grid.as_config())
    return pd.concat(frames, ignore_index=True), {"timing": timing, "diverged": diverged}


def checks_from_trajectory(traj: pd.DataFrame) -> pd.DataFrame:
    """Long-form checks (one row per configuration, seed, step and bound) from the trajectory's bound columns."""
    frames = []
    if "loss" in traj.columns:
        traj = traj[traj["loss"].notna()]  # a diverged member's NaN marker row holds no check
    diverged = traj["diverged"].astype(bool) if "diverged" in traj.columns else pd.Series(False, index=traj.index)
    for name in BOUND_NAMES:
        if name not in traj.columns:
            continue
        frames.append(pd.DataFrame({
            "config": traj["config"], "seed": traj["seed"], "step": traj["step"], "bound": name,
            "lhs": traj[f"{name}_lhs"], "rhs": traj[name], "slack": traj[f"{name}_slack"],
            "holds": traj[f"{name}_holds"].astype(bool), "diverged": diverged,
        }))
    if not frames:
        return pd.DataFrame(columns=["config", "seed", "step", "bound", "lhs", "rhs", "slack", "holds", "diverged"])
    return pd.concat(frames, ignore_index=True)


def _layer_columns(traj: pd.DataFrame, eps: float) -> list[tuple[int, str]]:
    out = []
    k = 1
    while rank_column(k, eps) in traj.columns and traj[rank_column(k, eps)].notna().any():
        out.append((k, rank_column(k, eps)))
        k += 1
    return out


def summary_table(traj: pd.DataFrame, rank_eps: float = 1e-6) -> pd.DataFrame:
    """One row per configuration and seed: final loss/MSE, final ε-rank per layer, staircase steps,
    rank–log-loss correlations, and per bound the minimum slack and the violations."""
    rows = []
    for (config, seed), g in traj.groupby(["config", "seed"], sort=False):
        g = g.sort_values("step", kind="stable")
        last = g.iloc[-1]
        row: dict[str, Any] = {"config": config, "seed": int(seed)}
        for col in ("depth", "width", "activation", "init"):
            if col in g.columns:
                row[col] = g[col].dropna().iloc[-1] if g[col].notna().any() else None
        if "diverged" in g.columns and g["diverged"].astype(bool).any():
            # a diverged member's final metrics are NaN: nothing after the blow-up is a measurement
            rows.append({**row, "steps": int(last["step"]), "final_loss": math.nan, "final_mse": math.nan,
                         "final_eps_rank": math.nan, "diverged": True, "diverged_at": int(last["step"])})
            continue
        stats = analyse_trajectory(g)
        row.update({
            "steps": int(last["step"]),
            "final_loss": float(last["loss"]),
            "final_mse": float(last["mse"]),
            "rank_start": stats["rank_start"],
            "final_eps_rank": int(last["eps_rank"]),
        })
        for k, col in _layer_columns(g, rank_eps):
            row[f"final_rank_l{k}"] = int(last[col])
        row.update({
            "n_steps": stats["n_steps"],
            "rank_gain": stats["total_gain"],
            "spearman": stats["spearman"],
            "spearman_p": stats["spearman_p"],
            "spearman_rise": stats["spearman_rise"],
            "rise_until": stats["rise_until"],
            "kendall": stats["kendall"],
            "kendall_p": stats["kendall_p"],
        })
        for name in BOUND_NAMES:
            if name in g.columns:
                row[f"min_slack_{name}"] = float(g[f"{name}_slack"].min())
                row[f"violations_{name}"] = int((~g[f"{name}_holds"].astype(bool)).sum())
        row["diverged"] = False
        row["diverged_at"] = None
        rows.append(row)
    return pd.DataFrame(rows)


def steps_table(traj: pd.DataFrame) -> pd.DataFrame:
    """Every detected staircase step of every run (`segment_staircase` with its defaults)."""
    frames = []
    for (config, seed), g in traj.groupby(["config", "seed"], sort=False):
        g = g[g["loss"].notna()].sort_values("step")  # without a diverged member's NaN marker row
        if g.empty:
            continue
        s = segment_staircase(g["step"], g["eps_rank"], g["loss"])
        st = s.steps.copy()
        st.insert(0, "config", config)
        st.insert(1, "seed", int(seed))
        frames.append(st)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


_RANK_CRITERION = "eps-rank: ours >= 0.9 x paper's"
_LOSS_CRITERION = "loss: within a factor 10 of the paper's (read by eye off a log axis)"


def comparison_table(summary: pd.DataFrame, grid: StaircaseGrid) -> pd.DataFrame:
    """Our final ε-rank and MSE (median over seeds) beside Fig. 2's read-off values.

    Criteria: the rank is reproduced when ours ≥ 0.9 × the paper's; the loss when it is within a
    factor 10 (the figure is read by eye on a log axis).
    """
    rows = []
    settings = grid.settings() + (f" [{grid.description}]" if grid.description else "")
    for (depth, width), paper in PAPER_FIG2.items():
        sel = summary[(summary["depth"] == depth) & (summary["width"] == width)] if "depth" in summary else summary.iloc[:0]
        if sel.empty:
            continue
        tag = f"Fig. 2{paper['panel']} L={depth}, n={width}"
        gone = sel["diverged"].astype(bool) if "diverged" in sel else pd.Series(False, index=sel.index)
        if gone.all():  # a diverged run gives no number to compare
            for what, value, crit in (("final eps-rank (eps=1e-6)", paper["rank"], _RANK_CRITERION),
                                      ("final loss (MSE)", paper["loss"], _LOSS_CRITERION)):
                rows.append(comparison_row(f"{tag}: {what}", "not given" if value is None else value,
                                           f"diverged ({len(sel)} of {len(sel)} seeds)", settings, reproduced=False,
                                           criterion=crit))
            continue
        if gone.any():
            settings_g = f"{settings}; median of {int((~gone).sum())} seeds, {int(gone.sum())} diverged and excluded"
        sel = sel[~gone]
        rank = float(sel["final_eps_rank"].median())
        mse = float(sel["final_mse"].median())
        panel_settings = settings_g if gone.any() else settings
        rows.append(comparison_row(f"{tag}: final eps-rank (eps=1e-6)", paper["rank"], rank, panel_settings,
                                   reproduced=rank >= 0.9 * paper["rank"], criterion=_RANK_CRITERION))
        if paper["loss"] is None:
            rows.append(comparison_row(f"{tag}: final loss (MSE)", "not given", mse, panel_settings, reproduced=None,
                                       criterion=_LOSS_CRITERION))
        else:
            ratio = mse / paper["loss"]
            rows.append(comparison_row(f"{tag}: final loss (MSE)", paper["loss"], mse, panel_settings,
                                       reproduced=bool(0.1 <= ratio <= 10.0), criterion=_LOSS_CRITERION))
    return pd.DataFrame(rows, columns=["quantity", "paper", "ours", "ratio", "settings", "reproduced", "criterion"])


# --- figures -----------------------------------------------------------------------------------


def plot_staircase_grid(traj: pd.DataFrame, path: Path, *, config: dict | None = None, seed: Any = None,
                        title: str = "") -> Path:
    """One panel per configuration: loss (log scale, left) and ε-rank (right, twin axis), one line per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from numerics.io import save_figure

    configs = list(dict.fromkeys(traj["config"]))
    cols = min(2, len(configs))
    rows = math.ceil(len(configs) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.0 * cols, 3.6 * rows), squeeze=False)
    for ax, label in zip(axes.flat, configs):
        g = traj[traj["config"] == label]
        twin = ax.twinx()
        for i, (s, h) in enumerate(g.groupby("seed")):
            alpha = 1.0 if i == 0 else 0.45
            ax.semilogy(h["step"], h["loss"], color="tab:blue", lw=1.2, alpha=alpha, label="loss" if i == 0 else None)
            twin.plot(h["step"], h["eps_rank"], color="tab:red", lw=1.2, alpha=alpha, drawstyle="steps-post",
                      label="ε-rank" if i == 0 else None)
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss  Σ w (u − u*)²", color="tab:blue")
        twin.set_ylabel("ε-rank (ε = 1e-6), last hidden layer", color="tab:red")
        twin.set_ylim(0, g["width"].max() + 2 if "width" in g else None)
        ax.set_title(label, fontsize=9)
        lines = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(lines, [ln.get_label() for ln in lines], loc="center right", fontsize=8)
    for ax in list(axes.flat)[len(configs):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = save_figure(fig, path, config=config, seed=seed)
    plt.close(fig)
    return out


def plot_layer_ranks(traj: pd.DataFrame, label: str, path: Path, *, rank_eps: float = 1e-6,
                     config: dict | None = None, seed: Any = None) -> Path:
    """ε-rank of every hidden layer against the iteration for one configuration (first seed), as Fig. 3."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from numerics.io import save_figure

    g = traj[traj["config"] == label]
    g = g[g["seed"] == g["seed"].iloc[0]]
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for k, col in _layer_columns(g, rank_eps):
        ax.plot(g["step"], g[col], drawstyle="steps-post", label=f"layer {k}")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"ε-rank (ε = {rank_eps:g})")
    ax.set_title(f"per-layer ε-rank: {label}, seed {int(g['seed'].iloc[0])}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = save_figure(fig, path, config=config, seed=seed)
    plt.close(fig)
    return out


# --- the registered experiment -------------------------------------------------------------------


def run_staircase(grid: StaircaseGrid, *, out_dir: Path | None = None, quiet: bool = False,
                  seed: Any = None) -> ExperimentResult:
    """Run ``grid``, analyse it, and (with ``out_dir``) write tables and figures; see the module docstring."""
    from numerics.io import write_table

    traj, info = run_grid(grid, out_dir=out_dir, quiet=quiet)
    checks = checks_from_trajectory(traj)
    summary = summary_table(traj, grid.config.rank_eps)
    stair_steps = steps_table(traj)
    comparison = comparison_table(summary, grid)
    timing = pd.DataFrame(info["timing"])
    config = {"theorem": THEOREM_ID, **grid.as_config()}
    notes = _notes(summary, timing, info, grid)
    figures: list[Path] = []
    if out_dir is not None:
        out = Path(out_dir)
        write_table(traj, out / "staircase_trajectory", config=config, seed=seed, formats=("csv",), float_format="%.10g")
        write_table(summary, out / "staircase_summary", config=config, seed=seed)
        if len(stair_steps):
            write_table(stair_steps, out / "staircase_steps", config=config, seed=seed)
        if len(comparison):
            write_table(comparison, out / "staircase_comparison", config=config, seed=seed)
        write_table(timing, out / "staircase_timing", config=config, seed=seed)
        figures.append(plot_staircase_grid(traj, out / "staircase_fig2.png", config=config, seed=seed,
                                           title=f"loss and ε-rank during training ({grid.settings()})"))
        for label in dict.fromkeys(traj["config"]):
            figures.append(plot_layer_ranks(traj, label, out / f"staircase_layers_{label}.png",
                                            rank_eps=grid.config.rank_eps, config=config, seed=seed))
    return ExperimentResult(
        theorem_id=THEOREM_ID,
        checks=checks,
        comparison=comparison if len(comparison) else None,
        tables={"summary": summary, "steps": stair_steps, "timing": timing, "trajectory": traj},
        figures=figures,
        config=config,
        notes=notes,
    )


def _notes(summary: pd.DataFrame, timing: pd.DataFrame, info: dict, grid: StaircaseGrid) -> list[str]:
    notes = [f"grid: {grid.description}; {grid.settings()}."]
    notes.append("loss = Σ_k w_k (u(x_k) − u*(x_k))², the squared L²(Ω) error with the quadrature of the Gram "
                 "matrix; the paper's 'MSE' is compared with loss/|Ω| (final_mse).")
    if len(summary):
        notes.append(
            "Spearman(ε-rank, log-loss) per run, whole run / rising phase (until the smoothed rank first "
            "reaches its maximum): "
            + ", ".join(f"{r.config} s{r.seed}: {r.spearman:.3f} / {r.spearman_rise:.3f}"
                        for r in summary.itertuples())
            + ". The whole-run value mixes the staircase phase with the late phase in which the rank has "
              "saturated and flickers by ±1 while the loss keeps falling."
        )
        below = summary[summary["final_eps_rank"] < summary["width"]] if "width" in summary else summary.iloc[:0]
        if len(below):
            notes.append(
                f"{len(below)} of {len(summary)} runs end below full ε-rank n at ε=1e-6 (the paper's Fig. 2 "
                "reaches n in every panel). The paper's trapezoid weights are printed without the factor h; "
                "without it M is scaled by 1/h and more eigenvalues pass ε, which may explain part of the gap."
            )
    if "gflops" in timing:
        t = timing.dropna(subset=["gflops"])
        if len(t):
            notes.append(
                "training throughput: " + ", ".join(
                    f"{r.config}: {r.gflops:.2f} GFLOP/s" for r in t.itertuples())
                + " (matmul FLOPs, 3x forward; `make bench` measures this machine's matmul peak)."
            )
    if info["diverged"]:
        notes.append(f"diverged runs (NaN final metrics, excluded from the comparison; rule in numerics.training."
                     f"train_members): {info['diverged']}.")
    return notes


def experiment(profile: str = "quick", *, seed: int = 0, out_dir: Path | None = None,
               quiet: bool = False) -> ExperimentResult:
    """Thm 3.3 along training on Fig. 2's grid: every recorded step checks L ≥ each bound variant.

    Profiles: see `profile_grid` (paper: Fig. 2 at 15 000 steps and 3 seeds; quick: reduced; test:
    seconds). Returns the check rows, the paper-vs-ours table, the summary/steps/trajectory tables
    and, with ``out_dir``, the figures.
    """
    grid = profile_grid(profile, seed)
    result = run_staircase(grid, out_dir=Path(out_dir) if out_dir is not None else None, quiet=quiet, seed=seed)
    result.config["profile"] = profile
    return result

