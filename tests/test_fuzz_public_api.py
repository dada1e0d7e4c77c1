"""Fuzz the public boundary from its own declarations: every invalid value is a named ValueError/TypeError.

For every function that declares its constraints (`theory.validation.validate_params`) in theory.spikes,
theory.bottleneck, theory.collapse, theory.staircase, numerics.ranks and numerics.quadrature, and for
every symbol of every registered Bound (constraints derived from the sympy assumptions) plus
`Bound.check`'s rtol/atol, one argument at a time is replaced by a value that violates its
declaration, the others staying at a valid baseline. The call must raise ValueError or TypeError
whose message names the argument: never return (a silent result), hang (a per-call time guard fails
the test) or raise anything else. `make test` runs one listed invalid value per (function, argument)
case (413 cases) plus 12 × max_examples = 300 generated ones; the nightly profile runs all 6651
listed values plus 6000 generated.
"""

from __future__ import annotations

import importlib
import signal
from contextlib import contextmanager

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import invalid_values
from theory import registry
from theory.validation import Real, constraints_of

MODULES = ("theory.spikes", "theory.bottleneck", "theory.collapse", "theory.staircase", "numerics.ranks",
           "numerics.quadrature")
# `Bound.check`'s documented ranges: rtol in [0, 1e-6], atol >= 0 (and at most 1e-6·max(1, |lhs|, |rhs|))
CHECK_RTOL, CHECK_ATOL = Real(low=0.0, high=1e-6), Real(low=0.0)
GUARD_S = 20  # a call still running after this is a hang (generous: the machine may be loaded)

_rng = np.random.default_rng(0)
_F = _rng.standard_normal((6, 3))
_W = np.full(6, 0.5)
_Z = sp.Symbol("z", real=True)
_lam = sp.Symbol("lam", positive=True)
_FEATURES = {"features": _F, "weights": _W}

