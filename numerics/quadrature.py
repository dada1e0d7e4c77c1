"""Quadrature rules on intervals and boxes: ∫_Ω f ≈ Σ_k w_k f(x_k).

The weights integrate over Ω with its own measure, ∫_Ω 1 = |Ω| (not an average), so that the Gram
matrix Φᵀ diag(w) Φ approximates M_ij = ∫_Ω φ_i φ_j dx of arXiv 2412.05144, eq. 2.2.
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import scipy.special

from numerics.validation import (
    AnyOf,
    Array,
    Instance,
    Integer,
    Options,
    Real,
    as_box,
    as_matrix,
    as_weights,
    interval,
    one_of,
    positive_int,
    to_numpy,
    validate_params,
)

_INTERVAL = dict(a=Real(), b=Real(), m=Integer(low=1))
_BOX = Instance((list, tuple))

__all__ = [
    "CONVENTIONS",
    "Quadrature",
    "gauss_legendre",
    "trapezoid",
    "paper_trapezoid",
    "tensor_grid",
    "paper_tensor_grid",
    "monte_carlo",
    "check_convention",
]

# How the staircase paper's mass matrix is discretised (arXiv 2412.05144, eq. 4.1):
# "integral": weights integrate over Ω (Σw = |Ω|), M ≈ ∫ φ_i φ_j, count λ > ε;
# "paper": eq. (4.1) as printed, unit trapezoid weights (1/2, 1, …, 1, 1/2) on a uniform grid, count |λ| > ε.
CONVENTIONS = ("integral", "paper")

Box = Sequence[tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Quadrature:
    """Points ``(m, d)`` and weights ``(m,)`` with Σ w = |Ω|.

    Args:
        points: ``(m, d)`` nodes (a 1-D array is read as ``(m, 1)``).
        weights: ``(m,)`` non-negative weights.
    """

    points: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        pts = to_numpy(self.points, "points")
        if pts.ndim == 1:
            pts = pts[:, None]
        pts = as_matrix(pts, "points")
        w = as_weights(self.weights, pts.shape[0], "weights")
        pts.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "weights", w)

    @property
    def size(self) -> int:
        """m, the number of nodes."""
        return self.points.shape[0]

    @property
    def dim(self) -> int:
        """d, the dimension of Ω."""
        return self.points.shape[1]

    @property
    def volume(self) -> float:
        """Σ w_k ≈ |Ω|."""
        return float(self.weights.sum())

    def _values(self, f: Any, name: str) -> np.ndarray:
        v = np.asarray(to_numpy(f, name), dtype=np.float64)
        if v.ndim not in (1, 2):
            raise ValueError(f"{name} must be ({self.size},) or ({self.size}, k) (values at the nodes), got shape {v.shape}")
        if v.shape[0] != self.size:
            raise ValueError(f"{name} must have {self.size} rows (one per node), got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite")
        return v

    def integrate(self, f: Any) -> float | np.ndarray:
        """∫_Ω f ≈ Σ_k w_k f(x_k); ``f`` is ``(m,)`` or ``(m, k)`` (k integrals at once)."""
        out = self.weights @ self._values(f, "f")
        return float(out) if np.ndim(out) == 0 else out

    def inner(self, f: Any, g: Any) -> float | np.ndarray:
        """⟨f, g⟩ = ∫_Ω f g ≈ Σ_k w_k f(x_k) g(x_k); ``(m, a)`` and ``(m, b)`` give an ``(a, b)`` matrix."""
        fv, gv = self._values(f, "f"), self._values(g, "g")
        if fv.ndim == 1 and gv.ndim == 1:
            return float(np.sum(self.weights * fv * gv))
        F = fv if fv.ndim == 2 else fv[:, None]
        G = gv if gv.ndim == 2 else gv[:, None]
        return (F * self.weights[:, None]).T @ G

    def norm2(self, f: Any) -> float | np.ndarray:
        """‖f‖²_{L²(Ω)} ≈ Σ_k w_k f(x_k)²; column-wise for ``(m, k)``."""
        v = self._values(f, "f")
        out = self.weights @ (v * v)
        return float(out) if np.ndim(out) == 0 else out

    def points_tensor(self, dtype: Any = None):
        """The nodes as a torch tensor (float64 unless ``dtype`` is given)."""
        import torch

        return torch.from_numpy(self.points.copy()).to(dtype or torch.float64)

    def weights_tensor(self, dtype: Any = None):
        import torch

        return torch.from_numpy(self.weights.copy()).to(dtype or torch.float64)

    def __repr__(self) -> str:
        return f"Quadrature(m={self.size}, d={self.dim}, volume={self.volume:.6g})"


def _rule_1d(a: float, b: float, m: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    if rule == "gauss_legendre":
        x, w = scipy.special.roots_legendre(m)  # numpy's leggauss forms an m×m companion matrix
        return 0.5 * (b - a) * x + 0.5 * (a + b), 0.5 * (b - a) * w
    if m < 2:
        raise ValueError(f"the trapezoid rule needs m >= 2 points, got m={m}")
    x = np.linspace(a, b, m)
    h = (b - a) / (m - 1)
    w = np.full(m, h)
    w[0] = w[-1] = h / 2
    return x, w


@validate_params(**_INTERVAL)
def gauss_legendre(a: float, b: float, m: int) -> Quadrature:
    """m-point Gauss–Legendre rule on [a, b]: exact for polynomials of degree ≤ 2m − 1."""
    a, b = interval(a, b)
    x, w = _rule_1d(a, b, positive_int(m, "m"), "gauss_legendre")
    return Quadrature(x[:, None], w)


@validate_params(**_INTERVAL)
def trapezoid(a: float, b: float, m: int) -> Quadrature:
    """Composite trapezoid rule on [a, b]: h = (b−a)/(m−1), weights h/2, h, …, h, h/2 (error O(h²))."""
    a, b = interval(a, b)
    x, w = _rule_1d(a, b, positive_int(m, "m"), "trapezoid")
    return Quadrature(x[:, None], w)


@validate_params(**_INTERVAL)
def paper_trapezoid(a: float, b: float, m: int) -> Quadrature:
    """The weights of arXiv 2412.05144 eq. (4.1) as printed: m uniform points on [a, b], w = (1/2, 1, …, 1, 1/2).

    These carry no grid spacing h = (b−a)/(m−1), so Σw = m − 1 = |Ω|/h, not |Ω|: the Gram matrix is
    M_paper = M_trapezoid / h, and r_ε(M_paper) = r_{ε·h}(M_trapezoid) (proofs_notes/staircase.md).
    This is the one rule here that does not integrate; use it for the ``"paper"`` convention only.
    """
    a, b = interval(a, b)
    m = positive_int(m, "m")
    x, w = _rule_1d(a, b, m, "trapezoid")
    h = (b - a) / (m - 1)
    return Quadrature(x[:, None], w / h)


def check_convention(convention: str) -> str:
    """Validate a measurement convention name: ``"integral"`` or ``"paper"`` (see `CONVENTIONS`)."""
    return one_of(convention, "convention", CONVENTIONS)


def _side_counts(sides: list, m: int | Sequence[int]) -> list[int]:
    ms = [m] * len(sides) if isinstance(m, (numbers.Integral, np.integer)) and not isinstance(m, bool) else list(m)
    if len(ms) != len(sides):
        raise ValueError(f"m must give one count per side ({len(sides)}), got {m!r}")
    return [positive_int(k, "m") for k in ms]


def _product(rules: list[tuple[np.ndarray, np.ndarray]]) -> Quadrature:
    pts = np.array(list(itertools.product(*[r[0] for r in rules])), dtype=np.float64)
    w = np.prod(np.array(list(itertools.product(*[r[1] for r in rules])), dtype=np.float64), axis=1)
    return Quadrature(pts, w)


@validate_params(box=_BOX, m=AnyOf((Integer(low=1), Array(ndim=1, low=1.0, integer_valued=True))),
                 rule=Options(("gauss_legendre", "trapezoid")))
def tensor_grid(box: Box, m: int | Sequence[int], rule: str = "gauss_legendre") -> Quadrature:
    """Tensor product of 1-D rules on the box Π_i [a_i, b_i]: weights multiply, Σ w = Π (b_i − a_i).

    Args:
        box: ``[(a_1, b_1), ..., (a_d, b_d)]``.
        m: points per side, one int for all sides or one per side.
        rule: ``"gauss_legendre"`` or ``"trapezoid"``.
    """
    sides = as_box(box)
    one_of(rule, "rule", ("gauss_legendre", "trapezoid"))
    return _product([_rule_1d(a, b, k, rule) for (a, b), k in zip(sides, _side_counts(sides, m))])


def paper_tensor_grid(box: Box, m: int | Sequence[int]) -> Quadrature:
    """Tensor product of `paper_trapezoid`'s unit weights on a uniform grid: w = Π_i w_i, w_i ∈ {1/2, 1}.

    The d-dimensional reading of arXiv 2412.05144 eq. (4.1) as printed (corners 1/2^d, interior 1).
    With h_i = (b_i − a_i)/(m_i − 1) these are the trapezoid weights divided by Π h_i, so
    M_paper = M_trapezoid / Π h_i and r_ε(M_paper) = r_{ε·Π h_i}(M_trapezoid) on the same grid.
    Not an integration rule (Σ w = Π (m_i − 1)); for the ``"paper"`` convention only.

    Args:
        box: ``[(a_1, b_1), ..., (a_d, b_d)]``.
        m: points per side (≥ 2), one int for all sides or one per side.
    """
    sides = as_box(box)
    sides_1d = [paper_trapezoid(a, b, k) for (a, b), k in zip(sides, _side_counts(sides, m))]
    return _product([(q.points[:, 0], q.weights) for q in sides_1d])


@validate_params(box=_BOX, m=Integer(low=1))
def monte_carlo(box: Box, m: int, generator: Any) -> Quadrature:
    """m uniform points in the box, weights |Ω|/m (an unbiased estimator of ∫_Ω f).

    Args:
        box: ``[(a_1, b_1), ..., (a_d, b_d)]``.
        m: number of points.
        generator: a ``numpy.random.Generator`` or a ``torch.Generator`` (required: no global RNG).
    """
    sides = as_box(box)
    m = positive_int(m, "m")
    d = len(sides)
    if isinstance(generator, np.random.Generator):
        u = generator.random((m, d))
    elif type(generator).__module__.split(".")[0] == "torch" and type(generator).__name__ == "Generator":
        import torch

        u = torch.rand((m, d), generator=generator, dtype=torch.float64).numpy()
    else:
        raise TypeError(
            f"generator must be a numpy.random.Generator or torch.Generator, got {type(generator).__name__}"
        )
    lo = np.array([a for a, _ in sides])
    hi = np.array([b for _, b in sides])
    volume = float(np.prod(hi - lo))
    return Quadrature(lo + u * (hi - lo), np.full(m, volume / m))


# The constructors are also reachable as ``Quadrature.gauss_legendre(...)`` and so on.
for _ctor in (gauss_legendre, trapezoid, paper_trapezoid, tensor_grid, paper_tensor_grid, monte_carlo):
    setattr(Quadrature, _ctor.__name__, staticmethod(_ctor))
del _ctor
