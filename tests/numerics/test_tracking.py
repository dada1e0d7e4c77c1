"""numerics.tracking: RankTracker on the package's models and on any nn.Module."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from numerics.nets import (
    ACTIVATIONS,
    INITS,
    MLP,
    BatchedMLP,
    eq43_first_layer,
    make_generator,
    structured_first_layer,
)
from numerics.staircase.problem import paper_problem
from numerics.ranks import epsilon_rank
from numerics.threads import limit_threads

from numerics.tracking import RankTracker



class UserNet(nn.Module):
    """A user's own network: nn.Sequential with separate activation modules."""

    def __init__(self, mlp: MLP):
        super().__init__()
        l0, l1 = mlp.layers[0].linear, mlp.layers[1].linear
        self.net = nn.Sequential(nn.Linear(1, mlp.width), nn.Tanh(), nn.Linear(mlp.width, mlp.width), nn.Tanh(),
                                 nn.Linear(mlp.width, 1, bias=False)).double()
        with torch.no_grad():
            self.net[0].weight.copy_(l0.weight)
            self.net[0].bias.copy_(l0.bias)
            self.net[2].weight.copy_(l1.weight)
            self.net[2].bias.copy_(l1.bias)
            self.net[4].weight.copy_(mlp.beta.weight)

    def forward(self, x):
        return self.net(x)

@pytest.fixture(scope="module")
def problem():
    return paper_problem()


def test_rank_tracker_on_user_module_matches_builtin_path(problem):
    from numerics.staircase.training import ModelSpec, TrainConfig, rank_column, train

    x, w, target = problem.tensors()
    # a trained state, so that the ranks are not all tiny: the built-in training path
    res = train(problem, ModelSpec(width=20, depth=2), TrainConfig(steps=300, record_every=300, check_bounds=False),
                seeds=(3,))
    mlp = res.model.member(0)
    user = UserNet(mlp)
    eps = (1e-6, 1e-3, 1e-9)
    with RankTracker(user, ["net.1", "net.3"], weights=problem.quadrature.weights, eps=eps) as tracker:
        user(x)
        got = tracker.record(300)
    final = res.final().iloc[0]
    for k, name in ((1, "net.1"), (2, "net.3")):
        for e in eps:
            expected = epsilon_rank(mlp.hidden_features(x)[k - 1].detach(), e, problem.quadrature.weights)
            assert got[(name, e)] == expected == final[rank_column(k, e)]
    assert got[("net.3", 1e-6)] > 5
    df = tracker.frame()
    assert len(df) == 6 and set(df.columns) == {"step", "layer", "eps", "eps_rank"}
    # the hooks are gone after the with-block
    n_before = len(tracker.records)
    user(x)
    assert len(tracker.records) == n_before and not user.net[1]._forward_hooks


def test_rank_tracker_in_a_user_training_loop(problem):
    x, w, target = problem.tensors()
    model = MLP(1, 12, 2, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    tracker = RankTracker(model, model.layer_names[-1], weights=w, eps=1e-6)
    with limit_threads(1):
        for step in range(60):
            opt.zero_grad()
            loss = (w * (model(x)[:, 0] - target) ** 2).sum()
            if step % 20 == 0:
                tracker.record(step)
                expected = epsilon_rank(model.hidden_features(x)[-1].detach(), 1e-6, w)
                assert tracker.records[-1]["eps_rank"] == expected
            loss.backward()
            opt.step()
    tracker.remove()
    assert [r["step"] for r in tracker.records] == [0, 20, 40]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="activation"):
        MLP(1, 4, 2, "swish", seed=0)
    with pytest.raises(ValueError, match="init"):
        MLP(1, 4, 2, init="he", seed=0)
    with pytest.raises(ValueError, match="width"):
        MLP(1, 0, 2, seed=0)
    with pytest.raises(ValueError, match="generator or a seed"):
        MLP(1, 4, 2)
    with pytest.raises(TypeError, match="seed"):
        MLP(1, 4, 2, seed=1.5)
    with pytest.raises(ValueError, match="not both"):
        MLP(1, 4, 2, seed=1, generator=make_generator(1))
    with pytest.raises(TypeError, match="generator"):
        structured_first_layer(4, [(0, 1)], generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="box"):
        structured_first_layer(4, [(1, 0)], generator=make_generator(0))
    model = MLP(1, 4, 2, seed=0)
    with pytest.raises(ValueError, match="no module named 'layers.9'"):
        RankTracker(model, "layers.9")
    with pytest.raises(ValueError, match="eps"):
        RankTracker(model, "layers.0", eps=-1.0)
    tracker = RankTracker(model, "layers.0")
    with pytest.raises(RuntimeError, match="forward pass"):
        tracker.record(0)
    tracker.remove()
    tracker = RankTracker(model, "layers.0", weights=np.ones(3))
    model(torch.zeros(5, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="weights has length 3"):
        tracker.record(0)
