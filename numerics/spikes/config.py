"""Configuration of the one-step feature-learning experiments (Moniri et al., arXiv 2310.07891): the
outlier counts, the test errors and the spike strengths, and the settings of each profile (`PROFILES`:
``"test"``, ``"quick"``, ``"paper"``; sizes in `numerics.spikes.experiment`'s docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from numerics.validation import positive_float, positive_int

__all__ = ["ALPHA_GRID", "CountSettings", "ErrorSettings", "StrengthSettings", "SpikesProfile", "PROFILES"]

ALPHA_GRID = (0.0, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45)


def _sizes(obj, *names: str) -> None:
    for name in names:
        positive_int(getattr(obj, name), name)


@dataclass(frozen=True)
class CountSettings:
    """``spikes.count``: n = N samples and features, input dimension d, the α grid, the activations,
    ``seeds`` consecutive seeds, the top singular values measured, and the size of the spectrum figure."""

    n: int
    d: int
    alphas: tuple[float, ...]
    acts: tuple[str, ...]
    seeds: int
    k_top: int
    spectrum_n: int = 1000  # full LAPACK SVD, for the histogram only

    def __post_init__(self) -> None:
        _sizes(self, "n", "d", "seeds", "k_top", "spectrum_n")
        if not self.alphas or not self.acts:
            raise ValueError(f"alphas and acts must be non-empty, got {self.alphas!r} and {self.acts!r}")


@dataclass(frozen=True)
class ErrorSettings:
    """The test error of ridge regression on the features after one step: n samples, N features,
    dimension d, ridge λ, ``seeds`` consecutive seeds, ``n_test`` test points."""

    n: int
    N: int
    d: int
    lam: float
    seeds: int
    n_test: int

    def __post_init__(self) -> None:
        _sizes(self, "n", "N", "d", "seeds", "n_test")
        positive_float(self.lam, "lam")


@dataclass(frozen=True)
class StrengthSettings:
    """``spikes.strength``: n = N, dimension d, the step sizes θ, the activations, ``seeds`` consecutive seeds."""

    n: int
    d: int
    thetas: tuple[float, ...]
    acts: tuple[str, ...]
    seeds: int

    def __post_init__(self) -> None:
        _sizes(self, "n", "d", "seeds")
        if not self.thetas or not self.acts:
            raise ValueError(f"thetas and acts must be non-empty, got {self.thetas!r} and {self.acts!r}")


@dataclass(frozen=True)
class SpikesProfile:
    """One profile of the spikes paper: counts (with the test error, ``None``: not run) and strengths."""

    counts: CountSettings
    errors: ErrorSettings | None
    strengths: StrengthSettings


PROFILES = {
    "test": SpikesProfile(
        counts=CountSettings(n=1000, d=500, alphas=(0.0, 0.15, 0.40), acts=("relu", "tanh"), seeds=1, k_top=4,
                             spectrum_n=400),
        errors=None,
        strengths=StrengthSettings(n=2000, d=1000, thetas=(0.15,), acts=("relu", "tanh"), seeds=1),
    ),
    "quick": SpikesProfile(
        counts=CountSettings(n=1000, d=500, alphas=ALPHA_GRID, acts=("relu", "tanh", "tq"), seeds=2, k_top=6),
        errors=ErrorSettings(n=1000, N=500, d=500, lam=1.0, seeds=3, n_test=4000),
        strengths=StrengthSettings(n=2000, d=1000, thetas=(0.10, 0.15), acts=("relu", "tanh", "gelu", "tq"), seeds=2),
    ),
    "paper": SpikesProfile(
        counts=CountSettings(n=2000, d=1000, alphas=ALPHA_GRID + (0.22, 0.26, 0.28, 0.32), acts=("relu", "tanh", "tq"),
                             seeds=5, k_top=6),
        errors=ErrorSettings(n=2000, N=1000, d=1000, lam=1.0, seeds=5, n_test=8000),
        strengths=StrengthSettings(n=2000, d=1000, thetas=(0.10, 0.15), acts=("relu", "tanh", "gelu", "tq"), seeds=5),
    ),
}
