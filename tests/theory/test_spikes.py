"""theory.spikes: exact thresholds and counts, Hermite coefficients, exponents, bounds, bad input."""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import registry
from theory import spikes as T

GENERIC = [1.0] * 64  # every μ_k ≠ 0


# -------------------------------------------------------------------------- thresholds and counts
def test_threshold_values_are_exact_rationals():
    expected = [0, sp.Rational(1, 4), sp.Rational(1, 3), sp.Rational(3, 8), sp.Rational(2, 5),
                sp.Rational(5, 12), sp.Rational(3, 7), sp.Rational(7, 16)]
    got = [T.spike_threshold(k) for k in range(1, 9)]
    assert got == expected
    assert all(isinstance(a, sp.Rational) for a in got)


def test_threshold_is_where_exponent_meets_bulk_symbolically():
    k, a = sp.symbols("k alpha", positive=True)
    # e_k(α_k) = 1/2 exactly, and the margin is k(α − 1/2) + 1/2
    assert sp.simplify(T.spike_exponent(k, (k - 1) / (2 * k)) - T.BULK_EXPONENT) == 0
    assert sp.simplify(T.separation_margin(k, a) - (k * (a - sp.Rational(1, 2)) + sp.Rational(1, 2))) == 0
    # α > α_k ⇔ k < 1/(1 − 2α) on [0, 1/2): both say k(1 − 2α) < 1
    assert sp.simplify((1 - 2 * a) * k - 1 - (-2 * k) * (a - (k - 1) / (2 * k))) == 0


def test_exponent_table_from_note():
    # research note §5.3: α = 0.3 -> e = 0.8, 0.6, 0.4 ; α = 0.35 -> 0.85, 0.7, 0.55, 0.4
    assert [T.spike_exponent(k, sp.Rational(3, 10)) for k in (1, 2, 3)] == [sp.Rational(4, 5), sp.Rational(3, 5), sp.Rational(2, 5)]
    assert [T.spike_exponent(k, sp.Rational(7, 20)) for k in (1, 2, 3, 4)] == [
        sp.Rational(17, 20), sp.Rational(7, 10), sp.Rational(11, 20), sp.Rational(2, 5)]


@given(st.fractions(min_value=0, max_value=Fraction(499, 1000), max_denominator=10**6))
def test_generic_count_equals_ceiling_formula_and_threshold_count(alpha):
    a = sp.Rational(alpha.numerator, alpha.denominator)
    ell = T.spike_count(alpha, lambda k: 1)
    assert ell == T.generic_spike_count(alpha) == int(sp.ceiling(1 / (1 - 2 * a))) - 1
    assert ell == sum(1 for k in range(1, ell + 3) if a > T.spike_threshold(k))


@pytest.mark.parametrize("k", range(1, 9))
def test_count_is_strict_at_the_threshold(k):
    a_k = T.spike_threshold(k)
    eps = sp.Rational(1, 10**9)
    assert T.spike_count(a_k, GENERIC) == k - 1  # at α = α_k the spike is not yet counted
    assert T.spike_count(a_k + eps, GENERIC) == k
    if k > 1:
        assert T.spike_count(a_k - eps, GENERIC) == k - 1


def _count_table(coeffs, windows):
    return [T.spike_count(sp.Rational(lo + hi) / 2, coeffs) for lo, hi in windows]


