"""The elementwise activations σ of the package's networks: one table, each name with its torch function, numpy
twin and hand-written torch backward.

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
    """σ under one name: `torch` on tensors, ``numpy`` the same function on float64 arrays, and
    ``torch_backward``, the hand-written σ' of `numerics.nets.batched_loss_grad`."""

    name: str
    numpy: Callable[[Any], Any]
    _torch: Callable[[], Callable[[Any], Any]] = field(repr=False)
    torch_backward: Callable[[Any, Any, Any], Any] = field(repr=False)
    """``(g, z, s) ↦ g ⊙ σ'(z)`` on tensors: dL/dz from g = dL/dσ(z), z and s = σ(z), by the formula autograd
    uses (torch's derivatives.yaml), so a hand-written backward reproduces autograd's gradients bit for bit."""

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
    """name → `Activation`, in the order of `NAMES` (imports numpy; torch only when a row's `torch` or
    `torch_backward` is read)."""
    import numpy as np

    aten = lambda: _torch().ops.aten  # noqa: E731  (torch is imported when a backward first runs)
    rows = {
        "tanh": (np.tanh, lambda: _torch().tanh, lambda g, z, s: aten().tanh_backward(g, s)),
        "relu": (_relu, lambda: _torch().relu, lambda g, z, s: aten().threshold_backward(g, s, 0)),
        "elu": (_elu, lambda: _functional().elu, lambda g, z, s: aten().elu_backward(g, 1.0, 1, 1, False, z)),
        "cos": (np.cos, lambda: _torch().cos, lambda g, z, s: g * -_torch().sin(z)),
        "sin": (np.sin, lambda: _torch().sin, lambda g, z, s: g * _torch().cos(z)),
        "gelu": (_gelu, lambda: _functional().gelu, lambda g, z, s: aten().gelu_backward(g, z)),
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
