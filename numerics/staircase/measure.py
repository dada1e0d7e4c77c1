"""Lemma 3.1 and the Thm 3.2 random features of the staircase paper (arXiv 2412.05144, §3).

The linear algebra of Thm 3.2/3.3 on one layer (`staircase_quantities`, S_p, the bound checks)
is the engine's `numerics.gram`; this module adds what only the paper's experiments use:
`random_features` (random MLP features for the Thm 3.2 experiment and the property tests), and
`max_min_subset_sv` and `search_conjecture`, which probe Lemma 3.1 and the authors' conjecture
max_S σ_min(Q_S) ≥ 1/√n. Proofs: proofs_notes/staircase.md.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import scipy.optimize

from numerics.activations import NAMES
from numerics.features import gaussian_layer
from numerics.gram import sigma_min
from numerics.validation import as_matrix, one_of, positive_float, positive_int

__all__ = [
    "max_min_subset_sv",
    "search_conjecture",
    "random_features",
]

def max_min_subset_sv(Q: Any) -> tuple[float, tuple[int, ...]]:
    """max over p-row subsets S of σ_min(Q[S, :]), by brute force, for an ``(n, p)`` matrix Q.

    Lemma 3.1 (arXiv 2412.05144; Hong & Pan 1992): for orthonormal columns the value is
    ≥ 1/√(p(n−p)+min(p,n−p)). Returns (value, S). Cost C(n, p) small SVDs: keep n ≤ 16.
    """
    Q = as_matrix(Q, "Q")
    n_, p_ = Q.shape
    if p_ > n_:
        raise ValueError(f"Q must have at least as many rows as columns, got shape {Q.shape}")
    combos = np.array(list(itertools.combinations(range(n_), p_)), dtype=np.intp)
    vals = sigma_min(Q[combos])
    best = int(np.argmax(vals))
    return float(vals[best]), tuple(int(i) for i in combos[best])


# --- random features (property tests and the Thm 3.2 experiment) ---------------------------
def random_features(
    points: Any, n: int, activation: str, scale: float, rng: np.random.Generator, depth: int = 1
) -> np.ndarray:
    """``(m, n)`` last hidden layer of a random MLP: y ← σ(W y + b), W ~ N(0, scale²/fan_in), b ~ U(−scale, scale).

    Each layer is a `numerics.features.gaussian_layer`, drawn after the one below it.

    Args:
        points: ``(m, d)`` quadrature nodes.
        n: width of every hidden layer.  activation: a name of `numerics.activations` (Thm 3.2: `RandomFeatureSettings.activations`).
        scale: weight scale (large scale → high ε-rank).  rng: numpy Generator.  depth: hidden layers.
    """
    x = as_matrix(points, "points")
    n_ = positive_int(n, "n")
    one_of(activation, "activation", NAMES)
    sc = positive_float(scale, "scale")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    y = x
    for _ in range(positive_int(depth, "depth")):
        y = gaussian_layer(y.shape[1], n_, sc, rng, activation=activation)(y)
    return y


# --- Lemma 3.1 and the authors' conjecture -------------------------------------------------
def _orthonormal(A: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(A)
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _soft_max_min_sv(Q: np.ndarray, combos: np.ndarray, tau: float) -> float:
    """τ·log Σ_S exp(σ_min(Q_S)/τ): a smooth upper envelope of max_S σ_min(Q_S) (within τ·log C(n,p))."""
    v = sigma_min(Q[combos]) / tau
    top = v.max()
    return float(tau * (top + np.log(np.sum(np.exp(v - top)))))


def search_conjecture(
    n: int, p: int, *, starts: int = 4, maxiter: int = 400, seed: int = 0
) -> dict[str, Any]:
    """min over n×p orthonormal Q of √n · max_S σ_min(Q[S, :]): the conjecture says ≥ 1 (arXiv 2412.05144, after Lemma 3.1).

    Q is parametrised as the Q factor of an unconstrained n×p matrix (a chart of the Stiefel
    manifold). From each of ``starts`` random starts: L-BFGS on a log-sum-exp smoothing of the
    max (temperatures 0.05, 0.01, 0.002), then Nelder–Mead on the exact non-smooth objective.
    Returns ``ratio`` (the smallest √n·max_S σ_min found), ``Q`` (its minimiser),
    ``lemma_ratio`` (√n / √(p(n−p)+min(p,n−p)), the proven floor) and the settings.
    """
    n_, p_ = positive_int(n, "n"), positive_int(p, "p")
    if p_ > n_:
        raise ValueError(f"p must be <= n = {n_}, got {p_}")
    rng = np.random.default_rng(seed)
    root_n = np.sqrt(n_)
    combos = np.array(list(itertools.combinations(range(n_), p_)), dtype=np.intp)

    def exact(z: np.ndarray) -> float:
        return root_n * float(sigma_min(_orthonormal(z.reshape(n_, p_))[combos]).max())

    best_val, best_Q = np.inf, None
    for _ in range(starts):
        z = rng.standard_normal(n_ * p_)
        for tau in (0.05, 0.01, 0.002):
            res = scipy.optimize.minimize(
                lambda y: _soft_max_min_sv(_orthonormal(y.reshape(n_, p_)), combos, tau),
                z, method="L-BFGS-B", options={"maxiter": maxiter},
            )
            z = res.x
        res = scipy.optimize.minimize(
            exact, z, method="Nelder-Mead", options={"maxiter": maxiter, "xatol": 1e-10, "fatol": 1e-12}
        )
        if res.fun < best_val:
            best_val, best_Q = float(res.fun), _orthonormal(res.x.reshape(n_, p_))
    return {
        "n": n_,
        "p": p_,
        "ratio": best_val,
        "Q": best_Q,
        "lemma_ratio": float(root_n / np.sqrt(p_ * (n_ - p_) + min(p_, n_ - p_))) if p_ < n_ else float(root_n),
        "starts": starts,
        "maxiter": maxiter,
        "seed": seed,
    }