def test_count_tables_match_research_note():
    q = sp.Rational
    # generic σ: (0,1/4) -> 1, (1/4,1/3) -> 2, (1/3,3/8) -> 3, (3/8,2/5) -> 4
    assert _count_table(GENERIC, [(0, q(1, 4)), (q(1, 4), q(1, 3)), (q(1, 3), q(3, 8)), (q(3, 8), q(2, 5))]) == [1, 2, 3, 4]
    tanh = T.hermite_coefficients("tanh", 12)
    windows = [(0, q(1, 3)), (q(1, 3), q(2, 5)), (q(2, 5), q(3, 7))]
    assert _count_table(tanh, windows) == [1, 2, 3]
    assert [T.spike_degrees((lo + hi) / 2, tanh) for lo, hi in windows] == [[1], [1, 3], [1, 3, 5]]
    relu = T.hermite_coefficients("relu", 12)
    windows = [(0, q(1, 4)), (q(1, 4), q(3, 8)), (q(3, 8), q(5, 12))]
    assert _count_table(relu, windows) == [1, 2, 3]
    assert [T.spike_degrees((lo + hi) / 2, relu) for lo, hi in windows] == [[1], [1, 2], [1, 2, 4]]
    gelu = T.hermite_coefficients("gelu", 12)
    assert _count_table(gelu, windows) == [1, 2, 3]


def test_count_restricted_to_low_degrees():
    tanh = T.hermite_coefficients("tanh", 12)
    relu = T.hermite_coefficients("relu", 12)
    for alpha in (0.15, 0.30, 0.35, 0.40, 0.45):
        assert T.spike_count(alpha, tanh, max_degree=2) == 1  # tanh: 1 spike everywhere past 0
    assert [T.spike_count(a, relu, max_degree=2) for a in (0.0, 0.2, 0.3, 0.45)] == [0, 1, 2, 2]


def test_count_accepts_mapping_and_callable_and_exact_zero():
    mapping = {1: sp.Rational(1, 2), 2: sp.Integer(0), 3: sp.sqrt(2)}
    assert T.spike_degrees(sp.Rational(7, 20), mapping) == [1, 3]
    assert T.spike_count(sp.Rational(7, 20), lambda k: 0 if k % 2 == 0 else 1) == 2


# -------------------------------------------------------------------------- Hermite coefficients
def test_relu_closed_form_equals_sympy_integral():
    moments = T.hermite_coefficients_exact(sp.Max(T.Z, 0), 8)
    integral = T.hermite_coefficients_exact(sp.Max(T.Z, 0), 4, method="integrate")
    closed = [T.relu_hermite(k) for k in range(9)]
    assert all(sp.simplify(a - b) == 0 for a, b in zip(moments, closed))
    assert all(sp.simplify(a - b) == 0 for a, b in zip(integral, closed))
    inv = 1 / sp.sqrt(2 * sp.pi)
    assert closed[:7] == [inv, sp.Rational(1, 2), inv, 0, -inv, 0, 3 * inv]
    numeric = T.hermite_coefficients_mpmath(T.ACTIVATIONS["relu"][2], 6, dps=20)
    np.testing.assert_allclose(numeric, [float(c) for c in closed[:7]], atol=1e-12)


def test_polynomial_coefficients_are_exact_and_expand_sigma():
    z = T.Z
    sigma = z**3 - 2 * z + 5
    mus = T.hermite_coefficients_exact(sigma, 5)
    assert mus == [5, 1, 0, 6, 0, 0]
    rebuilt = sum(mu / sp.factorial(k) * sp.hermite_prob(k, z) for k, mu in enumerate(mus))
    assert sp.expand(rebuilt - sigma) == 0  # σ = Σ (μ_k/k!) He_k: the stated normalisation
    assert T.hermite_coefficients_exact(sigma, 3, method="integrate") == mus[:4]


@pytest.mark.parametrize("name", ["tanh", "gelu", "softplus", "tq"])
def test_quadrature_agrees_with_mpmath(name):
    _, fn, mp_fn = T.ACTIVATIONS[name]
    quad = T.hermite_coefficients_quadrature(fn, 6)
    ref = T.hermite_coefficients_mpmath(mp_fn, 6, dps=20)
    np.testing.assert_allclose(quad, ref, rtol=0, atol=1e-10)


