"""Functions the sweep tests run in worker processes (importable by name)."""

from __future__ import annotations

import functools
import os
import time


def logged_point(x: int, log: str, delay: float = 0.0, seed: int = 0) -> dict:
    """Append one line per call to ``log`` (so tests can count calls), sleep, return x² + seed."""
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{x},{seed},{os.getpid()}\n")
    time.sleep(delay)
    return {"y": x * x + seed}


def failing_point(x: int, seed: int = 0) -> dict:
    if x == 2:
        raise ValueError("x=2 is not allowed")
    return {"y": x}


def _scaled(x: int, factor: int = 1, seed: int = 0) -> dict:
    return {"y": factor * x + seed}


scaled_by_three = functools.partial(_scaled, factor=3)
