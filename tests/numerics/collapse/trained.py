"""A tiny trained collapse network, shared by the collapse test files (measure, experiment)."""

from __future__ import annotations

import torch

from numerics.collapse.model import gaussian_mixture, init_mlp, train_adam

K = 3


def tiny(seed=0, width=6, lam=1e-2, loss="mse", bias=False, steps=40, spread=0.5, depth=3):
    """A K = 3 class mixture in d = 5 (6 per class) and one ReLU MLP 5-width-…-K trained ``steps`` Adam steps."""
    mix = gaussian_mixture(K, 5, 6, spread, seed=seed)
    net = init_mlp([5] + [width] * (depth - 1) + [K], [bias], generator=torch.Generator().manual_seed(seed))
    train_adam(net, mix.X, mix.y, [lam], [loss], steps=steps, lr=1e-2)
    return net, mix
