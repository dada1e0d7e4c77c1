"""Deep linear networks trained with weight decay, against the closed-form cost R(P; L) = L Σ s_i(P)^{2/L}.

Objective: ‖W_L⋯W_1 − A‖_F² + λ Σ_ℓ ‖W_ℓ‖_F² (whitened regression onto the target map A), float64,
Adam followed by L-BFGS to reach a critical point to high accuracy. Every critical point of this
objective is balanced (W_{ℓ+1}ᵀW_{ℓ+1} = W_ℓW_ℓᵀ), hence Σ_ℓ‖W_ℓ‖² = R(P; L) for its own product P
(proofs_notes/bottleneck.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from numerics.bottleneck.nets import make_deep_linear, weight_matrices
from numerics.train import Evaluation, fit, lbfgs_polish
from numerics.validation import as_matrix, nonnegative_float, nonnegative_int, positive_float, positive_int
from numerics.ranks import singular_values
from theory.bottleneck import DEEP_LINEAR_COST, linear_representation_cost, minimal_norm_factor_singular_values

__all__ = ["LinearFit", "train_deep_linear", "target_with_spectrum"]


@dataclass(frozen=True)
class LinearFit:
    """A trained deep linear network and its comparison with the closed form."""

    depth: int
    rank: int
    weight_decay: float
    theta_norm2: float
    closed_form_cost: float
    product_singular_values: np.ndarray
    layer_singular_values: list[np.ndarray]
    max_layer_sv_error: float
    fit_error: float
    gradient_norm: float

    @property
    def relative_cost_gap(self) -> float:
        """(‖θ‖² − R(P; L)) / R(P; L): zero at a balanced (critical) factorisation."""
        return (self.theta_norm2 - self.closed_form_cost) / self.closed_form_cost

    def check(self):
        """`DEEP_LINEAR_COST` at this network: ‖θ‖² ≥ L Σ s_i(P)^{2/L}."""
        s = self.product_singular_values[: self.rank]
        return DEEP_LINEAR_COST.check(
            theta_norm2=self.theta_norm2, L=self.depth, schatten=float(np.sum(s ** (2.0 / self.depth))),
            rtol=1e-7, atol=1e-9,
        )


def target_with_spectrum(s, m: int, n: int, seed: int) -> np.ndarray:
    """A = U diag(s) Vᵀ, ``(m, n)``, with Haar-random U, V from ``np.random.default_rng(seed)``."""
    s = np.asarray(s, dtype=np.float64)
    if s.ndim != 1 or s.size > min(m, n) or np.any(s < 0):
        raise ValueError(f"s must be a 1-D array of >= 0 values with at most min(m, n) = {min(m, n)} entries, got {s!r}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return U[:, : s.size] @ np.diag(s) @ V[:, : s.size].T


def train_deep_linear(
    A, depth: int, *, width: int | None = None, weight_decay: float = 1e-3, adam_steps: int = 800,
    lbfgs_steps: int = 200, lr: float = 1e-2, seed: int = 0,
) -> LinearFit:
    """Train W_L⋯W_1 ≈ A with weight decay λ and compare ‖θ‖² with R(P; L) = L Σ s_i(P)^{2/L}.

    Args:
        A: ``(m, n)`` target map.
        depth: L >= 1; width: hidden width (default max(m, n)).
        weight_decay: λ > 0 (λ = 0 has no balanced critical points to reach).
        adam_steps: Adam steps (`numerics.train.fit`; lr × 0.1 for the last quarter), then
            lbfgs_steps: L-BFGS iterations (`numerics.train.lbfgs_polish`) to reach the critical point.
    """
    A = torch.as_tensor(as_matrix(A, "A"))
    L = positive_int(depth, "depth")
    lam = nonnegative_float(weight_decay, "weight_decay")
    if lam == 0:
        raise ValueError("weight_decay must be > 0, got 0.0")
    adam_steps = nonnegative_int(adam_steps, "adam_steps")
    lbfgs_steps = nonnegative_int(lbfgs_steps, "lbfgs_steps")
    lr = positive_float(lr, "lr")
    m, n = A.shape
    width = positive_int(width if width is not None else max(m, n), "width")
    net = make_deep_linear(n, width, L, m, scale=0.7, generator=torch.Generator().manual_seed(seed))
    Ws = weight_matrices(net)

    def objective() -> torch.Tensor:
        P = Ws[-1]
        for W in Ws[-2::-1]:
            P = P @ W
        return ((P - A) ** 2).sum() + lam * sum((W * W).sum() for W in Ws)

    drop_step, dropped_lr = (3 * adam_steps) // 4, lr * 0.1
    if adam_steps:
        fit(Ws, lambda step, scale: Evaluation(objective()), steps=adam_steps, lr=lr,
            lr_at=lambda step: lr if step < drop_step else dropped_lr)
    if lbfgs_steps:
        lbfgs_polish(Ws, objective, max_iter=lbfgs_steps)
    for W in Ws:
        W.grad = None
    objective().backward()
    grad_norm = float(torch.sqrt(sum((W.grad**2).sum() for W in Ws)))
    with torch.no_grad():
        P = Ws[-1]
        for W in Ws[-2::-1]:
            P = P @ W
        sP = singular_values(P)
        rank = int(np.count_nonzero(sP > 1e-6 * sP[0]))  # below: rounding of an exactly low-rank product
        layer_sv = [singular_values(W) for W in Ws]
        target = minimal_norm_factor_singular_values(sP[:rank], L)
        err = max(float(np.max(np.abs(s[:rank] - target))) for s in layer_sv)
        norm2 = float(sum((W.double() ** 2).sum() for W in Ws))
        fit_error = float(torch.linalg.norm(P - A) / torch.linalg.norm(A))
    return LinearFit(L, rank, lam, norm2, linear_representation_cost(sP[:rank], L), sP, layer_sv, err, fit_error,
                     grad_norm)
