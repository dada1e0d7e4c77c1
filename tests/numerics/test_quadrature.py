"""numerics.quadrature: exactness, convergence order, measure convention, generators, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from numerics.quadrature import Quadrature, gauss_legendre, monte_carlo, tensor_grid, trapezoid


@given(st.integers(1, 30), st.floats(-5, 0), st.floats(0.1, 5))
def test_gauss_legendre_exact_to_degree_2m_minus_1(m, a, length):
    b = a + length
    q = gauss_legendre(a, b, m)
    deg = 2 * m - 1
    exact = (b ** (deg + 1) - a ** (deg + 1)) / (deg + 1)
    # The honest round-off scale is Σ|w_k x_k^deg| (terms up to ~|b|^(2m), far above the result when
    # they cancel), times the relative error of x_k^deg and w_k, about (deg + m)·u; measured worst
    # over 3000 random cases: 11× that, so 64× leaves room while a wrong rule misses by O(scale).
    scale = float(np.sum(np.abs(q.weights * q.points[:, 0] ** deg)))
    err = abs(q.integrate(q.points[:, 0] ** deg) - exact)
    assert err <= 64 * (deg + m) * np.finfo(np.float64).eps * scale, (err, scale)
    np.testing.assert_allclose(q.volume, length, rtol=1e-13)


def test_trapezoid_weights_include_h_and_converge_at_order_two():
    q = trapezoid(0.0, 2.0, 5)
    np.testing.assert_allclose(q.weights, [0.25, 0.5, 0.5, 0.5, 0.25])
    errs = [abs(trapezoid(0, np.pi, m).integrate(np.sin(trapezoid(0, np.pi, m).points[:, 0])) - 2) for m in (65, 129)]
    np.testing.assert_allclose(errs[0] / errs[1], 4.0, rtol=1e-2)  # h halves, error quarters


def test_tensor_grid_integrates_separable_polynomials_on_a_box():
    q = tensor_grid([(-1, 1), (0, 2), (1, 4)], 4)
    assert q.points.shape == (64, 3) and q.dim == 3
    x, y, z = q.points.T
    # ∫ x² y³ z dV = (2/3)(4)(7.5)
    np.testing.assert_allclose(q.integrate(x**2 * y**3 * z), (2 / 3) * 4 * 7.5, rtol=1e-12)
    np.testing.assert_allclose(q.volume, 2 * 2 * 3)
    qt = tensor_grid([(-1, 1), (0, 1)], [201, 101], rule="trapezoid")
    np.testing.assert_allclose(qt.volume, 2.0)


def test_monte_carlo_is_reproducible_and_unbiased():
    box = [(-1, 1), (-1, 1)]
    q1 = monte_carlo(box, 20000, np.random.default_rng(7))
    q2 = monte_carlo(box, 20000, np.random.default_rng(7))
    np.testing.assert_array_equal(q1.points, q2.points)
    np.testing.assert_allclose(q1.weights, 4.0 / 20000)
    x, y = q1.points.T
    f = x**2 + y**2  # ∫ = 8/3; standard error ≈ 4·std(f)/√m ≈ 0.011
    assert abs(q1.integrate(f) - 8 / 3) < 0.05
    qt = monte_carlo(box, 100, torch.Generator().manual_seed(3))
    qt2 = monte_carlo(box, 100, torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(qt.points, qt2.points)
    assert np.all(np.abs(qt.points) <= 1)


def test_inner_and_norm2_match_integrals():
    q = gauss_legendre(-1, 1, 40)
    x = q.points[:, 0]
    np.testing.assert_allclose(q.inner(x, x**3), 2 / 5, rtol=1e-12)
    np.testing.assert_allclose(q.norm2(x), 2 / 3, rtol=1e-12)
    F = np.stack([np.ones_like(x), x, x**2], axis=1)
    G = q.inner(F, F)
    np.testing.assert_allclose(G, [[2, 0, 2 / 3], [0, 2 / 3, 0], [2 / 3, 0, 2 / 5]], atol=1e-13)
    np.testing.assert_allclose(q.norm2(F), np.diag(G), rtol=1e-12)
    assert Quadrature.gauss_legendre(-1, 1, 40).size == 40
    assert q.points_tensor().dtype == torch.float64


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"interval must satisfy a < b with finite ends, got \(1.0, 0.0\)"):
        gauss_legendre(1, 0, 5)
    with pytest.raises(ValueError, match="m must be >= 1, got 0"):
        trapezoid(0, 1, 0)
    with pytest.raises(ValueError, match="trapezoid rule needs m >= 2"):
        trapezoid(0, 1, 1)
    with pytest.raises(TypeError, match="m must be an integer, got float 3.5"):
        gauss_legendre(0, 1, 3.5)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator or torch.Generator, got int"):
        monte_carlo([(0, 1)], 10, 42)
    with pytest.raises(ValueError, match=r"box\[1\] must satisfy a < b"):
        tensor_grid([(0, 1), (2, 2)], 3)
    with pytest.raises(ValueError, match="weights must be non-negative"):
        Quadrature(np.zeros((2, 1)), np.array([1.0, -1.0]))
    q = gauss_legendre(0, 1, 3)
    with pytest.raises(ValueError, match=r"f must have 3 rows \(one per node\), got shape \(4,\)"):
        q.integrate(np.ones(4))


@pytest.mark.parametrize("shape", [(5, 2, 3), (5, 1, 1), (), (5, 2, 3, 1)])
def test_integrands_other_than_one_or_two_dimensional_are_rejected(shape):
    q = gauss_legendre(0, 1, 5)
    bad = np.ones(shape)
    pattern = rf"must be \(5,\) or \(5, k\) \(values at the nodes\), got shape {re.escape(str(shape))}"
    with pytest.raises(ValueError, match="f " + pattern):
        q.integrate(bad)
    with pytest.raises(ValueError, match="f " + pattern):
        q.norm2(bad)
    with pytest.raises(ValueError, match="g " + pattern):
        q.inner(np.ones(5), bad)
    with pytest.raises(ValueError, match="f " + pattern):
        q.inner(bad, np.ones((5, 2)))
    assert q.integrate(np.ones((5, 2))).shape == (2,)  # (m, k) still gives k integrals
    np.testing.assert_allclose(q.integrate(np.ones(5)), 1.0, rtol=1e-14)


def test_paper_tensor_grid_is_the_product_of_unit_weights_and_rescales_the_trapezoid_gram():
    from numerics.quadrature import paper_tensor_grid
    from numerics.ranks import epsilon_rank, gram_matrix

    box = [(-1.0, 1.0), (0.0, 3.0)]
    q = paper_tensor_grid(box, [5, 4])
    W = q.weights.reshape(5, 4)
    # corners 1/4, edges 1/2, interior 1: eq. (4.1)'s 1-D weights multiplied, no h anywhere
    np.testing.assert_array_equal(W, np.outer([0.5, 1, 1, 1, 0.5], [0.5, 1, 1, 0.5]))
    qt = tensor_grid(box, [5, 4], rule="trapezoid")
    np.testing.assert_array_equal(q.points, qt.points)
    h1h2 = (2.0 / 4) * (3.0 / 3)
    np.testing.assert_allclose(qt.weights, q.weights * h1h2, rtol=1e-15)
    # r_ε(M_paper) = r_{ε·h1·h2}(M_integral) on random tanh features of the same grid, at every ε
    qp, qi = paper_tensor_grid(box, 31), tensor_grid(box, 31, rule="trapezoid")
    h = (2.0 / 30) * (3.0 / 30)
    rng = np.random.default_rng(1)
    phi = np.tanh(qp.points @ rng.uniform(-3, 3, (2, 40)) + rng.uniform(-1, 1, 40))
    np.testing.assert_allclose(gram_matrix(phi, qp.weights) * h, gram_matrix(phi, qi.weights), rtol=1e-12)
    counts = []
    for eps in np.logspace(-12, 0, 25):
        r_paper = epsilon_rank(phi, eps, qp.weights, absolute=True)
        assert r_paper == epsilon_rank(phi, eps * h, qi.weights)
        counts.append(r_paper)
    # the identity is not vacuous: the paper count is above the integral count at the same ε
    assert len(set(counts)) > 5
    assert epsilon_rank(phi, 1e-6, qp.weights, absolute=True) > epsilon_rank(phi, 1e-6, qi.weights)
    with pytest.raises(ValueError, match="m"):
        paper_tensor_grid(box, 1)
    with pytest.raises(ValueError, match="one count per side"):
        paper_tensor_grid(box, [3, 3, 3])
