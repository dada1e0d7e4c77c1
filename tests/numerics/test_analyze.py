"""numerics.analyze: one call, any torch model, one row per hidden layer; and RankTracker on a user's model."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import numerics
from numerics import ranks
from numerics.nets import MLP
from numerics.tracking import RankTracker
from numerics.quadrature import gauss_legendre, paper_trapezoid, trapezoid
from numerics.gram import check_bounds, staircase_quantities


def _trained_sequential(x, u, steps=25):
    g = torch.Generator().manual_seed(3)
    net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 12), nn.Tanh(), nn.Linear(12, 1)).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(x)[:, 0] - u) ** 2).mean()
        loss.backward()
        opt.step()
    return net


def test_plain_sequential_one_row_per_layer_and_eps_rank_matches():
    q = trapezoid(-1.0, 1.0, 150)
    x = q.points_tensor(torch.float64)
    u = torch.cos(x[:, 0]) + torch.cos(2 * x[:, 0]) + torch.cos(30 * x[:, 0])
    net = _trained_sequential(x, u)
    df = numerics.analyze(net, x, weights=q.weights, eps=1e-6)
    assert list(df["layer"]) == ["1", "3"]  # the two Tanh outputs: the hidden layers
    with torch.no_grad():
        feats = {"1": net[:2](x).numpy(), "3": net[:4](x).numpy()}
    w_paper = paper_trapezoid(-1.0, 1.0, 150).weights
    for row in df.itertuples():
        phi = feats[row.layer]
        assert row.width == phi.shape[1] and row.points == 150
        assert row.eps_rank == ranks.epsilon_rank(phi, 1e-6, q.weights)
        assert row.eps_rank_paper == ranks.epsilon_rank(phi, 1e-6, w_paper, absolute=True)
        B = np.sqrt(q.weights)[:, None] * phi
        assert row.effective_rank == pytest.approx(ranks.effective_rank(B), rel=1e-12)
        assert row.stable_rank == pytest.approx(ranks.stable_rank(B), rel=1e-12)
        assert row.numerical_rank == ranks.numerical_rank(B)
        assert row.participation_ratio == pytest.approx(ranks.participation_ratio(B), rel=1e-12)
        assert row.sv_1 == pytest.approx(ranks.singular_values(B)[0], rel=1e-12)
    # the two conventions differ by the grid spacing: r_ε(M_paper) = r_{ε·h}(M_integral)
    h = 2.0 / 149
    assert (df["eps_rank_paper"] == [ranks.epsilon_rank(feats[k], 1e-6 * h, q.weights) for k in ("1", "3")]).all()


def test_users_module_with_functional_activations_and_named_layers():
    class Mine(nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            self.a = nn.Linear(2, 10).double()
            self.b = nn.Linear(10, 7).double()
            self.head = nn.Linear(7, 1).double()
            with torch.no_grad():
                for p in self.parameters():
                    p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))

        def forward(self, x):
            return self.head(torch.tanh(self.b(torch.tanh(self.a(x)))))

    net = Mine()
    x = torch.as_tensor(np.random.default_rng(0).uniform(-1, 1, (80, 2)))
    df = numerics.analyze(net, x)
    assert list(df["layer"]) == ["a", "b"]  # every leaf with parameters but the output layer
    with torch.no_grad():
        pre_b = net.b(torch.tanh(net.a(x))).numpy()
    assert df.loc[1, "eps_rank"] == ranks.epsilon_rank(pre_b, 1e-6)
    assert df["eps_rank_paper"].isna().all() and "not a uniform 1-D grid" in df.attrs["eps_rank_paper"]
    only = numerics.analyze(net, x, layers="b", eps=1e-3)
    assert list(only["layer"]) == ["b"] and only.loc[0, "eps_rank"] == ranks.epsilon_rank(pre_b, 1e-3)


def test_target_adds_thm3_3_bounds_and_loss_on_the_last_layer():
    q = gauss_legendre(-1.0, 1.0, 120)
    x = q.points_tensor(torch.float64)
    u = np.cos(q.points[:, 0]) + np.cos(2 * q.points[:, 0]) + np.cos(30 * q.points[:, 0])
    mlp = MLP(1, 20, 2, seed=1, init="paper")
    df = numerics.analyze(mlp, x, weights=q.weights, target=u)
    assert list(df["layer"]) == mlp.layer_names
    last = df.iloc[-1]
    with torch.no_grad():
        phi = mlp.hidden_features(x)[-1].numpy()
        f = mlp(x)[:, 0].numpy()
    loss = float(np.sum(q.weights * (f - u) ** 2))
    assert last["loss"] == pytest.approx(loss, rel=1e-12)
    beta = mlp.beta.weight.detach().numpy()[0]
    expected = {c.name: c for c in check_bounds(staircase_quantities(phi, q.weights, beta, u, 1e-6), loss)}
    for name, c in expected.items():
        assert last[f"{name}_slack"] == pytest.approx(c.slack, rel=1e-6, abs=1e-12)
        assert last[f"{name}_slack"] == pytest.approx(last["loss"] - last[f"{name}_rhs"], rel=1e-12, abs=1e-15)
    assert last["bounds_hold"] is True or last["bounds_hold"] == True  # noqa: E712 (numpy bool)
    assert df.iloc[0][["loss", "thm3_3_tight_slack"]].isna().all()


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        numerics.analyze(object(), np.zeros((3, 1)))
    net = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    with pytest.raises(ValueError, match="weights has length 3 but features have 5 rows"):
        numerics.analyze(net, torch.zeros(5, 1, dtype=torch.float64), weights=np.ones(3))
    with pytest.raises(ValueError, match="layers: no module named 'nope'"):
        numerics.analyze(net, torch.zeros(5, 1, dtype=torch.float64), layers=["nope"])


def test_rank_tracker_record_with_inputs_needs_no_model_again():
    net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    q = gauss_legendre(-1.0, 1.0, 50)
    x = q.points_tensor(torch.float64)
    with RankTracker(net, ["1"], weights=q.weights, eps=(1e-6, 1e-3)) as tracker:
        got = tracker.record(0, inputs=x)
    with torch.no_grad():
        phi = net[:2](x)
    assert got == {("1", 1e-6): ranks.epsilon_rank(phi, 1e-6, q.weights), ("1", 1e-3): ranks.epsilon_rank(phi, 1e-3, q.weights)}
    assert list(tracker.frame()["eps_rank"]) == [got[("1", 1e-6)], got[("1", 1e-3)]]


def test_import_numerics_stays_light_and_analyze_is_callable_either_way():
    code = "import sys, numerics; print('torch' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stderr
    import numerics.analyze as module

    assert callable(numerics.analyze) and callable(module)
    net = nn.Sequential(nn.Linear(1, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    x = torch.linspace(-1, 1, 9, dtype=torch.float64)[:, None]
    assert module(net, x).equals(numerics.analyze(net, x))
