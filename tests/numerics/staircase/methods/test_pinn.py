"""Poisson PINN of arXiv 2412.05144, Example 4.2: Laplacian by autograd, loss (4.4), C_S, training."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from numerics.nets import MLP
from numerics.staircase.methods.pinn import (
    POISSON_BOX,
    boundary_quadrature,
    dirichlet_lambda_min,
    finite_difference_lambda_min,
    laplacian,
    pinn_losses,
    poisson_exact,
    poisson_problem,
    poisson_source,
    stability_constant,
    train_pinn,
)



class ExactSolution(nn.Module):
    """u*(x, y) = sin 2x sin 2y as a module, plus a constant offset."""

    def __init__(self, offset: float = 0.0):
        super().__init__()
        self.offset = offset

    def forward(self, x):
        return (torch.sin(2 * x[:, 0]) * torch.sin(2 * x[:, 1]) + self.offset)[:, None]


def test_stability_constant_is_one_half():
    assert dirichlet_lambda_min(POISSON_BOX) == pytest.approx(2.0, rel=1e-15)
    assert stability_constant() == pytest.approx(0.5, rel=1e-15)
    # unit square: λ_min = 2π²
    assert dirichlet_lambda_min([(0.0, 1.0), (0.0, 1.0)]) == pytest.approx(2 * math.pi**2)


def test_finite_difference_lambda_min_converges_at_second_order():
    e31 = abs(finite_difference_lambda_min(POISSON_BOX, 31) - 2.0)
    e63 = abs(finite_difference_lambda_min(POISSON_BOX, 63) - 2.0)
    assert e63 < 1e-3
    assert e31 / e63 == pytest.approx(4.0, rel=0.05)
    # closed form of the discrete eigenvalue: Σ (4/h²) sin²(πh/(2L))
    h = math.pi / 32
    assert finite_difference_lambda_min(POISSON_BOX, 31) == pytest.approx(2 * (4 / h**2) * math.sin(h / 2) ** 2, rel=1e-10)


def test_source_is_minus_laplacian_of_exact():
    x = torch.tensor(np.random.default_rng(0).uniform(-1.5, 1.5, (50, 2)), dtype=torch.float64)
    u, lap = laplacian(ExactSolution(), x)
    np.testing.assert_allclose(u.detach().numpy(), poisson_exact(x.numpy()), rtol=1e-14)
    np.testing.assert_allclose(-lap.detach().numpy(), poisson_source(x.numpy()), rtol=1e-12, atol=1e-12)


def test_laplacian_of_an_mlp_matches_finite_differences():
    model = MLP(2, 8, 2, "tanh", init="torch", seed=1)
    x = torch.tensor([[0.3, -0.2], [-0.5, 0.7]], dtype=torch.float64)
    _, lap = laplacian(model, x)
    h = 1e-4
    with torch.no_grad():
        fd = sum(
            (model(x + h * e) - 2 * model(x) + model(x - h * e))[:, 0] / h**2
            for e in torch.eye(2, dtype=torch.float64)
        )
    np.testing.assert_allclose(lap.detach().numpy(), fd.numpy(), rtol=1e-5, atol=1e-6)


def test_boundary_quadrature_measures_the_perimeter():
    q = boundary_quadrature(POISSON_BOX, 10)
    assert q.size == 40
    assert q.volume == pytest.approx(4 * math.pi, rel=1e-14)
    on_edge = np.isclose(np.abs(q.points), math.pi / 2).any(axis=1)
    assert on_edge.all()
    # ∮ x² ds over the square of half-side a: 2·(2a³/3) + 2·(2a·a²) with a = π/2
    a = math.pi / 2
    assert q.integrate(q.points[:, 0] ** 2) == pytest.approx(4 * a**3 / 3 + 4 * a**3, rel=1e-12)


def test_problem_tensors_are_its_quadratures_and_source_in_the_dtype():
    problem = poisson_problem(6, 8)
    tens = problem.tensors(torch.float32)
    assert {k: tuple(v.shape) for k, v in tens.items()} == {"x": (36, 2), "w": (36,), "f": (36,), "xb": (32, 2),
                                                             "wb": (32,)}
    assert all(v.dtype == torch.float32 for v in tens.values())
    t64 = problem.tensors()
    assert t64["x"].dtype == torch.float64
    np.testing.assert_array_equal(t64["f"].numpy(), problem.source)
    np.testing.assert_array_equal(t64["wb"].numpy(), problem.boundary.weights)
    np.testing.assert_array_equal(t64["x"].numpy(), problem.interior.points)


def test_loss_vanishes_at_the_exact_solution_only():
    problem = poisson_problem(16, 32)
    tens = problem.tensors(torch.float64)
    residual, boundary = pinn_losses(ExactSolution(), tens)
    assert residual.item() < 1e-20 and boundary.item() < 1e-28
    residual, boundary = pinn_losses(ExactSolution(offset=0.5), tens)
    assert residual.item() < 1e-20
    assert boundary.item() == pytest.approx(0.25 * 4 * math.pi, rel=1e-12)  # ‖0.5‖² on ∂Ω


def test_uniform_density_layer_starts_above_xavier_and_training_lowers_the_error():
    problem = poisson_problem(12, 24)
    trajs = {}
    for init in ("structured", "xavier"):
        model = MLP(2, 30, 2, "tanh", init=init, seed=0, box=list(POISSON_BOX))
        trajs[init] = train_pinn(model, problem, steps=40, lr=1e-2, record_every=20, label=init)
    udi, xav = trajs["structured"], trajs["xavier"]
    assert list(udi["step"]) == [0, 20, 40]
    assert udi["eps_rank"].iloc[0] >= 25  # n = 30: close to full
    assert udi["eps_rank"].iloc[0] > xav["eps_rank"].iloc[0] + 10
    for t in trajs.values():
        assert t["loss"].iloc[-1] < 0.2 * t["loss"].iloc[0]
        assert t["l2_error"].iloc[-1] < t["l2_error"].iloc[0]
        assert not t["diverged"].any()


def test_train_pinn_is_bit_reproducible_and_validates():
    problem = poisson_problem(8, 16)
    runs = [train_pinn(MLP(2, 10, 2, init="xavier", seed=3, box=list(POISSON_BOX)), problem, steps=5, record_every=5)
            for _ in range(2)]
    assert runs[0]["loss"].tolist() == runs[1]["loss"].tolist()
    with pytest.raises(ValueError, match="steps"):
        train_pinn(MLP(2, 10, 2, seed=0), problem, steps=0)
    with pytest.raises(TypeError, match="hidden_features"):
        train_pinn(ExactSolution(), problem, steps=1)


def test_train_pinn_records_both_conventions_from_the_same_network():
    from numerics.quadrature import paper_tensor_grid, tensor_grid
    from numerics.ranks import epsilon_rank

    problem = poisson_problem(12, 16)
    make = lambda: MLP(2, 30, 2, init="xavier", seed=1, box=list(POISSON_BOX))  # noqa: E731
    both = train_pinn(make(), problem, steps=4, record_every=2, conventions=("integral", "paper"))
    only = train_pinn(make(), problem, steps=4, record_every=2)
    assert "eps_rank@paper" not in only.columns
    # recording the paper convention does not change training or the integral columns
    assert both["loss"].tolist() == only["loss"].tolist()
    assert both["eps_rank"].tolist() == only["eps_rank"].tolist()
    # step 0: the paper columns are |λ| > ε with unit weights on the 12×12 uniform grid of the same network
    grid = paper_tensor_grid(POISSON_BOX, 12)
    with torch.no_grad():
        feats = make().hidden_features(torch.tensor(grid.points))
    expected = [epsilon_rank(f.numpy(), 1e-6, grid.weights, absolute=True) for f in feats]
    row = both.iloc[0]
    assert [row["eps_rank_l1@paper"], row["eps_rank_l2@paper"]] == expected and row["eps_rank@paper"] == expected[-1]
    # which is the trapezoid count at ε·h² (h = π/11): a convention that fell back to the integral would differ
    h2 = (math.pi / 11) ** 2
    trap = tensor_grid(POISSON_BOX, 12, rule="trapezoid")
    assert expected[-1] == epsilon_rank(feats[-1].numpy(), 1e-6 * h2, trap.weights)
    assert (both["eps_rank@paper"] > both["eps_rank"]).all()
    wider = train_pinn(make(), problem, steps=1, record_every=1, conventions=("paper",), paper_m_per_side=24)
    assert "eps_rank" not in wider.columns and wider["eps_rank@paper"].iloc[0] >= row["eps_rank@paper"]
    with pytest.raises(ValueError, match="convention"):
        train_pinn(make(), problem, steps=1, conventions=("both",))


def test_train_pinn_divergence_gives_a_last_row_marked_diverged():
    problem = poisson_problem(8, 16)
    # an output layer scaled 1e30 overflows the float32 boundary loss to +inf at step 0: features stay finite
    model = MLP(2, 10, 2, init="xavier", seed=3, box=list(POISSON_BOX), dtype=torch.float32)
    with torch.no_grad():
        list(model.parameters())[-1].mul_(1e30)
    traj = train_pinn(model, problem, steps=10, record_every=3)
    assert traj["step"].tolist() == [0] and traj["diverged"].tolist() == [True]
    assert traj["loss"].iloc[0] == math.inf and traj["eps_rank"].iloc[0] >= 1
    # a huge Adam step makes the loss and the features NaN: the diverged row has NaN ranks (no crash)
    model = MLP(2, 10, 2, init="xavier", seed=3, box=list(POISSON_BOX))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(50.0)
    traj = train_pinn(model, problem, steps=30, record_every=2, lr=1e300)
    assert traj["diverged"].tolist() == [False, True] and traj["step"].tolist() == [0, 1]
    assert math.isnan(traj["loss"].iloc[-1]) and math.isnan(traj["eps_rank"].iloc[-1])
