"""Networks of arXiv 2412.05144 (MLP eq. 1.1, ResNet eq. 4.6), their initialisations, and batched ensembles.

MLP (eq. 1.1):    y⁰ = x,  y^{k+1} = σ(W_k y^k + b_k),  k = 0..L−1,   y = β·y^L.
ResNet (eq. 4.6): y¹ = σ(W_0 x + b_0),  y^{k+1} = y^k + σ(W_k y^k + b_k),  k = 1..L−1,  y = β·y^L
(the first layer maps ℝ^d → ℝ^n, so it cannot carry the identity; the paper leaves this implicit).

``L`` counts hidden layers and ``n`` is their common width, as in the paper. The output layer ``β``
has no bias (the paper's y = β·y^L); it is the module ``model.beta`` (weight ``(out_dim, n)``).
Hidden layer k (1-based) is the module ``model.layers[k-1]``, module path ``"layers.{k-1}"``; its
output is the post-activation feature y^k, so forward hooks (`RankTracker`) see the neurons φ_j.

Every random initialisation takes an explicit ``torch.Generator``; nothing touches the global RNG.
`BatchedMLP` holds B networks of one shape as stacked tensors so a seed sweep trains as one model
(batched matmuls, ``torch.baddbmm``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from numerics.activations import table as activation_table
from numerics.validation import as_box, one_of, positive_float, positive_int

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "BatchedMLP",
    "StackedReLUMLP",
    "batched_hidden_features",
    "batched_loss_grad",
    "eq43_first_layer",
    "structured_first_layer",
    "make_generator",
]

# σ by name: the torch column of the one activation table, `numerics.activations`.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {name: a.torch for name, a in activation_table().items()}
INITS = ("torch", "paper", "xavier", "structured")


def make_generator(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed`` (the only way randomness enters this module)."""
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {int(seed)}")
    return torch.Generator().manual_seed(int(seed))


def _check_generator(generator: Any) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    return generator


# --------------------------------------------------------------------------------------------
# Structured (deterministic / uniform-density) first layers
# --------------------------------------------------------------------------------------------


def eq43_first_layer(n: int, interval: Sequence[float] = (-1.0, 1.0)) -> tuple[torch.Tensor, torch.Tensor]:
    """(y₁)_j = σ(n/|Ω| · (x − x_j)), x_j = a + j|Ω|/n, j = 1..n (arXiv 2412.05144, eq. 4.3).

    On Ω = [−1, 1] this is the paper's (w₀)_j = n/2, (b₀)_j = n/2 − j exactly; the form on a general
    interval [a, b] (same slope per unit length, same grid of centres) is our extension.

    Returns:
        ``(weight (n, 1), bias (n,))`` in float64.
    """
    n = positive_int(n, "n")
    ((a, b),) = _one_interval(interval)
    length = b - a
    j = torch.arange(1, n + 1, dtype=torch.float64)
    centres = a + j * length / n
    slope = n / length
    weight = torch.full((n, 1), slope, dtype=torch.float64)
    return weight, -slope * centres


def _one_interval(interval: Any) -> list[tuple[float, float]]:
    sides = as_box(interval, "interval", allow_interval=True)
    if len(sides) != 1:
        raise ValueError(f"interval must be one (a, b) pair, got {interval!r}")
    return sides


