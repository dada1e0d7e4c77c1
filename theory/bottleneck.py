"""Bottleneck structure (Jacot, arXiv 2305.19008): representation cost and the master inequality.

The paper's theorem statements could not be read (see research/paper2_bottleneck.md §0), so every
inequality here is derived and proved in proofs_notes/bottleneck.md and marked ``ours=True``.

Contents:
- deep linear networks: R(A; L) = L Σ s_i^{2/L}, its 1/L expansion R⁽ʲ⁾ = Σ (2 log s_i)^j / j!
  (derived with sympy series), the balanced minimal-norm factors with singular values s_i^{1/L};
- diagonal linear networks: R(w; L) = L Σ |w_i|^{2/L};
- the master inequality (★) ‖θ‖² ≥ kL + 2 Σ_{i≤k} log s_i(Jf(x)) + H + T and its corollaries,
  stated on aggregate quantities (see `master_aggregates`);
- the rank-selection depth threshold and the pseudo-determinant inequalities.

sympy + numpy only: importing this module never imports torch.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import sympy as sp

from theory._bound import Bound
from theory.validation import Array, Instance, Integer, Real, validate_params
from theory.registry import Theorem, register

__all__ = [
    "NOTE",
    "linear_representation_cost",
    "linear_cost_term",
    "linear_cost_expansion",
    "series_coefficients",
    "closed_form_coefficient",
    "minimal_norm_factor_singular_values",
    "balanced_factors",
    "diagonal_representation_cost",
    "h",
    "dist_to_partial_isometries",
    "MasterAggregates",
    "master_aggregates",
    "rank_selection_threshold",
    "preferred_inner_dimension",
    "pseudo_determinant",
    "log_pseudo_determinant",
    "MASTER_INEQUALITY",
    "MASTER_AMGM",
    "BOTTLENECK_DISTANCE",
    "DEEP_LINEAR_COST",
    "PDET_PRODUCT",
    "PDET_SUM",
]

NOTE = "proofs_notes/bottleneck.md"
PAPER = "arXiv 2305.19008"


def _derived(section: str) -> str:
    return f"derived here: {NOTE} {section}"


# -- input checks: the shared declarations of theory.validation (bodies use them to convert) -------


_SVALS = Array(ndim=(0, 1), low=0.0)
_VECTOR = Array(ndim=(0, 1))
_MATRIX = Array(ndim=2)
_DEPTH = Integer(low=1)
_ORDER = Integer(low=0)
_MAX_SERIES_ORDER = 60  # sympy series/factorial work grows with the order; beyond this it is a hang


def _depth(depth: Any, name: str = "depth") -> int:
    return _DEPTH.check(depth, name)


def _vector(values: Any, name: str) -> np.ndarray:
    """Finite real values as a 1-D float64 array (a scalar is one value)."""
    return _VECTOR.check(values, name).reshape(-1)


def _singular_values(values: Any, name: str = "singular_values") -> np.ndarray:
    return _SVALS.check(values, name).reshape(-1)


def _matrix(A: Any, name: str) -> np.ndarray:
    return _MATRIX.check(A, name)


def _svals(A: np.ndarray) -> np.ndarray:
    return np.sort(np.linalg.svd(A, compute_uv=False))[::-1]


# -- deep linear networks ------------------------------------------------------------------------


@validate_params(singular_values=_SVALS, depth=_DEPTH)
def linear_representation_cost(singular_values: Any, depth: int) -> float:
    """R(A; L) = L Σ_{s_i>0} s_i^{2/L}: min Σ_ℓ‖W_ℓ‖_F² over W_L⋯W_1 = A (derived here, §1; Dai et al. 2021).

    Args:
        singular_values: ``(r,)`` singular values of A (zeros allowed: they cost nothing).
        depth: number of linear layers L >= 1.
    """
    s = _singular_values(singular_values)
    L = _depth(depth)
    s = s[s > 0]
    return float(L * np.sum(s ** (2.0 / L)))


@validate_params(singular_values=_SVALS, order=_ORDER)
def linear_cost_term(singular_values: Any, order: int) -> float:
    """R⁽ʲ⁾(A) = Σ_{s_i>0} (2 log s_i)^j / j!, the L^{1−j} coefficient of R(A; L) (derived here, §1).

    j = 0 gives rank A, j = 1 gives 2 log|A|₊, j = 2 gives 2 Σ (log s_i)².
    """
    s = _singular_values(singular_values)
    order = _ORDER.check(order, "order")
    s = s[s > 0]
    return float(np.sum((2.0 * np.log(s)) ** int(order)) / math.factorial(int(order)))


@validate_params(singular_values=_SVALS, depth=_DEPTH, order=_ORDER)
def linear_cost_expansion(singular_values: Any, depth: int, order: int) -> float:
    """Σ_{j≤order} L^{1−j} R⁽ʲ⁾(A): the truncated 1/L expansion of R(A; L) (derived here, §1)."""
    L = _depth(depth)
    order = _ORDER.check(order, "order")
    return float(sum(L ** (1 - j) * linear_cost_term(singular_values, j) for j in range(int(order) + 1)))


_s = sp.Symbol("s", positive=True)
_eps = sp.Symbol("epsilon", positive=True)  # ε = 1/L


@validate_params(order=Integer(low=0, high=_MAX_SERIES_ORDER))
def series_coefficients(order: int) -> list[sp.Expr]:
    """[c_0, …, c_order] with (1/ε)·s^{2ε} = Σ_j c_j ε^{j−1}, from ``sympy.series`` (derived here, §1).

    c_j is the per-singular-value contribution to R⁽ʲ⁾ (c_0 = 1: one unit of rank per value).
    """
    if isinstance(order, bool) or not isinstance(order, (numbers.Integral, np.integer)) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    expr = sp.series(_s ** (2 * _eps) / _eps, _eps, 0, int(order)).removeO()
    expr = sp.expand(expr)
    return [sp.simplify(expr.coeff(_eps, j - 1)) for j in range(int(order) + 1)]


@validate_params(order=Integer(low=0, high=_MAX_SERIES_ORDER))
def closed_form_coefficient(order: int) -> sp.Expr:
    """(2 log s)^j / j!, the closed form that `series_coefficients` must reproduce."""
    return (2 * sp.log(_s)) ** order / sp.factorial(order)


@validate_params(singular_values=_SVALS, depth=_DEPTH)
def minimal_norm_factor_singular_values(singular_values: Any, depth: int) -> np.ndarray:
    """s_i(W_ℓ) = s_i(A)^{1/L} for every layer of a minimal-norm factorisation (derived here, §1)."""
    s = _singular_values(singular_values)
    L = _depth(depth)
    return np.sort(s ** (1.0 / L))[::-1]


@validate_params(A=_MATRIX, depth=_DEPTH, widths=Array(ndim=1, low=1.0, integer_valued=True, min_size=0, allow_none=True))
def balanced_factors(A: Any, depth: int, widths: Sequence[int] | None = None) -> list[np.ndarray]:
    """W_ℓ = Q_ℓ S^{1/L} Q_{ℓ−1}ᵀ with Q_0 = V, Q_L = U: a factorisation attaining R(A; L) (derived here, §1).

    Args:
        A: ``(m, n)`` target matrix.
        depth: L >= 1.
        widths: hidden widths ``n_1..n_{L−1}`` (each >= rank A); default: all equal to rank A.
            Hidden bases Q_ℓ are the first coordinate vectors.
    Returns:
        ``[W_1, …, W_L]`` with W_ℓ of shape ``(n_ℓ, n_{ℓ−1})`` and W_L⋯W_1 = A.
    """
    A = _matrix(A, "A")
    L = _depth(depth)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = int(np.count_nonzero(s > s[0] * max(A.shape) * np.finfo(np.float64).eps)) if s[0] > 0 else 0
    U, s, Vt = U[:, :r], s[:r], Vt[:r]
    if widths is None:
        widths = [r] * (L - 1)
    widths = [int(w) for w in widths]
    if len(widths) != L - 1 or any(w < r for w in widths):
        raise ValueError(f"widths must give {L - 1} hidden widths, each >= rank A = {r}, got {widths}")
    root = np.diag(s ** (1.0 / L))
    bases = [Vt.T] + [np.eye(w)[:, :r] for w in widths] + [U]
    return [bases[ell + 1] @ root @ bases[ell].T for ell in range(L)]


@validate_params(w=_VECTOR, depth=_DEPTH)
def diagonal_representation_cost(w: Any, depth: int) -> float:
    """R(w; L) = L Σ_i |w_i|^{2/L} = L‖w‖_{2/L}^{2/L} for diagonal linear networks (arXiv 2209.15055, intro)."""
    v = _vector(w, "w")
    L = _depth(depth)
    a = np.abs(v)
    a = a[a > 0]
    return float(L * np.sum(a ** (2.0 / L)))


# -- the master inequality ----------------------------------------------------------------------


@validate_params(s=Array(low=0.0, closed="neither"))
def h(s: Any) -> np.ndarray | float:
    """h(s) = s² − 1 − 2 log s ≥ (s − 1)² ≥ 0 for s > 0 (derived here, §2)."""
    arr = np.asarray(s, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"s must be finite and > 0, got {s!r}")
    out = arr**2 - 1.0 - 2.0 * np.log(arr)
    return float(out) if out.ndim == 0 else out


@validate_params(singular_values=_SVALS, k=Integer(low=0))
def dist_to_partial_isometries(singular_values: Any, k: int) -> float:
    """dist_F(W, 𝒫_k)² = Σ_{i≤k}(s_i − 1)² + Σ_{i>k} s_i², 𝒫_k = rank-k partial isometries (derived here, §3).

    Squared Frobenius distance (von Neumann's trace inequality). ``k`` must not exceed the
    number of singular values given (min of W's sides).
    """
    s = np.sort(_singular_values(singular_values))[::-1]
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)) or not 0 <= k <= s.size:
        raise ValueError(f"k must be an integer in [0, {s.size}], got {k!r}")
    k = int(k)
    return float(np.sum((s[:k] - 1.0) ** 2) + np.sum(s[k:] ** 2))


@dataclass(frozen=True)
class MasterAggregates:
    """The aggregate quantities the master-inequality Bounds are stated on (one network, one x, one k)."""

    theta_norm2: float
    k: int
    L: int
    logdet_J: float
    H: float
    T: float
    D: float

    def as_values(self, *names: str) -> dict[str, float]:
        """Keyword values for `Bound.check`; all symbols when ``names`` is empty."""
        d = {"theta_norm2": self.theta_norm2, "k": self.k, "L": self.L, "logdet_J": self.logdet_J,
             "H": self.H, "T": self.T, "D": self.D}
        return d if not names else {n: d[n] for n in names}

    def values_for(self, bound: Bound) -> dict[str, float]:
        return self.as_values(*bound.symbol_names)


@validate_params(jacobian_singular_values=_SVALS, k=Integer(low=1), theta_norm2=Real(low=0.0))
def master_aggregates(
    layer_singular_values: Sequence[Any], jacobian_singular_values: Any, k: int, theta_norm2: float
) -> MasterAggregates:
    """Aggregates of (★) at one input x (derived here, §2).

    logdet_J = Σ_{i≤k} log s_i(Jf(x)); H = Σ_ℓ Σ_{i≤k} h(s_i(W_ℓ)); T = Σ_ℓ Σ_{i>k} s_i(W_ℓ)²;
    D = Σ_ℓ dist_F(W_ℓ, 𝒫_k)²; L = number of weight matrices.

    Args:
        layer_singular_values: one array per weight matrix W_1..W_L (its singular values).
        jacobian_singular_values: singular values of Jf(x) (``(min(d_out, d_in),)``).
        k: 1 <= k <= rank Jf(x) (so s_k(Jf(x)) > 0 and every s_k(W_ℓ) > 0).
        theta_norm2: ‖θ‖² = Σ_ℓ ‖W_ℓ‖_F² (+ Σ_ℓ ‖b_ℓ‖² when the network has biases).
    """
    if isinstance(layer_singular_values, np.ndarray) or not len(layer_singular_values):
        raise ValueError("layer_singular_values must be a non-empty sequence of 1-D arrays, one per layer")
    layers = [np.sort(_singular_values(s, f"layer_singular_values[{i}]"))[::-1] for i, s in enumerate(layer_singular_values)]
    sj = np.sort(_singular_values(jacobian_singular_values, "jacobian_singular_values"))[::-1]
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    k = int(k)
    if k > sj.size or sj[k - 1] <= 0:
        raise ValueError(f"k = {k} exceeds rank Jf(x): the Jacobian singular values are {sj.tolist()[:8]}")
    if isinstance(theta_norm2, bool) or not isinstance(theta_norm2, (numbers.Real, np.floating)):
        raise TypeError(f"theta_norm2 must be a real number, got {theta_norm2!r}")
    if not math.isfinite(float(theta_norm2)) or theta_norm2 < 0:
        raise ValueError(f"theta_norm2 must be finite and >= 0, got {theta_norm2!r}")
    H = T = D = 0.0
    for i, s in enumerate(layers):
        if s.size < k or s[k - 1] <= 0:
            raise ValueError(f"layer {i + 1} has fewer than k = {k} positive singular values, so rank Jf(x) < k")
        H += float(np.sum(h(s[:k])))
        T += float(np.sum(s[k:] ** 2))
        D += dist_to_partial_isometries(s, k)
    return MasterAggregates(float(theta_norm2), k, len(layers), float(np.sum(np.log(sj[:k]))), H, T, D)


# -- rank selection and pseudo-determinants ----------------------------------------------------


@validate_params(k=Integer(low=0), r1_k=Real(), k_low=Integer(low=0), r1_low=Real())
def rank_selection_threshold(k: int, r1_k: float, k_low: int, r1_low: float) -> float:
    """L* = (R⁽¹⁾_{k'} − R⁽¹⁾_k)/(k − k'): for L > L*, Lk' + R⁽¹⁾_{k'} < Lk + R⁽¹⁾_k (derived here, §4).

    Args:
        k, r1_k: the higher inner dimension and its R⁽¹⁾.
        k_low, r1_low: the lower inner dimension k' < k and its R⁽¹⁾.
    """
    for name, v in (("k", k), ("k_low", k_low)):
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    if not k_low < k:
        raise ValueError(f"k_low must be < k, got k_low={k_low!r}, k={k!r}")
    for name, v in (("r1_k", r1_k), ("r1_low", r1_low)):
        if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating)) or not math.isfinite(float(v)):
            raise ValueError(f"{name} must be a finite real number, got {v!r}")
    return (float(r1_low) - float(r1_k)) / (int(k) - int(k_low))


@validate_params(depth=Real(low=0.0, closed="neither"), candidates=Instance((dict,)))
def preferred_inner_dimension(depth: float, candidates: dict[int, float]) -> int:
    """argmin_k (L·k + R⁽¹⁾_k) over ``{k: R⁽¹⁾_k}``: the inner dimension the two-term cost selects (§4)."""
    if isinstance(depth, bool) or not isinstance(depth, (numbers.Real, np.floating)) or not depth > 0:
        raise ValueError(f"depth must be a real number > 0, got {depth!r}")
    if not isinstance(candidates, dict) or not candidates:
        raise ValueError(f"candidates must be a non-empty dict {{k: R1_k}}, got {candidates!r}")
    return min(candidates, key=lambda kk: (depth * kk + candidates[kk], kk))


@validate_params(A=_MATRIX, rtol=Real(low=0.0, allow_none=True))
def pseudo_determinant(A: Any, rtol: float | None = None) -> float:
    """|A|₊ = Π_{s_i(A) > tol} s_i(A), tol = rtol·s_1 (default max(m, n)·eps): the pseudo-determinant."""
    return float(np.exp(log_pseudo_determinant(A, rtol)))


@validate_params(A=_MATRIX, rtol=Real(low=0.0, allow_none=True))
def log_pseudo_determinant(A: Any, rtol: float | None = None) -> float:
    """log|A|₊ = Σ_{s_i(A) > tol} log s_i(A); 0 for the zero matrix (empty product)."""
    M = _matrix(A, "A")
    s = _svals(M)
    if rtol is None:
        rtol = max(M.shape) * np.finfo(np.float64).eps
    if not isinstance(rtol, (numbers.Real, np.floating)) or not rtol >= 0:
        raise ValueError(f"rtol must be a real number >= 0, got {rtol!r}")
    keep = s[s > rtol * s[0]] if s[0] > 0 else s[:0]
    return float(np.sum(np.log(keep)))


# -- Bounds ---------------------------------------------------------------------------------------

theta_norm2 = sp.Symbol("theta_norm2", nonnegative=True)
k = sp.Symbol("k", positive=True, integer=True)
L = sp.Symbol("L", positive=True, integer=True)
logdet_J = sp.Symbol("logdet_J", real=True)
H = sp.Symbol("H", nonnegative=True)
T = sp.Symbol("T", nonnegative=True)
D = sp.Symbol("D", nonnegative=True)
schatten = sp.Symbol("schatten", nonnegative=True)
rank_J = sp.Symbol("rank_J", positive=True, integer=True)
min_width = sp.Symbol("min_width", positive=True, integer=True)
logpdet_A = sp.Symbol("logpdet_A", real=True)
logpdet_B = sp.Symbol("logpdet_B", real=True)
logpdet_AB = sp.Symbol("logpdet_AB", real=True)
logpdet_ApB = sp.Symbol("logpdet_ApB", real=True)

_MASTER_ASSUMPTIONS = (sp.Le(k, rank_J), sp.Le(rank_J, min_width))
# The paper's notation for `Bound.latex` (and `rankbounds theorems --latex`).
LATEX_NAMES = {
    "theta_norm2": r"\|\theta\|^2",
    "schatten": r"\sum_i s_i^{2/L}",
    "logdet_J": r"\sum_{i \le k} \log s_i(Jf(x))",
    "H": r"\sum_\ell \sum_{i \le k} h(s_i(W_\ell))",
    "T": r"\sum_\ell \sum_{i > k} s_i(W_\ell)^2",
    "D": r"\sum_\ell \operatorname{dist}_F(W_\ell, \mathcal{P}_k)^2",
    "rank_J": r"\operatorname{rank} Jf(x)",
    "min_width": r"\min_\ell n_\ell",
    "logpdet_A": r"\log|A|_+",
    "logpdet_B": r"\log|B|_+",
    "logpdet_AB": r"\log|AB|_+",
    "logpdet_ApB": r"\log|A + B|_+",
}
_MASTER_WORDS = (
    "for any fully connected network f(x) = W_L σ(⋯σ(W_1 x + b_1)⋯) + b_L whose activation has "
    "|σ'| ≤ 1 (ReLU, leaky ReLU, tanh; biases optional, counted in ‖θ‖²), at any input x with "
    "Jf(x) = W_L D_{L−1} ⋯ D_1 W_1 (|D_ℓ| ≤ 1 diagonal: autograd's ReLU Jacobian everywhere), "
    "and every 1 ≤ k ≤ rank Jf(x)"
)

MASTER_INEQUALITY = Bound(
    name="master",
    citation=_derived("§2"),
    symbols=(theta_norm2, k, L, logdet_J, H, T),
    lhs=theta_norm2,
    rhs=k * L + 2 * logdet_J + H + T,
    relation=">=",
    assumptions=_MASTER_ASSUMPTIONS,
    ours=True,
    description=(
        "(★) ‖θ‖² ≥ kL + 2 Σ_{i≤k} log s_i(Jf(x)) + Σ_ℓ[Σ_{i≤k} h(s_i(W_ℓ)) + Σ_{i>k} s_i(W_ℓ)²], "
        + _MASTER_WORDS
    ),
    latex_names=LATEX_NAMES,
)

MASTER_AMGM = Bound(
    name="master_amgm",
    citation=_derived("§2.3"),
    symbols=(theta_norm2, k, L, logdet_J, T),
    lhs=theta_norm2,
    rhs=k * L * sp.exp(2 * logdet_J / (k * L)) + T,
    relation=">=",
    assumptions=_MASTER_ASSUMPTIONS,
    ours=True,
    description="AM–GM form ‖θ‖² ≥ kL·(Π_{i≤k} s_i(Jf(x)))^{2/(kL)} + Σ_ℓΣ_{i>k} s_i(W_ℓ)², " + _MASTER_WORDS,
    latex_names=LATEX_NAMES,
)

BOTTLENECK_DISTANCE = Bound(
    name="bottleneck_distance",
    citation=_derived("§3"),
    symbols=(D, theta_norm2, k, L, logdet_J),
    lhs=D,
    rhs=theta_norm2 - k * L - 2 * logdet_J,
    relation="<=",
    assumptions=_MASTER_ASSUMPTIONS,
    ours=True,
    description=(
        "corollary of (★): Σ_ℓ dist_F(W_ℓ, rank-k partial isometries)² ≤ ‖θ‖² − kL − 2 Σ_{i≤k} log s_i(Jf(x)), "
        + _MASTER_WORDS
    ),
    latex_names=LATEX_NAMES,
)

DEEP_LINEAR_COST = Bound(
    name="deep_linear_cost",
    citation=_derived("§1") + "; Dai, Karzand, Srebro, NeurIPS 2021",
    symbols=(theta_norm2, L, schatten),
    lhs=theta_norm2,
    rhs=L * schatten,
    relation=">=",
    assumptions=(),
    ours=True,
    description=(
        "Σ_ℓ‖W_ℓ‖_F² ≥ R(A; L) = L Σ_i s_i(A)^{2/L} for every factorisation W_L⋯W_1 = A "
        "(schatten = Σ_i s_i(A)^{2/L}); equality iff the factors are balanced"
    ),
    latex_names=LATEX_NAMES,
)

PDET_PRODUCT = Bound(
    name="pdet_product",
    citation=_derived("§5"),
    symbols=(logpdet_A, logpdet_B, logpdet_AB),
    lhs=logpdet_A + logpdet_B,
    rhs=logpdet_AB,
    relation=">=",
    assumptions=(),
    ours=True,
    description="log|A|₊ + log|B|₊ ≥ log|AB|₊ when rank AB = rank A = rank B (linear case of R⁽¹⁾ subadditivity under composition)",
    latex_names=LATEX_NAMES,
)

PDET_SUM = Bound(
    name="pdet_sum",
    citation=_derived("§5"),
    symbols=(logpdet_A, logpdet_B, logpdet_ApB),
    lhs=logpdet_A + logpdet_B,
    rhs=logpdet_ApB,
    relation=">=",
    assumptions=(),
    ours=True,
    description="log|A|₊ + log|B|₊ ≥ log|A+B|₊ when rank(A+B) = rank A + rank B (linear case of R⁽¹⁾ subadditivity under addition)",
    latex_names=LATEX_NAMES,
)


register(
    Theorem(
        id="bottleneck.master_inequality",
        title="Master inequality (★) and the bottleneck corollary for deep networks with weight norm ‖θ‖² (ours)",
        bounds=(MASTER_INEQUALITY, MASTER_AMGM, BOTTLENECK_DISTANCE),
        paper=PAPER,
        note=NOTE,
    )
)
register(
    Theorem(
        id="bottleneck.deep_linear_cost",
        title="Deep linear representation cost R(A; L) = L Σ s_i^{2/L} and the pseudo-determinant inequalities (ours)",
        bounds=(DEEP_LINEAR_COST, PDET_PRODUCT, PDET_SUM),
        paper=PAPER,
        note=NOTE,
    )
)