def test_quadrature_values_match_research_note_table():
    tanh = T.hermite_coefficients_quadrature(np.tanh, 6)
    np.testing.assert_allclose(tanh[[1, 3, 5]], [0.6057, -0.3636, 0.6852], atol=6e-5)
    np.testing.assert_allclose(tanh[[0, 2, 4, 6]], 0, atol=1e-14)
    gelu = T.hermite_coefficients_quadrature(T.ACTIVATIONS["gelu"][1], 6)
    np.testing.assert_allclose(gelu, [0.2821, 0.5, 0.4231, 0, -0.3526, 0, 0.7405], atol=6e-5)


def test_quadrature_is_exact_for_polynomials():
    mus = T.hermite_coefficients_quadrature(lambda z: z**3 - 2 * z + 5, 5, points=10)
    np.testing.assert_allclose(mus, [5, 1, 0, 6, 0, 0], atol=1e-12)


# -------------------------------------------------------------------------- strength and BBP
def test_strength_formula_and_monomial_norm():
    th, mu, n, N = sp.symbols("theta mu n N", positive=True)
    assert T.spike_strength(th, mu, 2, n, N) == th**2 * mu * sp.sqrt(n * N)
    assert math.isclose(T.spike_strength(0.15, 0.5, 1, 2000, 2000), 150.0)
    # (2k−1)!!/k!: 1, 3/2, 15/6
    assert math.isclose(T.monomial_spike_norm(1.0, 1.0, 3, 1, 1), 15 / 6)


def test_emergence_alpha_inverts_bbp_criterion():
    mu2, n, edge = 0.4, 2000, 71.0
    a_star = T.emergence_alpha(2, mu2, n, n, edge)
    theta = n ** (a_star - 0.5)
    assert math.isclose(T.monomial_spike_norm(theta, mu2, 2, n, n), T.bbp_critical_strength(edge, n, n), rel_tol=1e-12)
    assert 0.25 < a_star < 0.3  # the finite-size shift at the note's settings


# -------------------------------------------------------------------------- registry and bounds
def test_registered_theorems():
    thm = registry.get("spikes.count")
    assert thm.experiment == "numerics.spikes.experiment:count" and thm.paper == "arXiv 2310.07891"
    assert registry.get("spikes.strength").bound("strength_within_15pct").ours


def test_bounds_check_the_right_thing():
    assert T.COUNT_BOUND.check(m_measured=2, ell_predicted=2).holds
    assert not T.COUNT_BOUND.check(m_measured=1, ell_predicted=2).holds
    ok = T.STRENGTH_BOUND.check(P=17.0, theta=0.15, mu_k=0.3989, n=2000, N=2000, k=2)
    bad = T.STRENGTH_BOUND.check(P=14.0, theta=0.15, mu_k=0.3989, n=2000, N=2000, k=2)
    assert ok.holds and not bad.holds


def test_importing_theory_spikes_does_not_import_torch():
    code = "import theory.spikes, sys; assert 'torch' not in sys.modules and 'numerics' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("alpha", [0.5, 0.7, -0.01, sp.Rational(1, 2), float("nan"), float("inf")])
def test_alpha_outside_range_is_rejected_by_name(alpha):
    with pytest.raises(ValueError, match="alpha"):
        T.spike_count(alpha, GENERIC)


@pytest.mark.parametrize("alpha", ["0.3", None, True])
def test_alpha_of_wrong_type(alpha):
    with pytest.raises(TypeError, match="alpha"):
        T.spike_count(alpha, GENERIC)


def test_threshold_degree_validation():
    with pytest.raises(ValueError, match="k"):
        T.spike_threshold(0)
    with pytest.raises(TypeError, match="k"):
        T.spike_threshold(1.5)


def test_too_short_coefficient_list_is_named():
    with pytest.raises(ValueError, match="hermite_coefficients"):
        T.spike_count(0.45, [0.0, 1.0, 1.0])


