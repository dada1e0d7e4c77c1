"""Configuration of the bottleneck experiments (Jacot, arXiv 2305.19008): one trained network
(`BottleneckConfig`) and the settings of each profile (`PROFILES`: ``"test"``, ``"quick"``, ``"paper"``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from numerics.validation import positive_int

__all__ = ["BottleneckConfig", "PAPER_LAMBDA", "PAPER_DEPTHS", "PAPER_CONFIG", "MasterSettings", "LinearSettings",
           "BottleneckProfile", "PROFILES"]


@dataclass(frozen=True)
class BottleneckConfig:
    """One trained network: task size, architecture and training (research note §4.3 pilot defaults)."""

    depth: int = 12
    width: int = 50
    n: int = 500
    k: int = 2
    lam_times_depth: float = 0.24  # λ = lam_times_depth / L
    steps: int = 12_000
    lr: float = 1e-3
    bias: bool = True
    seed: int = 0  # network initialisation
    task_seed: int = 0
    init_scale: float = 1.0  # He-normal × init_scale, zero biases
    lr_drop_at: float = 0.75  # lr × 0.1 from this fraction of the steps on
    # λ-continuation (None: off): λL held at this value, then geometric down to lam_times_depth
    # between the fractions `anneal` of the steps, then lam_times_depth to the end
    lam_times_depth_start: float | None = None
    anneal: tuple[float, float] = (0.3, 0.6)

    @property
    def weight_decay(self) -> float:
        """The coefficient λ/L of ‖θ‖² (``lam_times_depth`` is the λ of (λ/L)‖θ‖², arXiv 2209.15055's form)."""
        return self.lam_times_depth / self.depth

    def label(self) -> str:
        text = f"L={self.depth} w={self.width} N={self.n} λL={self.lam_times_depth:g} steps={self.steps} lr={self.lr:g}"
        if self.lam_times_depth_start is not None:
            text += (f" (λL continuation {self.lam_times_depth_start:g} → {self.lam_times_depth:g} over "
                     f"{self.anneal[0]:g}–{self.anneal[1]:g} of the steps)")
        return text


# Depth sweeps per profile. "test" is the small fast version (seconds); "quick" ≤ ~90 s on 2 cores
# (L = 18 needs far more than 8000 steps: at 6000 its middle tails were still 0.15–0.28 of s_k).
_TEST = BottleneckConfig(depth=4, width=30, n=100, lam_times_depth=0.4, steps=2000, lr=5e-3)

# "paper": arXiv 2305.19008 §5 as quoted by a third party — L = 25, width 200, ridge λ = 2·10⁻⁴ in
# (1/N)Σ‖f(x_i) − y_i‖² + (λ/L)‖θ‖² (the loss form of arXiv 2209.15055, third-party transcription),
# z ∈ R⁸, x = g(z), y = h(z_1, z_2) ∈ R²⁰ — plus the same net at L = 6 and 12 for the depth sweep.
# Ours, because the paper does not state them: N = 500, full-batch Adam lr 1e-3 (×0.1 for the last
# 20 %), He-normal weights and zero biases, 6000 steps, and a λ-continuation (λ = 1 for the first
# 35 % of the steps, geometric down to 2·10⁻⁴ by 60 %, then 2·10⁻⁴): with λ = 2·10⁻⁴ from the start,
# Adam only took ‖θ‖²/L from 385 to 320 in 1050 steps at L = 25 (pilot), the random bulk intact.
PAPER_LAMBDA = 2e-4
PAPER_DEPTHS = (6, 12, 25)
PAPER_CONFIG = BottleneckConfig(depth=25, width=200, n=500, k=2, lam_times_depth=PAPER_LAMBDA, steps=6000, lr=1e-3,
                                lr_drop_at=0.8, lam_times_depth_start=1.0, anneal=(0.35, 0.6))
_DEPTH_SWEEPS: dict[str, tuple[BottleneckConfig, ...]] = {
    "test": (_TEST, replace(_TEST, depth=8)),
    "quick": tuple(
        BottleneckConfig(depth=L, width=50, n=200, lam_times_depth=0.3, steps=8000, lr=3e-3) for L in (6, 9, 12)
    ),
    # L = 25 drops the lr when λ reaches 2·10⁻⁴ (60 %), not at 80 %: with lr 1e-3 at λ = 2·10⁻⁴ the first
    # L = 25 run (6000 steps) spiked at step ~4100 from mse 0.012 to 20 (every unit dead, f constant) and
    # never recovered; 5000 steps to fit the time budget.
    "paper": tuple(replace(PAPER_CONFIG, depth=L) for L in PAPER_DEPTHS if L != PAPER_CONFIG.depth)
    + (replace(PAPER_CONFIG, steps=5000, lr_drop_at=0.6),),
}


@dataclass(frozen=True)
class MasterSettings:
    """``bottleneck.master_inequality``: the trained depth sweep, the ``samples`` inputs per trained
    network for the (★) checks, and the number of random ReLU networks."""

    configs: tuple[BottleneckConfig, ...]
    samples: int
    random_networks: int

    def __post_init__(self) -> None:
        if not self.configs or not all(isinstance(c, BottleneckConfig) for c in self.configs):
            raise TypeError(f"configs must be a non-empty tuple of BottleneckConfig, got {self.configs!r}")
        positive_int(self.samples, "samples")
        positive_int(self.random_networks, "random_networks")


@dataclass(frozen=True)
class LinearSettings:
    """``bottleneck.deep_linear_cost``: the depths of the trained deep linear networks and the number
    of random matrix triples for the pseudo-determinant inequalities."""

    depths: tuple[int, ...]
    pdet_trials: int

    def __post_init__(self) -> None:
        if not self.depths:
            raise ValueError("depths must hold at least one depth, got ()")
        for L in self.depths:
            positive_int(L, "depths[i]")
        positive_int(self.pdet_trials, "pdet_trials")


@dataclass(frozen=True)
class BottleneckProfile:
    """One profile of the bottleneck paper: the settings of each registered theorem."""

    master_inequality: MasterSettings
    deep_linear_cost: LinearSettings


PROFILES = {
    "test": BottleneckProfile(MasterSettings(_DEPTH_SWEEPS["test"], samples=6, random_networks=8),
                              LinearSettings(depths=(2, 4, 8), pdet_trials=50)),
    "quick": BottleneckProfile(MasterSettings(_DEPTH_SWEEPS["quick"], samples=10, random_networks=30),
                               LinearSettings(depths=(2, 4, 8, 16), pdet_trials=500)),
    "paper": BottleneckProfile(MasterSettings(_DEPTH_SWEEPS["paper"], samples=50, random_networks=100),
                               LinearSettings(depths=(2, 4, 8, 16, 32), pdet_trials=5000)),
}
