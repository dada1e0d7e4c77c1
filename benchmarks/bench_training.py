"""Training speed, as ratios from one run: peak, one network, batched ensembles, tracking, bound checks.

All on the Fig. 2 problem (cos x + cos 2x + cos 30x, Gauss–Legendre m points, default m = 200 as
the staircase experiment uses), tanh, one torch/BLAS thread (the trainer's default). Every time
is the least of ``--repeats`` runs, both wall and CPU time; the ratios use CPU time (steadier on a
shared machine: another process on the core stretches wall time, not CPU time), and the wall
ratios are printed beside them. Benchmarks, not tests: nothing here asserts a time.

1. Peak: GFLOP/s of one large matmul (2048², float64 and float32) on 1 and on all threads.
2. One network (L=2, n=50, Adam 1e-3): ``numerics.staircase.training.train`` against a plain
   ``nn.Sequential`` + ``torch.optim.Adam`` loop; ratio = plain / package (> 1: the package is faster).
3. Batched ensembles: B = 1, 4, 8, 16 seeds as one model; per-network throughput ratio to B = 1,
   i.e. B · t(1) / t(B).
4. Tracking: ranks every 1, 10 and 100 steps, with and without the three Thm 3.3 bounds; ratio
   to the untracked run (a record only at the first and last step).
5. ``Bound.check`` per point: one scalar check per point against one vectorised check over all points.

    python benchmarks/bench_training.py [--m 200] [--steps 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from _timing import best_of, machine_line
from numerics.staircase.problem import paper_problem
from numerics.staircase.config import ModelSpec, TrainConfig
from numerics.staircase.training import train, training_flops_per_step
from numerics.threads import limit_threads

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def peak_table(repeats: int) -> pd.DataFrame:
    rows = []
    size = 2048
    for threads in sorted({1, torch.get_num_threads()}):
        with limit_threads(threads):
            for name, dt in DTYPES.items():
                a = torch.randn(size, size, dtype=dt)
                b = torch.randn(size, size, dtype=dt)
                a @ b
                t = best_of(lambda: a @ b, repeats)
                rows.append({"threads": threads, "dtype": name, "GFLOP/s (wall)": 2 * size**3 / t["wall"] / 1e9,
                             "GFLOP/s (cpu/threads)": 2 * size**3 / (t["cpu"] / threads) / 1e9})
    return pd.DataFrame(rows)


def _plain_loop(problem, steps: int, dtype: torch.dtype, width: int = 50) -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(1, width, dtype=dtype), torch.nn.Tanh(),
                              torch.nn.Linear(width, width, dtype=dtype), torch.nn.Tanh(),
                              torch.nn.Linear(width, 1, bias=False, dtype=dtype))
    x, w, target = problem.tensors(dtype)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(x)[:, 0] - target) ** 2 * w).sum()
        loss.backward()
        opt.step()


def one_network_table(problem, steps: int, repeats: int) -> pd.DataFrame:
    spec = ModelSpec(width=50, depth=2, init="paper")
    rows = []
    for name, dt in DTYPES.items():
        cfg = TrainConfig(steps=steps, record_every=steps, check_bounds=False, dtype=name, eps=(1e-6,))
        with limit_threads(1):
            plain = best_of(lambda: _plain_loop(problem, steps, dt), repeats)
        pkg = best_of(lambda: train(problem, spec, cfg, seeds=(0,)), repeats)
        rows.append({"dtype": name, "m": problem.m, "steps": steps,
                     "package ms/step": 1e3 * pkg["cpu"] / steps, "plain ms/step": 1e3 * plain["cpu"] / steps,
                     "plain / package (cpu)": plain["cpu"] / pkg["cpu"],
                     "plain / package (wall)": plain["wall"] / pkg["wall"]})
    return pd.DataFrame(rows)


def batch_table(problem, steps: int, repeats: int, sizes=(1, 4, 8, 16)) -> pd.DataFrame:
    spec = ModelSpec(width=50, depth=2, init="paper")
    flops = training_flops_per_step(problem.m, 1, 50, 2)
    rows = []
    for name in DTYPES:
        cfg = TrainConfig(steps=steps, record_every=steps, check_bounds=False, dtype=name, eps=(1e-6,))
        base = None
        for B in sizes:
            t = best_of(lambda: train(problem, spec, cfg, seeds=tuple(range(B))), repeats)
            base = base or t
            rows.append({"dtype": name, "B": B, "ms/step": 1e3 * t["cpu"] / steps,
                         "ms/step/network": 1e3 * t["cpu"] / steps / B,
                         "GFLOP/s": flops * B * steps / t["cpu"] / 1e9,
                         "per-network vs B=1 (cpu)": B * base["cpu"] / t["cpu"],
                         "per-network vs B=1 (wall)": B * base["wall"] / t["wall"]})
    return pd.DataFrame(rows)


def tracking_table(problem, steps: int, repeats: int) -> pd.DataFrame:
    spec = ModelSpec(width=50, depth=2, init="paper")
    cases = [("none", steps, False)] + [(f"every {k}{' + bounds' if b else ''}", k, b)
                                        for k in (100, 10, 1) for b in (False, True)]
    rows, base = [], None
    for name, every, bounds in cases:
        cfg = TrainConfig(steps=steps, record_every=every, check_bounds=bounds, eps=(1e-6, 1e-3, 1e-9))
        holder = {}

        def run():
            holder["res"] = train(problem, spec, cfg, seeds=(0,))

        t = best_of(run, repeats)
        base = base or t
        timing = holder["res"].timing
        rows.append({"tracking": name, "records": len(cfg.record_steps()),
                     "ratio to untracked (cpu)": t["cpu"] / base["cpu"],
                     "ratio to untracked (wall)": t["wall"] / base["wall"],
                     "ms per record (wall)": 1e3 * timing["seconds_record"] / len(cfg.record_steps())})
    return pd.DataFrame(rows)


def bound_check_table(points: int, repeats: int) -> pd.DataFrame:
    from theory import staircase as th

    rng = np.random.default_rng(0)
    n = np.full(points, 50.0)
    p = rng.integers(0, 51, points).astype(float)
    eps = np.full(points, 1e-6)
    C = rng.uniform(0.1, 10, points)
    d = rng.uniform(0, 2, points)
    L = rng.uniform(0, 4, points)
    bound = th.thm3_3_tight

    def scalar():
        for i in range(points):
            bound.check(d=float(d[i]), L=float(L[i]), p=int(p[i]), n=int(n[i]), eps=float(eps[i]), C=float(C[i]),
                        C_S=1.0)

    def vector():
        bound.check(d=d, L=L, p=p, n=n, eps=eps, C=C, C_S=1.0)

    t_s = best_of(scalar, repeats)
    row = {"points": points, "scalar µs/point": 1e6 * t_s["cpu"] / points}
    try:
        vector()
    except TypeError as exc:  # a Bound.check that takes scalars only
        row.update({"vectorised µs/point": float("nan"), "scalar / vectorised": float("nan"),
                    "note": f"no vectorised Bound.check here ({exc})"})
        return pd.DataFrame([row])
    t_v = best_of(vector, repeats)
    row.update({"vectorised µs/point": 1e6 * t_v["cpu"] / points, "scalar / vectorised": t_s["cpu"] / t_v["cpu"]})
    return pd.DataFrame([row])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--m", type=int, default=200, help="quadrature points (the staircase experiment uses 200)")
    ap.add_argument("--steps", type=int, default=600, help="steps of each timed training run")
    ap.add_argument("--tracking-steps", type=int, default=300)
    ap.add_argument("--points", type=int, default=2000, help="points of the Bound.check comparison")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    problem = paper_problem(args.m)
    t0 = time.perf_counter()
    print(f"torch {torch.__version__}; {machine_line()}\n")
    fmt = dict(index=False, floatfmt=".3g")
    print("Matmul peak (2048 x 2048):")
    print(peak_table(args.repeats).to_markdown(**fmt))
    print(f"\nOne network, L=2 n=50, m={args.m}, Adam: the package against a plain nn.Sequential + Adam loop:")
    print(one_network_table(problem, args.steps, args.repeats).to_markdown(**fmt))
    print(f"\nBatched ensembles, L=2 n=50, m={args.m}: per-network throughput relative to B = 1:")
    print(batch_table(problem, args.steps // 2, args.repeats).to_markdown(**fmt))
    print(f"\nTracking, L=2 n=50, m={args.m}, float64, {args.tracking_steps} steps (ranks at 3 eps, bounds = Thm 3.3 x3):")
    print(tracking_table(problem, args.tracking_steps, args.repeats).to_markdown(**fmt))
    print("\nBound.check (thm3_3_tight) per point:")
    print(bound_check_table(args.points, args.repeats).to_markdown(**fmt))
    print(f"\n{machine_line()}; benchmark wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
