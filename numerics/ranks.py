"""Rank measures of a feature matrix or a weight matrix.

Every function takes one array (numpy or torch, any real dtype) and returns a Python int or float,
computed in float64. ``features`` is ``(m, n)``: rows are quadrature points, columns are neurons.
All the measures read one spectrum, `singular_values`, so they agree on what the matrix is.
The ε-rank can instead read the eigenvalues of the Gram matrix (``method="gram"``); see the
benchmark table in the README for the speed and accuracy of each path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from numerics._validation import (
    Bool,
    Integer,
    Matrix,
    Options,
    Real,
    Weights,
    as_matrix,
    as_weights,
    nonnegative_float,
    nonnegative_int,
    one_of,
    positive_float,
    validate_params,
)

__all__ = [
    "singular_values",
    "gram_eigenvalues",
    "gram_error_bound",
    "gram_matrix",
    "epsilon_rank",
    "is_eps_linearly_dependent",
    "numerical_rank",
    "effective_rank",
    "stable_rank",
    "participation_ratio",
    "dist_to_rank",
]

_EPS_RANK_METHODS = ("auto", "svd", "gram")


def _weighted(features: Any, weights: Any | None) -> np.ndarray:
    phi = as_matrix(features, "features")
    if weights is None:
        return phi
    w = as_weights(weights, phi.shape[0], "weights")
    return np.sqrt(w)[:, None] * phi


@validate_params(A=Matrix(), weights=Weights())
def singular_values(A: Any, weights: Any | None = None) -> np.ndarray:
    """σ(diag(√w) A) in float64, descending: the one spectrum every measure here reads.

    Args:
        A: ``(m, n)`` array.
        weights: optional ``(m,)`` non-negative quadrature weights.
    """
    B = _weighted(A, weights)
    try:
        s = scipy.linalg.svdvals(B, check_finite=False)
    except np.linalg.LinAlgError:  # gesdd can fail where gesvd succeeds (scipy#10032)
        s = scipy.linalg.svd(B, compute_uv=False, lapack_driver="gesvd", check_finite=False)
    return np.sort(s)[::-1]


@validate_params(features=Matrix(), weights=Weights())
def gram_matrix(features: Any, weights: Any | None = None) -> np.ndarray:
    """M = Φᵀ diag(w) Φ, i.e. M_ij = ∫_Ω φ_i φ_j dx by quadrature (arXiv 2412.05144, eq. 2.2/4.1).

    No normalisation: with weights summing to |Ω| this approximates the L²(Ω) Gram matrix.

    Args:
        features: ``(m, n)`` neuron values at the m quadrature points.
        weights: ``(m,)`` quadrature weights; ``None`` means all ones.
    """
    B = _weighted(features, weights)
    return B.T @ B


def _svd_eigenvalues(B: np.ndarray) -> np.ndarray:
    s2 = singular_values(B) ** 2
    return np.concatenate([s2, np.zeros(B.shape[1] - s2.size)])  # m < n: M has n − m zero eigenvalues


def _gram_eigenvalues(B: np.ndarray, clamp: bool = True) -> np.ndarray:
    lam = scipy.linalg.eigvalsh(B.T @ B, check_finite=False)[::-1]
    return np.clip(lam, 0.0, None) if clamp else lam


def _gram_error_bound(B: np.ndarray) -> float:
    m, n = B.shape
    return float((m + n) * np.finfo(np.float64).eps * np.einsum("ij,ij->", B, B))


@validate_params(features=Matrix(), weights=Weights(), method=Options(_EPS_RANK_METHODS[1:]))
def gram_eigenvalues(features: Any, weights: Any | None = None, method: str = "svd") -> np.ndarray:
    """λ(M), descending, all n of them, for M = Φᵀ diag(w) Φ: σ(diag(√w)Φ)² (``"svd"``) or eigvalsh(M) (``"gram"``).

    The ``"gram"`` path squares the condition number: eigenvalues below about n·eps·λ_max are
    rounding noise (and may come out negative; they are clamped at 0).
    """
    one_of(method, "method", _EPS_RANK_METHODS[1:])
    B = _weighted(features, weights)
    return _svd_eigenvalues(B) if method == "svd" else _gram_eigenvalues(B)


@validate_params(features=Matrix(), weights=Weights())
def gram_error_bound(features: Any, weights: Any | None = None) -> float:
    """δ with |λ̂_i − λ_i| ≤ δ for the ``"gram"`` eigenvalues: (m + n)·u·tr(M), u the float64 unit roundoff.

    A conservative bound: forming M in floating point perturbs entry (i, j) by at most
    γ_m Σ_k w_k|φ_ki||φ_kj| ≤ γ_m √(M_ii M_jj), so ‖ΔM‖_F ≤ γ_m tr M; eigvalsh adds a backward error
    of order n·u·‖M‖₂ ≤ n·u·tr M. Weyl's inequality turns the sum into a bound on every eigenvalue
    (Higham, *Accuracy and Stability*, §3.5 and §10.1; Golub & Van Loan, Thm 8.1.5).
    """
    return _gram_error_bound(_weighted(features, weights))


@validate_params(features=Matrix(), weights=Weights(), eps=Real(low=0.0, closed="neither"), method=Options(_EPS_RANK_METHODS), absolute=Bool())
def epsilon_rank(features: Any, eps: float, weights: Any | None = None, method: str = "auto", *,
                 absolute: bool = False) -> int:
    """r_ε(M) = #{λ(M) > ε}, M = Φᵀ diag(w) Φ (arXiv 2412.05144, Def. 2.5); #{|λ(M)| > ε} with ``absolute``.

    Args:
        features: ``(m, n)`` neuron values at quadrature points (rows) for each neuron (columns).
        eps: the threshold ε > 0 (the paper uses 1e-6). Absolute, so not scale-invariant:
            ``epsilon_rank(c·Φ, c²·ε) == epsilon_rank(Φ, ε)``.
        weights: ``(m,)`` quadrature weights integrating over Ω (∫1 = |Ω|); ``None`` = ones.
        method: ``"auto"`` (default): eigvalsh of M, certified by `gram_error_bound`: when an
            eigenvalue lies within δ of ε, recount from the SVD. ``"svd"``: squared singular values of
            diag(√w)Φ (always accurate). ``"gram"``: eigvalsh of M, uncertified. README has the timings.
        absolute: count |λ| > ε, as the paper's §4 does ("A = {|λ(M)| > ε}"). M is positive
            semi-definite, so this differs from the plain count only on the eigenvalues that
            eigvalsh returns negative through round-off; they are counted by magnitude, not clamped.
    """
    eps = positive_float(eps, "eps")
    one_of(method, "method", _EPS_RANK_METHODS)
    if not isinstance(absolute, bool):
        raise TypeError(f"absolute must be a bool, got {absolute!r}")
    B = _weighted(features, weights)
    if method == "svd":
        lam = _svd_eigenvalues(B)
    else:
        lam = _gram_eigenvalues(B, clamp=not absolute)
        if method == "auto" and np.min(np.abs(np.abs(lam) - eps)) <= _gram_error_bound(B):
            lam = _svd_eigenvalues(B)
    return int(np.count_nonzero((np.abs(lam) if absolute else lam) > eps))


@validate_params(features=Matrix(), weights=Weights(), eps=Real(low=0.0))
def is_eps_linearly_dependent(features: Any, eps: float, weights: Any | None = None) -> bool:
    """Def. 2.3 of arXiv 2412.05144: ∃ unit c with ‖Σ c_i φ_i‖² ≤ ε, i.e. λ_min(M) ≤ ε."""
    eps = nonnegative_float(eps, "eps")
    return bool(gram_eigenvalues(features, weights)[-1] <= eps)


def _default_rtol(A: Any, shape: tuple[int, int]) -> float:
    dtype = getattr(A, "dtype", np.float64)
    if type(A).__module__.split(".")[0] == "torch":
        dtype = str(dtype).replace("torch.", "")
    try:
        eps = np.finfo(np.dtype(dtype)).eps
    except (TypeError, ValueError):
        eps = np.finfo(np.float64).eps
    return max(shape) * float(eps)


@validate_params(A=Matrix(), rtol=Real(low=0.0, allow_none=True), atol=Real(low=0.0, allow_none=True))
def numerical_rank(A: Any, rtol: float | None = None, atol: float | None = None) -> int:
    """#{σ_i > max(atol, rtol·σ₁)}, with torch.linalg.matrix_rank semantics.

    Defaults follow numpy/torch: with neither given, ``rtol = max(m, n)·eps(dtype of A)``;
    with only ``atol`` given, ``rtol = 0``. References: numpy.linalg.matrix_rank,
    torch.linalg.matrix_rank; Golub & Van Loan §5.4.1.
    """
    M = as_matrix(A, "A")
    if atol is not None:
        atol = nonnegative_float(atol, "atol")
    if rtol is not None:
        rtol = nonnegative_float(rtol, "rtol")
    if rtol is None:
        rtol = 0.0 if atol is not None else _default_rtol(A, M.shape)
    s = singular_values(M)
    threshold = max(atol or 0.0, rtol * (s[0] if s.size else 0.0))
    return int(np.count_nonzero(s > threshold))


def _shannon_exp(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


@validate_params(A=Matrix(), spectrum=Options(("singular", "eigen")))
def effective_rank(A: Any, spectrum: str = "singular") -> float:
    """exp H(p), p_i = σ_i/Σσ_j (Roy & Vetterli, EUSIPCO 2007); ``spectrum="eigen"`` uses p_i = σ_i²/Σσ_j².

    0 for the zero matrix. With the singular spectrum, 1 ≤ erank ≤ rank; the eigen version
    (von Neumann entropy rank) is never larger.
    """
    one_of(spectrum, "spectrum", ("singular", "eigen"))
    s = singular_values(A)
    x = s if spectrum == "singular" else s**2
    total = x.sum()
    return 0.0 if total == 0 else _shannon_exp(x / total)


@validate_params(A=Matrix())
def stable_rank(A: Any) -> float:
    """‖A‖_F² / ‖A‖₂² = Σσ_i²/σ₁² (Rudelson & Vershynin 2007). 0 for the zero matrix."""
    s = singular_values(A)
    return 0.0 if s[0] == 0 else float(np.sum(s**2) / s[0] ** 2)


@validate_params(A=Matrix())
def participation_ratio(A: Any) -> float:
    """(Σλ_i)² / Σλ_i², λ_i = σ_i² (uncentred second moment of the columns). 0 for the zero matrix."""
    lam = singular_values(A) ** 2
    den = np.sum(lam**2)
    return 0.0 if den == 0 else float(np.sum(lam) ** 2 / den)


@validate_params(A=Matrix(), k=Integer(low=0), norm=Options(("fro", "spectral")))
def dist_to_rank(A: Any, k: int, norm: str = "fro") -> float:
    """min_{rank B ≤ k} ‖A − B‖ = (Σ_{i>k} σ_i²)^{1/2} (Frobenius) or σ_{k+1} (``norm="spectral"``).

    Eckart–Young–Mirsky. ``k`` larger than min(m, n) gives 0.
    """
    k = nonnegative_int(k, "k")
    one_of(norm, "norm", ("fro", "spectral"))
    s = singular_values(A)
    tail = s[k:]
    if tail.size == 0:
        return 0.0
    return float(np.sqrt(np.sum(tail**2))) if norm == "fro" else float(tail[0])
