"""The one full-batch trainer: optimiser, learning-rate schedule, divergence, threads, progress, recording hook.

Every experiment of the package trains through `fit`; they differ only in their parameters, their
``evaluate`` (the model's loss, and optionally its gradient) and their ``on_record`` hook. One step
t = 0, 1, …, ``steps`` − 1 of `fit` is:

1. ``ev = evaluate(t, scale)``: the loss of each of the B networks trained together (a ``(B,)`` or
   scalar tensor), with an autograd graph, or with the gradients already computed (``Evaluation.grads``).
   ``scale`` is ``None`` while every member is alive, else a ``(B,)`` 0/1 mask to multiply the losses by.
2. Divergence: member b stops at the first t where its loss is not finite (NaN, +∞ or −∞), or
   exceeds ``loss_limit(L(0))[b]`` when a limit is given (`blowup_limit` is the staircase's rule).
3. Backward of Σ_b scale_b L_b (autograd; skipped when the evaluation holds gradients).
4. At t in ``record_at``: ``on_record(t, ev, alive)``, which sees the parameters θ_t, the evaluation at
   θ_t and its gradient; it may return a ``(B,)`` mask of members to stop as well.
5. If a member stopped in 2 or 4 while others live, the step is evaluated again with the new mask,
   so the live members' update is bit for bit the one they would take alone.
6. The optimiser update with the learning rate ``lr_at(t)``.

With ``final_record=True`` the loop ends at t = ``steps`` with ``on_record(steps, None, alive)``, the
final parameters unevaluated (a caller records what it needs); otherwise after step ``steps`` − 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import torch

from numerics.progress import progress
from numerics.threads import limit_threads
from numerics.validation import nonnegative_float, one_of, positive_float, positive_int

__all__ = [
    "BLOWUP_LOSS_FACTOR",
    "BLOWUP_NORM_FACTOR",
    "OPTIMIZERS",
    "Evaluation",
    "FitResult",
    "blowup_limit",
    "fit",
    "lbfgs_polish",
    "learning_rates",
    "member_norms",
    "resolve_device",
]

OPTIMIZERS = ("adam", "sgd")

# The blow-up rule of the staircase trainer: a member whose loss grows 10⁴-fold over max(its start, ‖u*‖²),
# or whose parameter norm grows 10³-fold, has left the regime any bound or rank statement is about.
BLOWUP_LOSS_FACTOR = 1e4
BLOWUP_NORM_FACTOR = 1e3


@dataclass
class Evaluation:
    """What ``evaluate`` returns: the per-member losses, optional ready gradients, and anything the hook reads.

    Args:
        losses: ``(B,)`` tensor (or a scalar for one network) of the objective each member minimises.
        grads: ``None`` (``fit`` runs autograd on Σ scale·losses), or one gradient per parameter, in
            the order of ``fit``'s ``params``.
        values: extra tensors or numbers of this evaluation (data loss, penalty, logits) for ``on_record``.
    """

    losses: torch.Tensor
    grads: Sequence[torch.Tensor] | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class FitResult:
    """What `fit` did: update steps taken, each member's divergence step (``None``: did not diverge), timing."""

    steps: int
    diverged: list[int | None]
    seconds_total: float
    seconds_record: float
    last: Evaluation | None = None

    @property
    def seconds_train(self) -> float:
        return max(self.seconds_total - self.seconds_record, 1e-12)

    @property
    def any_diverged(self) -> bool:
        return any(d is not None for d in self.diverged)


def resolve_device(device: Any) -> torch.device:
    """``device`` as a ``torch.device``; a clear error for a bad name or for CUDA where there is none."""
    try:
        dev = torch.device(device)
    except (TypeError, RuntimeError) as exc:
        raise ValueError(f"device must name a torch device ('cpu', 'cuda', 'cuda:0'), got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}, but CUDA is not available here")
    return dev


def member_norms(params: Iterable[torch.Tensor]) -> torch.Tensor:
    """‖θ_b‖ for every member b of stacked parameters (leading axis = member), ``(B,)`` float64."""
    with torch.no_grad():
        sq = sum(p.detach().to(torch.float64).reshape(p.shape[0], -1).pow(2).sum(dim=1) for p in params)
    return sq.sqrt()


def blowup_limit(floor: float, factor: float = BLOWUP_LOSS_FACTOR) -> Callable[[torch.Tensor], torch.Tensor]:
    """The loss limit L_b > factor · max(L_b(0), floor) of the staircase rule (floor = ‖u*‖², the zero function's loss)."""
    floor = nonnegative_float(floor, "floor")
    factor = positive_float(factor, "factor")
    return lambda losses0: factor * losses0.clamp(min=floor)


