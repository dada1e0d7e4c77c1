"""``rankbounds methods``: methods that raise ε-rank (arXiv 2412.05144 §4), layers, activations, digits."""

from __future__ import annotations

import argparse
from pathlib import Path

from numerics.cli._common import (add_common_options, add_convention_option, add_profile_option,
                                       conventions_from, results_dir)

# numerics.staircase.methods.experiment.EXPERIMENTS, named here so that `--help` imports no torch (a test keeps them equal)
EXPERIMENT_IDS = ("structured", "pinn", "rfm", "resnet", "layers", "activations", "digits")

_DESCRIPTION = """\
Methods that raise the ε-rank r_ε(M) = #{λ(M) > ε}, M_ij = ∫ φ_i φ_j (Yang, Zhao, Zhu, arXiv 2412.05144),
each reproduced beside the paper's numbers (ε = 1e-6, tanh unless stated, Adam 1e-3, float64):

  structured   eq. 4.3 first layer tanh(n/2 (x − x_j)), L=2 n=30, against torch-default init
               (L=2 n=30 and L=4 n=50) on cos x + cos 2x + cos 30x: ε-rank at step 0, loss curves
  pinn         −Δu = 8 sin2x sin2y on [−π/2,π/2]², u=0 on the boundary; residual + boundary loss,
               Laplacian by autograd; uniform-density first layer against Xavier; C_S = 1/λ_min = 1/2
  rfm          no training: ELM (900 tanh features) against partition-of-unity RFM (3×3 × 100),
               output layer by least squares on cos x cos y + cos 10x cos 10y: ε-rank and L² error
  resnet       ResNet y^{k+1} = y^k + σ(W y^k + b) against MLP, L=4 width 100: per-layer ε-rank
  layers       per-layer ε-rank ordering of a tanh MLP, L=4 n=50 (paper ≈ 7 < 32 < 45 < 50)
  activations  ReLU, ELU, cos, tanh, L=2 n=50 (paper final ε-ranks ≈ 35, 48, 21, 43)
  digits       sklearn's 8×8 digits (offline), 64→10→100→10 tanh, cross-entropy; the Gram matrix on the
               samples with Monte Carlo weights 1/N; or your own arrays with --data X.npy y.npy

Every ε-rank is measured under both conventions from the same networks (--convention to pick one):
  integral  weights that integrate over Ω (Gauss–Legendre, Monte Carlo 1/N on the samples), count λ > ε
  paper     eq. (4.1) as printed: unit weights (1/2, 1, …, 1, 1/2) on a uniform grid of as many points
            (weights 1 on the samples), count |λ| > ε; r_ε(M_paper) = r_{ε·h}(M_integral) on a trapezoid grid

Outputs in --out: methods_comparison.{csv,md,tex} (paper; ours, seed range, ratio and reproduced per
convention; verdict; the row's criterion; the measured reason of a difference; settings), one
trajectory CSV per experiment and methods_<id>.png. --profile test takes seconds, quick (the
default, what `make report` runs) a few minutes with fewer steps (stated in the settings column;
values the paper reports after its full run are then marked n/a), paper the paper's step counts.

Examples:
  rankbounds methods rfm pinn --profile quick --out results/methods_quick
  rankbounds methods --profile paper --out results/methods_paper
  rankbounds methods layers resnet --convention paper
  rankbounds methods digits --data X.npy y.npy --out results/mydata
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "methods",
        help="methods that raise ε-rank: structured init, PINN, RFM vs ELM, ResNet, layers, activations, digits",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("experiments", nargs="*", metavar="EXPERIMENT",
                   help=f"any of {', '.join(EXPERIMENT_IDS)} (default: all)")
    add_profile_option(p, default="quick")
    add_common_options(p, default_out=results_dir("methods"))
    p.add_argument("--data", nargs=2, type=Path, metavar=("X.npy", "y.npy"),
                   help="digits: your own inputs (N, d) and integer labels (N,) instead of sklearn's digits")
    add_convention_option(p, default="both", what="the eps-ranks")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    from numerics.staircase.methods.digits import classification_data
    from numerics.staircase.methods.experiment import EXPERIMENTS, digits_experiment, run_methods

    conventions = conventions_from(args)
    ids = list(args.experiments) or list(EXPERIMENTS)
    unknown = [i for i in ids if i not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"experiments must be among {list(EXPERIMENTS)}, got {unknown}")
    if args.data is not None:
        if ids != ["digits"]:
            raise ValueError(f"--data applies to the digits experiment only; run `methods digits --data ...`, got {ids}")
        X, y = (np.load(p, allow_pickle=False) for p in args.data)
        data = classification_data(X, y, name=args.data[0].stem)
        result = digits_experiment(args.profile, seed=args.seed, out_dir=args.out, quiet=args.quiet, data=data,
                                   conventions=conventions)
        from numerics.io import write_table

        paths = write_table(result.comparison(), args.out / "methods_comparison", config=result.config, seed=args.seed)
        print(result.comparison().drop(columns=["settings", "reason"]).to_string(index=False))
        print(f"wrote {paths['md']}")
        return 0
    results = run_methods(ids, args.profile, seed=args.seed, out_dir=args.out, quiet=args.quiet,
                          conventions=conventions)
    import pandas as pd

    table = pd.concat([r.comparison() for r in results], ignore_index=True)
    print(table.drop(columns=["settings", "reason"]).to_string(index=False))
    for r in results:
        for note in r.notes:
            print(f"- {note}")
    print(f"wrote {args.out / 'methods_comparison.md'}")
    return 0