def structured_first_layer(
    n: int, box: Any, *, generator: torch.Generator, scale: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """w_j·x + b_j = γ(a_j·x − a_j·c_j): a_j uniform on S^{d−1}, c_j uniform in Ω, γ = C(n^{1/d}−1)/|Ω|^{1/d}.

    The d-dimensional structured first layer (uniform-density initialisation, arXiv 2412.05144
    eq. 4.5, after TransNet; SFLI, arXiv 2507.11962). The paper gives neither γ nor the shift
    law; we take γ from the SFLI reading (research note §6) and put each neuron's hyperplane
    through a uniformly drawn point c_j of the box Ω, so the hyperplanes cover Ω with uniform
    density (our choice). For d = 1 and Ω = [−1, 1], γ = (n − 1)/2 ≈ n/2 as in eq. 4.3.

    Args:
        n: number of neurons.
        box: ``[(a_1, b_1), …, (a_d, b_d)]`` (or one ``(a, b)`` pair for d = 1).
        generator: ``torch.Generator`` for the directions and the centres.
        scale: the constant C (default 1).

    Returns:
        ``(weight (n, d), bias (n,))`` in float64.
    """
    n = positive_int(n, "n")
    sides = as_box(box, allow_interval=True)
    generator = _check_generator(generator)
    scale = positive_float(scale, "scale")
    d = len(sides)
    lo = torch.tensor([a for a, _ in sides], dtype=torch.float64)
    hi = torch.tensor([b for _, b in sides], dtype=torch.float64)
    volume = float(torch.prod(hi - lo))
    gamma = scale * (n ** (1.0 / d) - 1.0) / volume ** (1.0 / d)
    if gamma == 0.0:  # n = 1: one neuron, nothing to spread; keep a unit slope
        gamma = scale / volume ** (1.0 / d)
    directions = torch.randn((n, d), generator=generator, dtype=torch.float64)
    directions = directions / directions.norm(dim=1, keepdim=True)
    centres = lo + torch.rand((n, d), generator=generator, dtype=torch.float64) * (hi - lo)
    weight = gamma * directions
    bias = -gamma * (directions * centres).sum(dim=1)
    return weight, bias


# --------------------------------------------------------------------------------------------
# Initialisation of one Linear map
# --------------------------------------------------------------------------------------------


def _init_linear(weight: torch.Tensor, bias: torch.Tensor | None, init: str, width: int, g: torch.Generator) -> None:
    """Fill ``weight (out, in)`` and ``bias (out,)`` in place.

    torch:  U(−1/√fan_in, 1/√fan_in) for weight and bias (nn.Linear's default, here with ``g``).
    paper:  U(−1/√n, 1/√n) for weight and bias, n the hidden width (arXiv 2412.05144 §2.2).
    xavier: N(0, 2/(fan_in + fan_out)) weights, zero bias (Glorot & Bengio 2010).
    """
    fan_out, fan_in = weight.shape
    with torch.no_grad():
        if init == "torch":
            bound = 1.0 / math.sqrt(fan_in)
            weight.uniform_(-bound, bound, generator=g)
            if bias is not None:
                bias.uniform_(-bound, bound, generator=g)
        elif init == "paper":
            bound = 1.0 / math.sqrt(width)
            weight.uniform_(-bound, bound, generator=g)
            if bias is not None:
                bias.uniform_(-bound, bound, generator=g)
        elif init == "xavier":
            weight.normal_(0.0, math.sqrt(2.0 / (fan_in + fan_out)), generator=g)
            if bias is not None:
                bias.zero_()
        else:  # pragma: no cover - validated by callers
            raise ValueError(f"init must be one of {list(INITS)}, got {init!r}")


# --------------------------------------------------------------------------------------------
# Single network
# --------------------------------------------------------------------------------------------


class HiddenLayer(nn.Module):
    """y ↦ σ(W y + b), or y ↦ y + σ(W y + b) when ``residual``; its output is the feature y^{k+1}."""

    def __init__(self, in_features: int, out_features: int, activation: str, residual: bool, dtype: torch.dtype):
        super().__init__()
        self.linear = nn.utils.skip_init(nn.Linear, in_features, out_features, dtype=dtype)
        self.activation = activation
        self.residual = bool(residual)
        self._sigma = ACTIVATIONS[activation]

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        z = self._sigma(self.linear(y))
        return y + z if self.residual else z

    def extra_repr(self) -> str:
        return f"activation={self.activation}, residual={self.residual}"


class MLP(nn.Module):
    """Fully connected network of L hidden layers of width n (eq. 1.1), or a ResNet (eq. 4.6).

    Args:
        in_dim: d, the input dimension.
        width: n, the width of every hidden layer.
        depth: L, the number of hidden layers.
        activation: one of ``tanh, relu, elu, cos, sin, gelu``.
        residual: ResNet form y^{k+1} = y^k + σ(W_k y^k + b_k) for k ≥ 1.
        init: ``"torch"`` (nn.Linear default), ``"paper"`` (U(−1/√n, 1/√n)), ``"xavier"`` (normal)
            or ``"structured"`` (first layer: eq. 4.3 for d = 1, `structured_first_layer` for
            d > 1; other layers ``"paper"``).
        generator: ``torch.Generator`` for every random draw (required unless ``seed`` is given).
        seed: shorthand for ``generator=make_generator(seed)``.
        out_dim: outputs (1 for function fitting).
        box: the domain Ω for ``init="structured"`` (default [−1, 1]^d).
        dtype: parameter dtype (float64 by default).
    """

    def __init__(
        self,
        in_dim: int = 1,
        width: int = 50,
        depth: int = 2,
        activation: str = "tanh",
        *,
        residual: bool = False,
        init: str = "torch",
        generator: torch.Generator | None = None,
        seed: int | None = None,
        out_dim: int = 1,
        box: Any = None,
        dtype: torch.dtype = torch.float64,
    ):
        super().__init__()
        self.in_dim = positive_int(in_dim, "in_dim")
        self.width = positive_int(width, "width")
        self.depth = positive_int(depth, "depth")
        self.out_dim = positive_int(out_dim, "out_dim")
        self.activation = one_of(activation, "activation", tuple(ACTIVATIONS))
        self.init = one_of(init, "init", INITS)
        self.residual = bool(residual)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
        if generator is not None and seed is not None:
            raise ValueError(f"give generator or seed, not both (seed={seed!r})")
        if generator is None:
            if seed is None:
                raise ValueError("MLP needs a generator or a seed: randomness is explicit (generator=None, seed=None)")
            generator = make_generator(seed)
        generator = _check_generator(generator)
        self.box = as_box(box, allow_interval=True) if box is not None else [(-1.0, 1.0)] * self.in_dim
        if len(self.box) != self.in_dim:
            raise ValueError(f"box must have in_dim={self.in_dim} sides, got {len(self.box)}")
        dims = [self.in_dim] + [self.width] * self.depth
        self.layers = nn.ModuleList(
            HiddenLayer(dims[k], dims[k + 1], self.activation, self.residual and k > 0, dtype) for k in range(self.depth)
        )
        self.beta = nn.utils.skip_init(nn.Linear, self.width, self.out_dim, bias=False, dtype=dtype)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw every parameter from ``generator`` following ``self.init`` (see the class docstring)."""
        g = _check_generator(generator)
        base = "paper" if self.init == "structured" else self.init
        for k, layer in enumerate(self.layers):
            lin = layer.linear
            if k == 0 and self.init == "structured":
                if self.in_dim == 1:
                    w, b = eq43_first_layer(self.width, self.box[0])
                else:
                    w, b = structured_first_layer(self.width, self.box, generator=g)
                with torch.no_grad():
                    lin.weight.copy_(w)
                    lin.bias.copy_(b)
            else:
                _init_linear(lin.weight, lin.bias, base, self.width, g)
        _init_linear(self.beta.weight, None, base, self.width, g)

    @property
    def layer_names(self) -> list[str]:
        """Module paths of the hidden layers, ``["layers.0", …, "layers.{L-1}"]`` (for `RankTracker`)."""
        return [f"layers.{k}" for k in range(self.depth)]

    def hidden_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[y¹, …, y^L], each ``(m, n)``: the neuron values of every hidden layer at the m points ``x (m, d)``."""
        feats = []
        y = x
        for layer in self.layers:
            y = layer(y)
            feats.append(y)
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y = β·y^L, shape ``(m, out_dim)`` for ``x (m, d)``."""
        y = x
        for layer in self.layers:
            y = layer(y)
        return self.beta(y)

    def config(self) -> dict[str, Any]:
        return {
            "in_dim": self.in_dim,
            "width": self.width,
            "depth": self.depth,
            "activation": self.activation,
            "residual": self.residual,
            "init": self.init,
            "out_dim": self.out_dim,
        }


# --------------------------------------------------------------------------------------------
# B networks of one shape, as stacked tensors
# --------------------------------------------------------------------------------------------


def batched_hidden_features(weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], x: torch.Tensor,
                            activation: str, residual: bool) -> list[torch.Tensor]:
    """[y¹, …, y^L], each ``(B, m, n)``: y^{k+1} = σ(y^k W_kᵀ + b_k) (+ y^k for a ResNet layer k ≥ 1), batched.

    Args:
        weights: ``[(B, n, d), (B, n, n), …]``; biases: ``[(B, n), …]``; x: ``(m, d)`` shared points.
    """
    sigma = ACTIVATIONS[activation]
    feats = []
    y = x.unsqueeze(0).expand(weights[0].shape[0], *x.shape)
    for k, (w, b) in enumerate(zip(weights, biases)):
        z = sigma(torch.baddbmm(b.unsqueeze(1), y, w.transpose(1, 2)))
        y = y + z if (residual and k > 0) else z
        feats.append(y)
    return feats


def batched_loss_grad(weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], beta: torch.Tensor,
                      x: torch.Tensor, target: torch.Tensor, w: torch.Tensor, activation: str, residual: bool,
                      scale: torch.Tensor | None = None) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """L_b = Σ_k w_k (β_b·y^L_b(x_k) − u*(x_k))² for every member b, and ∂(Σ_b s_b L_b)/∂θ by hand.

    One forward (``torch.baddbmm``/``bmm`` over the member axis) and its backward, written out:
    δ_L = 2 s_b w (u − u*), ∂β = δᵀ y^L, then per layer ∂z = σ'(z) ⊙ ∂y, ∂W = ∂zᵀ y^{k−1},
    ∂b = Σ_k ∂z, ∂y^{k−1} = ∂z W (+ ∂y for a ResNet layer). The operations and their order are
    autograd's, so the gradients equal ``loss.backward()``'s exactly; no autograd graph is built.

    Args:
        weights: ``[(B, n, d), (B, n, n), …]``; biases: ``[(B, n), …]``; beta: ``(B, 1, n)``.
        x: ``(m, d)`` shared points; target, w: ``(m,)``.
        scale: ``(B,)`` per-member factor s_b of the gradient (0 masks a member); ``None``: all 1.

    Returns:
        ``(losses (B,), weight grads, bias grads, beta grad (B, 1, n))``.
    """
    sigma = ACTIVATIONS[activation]
    d_sigma = activation_table()[activation].torch_backward
    ys = [x.unsqueeze(0).expand(weights[0].shape[0], *x.shape)]
    zs, ss = [], []
    for k, (wk, bk) in enumerate(zip(weights, biases)):
        z = torch.baddbmm(bk.unsqueeze(1), ys[-1], wk.transpose(1, 2))
        s = sigma(z)
        zs.append(z)
        ss.append(s)
        ys.append(ys[-1] + s if (residual and k > 0) else s)
    u = torch.bmm(ys[-1], beta.transpose(1, 2))[..., 0]
    r = u - target
    losses = (r.pow(2) * w).sum(dim=1)
    g_loss = w.expand_as(r) if scale is None else scale.unsqueeze(1).expand_as(r) * w
    g_u = (g_loss * (2 * r)).unsqueeze(-1)
    g_beta = torch.bmm(ys[-1].transpose(1, 2), g_u).transpose(1, 2)
    g_y = torch.bmm(g_u, beta)
    g_w: list[torch.Tensor] = [None] * len(weights)  # type: ignore[list-item]
    g_b: list[torch.Tensor] = [None] * len(weights)  # type: ignore[list-item]
    for k in range(len(weights) - 1, -1, -1):
        g_z = d_sigma(g_y, zs[k], ss[k])
        g_w[k] = torch.bmm(ys[k].transpose(1, 2), g_z).transpose(1, 2)
        g_b[k] = g_z.sum(dim=1)
        if k > 0:
            g_prev = torch.bmm(g_z, weights[k])
            g_y = g_prev + g_y if residual else g_prev
    return losses, g_w, g_b, g_beta


class BatchedMLP(nn.Module):
    """B networks of one shape (same d, n, L, σ, residual) evaluated together with batched matmuls.

    Member b computes exactly what ``MLP`` b computes; parameters are stacked on a leading axis:
    ``weights[k] (B, n_out, n_in)``, ``biases[k] (B, n_out)``, ``beta (B, out_dim, n)``. Training the
    sum of the members' losses trains each member on its own loss (the members share nothing).

    Build it with `from_modules` (stacks existing `MLP`s) or `from_seeds`.
    """

    def __init__(self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], beta: torch.Tensor,
                 *, activation: str, residual: bool, template: dict[str, Any] | None = None):
        super().__init__()
        if len(weights) != len(biases) or not weights:
            raise ValueError(f"weights and biases must be non-empty and equally long, got {len(weights)}, {len(biases)}")
        self.activation = one_of(activation, "activation", tuple(ACTIVATIONS))
        self.residual = bool(residual)
        self.weights = nn.ParameterList(nn.Parameter(w.detach().clone()) for w in weights)
        self.biases = nn.ParameterList(nn.Parameter(b.detach().clone()) for b in biases)
        self.beta = nn.Parameter(beta.detach().clone())
        self.template = dict(template or {})

    @classmethod
    def from_modules(cls, models: Sequence[MLP]) -> "BatchedMLP":
        """Stack ``models`` (all `MLP`s of one shape) into one batched model."""
        models = list(models)
        if not models or not all(isinstance(m, MLP) for m in models):
            raise TypeError(f"models must be a non-empty sequence of MLP, got {models!r}")
        ref = models[0].config()
        shape_keys = ("in_dim", "width", "depth", "activation", "residual", "out_dim")
        for i, m in enumerate(models[1:], start=1):
            cfg = m.config()
            diff = {k: (ref[k], cfg[k]) for k in shape_keys if ref[k] != cfg[k]}
            if diff:
                raise ValueError(f"models[{i}] differs in shape from models[0]: {diff}")
        weights = [torch.stack([m.layers[k].linear.weight for m in models]) for k in range(ref["depth"])]
        biases = [torch.stack([m.layers[k].linear.bias for m in models]) for k in range(ref["depth"])]
        beta = torch.stack([m.beta.weight for m in models])
        return cls(weights, biases, beta, activation=ref["activation"], residual=ref["residual"], template=ref)

    @classmethod
    def from_seeds(cls, seeds: Iterable[int], **mlp_kwargs: Any) -> "BatchedMLP":
        """One member per seed, member b initialised exactly as ``MLP(**mlp_kwargs, seed=seeds[b])``."""
        return cls.from_modules([MLP(**mlp_kwargs, seed=s) for s in seeds])

    @property
    def batch_size(self) -> int:
        return self.beta.shape[0]

    @property
    def depth(self) -> int:
        return len(self.weights)

    @property
    def width(self) -> int:
        return self.beta.shape[2]

    def hidden_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[y¹, …, y^L], each ``(B, m, n)``, for shared points ``x (m, d)``."""
        return batched_hidden_features(list(self.weights), list(self.biases), x, self.activation, self.residual)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, m, out_dim)``: member b's output β_b·y^L_b at the points ``x (m, d)``."""
        return torch.bmm(self.hidden_features(x)[-1], self.beta.transpose(1, 2))

    def member(self, b: int) -> MLP:
        """Member ``b`` as a stand-alone `MLP` (a copy of the current parameters)."""
        if not 0 <= b < self.batch_size:
            raise ValueError(f"b must be in [0, {self.batch_size}), got {b}")
        cfg = dict(self.template)
        if not cfg:
            raise ValueError("member() needs a BatchedMLP built by from_modules/from_seeds")
        dtype = self.beta.dtype
        model = MLP(**{k: cfg[k] for k in ("in_dim", "width", "depth", "activation", "residual", "out_dim")},
                    init="paper", seed=0, dtype=dtype)
        model.init = cfg.get("init", model.init)
        self.copy_into(b, model)
        return model

    def copy_into(self, b: int, model: MLP) -> None:
        """Write member ``b``'s parameters into ``model`` (same shape)."""
        with torch.no_grad():
            for k, layer in enumerate(model.layers):
                layer.linear.weight.copy_(self.weights[k][b])
                layer.linear.bias.copy_(self.biases[k][b])
            model.beta.weight.copy_(self.beta[b])


