"""Deep MLPs for the bottleneck experiments: construction, full-batch Adam with weight decay, deep linear nets.

The objective is the research note's C_λ(θ) = (1/N) Σ_i ‖f_θ(x_i) − y_i‖² + λ‖θ‖², with ‖θ‖² summing
every weight and bias (the weight decay is in the loss, not in the optimiser).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch
from torch import nn

from numerics.train import Evaluation, fit
from numerics.validation import nonnegative_float, positive_float, positive_int

__all__ = ["make_mlp", "weight_matrices", "theta_norm2", "BottleneckFit", "train_full_batch", "weight_decay_schedule",
           "objective_terms", "make_deep_linear"]


def make_mlp(
    d_in: int,
    width: int,
    depth: int,
    d_out: int,
    *,
    bias: bool = True,
    scale: float = 1.0,
    activation: str = "relu",
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """Linear(d_in, w), σ, …, Linear(w, d_out): ``depth`` weight matrices, He-normal × ``scale``, zero biases.

    Args:
        depth: number of weight matrices L >= 1 (L − 1 hidden layers).
        activation: ``"relu"``, ``"leaky_relu"`` (slope 0.1), ``"tanh"`` or ``"identity"``.
        generator: explicit torch.Generator for the initial weights (None: a fresh one seeded 0).
    """
    d_in, width, depth, d_out = (positive_int(v, n) for v, n in ((d_in, "d_in"), (width, "width"), (depth, "depth"), (d_out, "d_out")))
    scale = positive_float(scale, "scale")
    acts = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1), "tanh": nn.Tanh, "identity": nn.Identity}
    if activation not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    sizes = [d_in] + [width] * (depth - 1) + [d_out]
    mods: list[nn.Module] = []
    for ell in range(depth):
        lin = nn.Linear(sizes[ell], sizes[ell + 1], bias=bias, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=gen, dtype=dtype) * scale * math.sqrt(2.0 / sizes[ell]))
            if bias:
                lin.bias.zero_()
        mods.append(lin)
        if ell < depth - 1:
            mods.append(acts[activation]())
    return nn.Sequential(*mods)


def weight_matrices(model: nn.Module) -> list[torch.Tensor]:
    """[W_1, …, W_L]: the weights of the model's nn.Linear layers, in order."""
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]


def theta_norm2(model: nn.Module) -> float:
    """‖θ‖² = Σ_ℓ ‖W_ℓ‖_F² + Σ_ℓ ‖b_ℓ‖², in float64."""
    return float(sum(float((p.detach().double() ** 2).sum()) for p in model.parameters()))


@dataclass
class BottleneckFit:
    """Final objective terms of a `train_full_batch` run; ``diverged`` when the loss stopped being finite."""

    steps: int
    mse: float
    theta_norm2: float
    objective: float
    diverged: bool
    history: list[dict] = field(default_factory=list)
    grad_norm: float = float("nan")  # ‖∇C_λ(θ)‖ of the final objective at the final θ, float64
    seconds: float = float("nan")  # wall time of the training loop


