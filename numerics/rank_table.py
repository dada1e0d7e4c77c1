"""Every rank measure of `numerics.ranks` on reference matrices and on random tanh-network features.

Reference matrices have known spectra, so the table doubles as a check a reader can do by eye:
the identity has every measure equal to n; equal singular values give erank = PR = stable rank =
rank; a geometric spectrum separates the measures; the network features show how far the
ε-rank (an absolute threshold on ∫φ_iφ_j) sits from the scale-free measures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.linalg

from numerics import ranks
from numerics.features import uniform_layer
from numerics.quadrature import gauss_legendre

EPS = 1e-6


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def reference_matrices(seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """name -> (matrix, quadrature weights or None)."""
    rng = np.random.default_rng(seed)
    U, V = _orthogonal(rng, 12), _orthogonal(rng, 10)
    out: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
        "identity 10x10": (np.eye(10), None),
        "rank 3, equal s (12x10)": (U[:, :3] @ V[:3], None),
        "s_i = 10^-i (12x10)": (U[:, :10] @ np.diag(10.0 ** -np.arange(10)) @ V, None),
        "Hilbert 10x10": (scipy.linalg.hilbert(10), None),
        "Gaussian 200x50 / sqrt(200)": (rng.standard_normal((200, 50)) / np.sqrt(200), None),
    }
    for scale in (1.0, 10.0):
        phi, w = random_tanh_features(width=50, depth=2, scale=scale, seed=seed)
        out[f"tanh net L=2 n=50, U(-{scale:g}/sqrt n, {scale:g}/sqrt n), 400 GL pts on [-1,1]"] = (phi, w)
    return out


def random_tanh_features(
    width: int, depth: int, scale: float = 1.0, seed: int = 0, m: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Last-hidden-layer features of a random tanh MLP on m Gauss–Legendre points of [−1, 1].

    Weights and biases ~ U(−a, a), a = scale/√fan_in (scale = 1 is the paper's U(−1/√n, 1/√n) for
    the hidden layers; the first layer, fan-in 1, draws from U(−scale, scale)): each layer a
    `numerics.features.uniform_layer`, weights drawn as a (fan_in, width) matrix. Returns (Φ, w).
    """
    rng = np.random.default_rng(seed)
    q = gauss_legendre(-1.0, 1.0, m)
    h = q.points
    for _ in range(depth):
        h = uniform_layer(h.shape[1], width, scale / np.sqrt(h.shape[1]), rng, draw="by_input")(h)
    return h, np.asarray(q.weights)


def tanh_rank_point(width: int, depth: int, scale: float = 1.0, eps: float = EPS, seed: int = 0) -> dict:
    """Every rank measure of `random_tanh_features` (a sweepable function: ``fn(**config, seed=...)``)."""
    phi, w = random_tanh_features(width, depth, scale, seed)
    return {
        "eps_rank": ranks.epsilon_rank(phi, eps, w),
        "numerical_rank": ranks.numerical_rank(phi),
        "effective_rank": ranks.effective_rank(phi),
        "stable_rank": ranks.stable_rank(phi),
    }


def rank_measure_table(seed: int = 0, eps: float = EPS) -> pd.DataFrame:
    rows = []
    for name, (A, w) in reference_matrices(seed).items():
        rows.append(
            {
                "matrix": name,
                "shape": f"{A.shape[0]}x{A.shape[1]}",
                "numerical_rank": ranks.numerical_rank(A),
                f"eps_rank({eps:g})": ranks.epsilon_rank(A, eps, w),
                "effective_rank (RV)": ranks.effective_rank(A),
                "entropy_rank (eig)": ranks.effective_rank(A, spectrum="eigen"),
                "participation_ratio": ranks.participation_ratio(A),
                "stable_rank": ranks.stable_rank(A),
                "dist_to_rank(1)": ranks.dist_to_rank(A, 1),
            }
        )
    return pd.DataFrame(rows)


def write_rank_measure_table(out_dir: Path, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    from numerics.io import write_table

    df = rank_measure_table(seed)
    paths = write_table(df, Path(out_dir) / "rank_measures", config={"eps": EPS, "weights": "GL for networks, none else"}, seed=seed)
    return df, paths


def rank_measure_section(profile: str = "quick", *, seed: int = 0, out_dir: Path, quiet: bool = False) -> dict:
    """The rank-measure table as a section of the verification report (the same at every profile)."""
    df, _ = write_rank_measure_table(out_dir, seed=seed)
    return {"text": "Every measure of `numerics.ranks` (ε = 1e-6; network features use Gauss–Legendre weights on [−1, 1]).",
            "tables": {"rank measures": df}}


# The report's extra sections (`numerics.report`): the reference table comes first.
REPORT_SECTIONS = (
    {"title": "Rank measures on reference matrices and random tanh-network features", "key": "rank measures",
     "folder": "ranks_results", "run": rank_measure_section},
)