BASELINES = {
    "theory.spikes.spike_threshold": {"k": 2},
    "theory.spikes.spike_degrees": {"alpha": 0.3, "hermite_coefficients": [1.0] * 10, "max_degree": 3, "zero_tol": 1e-12},
    "theory.spikes.spike_count": {"alpha": 0.3, "hermite_coefficients": [1.0] * 10, "max_degree": 3, "zero_tol": 1e-12},
    "theory.spikes.spike_exponent": {"k": 2, "alpha": 0.3},
    "theory.spikes.separation_margin": {"k": 2, "alpha": 0.3},
    "theory.spikes.spike_strength": {"theta": 0.1, "mu_k": 0.5, "k": 2, "n": 100, "N": 100},
    "theory.spikes.monomial_spike_norm": {"theta": 0.1, "mu_k": 0.5, "k": 2, "n": 100, "N": 100},
    "theory.spikes.bbp_critical_strength": {"edge": 2.0, "n": 100, "N": 100},
    "theory.spikes.emergence_alpha": {"k": 2, "mu_k": 0.5, "n": 100, "N": 100, "edge": 2.0},
    "theory.spikes.relu_hermite": {"k": 2, "centred": False},
    "theory.spikes.hermite_coefficient_exact": {"expr": _Z**2, "k": 2, "z": _Z, "method": "moments"},
    "theory.spikes.hermite_coefficients_exact": {"expr": _Z**2, "kmax": 3, "z": _Z, "method": "moments"},
    "theory.spikes.check_activation_finite": {"activation": np.tanh, "name": "act", "points": np.linspace(-1, 1, 5)},
    "theory.spikes.hermite_coefficients_quadrature": {"activation": np.tanh, "kmax": 3, "points": 20, "name": "act"},
    "theory.spikes.hermite_coefficients_mpmath": {"activation": lambda t: t, "kmax": 1, "dps": 15},
    "theory.spikes.hermite_coefficients": {"activation": "tanh", "kmax": 3, "centred": True},
    "theory.bottleneck.linear_representation_cost": {"singular_values": [2.0, 1.0], "depth": 3},
    "theory.bottleneck.linear_cost_term": {"singular_values": [2.0, 1.0], "order": 1},
    "theory.bottleneck.linear_cost_expansion": {"singular_values": [2.0, 1.0], "depth": 3, "order": 1},
    "theory.bottleneck.series_coefficients": {"order": 2},
    "theory.bottleneck.closed_form_coefficient": {"order": 2},
    "theory.bottleneck.minimal_norm_factor_singular_values": {"singular_values": [2.0, 1.0], "depth": 3},
    "theory.bottleneck.balanced_factors": {"A": np.diag([2.0, 1.0]), "depth": 3, "widths": [2, 3]},
    "theory.bottleneck.diagonal_representation_cost": {"w": [1.0, -2.0], "depth": 3},
    "theory.bottleneck.h": {"s": 2.0},
    "theory.bottleneck.dist_to_partial_isometries": {"singular_values": [2.0, 1.0], "k": 1},
    "theory.bottleneck.master_aggregates": {"layer_singular_values": [np.array([2.0, 1.0]), np.array([1.5, 0.5])],
                                            "jacobian_singular_values": np.array([2.0, 0.4]), "k": 1, "theta_norm2": 10.0},
    "theory.bottleneck.rank_selection_threshold": {"k": 2, "r1_k": 0.5, "k_low": 1, "r1_low": 1.0},
    "theory.bottleneck.preferred_inner_dimension": {"depth": 3.0, "candidates": {1: 0.5, 2: 0.2}},
    "theory.bottleneck.pseudo_determinant": {"A": np.diag([2.0, 1.0]), "rtol": 1e-12},
    "theory.bottleneck.log_pseudo_determinant": {"A": np.diag([2.0, 1.0]), "rtol": 1e-12},
    "theory.collapse.lambda_exponent": {"expr": _lam**2, "symbol": _lam},
    "theory.collapse.is_nondecreasing_in": {"expr": _lam**2, "symbol": _lam},
    "theory.collapse.ce_gradient_bound_chain": {"p_y": 0.5},
    "theory.staircase.penalty": {"variant": "paper"},
    "theory.staircase.loss_bound_expr": {"variant": "paper", "dist": sp.Symbol("d", nonnegative=True)},
    "theory.staircase.loss_lower_bound": {"variant": "paper", "p": 2, "n": 5, "eps": 1e-3, "C": 1.0, "C_S": 1.0, "dist": 0.5},
    "theory.staircase.bound_nonincreasing_where_K_rises": {"variant": "tight"},
    "theory.staircase.bound_rises_instance": {"variant": "tight"},
    "theory.staircase.eps_to_zero_limit": {"variant": "tight"},
    "numerics.ranks.singular_values": {"A": _F, "weights": _W},
    "numerics.ranks.gram_matrix": _FEATURES,
    "numerics.ranks.gram_eigenvalues": {**_FEATURES, "method": "svd"},
    "numerics.ranks.gram_error_bound": _FEATURES,
    "numerics.ranks.epsilon_rank": {**_FEATURES, "eps": 1e-3, "method": "auto", "absolute": False},
    "numerics.ranks.is_eps_linearly_dependent": {**_FEATURES, "eps": 1e-3},
    "numerics.ranks.numerical_rank": {"A": _F, "rtol": 1e-9, "atol": 1e-12},
    "numerics.ranks.effective_rank": {"A": _F, "spectrum": "singular"},
    "numerics.ranks.stable_rank": {"A": _F},
    "numerics.ranks.participation_ratio": {"A": _F},
    "numerics.ranks.dist_to_rank": {"A": _F, "k": 1, "norm": "fro"},
    "numerics.quadrature.gauss_legendre": {"a": 0.0, "b": 1.0, "m": 4},
    "numerics.quadrature.trapezoid": {"a": 0.0, "b": 1.0, "m": 4},
    "numerics.quadrature.paper_trapezoid": {"a": 0.0, "b": 1.0, "m": 4},
    "numerics.quadrature.tensor_grid": {"box": [(0.0, 1.0), (0.0, 2.0)], "m": 3, "rule": "trapezoid"},
    "numerics.quadrature.monte_carlo": {"box": [(0.0, 1.0)], "m": 5, "generator": np.random.default_rng(0)},
}


def declared_functions():
    out = {}
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", ()):
            fn = getattr(mod, name)
            if callable(fn) and constraints_of(fn) is not None:
                out[f"{mod_name}.{name}"] = fn
    return out


FUNCTIONS = declared_functions()


def _bound_baseline(bound):
    """A point where ``bound.check`` succeeds (found by a seeded search over its constraints)."""
    rng = np.random.default_rng(1)
    for _ in range(2000):
        vals = {}
        for name, c in bound.constraints.items():
            if c.integer_valued:
                vals[name] = int(rng.integers(1, 8))
            else:
                v = float(rng.uniform(0.1, 3.0))
                vals[name] = -v if c.high is not None else v
        try:
            bound.check(**vals) if bound.lhs is not None else bound.evaluate(**vals)
            return vals
        except ValueError:
            continue
    raise AssertionError(f"no valid point found for bound {bound.name}")


