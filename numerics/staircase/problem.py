"""Function-fitting problems: a target u* on an interval or a box, and the quadrature that measures it.

The loss is the squared L²(Ω) error computed with the same quadrature as the Gram matrix,

    L(u) = Σ_k w_k (u(x_k) − u*(x_k))²  ≈  ‖u − u*‖²_{L²(Ω)},

so the Theorem 3.3 check (loss ≥ bound built from M = Φᵀ diag(w) Φ) is exact linear algebra in one
discrete inner product (arXiv 2412.05144, Remark 3.4: function fitting has C_S = 1).

Default quadrature. The paper never states m. We use m = 200 Gauss–Legendre nodes on [−1, 1]:
the rule is exact for polynomials of degree ≤ 399, and for e^{ikx} its error decays like
(e·k/(4m))^{2m}; the loss integrand holds frequencies up to 2·30 = 60 from the target, so the
quadrature error of ‖u*‖² is at rounding level (tested against m = 800). 200 ≥ 4n for the widths
used (n ≤ 50), so the Gram matrix is not rank-limited by the number of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from numerics.validation import one_of, positive_int
from numerics.quadrature import (
    Quadrature,
    check_convention,
    gauss_legendre,
    monte_carlo,
    paper_tensor_grid,
    tensor_grid,
    trapezoid,
)

__all__ = [
    "DEFAULT_M",
    "DEFAULT_PAPER_M",
    "FittingProblem",
    "Measurement",
    "measurement",
    "paper_grid",
    "cos_sum_target",
    "paper_problem",
    "fitting_problem",
    "mse_from_loss",
]

DEFAULT_M = 200
# Points of the uniform grid of the "paper" convention (eq. 4.1; the paper never states m): h = 2/199 on [−1, 1].
DEFAULT_PAPER_M = 200


def cos_sum_target(x: np.ndarray) -> np.ndarray:
    """u*(x) = cos x + cos 2x + cos 30x (arXiv 2412.05144, Example 2.6); ``x`` is ``(m, 1)`` or ``(m,)``."""
    x = np.asarray(x, dtype=np.float64)
    x = x[:, 0] if x.ndim == 2 else x
    return np.cos(x) + np.cos(2 * x) + np.cos(30 * x)


@dataclass(frozen=True, eq=False)
class FittingProblem:
    """Fit u* on Ω with the loss Σ_k w_k (u(x_k) − u*(x_k))² (squared L²(Ω) error by quadrature).

    Args:
        name: a label for tables.
        quadrature: the nodes ``(m, d)`` and weights ``(m,)`` (Σ w = |Ω|) of the loss and of the Gram matrix.
        target: the values u*(x_k), ``(m,)``, float64.
        box: Ω as ``[(a_1, b_1), …]``.
        target_fn: the vectorised u* itself, ``(m, d)`` points → ``(m,)`` values, when known; the
            ``"paper"`` measurement convention evaluates it on its own grid (`measurement`).
    """

    name: str
    quadrature: Quadrature
    target: np.ndarray
    box: tuple[tuple[float, float], ...]
    C_S: float = field(default=1.0)
    target_fn: Callable[[np.ndarray], np.ndarray] | None = field(default=None)

    def __post_init__(self) -> None:
        t = np.asarray(self.target, dtype=np.float64).reshape(-1)
        if t.shape[0] != self.quadrature.size:
            raise ValueError(f"target must have one value per node ({self.quadrature.size}), got shape {t.shape}")
        if not np.all(np.isfinite(t)):
            raise ValueError("target must be finite at every node")
        t.setflags(write=False)
        object.__setattr__(self, "target", t)

    @property
    def m(self) -> int:
        return self.quadrature.size

    @property
    def dim(self) -> int:
        return self.quadrature.dim

    @property
    def volume(self) -> float:
        """|Ω| = Σ w."""
        return self.quadrature.volume

    def loss(self, u: Any) -> float:
        """Σ_k w_k (u(x_k) − u*(x_k))² for values ``u (m,)`` at the nodes (float64)."""
        u = np.asarray(u, dtype=np.float64).reshape(-1)
        if u.shape[0] != self.m:
            raise ValueError(f"u must have one value per node ({self.m}), got shape {u.shape}")
        r = u - self.target
        return float(np.sum(self.quadrature.weights * r * r))

    def target_norm2(self) -> float:
        """‖u*‖² by the same quadrature (the loss of u ≡ 0)."""
        return float(np.sum(self.quadrature.weights * self.target**2))

    def tensors(self, dtype: Any = None):
        """(points ``(m, d)``, weights ``(m,)``, target ``(m,)``) as torch tensors (float64 by default)."""
        import torch

        dtype = dtype or torch.float64
        return (
            torch.tensor(np.array(self.quadrature.points), dtype=dtype),
            torch.tensor(np.array(self.quadrature.weights), dtype=dtype),
            torch.tensor(np.array(self.target), dtype=dtype),
        )

    def describe(self) -> str:
        return f"{self.name}: m={self.m} nodes, d={self.dim}, |Ω|={self.volume:.6g}"


def fitting_problem(
    target: Callable[[np.ndarray], np.ndarray],
    box: Sequence[tuple[float, float]] | tuple[float, float],
    m: int | Sequence[int] = DEFAULT_M,
    *,
    rule: str = "gauss_legendre",
    generator: Any = None,
    name: str = "fit",
) -> FittingProblem:
    """A fitting problem for ``target`` on the interval or box ``box`` with an m-node rule.

    Args:
        target: vectorised u*: ``(m, d)`` points → ``(m,)`` values.
        box: ``(a, b)`` for an interval, or ``[(a_1, b_1), …, (a_d, b_d)]``.
        m: nodes (per side for tensor rules; in total for ``"monte_carlo"``).
        rule: ``"gauss_legendre"``, ``"trapezoid"`` or ``"monte_carlo"`` (needs ``generator``).
    """
    one_of(rule, "rule", ("gauss_legendre", "trapezoid", "monte_carlo"))
    if not callable(target):
        raise TypeError(f"target must be callable (points (m, d) -> values (m,)), got {type(target).__name__}")
    if isinstance(box, (tuple, list)) and len(box) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box):
        sides = [(float(box[0]), float(box[1]))]
    else:
        try:
            sides = [(float(a), float(b)) for a, b in box]
        except (TypeError, ValueError):
            raise TypeError(f"box must be (a, b) or a sequence of (a, b) pairs, got {box!r}") from None
    if rule == "monte_carlo":
        if generator is None:
            raise ValueError("rule='monte_carlo' needs generator= (randomness is explicit), got None")
        quad = monte_carlo(sides, positive_int(m, "m"), generator)
    elif len(sides) == 1 and not isinstance(m, Sequence):
        a, b = sides[0]
        quad = (gauss_legendre if rule == "gauss_legendre" else trapezoid)(a, b, positive_int(m, "m"))
    else:
        quad = tensor_grid(sides, m, rule=rule)
    values = np.asarray(target(quad.points), dtype=np.float64).reshape(-1)
    if values.shape[0] != quad.size:
        raise ValueError(f"target returned shape {values.shape}, expected ({quad.size},) values")
    return FittingProblem(name=name, quadrature=quad, target=values, box=tuple(sides), target_fn=target)


def paper_problem(m: int = DEFAULT_M, rule: str = "gauss_legendre") -> FittingProblem:
    """cos x + cos 2x + cos 30x on [−1, 1] (arXiv 2412.05144, Example 2.6) with an m-node rule."""
    return fitting_problem(cos_sum_target, (-1.0, 1.0), m, rule=rule, name="cos x + cos 2x + cos 30x")


def mse_from_loss(loss: float, problem: FittingProblem) -> float:
    """L/|Ω|: the L² loss as a mean square, the scale of the paper's "MSE" plots (≈ mean over uniform points)."""
    return loss / problem.volume



