"""Rank measures of a feature matrix or a weight matrix.

Every function takes one array (numpy or torch, any real dtype) and returns a Python int or float,
computed in float64. ``features`` is ``(m, n)``: rows are quadrature points, columns are neurons.
All the measures read one spectrum, `singular_values`, so they agree on what the matrix is.
The ε-rank can instead read the eigenvalues of the Gram matrix (``method="gram"``); see the
benchmark table in the README for the speed and accuracy of each path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsyrk as _dsyrk

from numerics.validation import (
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
    to_numpy,
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
    "BLOCK_ELEMENTS",
]

_EPS_RANK_METHODS = ("auto", "svd", "gram")
BLOCK_ELEMENTS = 1 << 18  # the Gram product is streamed in blocks of this many entries (2 MiB)


def _ldexp(x: float, e: int) -> float:
    """x·2ᵉ for a float x ≥ 0, inf on overflow (math.ldexp raises) and 0 or subnormal on underflow."""
    try:
        return math.ldexp(x, e)
    except OverflowError:
        return math.inf


def _exponent(x: float) -> int:
    """e with x·2⁻ᵉ in [0.5, 1) (0 for x = 0): scaling by 2⁻ᵉ is exact, so no rounding is added."""
    return math.frexp(x)[1] if x > 0 else 0


_TINY = np.finfo(np.float64).tiny
_U = float(np.finfo(np.float64).eps)  # 2⁻⁵², the spacing of float64 at 1 (twice the unit roundoff)


class _Scaled:
    """B = diag(√w)Φ held as B = 2ᵉ·B̃, with 2ᵉ the binary scale of max|B| (so 2⁻⁶⁶ ≤ max|B̃| < 1).

    Every measure reads B̃, whose squares and Gram entries neither overflow nor underflow for any
    finite Φ and w, and scales back by the exact power of two 2ᵉ; on ordinary input B̃ is B/2ᵉ bit
    for bit, so nothing changes. The scale is found from exponents alone (√w_i·max_j|φ_ij| may
    overflow); when √w_i·2⁻ᵉ is not a normal float, rows are scaled in two exact steps.
    """

    def __init__(self, features: Any, weights: Any | None, name: str = "features", *, scaled: bool = True) -> None:
        # The public functions' @validate_params has checked that features is a finite, non-empty,
        # real 2-D array and weights finite and non-negative: here they are converted, not re-read.
        self.name, self.weights = name, weights
        self.phi = np.asarray(to_numpy(features, name), dtype=np.float64)
        self.sw = None
        if weights is not None:
            w = np.asarray(to_numpy(weights, "weights"), dtype=np.float64)
            if w.shape != (self.phi.shape[0],):
                as_weights(weights, self.phi.shape[0], "weights")  # raises, naming the lengths
            self.sw = np.sqrt(w)
        if scaled:
            self.rescale()
        else:  # e = 0, B̃ = B: the caller checks that nothing over- or underflowed (`_small_gram`)
            self._set_scale(0)

    def revalidate(self) -> None:
        """The full checks (`as_matrix`, `as_weights`): called when a result came out non-finite."""
        as_matrix(self.phi, self.name)
        if self.weights is not None:
            as_weights(self.weights, self.phi.shape[0], "weights")

    def rescale(self) -> None:
        """Scale by 2ᵉ, e the binary exponent of max|B|."""
        phi, sw = self.phi, self.sw
        if sw is None:
            self._set_scale(_exponent(max(float(phi.max()), -float(phi.min()))))
        else:
            self._set_scale(self._exponent_of_max(phi, sw))

    def _set_scale(self, e: int) -> None:
        self.e, self.shift, self.mant = e, None, None  # the two-step path: B̃_ij = ldexp(φ_ij, shift_i)·mant_i
        sw, m = self.sw, self.phi.shape[0]
        if sw is not None and e == 0:
            # √w of finite w ≥ 0 is finite, and ≥ 2⁻⁵³⁷ where positive (w ≥ 2⁻¹⁰⁷⁴), so the test below always
            # passes: skip its two reductions
            self.factor = sw[:, None]
            return
        if sw is None:
            self.factor = None if e == 0 else 2.0**-e if abs(e) < 1000 else None
            if abs(e) >= 1000:
                self.shift, self.mant = np.full(m, -e), np.ones(m)
            return
        lo = float(sw.min())
        lo = lo if lo > 0 else float(np.min(sw, where=sw > 0, initial=np.inf))
        if _ldexp(float(sw.max()), -e) < math.inf and _ldexp(lo, -e) >= _TINY:
            self.factor = (sw if e == 0 else np.ldexp(sw, -e))[:, None]  # every √w_i·2⁻ᵉ is normal: one exact product
        else:
            mant_w, a = np.frexp(sw)
            self.factor, self.shift, self.mant = None, a - e, mant_w

    @staticmethod
    def _exponent_of_max(phi: np.ndarray, sw: np.ndarray) -> int:
        """The binary exponent of max_ij √w_i|φ_ij|, from exponents (the product itself may overflow).

        Cheap when the largest weight and the largest entry are within 2⁶⁴ of explaining max|B|
        (then e = e(max √w) + e(max|φ|), an upper bound, leaves max|B̃| ≥ 2⁻⁶⁶); else row by row.
        """
        i = int(np.argmax(sw))
        amax = max(float(phi.max()), -float(phi.min()))
        e_sw, e_phi = _exponent(float(sw[i])), _exponent(amax)
        e_up = e_sw + e_phi  # max|B| < 2^e_up, and max|B| ≥ √w_i·max_j|φ_ij| for the largest weight's row i
        row_i = max(float(phi[i].max()), -float(phi[i].min()))
        if row_i > 0 and e_phi - _exponent(row_i) <= 64:
            return e_up
        r = np.unravel_index(np.argmax(np.abs(phi)), phi.shape)[0]  # the row of the largest |φ|
        if sw[r] > 0 and e_sw - _exponent(float(sw[r])) <= 64:
            return e_up
        rowmax = np.maximum(phi.max(axis=1), -phi.min(axis=1))
        live = (sw > 0) & (rowmax > 0)
        return int(np.max((np.frexp(sw)[1] + np.frexp(rowmax)[1])[live])) if live.any() else 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.phi.shape

    def block(self, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
        """B̃[rows, cols], C-contiguous (a view of Φ when there is nothing to scale, else a new array)."""
        if self.shift is None and self.factor is None:
            return np.ascontiguousarray(self.phi[rows, cols])
        if self.factor is not None:
            f = self.factor if np.ndim(self.factor) == 0 else self.factor[rows]
            with np.errstate(over="ignore", under="ignore"):  # unscaled trial: the trace shows an overflow
                return self.phi[rows, cols] * f
        X = np.ldexp(self.phi[rows, cols], self.shift[rows, None])
        X *= self.mant[rows, None]
        return X

    def svdvals(self) -> np.ndarray:
        """σ(B̃), descending."""
        B = self.block()
        if not np.isfinite(B).all():  # a check behind @validate_params's, cheap next to the SVD
            self.revalidate()
        return _svdvals(B)

    def threshold(self, eps: float) -> float:
        """ε/2²ᵉ: r_ε(B) = r_{ε/c²}(B/c) with c = 2ᵉ (may round to 0 or inf; see `_above`)."""
        return _ldexp(eps, -2 * self.e)

    def back(self, x: np.ndarray | float, power: int = 1) -> np.ndarray:
        """x·2^{power·e}: a scaled singular value (power 1) or eigenvalue (power 2) in B's units."""
        if self.e == 0:
            return x
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(x, power * self.e)


