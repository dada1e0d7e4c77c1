"""The linear algebra of the staircase theorem (arXiv 2412.05144, §3) on one layer's features at quadrature points.

Given a hidden layer Φ (m points × n neurons) on a quadrature (weights w), the output weights β,
the target u*(x_k) and ε, `staircase_quantities` computes everything Thm 3.2/3.3 and their proofs
talk about, in float64:

- the Gram matrix M = Φᵀ diag(w) Φ = Q Λ Qᵀ (λ descending) and p = r_ε(M) = #{λ > ε};
- the rank-revealing subset S_p (p kept neurons): brute force for n ≤ 12, else pivoted QR
  refined by max-volume swaps; V22 = Q[S_pᶜ, p:] (the paper's block of PQ);
- f̃ of the proof, β̃ = [I 0]Pβ − V12 V22⁻¹ [0 I]Pβ, and ‖f − f̃‖²;
- dist(u*, span{φ_j : j ∈ S_p}) and dist(u*, G_p), G_p = span{g_k = Σ_j Q_jk φ_j : k ≤ p},
  by weighted least squares in the quadrature's L².

`check_bounds` (one point) and `check_bounds_batch` (many) evaluate the Thm 3.3 bounds of
`theory.staircase` on them. The engine's `numerics.analyze` and the staircase paper's trainer and
experiments (`numerics.staircase`) read them. Proofs: proofs_notes/staircase.md.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from numerics.validation import as_matrix, as_weights, nonnegative_float, nonnegative_int, positive_float, to_numpy
from theory import Check
from theory import staircase as th

__all__ = [
    "BRUTE_FORCE_MAX_N",
    "StaircaseQuantities",
    "staircase_quantities",
    "check_bounds",
    "check_bounds_batch",
    "rank_revealing_subset",
    "sigma_min",
]

BRUTE_FORCE_MAX_N = 12
_MAXVOL_TOL = 1.0 + 1e-12


@dataclass(frozen=True, eq=False)
class StaircaseQuantities:
    """What `staircase_quantities` measured (all float64; arrays read-only).

    Attributes:
        p: r_ε(M) = #{λ(M) > ε}.  n: width.  eps: ε.
        eigenvalues: ``(n,)`` λ(M), descending (zeros appended when m < n).
        eigenvectors: ``(n, n)`` Q, columns the Gram eigenvectors (M = Q diag(λ) Qᵀ).
        beta_norm2: ‖β‖² (used as C).
        subset: S_p, the p kept neuron indices, ascending.
        subset_method: ``"all"`` (p = n), ``"empty"`` (p = 0), ``"brute_force"`` or ``"maxvol"``.
        v22_inv_norm2: ‖V22⁻¹‖², V22 = Q[S_pᶜ, p:]; 1 when p = 0, 0 when p = n (no V22).
        beta_tilde: ``(p,)`` β̃ = β[S] − V12 V22⁻¹ β[Sᶜ], V12 = Q[S, p:].
        approx_error2: ‖f − f̃‖² with f = Φβ, f̃ = Φ[:, S] β̃, by the quadrature.
        tail_error2: Σ_k a_k² λ_{p+k}, a = V22⁻¹ β[Sᶜ] (equals approx_error2 in exact arithmetic).
        dist_span_S: dist(u*, span{φ_j : j ∈ S}) (a distance, not squared).
        dist_G: dist(u*, G_p), G_p = span of the top-p Gram eigenfunctions.
        target_norm: ‖u*‖.
    """

    p: int
    n: int
    eps: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    beta_norm2: float
    subset: tuple[int, ...]
    subset_method: str
    v22_inv_norm2: float
    beta_tilde: np.ndarray
    approx_error2: float
    tail_error2: float
    dist_span_S: float
    dist_G: float
    target_norm: float

    def as_dict(self) -> dict[str, Any]:
        """The scalar fields, for a table row."""
        return {
            "p": self.p,
            "n": self.n,
            "eps": self.eps,
            "beta_norm2": self.beta_norm2,
            "subset_method": self.subset_method,
            "v22_inv_norm2": self.v22_inv_norm2,
            "approx_error2": self.approx_error2,
            "tail_error2": self.tail_error2,
            "dist_span_S": self.dist_span_S,
            "dist_G": self.dist_G,
            "lambda_p1": float(self.eigenvalues[self.p]) if self.p < self.n else 0.0,
        }


def _gram_eigh(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(λ, Q) of M = BᵀB from the thin SVD of B: λ = σ² descending (zeros appended when m < n), Q (n, n) orthogonal.

    Thin, so the cost and memory stay O(m n) in the number of points m; for m < n the eigenvectors
    of the zero eigenvalue complete Vᵀ to an orthogonal basis (complete QR).
    """
    m, n_ = B.shape
    try:
        _, s, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False)
    except np.linalg.LinAlgError:  # gesdd can fail where gesvd succeeds (scipy#10032)
        _, s, Vt = scipy.linalg.svd(B, full_matrices=False, lapack_driver="gesvd", check_finite=False)
    lam = np.zeros(n_)
    lam[: s.size] = s**2
    Q = Vt.T
    if Q.shape[1] < n_:
        full, _ = np.linalg.qr(Q, mode="complete")
        Q = np.concatenate([Q, full[:, Q.shape[1]:]], axis=1)
    return lam, Q