def test_non_finite_activation_is_rejected_by_name():
    with pytest.raises(ValueError, match="activation must return finite values"):
        T.hermite_coefficients_quadrature(lambda z: np.exp(z**3), 4)
    with pytest.raises(ValueError, match="activation"):
        T.hermite_coefficients_quadrature(lambda z: np.where(z > 1, np.nan, z), 4)
    with pytest.raises(ValueError, match="hermite_coefficients must be finite"):
        T.spike_count(0.2, [0.0, float("nan")])


# -------------------------------------------------------------------------- issue 17: no silent results, no hangs
@pytest.mark.parametrize("arg", ["edge", "n", "N"])
@pytest.mark.parametrize("value", [0, -1, -1e-300, float("inf"), float("nan")])
def test_bbp_critical_strength_rejects_non_positive_or_non_finite_sizes(arg, value):
    good = {"edge": 2.0, "n": 100, "N": 400}
    with pytest.raises(ValueError, match=f"^{arg} must be finite and > 0"):
        T.bbp_critical_strength(**{**good, arg: value})
    with pytest.raises(TypeError, match=f"^{arg} must be a real number"):
        T.bbp_critical_strength(**{**good, arg: "1"})
    # valid: the formula, and no overflow of n·N at extreme sizes
    assert T.bbp_critical_strength(2.0, 100, 400) == 2.0 * (100 * 400) ** 0.25 / (10 + 20)
    assert T.bbp_critical_strength(1.0, 1e300, 1e300) == pytest.approx(0.5, rel=1e-12)  # (nN)^{1/4}/(2√n) = 1/2


def test_emergence_alpha_needs_n_above_one_and_never_divides_by_zero():
    for n in (0, 1, 0.5, -3):
        with pytest.raises(ValueError, match="^n must be finite and > 1"):
            T.emergence_alpha(2, 0.5, n, 100, 1.0)
    assert T.emergence_alpha(2, 0.0, 100, 100, 1.0) == math.inf  # μ_k = 0: the spike never emerges
    assert math.isfinite(T.emergence_alpha(2, 0.5, 1e300, 1e300, 1.0))  # no overflow of √(nN)


@pytest.mark.parametrize("call, match", [
    (lambda: T.spike_count(0.49999999999999994, lambda k: 1.0), r"alpha = .* needs Hermite degrees up to 9007199254740991 > 100000"),  # looped ~9e15 times
    (lambda: T.relu_hermite(10**9), "k must be <= 200"),
    (lambda: T.hermite_coefficient_exact(T.Z**2, 10**9), "k must be <= 200"),
    (lambda: T.monomial_spike_norm(0.1, 1.0, 10**9, 100, 100), "k must be <= 200"),
    (lambda: T.emergence_alpha(10**9, 0.5, 100, 100, 1.0), "k must be <= 200"),
    (lambda: T.hermite_coefficients_quadrature(np.tanh, 3, points=10**9), "points must be <= 360"),
    (lambda: T.hermite_coefficients_quadrature(np.tanh, 10**9), "kmax must be <= 200"),
    (lambda: T.hermite_coefficients_mpmath(lambda t: t, 10**9), "kmax must be <= 64"),
    (lambda: T.hermite_coefficients_mpmath(lambda t: t, 2, dps=10**9), "dps must be <= 100"),
    (lambda: T.hermite_coefficients_exact(T.Z**2, 1e300), "kmax must be an integer"),
    (lambda: T.hermite_coefficients_quadrature(np.tanh, 50, points=40), "kmax must be < points"),
])
def test_former_hangs_and_overflows_are_named_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize("value", [1 + 1j, np.datetime64("2020-01-01"), "2", None, True])
def test_non_real_values_are_rejected(value):
    with pytest.raises(TypeError):
        T.spike_strength(value, 0.5, 2, 100, 100)
    with pytest.raises(TypeError):
        T.spike_exponent(value, 0.3)
    with pytest.raises(TypeError):
        T.bbp_critical_strength(value, 100, 100)
