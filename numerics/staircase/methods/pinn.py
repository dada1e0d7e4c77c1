"""Physics-informed training for the Poisson problem of arXiv 2412.05144, Example 4.2.

    −Δu = f on Ω = [−π/2, π/2]²,  u = 0 on ∂Ω,  f = 8 sin 2x sin 2y,  exact u* = sin 2x sin 2y.

Loss (eq. 4.4): L(u) = ‖Δu + f‖²_{L²(Ω)} + ‖u‖²_{L²(∂Ω)}, both terms by Gauss–Legendre quadrature
(interior: a tensor rule with Σ w = |Ω|; boundary: a rule on each edge with Σ w = |∂Ω|). The
Laplacian comes from autograd (two backward passes through the network).

Stability constant (Remark 3.4): for −Δ with zero Dirichlet data on a box Π[a_i, b_i],
C_S = ‖(−Δ)⁻¹‖_{L²→L²} = 1/λ_min, λ_min = Σ_i (π/(b_i − a_i))²; on [−π/2, π/2]² that is 1/2.
It bounds ‖u − u*‖ ≤ C_S ‖Δu + f‖ for u with zero trace; the boundary term of eq. 4.4 is outside it.

ε-ranks are recorded under each measurement convention asked for (`numerics.quadrature.CONVENTIONS`),
from the same network at the same step: ``"integral"`` on the interior Gauss rule (Σ w = |Ω|,
λ > ε), ``"paper"`` on a uniform grid of the box with eq. (4.1)'s unit weights
(`numerics.quadrature.paper_tensor_grid`, |λ| > ε), columns suffixed ``@paper``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.linalg
import torch
from torch import nn

from numerics.validation import as_matrix, positive_float, positive_int
from numerics.quadrature import Quadrature, check_convention, gauss_legendre, paper_tensor_grid, tensor_grid
from numerics.ranks import epsilon_rank
from numerics.staircase.training import column
from numerics.train import Evaluation, fit

__all__ = [
    "POISSON_BOX",
    "poisson_source",
    "poisson_exact",
    "dirichlet_lambda_min",
    "stability_constant",
    "finite_difference_lambda_min",
    "boundary_quadrature",
    "PoissonProblem",
    "poisson_problem",
    "laplacian",
    "pinn_losses",
    "train_pinn",
]

POISSON_BOX: tuple[tuple[float, float], ...] = ((-math.pi / 2, math.pi / 2), (-math.pi / 2, math.pi / 2))


def poisson_source(points: Any) -> np.ndarray:
    """f(x, y) = 8 sin 2x sin 2y (arXiv 2412.05144, Example 4.2); points ``(m, 2)``."""
    p = as_matrix(points, "points")
    return 8.0 * np.sin(2 * p[:, 0]) * np.sin(2 * p[:, 1])


def poisson_exact(points: Any) -> np.ndarray:
    """u*(x, y) = sin 2x sin 2y, the solution of −Δu = f with u = 0 on ∂[−π/2, π/2]²."""
    p = as_matrix(points, "points")
    return np.sin(2 * p[:, 0]) * np.sin(2 * p[:, 1])


def _sides(box: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    if isinstance(box, (str, bytes)) or not isinstance(box, Sequence) or len(box) == 0:
        raise TypeError(f"box must be a non-empty sequence of (a, b) pairs, got {box!r}")
    out = []
    for i, s in enumerate(box):
        if not isinstance(s, Sequence) or len(s) != 2 or not float(s[0]) < float(s[1]):
            raise ValueError(f"box[{i}] must be an (a, b) pair with a < b, got {s!r}")
        out.append((float(s[0]), float(s[1])))
    return out


def dirichlet_lambda_min(box: Sequence[tuple[float, float]] = POISSON_BOX) -> float:
    """λ_min(−Δ) with zero Dirichlet data on Π[a_i, b_i]: Σ_i (π/(b_i − a_i))² (eigenfunction Π sin)."""
    return float(sum((math.pi / (b - a)) ** 2 for a, b in _sides(box)))


def stability_constant(box: Sequence[tuple[float, float]] = POISSON_BOX) -> float:
    """C_S = ‖(−Δ)⁻¹‖_{L²→L²} = 1/λ_min (arXiv 2412.05144, Remark 3.4); 1/2 on [−π/2, π/2]²."""
    return 1.0 / dirichlet_lambda_min(box)


def finite_difference_lambda_min(box: Sequence[tuple[float, float]] = POISSON_BOX, n_interior: int = 63) -> float:
    """λ_min of the 5-point (2d+1-point) Dirichlet Laplacian with ``n_interior`` nodes per side.

    Equals Σ_i (4/h_i²) sin²(π h_i/(2(b_i − a_i))) and converges to `dirichlet_lambda_min` as O(h²):
    an independent numerical check of C_S.
    """
    n = positive_int(n_interior, "n_interior")
    ops = []
    for a, b in _sides(box):
        h = (b - a) / (n + 1)
        ops.append(scipy.sparse.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n)) / h**2)
    d = len(ops)
    eye = scipy.sparse.identity(n)
    A = None
    for i, op in enumerate(ops):
        term = op
        for j in range(d):
            if j != i:
                term = scipy.sparse.kron(term, eye) if j > i else scipy.sparse.kron(eye, term)
        A = term if A is None else A + term
    lam = scipy.sparse.linalg.eigsh(A.tocsc(), k=1, sigma=0.0, which="LM", return_eigenvectors=False)
    return float(lam[0])


def boundary_quadrature(box: Sequence[tuple[float, float]], m_per_edge: int) -> Quadrature:
    """Gauss–Legendre on each edge of a rectangle: 4·m nodes, Σ w = |∂Ω| (the L²(∂Ω) measure)."""
    sides = _sides(box)
    if len(sides) != 2:
        raise ValueError(f"boundary_quadrature handles rectangles (2 sides), got {len(sides)}")
    (ax, bx), (ay, by) = sides
    qx = gauss_legendre(ax, bx, positive_int(m_per_edge, "m_per_edge"))
    qy = gauss_legendre(ay, by, m_per_edge)
    x, wx = qx.points[:, 0], qx.weights
    y, wy = qy.points[:, 0], qy.weights
    pts = np.concatenate([
        np.stack([x, np.full_like(x, ay)], 1),
        np.stack([x, np.full_like(x, by)], 1),
        np.stack([np.full_like(y, ax), y], 1),
        np.stack([np.full_like(y, bx), y], 1),
    ])
    return Quadrature(pts, np.concatenate([wx, wx, wy, wy]))


@dataclass(frozen=True, eq=False)
class PoissonProblem:
    """Interior and boundary quadratures with f and u* at the interior nodes."""

    interior: Quadrature
    boundary: Quadrature
    source: np.ndarray = field(repr=False)
    exact: np.ndarray = field(repr=False)
    box: tuple[tuple[float, float], ...]

    @property
    def C_S(self) -> float:
        return stability_constant(self.box)

    def tensors(self, dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
        """The problem as tensors of ``dtype``, the ``tensors`` argument of `pinn_losses`: ``x`` ``(m, 2)``
        interior nodes, ``w`` ``(m,)`` their weights, ``f`` ``(m,)`` the source there, ``xb`` ``(m_b, 2)``
        boundary nodes and ``wb`` ``(m_b,)`` their weights."""
        t = lambda a: torch.tensor(np.array(a), dtype=dtype)  # noqa: E731
        return {
            "x": t(self.interior.points),
            "w": t(self.interior.weights),
            "f": t(self.source),
            "xb": t(self.boundary.points),
            "wb": t(self.boundary.weights),
        }


def poisson_problem(m_per_side: int = 32, m_boundary: int = 64, box: Sequence[tuple[float, float]] = POISSON_BOX) -> PoissonProblem:
    """Example 4.2 with an ``m_per_side``² Gauss–Legendre interior rule and ``m_boundary`` nodes per edge."""
    sides = _sides(box)
    interior = tensor_grid(sides, positive_int(m_per_side, "m_per_side"), rule="gauss_legendre")
    return PoissonProblem(
        interior=interior,
        boundary=boundary_quadrature(sides, m_boundary),
        source=poisson_source(interior.points),
        exact=poisson_exact(interior.points),
        box=tuple(sides),
    )


def laplacian(model: nn.Module, x: torch.Tensor, create_graph: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """(u, Δu) at the points ``x (m, d)``: Δu = Σ_i ∂²u/∂x_i² by autograd; both ``(m,)``."""
    x = x.detach().requires_grad_(True)
    u = model(x).reshape(x.shape[0], -1)[:, 0]
    (grad,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    lap = torch.zeros_like(u)
    for i in range(x.shape[1]):
        keep = create_graph or i < x.shape[1] - 1
        (g2,) = torch.autograd.grad(grad[:, i].sum(), x, create_graph=create_graph, retain_graph=keep)
        lap = lap + g2[:, i]
    return u, lap


def pinn_losses(model: nn.Module, tensors: dict[str, torch.Tensor], create_graph: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """(‖Δu + f‖²_{L²(Ω)}, ‖u‖²_{L²(∂Ω)}) by quadrature (eq. 4.4 is their sum); ``tensors`` is
    `PoissonProblem.tensors` (nodes, weights and source as tensors)."""
    _, lap = laplacian(model, tensors["x"], create_graph=create_graph)
    residual = torch.sum(tensors["w"] * (lap + tensors["f"]) ** 2)
    ub = model(tensors["xb"]).reshape(tensors["xb"].shape[0], -1)[:, 0]
    boundary = torch.sum(tensors["wb"] * ub**2)
    return residual, boundary


def train_pinn(
    model: nn.Module,
    problem: PoissonProblem,
    *,
    steps: int,
    lr: float = 1e-3,
    record_every: int = 100,
    eps: float = 1e-6,
    label: str = "",
    quiet: bool = True,
    conventions: Sequence[str] = ("integral",),
    paper_m_per_side: int | None = None,
) -> pd.DataFrame:
    """Full-batch Adam on eq. 4.4; every ``record_every`` steps record loss, error and ε-ranks.

    The model must expose ``hidden_features(x) -> [y¹, …, y^L]`` (`numerics.nets.MLP` does).
    Columns: ``config, step, loss, residual_loss, boundary_loss, l2_error, rel_l2_error, eps_rank``
    (last hidden layer) and ``eps_rank_l{k}`` per hidden layer, with the Gram matrix taken on the
    interior quadrature (M = Φᵀ diag(w) Φ ≈ ∫_Ω φ_i φ_j). With ``"paper"`` in ``conventions`` the
    same network's ranks on the uniform ``paper_m_per_side``² grid with unit weights (default: as many
    points per side as the interior rule), counted |λ| > ε, go to ``eps_rank@paper`` and
    ``eps_rank_l{k}@paper``. Trains through `numerics.train.fit`: a non-finite loss stops training and
    the last row, at that step, gets ``diverged = True`` (NaN ranks where the features are not finite).
    """
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    record_every = positive_int(record_every, "record_every")
    eps = positive_float(eps, "eps")
    if not hasattr(model, "hidden_features"):
        raise TypeError(f"model must expose hidden_features(x), got {type(model).__name__}")
    if isinstance(conventions, str):
        raise TypeError(f"conventions must be a sequence of names, got the string {conventions!r}")
    conventions = tuple(check_convention(c) for c in conventions)
    if not conventions:
        raise ValueError("conventions must name at least one convention, got ()")
    dtype = next(model.parameters()).dtype
    tens = problem.tensors(dtype)
    grids = {"integral": (tens["x"], np.array(problem.interior.weights), False)}
    if "paper" in conventions:
        side = round(problem.interior.size ** (1 / problem.interior.dim))
        m_p = side if paper_m_per_side is None else positive_int(paper_m_per_side, "paper_m_per_side")
        pg = paper_tensor_grid(problem.box, m_p)
        grids["paper"] = (torch.tensor(np.array(pg.points), dtype=dtype), np.array(pg.weights), True)
    w64 = np.array(problem.interior.weights)
    exact_norm = math.sqrt(float(np.sum(w64 * problem.exact**2)))
    rows: list[dict[str, Any]] = []

    def record(step: int, residual: float, boundary: float, diverged: bool = False) -> None:
        with torch.no_grad():
            feats = model.hidden_features(tens["x"])
            u = model(tens["x"]).reshape(-1).double().numpy()
        err = math.sqrt(float(np.sum(w64 * (u - problem.exact) ** 2)))
        row = {"config": label, "step": step, "loss": residual + boundary, "residual_loss": residual,
               "boundary_loss": boundary, "l2_error": err, "rel_l2_error": err / exact_norm, "diverged": diverged}
        for c in conventions:
            x_c, w_c, absolute = grids[c]
            with torch.no_grad():
                feats_c = feats if c == "integral" else model.hidden_features(x_c)
            for k, f in enumerate(feats_c, start=1):
                f = f.double().numpy()
                # a diverged network's features may be NaN: no rank to count there
                row[column(f"eps_rank_l{k}", c)] = (epsilon_rank(f, eps, w_c, absolute=absolute)
                                                    if not diverged or np.all(np.isfinite(f)) else math.nan)
            row[column("eps_rank", c)] = row[column(f"eps_rank_l{len(feats_c)}", c)]
        rows.append(row)

    def evaluate(step: int, scale: torch.Tensor | None) -> Evaluation:
        residual, boundary = pinn_losses(model, tens)
        return Evaluation(residual + boundary, values={"residual": residual.item(), "boundary": boundary.item()})

    def on_record(step: int, ev: Evaluation | None, alive: torch.Tensor) -> None:
        if ev is None:  # the final parameters, evaluated once more without a graph for the Laplacian
            residual, boundary = pinn_losses(model, tens, create_graph=False)
            r_val, b_val = residual.item(), boundary.item()
            record(step, r_val, b_val, diverged=not math.isfinite(r_val + b_val))
        else:
            record(step, ev.values["residual"], ev.values["boundary"])

    res = fit(list(model.parameters()), evaluate, steps=steps, lr=lr, record_at=range(0, steps, record_every),
              on_record=on_record, final_record=True, quiet=quiet, desc=label or "pinn")
    if res.any_diverged:
        record(res.diverged[0], res.last.values["residual"], res.last.values["boundary"], diverged=True)
    return pd.DataFrame.from_records(rows)
