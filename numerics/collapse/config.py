"""Configuration of the neural-rank-collapse experiment (arXiv 2402.03991): one sweep (`CollapseConfig`)
and the sweep of each profile (`PROFILES`: ``"test"``, ``"quick"``, ``"paper"``)."""

from __future__ import annotations

from dataclasses import dataclass

from numerics.collapse.model import LOSSES
from numerics.validation import nonnegative_float, nonnegative_int, one_of, positive_float, positive_int

__all__ = ["LAMBDAS", "CollapseConfig", "PROFILES"]

LAMBDAS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)


@dataclass(frozen=True)
class CollapseConfig:
    """One sweep. Widths are d_0, hidden×(depth−1), K. Every network starts from the same initial weights."""

    n_classes: int = 4
    dim: int = 20
    per_class: int = 50
    width: int = 64
    depth: int = 4
    spreads: tuple[float, ...] = (0.5, 0.05)
    lambdas: tuple[float, ...] = LAMBDAS
    losses: tuple[str, ...] = LOSSES
    adam_steps: int = 4000
    adam_lr: float = 1e-3
    adam_lr_final: float | None = None  # geometric decay of the Adam step to this value (None: constant)
    lbfgs_iters: int = 1000
    critical_lambdas: tuple[float, ...] = (1e-3, 1e-2, 1e-1)
    bias_lambdas: tuple[float, ...] = (1e-3, 1e-2)  # networks with (unregularised) biases, spread[0]

    def __post_init__(self) -> None:
        for name in ("n_classes", "dim", "per_class", "width", "depth"):
            positive_int(getattr(self, name), name)
        if self.n_classes < 2 or self.depth < 2:
            raise ValueError(f"n_classes and depth must be >= 2, got {self.n_classes} and {self.depth}")
        nonnegative_int(self.adam_steps, "adam_steps")
        positive_int(self.lbfgs_iters, "lbfgs_iters")
        positive_float(self.adam_lr, "adam_lr")
        if self.adam_lr_final is not None:
            positive_float(self.adam_lr_final, "adam_lr_final")
        if not self.spreads or not self.lambdas or not self.losses:
            raise ValueError(f"spreads, lambdas and losses must be non-empty, got {self.spreads}, {self.lambdas}, {self.losses}")
        for v in self.spreads:
            nonnegative_float(v, "spreads[i]")
        for v in (*self.lambdas, *self.critical_lambdas, *self.bias_lambdas):
            nonnegative_float(v, "lambdas[i]")
        for loss in self.losses:
            one_of(loss, "losses[i]", LOSSES)

    @property
    def widths(self) -> list[int]:
        return [self.dim] + [self.width] * (self.depth - 1) + [self.n_classes]


PROFILES = {
    "test": CollapseConfig(dim=20, per_class=12, width=32, depth=4, adam_steps=1200, adam_lr=5e-3,
                           lbfgs_iters=150, critical_lambdas=(1e-2,), bias_lambdas=(1e-2,)),
    "quick": CollapseConfig(dim=20, per_class=30, width=48, depth=4, adam_steps=2000, adam_lr=2.5e-3,
                            lbfgs_iters=400, critical_lambdas=(1e-3, 1e-2, 1e-1)),
    "paper": CollapseConfig(),
}
