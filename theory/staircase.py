"""The staircase theorem (Yang, Zhao, Zhu, arXiv 2412.05144, §3): loss lower bound versus ε-rank.

Statements (proofs and provenance: proofs_notes/staircase.md):

- Lemma 3.1 (Hong–Pan): an n×p orthonormal Q has a p×p submatrix with
  σ_min ≥ 1/√(p(n−p)+min(p,n−p)).                                         `lemma3_1`
- Thm 3.2: f = Σβ_jφ_j, ‖β‖² ≤ C, r_ε(M) = p ⇒ some p-neuron f̃ has ‖f−f̃‖² ≤ C·K·ε,
  K = (p+1)(n−p)² (paper, `thm3_2_paper`) or K = (p+1)(n−p) (ours, `thm3_2_tight`).
- Thm 3.3: √L ≥ (d − √(C·K·ε))/C_S, encoded as the loss bound L ≥ max(0, (d − √(C·K·ε))/C_S)²,
  K as above (`thm3_3_paper`, `thm3_3_tight`), and the eigen-subspace variant with K = 1 and
  d = dist(u*, G_p), G_p the span of the top-p Gram eigenfunctions (`thm3_3_eigen`, ours).

Symbols (keyword names for `Bound.evaluate`): ``L`` loss, ``p`` ε-rank, ``n`` width, ``eps`` ε,
``C`` ≥ ‖β‖², ``C_S`` stability constant, ``d`` the distance, ``e2`` = ‖f − f̃‖².

The symbolic facts of the issue (K's turning points, monotonicity in p, the instance where the
bound rises with p, the ε → 0 limit, tight ≥ paper) are functions here that return sympy results.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import sympy as sp

from theory._bound import Bound
from theory.validation import Instance, Integer, Options, Real, validate_params
from theory.registry import Theorem, register

__all__ = [
    "L", "p", "n", "eps", "C", "C_S", "d", "e2",
    "K_PAPER", "K_TIGHT", "K_EIGEN", "VARIANTS",
    "lemma3_1", "thm3_2_paper", "thm3_2_tight", "thm3_3_paper", "thm3_3_tight", "thm3_3_eigen",
    "THM3_2", "THM3_3", "loss_lower_bound", "loss_bound_expr", "penalty",
    "paper_K_monotonicity", "tight_K_monotonicity", "bound_nonincreasing_where_K_rises",
    "eigen_bound_nonincreasing", "bound_rises_instance", "eps_to_zero_limit", "tight_at_least_paper",
]

PAPER = "arXiv 2412.05144"
NOTE = "proofs_notes/staircase.md"

# --- symbols --------------------------------------------------------------------------------
L = sp.Symbol("L", nonnegative=True)  # the loss ‖G(u_n) − f‖² (function fitting: ‖u_n − u*‖²)
# p = r_ε(M) may be 0 (no eigenvalue above ε); the proofs cover p = 0 (S_p empty, G_p = {0}).
p = sp.Symbol("p", integer=True, nonnegative=True)
n = sp.Symbol("n", integer=True, positive=True)
eps = sp.Symbol("eps", positive=True)
C = sp.Symbol("C", nonnegative=True)  # any C ≥ ‖β‖²
C_S = sp.Symbol("C_S", positive=True)
d = sp.Symbol("d", nonnegative=True)  # dist(u*, F_p), dist(u*, span S_p) or dist(u*, G_p)
e2 = sp.Symbol("e2", nonnegative=True)  # ‖f − f̃‖²

K_PAPER = (p + 1) * (n - p) ** 2
K_TIGHT = (p + 1) * (n - p)
K_EIGEN = sp.Integer(1)
_K = {"paper": K_PAPER, "tight": K_TIGHT, "eigen": K_EIGEN}
VARIANTS = tuple(_K)
_P_RANGE = (sp.Le(p, n),)
# The paper's notation for `Bound.latex` (and `rankbounds theorems --latex`).
LATEX_NAMES = {"L": r"\mathcal{L}", "eps": r"\varepsilon", "C_S": "C_S", "e2": r"\|f - \tilde f\|^2"}


@validate_params(variant=Options(VARIANTS))
def penalty(variant: str) -> sp.Expr:
    """√(C·K·ε), the term the bound subtracts from d, for K of ``variant``."""
    return sp.sqrt(C * _k(variant) * eps)


@validate_params(variant=Options(VARIANTS), dist=Instance((sp.Expr,)))
def loss_bound_expr(variant: str, dist: sp.Expr = d) -> sp.Expr:
    """max(0, (d − √(C·K·ε))/C_S)²: the lower bound on the loss L (arXiv 2412.05144, Thm 3.3)."""
    return sp.Max(0, (dist - penalty(variant)) / C_S) ** 2


def _k(variant: str) -> sp.Expr:
    if variant not in _K:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    return _K[variant]


# --- the bounds -----------------------------------------------------------------------------
lemma3_1 = Bound(
    name="lemma3_1",
    citation=f"{PAPER}, Lemma 3.1 (Hong & Pan, Math. Comp. 58 (1992))",
    symbols=(p, n),
    rhs=1 / sp.sqrt(p * (n - p) + sp.Min(p, n - p)),
    assumptions=(sp.Ge(p, 1), sp.Le(p, n - 1)),
    description="lower bound on max over p×p submatrices Q_S of σ_min(Q_S), Q an n×p orthonormal matrix (1 ≤ p ≤ n−1)",
    latex_names=LATEX_NAMES,
)

thm3_2_paper = Bound(
    name="thm3_2_paper",
    citation=f"{PAPER}, Thm 3.2",
    symbols=(e2, p, n, eps, C),
    lhs=e2,
    relation="<=",
    rhs=C * K_PAPER * eps,
    assumptions=_P_RANGE,
    description="‖f − f̃‖² ≤ C(p+1)(n−p)²ε for the p-neuron f̃ of the proof (rank-revealing subset)",
    latex_names=LATEX_NAMES,
)

thm3_2_tight = Bound(
    name="thm3_2_tight",
    citation=f"derived here: {NOTE} §2",
    symbols=(e2, p, n, eps, C),
    lhs=e2,
    relation="<=",
    rhs=C * K_TIGHT * eps,
    assumptions=_P_RANGE,
    ours=True,
    description="‖f − f̃‖² ≤ C(p+1)(n−p)ε: the Gram eigenfunctions are orthogonal, so the tail sum becomes λ_{p+1} ≤ ε",
    latex_names=LATEX_NAMES,
)

_THM33_SYMBOLS = (L, p, n, eps, C, C_S, d)

thm3_3_paper = Bound(
    name="thm3_3_paper",
    citation=f"{PAPER}, Thm 3.3 (with d = dist(u*, span S_p): derived here, {NOTE} §4)",
    symbols=_THM33_SYMBOLS,
    lhs=L,
    rhs=loss_bound_expr("paper"),
    assumptions=_P_RANGE,
    description=(
        "L ≥ max(0, (d − √(C(p+1)(n−p)²ε))/C_S)²; the paper's d is dist(u*, F_p); evaluated with "
        "d = dist(u*, span S_p) (S_p the rank-revealing neuron subset) it is the computable corollary, ours"
    ),
    latex_names=LATEX_NAMES,
)

thm3_3_tight = Bound(
    name="thm3_3_tight",
    citation=f"derived here: {NOTE} §3–§4",
    symbols=_THM33_SYMBOLS,
    lhs=L,
    rhs=loss_bound_expr("tight"),
    assumptions=_P_RANGE,
    ours=True,
    description="L ≥ max(0, (d − √(C(p+1)(n−p)ε))/C_S)², d = dist(u*, F_p) or dist(u*, span S_p)",
    latex_names=LATEX_NAMES,
)

thm3_3_eigen = Bound(
    name="thm3_3_eigen",
    citation=f"derived here: {NOTE} §5",
    symbols=_THM33_SYMBOLS,
    lhs=L,
    rhs=loss_bound_expr("eigen"),
    assumptions=_P_RANGE,
    ours=True,
    description="L ≥ max(0, (d − √(Cε))/C_S)², d = dist(u*, G_p), G_p = span of the top-p Gram eigenfunctions",
    latex_names=LATEX_NAMES,
)

_THM33_BOUNDS = {"paper": thm3_3_paper, "tight": thm3_3_tight, "eigen": thm3_3_eigen}

THM3_3 = register(
    Theorem(
        id="staircase.thm3_3",
        title="Loss lower bound versus ε-rank: L ≥ max(0, (d − √(C·K·ε))/C_S)² (paper, tight and eigen-subspace K)",
        bounds=(thm3_3_paper, thm3_3_tight, thm3_3_eigen),
        paper=PAPER,
        note=NOTE,
    )
)

THM3_2 = register(
    Theorem(
        id="staircase.thm3_2",
        title="A p-neuron sub-network approximates f: ‖f − f̃‖² ≤ C·K·ε (paper K = (p+1)(n−p)², tight K = (p+1)(n−p))",
        bounds=(thm3_2_paper, thm3_2_tight),
        paper=PAPER,
        note=NOTE,
    )
)


# --- the entry point ------------------------------------------------------------------------
def _real(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    value = float(x)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _int(x, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r}")
    return int(x)


@validate_params(variant=Options(VARIANTS), p=Integer(low=0), n=Integer(low=1), eps=Real(low=0.0, closed="neither"),
                 C=Real(low=0.0), C_S=Real(low=0.0, closed="neither"), dist=Real(low=0.0))
def loss_lower_bound(variant: str, p: int, n: int, eps: float, C: float, C_S: float, dist: float) -> float:
    """max(0, (dist − √(C·K·ε))/C_S)², the lower bound on the loss L (arXiv 2412.05144, Thm 3.3).

    Args:
        variant: ``"paper"`` (K = (p+1)(n−p)², the paper's), ``"tight"`` (K = (p+1)(n−p), ours) or
            ``"eigen"`` (K = 1, ours; ``dist`` must then be dist(u*, G_p)).
        p: the ε-rank, 0 ≤ p ≤ n.  n: the width (≥ 1).  eps: ε > 0.  C: ≥ ‖β‖² (≥ 0).
        C_S: stability constant (> 0; 1 for function fitting).  dist: the distance (≥ 0).

    Returns the bound on L itself (not on √L), positive part included, as a float.
    """
    if variant not in _THM33_BOUNDS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    p_, n_ = _int(p, "p"), _int(n, "n")
    if n_ < 1:
        raise ValueError(f"n must be >= 1, got {n_}")
    if not 0 <= p_ <= n_:
        raise ValueError(f"p must satisfy 0 <= p <= n = {n_}, got p={p_}")
    eps_, C_, CS_, dist_ = (_real(v, k) for v, k in ((eps, "eps"), (C, "C"), (C_S, "C_S"), (dist, "dist")))
    if eps_ <= 0:
        raise ValueError(f"eps must be > 0, got {eps_!r}")
    if C_ < 0:
        raise ValueError(f"C must be >= 0, got {C_!r}")
    if CS_ <= 0:
        raise ValueError(f"C_S must be > 0, got {CS_!r}")
    if dist_ < 0:
        raise ValueError(f"dist must be >= 0, got {dist_!r}")
    return float(_THM33_BOUNDS[variant].evaluate(p=p_, n=n_, eps=eps_, C=C_, C_S=CS_, d=dist_))


# --- symbolic facts -------------------------------------------------------------------------
@dataclass(frozen=True)
class Monotonicity:
    """dK/dp, its factorisation, the turning point, and sympy's sign verdicts on each side.

    ``rises_before`` / ``falls_after`` are sympy's ``is_positive`` / ``is_negative`` of dK/dp after
    substituting a point strictly before / after the turning point (and before n) in terms of
    positive free symbols, so True is a proof, not a sample.
    """

    K: sp.Expr
    dK: sp.Expr
    dK_factored: sp.Expr
    turning_points: tuple[sp.Expr, ...]
    turning_point: sp.Expr
    rises_before: bool | None
    falls_after: bool | None
    forward_difference: sp.Expr


def _monotonicity(K: sp.Expr) -> Monotonicity:
    x = sp.Symbol("x", real=True)  # p relaxed to a real variable
    dK = sp.diff(K.subs(p, x), x)
    roots = tuple(sp.solve(sp.Eq(dK, 0), x))
    (tp,) = [r for r in roots if sp.simplify(r - n) != 0]
    t, s = sp.symbols("t s", positive=True)
    u = sp.Symbol("u", nonnegative=True)
    # before: 0 ≤ u = x = tp − t, so n is fixed by tp − t = u; after: x = tp + t < n, n = x + s.
    n_before = sp.solve(sp.Eq(tp - t, u), n)[0]
    before = sp.factor(dK.subs(x, tp - t).subs(n, n_before))
    n_after = sp.solve(sp.Eq(n, tp + t + s), n)[0]
    after = sp.factor(dK.subs(x, tp + t).subs(n, n_after))
    return Monotonicity(
        K=K,
        dK=sp.expand(dK).subs(x, p),
        dK_factored=sp.factor(dK).subs(x, p),
        turning_points=roots,
        turning_point=tp,
        rises_before=before.is_positive,
        falls_after=after.is_negative,
        forward_difference=sp.factor(sp.expand(K.subs(p, p + 1) - K)),
    )


def paper_K_monotonicity() -> Monotonicity:
    """K = (p+1)(n−p)²: dK/dp = (n−p)(n−3p−2), rising for p < (n−2)/3 and falling on ((n−2)/3, n)."""
    return _monotonicity(K_PAPER)


def tight_K_monotonicity() -> Monotonicity:
    """K = (p+1)(n−p): dK/dp = n−2p−1, rising for p < (n−1)/2 and falling after."""
    return _monotonicity(K_TIGHT)


@validate_params(variant=Options(VARIANTS))
def bound_nonincreasing_where_K_rises(variant: str = "paper") -> dict[str, sp.Expr | bool | None]:
    """d/dp of h = d(p) − √(C·K(p)·ε) is ≤ 0 where dK/dp ≥ 0 and d'(p) ≤ 0, so L_lb = max(0,h)²/C_S² is non-increasing.

    p is relaxed to a real variable; d(p) is an arbitrary differentiable function with d' = −δ,
    δ ≥ 0, and K' = κ ≥ 0, K = k > 0 are free symbols (any p where K rises). Returns
    ``dh`` (h' for this variant's K at n = p + s), ``dh_matches_generic`` (dh equals the generic
    −δ − √(Cε)κ/(2√k) with κ = dK/dp, k = K), sympy's verdicts ``dh_nonpositive`` (generic h' ≤ 0),
    ``dh_where_K_rises_nonpositive`` (this K's h' ≤ 0 with n − p inside its rising region) and
    ``dbound_nonpositive`` (for h > 0, d/dp max(0,h)²/C_S² = 2hh'/C_S² ≤ 0; for h ≤ 0 the bound is 0).
    """
    x = sp.Symbol("x", nonnegative=True)
    gap = sp.Symbol("s", positive=True)  # n − p > 0, so √((n−p)²) = n − p
    dfun = sp.Function("d")
    Kx = _k(variant).subs(p, x)
    h = dfun(x) - sp.sqrt(C * Kx * eps)
    delta, kappa = sp.symbols("delta kappa", nonnegative=True)
    # differentiate at fixed n, then place the point: n = p + s, d'(p) = −δ.
    dh = sp.simplify(sp.diff(h, x).subs(sp.Derivative(dfun(x), x), -delta).subs(n, x + gap))
    K = Kx.subs(n, x + gap)
    k_pos = sp.Symbol("k", positive=True)
    generic = -delta - sp.sqrt(C * eps) * kappa / (2 * sp.sqrt(k_pos))
    # n is held fixed while p moves: dK/dp at fixed n, evaluated at n = p + s.
    dK = sp.diff(Kx, x).subs(n, x + gap)
    same = sp.simplify(dh - generic.subs({kappa: dK, k_pos: K})) == 0
    hpos = sp.Symbol("h", positive=True)
    dbound = 2 * hpos * generic / C_S**2
    # the K of this variant, strictly before its turning point: n − p = s with s written so that dK/dp > 0.
    t = sp.Symbol("t", positive=True)
    rising_gap = {"paper": 2 * x + 2 + 3 * t, "tight": x + 1 + 2 * t, "eigen": gap}[variant]
    dh_rising = sp.simplify(dh.subs(gap, rising_gap))
    return {
        "dh_where_K_rises": dh_rising,
        "dh_where_K_rises_nonpositive": dh_rising.is_nonpositive,
        "dh": dh,
        "dh_generic": generic,
        "dh_matches_generic": same,
        "dh_nonpositive": generic.is_nonpositive,
        "dbound_nonpositive": dbound.is_nonpositive,
    }


def eigen_bound_nonincreasing() -> dict[str, sp.Expr | bool | None]:
    """Eigen variant: K = 1, so with d_{p+1} = d_p − δ (δ ≥ 0), h_{p+1} − h_p = −δ ≤ 0 exactly, for every p."""
    delta = sp.Symbol("delta", nonnegative=True)
    d0 = sp.Symbol("d_p", nonnegative=True)
    h = lambda dist: dist - penalty("eigen")  # noqa: E731
    diff = sp.simplify(h(d0 - delta) - h(d0))
    return {"difference": diff, "nonpositive": diff.is_nonpositive, "depends_on_p": p in penalty("eigen").free_symbols}


@validate_params(variant=Options(VARIANTS))
def bound_rises_instance(variant: str = "paper") -> dict[str, object]:
    """An explicit instance where d_{p+1} < d_p yet the bound rises from p to p+1 (past K's turning point).

    paper: n = 10, p = 4 → 5 (turning point (n−2)/3 = 8/3), C = C_S = 1, ε = 1/1000, d_4 = 1, d_5 = 99/100.
    tight: n = 10, p = 6 → 7 (turning point (n−1)/2 = 9/2), C = C_S = 1, ε = 1/100, d_6 = 1, d_7 = 99/100.
    Returns the exact bound values and sympy's verdict that the increase is positive.
    """
    if variant == "paper":
        point = {n: 10, C: 1, C_S: 1, eps: sp.Rational(1, 1000)}
        p0, d0, d1 = 4, sp.Integer(1), sp.Rational(99, 100)
    elif variant == "tight":
        point = {n: 10, C: 1, C_S: 1, eps: sp.Rational(1, 100)}
        p0, d0, d1 = 6, sp.Integer(1), sp.Rational(99, 100)
    else:
        raise ValueError(f"variant must be 'paper' or 'tight' (the eigen bound never rises), got {variant!r}")
    expr = loss_bound_expr(variant)
    b0 = sp.nsimplify(expr.subs({**point, p: p0, d: d0}))
    b1 = sp.nsimplify(expr.subs({**point, p: p0 + 1, d: d1}))
    increase = sp.simplify(b1 - b0)
    return {
        "variant": variant,
        "point": {str(k): v for k, v in point.items()},
        "p": (p0, p0 + 1),
        "d": (d0, d1),
        "bound": (b0, b1),
        "increase": increase,
        "rises": increase.is_positive,
        "past_turning_point": bool(p0 > _monotonicity(_k(variant)).turning_point.subs(n, point[n])),
    }


@validate_params(variant=Options(VARIANTS))
def eps_to_zero_limit(variant: str = "paper") -> sp.Expr:
    """lim_{ε→0⁺} max(0, (d − √(CKε))/C_S)² = (d/C_S)² (d ≥ 0): the bound tends to the distance term."""
    inner = sp.limit((d - penalty(variant)) / C_S, eps, 0, "+")
    # Max(0, ·)² is continuous, so the limit passes through it.
    return sp.simplify(sp.Max(0, inner) ** 2)


def tight_at_least_paper() -> dict[str, object]:
    """K_paper − K_tight = (p+1)(n−p)(n−p−1) ≥ 0 for integers 0 ≤ p ≤ n, and the bound is non-increasing in K.

    Case n = p: both K are 0. Case n ≥ p+1: write n = p + 1 + j, j ≥ 0 an integer, and sympy
    decides the sign. In the positive regime d/dK of (d − √(CKε))²/C_S² is ≤ 0.
    """
    j = sp.Symbol("j", integer=True, nonnegative=True)
    gap = sp.factor(K_PAPER - K_TIGHT)
    gap_j = sp.factor(gap.subs(n, p + 1 + j))
    Ks = sp.Symbol("K", positive=True)
    hpos = sp.Symbol("h", positive=True)  # h = d − √(CKε) > 0
    dbound_dK = sp.diff((d - sp.sqrt(C * Ks * eps)) ** 2 / C_S**2, Ks)
    dbound_dK_h = sp.simplify(dbound_dK.subs(d, hpos + sp.sqrt(C * Ks * eps)))
    return {
        "gap": gap,
        "gap_n_eq_p": sp.simplify(gap.subs(n, p)),
        "gap_n_gt_p": gap_j,
        "gap_nonnegative": gap_j.is_nonnegative and sp.simplify(gap.subs(n, p)) == 0,
        "dbound_dK": dbound_dK_h,
        "bound_nonincreasing_in_K": dbound_dK_h.is_nonpositive,
    }
