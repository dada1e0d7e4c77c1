"""numerics.spikes.measure: the one-step model, the control matrix, top singular values, outlier counts and
alignments, ridge errors, bad input; all at n ≤ 1200 (seconds). The experiment's tables: test_experiment.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.spikes import measure as S
from tests.strategies import matrices_with_spectrum, random_orthogonal
from theory import spikes as T


@pytest.fixture(scope="module")
def relu_1000():
    return S.draw("relu", n=1000, N=1000, d=500, seed=0)


@pytest.fixture(scope="module")
def tanh_1000():
    return S.draw("tanh", n=1000, N=1000, d=500, seed=0)


# -------------------------------------------------------------------------- model and control
def test_normalised_step_gives_theta_n_to_alpha_minus_half(relu_1000):
    for alpha in (0.0, 0.2, 0.45):
        assert math.isclose(relu_1000.theta(relu_1000.eta(alpha)), 1000 ** (alpha - 0.5), rel_tol=1e-12)
    assert math.isclose(relu_1000.eta(0.3, step="plain", c=2.0), 2.0 * 1000**0.3)


def test_zeta_and_g_are_standard_normal(relu_1000):
    assert abs(np.mean(relu_1000.zeta**2) - 1) < 0.15 and abs(np.mean(relu_1000.g**2) - 1) < 0.15


def test_control_removes_exactly_the_rank_one_part_for_linear_sigma():
    lin = S.custom_activation(lambda z: 2.0 * z, lambda z: np.full_like(z, 2.0), name="linear")
    dr = S.draw(lin, n=60, N=40, d=30, seed=3)
    eta = dr.eta(0.3)
    diff = dr.features(eta) - dr.features(eta, control=True)
    expected = 2.0 * eta * lin.mu1 * np.outer(dr.xbeta, dr.a)  # σ = 2z: F − F_ctrl = 2·η μ₁ (X̃β) aᵀ
    np.testing.assert_allclose(diff, expected, rtol=1e-10, atol=1e-12)
    assert np.linalg.matrix_rank(diff) == 1


def test_draw_is_bit_reproducible_and_seed_dependent():
    a = S.draw("tanh", n=50, N=40, d=20, seed=7)
    b = S.draw("tanh", n=50, N=40, d=20, seed=7)
    c = S.draw("tanh", n=50, N=40, d=20, seed=8)
    assert np.array_equal(a.dpre, b.dpre) and np.array_equal(a.pre0, b.pre0) and a.beta_norm == b.beta_norm
    assert not np.array_equal(a.pre0, c.pre0)


def test_beta_norm_matches_its_limit():
    # ‖β‖² → μ*,1² + (E σ*² + σ_ε²) d/n = 1 + 2.25·0.5 (research note §2.1)
    norms = [S.draw("relu", n=1200, N=20, d=600, seed=s).beta_norm for s in range(3)]
    assert abs(np.mean(norms) - math.sqrt(1 + 2.25 * 0.5)) < 0.08


@settings(max_examples=15)
@given(matrices_with_spectrum(max_side=40, min_sv=0.1, min_rank=4))
def test_top_singular_values_methods_agree(case):
    A, s = case
    k = min(3, min(A.shape) - 1)
    if k < 1:
        return
    ref = np.linalg.svd(A, compute_uv=False)[:k]
    for method in ("auto", "gram", "svds", "dense"):
        np.testing.assert_allclose(S.top_singular_values(A, k, method=method), ref, rtol=1e-6, atol=1e-9)


@st.composite
def spectra_with_multiplicities(draw):
    """(A, s): A = U diag(s) Vᵀ with s built from a few values each repeated 1–5 times, min(shape) > 16
    so that every method but "dense" runs ARPACK."""
    m, n = draw(st.integers(17, 50)), draw(st.integers(17, 50))
    values = draw(st.lists(st.sampled_from([1.0, 0.875, 0.5, 0.25, 2.0, 3.0]), min_size=1, max_size=4, unique=True))
    s = np.concatenate([np.full(draw(st.integers(1, 5)), v) for v in values])
    s = np.sort(np.concatenate([s, np.full(draw(st.integers(0, 3)), 0.01)]))[::-1][: min(m, n)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    U, V = random_orthogonal(rng, m)[:, : s.size], random_orthogonal(rng, n)[:, : s.size]
    return U @ np.diag(s) @ V.T, s


@given(spectra_with_multiplicities(), st.integers(1, 6), st.sampled_from(["auto", "gram", "svds"]), st.integers(0, 99))
def test_repeated_singular_values_are_all_returned(case, k, method, seed):
    A, s = case
    k = min(k, s.size)  # zero singular values come back as √(rounding) ≈ 1e-8 from the Gram path
    got, U, Vt = S.top_singular_values(A, k, method=method, seed=seed, vectors=True)
    np.testing.assert_allclose(got, s[:k], rtol=1e-6)
    np.testing.assert_allclose(S.top_singular_values(A, k, method=method, seed=seed), got, rtol=1e-12)
    np.testing.assert_allclose(np.einsum("ai,ab,ib->i", U, A, Vt), got, rtol=1e-6)  # uᵢᵀ A vᵢ = σᵢ
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(k), atol=1e-6)
    np.testing.assert_allclose(U.T @ U, np.eye(k), atol=1e-6)


@pytest.mark.parametrize("method", ["gram", "svds"])
@pytest.mark.parametrize("m,n", [(40, 30), (30, 40), (200, 120)])
def test_an_identity_block_of_singular_values_over_many_seeds(method, m, n):
    """σ = (1, 1, 1, 0.875, …): ARPACK alone returned [1, 1, 0.875] in 200 of 200 draws (issue 17)."""
    rng = np.random.default_rng(11)
    for seed in range(20):
        s = np.concatenate([[1.0, 1.0, 1.0], np.linspace(0.875, 0.1, min(m, n) - 3)])
        A = random_orthogonal(rng, m)[:, : s.size] @ np.diag(s) @ random_orthogonal(rng, n)[:, : s.size].T
        np.testing.assert_allclose(S.top_singular_values(A, 3, method=method, seed=seed), [1, 1, 1], rtol=1e-6)
        np.testing.assert_allclose(S.top_singular_values(A, 5, method=method, seed=seed), s[:5], rtol=1e-6)


def test_singular_vectors_from_gram_trick(relu_1000):
    F = relu_1000.features(relu_1000.eta(0.4))[:, :700]
    s, U, Vt = S.top_singular_values(F, 3, vectors=True)
    for i in range(3):
        assert math.isclose(U[:, i] @ F @ Vt[i], s[i], rel_tol=1e-8)
        np.testing.assert_allclose(np.linalg.norm(Vt[i]), 1.0, rtol=1e-8)


# -------------------------------------------------------------------------- counts and alignment
def test_counts_distinguish_one_from_two_spikes(relu_1000, tanh_1000):
    relu = [S.measure(relu_1000, a, k_top=4) for a in (0.0, 0.15, 0.40)]
    tanh = S.measure(tanh_1000, 0.40, k_top=4)
    assert [m.count for m in relu] == [0, 1, 2]
    assert tanh.count == 1  # μ₂ = 0: no quadratic spike at the same α
    mus = list(relu_1000.act.mu)
    assert [T.spike_count(a, mus, max_degree=2) for a in (0.0, 0.15, 0.40)] == [0, 1, 2]
    m = relu[2]
    # left singular vectors align with (X̃β)^{∘k}; the monomial fits better than He₂ (note §4.6)
    assert m.overlaps["u1_zeta"] > 0.95 and m.overlaps["v1_g"] > 0.95
    assert m.overlaps["u2_zeta2"] > 0.85 and m.overlaps["u2_zeta2"] > m.overlaps["u2_he2"] + 0.2
    assert tanh.singular_values[1] < S.EDGE_FACTOR * tanh.edge


def test_control_edge_is_not_inflated_by_the_spikes(relu_1000):
    m = S.measure(relu_1000, 0.40, k_top=4)
    # the control keeps the bulk (and its inflation by ηΔ) but not the spikes: its edge is near the
    # third singular value of F, far below the first two
    assert abs(m.singular_values[2] / m.edge - 1) < 0.1
    assert m.singular_values[1] > 2 * m.edge


# -------------------------------------------------------------------------- ridge
def test_ridge_errors_improve_on_random_features():
    dr = S.draw("relu", n=800, N=400, d=400, seed=1, n_test=2000)
    rf_train, rf_test = S.ridge_errors(dr, 0.0, 1.0)
    tr, te = S.ridge_errors(dr, dr.eta(0.35), 1.0)
    assert te < rf_test - 0.1  # the step learns the linear direction
    assert te < 2.25  # below Var(y): better than predicting 0
    assert tr <= te + 0.2


# -------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("alpha", [0.5, -0.1, 0.75])
def test_alpha_outside_range_is_rejected(relu_1000, alpha):
    with pytest.raises(ValueError, match="alpha"):
        S.measure(relu_1000, alpha)


def test_non_finite_activation_is_rejected():
    with pytest.raises(ValueError, match="activation must return finite values"):
        S.custom_activation(lambda z: 1.0 / z, lambda z: -1.0 / z**2)
    with pytest.raises(ValueError, match="activation derivative"):
        S.custom_activation(np.tanh, lambda z: np.where(z > 3, np.inf, 1.0))
    with pytest.raises(ValueError, match="activation"):
        S.activation("sigmoidx")
    with pytest.raises(TypeError, match="activation"):
        S.custom_activation("tanh", np.tanh)


def test_activation_overflow_on_preactivations_is_named():
    act = S.custom_activation(lambda z: z * np.exp(z**2 / 8), lambda z: (1 + z**2 / 4) * np.exp(z**2 / 8), name="blowup")
    dr = S.draw(act, n=30, N=20, d=10, seed=0)
    with np.errstate(over="ignore"):
        with pytest.raises(ValueError, match="activation returned non-finite"):
            dr.features(1e6)


def test_size_arguments_are_validated():
    with pytest.raises(ValueError, match="n"):
        S.draw("relu", n=0, N=5, d=5, seed=0)
    with pytest.raises(ValueError, match="lam"):
        S.ridge_errors(S.draw("relu", n=20, N=10, d=5, seed=0, n_test=5), 0.0, -1.0)


# -------------------------------------------------------------------------- CLI
def test_cli_table_and_measure(capsys, tmp_path):
    from numerics.cli import main

    assert main(["spikes", "table", "--activation", "relu", "--kmax", "6", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "α ∈ (1/4, 1/3): 2 spike(s), degrees [1, 2]" in out and "α_2 = 1/4" in out
    assert main(["spikes", "measure", "--activation", "tanh", "--n", "300", "--d", "150", "--alpha", "0.3",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "outliers above 1.02×edge: 1" in out and "predicted k ≤ 2: 1" in out
    assert main(["spikes", "measure", "--alpha", "0.5", "--n", "50", "--d", "20", "--out", str(tmp_path)]) == 2
    assert "alpha must lie in [0, 1/2)" in capsys.readouterr().err
