"""Configuration of the §4 methods experiments (arXiv 2412.05144, §4–§6): the settings of each experiment
of `numerics.staircase.methods.experiment` and the settings of each profile (`PROFILES`: ``"test"``,
``"quick"``, ``"paper"``; "paper" follows the paper's iteration counts).

Each experiment reads its own settings, ``profile_config(PROFILES, profile).<experiment>``, and writes
them into its configuration record (``dataclasses.asdict``, fields in the order given here).
"""

from __future__ import annotations

from dataclasses import dataclass

from numerics.validation import positive_int

__all__ = ["EPS", "FitSettings", "ResNetSettings", "PinnSettings", "RfmSettings", "DigitsSettings", "MethodsProfile",
           "PROFILES"]


EPS = 1e-6  # the paper's ε (§4), of every ε-rank the methods experiments count


def _positive(settings: object, *names: str) -> None:
    for name in names:
        positive_int(getattr(settings, name), name)


@dataclass(frozen=True)
class FitSettings:
    """A tanh fit of the 1-D target (``structured``, ``layers``, ``activations``): ``steps`` Adam steps,
    a record every ``record_every``, ``m`` Gauss–Legendre training nodes, ``seeds`` consecutive seeds."""

    steps: int
    record_every: int
    m: int
    seeds: int

    def __post_init__(self) -> None:
        _positive(self, "steps", "record_every", "m", "seeds")


@dataclass(frozen=True)
class ResNetSettings:
    """``resnet``: ResNet against MLP, L = 4, hidden ``width`` n, otherwise as `FitSettings`."""

    steps: int
    record_every: int
    width: int
    m: int
    seeds: int

    def __post_init__(self) -> None:
        _positive(self, "steps", "record_every", "width", "m", "seeds")


@dataclass(frozen=True)
class PinnSettings:
    """``pinn``: the Poisson PINN on ``m_per_side``² Gauss interior nodes and ``m_boundary`` nodes per edge,
    an L = 2 tanh MLP of ``width`` neurons, ``steps`` Adam steps recorded every ``record_every``."""

    steps: int
    record_every: int
    m_per_side: int
    m_boundary: int
    width: int
    seeds: int

    def __post_init__(self) -> None:
        _positive(self, "steps", "record_every", "m_per_side", "m_boundary", "width", "seeds")


@dataclass(frozen=True)
class RfmSettings:
    """``rfm``: ELM and RFM least squares with ``n_features`` features, ``parts``² subdomains, fitted on
    ``m_per_side``² Gauss nodes per subdomain and tested on ``test_m_per_side``² (no training)."""

    n_features: int
    parts: int
    m_per_side: int
    test_m_per_side: int
    seeds: int

    def __post_init__(self) -> None:
        _positive(self, "n_features", "parts", "m_per_side", "test_m_per_side", "seeds")


@dataclass(frozen=True)
class DigitsSettings:
    """``digits``: cross-entropy on ``n_samples`` of sklearn's 8×8 digits (``None``: all 1797), ``steps``
    Adam steps recorded every ``record_every``; one seed (the run's)."""

    steps: int
    record_every: int
    n_samples: int | None
    seeds: int

    def __post_init__(self) -> None:
        _positive(self, "steps", "record_every", "seeds")
        if self.n_samples is not None:
            positive_int(self.n_samples, "n_samples")


@dataclass(frozen=True)
class MethodsProfile:
    """One profile of the methods experiments: the settings of each, by experiment id."""

    structured: FitSettings
    pinn: PinnSettings
    rfm: RfmSettings
    resnet: ResNetSettings
    layers: FitSettings
    activations: FitSettings
    digits: DigitsSettings

    def __post_init__(self) -> None:
        kinds = {"structured": FitSettings, "pinn": PinnSettings, "rfm": RfmSettings, "resnet": ResNetSettings,
                 "layers": FitSettings, "activations": FitSettings, "digits": DigitsSettings}
        for name, kind in kinds.items():
            if not isinstance(getattr(self, name), kind):
                raise TypeError(f"{name} must be a {kind.__name__}, got {type(getattr(self, name)).__name__}")


# paper: the paper's iteration counts (structured, layers, activations 15 000; pinn 15 000; resnet 10 000;
#     digits 4 500), three seeds where the networks train as one batch, one for the PINN and digits.
# quick: fewer steps (what ``make report`` runs), one seed.  test: seconds, one seed.
PROFILES = {
    "test": MethodsProfile(
        structured=FitSettings(steps=150, record_every=50, m=200, seeds=1),
        pinn=PinnSettings(steps=60, record_every=20, m_per_side=12, m_boundary=24, width=30, seeds=1),
        rfm=RfmSettings(n_features=900, parts=3, m_per_side=12, test_m_per_side=16, seeds=1),
        resnet=ResNetSettings(steps=100, record_every=50, width=40, m=200, seeds=1),
        layers=FitSettings(steps=150, record_every=50, m=200, seeds=1),
        activations=FitSettings(steps=100, record_every=50, m=200, seeds=1),
        digits=DigitsSettings(steps=80, record_every=20, n_samples=400, seeds=1),
    ),
    "quick": MethodsProfile(
        structured=FitSettings(steps=3000, record_every=100, m=200, seeds=1),
        pinn=PinnSettings(steps=500, record_every=25, m_per_side=16, m_boundary=32, width=50, seeds=1),
        rfm=RfmSettings(n_features=900, parts=3, m_per_side=20, test_m_per_side=30, seeds=1),
        resnet=ResNetSettings(steps=1500, record_every=100, width=100, m=400, seeds=1),
        layers=FitSettings(steps=3000, record_every=100, m=200, seeds=1),
        activations=FitSettings(steps=2000, record_every=100, m=200, seeds=1),
        digits=DigitsSettings(steps=400, record_every=10, n_samples=None, seeds=1),
    ),
    "paper": MethodsProfile(
        structured=FitSettings(steps=15000, record_every=100, m=200, seeds=3),
        pinn=PinnSettings(steps=15000, record_every=100, m_per_side=32, m_boundary=64, width=50, seeds=1),
        rfm=RfmSettings(n_features=900, parts=3, m_per_side=20, test_m_per_side=30, seeds=3),
        resnet=ResNetSettings(steps=10000, record_every=100, width=100, m=400, seeds=3),
        layers=FitSettings(steps=15000, record_every=100, m=200, seeds=3),
        activations=FitSettings(steps=15000, record_every=100, m=200, seeds=3),
        digits=DigitsSettings(steps=4500, record_every=25, n_samples=None, seeds=1),
    ),
}
