"""Data, losses and training of batched ReLU MLPs (`numerics.nets.StackedReLUMLP`) for the rank-collapse experiment.

Objective (derived here: proofs_notes/collapse.md §1):
    Φ_λ(θ) = (1/N) Σ_i ℓ(f(x_i), y_i) + (λ/2) Σ_ℓ ‖W_ℓ‖_F²   (biases, if any, are not regularised).

Several networks that differ only in λ (and their initialisation) are trained at once as one batched
model: parameters carry a leading batch axis. Adam is elementwise, so batching leaves every network's
Adam trajectory what it would be alone (up to rounding). L-BFGS is not elementwise, so it runs network by network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from numerics.nets import StackedReLUMLP
from numerics.threads import limit_threads
from numerics.train import Evaluation, fit, lbfgs_polish
from numerics.validation import nonnegative_float, nonnegative_int, one_of, positive_float, positive_int

LOSSES = ("mse", "ce")
DTYPE = torch.float64


one_thread = limit_threads(1)  # a decorator: the matrices here are tiny, one thread is fastest
@dataclass(frozen=True)
class Mixture:
    """K-class Gaussian mixture: x = μ_c + s·ξ, μ_c ~ N(0, sep² I), ξ ~ N(0, I). Rows of X are samples."""

    X: np.ndarray  # (N, d) float64
    y: np.ndarray  # (N,) int64, classes 0..K-1, sorted
    means: np.ndarray  # (K, d)
    spread: float
    K: int


def gaussian_mixture(
    n_classes: int = 4, dim: int = 20, per_class: int = 50, spread: float = 0.5, *, sep: float = 3.0, seed: int = 0
) -> Mixture:
    """x_i = μ_{y_i} + spread·ξ_i with μ_c ~ N(0, sep²I_d), ξ_i ~ N(0, I_d); explicit generator.

    The class means and the standard-normal noise ξ depend on ``seed`` only, so two mixtures with the
    same seed and different ``spread`` share means and noise directions: only the within-class spread differs.
    """
    K = positive_int(n_classes, "n_classes")
    if K < 2:
        raise ValueError(f"n_classes must be >= 2, got {K}")
    d = positive_int(dim, "dim")
    m = positive_int(per_class, "per_class")
    s = nonnegative_float(spread, "spread")
    sep = positive_float(sep, "sep")
    rng = np.random.default_rng(nonnegative_int(seed, "seed"))
    means = sep * rng.standard_normal((K, d))
    xi = rng.standard_normal((K * m, d))
    y = np.repeat(np.arange(K), m)
    return Mixture(X=means[y] + s * xi, y=y, means=means, spread=s, K=K)


def init_mlp(widths, bias_flags, *, generator: torch.Generator) -> StackedReLUMLP:
    """One draw of PyTorch's default nn.Linear init, W, b ~ U(−1/√d_in, 1/√d_in) (float64, from ``generator``),
    copied to every network: networks of a batch start from the same point and differ only in λ, loss,
    data and whether biases are switched on (``bias_flags``, one bool per network; biases start at 0 where off).
    """
    widths = [positive_int(w, "widths[i]") for w in widths]
    if len(widths) < 2:
        raise ValueError(f"widths must list at least input and output sizes, got {widths}")
    flags = [bool(f) for f in bias_flags]
    if not flags:
        raise ValueError(f"bias_flags must name at least one network, got {bias_flags!r}")
    B = len(flags)
    ws, bs = [], []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / np.sqrt(d_in)
        W = (torch.rand((1, d_out, d_in), generator=generator, dtype=DTYPE) * 2 - 1) * bound
        v = (torch.rand((1, d_out), generator=generator, dtype=DTYPE) * 2 - 1) * bound
        ws.append(W.repeat(B, 1, 1).requires_grad_(True))
        bs.append(v.repeat(B, 1))
    mask = torch.tensor(flags, dtype=DTYPE)
    if not any(flags):
        return StackedReLUMLP(ws, None)
    bs = [(v * mask[:, None]).requires_grad_(True) for v in bs]
    return StackedReLUMLP(ws, bs, None if all(flags) else mask)


def data_loss(out: torch.Tensor, y: torch.Tensor, loss) -> torch.Tensor:
    """Per network (B,): MSE (1/N)Σ ½‖f_i − e_{y_i}‖², or CE (1/N)Σ −log softmax(f_i)_{y_i}.

    ``loss`` is "mse", "ce", or a sequence with one of them per network.
    """
    B, N, K = out.shape
    kinds = [loss] * B if isinstance(loss, str) else list(loss)
    if len(kinds) != B:
        raise ValueError(f"loss must name one loss per network ({B}), got {len(kinds)}")
    for k in kinds:
        one_of(k, "loss", LOSSES)
    parts = {}
    if "mse" in kinds:
        target = torch.nn.functional.one_hot(y, K).to(out.dtype)
        parts["mse"] = 0.5 * (out - target).square().sum(-1).mean(-1)
    if "ce" in kinds:
        logp = torch.log_softmax(out, dim=-1)
        parts["ce"] = -logp.gather(-1, y.expand(B, N).unsqueeze(-1)).squeeze(-1).mean(-1)
    if len(parts) == 1:
        return next(iter(parts.values()))
    is_ce = torch.tensor([k == "ce" for k in kinds])
    return torch.where(is_ce, parts["ce"], parts["mse"])


def objective(model: StackedReLUMLP, X: torch.Tensor, y: torch.Tensor, lams: torch.Tensor, loss):
    """(Φ per network (B,), data loss per network (B,)); Φ = 𝓛 + (λ/2)Σ_ℓ‖W_ℓ‖_F²."""
    L = data_loss(model.forward(X), y, loss)
    reg = sum(W.square().sum(dim=(1, 2)) for W in model.weights)
    return L + 0.5 * lams * reg, L


@one_thread
def train_adam(
    model: StackedReLUMLP, X: np.ndarray, y: np.ndarray, lams, loss, *, steps: int, lr: float = 1e-3,
    lr_final: float | None = None, progress_cb=None
) -> StackedReLUMLP:
    """Full-batch Adam on Σ_b Φ_{λ_b}(θ_b), in place; Adam is elementwise, so networks do not interact.

    The step size decays geometrically from ``lr`` to ``lr_final`` (default: constant ``lr``).

    Trains through `numerics.train.fit`: a network whose Φ stops being finite stops there, the others go
    on bit-unchanged. X: (N, d_0) shared or (B, N, d_0) per network; ``loss`` one name or one per network
    (see `data_loss`). ``progress_cb(100)`` is called at every 100th step.
    """
    steps = nonnegative_int(steps, "steps")
    lr = positive_float(lr, "lr")
    lr_final = lr if lr_final is None else positive_float(lr_final, "lr_final")
    decay = (lr_final / lr) ** (1.0 / max(steps - 1, 1))
    Xt = torch.as_tensor(X, dtype=DTYPE)
    yt = torch.as_tensor(y, dtype=torch.long)
    lam_t = _lams(lams, model.batch)
    if steps == 0:
        return model

    def evaluate(step: int, scale: torch.Tensor | None) -> Evaluation:
        phi, _ = objective(model, Xt, yt, lam_t, loss)
        return Evaluation(phi)

    def tick(step: int, ev: Evaluation, alive: torch.Tensor) -> None:
        progress_cb(100)

    fit(model.parameters(), evaluate, steps=steps, lr=lr, lr_at=lambda step: lr * decay**step, members=model.batch,
        record_at=range(99, steps, 100) if progress_cb is not None else (), on_record=tick)
    return model


@one_thread
def refine_lbfgs(net: StackedReLUMLP, X: np.ndarray, y: np.ndarray, lam: float, loss: str, *, iters: int, history: int = 50) -> StackedReLUMLP:
    """Full-batch L-BFGS (`numerics.train.lbfgs_polish`, strong Wolfe) on Φ_λ of one network (batch of one); returns a new network."""
    if net.batch != 1:
        raise ValueError(f"refine_lbfgs takes one network (batch of one), got batch {net.batch}")
    one_of(loss, "loss", LOSSES)
    iters = positive_int(iters, "iters")
    net = net.member(0)
    Xt = torch.as_tensor(X, dtype=DTYPE)
    yt = torch.as_tensor(y, dtype=torch.long)
    lam_t = _lams([lam], 1)
    lbfgs_polish(net.parameters(), lambda: objective(net, Xt, yt, lam_t, loss)[0].sum(), max_iter=iters,
                 max_eval=int(iters * 1.25) + 1, history_size=positive_int(history, "history"), tolerance_grad=1e-14,
                 tolerance_change=1e-16)
    return net


def _lams(lams, batch: int) -> torch.Tensor:
    arr = np.asarray(lams, dtype=np.float64)
    if arr.shape != (batch,):
        raise ValueError(f"lams must hold one weight decay per network ({batch}), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"lams must be finite and >= 0, got {arr.tolist()}")
    return torch.as_tensor(arr, dtype=DTYPE)