def train_full_batch(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    weight_decay: float,
    steps: int,
    lr: float = 1e-3,
    lr_drop_at: float = 0.75,
    lr_drop: float = 0.1,
    weight_decay_start: float | None = None,
    anneal: tuple[float, float] = (0.3, 0.6),
    record_every: int = 0,
    quiet: bool = True,
    desc: str = "train",
) -> BottleneckFit:
    """Adam on (1/N)Σ‖f(x_i) − y_i‖² + λ_t‖θ‖², lr × ``lr_drop`` after ``lr_drop_at`` of the steps (research note §4.3).

    λ_t = ``weight_decay`` throughout, or with ``weight_decay_start`` a continuation: λ_t =
    weight_decay_start until step anneal[0]·steps, geometric from there to ``weight_decay`` at
    anneal[1]·steps, then ``weight_decay`` (the objective whose terms and gradient norm are reported).
    Trains ``model`` in place in its own dtype through `numerics.train.fit` (``x``, ``y`` are cast to
    it); a non-finite objective is divergence. With ``record_every`` = k > 0, ``history`` holds λ_t, the
    terms, C_λt(θ_t) and ‖∇C_λt(θ_t)‖ at every k-th step and the last.
    """
    lam = nonnegative_float(weight_decay, "weight_decay")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    if not 0.0 <= lr_drop_at <= 1.0:
        raise ValueError(f"lr_drop_at must be in [0, 1], got {lr_drop_at!r}")
    schedule = weight_decay_schedule(lam, weight_decay_start, anneal, steps)
    dtype = next(model.parameters()).dtype
    x, y = x.to(dtype), y.to(dtype)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
    params = [p for p in model.parameters() if p.requires_grad]
    drop_step = int(round(lr_drop_at * steps))
    dropped_lr = lr * lr_drop
    history: list[dict] = []

    def evaluate(step: int, scale: torch.Tensor | None) -> Evaluation:
        lam_t = schedule(step)
        mse_t = ((model(x) - y) ** 2).sum(dim=1).mean()
        norm_t = sum((p * p).sum() for p in params)
        return Evaluation(mse_t + lam_t * norm_t, values={"weight_decay": lam_t, "mse": mse_t, "theta_norm2": norm_t})

    def on_record(step: int, ev: Evaluation, alive: torch.Tensor) -> None:
        g = math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in params))
        history.append({"step": step, "weight_decay": ev.values["weight_decay"], "mse": float(ev.values["mse"].detach()),
                        "theta_norm2": float(ev.values["theta_norm2"].detach()), "objective": float(ev.losses.detach()),
                        "grad_norm": g})

    record_at = [s for s in range(steps) if s % record_every == 0 or s == steps - 1] if record_every else []
    # Shrinking weights make float32 gradients of deep nets subnormal, and subnormal arithmetic on a CPU
    # is ~100× slower (an L = 25 step went from 0.15 s to 6 s): fit flushes them to zero while training.
    res = fit(params, evaluate, steps=steps, lr=lr, lr_at=lambda step: lr if step < drop_step else dropped_lr,
              record_at=record_at, on_record=on_record, flush_denormal=True, quiet=quiet, desc=desc)
    diverged = res.any_diverged
    mse = norm2 = grad_norm = float("nan")
    if not diverged:
        mse, norm2, grad_norm = objective_terms(model, x, y, lam)
        diverged = not (math.isfinite(mse) and math.isfinite(norm2))
    return BottleneckFit(steps=steps, mse=mse, theta_norm2=norm2, objective=mse + lam * norm2, diverged=diverged,
                         history=history, grad_norm=grad_norm, seconds=res.seconds_total)


def weight_decay_schedule(lam: float, start: float | None, anneal: tuple[float, float], steps: int):
    """The weight-decay continuation of `train_full_batch`: a function step ↦ λ_t.

    With ``start`` = None, λ_t = ``lam`` at every step. Otherwise, with (a, b) = ``anneal``,
    s0 = a·steps and s1 = b·steps (research note §4.3)::

        λ_t = start                                  t < s0
        λ_t = start · (lam/start)^((t − s0)/(s1 − s0))  s0 ≤ t < s1   (geometric: linear in log λ)
        λ_t = lam                                    t ≥ s1

    ``start`` must be > 0, ``lam`` > 0 when ``start`` is given, and 0 ≤ a ≤ b ≤ 1 (ValueError naming
    the argument otherwise).
    """
    if start is None:
        return lambda step: lam
    start = positive_float(start, "weight_decay_start")
    if lam <= 0:
        raise ValueError(f"weight_decay must be > 0 with weight_decay_start, got {lam!r}")
    a, b = (float(v) for v in anneal)
    if not 0.0 <= a <= b <= 1.0:
        raise ValueError(f"anneal must be (a, b) with 0 <= a <= b <= 1, got {anneal!r}")
    s0, s1 = a * steps, b * steps

    def schedule(step: int) -> float:
        if step < s0:
            return start
        if step >= s1:
            return lam
        return start * (lam / start) ** ((step - s0) / (s1 - s0))

    return schedule


def objective_terms(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weight_decay: float) -> tuple[float, float, float]:
    """(mse, ‖θ‖², ‖∇_θ C_λ(θ)‖) of C_λ(θ) = (1/N)Σ‖f(x_i) − y_i‖² + λ‖θ‖², on a float64 copy of ``model``."""
    net = copy.deepcopy(model).double()
    X, Y = x.double(), y.double()
    params = [p for p in net.parameters()]
    for p in params:
        p.grad = None
        p.requires_grad_(True)
    mse_t = ((net(X) - Y) ** 2).sum(dim=1).mean()
    norm_t = sum((p * p).sum() for p in params)
    (mse_t + weight_decay * norm_t).backward()
    g = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
    return float(mse_t.detach()), float(norm_t.detach()), g


def make_deep_linear(d_in: int, width: int, depth: int, d_out: int, *, scale: float = 1.0,
                     generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """A deep linear network W_L⋯W_1 (no biases, identity activations), initialised like `make_mlp`."""
    return make_mlp(d_in, width, depth, d_out, bias=False, scale=scale, activation="identity",
                    generator=generator, dtype=dtype)
