"""Cost of one spike measurement at n = N, d = n/2: what dominates, and Gram+ARPACK vs svds vs dense SVD.

For each size it times, once per stage (median of --repeats where cheap):
  draw      the four n·N·d products (X W₀ᵀ, the gradient G, X̃W₀ᵀ, X̃Gᵀ) plus data: paid once per seed
  act       σ(X̃W₀ᵀ + ηX̃Gᵀ) and the control (elementwise, n·N each): paid per α
  gram      top-6 singular values by M = FᵀF (one BLAS-3 product) + ARPACK eigsh   (default up to n = 4000)
  svds      top-6 singular values by scipy.sparse.linalg.svds on F    (ARPACK on F; default above 4000)
  dense     all singular values by LAPACK (np.linalg.svd, values only)                (reference)
and prints the ratios svds/gram and dense/gram, checking that the three agree on the top values.

    python benchmarks/bench_spikes.py [--sizes 1000 2000 4000] [--repeats 1] [--no-dense]
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import timed
from numerics.spikes import measure as S


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 2000])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.35)
    ap.add_argument("--no-dense", action="store_true", help="skip the full LAPACK SVD (slow at n = 4000)")
    args = ap.parse_args(argv)
    print("| n=N | d | draw (s) | act F+ctrl (s) | gram top-6 (s) | svds top-6 (s) | dense (s) | svds/gram | dense/gram | agree |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        d = n // 2
        t_draw, dr = timed(lambda: S.draw("relu", n=n, N=n, d=d, seed=0), 1)
        eta = dr.eta(args.alpha)
        t_act, F = timed(lambda: (dr.features(eta), dr.features(eta, control=True))[0], args.repeats)
        t_gram, s_gram = timed(lambda: S.top_singular_values(F, 6, method="gram"), args.repeats)
        t_svds, s_svds = timed(lambda: S.top_singular_values(F, 6, method="svds"), args.repeats)
        if args.no_dense:
            t_dense, s_dense = float("nan"), s_gram
        else:
            t_dense, s_dense = timed(lambda: S.top_singular_values(F, 6, method="dense"), 1)
        agree = bool(np.allclose(s_gram, s_svds, rtol=1e-5) and np.allclose(s_gram, s_dense, rtol=1e-5))
        print(f"| {n} | {d} | {t_draw:.2f} | {t_act:.2f} | {t_gram:.2f} | {t_svds:.2f} | {t_dense:.2f} "
              f"| {t_svds / t_gram:.2f} | {t_dense / t_gram:.2f} | {agree} |", flush=True)


if __name__ == "__main__":
    main()
