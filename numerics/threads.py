"""One way to run small-matrix work on few threads: torch and BLAS together, restored afterwards."""

from __future__ import annotations

import contextlib

import torch
from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def limit_threads(threads: int | None = 1):
    """torch intra-op threads and BLAS threads set to ``threads`` inside the block (``None``: unchanged).

    Tiny networks gain nothing from a second thread and lose a lot when the cores are shared (a
    1,000-step L=2, n=30 run took 97 s on two threads and 3 s on one under load). Also a decorator:
    ``@limit_threads(1)``. For your own loop: ``with limit_threads(1): ...``.
    """
    if threads is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        torch.set_num_threads(old)
