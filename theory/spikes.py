"""Spikes after one large first-layer gradient step (Moniri, Lee, Hassani, Dobriban, arXiv 2310.07891).

With step size η ≍ n^α, α ∈ [0, 1/2), the feature matrix F = σ(X̃W₁ᵀ) is a random-features bulk of
size √n plus one rank-one spike per Hermite degree k with μ_k ≠ 0 and α > α_k = (k−1)/(2k).

Hermite normalisation used throughout: He_k are the probabilists' Hermite polynomials, *unnormalised*
(He₀ = 1, He₁ = z, He₂ = z² − 1, ...), so E[He_j(z) He_k(z)] = k! δ_jk for z ~ N(0, 1), and

    μ_k := E[σ(z) He_k(z)] = E[σ^{(k)}(z)],        σ = Σ_k (μ_k / k!) He_k.

Provenance (see proofs_notes/spikes.md and the research note's tags): the threshold α_k and the count
ℓ(α) are the paper's statement as relayed by secondary sources [R]; the zero-coefficient rule, the
exponent bookkeeping, the strength θ^k μ_k √(nN) and the finite-size emergence rule are derived here
[D] and labelled ``ours``.

Only sympy, numpy, scipy and mpmath (sympy's dependency) are used: importing this module never
imports torch or `numerics`.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import mpmath
import numpy as np
import sympy as sp

from theory._bound import Bound
from theory.validation import (AnyOf, Array, Bool, CallableArg, Instance, Integer, Options, Real, Symbolic,
                                validate_params)
from theory.registry import Theorem, register

__all__ = [
    "Z",
    "BULK_EXPONENT",
    "ACTIVATIONS",
    "exact_alpha",
    "spike_threshold",
    "spike_count",
    "spike_degrees",
    "generic_spike_count",
    "spike_exponent",
    "separation_margin",
    "spike_strength",
    "monomial_spike_norm",
    "bbp_critical_strength",
    "emergence_alpha",
    "relu_hermite",
    "hermite_coefficient_exact",
    "hermite_coefficients_exact",
    "hermite_coefficients_quadrature",
    "hermite_coefficients_mpmath",
    "hermite_coefficients",
    "check_activation_finite",
    "COUNT_BOUND",
    "STRENGTH_BOUND",
    "STRENGTH_RTOL",
    "MAX_DEGREE",
]

Z = sp.Symbol("z", real=True)
BULK_EXPONENT = sp.Rational(1, 2)
STRENGTH_RTOL = sp.Rational(3, 20)
# Highest Hermite degree any function here computes a coefficient or norm for: degree k needs O(k)
# exact or float work per coefficient, and He_k grows past float64 on the quadrature nodes for large k.
MAX_DEGREE = 200
_MAX_MPMATH_DEGREE = 64
_MAX_COUNT_DEGREE = 10**5  # a count calls a callable μ_k once per degree up to 1/(1 − 2α): α ≤ 0.499995
_MAX_POINTS = 360  # numpy's hermegauss overflows from about 380 nodes
_DEGREE = Integer(low=1, high=MAX_DEGREE)
_DEGREE0 = Integer(low=0, high=MAX_DEGREE)
_SIZE = Real(low=0.0, closed="neither")  # n, N, edge: finite and > 0
_NUMBER = AnyOf((Real(), Symbolic()))
_SIZE_OR_EXPR = AnyOf((_SIZE, Symbolic(positive=True)))

# Activations known in closed form: a sympy expression in Z (exact μ_k where possible), a numpy
# callable (Gauss–Hermite quadrature) and an mpmath callable (independent cross-check). "relu" is
# max(z, 0); centring changes μ₀ only.
_SQRT2 = sp.sqrt(2)


def _gelu_numpy(z: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))


ACTIVATIONS: dict[str, tuple[sp.Expr, Callable[[np.ndarray], np.ndarray], Callable[[Any], Any]]] = {
    "relu": (sp.Max(Z, 0), lambda z: np.maximum(z, 0.0), lambda t: max(t, 0)),
    "tanh": (sp.tanh(Z), np.tanh, mpmath.tanh),
    "gelu": (Z * (1 + sp.erf(Z / _SQRT2)) / 2, _gelu_numpy, lambda t: t * (1 + mpmath.erf(t / mpmath.sqrt(2))) / 2),
    "softplus": (sp.log(1 + sp.exp(Z)), lambda z: np.logaddexp(0.0, z), lambda t: mpmath.log1p(mpmath.exp(t))),
    "tq": (sp.tanh(Z) + sp.tanh(Z) ** 2 / 2, lambda z: np.tanh(z) + 0.5 * np.tanh(z) ** 2,
           lambda t: mpmath.tanh(t) + mpmath.tanh(t) ** 2 / 2),
}


# --------------------------------------------------------------------------------------------------
# thresholds and counts (exact rational arithmetic)
# --------------------------------------------------------------------------------------------------
def _positive_degree(k: Any, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, sp.Integer)):
        raise TypeError(f"{name} must be a positive integer (a Hermite degree), got {k!r}")
    if int(k) < 1:
        raise ValueError(f"{name} must be >= 1 (a Hermite degree), got {int(k)}")
    return int(k)


def exact_alpha(alpha: Any) -> sp.Rational:
    """``alpha`` as an exact sympy Rational in [0, 1/2); a float is taken at its exact binary value.

    Raises ValueError naming ``alpha`` when it is outside [0, 1/2) or not finite.
    """
    if isinstance(alpha, bool):
        raise TypeError(f"alpha must be a real number in [0, 1/2), got {alpha!r}")
    if isinstance(alpha, sp.Basic):
        if not isinstance(alpha, sp.Expr) or alpha.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or alpha.is_real is False:
            raise ValueError(f"alpha must be a finite real number in [0, 1/2), got {alpha!r}")
        value = sp.nsimplify(alpha) if not alpha.is_Rational else alpha
        if not value.is_Rational:
            raise ValueError(f"alpha must be a rational number or a float, got {alpha!r}")
    elif isinstance(alpha, Fraction):
        value = sp.Rational(alpha.numerator, alpha.denominator)
    elif isinstance(alpha, (numbers.Integral, np.integer)):
        value = sp.Integer(int(alpha))
    elif isinstance(alpha, (numbers.Real, np.floating)):
        if not math.isfinite(float(alpha)):
            raise ValueError(f"alpha must be finite and in [0, 1/2), got {alpha!r}")
        value = sp.Rational(float(alpha))  # exact binary value of the float
    else:
        raise TypeError(f"alpha must be a real number in [0, 1/2), got {type(alpha).__name__} {alpha!r}")
    if not (0 <= value < sp.Rational(1, 2)):
        raise ValueError(
            f"alpha must lie in [0, 1/2) (η = c·n^α; α >= 1/2 leaves the Taylor regime), got {alpha!r}"
        )
    return value


@validate_params(k=Integer(low=1))
def spike_threshold(k: int) -> sp.Rational:
    """α_k = (k − 1)/(2k): spike k separates from the bulk iff α > α_k (arXiv 2310.07891, [R]; exact)."""
    k = _positive_degree(k)
    return sp.Rational(k - 1, 2 * k)


def _coefficient(hermite_coefficients: Any, k: int) -> Any:
    if callable(hermite_coefficients):
        return hermite_coefficients(k)
    if isinstance(hermite_coefficients, Mapping):
        if k not in hermite_coefficients:
            raise ValueError(
                f"hermite_coefficients has no entry for degree {k}; the count at this alpha needs μ_1..μ_{k}"
            )
        return hermite_coefficients[k]
    if isinstance(hermite_coefficients, (Sequence, np.ndarray)):
        if k >= len(hermite_coefficients):
            raise ValueError(
                f"hermite_coefficients (indexed from μ_0) has {len(hermite_coefficients)} entries, "
                f"but the count at this alpha needs μ_{k}"
            )
        return hermite_coefficients[k]
    raise TypeError(
        "hermite_coefficients must be a sequence indexed from μ_0, a mapping {k: μ_k} or a callable k -> μ_k, "
        f"got {type(hermite_coefficients).__name__}"
    )


def _is_nonzero(mu: Any, zero_tol: float) -> bool:
    if isinstance(mu, sp.Basic):
        if mu.is_zero is not None:
            return not mu.is_zero
        mu = float(mu)
    value = float(mu)
    if not math.isfinite(value):
        raise ValueError(f"hermite_coefficients must be finite, got {mu!r}")
    return abs(value) > zero_tol


def _max_degree_below(alpha: sp.Rational) -> int:
    """Largest k with k < 1/(1 − 2α), i.e. ⌈1/(1 − 2α)⌉ − 1."""
    return int(sp.ceiling(1 / (1 - 2 * alpha))) - 1


@validate_params(max_degree=Integer(low=1, allow_none=True), zero_tol=Real(low=0.0))
def spike_degrees(
    alpha: Any, hermite_coefficients: Any, *, max_degree: int | None = None, zero_tol: float = 1e-12
) -> list[int]:
    """Degrees k ≥ 1 with μ_k ≠ 0 and k < 1/(1 − 2α) (equivalently α > α_k), optionally k ≤ max_degree.

    The inequality is strict: at α = α_k exactly the spike's exponent equals the bulk's 1/2 and it is
    not counted. μ_k is zero when sympy proves it zero, or when |μ_k| <= ``zero_tol`` for floats.
    """
    a = exact_alpha(alpha)
    top = _max_degree_below(a)
    if max_degree is not None:
        top = min(top, _positive_degree(max_degree, "max_degree"))
    if top > _MAX_COUNT_DEGREE and callable(hermite_coefficients):
        raise ValueError(
            f"alpha = {alpha!r} needs Hermite degrees up to {top} > {_MAX_COUNT_DEGREE} (a count this close to "
            "alpha = 1/2 would call hermite_coefficients that many times); pass max_degree or a finite sequence"
        )
    return [k for k in range(1, top + 1) if _is_nonzero(_coefficient(hermite_coefficients, k), zero_tol)]


@validate_params(max_degree=Integer(low=1, allow_none=True), zero_tol=Real(low=0.0))
def spike_count(
    alpha: Any, hermite_coefficients: Any, *, max_degree: int | None = None, zero_tol: float = 1e-12
) -> int:
    """ℓ(α; σ) = #{k ≥ 1 : μ_k ≠ 0, k < 1/(1 − 2α)} (arXiv 2310.07891 [R], zero rule derived here).

    Args:
        alpha: step-size exponent in [0, 1/2) (η = c·n^α); Rational, Fraction, int or float (exact value).
        hermite_coefficients: μ_k = E[σ(z)He_k(z)], as a sequence indexed from μ_0, a mapping {k: μ_k},
            or a callable k -> μ_k. It must reach degree ⌈1/(1−2α)⌉ − 1 (or ``max_degree``).
        max_degree: count only degrees k ≤ max_degree (the finite-n statement for k ≤ 2).
        zero_tol: |μ_k| at or below this counts as zero for float coefficients (sympy zeros are exact).
    """
    return len(spike_degrees(alpha, hermite_coefficients, max_degree=max_degree, zero_tol=zero_tol))


def generic_spike_count(alpha: Any) -> int:
    """ℓ(α) = ⌈1/(1 − 2α)⌉ − 1 when every μ_k ≠ 0 (derived here from the count; exact)."""
    return _max_degree_below(exact_alpha(alpha))


# --------------------------------------------------------------------------------------------------
# exponents and strengths
# --------------------------------------------------------------------------------------------------
_k, _alpha = sp.symbols("k alpha", positive=True)


@validate_params(k=_NUMBER, alpha=_NUMBER)
def spike_exponent(k: Any = _k, alpha: Any = _alpha) -> sp.Expr:
    """e_k(α) = kα + 1 − k/2: s_k ≍ n^{e_k} when N, d ≍ n (derived here, proofs_notes/spikes.md §3)."""
    return sp.nsimplify(k) * sp.nsimplify(alpha) + 1 - sp.nsimplify(k) / 2


@validate_params(k=_NUMBER, alpha=_NUMBER)
def separation_margin(k: Any = _k, alpha: Any = _alpha) -> sp.Expr:
    """e_k(α) − 1/2 = k(α − 1/2) + 1/2, positive iff α > α_k (derived here)."""
    return sp.expand(spike_exponent(k, alpha) - BULK_EXPONENT)


@validate_params(theta=AnyOf((Array(), Symbolic())), mu_k=_NUMBER, k=_DEGREE, n=_SIZE_OR_EXPR, N=_SIZE_OR_EXPR)
def spike_strength(theta: Any, mu_k: Any, k: int, n: Any, N: Any) -> Any:
    """u_kᵀ F v_k ≈ θ^k μ_k √(nN), with u_k = He_k(ζ)/‖·‖, v_k = He_k(√N a)/‖·‖ (derived here, §4).

    θ = η μ₁ ‖β‖/√N is the per-neuron displacement, ζ = X̃β/‖β‖; the relative error is O(θ²).
    Works on sympy expressions and on floats/arrays.
    """
    k = _positive_degree(k)
    if any(isinstance(v, sp.Basic) for v in (theta, mu_k, n, N)):
        return theta**k * mu_k * sp.sqrt(n * N)
    with np.errstate(over="ignore"):
        out = np.asarray(theta, dtype=np.float64) ** k * np.float64(mu_k) * np.sqrt(np.float64(n) * np.float64(N))
    _finite_result(out, "spike_strength", theta=theta, mu_k=mu_k, k=k, n=n, N=N)
    return out


def _finite_result(out: Any, what: str, **args: Any) -> None:
    if not np.all(np.isfinite(out)):
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        raise ValueError(f"{what} overflows float64 at {shown}: the arguments are outside float range")


@validate_params(theta=Real(), mu_k=Real(), k=_DEGREE, n=_SIZE, N=_SIZE)
def monomial_spike_norm(theta: Any, mu_k: Any, k: int, n: Any, N: Any) -> float:
    """‖T_k‖ ≈ |θ|^k |μ_k| ((2k−1)!!/k!) √(nN): norm of (θ^k μ_k/k!) ζ^{∘k} g^{∘k}ᵀ (derived here, §4)."""
    k = _positive_degree(k)
    ratio = float(sp.factorial2(2 * k - 1) / sp.factorial(k))
    with np.errstate(over="ignore"):
        out = np.float64(abs(float(theta))) ** k * abs(float(mu_k)) * ratio * np.sqrt(np.float64(n) * np.float64(N))
    _finite_result(out, "monomial_spike_norm", theta=theta, mu_k=mu_k, k=k, n=n, N=N)
    return float(out)


@validate_params(edge=_SIZE, n=_SIZE, N=_SIZE)
def bbp_critical_strength(edge: float, n: int, N: int) -> float:
    """s_c = edge·(nN)^{1/4}/(√n + √N): BBP threshold for a rank-one outlier on a bulk with this edge.

    Exact for i.i.d. noise (edge = √v(√n+√N), s_c = √v (nN)^{1/4}); used here as a heuristic for the
    random-features bulk (derived here, proofs_notes/spikes.md §5).
    """
    n_, N_ = float(n), float(N)
    out = float(edge) * (n_ * N_) ** 0.25 / (math.sqrt(n_) + math.sqrt(N_))
    if not math.isfinite(out) or out == 0.0:
        # (nN)^{1/4}/(√n + √N) = r/(1 + r²), r = (min/max)^{1/4}: no overflow of nN near 1e300
        r = (n_ / N_) ** 0.25 if n_ <= N_ else (N_ / n_) ** 0.25
        out = float(edge) * r / (1.0 + r * r)
    _finite_result(out, "bbp_critical_strength", edge=edge, n=n, N=N)
    return out


@validate_params(k=_DEGREE, mu_k=Real(), n=Real(low=1.0, closed="neither"), N=_SIZE, edge=_SIZE)
def emergence_alpha(k: int, mu_k: float, n: int, N: int, edge: float) -> float:
    """Finite-n threshold α*_k(n): |θ|^k |μ_k| (2k−1)!!/k! √(nN) = s_c with θ = n^{α−1/2} (ours, §5).

    α*_k = 1/2 + log(s_c / (|μ_k| (2k−1)!!/k! √(nN))) / (k log n); α*_k − α_k is the finite-size shift
    (for N = n it is log(c/((2k−1)!!/k! |μ_k|)) / (k log n) with c = s_c/√n).
    """
    k = _positive_degree(k)
    if float(mu_k) == 0:
        return math.inf
    try:
        unit = monomial_spike_norm(1.0, mu_k, k, n, N)
        ratio = bbp_critical_strength(edge, n, N) / unit
    except (ValueError, ZeroDivisionError):  # a factor over- or underflows float64: the same quantity, in logs
        ratio = 0.0
    if ratio > 0.0 and math.isfinite(ratio):
        return 0.5 + math.log(ratio) / (k * math.log(n))
    n_, N_ = float(n), float(N)
    log_unit = math.log(abs(float(mu_k))) + float(sp.log(sp.factorial2(2 * k - 1) / sp.factorial(k)).evalf()) \
        + 0.5 * (math.log(n_) + math.log(N_))
    r = (min(n_, N_) / max(n_, N_)) ** 0.25  # s_c = edge·r/(1 + r²), as in bbp_critical_strength
    log_bbp = math.log(float(edge)) + math.log(r) - math.log1p(r * r)
    return 0.5 + (log_bbp - log_unit) / (k * math.log(n_))


# --------------------------------------------------------------------------------------------------
# Hermite coefficients
# --------------------------------------------------------------------------------------------------
@validate_params(k=_DEGREE0, centred=Bool())
def relu_hermite(k: int, *, centred: bool = False) -> sp.Expr:
    """μ_k of ReLU, exact: μ₀ = 1/√(2π), μ₁ = 1/2, μ_{2m} = (−1)^{m−1}(2m−3)!!/√(2π), μ_{2m+1} = 0 (m ≥ 1).

    ``centred=True`` gives σ(z) = max(z, 0) − 1/√(2π), whose μ₀ is 0. (Research note §4.1, derived.)
    """
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, sp.Integer)) or int(k) < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    k = int(k)
    inv = 1 / sp.sqrt(2 * sp.pi)
    if k == 0:
        return sp.Integer(0) if centred else inv
    if k == 1:
        return sp.Rational(1, 2)
    if k % 2 == 1:
        return sp.Integer(0)
    m = k // 2
    return (-1) ** (m - 1) * sp.factorial2(2 * m - 3) * inv


def _gaussian_moment(m: int, half: bool) -> sp.Expr:
    """E[z^m] (half=False) or E[z^m 1{z>0}] (half=True) for z ~ N(0, 1), exact."""
    if not half:
        return sp.Integer(0) if m % 2 else sp.factorial2(m - 1)
    if m % 2 == 0:
        return sp.factorial2(m - 1) / 2
    return 2 ** sp.Rational(m - 1, 2) * sp.factorial((m - 1) // 2) / sp.sqrt(2 * sp.pi)


@validate_params(expr=Instance((sp.Expr,)), k=_DEGREE0, z=Instance((sp.Symbol,)), method=Options(("moments", "integrate")))
def hermite_coefficient_exact(expr: sp.Expr, k: int, z: sp.Symbol = Z, *, method: str = "moments") -> sp.Expr:
    """μ_k = ∫ σ(z) He_k(z) e^{−z²/2}/√(2π) dz, exactly.

    ``method="moments"``: σ a polynomial, or max(z, 0) times a polynomial, through the exact Gaussian
    (half-line) moments; ``"integrate"``: sympy's integrator (any σ it can do). Raises ValueError when
    neither applies (use `hermite_coefficients_quadrature`).
    """
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, sp.Integer)) or int(k) < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    if method not in ("moments", "integrate"):
        raise ValueError(f"method must be 'moments' or 'integrate', got {method!r}")
    expr = sp.sympify(expr)
    relu = sp.Max(z, 0)
    half = expr.has(relu)
    body = sp.simplify(expr / relu) * z if half else expr  # σ = max(z,0)·q(z) -> integrate z·q(z) on z > 0
    if method == "moments" and (body.is_polynomial(z) and not body.subs(relu, 0).has(sp.Max)):
        poly = sp.Poly(sp.expand(body * sp.hermite_prob(int(k), z)), z)
        return sp.simplify(sum(c * _gaussian_moment(m, half) for (m,), c in poly.terms()))
    if half:
        integral = sp.integrate(sp.expand(body * sp.hermite_prob(k, z)) * sp.exp(-z**2 / 2), (z, 0, sp.oo))
    else:
        integral = sp.integrate(sp.expand(expr * sp.hermite_prob(k, z)) * sp.exp(-z**2 / 2), (z, -sp.oo, sp.oo))
    if integral.has(sp.Integral):
        raise ValueError(f"sympy cannot integrate σ(z)He_{k}(z)φ(z) for σ = {expr}; use quadrature")
    return sp.simplify(integral / sp.sqrt(2 * sp.pi))


@validate_params(expr=Instance((sp.Expr,)), kmax=_DEGREE0, z=Instance((sp.Symbol,)), method=Options(("moments", "integrate")))
def hermite_coefficients_exact(expr: sp.Expr, kmax: int, z: sp.Symbol = Z, *, method: str = "moments") -> list[sp.Expr]:
    """[μ_0, ..., μ_kmax] exactly (sympy); see `hermite_coefficient_exact`."""
    return [hermite_coefficient_exact(expr, k, z, method=method) for k in range(int(kmax) + 1)]


@validate_params(activation=CallableArg(), name=Instance((str,)), points=Array(ndim=1, allow_none=True))
def check_activation_finite(activation: Callable, name: str = "activation", points: np.ndarray | None = None) -> None:
    """ValueError naming ``name`` when σ is not finite (or not the right shape) on the test points."""
    z = np.linspace(-12.0, 12.0, 97) if points is None else np.asarray(points, dtype=np.float64)
    with np.errstate(all="ignore"):
        try:
            values = np.asarray(activation(z), dtype=np.float64)
        except Exception as exc:  # the callable itself failed
            raise ValueError(f"{name} could not be evaluated on a float64 array: {exc}") from exc
    if values.shape != z.shape:
        raise ValueError(f"{name} must map an array of shape {z.shape} to the same shape, got {values.shape}")
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must return finite values, got {values[i]!r} at z = {z[i]:.4g}")


@validate_params(activation=CallableArg(), kmax=_DEGREE0, points=Integer(low=1, high=_MAX_POINTS), name=Instance((str,)))
def hermite_coefficients_quadrature(activation: Callable, kmax: int, *, points: int = 200, name: str = "activation") -> np.ndarray:
    """[μ_0..μ_kmax] by Gauss–Hermite(e) quadrature: μ_k ≈ Σ_i w_i σ(z_i) He_k(z_i) / √(2π).

    Exact for polynomials of degree < 2·points − kmax; geometric convergence for analytic σ (tanh,
    GELU); slow (algebraic) convergence for kinks (ReLU: use `relu_hermite`).
    """
    from numpy.polynomial import hermite_e

    if isinstance(kmax, bool) or not isinstance(kmax, numbers.Integral) or kmax < 0:
        raise ValueError(f"kmax must be a non-negative integer, got {kmax!r}")
    if kmax >= points:
        raise ValueError(f"kmax must be < points (the rule is exact for degree < 2·points − kmax), got kmax={kmax}, points={points}")
    nodes, weights = hermite_e.hermegauss(int(points))
    weights = weights / math.sqrt(2.0 * math.pi)
    check_activation_finite(activation, name, nodes)
    values = np.asarray(activation(nodes), dtype=np.float64)
    he = np.empty((int(kmax) + 1, nodes.size))
    he[0] = 1.0
    if kmax >= 1:
        he[1] = nodes
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(2, int(kmax) + 1):
            he[j] = nodes * he[j - 1] - (j - 1) * he[j - 2]  # He_j = z He_{j−1} − (j−1) He_{j−2}
        out = he @ (weights * values)
    if not np.all(np.isfinite(out)):
        j = int(np.argmax(~np.isfinite(out)))
        raise ValueError(f"kmax = {kmax}: He_{j} overflows float64 on the {points} quadrature nodes; use a smaller kmax or fewer points")
    return out


@validate_params(activation=CallableArg(), kmax=Integer(low=0, high=_MAX_MPMATH_DEGREE), dps=Integer(low=5, high=100))
def hermite_coefficients_mpmath(activation: Callable[[Any], Any], kmax: int, *, dps: int = 30) -> list[float]:
    """[μ_0..μ_kmax] by mpmath adaptive quadrature (tanh-sinh) of an mpmath callable σ (cross-check).

    He_k is evaluated by its recurrence in mpmath arithmetic, independently of the numpy path.
    """
    out = []
    with mpmath.workdps(dps):
        for k in range(int(kmax) + 1):
            def integrand(t, k=k):
                prev, cur = mpmath.mpf(1), t
                for j in range(2, k + 1):
                    prev, cur = cur, t * cur - (j - 1) * prev
                he = prev if k == 0 else cur
                return activation(t) * he * mpmath.exp(-t * t / 2)

            val = mpmath.quad(integrand, [-mpmath.inf, 0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)
            out.append(float(val))
    return out


@validate_params(activation=Options(tuple(sorted(ACTIVATIONS))), kmax=_DEGREE0, centred=Bool())
def hermite_coefficients(activation: str, kmax: int, *, centred: bool = True) -> list[Any]:
    """μ_0..μ_kmax of a named activation: exact sympy for ReLU, quadrature (float) for the others.

    ``centred`` removes μ₀ (σ − E σ), as in the numerics; it changes nothing else.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if activation == "relu":
        return [relu_hermite(k, centred=centred) for k in range(int(kmax) + 1)]
    mus = list(hermite_coefficients_quadrature(ACTIVATIONS[activation][1], kmax, name=activation))
    if centred:
        mus[0] = 0.0
    return [float(m) for m in mus]


