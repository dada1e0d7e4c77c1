"""``rankbounds staircase``: train networks on the paper's target and watch the ε-rank climb in steps."""

from __future__ import annotations

import argparse

from numerics.activations import NAMES as ACTIVATION_NAMES
from numerics.cli._common import (add_common_options, add_convention_option, add_profile_option, add_seeds_options,
                                       conventions_from, nonnegative_int, positive_float, positive_int, results_dir,
                                       seeds_from)

_DESCRIPTION = """\
The staircase phenomenon (Yang, Zhao, Zhu, arXiv 2412.05144, Example 2.6 / Fig. 2).

Trains MLPs (or ResNets) on u*(x) = cos x + cos 2x + cos 30x over [-1, 1], full batch, and every
--record-every steps records, for each configuration and seed:
  - the loss L = sum_k w_k (u(x_k) - u*(x_k))^2: the squared L2 error by Gauss-Legendre quadrature
    (m nodes, weights w), the same quadrature that builds the Gram matrix M = Phi^T diag(w) Phi;
  - the eps-rank #{lambda(M) > eps} of every hidden layer at each --eps (default 1e-6, 1e-3, 1e-9);
  - ||beta||^2 and the three Theorem 3.3 lower bounds on L (paper, tight, eigen), each with its slack;
  - the same ranks, loss and bounds under the paper's eq. (4.1) as printed (--convention paper/both):
    --paper-m uniform points with weights 1/2, 1, ..., 1, 1/2 and the count |lambda| > eps, from the
    same network (columns suffixed @paper). There r_eps(M_paper) = r_{eps h}(M_trapezoid), h = 2/(m-1).
It then finds the plateaus and steps of the eps-rank, correlates rank with log-loss (Spearman,
Kendall), and writes to --out:
  staircase_trajectory.csv               every recorded step (tidy)
  staircase_summary.{csv,md,tex}         per run: final loss and ranks, steps, correlations, bound slack
  staircase_steps.{csv,md,tex}           each detected step: when, rank gained, loss drop
  staircase_comparison.{csv,md,tex}      ours beside Fig. 2's values (Fig. 2 configurations only)
  staircase_fig2_table.{csv,md,tex}      the same per panel, init and convention, with its verdict criterion
  staircase_rank_gap.{csv,md,tex}        final rank per convention, paper grid m/3, m, 3m, eps/10, 10 eps
  staircase_final_spectra.{csv,png}      final Gram eigenvalues against eps, both conventions
  staircase_fig2_<convention>.png, staircase_layers_*.png
Seeds of one configuration train together as one batched model. Finished configurations are kept
in OUT/staircase_runs/ and a rerun with the same settings resumes from them.

Without --depth/--width the --profile grid runs: paper = Fig. 2 (L in {2,4}, n in {25,50}, 15000
steps, Adam 1e-3, 3 seeds, torch init); quick = the same grid, 5000 steps at Adam 3e-3, 1 seed;
test = seconds. Both conventions are recorded unless --convention says otherwise.
Any of --depth, --width, --activation, --init, --residual, --steps, --lr, --optimizer, --schedule,
--seeds/--n-seeds, --record-every, --eps, --m, --convention, --paper-m, --dtype given on the command line override the profile.

Examples:
  rankbounds staircase --profile quick
  rankbounds staircase --depth 2 --width 50 --init paper torch --steps 15000 --seeds 0 1 2
  rankbounds staircase --depth 4 --width 50 --activation relu elu cos tanh --steps 5000 --lr 3e-3
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "staircase",
        help="train on cos x + cos 2x + cos 30x; track eps-rank, loss and Thm 3.3 bounds (arXiv 2412.05144)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_profile_option(p, default="quick")
    p.add_argument("--depth", type=positive_int, nargs="+", metavar="L", help="hidden layers, one or more (Fig. 2: 2 4)")
    p.add_argument("--width", type=positive_int, nargs="+", metavar="N", help="width of every hidden layer (Fig. 2: 25 50)")
    p.add_argument("--activation", nargs="+", choices=ACTIVATION_NAMES,
                   help="activation(s) (default tanh)")
    p.add_argument("--init", nargs="+", choices=("torch", "paper", "xavier", "structured"),
                   help="initialisation(s): torch default U(-1/sqrt fan_in, 1/sqrt fan_in) (= the paper's rule on "
                        "the hidden layers, U(-1, 1) on the first), paper U(-1/sqrt n, 1/sqrt n) on every layer, "
                        "xavier normal, structured first layer (eq. 4.3) (default torch)")
    p.add_argument("--residual", action="store_true", help="ResNet layers y <- y + sigma(W y + b) (eq. 4.6)")
    p.add_argument("--steps", type=positive_int, help="optimiser steps")
    p.add_argument("--lr", type=positive_float, help="learning rate")
    p.add_argument("--optimizer", choices=("adam", "sgd"), help="optimiser (default adam)")
    p.add_argument("--schedule", choices=("cosine", "exponential"), help="learning-rate schedule (default none)")
    add_seeds_options(p, help_default="the profile's: 3 seeds from --seed for paper, --seed otherwise")
    p.add_argument("--record-every", type=positive_int, metavar="K", help="record a row every K steps")
    p.add_argument("--eps", type=positive_float, nargs="+", help="eps values of the per-layer rank columns; the first is "
                                                        "the headline eps and the bounds' eps (default 1e-6 1e-3 1e-9)")
    p.add_argument("--m", type=positive_int, help="Gauss-Legendre nodes of the training loss and the integral "
                                                  "convention (default 200)")
    add_convention_option(p, default=None, what="the ranks and bounds")
    p.add_argument("--paper-m", type=positive_int, metavar="M",
                   help="points of the paper convention's uniform grid (default 200)")
    p.add_argument("--dtype", choices=("float64", "float32"), help="training dtype (records are float64 anyway)")
    p.add_argument("--no-bounds", action="store_true", help="skip the Thm 3.3 checks (faster)")
    p.add_argument("--threads", type=nonnegative_int, default=1,
                   help="torch/BLAS threads while training; 0 = leave torch's default (default: %(default)s: "
                        "the matmuls are tiny and a second thread mostly spins)")
    add_common_options(p, default_out=results_dir("staircase"))
    p.set_defaults(func=run)


def build_grid(args):
    """The `StaircaseGrid` the arguments ask for: the profile's grid with the given overrides."""
    import itertools
    from dataclasses import replace

    from numerics.staircase.experiment import FIG2_INIT, StaircaseGrid, profile_grid
    from numerics.staircase.training import ModelSpec

    base = profile_grid(args.profile, args.seed)
    specs = base.specs
    if any(v is not None for v in (args.depth, args.width, args.activation, args.init)) or args.residual:
        depths = args.depth or sorted({s.depth for s in specs})
        widths = args.width or sorted({s.width for s in specs})
        acts = args.activation or ["tanh"]
        inits = args.init or [FIG2_INIT]
        specs = tuple(ModelSpec(width=n, depth=L, activation=a, residual=args.residual, init=i)
                      for L, n, a, i in itertools.product(depths, widths, acts, inits))
    changes = {k: v for k, v in {
        "steps": args.steps, "lr": args.lr, "optimizer": args.optimizer, "schedule": args.schedule,
        "record_every": args.record_every, "dtype": args.dtype}.items() if v is not None}
    if args.eps:
        changes["eps"] = tuple(args.eps)
        changes["rank_eps"] = args.eps[0]
    if args.convention is not None:
        changes["conventions"] = conventions_from(args)
    if args.paper_m is not None:
        changes["paper_m"] = args.paper_m
    if args.no_bounds:
        changes["check_bounds"] = False
    changes["threads"] = args.threads or None
    config = replace(base.config, **changes)
    asked = seeds_from(args)
    seeds = asked or base.seeds
    custom = specs is not base.specs or set(changes) - {"threads", "conventions"} or asked or args.m
    desc = "command-line grid" if custom else base.description
    return StaircaseGrid(specs, config, seeds, m=args.m or base.m, description=desc)


def run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from numerics.staircase.experiment import run_staircase

    grid = build_grid(args)
    result = run_staircase(grid, out_dir=args.out, quiet=args.quiet, seed=args.seed)
    summary = result.tables["summary"]
    cols = [c for c in ("config", "seed", "convention", "final_mse", "rank_start", "final_eps_rank", "n_steps", "spearman")
            if c in summary.columns]
    print(summary[cols].to_markdown(index=False, floatfmt=".4g"))
    if result.comparison is not None:
        print()
        print(result.comparison[["quantity", "paper", "ours", "ratio", "reproduced"]].to_markdown(index=False, floatfmt=".4g"))
    print(f"\nbound checks: {len(result.checks)}, violations: {result.violations}")
    print(f"wrote tables and figures to {args.out}")
    return 0 if result.violations == 0 else 1
