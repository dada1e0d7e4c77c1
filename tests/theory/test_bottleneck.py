"""theory.bottleneck: exact identities (sympy series, balanced factors), the master inequality on
random deep *linear* products (numpy), pseudo-determinant inequalities, input validation."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import theory.bottleneck as bn
from tests.strategies import matrices_with_spectrum, random_orthogonal, seeds


def _svals(A):
    return np.sort(np.linalg.svd(A, compute_uv=False))[::-1]


# -- §1 deep linear cost and its expansion ----------------------------------------------------


@pytest.mark.parametrize("order", range(6))
def test_series_coefficients_match_closed_form(order):
    coeffs = bn.series_coefficients(order)
    assert len(coeffs) == order + 1
    for j, c in enumerate(coeffs):
        assert sp.simplify(c - bn.closed_form_coefficient(j)) == 0


def test_low_order_terms_are_rank_logpdet_and_log_squares():
    s = sp.Symbol("s", positive=True)
    c = bn.series_coefficients(2)
    assert c[0] == 1
    assert sp.simplify(c[1] - 2 * sp.log(s)) == 0
    assert sp.simplify(c[2] - 2 * sp.log(s) ** 2) == 0
    A = np.diag([3.0, 0.5, 0.0])
    sv = _svals(A)
    assert bn.linear_cost_term(sv, 0) == 2.0  # rank
    assert bn.linear_cost_term(sv, 1) == pytest.approx(2 * bn.log_pseudo_determinant(A), rel=1e-12)
    assert bn.linear_cost_term(sv, 2) == pytest.approx(2 * (math.log(3) ** 2 + math.log(0.5) ** 2), rel=1e-12)


@given(matrices_with_spectrum(max_side=6, min_sv=0.05, max_sv=5.0), st.integers(0, 4))
def test_truncated_expansion_error_is_next_order(As, order):
    A, s = As
    # Remainder of the exponential series: |R - Σ_{j≤order}| ≤ L^{-order} Σ_i |2 log s_i|^{order+1}/(order+1)! · e^{2|log s_i|/L}.
    for L in (20, 80, 320):
        exact = bn.linear_representation_cost(s, L)
        approx = bn.linear_cost_expansion(s, L, order)
        a = np.abs(2 * np.log(s))
        bound = L ** (-order) * np.sum(a ** (order + 1) * np.exp(a / L)) / math.factorial(order + 1)
        assert abs(exact - approx) <= bound * (1 + 1e-9) + 1e-9


def test_cost_divided_by_depth_tends_to_rank():
    s = np.array([4.0, 1.0, 0.01, 0.0])
    vals = [bn.linear_representation_cost(s, L) / L for L in (10, 100, 10_000)]
    assert vals[-1] == pytest.approx(3.0, abs=2e-3)
    assert abs(vals[0] - 3) > abs(vals[1] - 3) > abs(vals[2] - 3)


@given(matrices_with_spectrum(max_side=5, min_sv=0.05, max_sv=4.0), st.integers(1, 6), seeds)
def test_balanced_factors_attain_cost_and_random_factorisations_do_not_beat_it(As, L, seed):
    A, s = As
    Ws = bn.balanced_factors(A, L, widths=[s.size + 2] * (L - 1))
    P = Ws[-1]
    for W in Ws[-2::-1]:
        P = P @ W
    cost = bn.linear_representation_cost(s, L)
    np.testing.assert_allclose(P, A, atol=1e-10 * max(1.0, s[0]))
    assert sum(float((W**2).sum()) for W in Ws) == pytest.approx(cost, rel=1e-10)
    for W in Ws:
        np.testing.assert_allclose(_svals(W)[: s.size], bn.minimal_norm_factor_singular_values(s, L), rtol=1e-9)
    # Any other factorisation: insert random invertible G_ℓ between layers: same product, cost ≥ R(A; L).
    rng = np.random.default_rng(seed)
    Gs = [np.eye(s.size + 2) + 0.5 * rng.standard_normal((s.size + 2, s.size + 2)) for _ in range(L - 1)]
    other = [W.copy() for W in Ws]
    for ell, G in enumerate(Gs):
        other[ell] = G @ other[ell]
        other[ell + 1] = other[ell + 1] @ np.linalg.inv(G)
    norm2 = sum(float((W**2).sum()) for W in other)
    check = bn.DEEP_LINEAR_COST.check(theta_norm2=norm2, L=L, schatten=float(np.sum(s ** (2 / L))))
    assert check.holds


def test_diagonal_cost_is_lp_quasi_norm_and_matches_coordinatewise_amgm():
    w = np.array([2.0, -0.5, 0.0, 1.0])
    L = 4
    assert bn.diagonal_representation_cost(w, L) == pytest.approx(L * (2**0.5 + 0.5**0.5 + 1.0), rel=1e-14)
    # Balanced diagonal factors |w_i|^{1/L} attain it; a diagonal network is a deep linear net of diag(w).
    assert bn.diagonal_representation_cost(w, L) == pytest.approx(bn.linear_representation_cost(np.abs(w), L), rel=1e-14)
    rng = np.random.default_rng(0)
    for _ in range(200):  # unbalanced diagonal factorisations of w cost more
        f = np.exp(rng.standard_normal((L - 1, w.size)))
        factors = np.vstack([f, w / np.prod(f, axis=0)])
        assert float((factors**2).sum()) >= bn.diagonal_representation_cost(w, L) - 1e-12


# -- §2, §3 master inequality on deep linear products (the ReLU version lives in tests/numerics) --


def test_h_is_nonnegative_and_dominates_squared_distance_to_one():
    s = np.geomspace(1e-3, 1e3, 2001)
    hv = bn.h(s)
    assert np.all(hv >= (s - 1) ** 2 - 1e-12)
    assert bn.h(1.0) == 0.0


def test_distance_to_partial_isometries_matches_projection():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((5, 4))
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    for k in range(5):
        P = U[:, :k] @ Vt[:k]
        assert bn.dist_to_partial_isometries(s, k) == pytest.approx(float(((W - P) ** 2).sum()), rel=1e-12)
        # any other rank-k partial isometry is farther
        Q = random_orthogonal(rng, 5)[:, :k] @ random_orthogonal(rng, 4)[:, :k].T
        assert float(((W - Q) ** 2).sum()) >= bn.dist_to_partial_isometries(s, k) - 1e-12


@given(st.integers(1, 7), st.integers(1, 6), st.floats(0.2, 3.0), seeds)
def test_master_inequality_on_random_deep_linear_products(L, width, scale, seed):
    rng = np.random.default_rng(seed)
    Ws = [scale * rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(L)]
    J = Ws[-1]
    for W in Ws[-2::-1]:
        J = J @ W
    sj = _svals(J)
    rank = int(np.count_nonzero(sj > 1e-7 * sj[0]))
    norm2 = sum(float((W**2).sum()) for W in Ws)
    u = np.finfo(np.float64).eps
    prod_norm = float(np.prod([_svals(W)[0] for W in Ws]))
    for k in range(1, rank + 1):
        agg = bn.master_aggregates([_svals(W) for W in Ws], sj, k, norm2)
        # width 1 (and L = 1) make (★) an identity, so only rounding decides the sign of the slack.
        # Honest scale: (L + k)·u times the sum of the magnitudes of the terms, plus the error of
        # log σ_i(J) from forming J = W_L⋯W_1: |Δσ_i| ≲ (L + width)·u·Π‖W_ℓ‖₂, so Δlog σ_i ≲ that/σ_i.
        # Measured over 4000 random cases: at most 0.99× this; 8× leaves room.
        terms = agg.k * agg.L + 2 * abs(agg.logdet_J) + agg.H + agg.T + agg.D + agg.theta_norm2
        atol = 8 * ((agg.L + k) * u * terms + 2 * (L + width) * u * prod_norm * float(np.sum(1 / sj[:k])))
        for bound in (bn.MASTER_INEQUALITY, bn.MASTER_AMGM, bn.BOTTLENECK_DISTANCE):
            assert bound.check(**agg.values_for(bound), rtol=0.0, atol=atol).holds, (bound.name, k, agg, atol)
        assert agg.D <= agg.H + agg.T + atol


def test_master_inequality_is_tight_for_balanced_factors_and_amgm_for_equal_spectra():
    # Balanced factors of A with k = rank A: (★) holds with equality since Horn is an equality.
    s = np.array([3.0, 0.7])
    A = np.diag(s)
    L = 5
    Ws = bn.balanced_factors(A, L)
    agg = bn.master_aggregates([_svals(W) for W in Ws], s, 2, sum(float((W**2).sum()) for W in Ws))
    assert bn.MASTER_INEQUALITY.check(**agg.values_for(bn.MASTER_INEQUALITY)).slack == pytest.approx(0, abs=1e-12)
    # AM–GM is tight when all top-k singular values of all layers are equal.
    Ws = bn.balanced_factors(np.diag([2.0, 2.0]), L)
    agg = bn.master_aggregates([_svals(W) for W in Ws], np.array([2.0, 2.0]), 2, sum(float((W**2).sum()) for W in Ws))
    assert bn.MASTER_AMGM.check(**agg.values_for(bn.MASTER_AMGM)).slack == pytest.approx(0, abs=1e-12)


def test_master_inequality_fails_when_the_jacobian_is_overstated():
    # Sanity of the Bound's direction: a Jacobian larger than the layers allow violates it.
    Ws = bn.balanced_factors(np.diag([1.0, 1.0]), 4)
    svs = [_svals(W) for W in Ws]
    agg = bn.master_aggregates(svs, np.array([10.0, 10.0]), 2, sum(float((W**2).sum()) for W in Ws))
    assert not bn.MASTER_INEQUALITY.check(**agg.values_for(bn.MASTER_INEQUALITY)).holds


def test_master_aggregates_rejects_k_beyond_rank():
    with pytest.raises(ValueError, match="exceeds rank"):
        bn.master_aggregates([np.array([1.0, 1.0])], np.array([1.0, 0.0]), 2, 2.0)
    with pytest.raises(ValueError, match="k must be"):
        bn.master_aggregates([np.array([1.0])], np.array([1.0]), 0, 1.0)
    with pytest.raises(ValueError, match="theta_norm2"):
        bn.master_aggregates([np.array([1.0])], np.array([1.0]), 1, float("nan"))


# -- §4 rank selection ----------------------------------------------------------------------


def test_rank_selection_threshold_matches_sympy_solve():
    Ls = sp.Symbol("L", positive=True)
    k, kl, r1k, r1l = 3, 1, sp.Rational(-5, 2), sp.Integer(4)
    sol = sp.solve(sp.StrictLessThan(Ls * kl + r1l, Ls * k + r1k), Ls)  # k' strictly cheaper
    thr = bn.rank_selection_threshold(k, float(r1k), kl, float(r1l))
    assert sol.as_set() == sp.Interval.open(sp.Rational(13, 4), sp.oo)
    assert thr == 3.25
    assert bn.preferred_inner_dimension(thr - 0.01, {k: float(r1k), kl: float(r1l)}) == k
    assert bn.preferred_inner_dimension(thr + 0.01, {k: float(r1k), kl: float(r1l)}) == kl


def test_rank_selection_predicts_exact_linear_cost_preference_away_from_threshold():
    # Two linear maps: rank 2 with small singular values (R1 < 0) and rank 1 with a large one.
    s_hi, s_lo = np.array([0.8, 0.8]), np.array([math.exp(1.5)])
    thr = bn.rank_selection_threshold(2, bn.linear_cost_term(s_hi, 1), 1, bn.linear_cost_term(s_lo, 1))
    assert thr == pytest.approx(3 - 4 * math.log(0.8))
    # The exact costs L Σ s^{2/L} agree with the two-term choice once the O(1/L) term is negligible.
    for L in (1, 2):
        assert bn.linear_representation_cost(s_hi, L) < bn.linear_representation_cost(s_lo, L)
    for L in (20, 100, 1000):
        assert bn.linear_representation_cost(s_lo, L) < bn.linear_representation_cost(s_hi, L)
        assert bn.preferred_inner_dimension(L, {2: bn.linear_cost_term(s_hi, 1), 1: bn.linear_cost_term(s_lo, 1)}) == 1


def test_rank_selection_rejects_bad_input():
    with pytest.raises(ValueError, match="k_low must be < k"):
        bn.rank_selection_threshold(1, 0.0, 2, 0.0)
    with pytest.raises(ValueError, match="r1_k"):
        bn.rank_selection_threshold(2, float("inf"), 1, 0.0)


# -- §5 pseudo-determinants ----------------------------------------------------------------------


@given(st.integers(1, 5), st.integers(1, 4), seeds)
def test_pdet_product_inequality_under_equal_ranks(n, r, seed):
    r = min(r, n)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, r)) @ rng.standard_normal((r, n))
    B = rng.standard_normal((n, r)) @ rng.standard_normal((r, n))
    assume_rank = np.linalg.matrix_rank(A @ B) == np.linalg.matrix_rank(A) == np.linalg.matrix_rank(B)
    assert assume_rank  # generic draws satisfy it
    c = bn.PDET_PRODUCT.check(
        logpdet_A=bn.log_pseudo_determinant(A), logpdet_B=bn.log_pseudo_determinant(B),
        logpdet_AB=bn.log_pseudo_determinant(A @ B), rtol=1e-9, atol=1e-9,
    )
    assert c.holds


@given(st.integers(2, 6), seeds)
def test_pdet_sum_inequality_when_ranks_add(n, seed):
    rng = np.random.default_rng(seed)
    ra = int(rng.integers(1, n))
    rb = int(rng.integers(1, n - ra + 1))
    A = rng.standard_normal((n, ra)) @ rng.standard_normal((ra, n))
    B = rng.standard_normal((n, rb)) @ rng.standard_normal((rb, n))
    assert np.linalg.matrix_rank(A + B) == ra + rb
    c = bn.PDET_SUM.check(
        logpdet_A=bn.log_pseudo_determinant(A), logpdet_B=bn.log_pseudo_determinant(B),
        logpdet_ApB=bn.log_pseudo_determinant(A + B), rtol=1e-9, atol=1e-9,
    )
    assert c.holds


def test_pdet_inequalities_fail_without_their_rank_conditions():
    d = 1e-2
    A, B = np.diag([1.0, d]), np.diag([1.0, 0.0])  # rank AB = 1 < rank A = 2
    assert bn.pseudo_determinant(A @ B) > bn.pseudo_determinant(A) * bn.pseudo_determinant(B)
    A = B = d * np.eye(3)  # rank(A+B) = 3 < 6
    assert bn.pseudo_determinant(A + B) > bn.pseudo_determinant(A) * bn.pseudo_determinant(B)


def test_pseudo_determinant_of_rank_deficient_matrix():
    A = np.diag([2.0, 3.0, 0.0])
    assert bn.pseudo_determinant(A) == pytest.approx(6.0)
    assert bn.pseudo_determinant(np.zeros((2, 2))) == 1.0  # empty product


# -- registry, validation, purity ------------------------------------------------------------


def test_theorems_registered_as_ours_with_experiments():
    from theory import registry

    for tid in ("bottleneck.master_inequality", "bottleneck.deep_linear_cost"):
        th = registry.get(tid)
        assert th.ours and th.paper == "arXiv 2305.19008" and th.note == "proofs_notes/bottleneck.md"
        assert all(b.citation.startswith("derived here: proofs_notes/bottleneck.md") for b in th.bounds)
        assert th.experiment.startswith("numerics.bottleneck.experiment:")


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: bn.linear_representation_cost([1.0, -1.0], 3), ValueError, "singular_values"),
        (lambda: bn.linear_representation_cost([1.0], 0), ValueError, "depth"),
        (lambda: bn.linear_representation_cost([1.0], 2.5), TypeError, "depth"),
        (lambda: bn.linear_representation_cost("abc", 2), TypeError, "singular_values"),
        (lambda: bn.linear_cost_term([1.0], -1), ValueError, "order"),
        (lambda: bn.diagonal_representation_cost([np.nan], 2), ValueError, "w"),
        (lambda: bn.h(0.0), ValueError, "s must"),
        (lambda: bn.dist_to_partial_isometries([1.0], 2), ValueError, "k must"),
        (lambda: bn.balanced_factors(np.eye(2), 3, widths=[1, 1]), ValueError, "widths"),
        (lambda: bn.series_coefficients(-1), ValueError, "order"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_import_theory_bottleneck_does_not_import_torch():
    code = "import sys, theory.bottleneck; assert 'torch' not in sys.modules and 'numerics' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_deep_linear_cost_carries_the_factor_L_and_is_attained():
    # R(A; L) = L Σ s^{2/L}: the bound side is L·schatten, not schatten (a weaker, still true bound).
    s = np.array([3.0, 0.5])
    for L in (2, 3, 7):
        schatten = float(np.sum(s ** (2.0 / L)))
        assert bn.DEEP_LINEAR_COST.evaluate(L=L, schatten=schatten) == L * schatten
        Ws = bn.balanced_factors(np.diag(s), L)
        norm2 = sum(float((W**2).sum()) for W in Ws)
        c = bn.DEEP_LINEAR_COST.check(theta_norm2=norm2, L=L, schatten=schatten)
        assert c.holds and abs(c.slack) <= 1e-12 * norm2  # balanced factors attain it
        # a norm between schatten and L·schatten would pass without the factor L: it must not
        assert not bn.DEEP_LINEAR_COST.check(theta_norm2=0.5 * (1 + L) * schatten, L=L, schatten=schatten).holds