def _above(s: np.ndarray, e: int, t: float, power: int) -> np.ndarray:
    """(s·2ᵉ)^power > t elementwise for s ≥ 0, without forming s·2ᵉ or its square.

    Writes s = μ·2ᶠ (μ in [1/2, 1)) and compares μ^power with t·2^{−power(e+f)}; on ordinary
    values this is the plain comparison bit for bit, since powers of two scale exactly.
    """
    mu, f = np.frexp(s)
    with np.errstate(over="ignore", under="ignore"):
        return mu**power > np.ldexp(t, -power * (e + f))


def _svdvals(B: np.ndarray) -> np.ndarray:
    try:
        s = scipy.linalg.svdvals(B, check_finite=False)
    except np.linalg.LinAlgError:  # gesdd can fail where gesvd succeeds (scipy#10032)
        s = scipy.linalg.svd(B, compute_uv=False, lapack_driver="gesvd", check_finite=False)
    return np.sort(s)[::-1]


@validate_params(A=Matrix(), weights=Weights())
def singular_values(A: Any, weights: Any | None = None) -> np.ndarray:
    """σ(diag(√w) A) in float64, descending: the one spectrum every measure here reads.

    Computed on 2⁻ᵉ·diag(√w)A, e the binary exponent of the largest entry, and scaled back by
    2ᵉ exactly, so no intermediate overflows (a value is inf only when σ itself is not a float64).

    Args:
        A: ``(m, n)`` array.
        weights: optional ``(m,)`` non-negative quadrature weights.
    """
    S = _Scaled(A, weights, "A")
    return S.back(S.svdvals())


