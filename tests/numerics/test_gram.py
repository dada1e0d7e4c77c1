"""numerics.gram: the linear algebra of Thm 3.2/3.3 (arXiv 2412.05144) on random features: p, S_p,
‖V22⁻¹‖², f̃, the distances, against closed forms and brute force, and the Thm 3.3 checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory.staircase as ts
from numerics.quadrature import gauss_legendre, tensor_grid
from numerics.ranks import epsilon_rank, gram_eigenvalues
from numerics.gram import BRUTE_FORCE_MAX_N, check_bounds, staircase_quantities
from numerics.staircase.measure import random_features
from tests.strategies import random_orthogonal, seeds

QUADS = {1: gauss_legendre(-1.0, 1.0, 40), 2: tensor_grid([(-1.0, 1.0)] * 2, 7)}
EPS_VALUES = (1e-1, 1e-2, 1e-4, 1e-6, 1e-8)


@st.composite
def feature_cases(draw, min_n=2, max_n=BRUTE_FORCE_MAX_N - 3):
    rng = np.random.default_rng(draw(seeds))
    dim = draw(st.sampled_from((1, 2)))
    quad = QUADS[dim]
    n = draw(st.integers(min_n, max_n))
    act = draw(st.sampled_from(("tanh", "relu", "cos")))
    scale = draw(st.sampled_from((0.5, 2.0, 8.0)))
    depth = draw(st.integers(1, 2))
    phi = random_features(quad.points, n, act, scale, rng, depth=depth)
    beta = rng.standard_normal(n) * draw(st.sampled_from((0.1, 1.0, 10.0)))
    eps = draw(st.sampled_from(EPS_VALUES))
    return quad, phi, beta, eps


def brute_force_v22_inv_norm2(Q: np.ndarray, p: int) -> float:
    """min over (n−p)-row subsets Sᶜ of ‖Q[Sᶜ, p:]⁻¹‖², computed independently of the library."""
    n = Q.shape[0]
    best = np.inf
    for comp in itertools.combinations(range(n), n - p):
        s = np.linalg.svd(Q[list(comp)][:, p:], compute_uv=False)
        if s[-1] > 0:  # a dead ReLU neuron can make some blocks exactly singular
            best = min(best, 1.0 / s[-1] ** 2)
    return best


# --- Thm 3.2 -------------------------------------------------------------------------------
@given(feature_cases())
def test_thm3_2_holds_for_paper_and_tight_K(case):
    quad, phi, beta, eps = case
    q = staircase_quantities(phi, quad.weights, beta, np.zeros(quad.size), eps)
    p, n = q.p, q.n
    assert p == epsilon_rank(phi, eps, quad.weights)
    vals = dict(e2=q.approx_error2, p=p, n=n, eps=eps, C=q.beta_norm2)
    assert ts.thm3_2_paper.check(**vals).holds
    assert ts.thm3_2_tight.check(**vals).holds
    if 0 < p < n:
        # ‖V22⁻¹‖² of the chosen subset is the best over all subsets, and Lemma 3.1 bounds it
        assert q.subset_method == "brute_force"
        best = brute_force_v22_inv_norm2(np.asarray(q.eigenvectors), p)
        assert q.v22_inv_norm2 == pytest.approx(best, rel=1e-9)
        assert q.v22_inv_norm2 <= (p * (n - p) + min(p, n - p)) * (1 + 1e-9)
        assert q.v22_inv_norm2 <= (p + 1) * (n - p) * (1 + 1e-9)
    lam = np.asarray(q.eigenvalues)
    lam_tail = lam[p:] if p < n else np.zeros(1)
    # each link of the proof's chain: exact identity, then the tight (max) and the paper's (sum) steps
    assert q.approx_error2 == pytest.approx(q.tail_error2, rel=1e-6, abs=1e-13 * q.beta_norm2 * max(lam[0], 1.0))
    slack = 1e-12 * q.beta_norm2 * max(lam[0], 1.0)
    assert q.approx_error2 <= q.beta_norm2 * q.v22_inv_norm2 * lam_tail[0] * (1 + 1e-9) + slack
    assert q.approx_error2 <= q.beta_norm2 * q.v22_inv_norm2 * lam_tail.sum() * (1 + 1e-9) + slack


@given(feature_cases())
def test_f_tilde_uses_only_the_kept_neurons_and_matches_the_proof_formula(case):
    quad, phi, beta, eps = case
    q = staircase_quantities(phi, quad.weights, beta, np.zeros(quad.size), eps)
    S = list(q.subset)
    Sc = [j for j in range(q.n) if j not in S]
    assert len(S) == q.p and np.asarray(q.beta_tilde).shape == (q.p,)
    if 0 < q.p < q.n:
        Q = np.asarray(q.eigenvectors)
        # the paper's PQ blocks, with P putting S first
        PQ = Q[S + Sc]
        V12, V22 = PQ[: q.p, q.p :], PQ[q.p :, q.p :]
        Pb = beta[S + Sc]
        want = Pb[: q.p] - V12 @ np.linalg.solve(V22, Pb[q.p :])
        np.testing.assert_allclose(q.beta_tilde, want, rtol=1e-9, atol=1e-12 * np.abs(beta).max())


@settings(max_examples=15)
@given(feature_cases(min_n=BRUTE_FORCE_MAX_N + 1, max_n=24))
def test_thm3_2_holds_on_the_maxvol_path(case):
    quad, phi, beta, eps = case
    q = staircase_quantities(phi, quad.weights, beta, np.zeros(quad.size), eps)
    if 0 < q.p < q.n:
        assert q.subset_method == "maxvol"
        assert q.v22_inv_norm2 <= (1 + q.p * (q.n - q.p)) * (1 + 1e-9)
    vals = dict(e2=q.approx_error2, p=q.p, n=q.n, eps=eps, C=q.beta_norm2)
    assert ts.thm3_2_paper.check(**vals).holds and ts.thm3_2_tight.check(**vals).holds


def test_fewer_points_than_neurons():
    # m = 5 points, n = 9 neurons: M has rank ≤ 5, Q must still be a full orthogonal basis
    rng = np.random.default_rng(6)
    quad = gauss_legendre(-1.0, 1.0, 5)
    phi = random_features(quad.points, 9, "tanh", 4.0, rng)
    beta = rng.standard_normal(9)
    q = staircase_quantities(phi, quad.weights, beta, np.cos(quad.points[:, 0]), 1e-6)
    Q = np.asarray(q.eigenvectors)
    np.testing.assert_allclose(Q.T @ Q, np.eye(9), atol=1e-12)
    assert q.p <= 5 and np.all(np.asarray(q.eigenvalues)[5:] == 0)
    assert ts.thm3_2_tight.check(e2=q.approx_error2, p=q.p, n=9, eps=1e-6, C=q.beta_norm2).holds
    assert q.approx_error2 == pytest.approx(q.tail_error2, abs=1e-20)


def test_maxvol_path_above_brute_force_size():
    rng = np.random.default_rng(11)
    quad = gauss_legendre(-1.0, 1.0, 80)
    for act in ("tanh", "cos", "relu"):
        n = 18
        phi = random_features(quad.points, n, act, 6.0, rng, depth=2)
        beta = rng.standard_normal(n)
        lam = gram_eigenvalues(phi, quad.weights)
        eps = float(np.sqrt(lam[7] * lam[8]))  # ε between λ_8 and λ_9: p = 8
        q = staircase_quantities(phi, quad.weights, beta, np.cos(3 * quad.points[:, 0]), eps)
        assert q.p == 8
        assert q.subset_method == "maxvol"
        assert q.v22_inv_norm2 <= 1 + q.p * (q.n - q.p) + 1e-9  # dominance guarantee (proofs note §1)
        Qp = np.asarray(q.eigenvectors)[:, : q.p]
        B = Qp @ np.linalg.inv(Qp[list(q.subset)])
        assert np.abs(B).max() <= 1 + 1e-9
        assert ts.thm3_2_tight.check(e2=q.approx_error2, p=q.p, n=q.n, eps=q.eps, C=q.beta_norm2).holds


# --- staircase_quantities against closed forms ----------------------------------------------
def features_with_gram_spectrum(quad, lam, rng):
    """Φ = diag(1/√w) U diag(√λ) Vᵀ, so M = Φᵀ diag(w) Φ has eigenvalues exactly λ."""
    m, n = quad.size, len(lam)
    U = random_orthogonal(rng, m)[:, :n]
    V = random_orthogonal(rng, n)
    return (U * np.sqrt(lam)) @ V.T / np.sqrt(quad.weights)[:, None], U, V


@given(seeds, st.integers(2, 9), st.data())
def test_known_spectrum_gives_p_and_eigenvalues(seed, n, data):
    rng = np.random.default_rng(seed)
    quad = QUADS[1]
    lam = np.sort(10.0 ** rng.uniform(-9, 1, n))[::-1]
    eps = float(10.0 ** data.draw(st.floats(-8.5, 0.5)))
    # keep ε away from every eigenvalue so rounding cannot flip the count
    if np.min(np.abs(np.log10(lam) - np.log10(eps))) < 1e-6:
        eps *= 1.5
    phi, _, _ = features_with_gram_spectrum(quad, lam, rng)
    q = staircase_quantities(phi, quad.weights, rng.standard_normal(n), np.ones(quad.size), eps)
    assert q.p == int(np.sum(lam > eps))
    np.testing.assert_allclose(q.eigenvalues, lam, rtol=1e-8, atol=1e-13 * lam[0])


@given(seeds, st.integers(2, 9), st.data())
def test_dist_G_equals_closed_form(seed, n, data):
    rng = np.random.default_rng(seed)
    quad = QUADS[1]
    p = data.draw(st.integers(0, n))
    lam = np.concatenate([np.sort(rng.uniform(1.0, 2.0, p))[::-1], np.sort(rng.uniform(1e-6, 1e-4, n - p))[::-1]])
    phi, U, _ = features_with_gram_spectrum(quad, lam, rng)
    # u* = (part in G_p) + (part in span Φ but outside G_p) + (part outside span Φ)
    in_G = U[:, :p] @ rng.standard_normal(p)
    tail = U[:, p:] @ rng.standard_normal(n - p)
    W = random_orthogonal(rng, quad.size)
    outside = W[:, :1] - U @ (U.T @ W[:, :1])
    outside = outside[:, 0] * rng.uniform(0, 2)
    u_star = (in_G + tail + outside) / np.sqrt(quad.weights)
    q = staircase_quantities(phi, quad.weights, rng.standard_normal(n), u_star, 1e-2)
    assert q.p == p
    want = np.sqrt(np.sum(tail**2) + np.sum(outside**2))
    assert q.dist_G == pytest.approx(want, rel=1e-8, abs=1e-10)
    # span S_p ⊂ span Φ, and p = n gives S_p = all neurons: dist_S = dist_G = the out-of-span part
    assert q.dist_span_S >= np.linalg.norm(outside) * (1 - 1e-8) - 1e-10
    if p == n:
        assert q.dist_span_S == pytest.approx(np.linalg.norm(outside), rel=1e-8, abs=1e-10)


def test_dist_span_S_is_zero_when_target_is_built_from_kept_neurons():
    rng = np.random.default_rng(5)
    quad = QUADS[2]
    phi = random_features(quad.points, 8, "tanh", 2.0, rng)
    lam = gram_eigenvalues(phi, quad.weights)
    eps = float(np.sqrt(lam[3] * lam[4]))  # p = 4
    probe = staircase_quantities(phi, quad.weights, np.ones(8), np.zeros(quad.size), eps)
    assert probe.p == 4
    S = list(probe.subset)
    u_star = phi[:, S] @ rng.standard_normal(len(S))
    q = staircase_quantities(phi, quad.weights, np.ones(8), u_star, eps)
    assert q.dist_span_S <= 1e-10 * np.linalg.norm(u_star)
    # one neuron outside S: generally not in span S
    other = [j for j in range(8) if j not in S][0]
    q2 = staircase_quantities(phi, quad.weights, np.ones(8), phi[:, other], eps)
    w_norm = np.sqrt(np.sum(quad.weights * phi[:, other] ** 2))
    assert 0 < q2.dist_span_S <= w_norm


def test_edge_case_p_zero_and_p_n():
    rng = np.random.default_rng(2)
    quad = QUADS[1]
    phi = random_features(quad.points, 5, "tanh", 3.0, rng)
    beta = rng.standard_normal(5)
    u_star = np.sin(2 * quad.points[:, 0])
    u_norm = np.sqrt(np.sum(quad.weights * u_star**2))
    q0 = staircase_quantities(phi, quad.weights, beta, u_star, 1e6)  # every λ below ε
    assert q0.p == 0 and q0.subset == () and q0.subset_method == "empty"
    assert q0.v22_inv_norm2 == pytest.approx(1.0)
    assert q0.dist_span_S == pytest.approx(u_norm) and q0.dist_G == pytest.approx(u_norm)
    assert q0.approx_error2 == pytest.approx(np.sum(quad.weights * (phi @ beta) ** 2), rel=1e-12)
    qn = staircase_quantities(phi, quad.weights, beta, u_star, 1e-14)
    assert qn.p == 5 and qn.subset == tuple(range(5)) and qn.approx_error2 == 0.0
    np.testing.assert_array_equal(qn.beta_tilde, beta)
    assert qn.dist_span_S == pytest.approx(qn.dist_G, rel=1e-9)


def test_torch_input_gives_the_same_numbers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    quad = QUADS[1]
    phi = random_features(quad.points, 6, "cos", 3.0, rng)
    beta, u = rng.standard_normal(6), np.cos(quad.points[:, 0])
    a = staircase_quantities(phi, quad.weights, beta, u, 1e-3)
    t = lambda arr: torch.tensor(np.array(arr))  # noqa: E731
    b = staircase_quantities(t(phi), t(quad.weights), t(beta), t(u), 1e-3)
    assert a.as_dict() == b.as_dict() and a.subset == b.subset


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(eps=0.0), ValueError, "eps must be finite and > 0"),
        (dict(beta=np.ones(3)), ValueError, r"beta must have shape \(5,\)"),
        (dict(target=np.ones(7)), ValueError, "target must have shape"),
        (dict(weights=-np.ones(40)), ValueError, "weights must be non-negative"),
        (dict(features=np.ones(5)), ValueError, "features must be 2-D"),
        (dict(target="x"), TypeError, "target must be"),
    ],
)
def test_bad_input_is_rejected(kwargs, exc, match):
    quad = QUADS[1]
    args = dict(features=np.ones((40, 5)), weights=quad.weights, beta=np.ones(5), target=np.ones(40), eps=1e-3)
    with pytest.raises(exc, match=match):
        staircase_quantities(**{**args, **kwargs})


# --- Thm 3.3 via check_bounds --------------------------------------------------------------
@given(feature_cases(), st.sampled_from(("random", "least_squares")), st.floats(0.2, 5.0))
def test_check_bounds_holds_for_function_fitting(case, which_beta, freq):
    quad, phi, beta, eps = case
    x = quad.points
    u_star = np.cos(freq * x[:, 0]) + np.sin(freq * x[:, -1] ** 2)
    if which_beta == "least_squares":  # the trained-to-optimum output layer: bound nearly tight
        sw = np.sqrt(quad.weights)
        beta = np.linalg.lstsq(sw[:, None] * phi, sw * u_star, rcond=None)[0]
    q = staircase_quantities(phi, quad.weights, beta, u_star, eps)
    loss = float(np.sum(quad.weights * (phi @ beta - u_star) ** 2))
    checks = check_bounds(q, loss)
    assert [c.name for c in checks] == ["thm3_3_paper", "thm3_3_tight", "thm3_3_eigen"]
    assert all(c.holds for c in checks), checks
    assert checks[1].rhs >= checks[0].rhs  # tight ≥ paper at the same d
    for c, (variant, dist) in zip(checks, [("paper", q.dist_span_S), ("tight", q.dist_span_S), ("eigen", q.dist_G)]):
        assert c.lhs == loss
        assert c.rhs == pytest.approx(ts.loss_lower_bound(variant, q.p, q.n, eps, q.beta_norm2, 1.0, dist), rel=1e-12)


def test_check_bounds_detects_a_loss_below_the_bound():
    rng = np.random.default_rng(4)
    quad = QUADS[1]
    phi = random_features(quad.points, 6, "tanh", 1.0, rng)
    u_star = np.cos(20 * quad.points[:, 0])  # far from the span of 6 smooth neurons
    q = staircase_quantities(phi, quad.weights, 0.01 * rng.standard_normal(6), u_star, 1e-6)
    checks = check_bounds(q, loss=0.0)
    assert q.dist_span_S > 0.1 and not any(c.holds for c in checks)
    with pytest.raises(ValueError, match="loss must be finite and >= 0"):
        check_bounds(q, loss=-1.0)
    with pytest.raises(ValueError, match="C_S must be finite and > 0"):
        check_bounds(q, loss=1.0, C_S=0.0)
    with pytest.raises(TypeError, match="StaircaseQuantities"):
        check_bounds({"p": 1}, loss=1.0)