def sigma_min(A: np.ndarray) -> np.ndarray:
    """σ_min of a square matrix or a stack of them (the last singular value of each)."""
    return np.linalg.svd(A, compute_uv=False)[..., -1]


def _maxvol(Qp: np.ndarray) -> list[int]:
    """p rows of the (n, p) Qp with |Qp Qp[S]⁻¹| ≤ 1 entrywise: pivoted QR start, then volume-raising swaps."""
    n_, p_ = Qp.shape
    _, _, piv = scipy.linalg.qr(Qp.T, mode="economic", pivoting=True, check_finite=False)
    S = [int(i) for i in piv[:p_]]
    for _ in range(50 * n_ * max(p_, 1)):
        B = np.linalg.solve(Qp[S].T, Qp.T).T  # B = Qp Qp[S]⁻¹, rows S are the identity
        i, j = np.unravel_index(int(np.argmax(np.abs(B))), B.shape)
        if abs(B[i, j]) <= _MAXVOL_TOL:
            break
        S[j] = int(i)  # |det| grows by the factor |B_ij| > 1
    return sorted(S)


def rank_revealing_subset(Q: Any, p: int) -> tuple[tuple[int, ...], str]:
    """S_p, the p neurons kept by the proof of Thm 3.2: argmax_S σ_min(V22), V22 = Q[Sᶜ, p:].

    Q is the ``(n, n)`` orthogonal eigenvector matrix. For n ≤ `BRUTE_FORCE_MAX_N` every subset is
    tried; above, pivoted QR of Q[:, :p]ᵀ refined by max-volume swaps, which guarantees
    ‖V22⁻¹‖² ≤ 1 + p(n−p) ≤ (p+1)(n−p) (proofs_notes/staircase.md §1). Returns (S, method).
    """
    Q = as_matrix(Q, "Q")
    n_ = Q.shape[0]
    if Q.shape != (n_, n_):
        raise ValueError(f"Q must be square (n, n), got shape {Q.shape}")
    p = nonnegative_int(p, "p")
    if p > n_:
        raise ValueError(f"p must satisfy 0 <= p <= n = {n_}, got {p}")
    if p == 0:
        return (), "empty"
    if p == n_:
        return tuple(range(n_)), "all"
    if n_ <= BRUTE_FORCE_MAX_N:
        # σ_min(V22) over the complements Sᶜ (size n−p) of the rows of the tail block.
        comps = np.array(list(itertools.combinations(range(n_), n_ - p)), dtype=np.intp)
        vals = sigma_min(Q[comps][:, :, p:])
        best = set(int(i) for i in comps[int(np.argmax(vals))])
        return tuple(i for i in range(n_) if i not in best), "brute_force"
    return tuple(_maxvol(Q[:, :p])), "maxvol"


def _dist(Bw: np.ndarray, yw: np.ndarray) -> float:
    """min_c ‖yw − Bw c‖₂ (Bw, yw already scaled by √w), residual recomputed explicitly."""
    if Bw.shape[1] == 0:
        return float(np.linalg.norm(yw))
    c, *_ = scipy.linalg.lstsq(Bw, yw, check_finite=False)
    return float(np.linalg.norm(yw - Bw @ c))


def staircase_quantities(features: Any, weights: Any, beta: Any, target: Any, eps: float) -> StaircaseQuantities:
    """p, Gram eigenbasis, S_p, ‖V22⁻¹‖², ‖f − f̃‖², dist(u*, span S_p), dist(u*, G_p) (arXiv 2412.05144, Thm 3.2/3.3 proofs).

    Args:
        features: ``(m, n)`` last-hidden-layer values φ_j(x_k) (numpy or torch; any real dtype).
        weights: ``(m,)`` quadrature weights (Σ w = |Ω|).
        beta: ``(n,)`` output weights, f = Σ_j β_j φ_j.
        target: ``(m,)`` u*(x_k).
        eps: ε > 0.
    """
    phi = as_matrix(features, "features")
    m, n_ = phi.shape
    w = as_weights(weights, m, "weights")
    beta_ = _vector(beta, n_, "beta", "features' columns")
    u = _vector(target, m, "target", "features' rows")
    eps_ = positive_float(eps, "eps")
    sw = np.sqrt(w)
    B = sw[:, None] * phi
    lam, Q = _gram_eigh(B)
    p_ = int(np.count_nonzero(lam > eps_))
    S, method = rank_revealing_subset(Q, p_)
    Sc = [j for j in range(n_) if j not in set(S)]
    S_idx = list(S)
    if p_ == n_:
        v22_inv2, a = 0.0, np.zeros(0)
        beta_t = beta_[S_idx].copy()
    else:
        V22 = Q[np.ix_(Sc, range(p_, n_))]
        V12 = Q[np.ix_(S_idx, range(p_, n_))]
        a = np.linalg.solve(V22, beta_[Sc])  # a = V22⁻¹ [0 I] Pβ
        beta_t = beta_[S_idx] - V12 @ a
        v22_inv2 = float(sigma_min(V22) ** -2)
    f = phi @ beta_
    f_tilde = phi[:, S_idx] @ beta_t
    # p = n: f̃ = f by construction (S = all neurons, β̃ = β), so the error is exactly 0.
    approx2 = 0.0 if p_ == n_ else float(np.sum(w * (f - f_tilde) ** 2))
    tail2 = float(np.sum(a**2 * lam[p_:]))
    uw = sw * u
    dist_S = _dist(B[:, S_idx], uw)
    dist_G = _dist(B @ Q[:, :p_], uw)
    return StaircaseQuantities(
        p=p_,
        n=n_,
        eps=eps_,
        eigenvalues=_frozen(lam),
        eigenvectors=_frozen(Q),
        beta_norm2=float(beta_ @ beta_),
        subset=tuple(int(i) for i in S),
        subset_method=method,
        v22_inv_norm2=v22_inv2,
        beta_tilde=_frozen(beta_t),
        approx_error2=approx2,
        tail_error2=tail2,
        dist_span_S=dist_S,
        dist_G=dist_G,
        target_norm=float(np.linalg.norm(uw)),
    )


