"""Cost of ε-rank tracking during training, and the fraction of peak FLOP/s the training loop reaches.

Part 1 (tracking overhead). The Fig. 2(a) network (tanh, L=2, n=50, Gauss–Legendre m=200, Adam,
float64) trains the same number of steps with
  - no tracking (a record only at the first and last step),
  - ε-ranks of every layer at 3 ε every 100 steps,
  - ε-ranks plus the three Thm 3.3 bounds (staircase_quantities: SVD, max-volume subset,
    two least-squares distances) every 100 steps,
  - the same two every step.
The ratio is wall time over the untracked time (goal ≤ 1.05 at every 100 steps). Each time is the
minimum of ``--repeats`` runs (the machine is shared; the minimum is the least disturbed run). On a
loaded machine the difference of two wall times is noise-dominated, so the table also gives the ratio
rebuilt from the separately timed recording: (untracked training + recording) / untracked.

Part 2 (throughput). Matmul GFLOP/s of the training loop (3 × forward FLOPs; `training_flops_per_step`)
for 1 network and for B seeds batched as one model, in float64 and float32, as a fraction of the
machine's peak (76 GFLOP/s float64, 190 float32 on 2 cores; `numerics.training.PEAK_GFLOPS`).

    python benchmarks/bench_tracking.py [--steps 2000] [--every-step-steps 300] [--repeats 3] [--batch 6]
"""

from __future__ import annotations

import argparse

import pandas as pd
import torch

from numerics.problems import paper_problem
from numerics.training import ModelSpec, TrainConfig, train


def best_of(repeats: int, fn) -> dict:
    runs = [fn() for _ in range(repeats)]
    return min(runs, key=lambda t: t["seconds_total"])


def overhead_table(steps: int, every_step_steps: int, repeats: int) -> pd.DataFrame:
    problem = paper_problem()
    spec = ModelSpec(width=50, depth=2, init="paper")
    rows = []
    for n_steps, cases in ((steps, [("none", steps, False), ("ranks every 100", 100, False),
                                    ("ranks + bounds every 100", 100, True)]),
                           (every_step_steps, [("none", every_step_steps, False), ("ranks every step", 1, False),
                                               ("ranks + bounds every step", 1, True)])):
        base = None
        for name, every, bounds in cases:
            cfg = TrainConfig(steps=n_steps, lr=1e-3, record_every=every, check_bounds=bounds)
            t = best_of(repeats, lambda cfg=cfg: train(problem, spec, cfg, seeds=(0,)).timing)
            base = base or t
            rows.append({"steps": n_steps, "tracking": name, "records": len(cfg.record_steps()),
                         "seconds": t["seconds_total"], "ratio_to_untracked": t["seconds_total"] / base["seconds_total"],
                         # the same ratio from the timed recording alone (less exposed to load noise on a shared machine):
                         # (untracked training time + this run's recording time) / untracked total
                         "ratio_from_record_time": (base["seconds_train"] + t["seconds_record"]) / base["seconds_total"],
                         "ms_per_record": 1e3 * t["seconds_record"] / len(cfg.record_steps())})
    return pd.DataFrame(rows)


def throughput_table(steps: int, batch: int, repeats: int) -> pd.DataFrame:
    problem = paper_problem()
    rows = []
    for dtype in ("float64", "float32"):
        for B in (1, batch):
            for depth, width in ((2, 50), (4, 50)):
                spec = ModelSpec(width=width, depth=depth, init="paper")
                cfg = TrainConfig(steps=steps, record_every=steps, check_bounds=False, dtype=dtype)
                t = best_of(repeats, lambda: train(problem, spec, cfg, seeds=tuple(range(B))).timing)
                rows.append({"dtype": dtype, "networks": B, "L": depth, "n": width,
                             "ms_per_step": 1e3 * t["seconds_train"] / t["steps"], "GFLOP/s": t["gflops"],
                             "peak": t["peak_gflops"], "fraction_of_peak": t["peak_fraction"]})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--every-step-steps", type=int, default=300)
    ap.add_argument("--throughput-steps", type=int, default=500)
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    print("Tracking overhead (tanh L=2 n=50, m=200, Adam, float64):")
    print(overhead_table(args.steps, args.every_step_steps, args.repeats).to_markdown(index=False, floatfmt=".3g"))
    print("\nTraining throughput (matmul FLOPs = 3 x forward):")
    print(throughput_table(args.throughput_steps, args.batch, args.repeats).to_markdown(index=False, floatfmt=".3g"))


if __name__ == "__main__":
    main()