BOUNDS = {f"{t.id}:{b.name}": b for t in registry.theorems() for b in t.bounds}
BOUND_BASELINES = {key: _bound_baseline(b) for key, b in BOUNDS.items()}


class Hang(Exception):
    pass


@contextmanager
def time_guard(what: str):
    def fire(signum, frame):
        raise Hang(f"{what} still running after {GUARD_S} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, GUARD_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _call_cases():
    """(id, callable taking the invalid value, argument name, constraint) for every declared argument."""
    cases = []
    for key, fn in FUNCTIONS.items():
        base = BASELINES.get(key)
        if base is None:
            continue
        for arg, c in constraints_of(fn).items():
            cases.append((f"{key}({arg})", lambda v, fn=fn, base=base, arg=arg: fn(**{**base, arg: v}), arg, c))
    for key, b in BOUNDS.items():
        base = BOUND_BASELINES[key]
        for sym, c in b.constraints.items():
            cases.append((f"{key}.evaluate({sym})", lambda v, b=b, base=base, sym=sym: b.evaluate(**{**base, sym: v}), sym, c))
            if b.lhs is not None:
                cases.append((f"{key}.check({sym})", lambda v, b=b, base=base, sym=sym: b.check(**{**base, sym: v}), sym, c))
        if b.lhs is not None:
            for arg, c in (("rtol", CHECK_RTOL), ("atol", CHECK_ATOL)):
                cases.append((f"{key}.check({arg})", lambda v, b=b, base=base, arg=arg: b.check(**base, **{arg: v}), arg, c))
    return cases


CASES = _call_cases()
# Nightly (max_examples >= 500) runs every listed value of every case; `make test` one per case,
# a different one for each case (cycling through the list), so every argument is still hit.
_ALL = settings.default.max_examples >= 500
LISTED = [(cid, call, arg, v) for i, (cid, call, arg, c) in enumerate(CASES)
          for j, v in enumerate(c.invalid()) if _ALL or j == i % len(c.invalid())]


def _expect_named_rejection(cid, call, arg, value):
    try:
        with time_guard(cid):
            result = call(value)
    except (ValueError, TypeError) as exc:
        assert arg in str(exc), f"{cid}: the error for {value!r} does not name {arg!r}: {exc}"
        return
    except Hang as exc:
        pytest.fail(f"hang: {exc} on {value!r}")
    except Exception as exc:  # noqa: BLE001 - any other type is the finding
        pytest.fail(f"{cid}: {value!r} raised {type(exc).__name__} (want ValueError/TypeError): {exc}")
    pytest.fail(f"{cid}: invalid {value!r} was accepted and returned {result!r}")


def test_every_declared_public_function_has_a_baseline():
    assert len(FUNCTIONS) >= 50, sorted(FUNCTIONS)
    missing = sorted(set(FUNCTIONS) - set(BASELINES))
    assert not missing, f"declared functions without a fuzz baseline: {missing}"
    stale = sorted(set(BASELINES) - set(FUNCTIONS))
    assert not stale, f"baselines for functions that declare nothing: {stale}"


def test_baselines_are_valid():
    for key, fn in FUNCTIONS.items():
        with time_guard(key):
            fn(**BASELINES[key])
    for key, b in BOUNDS.items():
        b.evaluate(**BOUND_BASELINES[key])


def test_fuzz_counts():
    # make test: one listed value per case (>= 400) + 12 × 25 generated; nightly: all (> 6000) + 6000
    assert len(CASES) >= 400 and len(LISTED) >= (6000 if _ALL else len(CASES)), (len(CASES), len(LISTED))


@pytest.mark.parametrize("chunk", range(8))
def test_listed_invalid_values_are_named_rejections(chunk):
    for cid, call, arg, value in LISTED[chunk::8]:
        _expect_named_rejection(cid, call, arg, value)


@given(data=st.data())
@settings(max_examples=12 * settings.default.max_examples)
def test_generated_invalid_values_are_named_rejections(data):
    cid, call, arg, c = data.draw(st.sampled_from(CASES), label="case")
    value = data.draw(invalid_values(c), label="value")
    _expect_named_rejection(cid, call, arg, value)