def check_bounds(q: StaircaseQuantities, loss: float, C_S: float = 1.0) -> list[Check]:
    """Thm 3.3 checks L ≥ max(0, (d − √(C·K·ε))/C_S)², C = ‖β‖² (arXiv 2412.05144, Thm 3.3; variants ours).

    ``thm3_3_paper`` and ``thm3_3_tight`` with d = q.dist_span_S (the computable corollary),
    ``thm3_3_eigen`` with d = q.dist_G. ``loss`` is the squared L²(Ω) error by the same quadrature
    (function fitting: ‖Φβ − u*‖²_w, C_S = 1), for which every check holds exactly up to rounding.
    """
    if not isinstance(q, StaircaseQuantities):
        raise TypeError(f"q must be a StaircaseQuantities, got {type(q).__name__}")
    loss_ = nonnegative_float(loss, "loss")
    cs = positive_float(C_S, "C_S")
    common = dict(L=loss_, p=q.p, n=q.n, eps=q.eps, C=q.beta_norm2, C_S=cs)
    return [
        th.thm3_3_paper.check(d=q.dist_span_S, **common),
        th.thm3_3_tight.check(d=q.dist_span_S, **common),
        th.thm3_3_eigen.check(d=q.dist_G, **common),
    ]


def check_bounds_batch(p: Any, n: Any, eps: Any, C: Any, dist_span_S: Any, dist_G: Any, loss: Any,
                       C_S: float = 1.0) -> list[Check]:
    """`check_bounds` at many points at once: L ≥ max(0, (d − √(C·K·ε))/C_S)² per row (arXiv 2412.05144, Thm 3.3).

    Args:
        p, n, eps, C (= ‖β‖²), dist_span_S, dist_G, loss: one value per point (arrays that broadcast).
        C_S: the constant of the loss (1 for function fitting).

    Returns:
        The three `Check`s of `check_bounds` (``thm3_3_paper``, ``thm3_3_tight``, ``thm3_3_eigen``), each
        with array fields (one entry per point): one vectorised `Bound.check` per bound, equal point by
        point to the scalar checks.
    """
    named = {"p": p, "n": n, "eps": eps, "C": C, "dist_span_S": dist_span_S, "dist_G": dist_G, "loss": loss}
    arrays = {}
    for name, value in named.items():
        arr = np.asarray(to_numpy(value, name), dtype=np.float64)
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a scalar or 1-D (one value per point), got shape {arr.shape}")
        arrays[name] = arr
    try:
        cols = np.broadcast_arrays(*arrays.values())
    except ValueError:
        raise ValueError(f"the columns must broadcast to one length, got shapes "
                         f"{ {k: v.shape for k, v in arrays.items()} }") from None
    if cols[0].ndim != 1:
        cols = [c.reshape(1) for c in cols]
    p_, n_, eps_, c_, d_s, d_g, loss_ = cols
    cs = positive_float(C_S, "C_S")
    if np.any(loss_ < 0) or not np.all(np.isfinite(loss_)):
        raise ValueError(f"loss must be finite and >= 0, got {loss_[~(np.isfinite(loss_) & (loss_ >= 0))][:3]}")
    bounds = ((th.thm3_3_paper, d_s), (th.thm3_3_tight, d_s), (th.thm3_3_eigen, d_g))
    return [b.check(d=d, L=loss_, p=p_, n=n_, eps=eps_, C=c_, C_S=cs) for b, d in bounds]


def _vector(x: Any, size: int, name: str, what: str) -> np.ndarray:
    arr = np.asarray(to_numpy(x, name), dtype=np.float64)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise ValueError(f"{name} must have shape ({size},) to match {what}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a
