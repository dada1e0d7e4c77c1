"""Bottleneck structure in trained deep networks (Jacot, arXiv 2305.19008), measured with torch.

The pieces live in private modules: the synthetic task (`_bottleneck_task`), the networks and their
training (`_bottleneck_nets`), the measurements and (★) checks (`_bottleneck_measure`) and the deep
linear networks (`_bottleneck_linear`). This module runs them as the two registered experiments:

- `experiment` (theorem ``bottleneck.master_inequality``): deep ReLU MLPs trained with weight decay
  on x = g(z), y = h(z_1..z_k) at several depths, plus random ReLU networks; the master inequality,
  its AM–GM form and the distance corollary are checked at every network, sample input and k;
  the paper's qualitative claims are reported yes/no with settings.
- `linear_experiment` (theorem ``bottleneck.deep_linear_cost``): deep linear networks trained with
  weight decay against R(P; L) = L Σ s_i(P)^{2/L}, and the pseudo-determinant inequalities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from numerics._threads import limit_threads
from numerics._bottleneck_linear import LinearFit, target_with_spectrum, train_deep_linear
from numerics._bottleneck_measure import (
    MASTER_BOUNDS,
    dominant_count,
    jacobian_singular_values,
    layer_singular_values,
    layer_table,
    master_checks,
    representation_singular_values,
)
from numerics._bottleneck_nets import TrainResult, make_mlp, theta_norm2, train_full_batch
from numerics._bottleneck_task import BottleneckTask, make_task
from numerics._progress import progress
from numerics.experiment import ExperimentResult, check_profile, checks_frame, comparison_row
from theory.bottleneck import PDET_PRODUCT, PDET_SUM, log_pseudo_determinant

__all__ = [
    "BottleneckConfig",
    "PROFILE_CONFIGS",
    "trained_network",
    "bottleneck_summary",
    "random_relu_checks",
    "experiment",
    "linear_experiment",
    "make_task",
    "make_mlp",
    "train_full_batch",
    "master_checks",
    "layer_table",
    "dominant_count",
    "layer_singular_values",
    "representation_singular_values",
    "jacobian_singular_values",
    "train_deep_linear",
    "linear_fits",
    "middle_layers",
    "MASTER_BOUNDS",
]

THEOREM_ID = "bottleneck.master_inequality"
LINEAR_THEOREM_ID = "bottleneck.deep_linear_cost"


@dataclass(frozen=True)
class BottleneckConfig:
    """One trained network: task size, architecture and training (research note §4.3 pilot defaults)."""

    depth: int = 12
    width: int = 50
    n: int = 500
    k: int = 2
    lam_times_depth: float = 0.24  # λ = lam_times_depth / L
    steps: int = 12_000
    lr: float = 1e-3
    bias: bool = True
    seed: int = 0  # network initialisation
    task_seed: int = 0

    @property
    def weight_decay(self) -> float:
        return self.lam_times_depth / self.depth

    def label(self) -> str:
        return f"L={self.depth} w={self.width} N={self.n} λL={self.lam_times_depth:g} steps={self.steps} lr={self.lr:g}"


# Depth sweeps per profile. "test" is the small fast version (seconds); "quick" ≤ ~90 s on 2 cores
# (L = 18 needs far more than 8000 steps: at 6000 its middle tails were still 0.15–0.28 of s_k);
# "paper" is the research note's pilot sweep at the paper's width 50 with longer training when deep.
_TEST = BottleneckConfig(depth=4, width=30, n=100, lam_times_depth=0.4, steps=2000, lr=5e-3)
PROFILE_CONFIGS: dict[str, tuple[BottleneckConfig, ...]] = {
    "test": (_TEST, replace(_TEST, depth=8)),
    "quick": tuple(
        BottleneckConfig(depth=L, width=50, n=200, lam_times_depth=0.3, steps=8000, lr=3e-3) for L in (6, 9, 12)
    ),
    "paper": tuple(
        BottleneckConfig(depth=L, steps=12_000 if L <= 12 else 30_000) for L in (6, 9, 12, 15, 18)
    ),
}
_SAMPLES = {"test": 6, "quick": 10, "paper": 20}


_TRAINED: dict[BottleneckConfig, tuple[torch.nn.Module, BottleneckTask, TrainResult]] = {}


def trained_network(cfg: BottleneckConfig, quiet: bool = True, cache_dir: Path | None = None
                    ) -> tuple[torch.nn.Module, BottleneckTask, TrainResult]:
    """Train one configuration, once per process (training is deterministic, so the result is cached).

    With ``cache_dir``, the trained parameters are also stored there (atomically, one file per
    configuration), so a stopped sweep resumes with the configurations it finished.
    Returns the float32 model, its task and the final objective terms; raises if training diverged.
    Callers must not modify the returned model.
    """
    if not isinstance(cfg, BottleneckConfig):
        raise TypeError(f"cfg must be a BottleneckConfig, got {type(cfg).__name__}")
    if cfg in _TRAINED:
        return _TRAINED[cfg]
    path = None if cache_dir is None else Path(cache_dir) / f"{_config_key(cfg)}.pt"
    if path is not None and path.exists():
        _TRAINED[cfg] = _load(cfg, path)
    else:
        _TRAINED[cfg] = _train(cfg, quiet)
        if path is not None:
            _save(_TRAINED[cfg], path, cfg)
    return _TRAINED[cfg]


def _config_key(cfg: BottleneckConfig) -> str:
    import hashlib
    import json

    from numerics import __version__

    text = json.dumps({**asdict(cfg), "version": __version__}, sort_keys=True)
    return f"L{cfg.depth}_" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _save(trained, path: Path, cfg: BottleneckConfig) -> None:
    import io

    from numerics.io import atomic_write_bytes, provenance

    model, _task, res = trained
    buf = io.BytesIO()
    torch.save({"state": model.state_dict(), "result": asdict(res), "provenance": provenance(asdict(cfg), cfg.seed)}, buf)
    atomic_write_bytes(path, buf.getvalue())


def _load(cfg: BottleneckConfig, path: Path):
    blob = torch.load(path, weights_only=True)
    task = make_task(cfg.n, k=cfg.k, seed=cfg.task_seed)
    model = make_mlp(task.x.shape[1], cfg.width, cfg.depth, task.y.shape[1], bias=cfg.bias)
    model.load_state_dict(blob["state"])
    return model, task, TrainResult(**blob["result"])


def _train(cfg: BottleneckConfig, quiet: bool) -> tuple[torch.nn.Module, BottleneckTask, TrainResult]:
    task = make_task(cfg.n, k=cfg.k, seed=cfg.task_seed)
    model = make_mlp(task.x.shape[1], cfg.width, cfg.depth, task.y.shape[1], bias=cfg.bias,
                     generator=torch.Generator().manual_seed(cfg.seed))
    with limit_threads(1):
        res = train_full_batch(model, task.x, task.y, weight_decay=cfg.weight_decay, steps=cfg.steps, lr=cfg.lr,
                               quiet=quiet, desc=f"train L={cfg.depth}")
    if res.diverged:
        raise RuntimeError(f"training diverged for {cfg.label()}")
    return model, task, res


def middle_layers(depth: int) -> list[int]:
    """Layers ℓ (1-based) with depth/4 < ℓ ≤ 3·depth/4, never the first or the last: the "middle"."""
    lo, hi = depth / 4, 3 * depth / 4
    return [ell for ell in range(2, depth) if lo < ell <= hi] or list(range(2, depth))


def bottleneck_summary(model: torch.nn.Module, task: BottleneckTask, *, gap: float = 0.2,
                       tail_ratio: float = 0.2, samples: int = 20, bias: bool = True) -> dict[str, Any]:
    """The paper's qualitative claims measured on one network.

    A layer is *in the bottleneck* when s_{k+1+b}(W_ℓ) < tail_ratio · s_k(W_ℓ) (b = 1 with biases: the
    offset direction, research note §4.3); the deviation fraction is the share of layers that are not.
    Dominant counts use `dominant_count` (first relative gap below ``gap``).
    """
    k, L = task.k, len(layer_singular_values(model))
    sv = layer_singular_values(model)
    reps = representation_singular_values(model, task.x, centred=True)
    sj = jacobian_singular_values(model, task.x[:samples])
    extra = 1 if bias else 0
    mids = middle_layers(L)

    def in_bottleneck(s: np.ndarray) -> bool:
        idx = k + extra
        return bool(idx >= s.size or s[idx] < tail_ratio * s[k - 1])

    inside = [in_bottleneck(s) for s in sv]
    mid_w = [dominant_count(sv[ell - 1], gap) for ell in mids]
    mid_r = [dominant_count(reps[ell - 1], gap) for ell in mids]
    mid_tail = [_median_ratio(sv[ell - 1][k + extra : k + extra + 1], sv[ell - 1][k - 1 : k]) if sv[ell - 1].size > k + extra
                else 0.0 for ell in mids]
    j_counts = [dominant_count(s, gap) for s in sj]
    return {
        "depth": L,
        "k": k,
        "theta_norm2_over_L": theta_norm2(model) / L,
        "middle_layers": mids,
        "middle_w_dominant": mid_w,
        "middle_w_top": [np.round(sv[ell - 1][: k + 2], 4).tolist() for ell in mids],
        "middle_tail_ratio_max": float(max(mid_tail)),
        "middle_rep_dominant": mid_r,
        "middle_rep_participation": [round(_participation(reps[ell - 1]), 4) for ell in mids],
        "middle_rep_top": [np.round(reps[ell - 1][: k + 2], 4).tolist() for ell in mids],
        "jacobian_dominant": j_counts,
        "jacobian_fraction_k": float(np.mean([c == k for c in j_counts])),
        "jacobian_ratio_k1_over_k_median": _median_ratio(sj[:, k], sj[:, k - 1]),
        "deviation_fraction": float(1 - np.mean(inside)),
        "deviating_layers": [ell for ell, ok in enumerate(inside, start=1) if not ok],
    }


def _participation(s: np.ndarray) -> float:
    """(Σλ)²/Σλ², λ = s²: the effective dimension of a representation with singular values s."""
    lam = np.asarray(s, dtype=np.float64) ** 2
    return float(lam.sum() ** 2 / np.sum(lam**2)) if lam.sum() > 0 else 0.0


def _median_ratio(num: np.ndarray, den: np.ndarray) -> float:
    """median(num/den) over entries with den > 0; NaN (the claim cannot be measured) when there are none."""
    ok = den > 0
    return float(np.median(num[ok] / den[ok])) if np.any(ok) else float("nan")


def random_relu_checks(count: int, *, seed: int = 0, samples: int = 4, max_k: int = 4) -> pd.DataFrame:
    """(★) check rows for ``count`` random ReLU MLPs (depth 2–10, width 3–30, scale 0.5–2, biases on/off)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        depth, width = int(rng.integers(2, 11)), int(rng.integers(3, 31))
        d_in, d_out = int(rng.integers(2, 9)), int(rng.integers(2, 9))
        scale, bias = float(rng.uniform(0.5, 2.0)), bool(rng.integers(0, 2))
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**31)))
        model = make_mlp(d_in, width, depth, d_out, bias=bias, scale=scale, generator=gen, dtype=torch.float64)
        if bias:
            with torch.no_grad():
                for p in model.parameters():
                    if p.ndim == 1:
                        p.copy_(0.3 * torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(samples, d_in, generator=gen, dtype=torch.float64) * float(rng.uniform(0.1, 3.0))
        frames.append(master_checks(model, x, max_k=max_k, network=f"random{i}", depth=depth, width=width,
                                    scale=scale, bias=bias))
    return pd.concat(frames, ignore_index=True)


def experiment(profile: str = "quick", *, seed: int = 0, out_dir: Path | None = None, quiet: bool = False,
               configs: tuple[BottleneckConfig, ...] | None = None) -> ExperimentResult:
    """Trained deep ReLU networks at several depths and random networks: (★) checks + the paper's claims.

    ``configs`` (ordered by depth) replaces the profile's depth sweep; ``profile`` still sets the
    number of sample inputs and random networks.
    """
    check_profile(profile)
    base = PROFILE_CONFIGS[profile] if configs is None else tuple(configs)
    if not base or not all(isinstance(c, BottleneckConfig) for c in base):
        raise TypeError(f"configs must be a non-empty tuple of BottleneckConfig, got {configs!r}")
    configs = tuple(replace(c, seed=c.seed + seed, task_seed=c.task_seed + seed) for c in base)
    samples = _SAMPLES[profile]
    checks, summaries, layer_tables = [], [], {}
    for cfg in progress(configs, total=len(configs), desc="bottleneck depths", quiet=quiet):
        model, task, res = trained_network(cfg, quiet, None if out_dir is None else Path(out_dir) / "bottleneck_models")
        checks.append(master_checks(model, task.x[:samples], network=f"trained_L{cfg.depth}", depth=cfg.depth,
                                    width=cfg.width, scale=float("nan"), bias=cfg.bias))
        summ = bottleneck_summary(model, task, samples=samples, bias=cfg.bias)
        summ.update(mse=res.mse, weight_decay=cfg.weight_decay, settings=cfg.label())
        summaries.append(summ)
        layer_tables[f"layers_L{cfg.depth}"] = layer_table(model, task.x, task.k)
    checks.append(random_relu_checks({"test": 8, "quick": 30, "paper": 100}[profile], seed=seed))
    checks_df = pd.concat(checks, ignore_index=True)
    depth_df = _depth_table(summaries)
    comparison = pd.DataFrame(_comparison_rows(summaries))
    slack_df = (checks_df.groupby(["network", "bound"], sort=False)["slack"]
                .agg(["count", "min", "median"]).reset_index())
    tables = {"depth_summary": depth_df, "slack_by_network": slack_df, **layer_tables}
    notes = _notes(summaries, checks_df)
    config = {"profile": profile, "seed": seed, "samples": samples, "configs": [asdict(c) for c in configs],
              "gap": 0.2, "tail_ratio": 0.2}
    figures: list[Path] = []
    if out_dir is not None:
        figures = _write_outputs(Path(out_dir), configs, checks_df, comparison, tables, config, seed)
    return ExperimentResult(THEOREM_ID, checks_df, comparison, tables, figures, config, notes)


def _depth_table(summaries: list[dict]) -> pd.DataFrame:
    rows = []
    for s in summaries:
        rows.append({
            "depth": s["depth"], "k": s["k"], "mse": s["mse"], "theta_norm2_over_L": s["theta_norm2_over_L"],
            "deviation_fraction": s["deviation_fraction"],
            "deviating_layers": " ".join(map(str, s["deviating_layers"])),
            "middle_w_dominant": " ".join(map(str, s["middle_w_dominant"])),
            "middle_tail_ratio_max": s["middle_tail_ratio_max"],
            "middle_rep_dominant": " ".join(map(str, s["middle_rep_dominant"])),
            "middle_rep_participation": " ".join(f"{v:.3g}" for v in s["middle_rep_participation"]),
            "jacobian_fraction_k": s["jacobian_fraction_k"],
            "jacobian_ratio_k1_over_k_median": s["jacobian_ratio_k1_over_k_median"],
        })
    return pd.DataFrame(rows)


def _comparison_rows(summaries: list[dict]) -> list[dict]:
    k = summaries[0]["k"]
    settings = "; ".join(s["settings"] for s in summaries)
    deepest = summaries[-1]
    rows = []
    w_ok = all(c in (k, k + 1) for c in deepest["middle_w_dominant"]) and deepest["middle_tail_ratio_max"] < 0.2
    rows.append(comparison_row(
        f"middle-layer W_ℓ: k (k+1 with biases) dominant singular values, tail < 0.2·s_k (deepest L={deepest['depth']})",
        "yes", f"counts {deepest['middle_w_dominant']}, max tail ratio {deepest['middle_tail_ratio_max']:.3g}",
        settings, reproduced=w_ok, criterion="W_l: the claimed count of dominant singular values in every middle layer, tail < 0.2 s_k"))
    r_ok = all(c == k for c in deepest["middle_rep_dominant"])
    rows.append(comparison_row(
        f"centred middle representations have k = {k} dominant directions (deepest L={deepest['depth']})",
        "yes", f"counts {deepest['middle_rep_dominant']}", settings, reproduced=r_ok,
        criterion="representations: k dominant directions in every middle layer"))
    pr = deepest["middle_rep_participation"]
    rows.append(comparison_row(
        f"effective dimension (participation ratio) of centred middle representations ≈ k = {k} (within [k−0.25, k+0.5])",
        "yes", f"{pr}", settings, reproduced=all(k - 0.25 <= v <= k + 0.5 for v in pr),
        criterion="participation ratio in [k-0.25, k+0.5] in every middle layer"))
    rows.append(comparison_row(
        f"Jf(x) has k = {k} dominant singular values (deepest L={deepest['depth']}, fraction of samples)",
        "yes", deepest["jacobian_fraction_k"], settings, reproduced=deepest["jacobian_fraction_k"] >= 0.9,
        criterion="Jf(x): rank k at >= 90% of the samples"))
    fr = [s["deviation_fraction"] for s in summaries]
    falls = all(b < a for a, b in zip(fr, fr[1:]))
    rows.append(comparison_row("fraction of layers outside the bottleneck falls with depth", "yes",
                               " → ".join(f"{v:.2f}" for v in fr), settings, reproduced=falls,
                               criterion="fraction strictly falls from each depth to the next"))
    tn = [s["theta_norm2_over_L"] for s in summaries]
    dec = all(b < a for a, b in zip(tn, tn[1:]))
    rows.append(comparison_row(f"‖θ‖²/L decreases with depth toward R⁽⁰⁾ = k = {k}", "yes",
                               " → ".join(f"{v:.2f}" for v in tn), settings, reproduced=dec,
                               criterion="‖θ‖²/L strictly decreases from each depth to the next"))
    rows.append(comparison_row("‖W‖²/L at the end of training, arXiv 2209.15055 Fig. 1 (k=4, L=13, w=100)", 6.0,
                               float(deepest["theta_norm2_over_L"]), settings + f" (ours: k={k})", reproduced=None,
                               criterion="n/a: another paper's setting (k=4, L=13, w=100), shown for scale"))
    return rows


def _notes(summaries: list[dict], checks_df: pd.DataFrame) -> list[str]:
    notes = []
    trained = checks_df[checks_df["network"].str.startswith("trained")]
    notes.append(
        f"(★) and its corollaries: {int((~checks_df['holds'].astype(bool)).sum())} violations in {len(checks_df)} checks; "
        f"minimum slack on trained networks {trained['slack'].min():.4g}, on random networks "
        f"{checks_df.loc[~checks_df['network'].str.startswith('trained'), 'slack'].min():.4g}."
    )
    for s in summaries:
        notes.append(
            f"L={s['depth']}: ‖θ‖²/L={s['theta_norm2_over_L']:.3f}, mse={s['mse']:.3f}, middle W_ℓ dominant "
            f"{s['middle_w_dominant']} (top {s['middle_w_top'][len(s['middle_w_top']) // 2]}), centred reps dominant "
            f"{s['middle_rep_dominant']} (participation ratio {s['middle_rep_participation']}), Jf(x) dominant = k at {s['jacobian_fraction_k']:.0%} of samples, "
            f"deviating layers {s['deviating_layers']} ({s['deviation_fraction']:.2f})."
        )
    return notes


def _write_outputs(out: Path, configs, checks_df, comparison, tables, config, seed) -> list[Path]:
    from numerics._bottleneck_figures import depth_figure, heatmap_figure
    from numerics.io import write_table

    out.mkdir(parents=True, exist_ok=True)
    write_table(checks_df, out / "bottleneck_checks", config=config, seed=seed)
    write_table(comparison, out / "bottleneck_comparison", config=config, seed=seed)
    for name, df in tables.items():
        write_table(df, out / f"bottleneck_{name}", config=config, seed=seed)
    models = [trained_network(c)[0] for c in configs]
    return [
        heatmap_figure(models, [c.depth for c in configs], out / "bottleneck_singular_values.png", config=config, seed=seed),
        depth_figure(tables["depth_summary"], out / "bottleneck_depth.png", config=config, seed=seed),
    ]


# -- deep linear networks ------------------------------------------------------------------------

_LINEAR_PROFILES = {"test": (2, 4, 8), "quick": (2, 4, 8, 16), "paper": (2, 4, 8, 16, 32)}


LINEAR_TARGET_SVALS = (3.0, 1.0, 0.3)
_LINEAR_FITS: dict[tuple, LinearFit] = {}


def linear_fits(depths, *, seed: int = 0, weight_decay: float = 1e-2, quiet: bool = True) -> list[LinearFit]:
    """Deep linear networks fitted to a 6×5 target with singular values (3, 1, 0.3), one per depth (cached per process)."""
    A = target_with_spectrum(list(LINEAR_TARGET_SVALS), 6, 5, seed)
    out = []
    with limit_threads(1):
        for L in progress(list(depths), total=len(depths), desc="deep linear", quiet=quiet):
            key = (int(L), int(seed), float(weight_decay))
            if key not in _LINEAR_FITS:
                _LINEAR_FITS[key] = train_deep_linear(A, L, weight_decay=weight_decay, seed=seed)
            out.append(_LINEAR_FITS[key])
    return out


def linear_experiment(profile: str = "quick", *, seed: int = 0, out_dir: Path | None = None, quiet: bool = False) -> ExperimentResult:
    """Deep linear nets trained with weight decay vs R(P; L) = L Σ s_i(P)^{2/L}; pseudo-determinant inequalities."""
    check_profile(profile)
    fits = linear_fits(_LINEAR_PROFILES[profile], seed=seed, quiet=quiet)
    rows = [checks_frame([f.check()], network=f"linear_L{f.depth}", depth=f.depth) for f in fits]
    rng = np.random.default_rng(seed)
    pd_rows = []
    for i in range({"test": 50, "quick": 500, "paper": 5000}[profile]):
        n = int(rng.integers(2, 7))
        ra = int(rng.integers(1, n))
        rb = int(rng.integers(1, n - ra + 1))
        A = rng.standard_normal((n, ra)) @ rng.standard_normal((ra, n))
        B = rng.standard_normal((n, ra)) @ rng.standard_normal((ra, n))
        C = rng.standard_normal((n, rb)) @ rng.standard_normal((rb, n))
        la, lb, lc = (log_pseudo_determinant(M) for M in (A, B, C))
        pd_rows.append({"network": f"pdet{i}", "depth": 0, **PDET_PRODUCT.check(
            logpdet_A=la, logpdet_B=lb, logpdet_AB=log_pseudo_determinant(A @ B), rtol=1e-9, atol=1e-9).as_dict()})
        pd_rows.append({"network": f"pdet{i}", "depth": 0, **PDET_SUM.check(
            logpdet_A=la, logpdet_B=lc, logpdet_ApB=log_pseudo_determinant(A + C), rtol=1e-9, atol=1e-9).as_dict()})
    checks_df = pd.concat([*rows, pd.DataFrame(pd_rows)], ignore_index=True)
    table = pd.DataFrame([{
        "depth": f.depth, "weight_decay": f.weight_decay, "theta_norm2": f.theta_norm2,
        "closed_form_cost": f.closed_form_cost, "relative_gap": f.relative_cost_gap,
        "max_layer_sv_error": f.max_layer_sv_error, "fit_error": f.fit_error, "gradient_norm": f.gradient_norm,
        "product_svals": " ".join(f"{v:.6g}" for v in f.product_singular_values[: f.rank]),
    } for f in fits])
    comparison = pd.DataFrame([comparison_row(
        f"‖θ‖² / (L Σ s_i(P)^{{2/L}}) of a trained deep linear net, L={f.depth}", 1.0,
        f.theta_norm2 / f.closed_form_cost, f"6×5 target, s=(3,1,0.3), λ={f.weight_decay:g}, Adam+L-BFGS float64",
        reproduced=abs(f.relative_cost_gap) < 1e-6, criterion="ratio within 1e-6 of 1") for f in fits])
    config = {"profile": profile, "seed": seed, "depths": list(_LINEAR_PROFILES[profile]), "weight_decay": 1e-2}
    if out_dir is not None:
        from numerics.io import write_table

        out = Path(out_dir)
        write_table(table, out / "bottleneck_linear_fits", config=config, seed=seed)
        write_table(comparison, out / "bottleneck_linear_comparison", config=config, seed=seed)
    notes = [f"max relative gap ‖θ‖²/R(P;L) − 1 = {max(abs(f.relative_cost_gap) for f in fits):.2e}; "
             f"max layer singular-value error vs s_i(P)^(1/L) = {max(f.max_layer_sv_error for f in fits):.2e}."]
    return ExperimentResult(LINEAR_THEOREM_ID, checks_df, comparison, {"linear_fits": table}, [], config, notes)
