"""Random feature layers without training: φ_j(x) = σ(k_j·x + b_j), drawn from an explicit numpy Generator.

Two distributions, each named for what it draws (J features on inputs of dimension d):

- `uniform_layer`: k ~ U(−a, a)^{J×d}, b ~ U(−a, a)^J. With a = scale/√fan_in these are the random
  tanh networks of the rank-measure table (`numerics.rank_table`; scale 1 is the paper's
  U(−1/√n, 1/√n), arXiv 2412.05144 §2); with a = R the features of ELM and of the random feature
  method (arXiv 2412.05144 Example 4.3; Chen, Chi, E, Yang 2022: R = 1).
- `gaussian_layer`: k ~ N(0, s²/d)^{J×d}, b ~ U(−s, s)^J, the random networks of the Thm 3.2
  experiment (`numerics.staircase.measure.random_features`).

A network stacks layers, y^{l+1} = σ(k^l y^l + b^l), each drawn after the one below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.activations import NAMES, numpy_activation
from numerics.validation import one_of, positive_float, positive_int

__all__ = ["FeatureLayer", "uniform_layer", "gaussian_layer", "DRAW_ORDERS"]

# Which index of k runs fastest through the generator's stream: J rows of d ("by_feature"), or d rows
# of J ("by_input", a weight matrix kᵀ of shape (d, J)). The distribution is the same; a seed gives
# different features, so each caller keeps the order its tables were computed with.
DRAW_ORDERS = ("by_feature", "by_input")


@dataclass(frozen=True)
class FeatureLayer:
    """J features σ(k_j·x + b_j): ``k`` is ``(J, d)``, ``b`` is ``(J,)``, σ a name of `numerics.activations`."""

    k: np.ndarray
    b: np.ndarray
    activation: str = "tanh"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Φ = σ(x kᵀ + b), ``(m, J)`` for points ``x`` ``(m, d)``."""
        return numpy_activation(self.activation)(x @ self.k.T + self.b)


def _check(fan_in: int, width: int, rng: np.random.Generator, activation: str) -> tuple[int, int]:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    one_of(activation, "activation", NAMES)
    return positive_int(fan_in, "fan_in"), positive_int(width, "width")


def uniform_layer(fan_in: int, width: int, bound: float, rng: np.random.Generator, *, activation: str = "tanh",
                  draw: str = "by_feature") -> FeatureLayer:
    """k ~ U(−a, a)^{J×d}, then b ~ U(−a, a)^J, a = ``bound``, J = ``width``, d = ``fan_in``.

    Args:
        draw: the order of k's entries in the stream (`DRAW_ORDERS`): ``"by_feature"`` draws k row
            by row, ``"by_input"`` draws kᵀ ``(d, J)`` row by row.
    """
    d, J = _check(fan_in, width, rng, activation)
    a = positive_float(bound, "bound")
    one_of(draw, "draw", DRAW_ORDERS)
    k = rng.uniform(-a, a, size=(J, d)) if draw == "by_feature" else rng.uniform(-a, a, (d, J)).T
    b = rng.uniform(-a, a, size=J)
    return FeatureLayer(k, b, activation)


def gaussian_layer(fan_in: int, width: int, scale: float, rng: np.random.Generator, *,
                   activation: str = "tanh") -> FeatureLayer:
    """k ~ N(0, s²/d)^{J×d} (drawn as kᵀ ``(d, J)``, row by row), then b ~ U(−s, s)^J, s = ``scale``."""
    d, J = _check(fan_in, width, rng, activation)
    s = positive_float(scale, "scale")
    W = rng.standard_normal((d, J)) * s / np.sqrt(d)
    b = rng.uniform(-s, s, J)
    return FeatureLayer(W.T, b, activation)
