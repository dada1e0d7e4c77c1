"""numerics.threads.limit_threads: sets torch and BLAS threads inside the block, restores both after."""

from __future__ import annotations

import torch
from threadpoolctl import threadpool_info

from numerics.threads import limit_threads


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_limit_threads_sets_and_restores_torch_and_blas():
    before_torch, before_blas = torch.get_num_threads(), _blas_threads()
    with limit_threads(2):
        assert torch.get_num_threads() == 2
        assert _blas_threads() <= {2}
    assert torch.get_num_threads() == before_torch and _blas_threads() == before_blas


def test_limit_threads_as_decorator_and_none_leaves_settings():
    @limit_threads(2)
    def inside():
        return torch.get_num_threads()

    assert inside() == 2 and inside() == 2  # reusable
    before = torch.get_num_threads()
    with limit_threads(None):
        assert torch.get_num_threads() == before
