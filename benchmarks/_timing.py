"""Timing helpers shared by the benchmark scripts (run as ``python benchmarks/<name>.py``)."""

from __future__ import annotations

import os
import time

import numpy as np


def timed(fn, repeats: int) -> tuple[float, object]:
    """(median wall time over ``repeats`` calls, the last call's result)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def best_of(fn, repeats: int, warmup: bool = True) -> dict[str, float]:
    """Least wall and least CPU time (this process, all threads) over ``repeats`` calls, after one untimed call.

    On a shared machine the CPU time is the steadier measure of work: another process taking the
    core stretches the wall time of a single-threaded loop but not its CPU time.
    """
    if warmup:
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"wall": float(min(wall)), "cpu": float(min(cpu))}


def machine_line() -> str:
    """CPU model, cores and the 1/5/15-minute load averages, for the line printed beside a table."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{model}, {os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