# --- measurement conventions ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Measurement:
    """Where and how a convention measures ranks, losses and bounds: nodes, weights, u* there, the count rule.

    Attributes:
        convention: ``"integral"`` or ``"paper"`` (`numerics.quadrature.CONVENTIONS`).
        quadrature: the nodes and weights of M = Φᵀ diag(w) Φ, of the loss Σ w (u − u*)² and of the distances.
        target: u* at those nodes, ``(m,)``.
        absolute: count |λ| > ε (the paper's §4) instead of λ > ε.
        same_nodes: the nodes are the training problem's own (its features can be reused).
    """

    convention: str
    quadrature: Quadrature
    target: np.ndarray
    absolute: bool
    same_nodes: bool

    def count(self, eigenvalues: np.ndarray, eps: float) -> int:
        """#{λ > ε}, or #{|λ| > ε} when ``absolute``."""
        lam = np.abs(eigenvalues) if self.absolute else eigenvalues
        return int(np.count_nonzero(lam > eps))

    def loss(self, u: np.ndarray) -> float:
        """Σ_k w_k (u(x_k) − u*(x_k))² in this measurement's inner product."""
        r = np.asarray(u, dtype=np.float64) - self.target
        return float(np.sum(self.quadrature.weights * r * r))


def paper_grid(box: Sequence[tuple[float, float]], m: int) -> Quadrature:
    """Eq. (4.1) as printed: m uniform points per side, unit trapezoid weights (1/2, 1, …, 1, 1/2) (products on a box)."""
    return paper_tensor_grid(box, positive_int(m, "m_paper"))


def measurement(problem: FittingProblem, convention: str, m_paper: int = DEFAULT_PAPER_M) -> Measurement:
    """The `Measurement` of ``problem`` under ``convention``.

    ``"integral"``: the problem's own quadrature (weights integrate, Σw = |Ω|), count λ > ε.
    ``"paper"``: `paper_grid` with ``m_paper`` points per side, u* evaluated there (needs
    ``problem.target_fn``), count |λ| > ε (arXiv 2412.05144, §4, eq. 4.1). On the trapezoid rule's
    nodes the two relate exactly: M_paper = M_trapezoid / h, so r_ε(M_paper) = r_{ε·h}(M_trapezoid)
    (proofs_notes/staircase.md).
    """
    if not isinstance(problem, FittingProblem):
        raise TypeError(f"problem must be a FittingProblem, got {type(problem).__name__}")
    check_convention(convention)
    if convention == "integral":
        return Measurement("integral", problem.quadrature, problem.target, absolute=False, same_nodes=True)
    if problem.target_fn is None:
        raise ValueError(f"convention='paper' evaluates u* on its own grid, but problem {problem.name!r} has no target_fn")
    quad = paper_grid(problem.box, m_paper)
    values = np.asarray(problem.target_fn(quad.points), dtype=np.float64).reshape(-1)
    if values.shape[0] != quad.size or not np.all(np.isfinite(values)):
        raise ValueError(f"target_fn must return {quad.size} finite values on the paper grid, got shape {values.shape}")
    values.setflags(write=False)
    return Measurement("paper", quad, values, absolute=True, same_nodes=False)
