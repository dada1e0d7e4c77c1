"""Configuration of the staircase experiments (arXiv 2412.05144): one network (`ModelSpec`), its training
(`TrainConfig`), and the settings of each profile (`PROFILES`: ``"test"``, ``"quick"``, ``"paper"``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from numerics.activations import NAMES as ACTIVATION_NAMES
from numerics.nets import INITS, MLP
from numerics.quadrature import check_convention
from numerics.staircase.problem import DEFAULT_PAPER_M, FittingProblem
from numerics.validation import nonnegative_float, one_of, positive_float, positive_int

__all__ = ["ModelSpec", "TrainConfig", "FIG2_INIT", "CONVENTIONS", "fig2_specs", "GridSettings",
           "THM3_2_ACTIVATIONS", "RandomFeatureSettings", "StaircaseProfile", "PROFILES"]

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
        one_of(self.activation, "activation", ACTIVATION_NAMES)
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


# The default initialisation of the Fig. 2 grid: torch's nn.Linear default, i.e. U(−1/√fan_in, 1/√fan_in)
# on every layer: the paper's U(−1/√n, 1/√n) on the hidden layers and β (fan-in n), U(−1, 1) on the first
# layer (fan-in 1). Its step-0 ε-rank (5–7) is the one that matches Fig. 2's start (5–10); see
# `numerics.staircase.experiment.start_ranks`.
FIG2_INIT = "torch"
CONVENTIONS = ("integral", "paper")


def fig2_specs(init: str = FIG2_INIT) -> tuple[ModelSpec, ...]:
    """Fig. 2's grid: tanh MLPs with L ∈ {2, 4} × n ∈ {50, 25}, in the order of its panels (a)–(d)."""
    return tuple(ModelSpec(width=n, depth=L, init=init) for L, n in ((2, 50), (2, 25), (4, 50), (4, 25)))


@dataclass(frozen=True)
class GridSettings:
    """What ``staircase.thm3_3`` trains: the specs, their training, and ``seeds`` consecutive seeds from the run's seed."""

    specs: tuple[ModelSpec, ...]
    train: TrainConfig
    seeds: int
    description: str

    def __post_init__(self) -> None:
        if not self.specs or not all(isinstance(s, ModelSpec) for s in self.specs):
            raise TypeError(f"specs must be a non-empty tuple of ModelSpec, got {self.specs!r}")
        if not isinstance(self.train, TrainConfig):
            raise TypeError(f"train must be a TrainConfig, got {type(self.train).__name__}")
        positive_int(self.seeds, "seeds")


# σ of the Thm 3.2 random features: the activations the paper's Thm 3.2 experiment draws (names of the one
# activation table, `numerics.activations`).
THM3_2_ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "cos")


@dataclass(frozen=True)
class RandomFeatureSettings:
    """What ``staircase.thm3_2`` measures: widths ``n``, ``trials`` per point, the ε values, feature
    scales, Gauss–Legendre points ``m1`` on [−1, 1] and ``m2`` per side on [−1, 1]², and the
    ``activations`` σ of the features (default `THM3_2_ACTIVATIONS`)."""

    n: tuple[int, ...]
    trials: int
    eps: tuple[float, ...]
    scales: tuple[float, ...]
    m1: int
    m2: int
    activations: tuple[str, ...] = THM3_2_ACTIVATIONS

    def __post_init__(self) -> None:
        if isinstance(self.activations, str) or not self.activations:
            raise ValueError(f"activations must be a non-empty tuple of names, got {self.activations!r}")
        for a in self.activations:
            one_of(a, "activations[i]", ACTIVATION_NAMES)
        for v in self.n:
            positive_int(v, "n[i]")
        positive_int(self.trials, "trials")
        for v in self.eps:
            positive_float(v, "eps[i]")
        for v in self.scales:
            positive_float(v, "scales[i]")
        positive_int(self.m1, "m1")
        positive_int(self.m2, "m2")


@dataclass(frozen=True)
class StaircaseProfile:
    """One profile of the staircase paper: the settings of each registered theorem."""

    thm3_3: GridSettings
    thm3_2: RandomFeatureSettings


# paper: Fig. 2's grid, `FIG2_INIT`, Adam 1e-3 (the paper states no optimiser, learning rate or m),
#     15 000 steps, 3 seeds, recorded every 100 steps, both conventions (paper grid of 200 points).
# quick: the same grid and 1 seed, reduced to 5 000 steps at Adam 3e-3, recorded every 100 (what
#     ``make report`` runs; about a minute on 2 cores).
# test: L ∈ {1, 2}, n = 8, 120 steps at Adam 1e-2 (seconds).
PROFILES = {
    "test": StaircaseProfile(
        thm3_3=GridSettings((ModelSpec(width=8, depth=1), ModelSpec(width=8, depth=2)),
                            TrainConfig(steps=120, lr=1e-2, record_every=20, conventions=CONVENTIONS, paper_m=60),
                            seeds=1, description="smoke grid (seconds)"),
        thm3_2=RandomFeatureSettings(n=(6, 10), trials=2, eps=(1e-2, 1e-4, 1e-6), scales=(1.0, 6.0), m1=40, m2=8),
    ),
    "quick": StaircaseProfile(
        thm3_3=GridSettings(fig2_specs(), TrainConfig(steps=5000, lr=3e-3, record_every=100, conventions=CONVENTIONS),
                            seeds=1, description="Fig. 2 grid reduced: 5 000 steps at Adam 3e-3 (paper scale: 15 000 "
                                                 "at 1e-3), 1 seed"),
        thm3_2=RandomFeatureSettings(n=(6, 10, 16, 30), trials=3, eps=(1e-2, 1e-4, 1e-6), scales=(1.0, 4.0, 12.0),
                                     m1=96, m2=16),
    ),
    "paper": StaircaseProfile(
        thm3_3=GridSettings(fig2_specs(), TrainConfig(steps=15000, lr=1e-3, record_every=100, conventions=CONVENTIONS),
                            seeds=3, description="Fig. 2 grid, paper scale"),
        thm3_2=RandomFeatureSettings(n=(6, 10, 12, 25, 50), trials=10, eps=(1e-2, 1e-4, 1e-6, 1e-8),
                                     scales=(1.0, 4.0, 12.0), m1=256, m2=32),
    ),
}
