"""``rankbounds ranks``: every rank measure of a saved matrix, or the reference table."""

from __future__ import annotations

import argparse
from pathlib import Path

from numerics.cli._common import positive_float, positive_int


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ranks",
        help="rank measures of a feature matrix (.npy/.csv), or of the reference matrices",
        description=(
            "Print every rank measure of a matrix: numerical rank (numpy/torch tolerance), ε-rank "
            "#{λ(ΦᵀWΦ) > ε} (arXiv 2412.05144, Def. 2.5), Roy–Vetterli effective rank, entropy rank, "
            "participation ratio, stable rank and the distance to rank k.\n\n"
            "Rows of FILE are points, columns are neurons. Pass --weights for quadrature weights "
            "(one per row; they should sum to |Ω|). Without FILE, prints the reference table that "
            "`make report` also writes.\n\nExample:  rankbounds ranks features.npy --eps 1e-6 --weights w.npy"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", type=Path, help=".npy or .csv matrix (rows = points, columns = neurons)")
    p.add_argument("--eps", type=positive_float, default=1e-6, help="ε for the ε-rank (default: %(default)g)")
    p.add_argument("--weights", type=Path, help=".npy or .csv vector of quadrature weights, one per row")
    p.add_argument("--k", type=positive_int, default=1, help="k for dist_to_rank (default: %(default)s)")
    p.set_defaults(func=run)


def _load(path: Path):
    import numpy as np

    if not path.exists():
        raise FileNotFoundError(f"file {str(path)!r} does not exist")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix in (".csv", ".txt"):
        return np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None, ndmin=2)
    raise ValueError(f"file must be .npy or .csv, got {str(path)!r}")


def run(args) -> int:
    from numerics import ranks
    from numerics.rank_table import rank_measure_table

    if args.file is None:
        print(rank_measure_table().to_markdown(index=False, floatfmt=".4g"))
        return 0
    A = _load(args.file)
    w = _load(args.weights).ravel() if args.weights else None
    rows = [
        ("shape", f"{A.shape}"),
        ("numerical_rank", ranks.numerical_rank(A)),
        (f"eps_rank (eps={args.eps:g})", ranks.epsilon_rank(A, args.eps, w)),
        ("effective_rank (Roy-Vetterli)", f"{ranks.effective_rank(A):.6g}"),
        ("entropy_rank (eigen)", f"{ranks.effective_rank(A, spectrum='eigen'):.6g}"),
        ("participation_ratio", f"{ranks.participation_ratio(A):.6g}"),
        ("stable_rank", f"{ranks.stable_rank(A):.6g}"),
        (f"dist_to_rank(k={args.k})", f"{ranks.dist_to_rank(A, args.k):.6g}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0
