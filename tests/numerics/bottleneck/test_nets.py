"""numerics.bottleneck.nets: the objective's terms and gradient, the weight-decay continuation, and
full-batch training (records, divergence)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numerics.bottleneck.experiment as nb
from numerics.bottleneck.nets import make_mlp


def test_objective_terms_gradient_norm_is_the_objective_gradient():
    # one linear layer without bias: C(W) = (1/N)Σ‖W x_i − y_i‖² + λ‖W‖², ∇C = (2/N)(W X − Y)ᵀ-form + 2λW
    from numerics.bottleneck.nets import objective_terms

    gen = torch.Generator().manual_seed(1)
    net = make_mlp(3, 4, 1, 2, bias=False, generator=gen)
    X, Y = torch.randn(7, 3, generator=gen), torch.randn(7, 2, generator=gen)
    W = net[0].weight.detach().double()
    R = X.double() @ W.T - Y.double()
    lam = 0.3
    grad = 2.0 / 7 * R.T @ X.double() + 2 * lam * W
    mse, n2, g = objective_terms(net, X, Y, lam)
    assert mse == pytest.approx(float((R**2).sum() / 7)) and n2 == pytest.approx(float((W**2).sum()))
    assert g == pytest.approx(float(torch.linalg.norm(grad)), rel=1e-10)
    assert net[0].weight.grad is None  # measured on a copy



def test_weight_decay_continuation_schedule_and_final_objective():
    from numerics.bottleneck.nets import weight_decay_schedule

    sch = weight_decay_schedule(1e-4, 1.0, (0.25, 0.75), 100)
    assert sch(0) == sch(24) == 1.0 and sch(75) == sch(99) == 1e-4
    assert sch(50) == pytest.approx(1e-2)  # geometric: halfway in log
    assert weight_decay_schedule(1e-4, None, (0.25, 0.75), 100)(0) == 1e-4
    with pytest.raises(ValueError, match="anneal"):
        weight_decay_schedule(1e-4, 1.0, (0.8, 0.2), 100)
    cfg = nb.BottleneckConfig(depth=3, width=8, n=30, steps=80, lr=1e-2, lam_times_depth=3e-3,
                              lam_times_depth_start=3.0, anneal=(0.25, 0.5))
    model, task, res = nb.trained_network(cfg)
    lams = [h["weight_decay"] for h in res.history]
    assert lams[0] == pytest.approx(1.0) and lams[-1] == pytest.approx(1e-3)  # λL/L at start and end
    # the reported objective is the final (stated) one, not the continuation's
    assert res.objective == pytest.approx(res.mse + cfg.weight_decay * res.theta_norm2)
    assert res.grad_norm > 0 and res.seconds > 0



def test_train_full_batch_records_every_k_steps_and_stops_at_a_non_finite_loss():
    from numerics.bottleneck.nets import BottleneckFit, make_mlp, train_full_batch

    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(20, 3, generator=g), torch.randn(20, 2, generator=g)
    model = make_mlp(3, 8, 4, 2, generator=torch.Generator().manual_seed(0))
    res = train_full_batch(model, x, y, weight_decay=1e-3, steps=30, lr=1e-2, record_every=7)
    assert isinstance(res, BottleneckFit) and not res.diverged
    assert [h["step"] for h in res.history] == [0, 7, 14, 21, 28, 29]
    h0 = res.history[0]  # the objective at θ_0, before the first update
    assert h0["objective"] == pytest.approx(h0["mse"] + 1e-3 * h0["theta_norm2"], rel=1e-6)
    with torch.no_grad():
        fresh = make_mlp(3, 8, 4, 2, generator=torch.Generator().manual_seed(0))
        assert h0["mse"] == pytest.approx(float(((fresh(x) - y) ** 2).sum(dim=1).mean()), rel=1e-6)
    # a huge step overflows float32 after the first update: divergence, no final terms
    wild = make_mlp(3, 8, 4, 2, scale=30.0, generator=torch.Generator().manual_seed(0))
    res = train_full_batch(wild, x, y, weight_decay=1e-3, steps=40, lr=1e30, record_every=3)
    assert res.diverged and np.isnan(res.mse) and np.isnan(res.objective)
    assert [h["step"] for h in res.history] == [0]
