"""numerics.nets: forward formulas, initialisations, structured first layers, batching."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

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


@pytest.fixture(scope="module")
def problem():
    return paper_problem()


def _manual_forward(model: MLP, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    sigma = ACTIVATIONS[model.activation]
    y, feats = x, []
    for k, layer in enumerate(model.layers):
        z = sigma(torch.addmm(layer.linear.bias, y, layer.linear.weight.T))  # W y + b, fused as nn.Linear rounds it
        y = y + z if (model.residual and k > 0) else z
        feats.append(y)
    return feats, y @ model.beta.weight.T


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("residual", [False, True])
def test_forward_matches_eq_1_1_and_4_6(activation, residual, problem):
    x, _, _ = problem.tensors()
    model = MLP(1, 7, 3, activation, residual=residual, seed=3)
    feats, out = _manual_forward(model, x)
    got = model.hidden_features(x)
    assert len(got) == 3 and all(f.shape == (problem.m, 7) for f in got)
    # nn.Linear runs one fused addmm, the manual form a matmul and an add: they may differ in the
    # last bit of a sum (CPU-dependent), so the tolerance is a few ulps of each layer's magnitude.
    ulps = 4 * torch.finfo(x.dtype).eps
    for a, b in zip(got, feats):
        torch.testing.assert_close(a, b, rtol=ulps, atol=ulps * float(b.detach().abs().max()))
    torch.testing.assert_close(model(x), out, rtol=ulps, atol=ulps * float(out.detach().abs().max()))
    assert model.beta.bias is None and model.beta.weight.shape == (1, 7)
    assert model.layer_names == ["layers.0", "layers.1", "layers.2"]


def test_resnet_differs_from_mlp_only_after_the_first_layer(problem):
    x, _, _ = problem.tensors()
    mlp = MLP(1, 6, 3, seed=1)
    res = MLP(1, 6, 3, residual=True, seed=1)
    fm, fr = mlp.hidden_features(x), res.hidden_features(x)
    torch.testing.assert_close(fm[0], fr[0], rtol=0, atol=0)
    assert not torch.allclose(fm[1], fr[1])
    torch.testing.assert_close(fr[1], fr[0] + torch.tanh(fr[0] @ res.layers[1].linear.weight.T + res.layers[1].linear.bias))


def test_init_ranges():
    n = 40
    paper = MLP(1, n, 3, init="paper", seed=0)
    bound = 1 / math.sqrt(n)
    for layer in paper.layers:
        assert layer.linear.weight.abs().max() <= bound and layer.linear.bias.abs().max() <= bound
    # torch default: first layer has fan_in = 1, so U(-1, 1): wider than the paper's range
    default = MLP(1, n, 3, init="torch", seed=0)
    w0 = default.layers[0].linear.weight
    assert w0.abs().max() > bound and w0.abs().max() <= 1.0
    assert default.layers[1].linear.weight.abs().max() <= bound
    xav = MLP(1, n, 3, init="xavier", seed=0)
    assert torch.all(xav.layers[1].linear.bias == 0)
    std = xav.layers[1].linear.weight.std().item()
    assert abs(std - math.sqrt(2 / (2 * n))) < 0.02  # 1600 draws: sd error ≈ 0.004


def test_torch_init_is_the_paper_rule_on_the_hidden_layers():
    """torch's default draws U(−1/√fan_in, 1/√fan_in): the paper's U(−1/√n, 1/√n) wherever fan_in = n (hidden
    layers, β), U(−1, 1) on the first layer (fan_in = 1). Same generator, same draws: the hidden layers and β
    of init="torch" and init="paper" are bit-identical, and the first layers differ by the factor √n."""
    n = 9
    t, p = MLP(1, n, 3, init="torch", seed=5), MLP(1, n, 3, init="paper", seed=5)
    for k in (1, 2):
        assert torch.equal(t.layers[k].linear.weight, p.layers[k].linear.weight)
        assert torch.equal(t.layers[k].linear.bias, p.layers[k].linear.bias)
    assert torch.equal(t.beta.weight, p.beta.weight)
    w0t, w0p = t.layers[0].linear.weight.detach().numpy(), p.layers[0].linear.weight.detach().numpy()
    np.testing.assert_allclose(w0p, w0t / 3.0, rtol=1e-14)
    assert np.abs(w0t).max() > 1 / 3  # the first layer really spans U(−1, 1)


def test_eq43_is_the_paper_first_layer():
    n = 30
    w, b = eq43_first_layer(n)
    j = torch.arange(1, n + 1, dtype=torch.float64)
    torch.testing.assert_close(w[:, 0], torch.full((n,), n / 2, dtype=torch.float64))
    torch.testing.assert_close(b, n / 2 - j)
    model = MLP(1, n, 2, init="structured", seed=0)
    torch.testing.assert_close(model.layers[0].linear.weight, w)
    torch.testing.assert_close(model.layers[0].linear.bias, b)


def test_structured_layers_have_full_eps_rank_at_step_0(problem):
    x, w, _ = problem.tensors()
    n = 30
    structured = MLP(1, n, 2, init="structured", seed=0)
    paper = MLP(1, n, 2, init="paper", seed=0)
    r_struct = epsilon_rank(structured.hidden_features(x)[0].detach(), 1e-6, w)
    r_paper = epsilon_rank(paper.hidden_features(x)[0].detach(), 1e-6, w)
    assert r_struct == n
    assert r_paper <= 6  # near-linear neurons: ε-rank ≈ 2 (paper §2.2), far from full


def test_structured_first_layer_d_dim():
    g = make_generator(5)
    box = [(-1.0, 1.0), (0.0, 3.0)]
    w, b = structured_first_layer(64, box, generator=g)
    gamma = (64 ** 0.5 - 1) / 6 ** 0.5
    norms = w.norm(dim=1)
    torch.testing.assert_close(norms, torch.full((64,), gamma, dtype=torch.float64))
    # each hyperplane passes through a point of the box: -b/γ = a·c with c in Ω
    a = w / gamma
    offsets = -b / gamma
    lo = torch.tensor([-1.0, 0.0], dtype=torch.float64)
    hi = torch.tensor([1.0, 3.0], dtype=torch.float64)
    reach_lo = (a.clamp(min=0) * lo + a.clamp(max=0) * hi).sum(1)
    reach_hi = (a.clamp(min=0) * hi + a.clamp(max=0) * lo).sum(1)
    assert torch.all(offsets >= reach_lo - 1e-12) and torch.all(offsets <= reach_hi + 1e-12)
    w2, b2 = structured_first_layer(64, box, generator=make_generator(5))
    assert torch.equal(w, w2) and torch.equal(b, b2)
    model = MLP(2, 64, 2, init="structured", seed=5, box=box)
    assert torch.equal(model.layers[0].linear.weight, w)


def test_seeds_reproduce_and_differ():
    for init in INITS:
        a, b, c = MLP(1, 8, 2, init=init, seed=1), MLP(1, 8, 2, init=init, seed=1), MLP(1, 8, 2, init=init, seed=2)
        for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
            assert torch.equal(pa, pb)
        assert any(not torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters()))


def test_no_global_rng_use():
    torch.manual_seed(123)
    before = torch.get_rng_state().clone()
    MLP(1, 8, 3, seed=0)
    BatchedMLP.from_seeds([0, 1], width=8, depth=2)
    assert torch.equal(before, torch.get_rng_state())


def test_batched_matches_members(problem):
    x, _, _ = problem.tensors()
    for residual in (False, True):
        models = [MLP(1, 9, 3, "gelu", residual=residual, init="paper", seed=s) for s in (4, 5, 6)]
        batched = BatchedMLP.from_modules(models)
        out = batched(x)
        feats = batched.hidden_features(x)
        for b, m in enumerate(models):
            torch.testing.assert_close(out[b], m(x), rtol=1e-13, atol=1e-14)
            for fb, fm in zip(feats, m.hidden_features(x)):
                torch.testing.assert_close(fb[b], fm, rtol=1e-13, atol=1e-14)
            back = batched.member(b)
            torch.testing.assert_close(back(x), m(x), rtol=0, atol=0)


def test_batched_rejects_mixed_shapes():
    with pytest.raises(ValueError, match="differs in shape"):
        BatchedMLP.from_modules([MLP(1, 8, 2, seed=0), MLP(1, 9, 2, seed=0)])




def test_stacked_relu_mlp_is_per_member_relu_layers_with_masked_biases():
    from numerics.nets import StackedReLUMLP

    g = torch.Generator().manual_seed(0)
    widths = [3, 5, 4, 2]
    ws = [torch.randn(2, d_out, d_in, generator=g, dtype=torch.float64).requires_grad_(True)
          for d_in, d_out in zip(widths, widths[1:])]
    bs = [torch.randn(2, d_out, generator=g, dtype=torch.float64).requires_grad_(True) for d_out in widths[1:]]
    net = StackedReLUMLP(ws, bs, torch.tensor([1.0, 0.0], dtype=torch.float64))
    x = torch.randn(7, 3, generator=g, dtype=torch.float64)
    out, inputs, pre = net.forward(x, keep=True)
    assert net.batch == 2 and net.depth == 3 and out.shape == (2, 7, 2)
    out, pre = out.detach(), [z.detach() for z in pre]
    for b in range(2):
        h = x
        for ell, (W, v) in enumerate(zip([W.detach() for W in ws], [v.detach() for v in bs])):
            z = h @ W[b].T + (v[b] if b == 0 else 0.0)  # member 1's biases are masked off
            torch.testing.assert_close(pre[ell][b], z, rtol=1e-14, atol=1e-14)
            h = torch.relu(z) if ell < 2 else z  # the last layer is linear
        torch.testing.assert_close(out[b], h, rtol=1e-14, atol=1e-14)
        alone = net.member(b)
        assert alone.batch == 1 and alone.has_bias(0) == (b == 0) and net.has_bias(b) == (b == 0)
        torch.testing.assert_close(alone.forward(x)[0].detach(), out[b], rtol=0, atol=0)
    assert len(net.parameters()) == 6 and len(net.member(1).parameters()) == 3
