"""Configuration of the staircase experiments (arXiv 2412.05144): one network (`ModelSpec`) and its training (`TrainConfig`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from numerics.nets import ACTIVATIONS, INITS, MLP
from numerics.quadrature import check_convention
from numerics.staircase.problem import DEFAULT_PAPER_M, FittingProblem
from numerics.validation import nonnegative_float, one_of, positive_float, positive_int

__all__ = ["ModelSpec", "TrainConfig"]

_DTYPES = {"float64": torch.float64, "float32": torch.float32}


@dataclass(frozen=True)
class ModelSpec:
    """One network configuration: depth L, width n, activation, ResNet or MLP, initialisation."""

    width: int = 50
    depth: int = 2
    activation: str = "tanh"
    residual: bool = False
    init: str = "torch"

    def __post_init__(self) -> None:
        positive_int(self.width, "width")
        positive_int(self.depth, "depth")
        one_of(self.activation, "activation", tuple(ACTIVATIONS))
        one_of(self.init, "init", INITS)

    @property
    def label(self) -> str:
        arch = "resnet" if self.residual else "mlp"
        return f"{arch}_L{self.depth}_n{self.width}_{self.activation}_{self.init}"

    @property
    def shape(self) -> tuple:
        return (self.width, self.depth, self.activation, self.residual)

    def build(self, problem: FittingProblem, seed: int, dtype: torch.dtype = torch.float64) -> MLP:
        return MLP(problem.dim, self.width, self.depth, self.activation, residual=self.residual, init=self.init,
                   seed=seed, box=list(problem.box), dtype=dtype)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and recording settings.

    Args:
        steps: optimiser steps.
        lr: learning rate.
        optimizer: ``"adam"`` or ``"sgd"``.
        momentum: SGD momentum.
        schedule: ``None``, ``"cosine"`` (to 0 at ``steps``) or ``"exponential"`` (to ``lr·lr_final`` at ``steps``).
        lr_final: final LR factor of the exponential schedule.
        record_every: record a row every k steps (and at step 0 and the last step).
        eps: the ε values of the per-layer rank columns.
        rank_eps: ε of the headline ``eps_rank`` column and of the bounds (the paper's 1e-6).
        check_bounds: evaluate every staircase Bound at each recorded step.
        conventions: the measurement conventions recorded from the same network at each recorded
            step, ``"integral"`` and/or ``"paper"`` (module docstring); the training loss is the
            problem's own either way.
        paper_m: points of the uniform grid of the ``"paper"`` convention (per side on a box).
        dtype: ``"float64"`` (default) or ``"float32"`` for training; records are float64 either way.
        threads: torch and BLAS threads while training (the caller's settings are restored after);
            ``None`` leaves them alone. Default 1: the matmuls are tiny (m = 200, n ≤ 100), and on the
            shared 2-core machine a second thread spins against other processes (this module's tests
            took 239 s wall on torch's default 2 threads under load, 21 s on one).
    """

    steps: int = 15000
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.0
    schedule: str | None = None
    lr_final: float = 0.01
    record_every: int = 100
    eps: tuple[float, ...] = (1e-6, 1e-3, 1e-9)
    rank_eps: float = 1e-6
    check_bounds: bool = True
    conventions: tuple[str, ...] = ("integral",)
    paper_m: int = DEFAULT_PAPER_M
    dtype: str = "float64"
    threads: int | None = 1

    def __post_init__(self) -> None:
        positive_int(self.steps, "steps")
        positive_float(self.lr, "lr")
        one_of(self.optimizer, "optimizer", ("adam", "sgd"))
        nonnegative_float(self.momentum, "momentum")
        if self.schedule is not None:
            one_of(self.schedule, "schedule", ("cosine", "exponential"))
        positive_float(self.lr_final, "lr_final")
        positive_int(self.record_every, "record_every")
        eps = tuple(positive_float(e, "eps") for e in self.eps)
        if not eps:
            raise ValueError("eps must hold at least one value, got ()")
        object.__setattr__(self, "eps", eps)
        positive_float(self.rank_eps, "rank_eps")
        if isinstance(self.conventions, str):
            raise TypeError(f"conventions must be a tuple of names, got the string {self.conventions!r}")
        conventions = tuple(check_convention(c) for c in self.conventions)
        if not conventions or len(set(conventions)) != len(conventions):
            raise ValueError(f"conventions must hold distinct names from ('integral', 'paper'), got {self.conventions!r}")
        object.__setattr__(self, "conventions", conventions)
        positive_int(self.paper_m, "paper_m")
        if self.paper_m < 2:
            raise ValueError(f"paper_m must be >= 2 (a trapezoid grid), got {self.paper_m}")
        one_of(self.dtype, "dtype", tuple(_DTYPES))
        if self.threads is not None:
            positive_int(self.threads, "threads")

    @property
    def torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.dtype]

    def record_steps(self) -> list[int]:
        steps = list(range(0, self.steps + 1, self.record_every))
        return steps if steps[-1] == self.steps else steps + [self.steps]