# --------------------------------------------------------------------------------------------------
# Bounds checked by numerics.spikes.measure
# --------------------------------------------------------------------------------------------------
_m, _ell = sp.symbols("m_measured ell_predicted", integer=True, nonnegative=True)
# Notation for `Bound.latex` (and `rankbounds theorems --latex`).
LATEX_NAMES = {"m_measured": r"m_{\mathrm{outliers}}", "ell_predicted": r"\ell(\alpha)", "P": r"\hat s_k",
               "theta": r"\theta", "mu_k": r"\mu_k"}
COUNT_BOUND = Bound(
    name="count_matches",
    citation="arXiv 2310.07891, Thm 3.3 (count ℓ(α), as relayed [R]); k ≤ 2 and μ_k ≠ 0 rule derived here: "
    "proofs_notes/spikes.md §2",
    symbols=(_m, _ell),
    lhs=sp.Abs(_m - _ell),
    rhs=sp.Integer(0),
    relation="<=",
    ours=True,
    description="measured outliers above 1.02× the control bulk edge equal ℓ(α) restricted to degrees k ≤ 2, "
    "at grid points outside the finite-size window above α_2",
    latex_names=LATEX_NAMES,
)

_P, _theta, _mu, _n, _N = sp.symbols("P theta mu_k n N", real=True)
_kk = sp.Symbol("k", integer=True, positive=True)
_pred = _theta**_kk * _mu * sp.sqrt(_n * _N)
STRENGTH_BOUND = Bound(
    name="strength_within_15pct",
    citation="derived here: proofs_notes/spikes.md §4 (strength θ^k μ_k √(nN), research note §4.5 [D])",
    symbols=(_P, _theta, _mu, _n, _N, _kk),
    lhs=sp.Abs(_P / _pred - 1),
    rhs=STRENGTH_RTOL,
    relation="<=",
    ours=True,
    description="He_k(ζ)ᵀ F He_k(g)/(‖·‖‖·‖) is within 15% of θ^k μ_k √(nN) for small θ",
    latex_names=LATEX_NAMES,
)

register(
    Theorem(
        id="spikes.count",
        title="One step with η ≍ n^α puts one spike per Hermite degree k with μ_k ≠ 0 and α > (k−1)/(2k)",
        bounds=(COUNT_BOUND,),
        paper="arXiv 2310.07891",
        note="proofs_notes/spikes.md",
    )
)
register(
    Theorem(
        id="spikes.strength",
        title="Spike k has Hermite-diagonal strength θ^k μ_k √(nN) (small θ)",
        bounds=(STRENGTH_BOUND,),
        paper="arXiv 2310.07891",
        note="proofs_notes/spikes.md",
    )
)
