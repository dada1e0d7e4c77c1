"""numerics.collapse.measure: the exact identities (Lemma 1, Lemma 2, Lemma 4 of proofs_notes/collapse.md) and
the rank-K witness of bound (A), on trained networks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from numerics.collapse.measure import class_mean_rows, layer_arrays, measure_network, rows_where
from tests.numerics.collapse.trained import K, tiny
from theory import collapse as T


# -- exact identities (Lemma 1, Lemma 2, Lemma 4 of the note) ----------------------------------------
@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("bias", [False, True])
def test_gradient_identity_reconstructs_W(loss, bias):
    lam = 3e-3
    net, mix = tiny(loss=loss, bias=bias, lam=lam)
    arr = layer_arrays(net.member(0), mix.X, mix.y, lam, loss)
    N = mix.X.shape[0]
    for W, gW, G, H in zip(arr.W, arr.grad_W, arr.G, arr.H):
        # Lemma 1: W_ℓ = (∇_{W_ℓ}Φ − (1/N) G_ℓ H_{ℓ−1}ᵀ)/λ, with G per sample (not divided by N)
        np.testing.assert_allclose((gW - G.T @ H / N) / lam, W, rtol=1e-8, atol=1e-10)
    onehot = np.eye(K)[mix.y]
    probs = np.exp(arr.logits) / np.exp(arr.logits).sum(axis=1, keepdims=True)
    expected = arr.logits - onehot if loss == "mse" else probs - onehot  # Lemma 2: ∂ℓ_i/∂f
    np.testing.assert_allclose(arr.G[-1], expected, rtol=1e-12, atol=1e-13)


def test_balance_identity_holds_at_any_point_without_biases():
    lam = 2e-2
    net, mix = tiny(loss="ce", lam=lam, steps=25, depth=4)
    arr = layer_arrays(net.member(0), mix.X, mix.y, lam, "ce")
    for l in range(len(arr.W) - 1):
        lhs = np.sum(arr.grad_W[l] * arr.W[l]) - np.sum(arr.grad_W[l + 1] * arr.W[l + 1])
        rhs = lam * (np.sum(arr.W[l] ** 2) - np.sum(arr.W[l + 1] ** 2))
        assert lhs == pytest.approx(rhs, rel=1e-8, abs=1e-13)
        assert abs(rhs) > 1e-6  # not balanced yet: the identity is non-trivial here


@pytest.mark.parametrize("loss", ["mse", "ce"])
def test_bound_A_rank_K_witness(loss):
    # The proof of (A) exhibits B = −(1/(λN)) G_ℓ P H_{ℓ−1}ᵀ of rank ≤ K with
    # W_ℓ − B = (∇_{W_ℓ}Φ − (1/N) G_ℓ D_{ℓ−1}ᵀ)/λ; so dist_K ≤ ‖W_ℓ − B‖_F ≤ rhs(A), and a G off by any
    # factor (e.g. the mean gradient instead of per-sample ones) breaks the identity.
    lam = 5e-2
    net, mix = tiny(lam=lam, loss=loss, steps=100, width=8)
    arr = layer_arrays(net.member(0), mix.X, mix.y, lam, loss)
    N = mix.X.shape[0]
    m = measure_network(net.member(0), mix.X, mix.y, lam, loss, K)
    for W, gW, G, H, lm in zip(arr.W, arr.grad_W, arr.G, arr.H, m.layers):
        means = class_mean_rows(H, mix.y, K)
        B = -(G.T @ means) / (lam * N)
        assert np.linalg.matrix_rank(B, tol=1e-10 * max(np.abs(B).max(), 1e-300)) <= K
        np.testing.assert_allclose(W - B, (gW - G.T @ (H - means) / N) / lam, rtol=1e-8, atol=1e-10)
        gap = np.linalg.norm(W - B)
        rhs = T.bound_A.evaluate(g_res=lm.grad_W, GD=lm.GD, lam=lam, N=N)
        assert lm.dist_K <= gap * (1 + 1e-10) <= rhs * (1 + 1e-9)
        wrong = -(G.T @ means) / (lam * N * N)  # the mean-gradient slip
        assert not np.allclose(W - wrong, (gW - G.T @ (H - means) / N) / lam, rtol=1e-6, atol=1e-8)


def test_rows_where_keeps_the_rows_matching_every_column_in_order():
    table = pd.DataFrame({"loss": ["ce", "mse", "ce", "ce"], "lam": [1e-2, 1e-2, 0.0, 1e-2], "layer": [2, 1, 1, 1]},
                         index=[7, 5, 3, 1])
    assert rows_where(table, loss="ce", lam=1e-2).index.tolist() == [7, 1]  # both columns, table order kept
    assert rows_where(table, loss="ce", lam=1e-2, layer=1).index.tolist() == [1]
    assert rows_where(table).index.tolist() == [7, 5, 3, 1]
    assert rows_where(table, loss="hinge").empty
