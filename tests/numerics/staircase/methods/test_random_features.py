"""ELM and partition-of-unity RFM (arXiv 2412.05144, Example 4.3): features, least squares, ε-rank."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.staircase.methods.random_features import (
    UNIT_SQUARE,
    composite_grid,
    cos_product_target,
    default_rcond,
    elm_features,
    fit_random_features,
    rfm_features,
    subdomain_boxes,
    weighted_lstsq,
)
from numerics.features import uniform_layer
from numerics.ranks import epsilon_rank



def test_target_values():
    pts = np.array([[0.0, 0.0], [np.pi / 20, 0.0], [0.3, -0.7]])
    expected = [2.0, np.cos(np.pi / 20), np.cos(0.3) * np.cos(-0.7) + np.cos(3.0) * np.cos(-7.0)]
    np.testing.assert_allclose(cos_product_target(pts), expected, rtol=1e-14)
    with pytest.raises(ValueError, match="points must have 2 columns"):
        cos_product_target(np.zeros((3, 3)))


def test_composite_grid_integrates_over_the_box():
    q = composite_grid(UNIT_SQUARE, 3, 5)
    assert q.size == 9 * 25
    assert q.volume == pytest.approx(4.0, rel=1e-14)
    # ∫∫ x² y⁴ over [−1,1]² = (2/3)(2/5), exact for a 5-point Gauss rule on each cell
    assert q.integrate(q.points[:, 0] ** 2 * q.points[:, 1] ** 4) == pytest.approx(4 / 15, rel=1e-13)
    # no node on a cell boundary: the indicator partition of unity is unambiguous
    edges = np.linspace(-1, 1, 4)
    assert np.min(np.abs(q.points[:, :, None] - edges[None, None, :])) > 1e-3


def test_subdomain_boxes_tile_the_box():
    boxes = subdomain_boxes([(0.0, 3.0), (-1.0, 1.0)], (3, 2))
    assert len(boxes) == 6
    assert sum((b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) for b in boxes) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="parts must give one count per side"):
        subdomain_boxes(UNIT_SQUARE, (2, 2, 2))


def test_rfm_features_are_local_and_mapped():
    rng = np.random.default_rng(1)
    layers = [uniform_layer(2, 5, 1.0, rng) for _ in range(4)]
    pts = rng.uniform(-1, 1, size=(200, 2))
    phi = rfm_features(pts, layers, UNIT_SQUARE, 2)
    assert phi.shape == (200, 20)
    # each point lives in exactly one cell: its non-zero columns form one block of 5
    blocks = (np.abs(phi.reshape(200, 4, 5)) > 0).any(axis=2)
    assert np.all(blocks.sum(axis=1) == 1)
    # the cell (x<0, y<0) is block 0; there the features are layer 0 at l(x) = (x − c)/h = 2x + 1
    sel = (pts[:, 0] < 0) & (pts[:, 1] < 0)
    np.testing.assert_allclose(phi[sel, :5], layers[0](2 * pts[sel] + 1), rtol=1e-14)
    # so the Gram matrix is block diagonal
    M = phi.T @ phi
    assert np.all(M[:5, 5:] == 0)


def test_rfm_owner_rejects_points_outside():
    rng = np.random.default_rng(0)
    layers = [uniform_layer(2, 3, 1.0, rng) for _ in range(4)]
    with pytest.raises(ValueError, match="points must lie in the box"):
        rfm_features(np.array([[1.5, 0.0]]), layers, UNIT_SQUARE, 2)
    with pytest.raises(ValueError, match="one FeatureLayer per sub-box"):
        rfm_features(np.zeros((2, 2)), layers[:3], UNIT_SQUARE, 2)


def test_weighted_lstsq_recovers_coefficients_in_the_span():
    rng = np.random.default_rng(2)
    phi = rng.standard_normal((60, 8))
    c = rng.standard_normal(8)
    w = rng.uniform(0.1, 2.0, 60)
    np.testing.assert_allclose(weighted_lstsq(phi, phi @ c, w), c, rtol=1e-10, atol=1e-12)
    assert default_rcond(60, 8) == pytest.approx(60 * np.finfo(float).eps)


def test_fit_validation():
    with pytest.raises(ValueError, match="method"):
        fit_random_features("svm")
    with pytest.raises(ValueError, match="multiple of parts"):
        fit_random_features("rfm", n_features=100, parts=3)
    with pytest.raises(ValueError, match="scale"):
        fit_random_features("elm", scale=0.0)


def test_eps_rank_is_the_gram_eps_rank():
    fit = fit_random_features("elm", n_features=60, parts=2, m_per_side=8, test_m_per_side=8, seed=4)
    q = composite_grid(UNIT_SQUARE, 2, 8)
    layer = uniform_layer(2, 60, 1.0, np.random.default_rng(4))
    assert fit.eps_rank == epsilon_rank(elm_features(q.points, layer), 1e-6, q.weights)


def test_rfm_raises_eps_rank_and_lowers_error_small_scale():
    """Example 4.3's claim at a quarter of the size: 2×2×100 RFM against 400-feature ELM."""
    kw = dict(n_features=400, parts=2, m_per_side=16, test_m_per_side=20, seed=0)
    elm = fit_random_features("elm", **kw)
    rfm = fit_random_features("rfm", **kw)
    assert rfm.eps_rank > 3 * elm.eps_rank
    assert rfm.l2_error < elm.l2_error
    again = fit_random_features("rfm", **kw)
    assert again.l2_error == rfm.l2_error and again.eps_rank == rfm.eps_rank


