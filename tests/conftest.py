"""Test configuration: hypothesis profiles (no deadline), shared tolerances, one compute thread.

The tests train tiny networks and factor small matrices, where a second torch or BLAS thread only
adds synchronisation (and spins badly when the 2 cores are shared), so the whole session runs on
one thread; worker processes started by sweeps are not affected.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

# `pytest --rankbounds-plugin my_theorems` without an install (installed, the pytest11 entry point
# registers the same plugin under this name, so it is not loaded twice).
pytest_plugins = ("numerics.pytest_plugin",)

torch.set_num_threads(1)
threadpool_limits(limits=1)

# Profiles. The default ("dev", and "ci" when CI is set) is derandomized: a fixed seed per test, so
# `make test` gives every newcomer the same, green run. "random" (`make test-random`) draws fresh
# examples each run, to find what the fixed seed does not; "nightly" draws 500 per test.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, derandomize=True, **_COMMON)
settings.register_profile("ci", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("random", max_examples=25, **_COMMON)
settings.register_profile("nightly", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# One tolerance table, keyed by dtype (the neural-tangents pattern): atol is relative to σ₁.
TOLERANCES = {
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
    np.dtype(np.float32): {"rtol": 1e-4, "atol": 1e-5},
}


def tol(dtype=np.float64) -> dict[str, float]:
    return TOLERANCES[np.dtype(dtype)]


_PROFILE_TEST_RUNS: dict = {}


@pytest.fixture(scope="session")
def profile_test_run(tmp_path_factory):
    """``run(fn) -> (result, out_dir)``: ``fn("test", seed=0, out_dir=…, quiet=True)`` once per session.

    A registered experiment is checked by its paper's tests and by the generic harness
    (tests/test_registered_theorems.py); both read the same run. Keyed by the function object, so
    an alias (``experiment`` = ``weight_decay_rank``) is one run.
    """

    def run(fn):
        if fn not in _PROFILE_TEST_RUNS:
            out = tmp_path_factory.mktemp(f"{fn.__module__}.{fn.__name__}".replace(".", "_"))
            _PROFILE_TEST_RUNS[fn] = (fn("test", seed=0, out_dir=out, quiet=True), out)
        return _PROFILE_TEST_RUNS[fn]

    return run
