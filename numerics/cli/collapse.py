"""``rankbounds collapse``: weight decay drives each layer towards rank K (bounds ours, arXiv 2402.03991)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from numerics.cli._common import (add_common_options, add_profile_option, at_least, nonnegative_float,
                                       nonnegative_int, positive_int, results_dir)

_DESCRIPTION = """\
Neural rank collapse (Zangrando et al., arXiv 2402.03991), checked on trained networks.

With weight decay λ, Φ_λ = 𝓛 + (λ/2)Σ‖W_ℓ‖_F². Lemma: ∇_{W_ℓ}Φ = (1/N) G_ℓ H_{ℓ-1}ᵀ + λW_ℓ, so W_ℓ is
a rank-K matrix (the class means of the layer input) plus two small terms. Our bound (A), at ANY θ:
    dist_F(W_ℓ, rank ≤ K) ≤ ‖∇_{W_ℓ}Φ‖_F/λ + ‖G_ℓ (H_{ℓ-1} − class means)ᵀ‖_F/(λN),
and its corollaries: (B) TCV forms, (C) √(2·loss)·Π_{k>ℓ}‖W_k‖₂·V(H_{ℓ-1})/λ for MSE and CE,
(D) within-class variability V propagates forward with Lipschitz factor Π‖W_j‖₂, (E) ReLU without
biases at a critical point, explicit in λ, loss and Φ; (F) with CE, σ_K(W_L) → 0 (rank K−1).
The paper's exact theorem could not be read: these are ours, proved in proofs_notes/collapse.md.

This command:
  1. samples a K-class Gaussian mixture x = μ_c + s·ξ (μ_c ~ N(0, 9I), two spreads s);
  2. trains ReLU MLPs d-w-w-w-K in float64 with ½-MSE and cross-entropy for every λ in
     {0, 1e-4, 1e-3, 1e-2, 1e-1} (plus a few with unregularised biases) by full-batch Adam
     (regime "adam"), then refines λ ∈ critical set by L-BFGS (regime "adam+lbfgs");
  3. measures per layer: singular values, distance to rank K and K−1, numerical rank
     #{σ_j > 1e-2·σ_1}, within-class variability V, stationarity residual ‖∇Φ‖/(λ‖W‖);
  4. checks every bound at every point (critical-point forms only where the residual ≤ 0.1 after
     L-BFGS) and compares with the claims: rank ≫ K for λ ≤ 1e-3 and = K for λ ≥ 1e-2, tail drop ≥ 30×
     from λ = 1e-4 to 1e-2, smaller spread → smaller tail, V falls with depth, CE last layer rank K−1.

Outputs in --out: collapse_checks, collapse_comparison, collapse_layers, collapse_networks,
collapse_spectra, collapse_critical_forms_at_adam_points (CSV/MD/TeX), collapse_tail_vs_lambda.png,
collapse_variability_vs_depth.png.

Defaults come from --profile (test: tiny, seconds of CPU; quick: d=20, width 48, 30/class, about a
minute idle; paper: the research note's pilot, d=20, width 64, 50/class, 4000 Adam + 1000 L-BFGS).

Examples:
  rankbounds collapse --profile test --out results/collapse_test
  rankbounds collapse --profile quick --steps 6000 --width 64
  rankbounds collapse --lambdas 0 1e-3 1e-2 --losses ce --profile paper
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "collapse",
        help="weight decay and small within-class variability force rank K (bounds ours; arXiv 2402.03991)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_profile_option(p, default="quick")
    add_common_options(p, default_out=results_dir("collapse"))
    p.add_argument("--lambdas", type=nonnegative_float, nargs="+", help="weight decays λ to sweep (default 0 1e-4 1e-3 1e-2 1e-1)")
    p.add_argument("--losses", nargs="+", choices=("mse", "ce"), help="losses to train with (default both)")
    p.add_argument("--spreads", type=nonnegative_float, nargs="+", help="within-class spreads s (first one is the main one)")
    p.add_argument("--width", type=positive_int, help="hidden width")
    p.add_argument("--depth", type=at_least(2), help="number of weight matrices L (≥ 2)")
    p.add_argument("--classes", type=at_least(2), help="number of classes K (≥ 2)")
    p.add_argument("--steps", type=nonnegative_int, help="full-batch Adam steps")
    p.add_argument("--lbfgs-iters", type=positive_int, help="L-BFGS iterations per refined network")
    p.set_defaults(func=run)


def _config(args):
    from numerics.collapse.config import PROFILES

    cfg = PROFILES[args.profile]
    changes = {}
    for name, field, low in (("width", "width", 1), ("depth", "depth", 2), ("classes", "n_classes", 2),
                             ("steps", "adam_steps", 0), ("lbfgs_iters", "lbfgs_iters", 1)):
        value = getattr(args, name)
        if value is not None:
            if value < low:
                raise ValueError(f"--{name.replace('_', '-')} must be >= {low}, got {value}")
            changes[field] = value
    if args.lambdas is not None:
        if any(v < 0 for v in args.lambdas):
            raise ValueError(f"--lambdas must be >= 0, got {args.lambdas}")
        changes["lambdas"] = tuple(args.lambdas)
    if args.losses is not None:
        changes["losses"] = tuple(args.losses)
    if args.spreads is not None:
        if any(v < 0 for v in args.spreads):
            raise ValueError(f"--spreads must be >= 0, got {args.spreads}")
        changes["spreads"] = tuple(args.spreads)
    return replace(cfg, **changes)


def run(args) -> int:
    import pandas as pd

    import numerics.collapse.experiment as nc

    res = nc.experiment(args.profile, seed=args.seed, out_dir=args.out, quiet=args.quiet, config=_config(args))
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 70):
        print(res.summary().to_string(index=False))
        print()
        print(res.comparison[["quantity", "ours", "settings", "reproduced"]].to_string(index=False))
    for note in res.notes:
        print("-", note)
    print(f"tables and figures in {args.out}")
    return 0 if res.violations == 0 else 1