def _weighted(features: Any, weights: Any | None) -> np.ndarray:
    phi = as_matrix(features, "features")
    if weights is None:
        return phi
    w = as_weights(weights, phi.shape[0], "weights")
    return np.sqrt(w)[:, None] * phi


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


def _small_gram(S: _Scaled) -> np.ndarray:
    """The smaller of B̃ᵀB̃ (m ≥ n) and B̃B̃ᵀ (m < n), upper triangle only, by a streamed rank-k update.

    Both have the same non-zero eigenvalues. Blocks of rows (m ≥ n) or columns (m < n) of B̃ are
    added with BLAS dsyrk, so the extra memory is min(m, n)² plus one block.
    """
    m, n = S.shape
    k = min(m, n)
    step = max(1, BLOCK_ELEMENTS // k)
    G = None
    for start in range(0, max(m, n), step):
        part = slice(start, start + step)
        # X = B̃[rows] (b×n, C order): X.T is Fortran-ordered and X.T·(X.T)ᵀ = XᵀX;
        # Y = B̃[:, cols] (m×b): Y.T is Fortran-ordered and (Y.T)ᵀ·Y.T = YYᵀ
        A = (S.block(rows=part) if m >= n else S.block(cols=part)).T
        trans = 0 if m >= n else 1
        G = _dsyrk(1.0, A, trans=trans) if G is None else _dsyrk(1.0, A, beta=1.0, c=G, trans=trans, overwrite_c=1)
    return G


_SAFE_TRACE = (2.0**-600, 2.0**600)  # tr B̃ᵀB̃ here: no entry of the Gram matrix over- or underflows harmfully
# tr B̃ᵀB̃ here: eigvalsh scales nothing inside LAPACK (dsyevd rescales a matrix whose largest entry is
# above 2⁴⁸⁵ or below 2⁻⁴⁸⁵, dsterf a tridiagonal one below 2⁻⁴⁰⁵, by factors that are not powers of
# two), so the unscaled eigenvalues are 2²ᵉ times the scaled ones bit for bit: gram_eigenvalues
# returns what the scaled Gram gives
_EXACT_TRACE = (2.0**-300, 2.0**300)


def _scaled_gram_eigenvalues(S: _Scaled, clamp: bool = True, window: tuple[float, float] = _SAFE_TRACE) -> tuple[np.ndarray, float]:
    """(λ̃, δ̃): the min(m, n) eigenvalues of the small Gram of B̃, descending, and their error bound.

    An unscaled ``S`` (e = 0, the fast path) is rescaled and the Gram formed again when its trace
    lies outside ``window``: by default when it shows an overflow or an underflow.
    """
    G = _small_gram(S)
    trace = np.trace(G)
    if S.e == 0 and not window[0] <= trace <= window[1]:
        if not np.isfinite(trace):
            S.revalidate()  # a NaN or inf in the input raises here; an overflow of √w·φ goes on
        S.rescale()
        G = _small_gram(S)
        trace = np.trace(G)
    lam = np.linalg.eigvalsh(G, UPLO="U")[::-1]  # syevd with a workspace query (scipy's dsyevd wrapper is 7× slower at n=256)
    m, n = S.shape
    delta = float((m + n) * _U * trace)
    return (np.maximum(lam, 0.0) if clamp else lam), delta


def _pad(values: np.ndarray, n: int) -> np.ndarray:
    if values.size == n:
        return values
    return np.concatenate([values, np.zeros(n - values.size)])  # m < n: M has n − m zero eigenvalues


@validate_params(features=Matrix(), weights=Weights(), method=Options(_EPS_RANK_METHODS[1:]))
def gram_eigenvalues(features: Any, weights: Any | None = None, method: str = "svd") -> np.ndarray:
    """λ(M), descending, all n of them, for M = Φᵀ diag(w) Φ: σ(diag(√w)Φ)² (``"svd"``) or eigvalsh (``"gram"``).

    The ``"gram"`` path takes eigvalsh of the smaller of M and diag(√w)ΦΦᵀdiag(√w) (the same
    non-zero eigenvalues; the other n − m are 0). It squares the condition number: eigenvalues
    below about n·eps·λ_max are rounding noise (and may come out negative; they are clamped at 0).
    """
    one_of(method, "method", _EPS_RANK_METHODS[1:])
    S = _Scaled(features, weights, scaled=method == "svd")  # "gram": unscaled while the trace is in _EXACT_TRACE
    lam = S.svdvals() ** 2 if method == "svd" else _scaled_gram_eigenvalues(S, window=_EXACT_TRACE)[0]
    return S.back(_pad(lam, S.shape[1]), 2)


@validate_params(features=Matrix(), weights=Weights())
def gram_error_bound(features: Any, weights: Any | None = None) -> float:
    """δ with |λ̂_i − λ_i| ≤ δ for the ``"gram"`` eigenvalues: (m + n)·ε_mach·tr(M), ε_mach = 2⁻⁵² = 2u.

    ε_mach is float64's machine epsilon, twice the unit roundoff u of the error analysis below, so
    the returned δ carries a factor 2 of margin over the (m + n)·u·tr(M) that the analysis gives.

    A conservative bound: forming M in floating point perturbs entry (i, j) by at most
    γ_m Σ_k w_k|φ_ki||φ_kj| ≤ γ_m √(M_ii M_jj), so ‖ΔM‖_F ≤ γ_m tr M; eigvalsh adds a backward error
    of order n·u·‖M‖₂ ≤ n·u·tr M. Weyl's inequality turns the sum into a bound on every eigenvalue
    (Higham, *Accuracy and Stability*, §3.5 and §10.1; Golub & Van Loan, Thm 8.1.5). The same bound,
    with the roles of m and n swapped, holds for diag(√w)ΦΦᵀdiag(√w), whose trace is the same.
    """
    S = _Scaled(features, weights)
    m, n = S.shape
    B = S.block()
    return float(S.back((m + n) * np.finfo(np.float64).eps * np.einsum("ij,ij->", B, B), 2))


@validate_params(features=Matrix(), weights=Weights(), eps=Real(low=0.0, closed="neither"), method=Options(_EPS_RANK_METHODS), absolute=Bool())
def epsilon_rank(features: Any, eps: float, weights: Any | None = None, method: str = "auto", *,
                 absolute: bool = False) -> int:
    """r_ε(M) = #{λ(M) > ε}, M = Φᵀ diag(w) Φ (arXiv 2412.05144, Def. 2.5); #{|λ(M)| > ε} with ``absolute``.

    Args:
        features: ``(m, n)`` neuron values at quadrature points (rows) for each neuron (columns).
        eps: the threshold ε > 0 (the paper uses 1e-6). Absolute, so not scale-invariant:
            ``epsilon_rank(c·Φ, c²·ε) == epsilon_rank(Φ, ε)``; the count is taken on Φ/2ᵉ against
            ε/2²ᵉ (2ᵉ the scale of the largest entry), so any finite Φ, w and ε are safe.
        weights: ``(m,)`` quadrature weights integrating over Ω (∫1 = |Ω|); ``None`` = ones.
        method: ``"auto"`` (default): eigvalsh of the smaller of M (n×n, when m ≥ n) and
            diag(√w)ΦΦᵀdiag(√w) (m×m, when m < n; the same non-zero eigenvalues), formed by a
            streamed rank-k update and certified by `gram_error_bound`: when an eigenvalue lies
            within δ of ε, recount from the SVD. ``"svd"``: squared singular values of diag(√w)Φ
            (always accurate). ``"gram"``: the same eigvalsh, uncertified. README has the timings.
        absolute: count |λ| > ε, as the paper's §4 does ("A = {|λ(M)| > ε}"). M is positive
            semi-definite, so this differs from the plain count only on the eigenvalues that
            eigvalsh returns negative through round-off; they are counted by magnitude, not clamped.
    """
    eps = positive_float(eps, "eps")
    one_of(method, "method", _EPS_RANK_METHODS)
    absolute = bool(absolute)  # validated by the declaration (bool or numpy bool)
    S = _Scaled(features, weights, scaled=method == "svd")
    if method != "svd":
        lam, delta = _scaled_gram_eigenvalues(S, clamp=not absolute)
        eps_s = S.threshold(eps)
        if absolute:
            lam = np.abs(lam)
        if method == "gram" or np.min(np.abs(lam - eps_s)) > delta:
            return int(np.count_nonzero(lam > eps_s))
        S.rescale()
    return int(np.count_nonzero(_above(S.svdvals(), S.e, eps, 2)))


@validate_params(features=Matrix(), weights=Weights(), eps=Real(low=0.0))
def is_eps_linearly_dependent(features: Any, eps: float, weights: Any | None = None) -> bool:
    """Def. 2.3 of arXiv 2412.05144: ∃ unit c with ‖Σ c_i φ_i‖² ≤ ε, i.e. λ_min(M) ≤ ε."""
    eps = nonnegative_float(eps, "eps")
    S = _Scaled(features, weights)
    m, n = S.shape
    return m < n or not bool(_above(S.svdvals()[-1:], S.e, eps, 2)[0])


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
    S = _Scaled(A, None, "A")
    if atol is not None:
        atol = nonnegative_float(atol, "atol")
    if rtol is not None:
        rtol = nonnegative_float(rtol, "rtol")
    if rtol is None:
        rtol = 0.0 if atol is not None else _default_rtol(A, S.shape)
    s = S.svdvals()
    return int(np.count_nonzero(_above(s, S.e, atol or 0.0, 1) & (s > rtol * s[0])))


def _spectrum(A: Any) -> np.ndarray:
    """σ(A)/2ᵉ, descending, 2ᵉ the scale of A's largest entry: the input of the scale-free measures."""
    S = _Scaled(A, None, "A")
    return S.svdvals()


def _shannon_exp(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


@validate_params(A=Matrix(), spectrum=Options(("singular", "eigen")))
def effective_rank(A: Any, spectrum: str = "singular") -> float:
    """exp H(p), p_i = σ_i/Σσ_j (Roy & Vetterli, EUSIPCO 2007); ``spectrum="eigen"`` uses p_i = σ_i²/Σσ_j².

    0 for the zero matrix. With the singular spectrum, 1 ≤ erank ≤ rank; the eigen version
    (von Neumann entropy rank) is never larger. Scale-invariant, and computed on A/2ᵉ.
    """
    one_of(spectrum, "spectrum", ("singular", "eigen"))
    s = _spectrum(A)
    x = s if spectrum == "singular" else s**2
    total = x.sum()
    return 0.0 if total == 0 else _shannon_exp(x / total)


@validate_params(A=Matrix())
def stable_rank(A: Any) -> float:
    """‖A‖_F² / ‖A‖₂² = Σσ_i²/σ₁² (Rudelson & Vershynin 2007). 0 for the zero matrix. Computed on A/2ᵉ."""
    s = _spectrum(A)
    return 0.0 if s[0] == 0 else float(np.sum(s**2) / s[0] ** 2)


@validate_params(A=Matrix())
def participation_ratio(A: Any) -> float:
    """(Σλ_i)² / Σλ_i², λ_i = σ_i² (uncentred second moment of the columns). 0 for the zero matrix. Computed on A/2ᵉ."""
    lam = _spectrum(A) ** 2
    den = np.sum(lam**2)
    return 0.0 if den == 0 else float(np.sum(lam) ** 2 / den)


@validate_params(A=Matrix(), k=Integer(low=0), norm=Options(("fro", "spectral")))
def dist_to_rank(A: Any, k: int, norm: str = "fro") -> float:
    """min_{rank B ≤ k} ‖A − B‖ = (Σ_{i>k} σ_i²)^{1/2} (Frobenius) or σ_{k+1} (``norm="spectral"``).

    Eckart–Young–Mirsky. ``k`` larger than min(m, n) gives 0. The tail is summed after scaling by
    the power of two of its largest value and scaled back exactly, so it neither over- nor underflows.
    """
    k = nonnegative_int(k, "k")
    one_of(norm, "norm", ("fro", "spectral"))
    S = _Scaled(A, None, "A")
    tail = S.svdvals()[k:]
    if tail.size == 0 or tail[0] == 0:
        return 0.0
    if norm == "spectral":
        return float(S.back(tail[0]))
    e = _exponent(float(tail[0]))
    t = np.ldexp(tail, -e)
    with np.errstate(over="ignore", under="ignore"):
        return float(np.ldexp(np.sqrt(np.sum(t * t)), S.e + e))
