"""numerics.staircase.problem: the fitting problem of arXiv 2412.05144 (Example 2.6: u* = cos x + cos 2x + cos 30x on
[−1, 1]), its quadrature loss, and the two measurement conventions (integral; eq. 4.1 as printed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.quadrature import paper_trapezoid, trapezoid
from numerics.ranks import epsilon_rank
from numerics.staircase.problem import (cos_sum_target, fitting_problem, measurement, mse_from_loss, paper_grid,
                                        paper_problem)


@pytest.fixture(scope="module")
def problem():
    return paper_problem()


# --- problems ---------------------------------------------------------------------------------


def test_paper_problem_quadrature_is_converged():
    """m = 200 Gauss–Legendre nodes integrate ‖u*‖² and a trained-looking network's loss to rounding."""
    p200, p800 = paper_problem(200), paper_problem(800)
    exact = 3 + math.sin(2) / 2 + math.sin(4) / 4 + math.sin(60) / 60 + 2 * (
        math.sin(1) + math.sin(3) / 3 + math.sin(29) / 29 + math.sin(31) / 31 + math.sin(28) / 28 + math.sin(32) / 32
    )
    assert p200.target_norm2() == pytest.approx(exact, rel=1e-13)
    assert p800.target_norm2() == pytest.approx(exact, rel=1e-13)
    # a rough candidate with frequency content beyond the target's: tanh(25(x − 0.3))
    x200, x800 = p200.quadrature.points[:, 0], p800.quadrature.points[:, 0]
    l200 = p200.loss(np.tanh(25 * (x200 - 0.3)))
    l800 = p800.loss(np.tanh(25 * (x800 - 0.3)))
    assert l200 == pytest.approx(l800, rel=1e-9)
    assert p200.volume == pytest.approx(2.0, rel=1e-14)


def test_loss_is_weighted_squared_error(problem):
    u = np.sin(3 * problem.quadrature.points[:, 0])
    expected = float(np.sum(problem.quadrature.weights * (u - cos_sum_target(problem.quadrature.points)) ** 2))
    assert problem.loss(u) == pytest.approx(expected, rel=1e-15)
    assert mse_from_loss(problem.loss(u), problem) == pytest.approx(expected / 2)
    assert problem.loss(problem.target) == 0.0


def test_box_and_monte_carlo_problems():
    box = [(-1.0, 1.0), (0.0, 2.0)]
    p = fitting_problem(lambda x: x[:, 0] * x[:, 1], box, 12)
    assert p.m == 144 and p.dim == 2 and p.volume == pytest.approx(4.0)
    assert p.target_norm2() == pytest.approx((2 / 3) * (8 / 3), rel=1e-12)  # ∫x² ∫y²
    with pytest.raises(ValueError, match="generator"):
        fitting_problem(lambda x: x[:, 0], box, 50, rule="monte_carlo")
    mc = fitting_problem(lambda x: x[:, 0], box, 50, rule="monte_carlo", generator=np.random.default_rng(0))
    assert mc.m == 50


def test_problem_bad_input(problem):
    with pytest.raises(ValueError, match="rule"):
        paper_problem(rule="simpson")
    with pytest.raises(ValueError, match="one value per node"):
        problem.loss(np.zeros(3))
    with pytest.raises(TypeError, match="callable"):
        fitting_problem(3.0, (-1, 1))
    with pytest.raises(TypeError, match="box"):
        fitting_problem(cos_sum_target, "[-1, 1]")
    with pytest.raises(ValueError, match="a < b"):
        fitting_problem(cos_sum_target, (1.0, -1.0))


# --- measurement conventions ---------------------------------------------------------------------


def test_paper_trapezoid_weights_are_the_printed_ones():
    """Eq. (4.1) as printed: w = (1/2, 1, …, 1, 1/2) on m uniform points, no factor h."""
    q = paper_trapezoid(-1.0, 1.0, 5)
    np.testing.assert_array_equal(q.points[:, 0], [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(q.weights, [0.5, 1.0, 1.0, 1.0, 0.5])
    q200 = paper_trapezoid(-1.0, 1.0, 200)
    assert q200.volume == pytest.approx(199.0, rel=1e-14)  # Σw = m − 1 = |Ω|/h, not |Ω|
    np.testing.assert_allclose(q200.weights, trapezoid(-1.0, 1.0, 200).weights * 199 / 2, rtol=1e-14)
    box = paper_grid([(-1.0, 1.0), (0.0, 3.0)], 4)  # products of the 1-D unit weights on a box
    assert sorted(set(np.round(box.weights, 12))) == [0.25, 0.5, 1.0]
    assert box.volume == pytest.approx(9.0)


def test_absolute_count_takes_a_negative_roundoff_eigenvalue_by_magnitude():
    """Φ = s·[1, x, 1+x, 1−x] has rank 2; eigvalsh of ΦᵀΦ returns round-off eigenvalues, one below −ε."""
    import scipy.linalg

    x = np.linspace(-1.0, 1.0, 64)
    phi = 1e4 * np.stack([np.ones_like(x), x, 1 + x, 1 - x], axis=1)
    lam = scipy.linalg.eigvalsh(phi.T @ phi)
    assert lam[0] < -1e-6 and abs(lam[1]) < 1e-5 and lam[2] > 1e9, lam  # the construction works here
    assert epsilon_rank(phi, 1e-6, method="gram", absolute=True) == 2 + int(np.count_nonzero(np.abs(lam[:2]) > 1e-6))
    assert epsilon_rank(phi, 1e-6, method="gram", absolute=False) == 2 + int(np.count_nonzero(lam[:2] > 1e-6))
    assert epsilon_rank(phi, 1e-6, method="svd", absolute=True) == 2  # σ² ≥ 0: the SVD path has no sign to lose
    # the conventions' count rules on that spectrum
    prob = paper_problem(16)
    assert measurement(prob, "paper").count(lam, 1e-6) == epsilon_rank(phi, 1e-6, method="gram", absolute=True)
    assert measurement(prob, "integral").count(lam, 1e-6) == epsilon_rank(phi, 1e-6, method="gram")


def test_measurement_of_each_convention(problem):
    integral = measurement(problem, "integral")
    assert integral.quadrature is problem.quadrature and integral.same_nodes and not integral.absolute
    paper = measurement(problem, "paper", 101)
    assert paper.absolute and not paper.same_nodes and paper.quadrature.size == 101
    np.testing.assert_allclose(paper.target, cos_sum_target(paper.quadrature.points), rtol=0, atol=0)
    assert paper.quadrature.volume == pytest.approx(100.0)
    with pytest.raises(ValueError, match="convention"):
        measurement(problem, "average")
    bare = type(problem)(name="values only", quadrature=problem.quadrature, target=problem.target, box=problem.box)
    with pytest.raises(ValueError, match="target_fn"):
        measurement(bare, "paper")
