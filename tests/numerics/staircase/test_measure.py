"""numerics.staircase.measure: the Thm 3.2 random features, Lemma 3.1 by brute force, and the 1/√n conjecture search
(arXiv 2412.05144, §3)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory.staircase as ts
from numerics.features import gaussian_layer
from numerics.gram import rank_revealing_subset
from numerics.quadrature import gauss_legendre
from numerics.staircase.config import THM3_2_ACTIVATIONS
from numerics.staircase.measure import max_min_subset_sv, random_features, search_conjecture
from tests.strategies import random_orthogonal, seeds


# --- random features -----------------------------------------------------------------------
@pytest.mark.parametrize("activation", THM3_2_ACTIVATIONS)
def test_random_features_are_stacked_gaussian_layers(activation):
    x = gauss_legendre(-1.0, 1.0, 30).points
    phi = random_features(x, 7, activation, 3.0, np.random.default_rng(5), depth=2)
    rng = np.random.default_rng(5)
    first = gaussian_layer(1, 7, 3.0, rng, activation=activation)
    second = gaussian_layer(7, 7, 3.0, rng, activation=activation)
    assert phi.shape == (30, 7)
    np.testing.assert_array_equal(phi, second(first(x)))


def test_random_features_validation_names_the_argument():
    x = np.zeros((4, 1))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="activation must be one of"):
        random_features(x, 3, "swish", 1.0, rng)
    with pytest.raises(ValueError, match="scale"):
        random_features(x, 3, "tanh", 0.0, rng)
    with pytest.raises(ValueError, match="depth"):
        random_features(x, 3, "tanh", 1.0, rng, depth=0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        random_features(x, 3, "tanh", 1.0, 0)


# --- Lemma 3.1 and the conjecture -----------------------------------------------------------
@given(seeds, st.integers(2, 8).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))))
def test_lemma3_1_on_random_orthonormal_Q(seed, pn):
    p, n = pn
    Q = random_orthogonal(np.random.default_rng(seed), n)[:, :p]
    value, S = max_min_subset_sv(Q)
    assert value >= ts.lemma3_1.evaluate(p=p, n=n) * (1 - 1e-12)
    # brute force really is the max: no subset does better
    for comb in itertools.combinations(range(n), p):
        assert np.linalg.svd(Q[list(comb)], compute_uv=False)[-1] <= value * (1 + 1e-12)
    # CS decomposition: the complementary tail block V22 has the same σ_min
    Qfull = random_orthogonal(np.random.default_rng(seed), n)
    kept, _ = rank_revealing_subset(Qfull, p)
    Sc = [j for j in range(n) if j not in kept]
    v_top = np.linalg.svd(Qfull[list(kept), :p], compute_uv=False)[-1]
    v_tail = np.linalg.svd(Qfull[np.ix_(Sc, range(p, n))], compute_uv=False)[-1]
    assert v_top == pytest.approx(v_tail, rel=1e-9)


@pytest.mark.parametrize("n", [3, 4, 6])
def test_conjecture_is_sharp_at_p_equal_1(n):
    # the flat vector: every 1×1 submatrix has σ = 1/√n, so the conjectured bound is attained
    Q = np.full((n, 1), 1 / np.sqrt(n))
    assert max_min_subset_sv(Q)[0] * np.sqrt(n) == pytest.approx(1.0, rel=1e-12)


def test_conjecture_is_attained_at_n4_p2_regression_example():
    """The search's minimiser at (n, p) = (4, 2), in closed form: max_S σ_min(Q_S) = 1/2 = 1/√n exactly.

    So the conjectured 1/√n is sharp (attained) at p = 2 as well, not only at p = 1, n − 1.
    Exact check by sympy: σ_min² of each 2×2 submatrix is the smallest eigenvalue of Q_SᵀQ_S.
    """
    import sympy as sp

    r2, r6 = sp.sqrt(2), sp.sqrt(6)
    Q = sp.Matrix([[r6 / 4, 0], [r2 / 4, r2 / 2], [r2 / 4, -r2 / 2], [r6 / 4, 0]])
    assert sp.simplify(Q.T * Q - sp.eye(2)) == sp.zeros(2, 2)

    def smin2(rows):
        A = Q.extract(list(rows), [0, 1])
        return min(sp.nsimplify(v) for v in (A.T * A).eigenvals())

    assert max(smin2(S) for S in itertools.combinations(range(4), 2)) == sp.Rational(1, 4)
    value, _ = max_min_subset_sv(np.array(Q.evalf(30), dtype=float))
    assert value == pytest.approx(0.5, rel=1e-14)


@settings(max_examples=20)
@given(seeds, st.integers(3, 7).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))))
def test_conjecture_holds_on_random_Q(seed, pn):
    p, n = pn
    Q = random_orthogonal(np.random.default_rng(seed), n)[:, :p]
    assert max_min_subset_sv(Q)[0] * np.sqrt(n) >= 1 - 1e-12


def test_conjecture_search_cheap():
    r = search_conjecture(4, 2, starts=2, maxiter=200, seed=0)
    Q = r["Q"]
    np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)
    assert r["ratio"] == pytest.approx(np.sqrt(4) * max_min_subset_sv(Q)[0], rel=1e-12)
    assert r["ratio"] >= r["lemma_ratio"]  # Lemma 3.1 is a theorem
    assert r["ratio"] >= 1 - 1e-9, f"counterexample to the 1/sqrt(n) conjecture: {r}"
    # the search really minimises: it gets near the conjectured sharp value 1 (2000 Haar Q: min 1.06, median 1.48)
    assert r["ratio"] <= 1.01


@pytest.mark.slow
@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_conjecture_search_full(n):
    for p in range(2, n - 1):
        r = search_conjecture(n, p, starts=5, maxiter=500, seed=10 * n + p)
        assert r["ratio"] >= r["lemma_ratio"]
        assert r["ratio"] >= 1 - 1e-9, f"counterexample to the 1/sqrt(n) conjecture: {r}"