def learning_rates(lr: float, steps: int, schedule: str | None, lr_final: float = 0.01) -> list[float] | None:
    """The lr before each step 0..steps under ``schedule`` (``None``: constant), from torch's own scheduler.

    ``"cosine"`` anneals to 0 at ``steps``; ``"exponential"`` decays to ``lr·lr_final`` at ``steps``. Run
    once on a stand-in optimiser, so the values are exactly the ones the scheduler would set.
    """
    if schedule is None:
        return None
    one_of(schedule, "schedule", ("cosine", "exponential"))
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    else:
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_final ** (1.0 / steps))
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


class _FusedAdam:
    """``opt.step()`` of a ``torch.optim.Adam(fused=True)`` without its per-step Python bookkeeping.

    The same kernel (``torch._fused_adam_``) on the same state (m, v zero-initialised, a float32 step
    count shared by all tensors, the group's current lr): the parameters equal ``opt.step()``'s bit
    for bit (tests/numerics/test_train.py).
    """

    def __init__(self, opt: torch.optim.Adam):
        group = opt.param_groups[0]
        if len(opt.param_groups) != 1 or group["amsgrad"] or group["weight_decay"] or group["maximize"]:
            raise ValueError("_FusedAdam supports one param group of plain Adam")
        self.group = group
        self.params = list(group["params"])
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.step = torch.zeros((), dtype=torch.float32, device=self.params[0].device)
        self.steps = [self.step] * len(self.params)

    def __call__(self) -> None:
        g = self.group
        self.step.add_(1)
        torch._fused_adam_(self.params, [p.grad for p in self.params], self.exp_avg, self.exp_avg_sq, [], self.steps,
                           amsgrad=False, lr=g["lr"], beta1=g["betas"][0], beta2=g["betas"][1], weight_decay=0.0,
                           eps=g["eps"], maximize=False, grad_scale=None, found_inf=None)


def _optimizer(params: list[torch.Tensor], name: str, lr: float, momentum: float, fused: bool):
    """(the torch optimiser, the update to call once per step)."""
    if name == "adam":
        if fused:
            opt = torch.optim.Adam(params, lr=lr, fused=True)
            return opt, _FusedAdam(opt)
        opt = torch.optim.Adam(params, lr=lr)
        return opt, opt.step
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum, foreach=True)
    return opt, opt.step


def fit(
    params: Sequence[torch.Tensor],
    evaluate: Callable[[int, torch.Tensor | None], Evaluation],
    *,
    steps: int,
    lr: float,
    optimizer: str = "adam",
    momentum: float = 0.0,
    fused: bool = False,
    lr_at: Callable[[int], float] | Sequence[float] | None = None,
    members: int = 1,
    loss_limit: Callable[[torch.Tensor], torch.Tensor] | None = None,
    record_at: Iterable[int] = (),
    on_record: Callable[[int, Evaluation | None, torch.Tensor], torch.Tensor | None] | None = None,
    final_record: bool = False,
    threads: int | None = None,
    flush_denormal: bool = False,
    quiet: bool = True,
    desc: str = "train",
) -> FitResult:
    """Train ``params`` full-batch for ``steps`` optimiser steps (the loop of the module docstring).

    Args:
        params: the tensors the optimiser updates (``requires_grad`` for autograd evaluations).
        evaluate: ``evaluate(step, scale) -> Evaluation``.
        steps: optimiser steps.
        lr: learning rate; ``lr_at`` (a function of the step, or a list indexed by it) overrides it per step.
        optimizer: ``"adam"`` (``torch.optim.Adam``; ``fused=True``: its fused kernel) or ``"sgd"`` (with ``momentum``).
        members: B, the networks trained together (the length of ``Evaluation.losses``; another length is an error).
        loss_limit: maps the first losses L(0) to each member's loss limit; ``None``: only a
            non-finite loss is divergence.
        record_at: the steps at which ``on_record`` is called.
        on_record: ``on_record(step, evaluation, alive)``; may return a ``(B,)`` bool mask of members to stop.
        final_record: after the last update, call ``on_record(steps, None, alive)``.
        threads: torch threads while training (restored after); ``None`` leaves them alone.
        flush_denormal: flush subnormal floats to zero while training (deep nets with weight decay
            make float32 gradients subnormal, which is ~100× slower on a CPU).
        quiet: no progress bar; ``desc`` labels it.
    """
    params = list(params)
    if not params:
        raise ValueError("params must hold at least one tensor, got []")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    one_of(optimizer, "optimizer", OPTIMIZERS)
    nonnegative_float(momentum, "momentum")
    members = positive_int(members, "members")
    if lr_at is not None and not callable(lr_at):
        lrs = list(lr_at)
        if len(lrs) < steps:
            raise ValueError(f"lr_at must give one lr per step ({steps}), got {len(lrs)}")
        lr_at = lrs.__getitem__
    record_at = set(record_at)
    if record_at and on_record is None:
        raise ValueError("record_at names steps to record but on_record is None")
    with limit_threads(threads):
        flushed = torch.set_flush_denormal(True) if flush_denormal else False
        try:
            return _loop(params, evaluate, steps, lr, optimizer, momentum, fused, lr_at, members, loss_limit,
                         record_at, on_record, final_record, quiet, desc)
        finally:
            if flushed:
                torch.set_flush_denormal(False)


