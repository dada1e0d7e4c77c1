"""numerics.bottleneck.measure: the master inequality (★) on random ReLU networks (property), the
Jacobian as a product of weights and ReLU masks, the dominant counts and the tail measures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from numerics.bottleneck.measure import dominant_count, jacobians, master_checks, preactivations
from numerics.bottleneck.nets import make_mlp, weight_matrices
from tests.conftest import tol


def _random_net(depth, width, d_in, d_out, scale, bias, activation, seed):
    gen = torch.Generator().manual_seed(seed)
    net = make_mlp(d_in, width, depth, d_out, bias=bias, scale=scale, activation=activation, generator=gen,
                   dtype=torch.float64)
    if bias:
        with torch.no_grad():
            for p in net.parameters():
                if p.ndim == 1:
                    p.copy_(scale * torch.randn(p.shape, generator=gen, dtype=torch.float64))
    return net, gen


@given(
    depth=st.integers(1, 8),
    width=st.integers(1, 12),
    d_in=st.integers(1, 6),
    d_out=st.integers(1, 6),
    scale=st.floats(0.2, 3.0),
    input_scale=st.floats(0.01, 10.0),
    bias=st.booleans(),
    activation=st.sampled_from(["relu", "relu", "leaky_relu", "tanh"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_master_inequality_holds_for_random_networks(depth, width, d_in, d_out, scale, input_scale, bias, activation, seed):
    net, gen = _random_net(depth, width, d_in, d_out, scale, bias, activation, seed)
    x = input_scale * torch.randn(3, d_in, generator=gen, dtype=torch.float64)
    rows = master_checks(net, x, max_k=6)
    if not len(rows):  # every unit dead at these inputs: Jf(x) = 0, no k to check
        assert np.all(jacobians(net, x) == 0)
        return
    bad = rows[~rows["holds"].astype(bool)]
    assert bad.empty, bad.to_string()
    # the corollary's distance is bounded by H + T, so both bounds are at least as slack as (★)'s pieces
    assert set(rows["bound"]) == {"master", "master_amgm", "bottleneck_distance"}



def test_jacobian_is_the_product_of_weights_and_relu_masks():
    net, gen = _random_net(5, 7, 4, 3, 1.0, True, "relu", 3)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    J = jacobians(net, x)
    pre = preactivations(net, x)
    Ws = [W.detach().numpy() for W in weight_matrices(net)]
    for i in range(5):
        M = Ws[0]
        for ell in range(1, len(Ws)):
            M = Ws[ell] @ np.diag((pre[ell - 1][i] > 0).astype(float)) @ M
        np.testing.assert_allclose(J[i], M, **tol())



def test_master_checks_rejects_bad_input():
    net, _ = _random_net(3, 5, 4, 2, 1.0, True, "relu", 0)
    with pytest.raises(ValueError, match="x must have 4 columns"):
        master_checks(net, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="x must be finite"):
        master_checks(net, np.full((2, 4), np.nan))
    with pytest.raises(TypeError, match="model"):
        master_checks("net", np.zeros((2, 4)))
    with pytest.raises(ValueError, match="max_k"):
        master_checks(net, np.zeros((2, 4)), max_k=0)



def test_dominant_count():
    assert dominant_count([3.0, 2.0, 0.1, 0.05]) == 2
    assert dominant_count([3.0, 2.0, 1.5]) == 3
    assert dominant_count([0.0, 0.0]) == 0
    with pytest.raises(ValueError, match="gap"):
        dominant_count([1.0], gap=1.5)



def test_near_one_count_tail_rms_and_fitted_exponent():
    from numerics.bottleneck.measure import fitted_exponent, near_one_count, tail_rms

    assert near_one_count([1.2, 0.9, 0.4, 0.01], 0.5) == 2  # |0.4 − 1| = 0.6 > 0.5
    assert near_one_count([1.6, 1.5, 0.5], 0.5) == 2
    with pytest.raises(ValueError, match="tol"):
        near_one_count([1.0], 0.0)
    # ((1/L) Σ_ℓ Σ_{i>k} s_i²)^{1/2}, unsorted input sorted first
    assert tail_rms([np.array([1.0, 3.0, 2.0]), np.array([2.0, 0.5, 1.0])], 1) == pytest.approx(np.sqrt((4 + 1 + 1 + 0.25) / 2))
    assert tail_rms([np.array([3.0, 2.0])], 2) == 0.0
    L = np.array([6, 12, 25])
    assert fitted_exponent(L, 0.7 * L ** -0.5) == pytest.approx(-0.5)
    assert fitted_exponent(L, 2.0 * L**1.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="distinct depths"):
        fitted_exponent([5, 5], [1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        fitted_exponent([5, 6], [1.0, 0.0])
