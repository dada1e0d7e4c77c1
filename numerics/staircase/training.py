"""Full-batch training on a `FittingProblem` with ε-rank, ‖β‖² and Theorem 3.3 bounds recorded every k steps.

Loss (the one that is trained and the one the bounds see): L = Σ_k w_k (u(x_k) − u*(x_k))², the
squared L²(Ω) error by the problem's quadrature (arXiv 2412.05144, Example 2.6 / Remark 3.4).

Several networks of one shape (different seeds, or different initialisations) train together as
one `BatchedMLP`: the optimiser minimises Σ_b L_b, whose gradient in member b's parameters is ∇L_b,
and Adam/SGD act elementwise, so each member follows its own trajectory.

Every ``record_every`` steps (and at the last step) each member gets one row:
``config, seed, step, loss, mse, eps_rank`` (last hidden layer at ``rank_eps``), ``eps_rank_l{k}_e{ε}``
for every hidden layer k and every ε, ``beta_norm2`` = ‖β‖², and, when bounds are checked, for
each staircase `Bound` its value (column = bound name), ``<name>_slack``, ``<name>_holds`` and the
overall ``holds``. The recorded quantities are recomputed in float64 from float64 features, even
when training runs in float32. A member that diverges (non-finite loss, or a blow-up by the rule in
`train_members`) stops: its rows carry ``diverged=True`` and its last row holds NaN metrics.

Measurement conventions (``TrainConfig.conventions``; `numerics.staircase.problem.measurement`). The
columns above are the ``"integral"`` measurement: the problem's own quadrature, count λ > ε. The
``"paper"`` measurement (arXiv 2412.05144 eq. 4.1 as printed) evaluates the same network on a
uniform grid of ``paper_m`` points with unit trapezoid weights and counts |λ| > ε; its columns are
the same names with the suffix ``@paper`` (`column`): ``loss@paper`` = Σ w (u − u*)² in that inner
product, ``eps_rank@paper``, ``eps_rank_l{k}_e{ε}@paper``, ``p@paper``, ``thm3_3_tight@paper``,
``thm3_3_tight_slack@paper``, ``holds@paper``, … M, the loss and the distances of a convention
share one inner product, so its Thm 3.3 checks are exact linear algebra. The long-form checks
carry a ``convention`` column. `convention_view` shows a trajectory as one convention sees it (its
``@paper`` columns under the plain names), `conventions_in` says which conventions it holds, and
`layer_columns` lists its per-layer ε-rank columns.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from numerics.threads import limit_threads
from numerics.nets import BatchedMLP, batched_hidden_features, batched_loss_grad
from numerics.staircase.config import CONVENTIONS, ModelSpec, TrainConfig
from numerics.staircase.problem import FittingProblem, Measurement, measurement
from numerics.quadrature import check_convention
from numerics.ranks import gram_eigenvalues
from numerics.train import (BLOWUP_NORM_FACTOR, Evaluation, blowup_limit, fit, learning_rates,
                            member_norms, resolve_device)

__all__ = [
    "TrainResult",
    "train",
    "train_members",
    "rank_column",
    "column",
    "conventions_in",
    "convention_view",
    "layer_columns",
    "training_flops_per_step",
    "config_dict",
]

def column(name: str, convention: str = "integral") -> str:
    """Trajectory column of quantity ``name`` under ``convention``: ``name`` for "integral", ``name@paper`` for "paper"."""
    return name if check_convention(convention) == "integral" else f"{name}@{convention}"


def rank_column(layer: int, eps: float, convention: str = "integral") -> str:
    """Trajectory column of the ε-rank of hidden layer ``layer`` (1-based) at ``eps``: ``eps_rank_l2_e1e-06`` (``…@paper``)."""
    return column(f"eps_rank_l{layer}_e{eps:g}", convention)


def conventions_in(traj: pd.DataFrame) -> tuple[str, ...]:
    """The measurement conventions a trajectory holds columns for (``eps_rank`` / ``eps_rank@paper``)."""
    return tuple(c for c in CONVENTIONS if column("eps_rank", c) in traj.columns)


def convention_view(traj: pd.DataFrame, convention: str) -> pd.DataFrame:
    """The trajectory as one convention sees it: its ``…@paper`` columns under the plain names.

    For ``"integral"`` this is ``traj`` itself; for ``"paper"`` the plain rank, loss and bound
    columns are replaced by their ``@paper`` counterparts (``loss`` becomes ``loss@paper``, the
    unit-weight Σ w (u − u*)²), so every analysis reads either convention the same way.
    """
    if check_convention(convention) == "integral":
        return traj
    suffix = f"@{convention}"
    renamed = {c: c[: -len(suffix)] for c in traj.columns if c.endswith(suffix)}
    if not renamed:
        raise ValueError(f"traj holds no {convention!r} columns (…{suffix}); record them with "
                         f"TrainConfig(conventions=(…, {convention!r}))")
    plain = [c for c in traj.columns if not c.endswith(suffix) and c not in set(renamed.values())]
    return pd.concat([traj[plain], traj[list(renamed)].rename(columns=renamed)], axis=1)


def layer_columns(traj: pd.DataFrame, eps: float) -> list[tuple[int, str]]:
    """``[(k, rank_column(k, eps)), …]`` for the hidden layers k = 1, 2, … whose ε-rank column at ``eps``
    the trajectory holds (and not all NaN), in order; stops at the first layer without one."""
    out = []
    k = 1
    while rank_column(k, eps) in traj.columns and traj[rank_column(k, eps)].notna().any():
        out.append((k, rank_column(k, eps)))
        k += 1
    return out


@dataclass
class TrainResult:
    """Trajectory (one row per member and recorded step), long-form bound checks, divergence and timing."""

    trajectory: pd.DataFrame
    checks: pd.DataFrame
    diverged: dict[tuple[str, int], int | None]
    timing: dict[str, float]
    models: list[BatchedMLP]
    members: list[tuple[ModelSpec, int]]
    config: TrainConfig

    @property
    def model(self) -> BatchedMLP:
        """The batched model, when every member had one shape (one group)."""
        if len(self.models) != 1:
            raise ValueError(f"the members trained as {len(self.models)} shape groups; use .models")
        return self.models[0]

    def final(self) -> pd.DataFrame:
        """The last recorded row of each member (NaN metrics for a diverged member)."""
        return self.trajectory.groupby(["config", "seed"], sort=False).tail(1).reset_index(drop=True)


def training_flops_per_step(problem_m: int, in_dim: int, width: int, depth: int) -> float:
    """Matmul FLOPs of one training step of one network: 3 × forward, forward = 2m(d·n + (L−1)n² + n).

    The backward pass costs about twice the forward (input and weight gradients); elementwise work
    (activations, Adam) is not counted, so this is the dense-linear-algebra work the peak refers to.
    """
    forward = 2.0 * problem_m * (in_dim * width + (depth - 1) * width * width + width)
    return 3.0 * forward


def train(problem: FittingProblem, spec: ModelSpec, config: TrainConfig, seeds: Sequence[int] = (0,), *,
          quiet: bool = True, desc: str = "", device: Any = "cpu") -> TrainResult:
    """Train ``spec`` once per seed, all seeds as one batched model; see `train_members`."""
    return train_members(problem, [(spec, s) for s in seeds], config, quiet=quiet, desc=desc, device=device)


def train_members(problem: FittingProblem, members: Sequence[tuple[ModelSpec, int]], config: TrainConfig, *,
                  quiet: bool = True, desc: str = "", device: Any = "cpu") -> TrainResult:
    """Train several (spec, seed) networks and record their trajectories; members of one shape train as one batch.

    Members are grouped by shape (width, depth, activation, residual); each group trains as one
    `BatchedMLP` whose step is one batched forward, one hand-written backward (`batched_loss_grad`,
    equal to autograd's gradients bit for bit) and one fused Adam (or SGD) update of the stacked
    parameters: no per-member Python work inside the step. Member b starts exactly as
    ``spec.build(problem, seed)`` and follows its own trajectory, bit for bit the one it follows alone.

    Divergence (the rule, checked for every member): member b diverges at the first step t where
    L_b(t) is not finite or L_b(t) > `BLOWUP_LOSS_FACTOR` · max(L_b(0), ‖u*‖²) (checked every step;
    ‖u*‖² is the loss of the zero function, so a run that starts near the target is not flagged for a
    small bump), or, at a
    recorded step, ‖θ_b(t)‖ > `BLOWUP_NORM_FACTOR` · max(‖θ_b(0)‖, 1). It stops there: its gradient
    is masked (the other members stay bit-unchanged), it writes no further rows, every row it wrote
    gets ``diverged=True`` and one last row at step t holds NaN metrics, so its final metrics are
    NaN in every table built from the trajectory.

    Args:
        problem: the fitting problem (nodes, weights, target).
        members: ``[(ModelSpec, seed), …]``, distinct pairs.
        config: `TrainConfig`.
        quiet: no progress bar.
        device: where training runs (``"cpu"``, ``"cuda"``, a ``torch.device``); records are
            computed on the CPU in float64 either way.
    """
    if not isinstance(problem, FittingProblem):
        raise TypeError(f"problem must be a FittingProblem, got {type(problem).__name__}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    members = list(members)
    if not members:
        raise ValueError("members must hold at least one (spec, seed) pair, got []")
    for i, item in enumerate(members):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], ModelSpec)):
            raise TypeError(f"members[{i}] must be a (ModelSpec, seed) pair, got {item!r}")
    keys = [(spec.label, int(seed)) for spec, seed in members]
    if len(set(keys)) != len(keys):
        raise ValueError(f"members must be distinct (config, seed) pairs, got duplicates in {keys}")
    dev = resolve_device(device)
    groups: dict[tuple, list] = {}
    for item in members:
        groups.setdefault(item[0].shape, []).append(item)
    with limit_threads(config.threads):
        results = [_train_group(problem, group, config, dev, quiet=quiet, desc=desc) for group in groups.values()]
    return _merge(results, members, config)


def _cpu_view(model: BatchedMLP) -> BatchedMLP:
    """The model itself on the CPU, else a CPU copy of its parameters (what the recorder reads)."""
    if model.beta.device.type == "cpu":
        return model
    return BatchedMLP([p.detach().cpu() for p in model.weights], [p.detach().cpu() for p in model.biases],
                      model.beta.detach().cpu(), activation=model.activation, residual=model.residual)


def _train_group(problem: FittingProblem, members: list, config: TrainConfig, device: torch.device, *,
                 quiet: bool, desc: str) -> dict[str, Any]:
    dtype = config.torch_dtype
    model = BatchedMLP.from_modules([spec.build(problem, seed, dtype=dtype) for spec, seed in members]).to(device)
    x, w, target = (t.to(device) for t in problem.tensors(dtype))
    x64, _, _ = problem.tensors(torch.float64)
    recorder = _Recorder(problem, members, config, x64)
    weights, biases, beta = list(model.weights), list(model.biases), model.beta
    params = [*weights, *biases, beta]
    norm0 = member_norms(params).clamp(min=1.0).to(device)

    def evaluate(step: int, scale: torch.Tensor | None) -> Evaluation:
        with torch.no_grad():
            losses, g_w, g_b, g_beta = batched_loss_grad(weights, biases, beta, x, target, w, model.activation,
                                                         model.residual, scale)
        return Evaluation(losses, [*g_w, *g_b, g_beta])

    def on_record(step: int, ev: Evaluation | None, alive: torch.Tensor) -> torch.Tensor:
        exploded = alive & (member_norms(params).to(device) > BLOWUP_NORM_FACTOR * norm0)
        live = (alive & ~exploded).cpu()
        finite = recorder.record(step, _cpu_view(model), live)
        return exploded | (live & ~torch.from_numpy(finite)).to(device)

    floor = float(np.sum(recorder.w * recorder.target ** 2))  # ‖u*‖², the zero function's loss
    res = fit(params, evaluate, steps=config.steps, lr=config.lr, optimizer=config.optimizer,
              momentum=config.momentum, fused=True,
              lr_at=learning_rates(config.lr, config.steps, config.schedule, config.lr_final),
              members=len(members), loss_limit=blowup_limit(floor),
              record_at=[s for s in config.record_steps() if s < config.steps], on_record=on_record,
              final_record=True, quiet=quiet, desc=desc or "train")
    keys = [(spec.label, int(seed)) for spec, seed in members]
    spec = members[0][0]
    gflop = training_flops_per_step(problem.m, problem.dim, spec.width, spec.depth) * len(members) * res.steps / 1e9
    timing = {
        "seconds_total": res.seconds_total,
        "seconds_train": res.seconds_train,
        "seconds_record": res.seconds_record,
        "steps": float(res.steps),
        "members": float(len(members)),
        "gflop": gflop,
        "gflops": gflop / res.seconds_train,
        "threads": float(torch.get_num_threads()),
        "device": str(device),
    }
    return {"trajectory": recorder.frame(), "checks": recorder.checks_frame(), "diverged": dict(zip(keys, res.diverged)),
            "timing": timing, "model": model}


def _mark_diverged(frame: pd.DataFrame, diverged: dict[tuple[str, int], int | None]) -> pd.DataFrame:
    """Add ``diverged`` (True on every row of a member that diverged) and, per diverged member, a last
    row at its divergence step whose metrics are NaN."""
    frame = frame.copy()
    gone = {k: v for k, v in diverged.items() if v is not None}
    if frame.empty:
        frame["diverged"] = pd.Series(dtype=bool)
    else:
        frame["diverged"] = [(c, int(s)) in gone for c, s in zip(frame["config"], frame["seed"])]
    if not gone or "step" not in frame.columns:
        return frame
    at = pd.Series([gone.get((c, int(s)), np.inf) for c, s in zip(frame["config"], frame["seed"])], index=frame.index)
    frame = frame[frame["step"] < at]  # a row at or after the blow-up step is no measurement
    tail = pd.DataFrame([{"config": c, "seed": s, "step": int(at), "diverged": True} for (c, s), at in gone.items()])
    return pd.concat([frame, tail], ignore_index=True)


def _merge(results: list[dict[str, Any]], members: list, config: TrainConfig) -> TrainResult:
    diverged: dict[tuple[str, int], int | None] = {}
    for r in results:
        diverged.update(r["diverged"])
    frames = [r["trajectory"] for r in results if not r["trajectory"].empty]
    traj = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["config", "seed", "step"])
    checks = pd.concat([r["checks"] for r in results], ignore_index=True)
    gone = {k for k, v in diverged.items() if v is not None}
    checks["diverged"] = [(c, int(s)) in gone for c, s in zip(checks["config"], checks["seed"])]
    timing = dict(results[0]["timing"])
    if len(results) > 1:
        for key in ("seconds_total", "seconds_train", "seconds_record", "gflop", "members"):
            timing[key] = float(sum(r["timing"][key] for r in results))
        timing["steps"] = float(max(r["timing"]["steps"] for r in results))
        timing["gflops"] = timing["gflop"] / max(timing["seconds_train"], 1e-12)
    timing["groups"] = float(len(results))
    return TrainResult(_mark_diverged(traj, diverged), checks, diverged, timing, [r["model"] for r in results],
                       members, config)


class _Recorder:
    """Turns the batched model's state at one step into one row per live member (all float64).

    One `Measurement` per recorded convention; each gives the suffixed rank and bound columns
    (`column`) from the same network.
    """

    def __init__(self, problem: FittingProblem, members: Sequence[tuple[ModelSpec, int]], config: TrainConfig,
                 x64: torch.Tensor):
        self.problem = problem
        self.members = list(members)
        self.config = config
        self.x64 = x64
        self.w = np.array(problem.quadrature.weights, dtype=np.float64)
        self.target = np.array(problem.target, dtype=np.float64)
        self.measurements: list[Measurement] = [measurement(problem, c, config.paper_m) for c in config.conventions]
        self._points = {m.convention: (x64 if m.same_nodes else m.quadrature.points_tensor(torch.float64))
                        for m in self.measurements}
        self.rows: list[dict[str, Any]] = []
        self.check_rows: list[dict[str, Any]] = []
        self._bounds = None
        self._pending: list[tuple] = []  # rows whose Thm 3.3 checks `_finish` evaluates, all at once
        if config.check_bounds:
            from numerics.gram import check_bounds_batch, staircase_quantities

            self._bounds = (staircase_quantities, check_bounds_batch)

    def record(self, step: int, model: BatchedMLP, alive: torch.Tensor) -> np.ndarray:
        """Append rows for the live members; return which members have a finite loss here."""
        with torch.no_grad():
            weights = [p.detach().to(torch.float64) for p in model.weights]
            biases = [p.detach().to(torch.float64) for p in model.biases]
            beta = model.beta.detach().to(torch.float64)

            def on(x: torch.Tensor):
                feats = batched_hidden_features(weights, biases, x, model.activation, model.residual)
                return [f.numpy() for f in feats], torch.bmm(feats[-1], beta.transpose(1, 2))[..., 0].numpy()

            own = on(self.x64)
            measured = {c: (own if x is self.x64 else on(x)) for c, x in self._points.items()}
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging member overflows; it is dropped below
            return self._rows(step, own, measured, beta[:, 0, :].numpy(), alive)

    def _rows(self, step: int, own: tuple, measured: dict[str, tuple], beta_np: np.ndarray,
              alive: torch.Tensor) -> np.ndarray:
        feats_np, u_np = own
        finite = np.zeros(len(self.members), dtype=bool)
        for b, (spec, seed) in enumerate(self.members):
            if not bool(alive[b]):
                continue
            r = u_np[b] - self.target
            loss = float(np.sum(self.w * r * r))
            beta_norm2 = float(np.sum(beta_np[b] ** 2))
            if not (math.isfinite(loss) and math.isfinite(beta_norm2)
                    and all(np.all(np.isfinite(f[b])) for f in feats_np)
                    and all(np.all(np.isfinite(v[1][b])) for v in measured.values())):
                continue
            finite[b] = True
            row: dict[str, Any] = {"config": spec.label, "seed": int(seed), "step": int(step), "loss": loss,
                                   "mse": loss / self.problem.volume, "beta_norm2": beta_norm2}
            for meas in self.measurements:
                m_feats, m_u = measured[meas.convention]
                self._measure(row, meas, [f[b] for f in m_feats], m_u[b], beta_np[b])
            self.rows.append(row)
        return finite

    def _measure(self, row: dict[str, Any], meas: Measurement, feats: list[np.ndarray], u: np.ndarray,
                 beta: np.ndarray) -> None:
        """The rank and bound columns of one convention: M, the loss and the distances in its inner product."""
        c = meas.convention
        w = meas.quadrature.weights
        loss = loss_c = row["loss"]
        if not meas.same_nodes:
            loss_c = meas.loss(u)
            row[column("loss", c)] = loss_c
            row[column("mse", c)] = loss_c / meas.quadrature.volume
        lam = None
        for k, f in enumerate(feats, start=1):
            lam = gram_eigenvalues(f, w)
            for e in self.config.eps:
                row[rank_column(k, e, c)] = meas.count(lam, e)
        row[column("eps_rank", c)] = meas.count(lam, self.config.rank_eps)
        if self._bounds is not None:
            self._check(row, meas, feats[-1], beta, loss if meas.same_nodes else loss_c)

    def _check(self, row: dict[str, Any], meas: Measurement, features: np.ndarray, beta: np.ndarray,
               loss: float) -> None:
        staircase_quantities = self._bounds[0]
        c = meas.convention
        q = staircase_quantities(features, meas.quadrature.weights, beta, meas.target, self.config.rank_eps)
        row[column("p", c)] = int(q.p)
        row[column("dist_span_S", c)] = float(q.dist_span_S)
        row[column("dist_G", c)] = float(q.dist_G)
        self._pending.append((row, c, loss, q.p, q.n, q.eps, q.beta_norm2, q.dist_span_S, q.dist_G))

    def _finish(self) -> None:
        """The Thm 3.3 checks of every pending row, one vectorised `check_bounds_batch` per convention."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        results: dict[int, list] = {}
        for c in dict.fromkeys(item[1] for item in pending):
            idx = [i for i, item in enumerate(pending) if item[1] == c]
            loss, p, n, eps, C, d_s, d_g = (np.array([pending[i][k] for i in idx]) for k in range(2, 9))
            checks = self._bounds[1](p, n, eps, C, d_s, d_g, loss, C_S=self.problem.C_S)
            for j, i in enumerate(idx):
                results[i] = [(chk, j) for chk in checks]
        for i, (row, c, *_) in enumerate(pending):
            holds = True
            for chk, j in results[i]:
                ok = bool(chk.holds[j])
                row[column(chk.name, c)] = float(chk.rhs[j])
                row[column(f"{chk.name}_lhs", c)] = float(chk.lhs[j])
                row[column(f"{chk.name}_slack", c)] = float(chk.slack[j])
                row[column(f"{chk.name}_holds", c)] = ok
                holds &= ok
                self.check_rows.append({"config": row["config"], "seed": row["seed"], "step": row["step"],
                                        "convention": c, "bound": chk.name, "lhs": float(chk.lhs[j]),
                                        "rhs": float(chk.rhs[j]), "slack": float(chk.slack[j]), "holds": ok,
                                        "rtol": chk.rtol, "atol": chk.atol, "tol": float(chk.tol[j])})
            row[column("holds", c)] = holds

    def frame(self) -> pd.DataFrame:
        self._finish()
        return pd.DataFrame.from_records(self.rows)

    def checks_frame(self) -> pd.DataFrame:
        self._finish()
        cols = ["config", "seed", "step", "convention", "bound", "lhs", "rhs", "slack", "holds", "rtol", "atol", "tol"]
        return pd.DataFrame.from_records(self.check_rows, columns=cols)


def config_dict(spec: ModelSpec, config: TrainConfig) -> dict[str, Any]:
    """Settings of one run as a flat dict (for provenance and tables)."""
    return {**asdict(spec), **{k: v for k, v in asdict(config).items()}}