def _loop(params, evaluate, steps, lr, optimizer, momentum, fused, lr_at, B, loss_limit, record_at, on_record,
          final_record, quiet, desc) -> FitResult:
    opt, update = _optimizer(params, optimizer, lr, momentum, fused)
    group = opt.param_groups[0]
    device = params[0].device
    alive = torch.ones(B, dtype=torch.bool, device=device)
    scale = None
    diverged: list[int | None] = [None] * B
    limit = None
    ev = None

    def stop(bad: torch.Tensor, step: int) -> bool:
        """Stop the members in ``bad``; True when any was alive."""
        nonlocal scale
        bad = bad.to(device) & alive
        if not bool(bad.any()):
            return False
        for b in torch.nonzero(bad).flatten().tolist():
            diverged[b] = step
        alive.logical_and_(~bad)
        scale = alive.to(params[0].dtype)
        return True

    def run(step: int) -> Evaluation:
        e = evaluate(step, scale)
        if e.grads is None:
            total = e.losses.sum() if scale is None else (e.losses * scale).sum()
            total.backward()
        return e

    t_start = time.perf_counter()
    t_record = 0.0
    done = 0
    for step in progress(range(steps), total=steps, desc=desc, quiet=quiet):
        if lr_at is not None:
            group["lr"] = lr_at(step)
        for p in params:
            p.grad = None
        ev = evaluate(step, scale)
        losses = ev.losses.detach().reshape(-1)
        if losses.numel() != B:
            raise ValueError(f"evaluate must return one loss per member (members={B}), got {losses.numel()} "
                             f"at step {step}")
        if limit is None:
            limit = loss_limit(losses) if loss_limit is not None else torch.full_like(losses, math.inf)
        stopped = stop(~(torch.isfinite(losses) & (losses <= limit)), step)
        if bool(alive.any()) and ev.grads is None and not stopped:
            (ev.losses.sum() if scale is None else (ev.losses * scale).sum()).backward()
        if step in record_at and bool(alive.any()):
            t0 = time.perf_counter()
            bad = on_record(step, ev, alive)
            if bad is not None:
                stopped = stop(torch.as_tensor(bad), step) or stopped
            t_record += time.perf_counter() - t0
        if not bool(alive.any()):
            break
        if stopped:
            for p in params:
                p.grad = None
            ev = run(step)
        if ev.grads is not None:
            for p, g in zip(params, ev.grads):
                p.grad = g if g.is_contiguous() else g.contiguous()
        update()
        done += 1
    if final_record and bool(alive.any()) and on_record is not None:
        t0 = time.perf_counter()
        bad = on_record(steps, None, alive)
        if bad is not None:
            stop(torch.as_tensor(bad), steps)
        t_record += time.perf_counter() - t0
    return FitResult(done, diverged, time.perf_counter() - t_start, t_record, ev)


def lbfgs_polish(
    params: Sequence[torch.Tensor],
    objective: Callable[[], torch.Tensor],
    *,
    max_iter: int,
    max_eval: int | None = None,
    history_size: int = 50,
    tolerance_grad: float = 1e-13,
    tolerance_change: float = 1e-16,
) -> torch.Tensor:
    """Full-batch L-BFGS with the strong Wolfe line search on ``objective()`` (a scalar), in place.

    Used after Adam to reach a critical point to high accuracy: at most ``max_iter`` iterations and
    ``max_eval`` evaluations (torch's default 1.25·max_iter), stopping early when the largest gradient
    entry is ≤ ``tolerance_grad`` or a step changes θ or the objective by less than ``tolerance_change``.
    Returns the objective at the final θ (detached; ``LBFGS.step`` itself returns the first one).
    """
    params = list(params)
    max_iter = positive_int(max_iter, "max_iter")
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=max_iter,
                            max_eval=None if max_eval is None else positive_int(max_eval, "max_eval"),
                            history_size=positive_int(history_size, "history_size"),
                            tolerance_grad=nonnegative_float(tolerance_grad, "tolerance_grad"),
                            tolerance_change=nonnegative_float(tolerance_change, "tolerance_change"),
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = objective()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return objective().detach()