def test_elm_error_depends_on_the_cutoff_rfm_does_not():
    kw = dict(n_features=400, parts=2, m_per_side=16, test_m_per_side=20, seed=0, extra_rconds=(1e-15, 1e-8))
    elm = fit_random_features("elm", **kw)
    rfm = fit_random_features("rfm", **kw)
    assert elm.errors_by_rcond[1e-8] > 100 * elm.errors_by_rcond[1e-15]
    assert rfm.errors_by_rcond[1e-8] < 10 * rfm.errors_by_rcond[1e-15]


def test_paper_convention_counts_the_same_features_on_the_unit_weight_grid():
    from numerics.quadrature import paper_tensor_grid, tensor_grid

    kw = dict(n_features=80, parts=2, m_per_side=8, test_m_per_side=8, seed=5)
    fit = fit_random_features("rfm", **kw, conventions=("integral", "paper"))
    only = fit_random_features("rfm", **kw)
    assert fit.paper_m_per_side == 17 and only.paper_m_per_side is None and set(only.eps_ranks) == {"integral"}
    # the fit does not depend on the convention; the integral count is the old one
    assert fit.l2_error == only.l2_error and fit.eps_ranks["integral"] == fit.eps_rank == only.eps_rank
    # rebuild the same features on the 17×17 uniform grid: the paper count is |λ| > ε with unit weights ...
    rng = np.random.default_rng(5)
    layers = [uniform_layer(2, 20, 1.0, rng) for _ in range(4)]
    grid = paper_tensor_grid(UNIT_SQUARE, 17)
    phi = rfm_features(grid.points, layers, UNIT_SQUARE, 2)
    assert fit.eps_ranks["paper"] == epsilon_rank(phi, 1e-6, grid.weights, absolute=True)
    # ... which is the trapezoid count at ε·h² (h = 2/16), and not the integral count at ε
    trap = tensor_grid(UNIT_SQUARE, 17, rule="trapezoid")
    assert fit.eps_ranks["paper"] == epsilon_rank(phi, 1e-6 * (2 / 16) ** 2, trap.weights)
    assert fit.eps_ranks["paper"] > epsilon_rank(phi, 1e-6, trap.weights)
    np.testing.assert_allclose(fit.spectra["paper"] * (2 / 16) ** 2,
                               np.linalg.svd(np.sqrt(trap.weights)[:, None] * phi, compute_uv=False) ** 2,
                               rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="convention"):
        fit_random_features("elm", **kw, conventions=("paperish",))
    with pytest.raises(TypeError, match="conventions must be a sequence"):
        fit_random_features("elm", **kw, conventions="paper")
