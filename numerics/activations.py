"""The elementwise activations σ of the package's networks: one table, each name with its torch function and numpy twin.

arXiv 2412.05144 trains tanh networks (Fig. 2) and compares ReLU, ELU, cos, sin and GELU (§4, Table 2);
the torch function is what `numerics.nets` trains, the numpy twin computes the same σ on float64
arrays (random features without training, `numerics.features`). ``elu`` has α = 1 (the paper does
not state α); ``gelu`` is the exact form z·(1 + erf(z/√2))/2, torch's default.

`NAMES` is read without importing torch or numpy (the CLI builds its ``--activation`` choices from
it, and ``--help`` imports nothing heavy); `table` imports numpy, and torch is imported only when a
torch function is asked for (random features stay torch-free).
The spikes paper's centred activations with their Hermite coefficients are another table
(`theory.spikes.ACTIVATIONS`, `numerics.spikes.measure.activation`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["NAMES", "Activation", "table", "torch_activation", "numpy_activation"]

NAMES: tuple[str, ...] = ("tanh", "relu", "elu", "cos", "sin", "gelu")


@dataclass(frozen=True)
class Activation:
    """σ under one name: `torch` on tensors, ``numpy`` the same function on float64 arrays."""

    name: str
    numpy: Callable[[Any], Any]
    _torch: Callable[[], Callable[[Any], Any]] = field(repr=False)

    @property
    def torch(self) -> Callable[[Any], Any]:
        """The torch function (torch is imported here, so numpy-only callers never load it)."""
        return self._torch()


def _relu(z):
    import numpy as np

    return np.maximum(z, 0.0)


def _elu(z):
    import numpy as np

    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _gelu(z):
    from scipy.special import erf

    return 0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))


def _torch():
    import torch

    return torch


def _functional():
    import torch.nn.functional as F

    return F


@functools.cache
def table() -> dict[str, Activation]:
    """name → `Activation`, in the order of `NAMES` (imports numpy; torch only when a row's `torch` is read)."""
    import numpy as np

    rows = {
        "tanh": (np.tanh, lambda: _torch().tanh),
        "relu": (_relu, lambda: _torch().relu),
        "elu": (_elu, lambda: _functional().elu),
        "cos": (np.cos, lambda: _torch().cos),
        "sin": (np.sin, lambda: _torch().sin),
        "gelu": (_gelu, lambda: _functional().gelu),
    }
    return {name: Activation(name, *fns) for name, fns in rows.items()}


def _get(name: str) -> Activation:
    from numerics.validation import one_of

    return table()[one_of(name, "activation", NAMES)]


def torch_activation(name: str) -> Callable[[Any], Any]:
    """The torch function σ named ``name`` (one of `NAMES`)."""
    return _get(name).torch


def numpy_activation(name: str) -> Callable[[Any], Any]:
    """The numpy function σ named ``name`` (one of `NAMES`), equal to its torch twin in float64."""
    return _get(name).numpy
