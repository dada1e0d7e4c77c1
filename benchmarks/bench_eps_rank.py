"""ε-rank from the SVD of diag(√w)Φ versus eigvalsh of the Gram matrix M = Φᵀ diag(w) Φ, and "auto".

Features are a random tanh layer on the trapezoid rule in 1-D (their Gram spectrum decays
smoothly through ε = 1e-6, as a trained network's does). For each (m, n) it reports the median
wall time of each path, their ratio, the largest disagreement between the eigenvalues in the
window [1e-8, 1e-4] around ε = 1e-6, whether the two ε-ranks agree at several ε, and the time of
the default ``method="auto"`` (eigvalsh certified by `gram_error_bound`, SVD only when needed).

    python benchmarks/bench_eps_rank.py [--sizes 10000x256 100000x512] [--repeats 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import timed
from numerics import ranks
from numerics.quadrature import trapezoid


def features(m: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = trapezoid(-1.0, 1.0, m)
    W = rng.uniform(-8, 8, (1, n))
    b = rng.uniform(-8, 8, n)
    return np.tanh(q.points @ W + b), np.asarray(q.weights)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["10000x256", "100000x512"])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print("| m | n | svd (s) | gram (s) | svd/gram | auto at ε=1e-6 (s) | svd/auto | max rel. diff of λ in [1e-8, 1e-4] | certified δ | ε-ranks agree at 1e-3, 1e-6, 1e-9, 1e-12 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        m, n = (int(v) for v in size.split("x"))
        phi, w = features(m, n)
        t_svd, lam_svd = timed(lambda: ranks.gram_eigenvalues(phi, w, "svd"), args.repeats)
        t_gram, lam_gram = timed(lambda: ranks.gram_eigenvalues(phi, w, "gram"), args.repeats)
        t_auto, r_auto = timed(lambda: ranks.epsilon_rank(phi, 1e-6, w), args.repeats)
        assert r_auto == int(np.sum(lam_svd > 1e-6))
        delta = ranks.gram_error_bound(phi, w)
        window = (lam_svd > 1e-8) & (lam_svd < 1e-4)
        rel = np.max(np.abs(lam_gram[window] - lam_svd[window]) / lam_svd[window]) if window.any() else float("nan")
        agree = [int(np.sum(lam_svd > e)) == int(np.sum(lam_gram > e)) for e in (1e-3, 1e-6, 1e-9, 1e-12)]
        ranks_at = [int(np.sum(lam_svd > e)) for e in (1e-3, 1e-6, 1e-9, 1e-12)]
        print(
            f"| {m} | {n} | {t_svd:.3f} | {t_gram:.3f} | {t_svd / t_gram:.2f} | {t_auto:.3f} | {t_svd / t_auto:.2f} "
            f"| {rel:.1e} ({int(window.sum())} λ) | {delta:.1e} "
            f"| {', '.join('yes' if a else 'no' for a in agree)} (r = {ranks_at}) |"
        )


if __name__ == "__main__":
    main()
