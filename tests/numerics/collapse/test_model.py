"""numerics.collapse.model: the Gaussian mixture, the losses, batched Adam and L-BFGS refinement."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from numerics.collapse.measure import measure_network, within_class_rms
from numerics.collapse.model import data_loss, gaussian_mixture, init_mlp, refine_lbfgs, train_adam
from tests.numerics.collapse.trained import K, tiny


# -- data, losses, training ------------------------------------------------------------------------
def test_mixture_shapes_and_shared_means_across_spreads():
    a = gaussian_mixture(4, 7, 5, 0.5, seed=3)
    b = gaussian_mixture(4, 7, 5, 0.05, seed=3)
    assert a.X.shape == (20, 7) and a.X.dtype == np.float64 and np.bincount(a.y).tolist() == [5] * 4
    np.testing.assert_array_equal(a.means, b.means)
    # same noise directions: deviations scale exactly with the spread
    np.testing.assert_allclose(a.X - a.means[a.y], 10 * (b.X - b.means[b.y]), rtol=1e-12, atol=1e-12)
    assert within_class_rms(a.X, a.y, 4) == pytest.approx(10 * within_class_rms(b.X, b.y, 4), rel=1e-12)
    assert within_class_rms(gaussian_mixture(4, 7, 5, 0.0, seed=3).X, a.y, 4) < 1e-14


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_classes": 1}, "n_classes"), ({"spread": -0.1}, "spread"), ({"per_class": 0}, "per_class"),
     ({"dim": 2.5}, "dim")],
)
def test_mixture_validates(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        gaussian_mixture(**kwargs)


def test_losses_match_torch():
    gen = torch.Generator().manual_seed(0)
    out = torch.randn((2, 9, 4), generator=gen, dtype=torch.float64)
    y = torch.arange(9) % 4
    mse = data_loss(out, y, ["mse", "mse"])
    ref = 0.5 * torch.nn.functional.mse_loss(out[0], torch.nn.functional.one_hot(y, 4).double(), reduction="sum") / 9
    assert mse[0].item() == pytest.approx(ref.item(), rel=1e-14)
    mixed = data_loss(out, y, ["mse", "ce"])
    assert mixed[1].item() == pytest.approx(torch.nn.functional.cross_entropy(out[1], y).item(), rel=1e-14)
    assert mixed[0].item() == pytest.approx(mse[0].item(), rel=1e-14)
    with pytest.raises(ValueError, match="loss"):
        data_loss(out, y, "hinge")


def test_batched_adam_equals_training_each_network_alone():
    mix = gaussian_mixture(K, 5, 6, 0.5, seed=1)
    lams, losses = [1e-3, 1e-1, 1e-2], ["mse", "ce", "ce"]
    batch = init_mlp([5, 7, 7, K], [False, True, False], generator=torch.Generator().manual_seed(5))
    train_adam(batch, mix.X, mix.y, lams, losses, steps=30, lr=1e-2)
    for b in (1, 2):
        alone = init_mlp([5, 7, 7, K], [b == 1], generator=torch.Generator().manual_seed(5))
        train_adam(alone, mix.X, mix.y, [lams[b]], [losses[b]], steps=30, lr=1e-2)
        for Wb, Wa in zip(batch.member(b).weights, alone.weights):
            np.testing.assert_allclose(Wb.detach().numpy(), Wa.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_train_adam_reports_progress_every_100_steps_and_zero_steps_is_a_no_op():
    mix = gaussian_mixture(K, 5, 6, 0.5, seed=1)
    net = init_mlp([5, 4, K], [False], generator=torch.Generator().manual_seed(2))
    before = [p.detach().clone() for p in net.parameters()]
    train_adam(net, mix.X, mix.y, [1e-2], "mse", steps=0)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    calls = []
    train_adam(net, mix.X, mix.y, [1e-2], "mse", steps=250, lr=1e-2, lr_final=1e-3, progress_cb=calls.append)
    assert calls == [100, 100]
    assert not torch.equal(before[0], net.weights[0].detach())


def test_lbfgs_reduces_the_stationarity_residual():
    net, mix = tiny(lam=1e-2, loss="ce", steps=200)
    before = measure_network(net.member(0), mix.X, mix.y, 1e-2, "ce", K).residual
    after = measure_network(refine_lbfgs(net.member(0), mix.X, mix.y, 1e-2, "ce", iters=200),
                            mix.X, mix.y, 1e-2, "ce", K).residual
    assert after < 0.2 * before
