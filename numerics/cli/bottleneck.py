"""``rankbounds bottleneck``: train deep L2-regularised ReLU networks and measure their bottleneck."""

from __future__ import annotations

import argparse
from dataclasses import replace

from numerics.cli._common import (add_common_options, add_profile_option, at_least, nonnegative_float,
                                       positive_float, positive_int, results_dir)

_DESCRIPTION = """\
Bottleneck structure (Jacot, arXiv 2305.19008), checked on trained networks.

The representation cost of a depth-L network, R(f; L) = min ‖θ‖² over parameters computing f, grows
like L·R⁽⁰⁾(f) + R⁽¹⁾(f), where R⁽⁰⁾ is a rank (the inner dimension k of f). So deep networks trained
with weight decay should route their computation through k dimensions: most weight matrices W_ℓ have
k singular values of order one (k+1 with biases: the offset direction) and a small tail, the middle
representations are k-dimensional, and the Jacobian Jf(x) has rank k.

This command:
  1. builds the synthetic task of the paper's §5: z ~ N(0, I_8), x = g(z) ∈ R^20, y = h(z_1..z_k) ∈ R^20,
     with g, h random shallow ReLU networks (inner dimension k, default 2);
  2. trains ReLU MLPs (width 50 by default) at several depths with full-batch Adam on
     (1/N)Σ‖f(x_i) − y_i‖² + λ‖θ‖², λ = (λL)/L, learning rate ×0.1 for the last quarter of the steps;
  3. measures per layer the singular values of W_ℓ and of the centred representations, the singular
     values of Jf(x) at sample inputs, and ‖θ‖²/L;
  4. checks the master inequality (derived here, proofs_notes/bottleneck.md)
         ‖θ‖² ≥ kL + 2 Σ_{i≤k} log s_i(Jf(x)) + Σ_ℓ[Σ_{i≤k} h(s_i(W_ℓ)) + Σ_{i>k} s_i(W_ℓ)²],
     h(s) = s² − 1 − 2 log s, with its AM–GM form and the bound on Σ_ℓ dist(W_ℓ, rank-k partial
     isometries)², at every network, sample and k ≤ rank Jf(x), and reports the slack.

Outputs in --out: bottleneck_checks (one row per network, sample, k, bound), bottleneck_comparison
(the paper's qualitative claims: reproduced yes/no with settings), bottleneck_depth_summary,
bottleneck_layers_L<depth> (per-layer spectra), bottleneck_singular_values.png (per-layer heat map),
bottleneck_depth.png, bottleneck_representation_L<depth>.png (the 2-D middle representation coloured by
the latent angle of (z_1, z_2)), bottleneck_setting (every training parameter and its source),
bottleneck_tail_exponents (the fitted exponent of the tail singular values against L).
With --linear, only the deep linear networks against R(A; L) = L Σ s_i^{2/L} (bottleneck_linear_*).

Defaults come from --profile (test: L=4,8 width 30, seconds; quick: L=6,9,12 N=200 8000 steps, about a minute;
paper: the paper's stated setting, width 200, λ = 2·10⁻⁴ in (λ/L)‖θ‖², at L = 6, 12, 25, N = 500,
6000 Adam steps (5000 at L = 25) with a λ-continuation; about 45 minutes of training on a loaded
2-core machine). --depths and the other options override them. Trained models are cached in --out/bottleneck_models, or in $RANKBOUNDS_MODEL_CACHE when set.

Examples:
  rankbounds bottleneck --profile test --out results/bottleneck_test
  rankbounds bottleneck --depths 6 12 --steps 8000 --lam-times-depth 0.24 --out results/bottleneck_test
  rankbounds bottleneck --linear --profile quick
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bottleneck",
        help="deep L2-regularised ReLU nets: k-dimensional bottleneck and the master inequality (arXiv 2305.19008)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_profile_option(p, default="quick")
    add_common_options(p, default_out=results_dir("bottleneck"))
    p.add_argument("--depths", type=at_least(2), nargs="+", help="depths L (number of weight matrices) to train")
    p.add_argument("--width", type=positive_int, help="hidden width (profile default: 30 test, 50 otherwise)")
    p.add_argument("--n", type=positive_int, help="number of training samples")
    p.add_argument("--k", type=positive_int, help="inner dimension of the task (default 2)")
    p.add_argument("--steps", type=positive_int, help="full-batch Adam steps")
    p.add_argument("--lr", type=positive_float, help="Adam learning rate (×0.1 for the last quarter)")
    p.add_argument("--lam-times-depth", type=nonnegative_float, help="λ·L; the weight decay is λ = value / L")
    p.add_argument("--no-bias", action="store_true", help="train without biases")
    p.add_argument("--linear", action="store_true",
                   help="run only the deep linear networks: compare ‖θ‖² with L Σ s_i^{2/L} (no ReLU experiment)")
    p.set_defaults(func=run)


def _overrides(args) -> dict:
    out = {}
    for name, field in (("width", "width"), ("n", "n"), ("k", "k"), ("steps", "steps"), ("lr", "lr"),
                        ("lam_times_depth", "lam_times_depth")):
        value = getattr(args, name)
        if value is not None:
            out[field] = value
    if args.no_bias:
        out["bias"] = False
    return out


def run(args) -> int:
    import pandas as pd

    import numerics.bottleneck.experiment as nb
    from numerics.bottleneck.config import PROFILES

    if args.linear:
        lin = nb.linear_experiment(args.profile, seed=args.seed, out_dir=args.out, quiet=args.quiet)
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(lin.tables["linear_fits"].to_string(index=False))
        for note in lin.notes:
            print("-", note)
        print(f"tables in {args.out}")
        return 0 if lin.violations == 0 else 1
    base = PROFILES[args.profile].master_inequality.configs
    overrides = _overrides(args)
    for key in ("width", "n", "k", "steps"):
        if key in overrides and overrides[key] < 1:
            raise ValueError(f"--{key} must be >= 1, got {overrides[key]}")
    if args.depths:
        if any(d < 2 for d in args.depths):
            raise ValueError(f"--depths must be >= 2, got {args.depths}")
        configs = tuple(replace(base[-1], depth=d, **overrides) for d in args.depths)
    else:
        configs = tuple(replace(c, **overrides) for c in base)
    res = nb.experiment(args.profile, seed=args.seed, out_dir=args.out, quiet=args.quiet, configs=configs)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(res.summary().to_string(index=False))
        print()
        print(res.tables["depth_summary"].to_string(index=False))
        print()
        print(res.comparison[["quantity", "ours", "reproduced"]].to_string(index=False))
    for note in res.notes:
        print("-", note)
    print(f"tables and figures in {args.out}")
    return 0 if res.violations == 0 else 1
