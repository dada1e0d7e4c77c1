"""numerics.bottleneck.task: the synthetic task of arXiv 2305.19008 §5, x = g(z), y = h(z_1..z_k)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from numerics.bottleneck.task import make_task


def test_task_is_deterministic_and_depends_on_k_latents_only():
    a, b = make_task(50, seed=4), make_task(50, seed=4)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    # y is a function of z_1..z_k: changing the other latents leaves y unchanged
    from numerics.bottleneck.task import random_shallow_net

    gen = torch.Generator().manual_seed(4)  # make_task's generator: g's parameters, then h's, then z
    random_shallow_net(8, 20, 100, gen)
    h = random_shallow_net(2, 20, 100, gen)
    z = a.z.clone()
    z[:, 2:] = 0
    y = h(z[:, :2])
    y = y - y.mean(0)
    np.testing.assert_allclose((y / y.std()).numpy(), a.y.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="k must be <= latent_dim"):
        make_task(10, k=9)