@dataclass
class StackedReLUMLP:
    """B independent ReLU MLPs d_0 → d_1 → … → d_L: h⁽⁰⁾ = x, z⁽ℓ⁾ = W_ℓ h⁽ℓ⁻¹⁾ (+ b_ℓ), h⁽ℓ⁾ = relu(z⁽ℓ⁾), f = z⁽ᴸ⁾.

    The rank-collapse experiment's networks (`numerics.collapse`): per-layer widths, a linear last
    layer and optional biases, unlike `BatchedMLP` (L hidden layers of one width, β readout).
    ``weights[ℓ]`` has shape (B, d_{ℓ+1}, d_ℓ); ``biases`` is None (no biases) or a list of (B, d_{ℓ+1}).
    ``bias_mask`` (B,) of 0/1 switches biases off network by network (a masked bias gets zero gradient
    and stays at its initial value 0), so networks with and without biases train in one batch.
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor] | None
    bias_mask: torch.Tensor | None = None

    @property
    def batch(self) -> int:
        return int(self.weights[0].shape[0])

    @property
    def depth(self) -> int:
        return len(self.weights)

    def parameters(self) -> list[torch.Tensor]:
        return list(self.weights) + (list(self.biases) if self.biases is not None else [])

    def forward(self, X: torch.Tensor, *, keep: bool = False):
        """X: (N, d_0) shared, or (B, N, d_0) one input set per network. Outputs (B, N, K); with ``keep`` also the layer inputs h⁽ℓ⁻¹⁾ and pre-activations z⁽ℓ⁾, ℓ = 1..L."""
        h = X.expand(self.batch, *X.shape) if X.ndim == 2 else X
        inputs, pre = [], []
        for i, W in enumerate(self.weights):
            inputs.append(h)
            z = torch.matmul(h, W.transpose(1, 2))
            if self.biases is not None:
                b = self.biases[i] if self.bias_mask is None else self.biases[i] * self.bias_mask[:, None]
                z = z + b[:, None, :]
            if keep:
                z.retain_grad()
            pre.append(z)
            h = torch.relu(z) if i < self.depth - 1 else z
        return (h, inputs, pre) if keep else h

    def member(self, b: int) -> "StackedReLUMLP":
        """Network ``b`` alone, as a batch of one, with fresh leaf tensors (copied); masked biases are dropped."""
        ws = [W[b : b + 1].detach().clone().requires_grad_(True) for W in self.weights]
        has_bias = self.biases is not None and (self.bias_mask is None or bool(self.bias_mask[b] != 0))
        bs = [v[b : b + 1].detach().clone().requires_grad_(True) for v in self.biases] if has_bias else None
        return StackedReLUMLP(ws, bs)

    def has_bias(self, b: int) -> bool:
        return self.biases is not None and (self.bias_mask is None or bool(self.bias_mask[b] != 0))
