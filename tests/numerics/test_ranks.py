"""numerics.ranks: exactness on Legendre polynomials, property tests on built spectra, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import assume, example, given
from hypothesis import strategies as st
from numpy.polynomial import legendre

from numerics import ranks
from numerics.quadrature import gauss_legendre, trapezoid
from tests.conftest import tol
from tests.strategies import matrices_with_spectrum, random_orthogonal, seeds

# -- exactness -------------------------------------------------------------------------------


def legendre_features(x: np.ndarray, k: int) -> np.ndarray:
    """(m, k+1) values of P_0..P_k at x."""
    return np.stack([legendre.legval(x, np.eye(k + 1)[j]) for j in range(k + 1)], axis=1)


def legendre_gram(k: int) -> np.ndarray:
    return np.array([2.0 / (2 * j + 1) for j in range(k + 1)])


def thresholds_between(values: np.ndarray) -> list[tuple[float, int]]:
    """Geometric midpoints between consecutive distinct eigenvalues, with the exact count above each."""
    v = np.sort(values)[::-1]
    out = [(v[0] * 2.0, 0), (v[-1] / 2.0, len(v))]
    for i in range(len(v) - 1):
        out.append((math.sqrt(v[i] * v[i + 1]), i + 1))
    return out


@pytest.mark.parametrize("k", [0, 1, 5, 12, 30])
@pytest.mark.parametrize("method", ["svd", "gram"])
def test_legendre_gram_is_exact_with_gauss_legendre(k, method):
    q = gauss_legendre(-1.0, 1.0, k + 1)  # degree 2k integrands need 2m - 1 >= 2k
    phi = legendre_features(q.points[:, 0], k)
    np.testing.assert_allclose(ranks.gram_matrix(phi, q.weights), np.diag(legendre_gram(k)), atol=1e-13)
    for eps, expected in thresholds_between(legendre_gram(k)):
        assert ranks.epsilon_rank(phi, eps, q.weights, method=method) == expected


def trapezoid_eigen_error_bound(k: int, m: int) -> float:
    """Weyl + trapezoid error: |λ̂ − λ| ≤ ‖ΔM‖_F with |ΔM_ij| ≤ (b−a) h² max|(P_i P_j)''| / 12.

    On [−1, 1]: |P_j| ≤ 1, |P_j'| ≤ j(j+1)/2, |P_j''| ≤ (j−1)j(j+1)(j+2)/8, so
    |(P_i P_j)''| ≤ |P_i''| + 2|P_i'||P_j'| + |P_j''|.
    """
    h = 2.0 / (m - 1)
    d1 = np.array([j * (j + 1) / 2 for j in range(k + 1)])
    d2 = np.array([(j - 1) * j * (j + 1) * (j + 2) / 8 for j in range(k + 1)])
    second = d2[:, None] + 2 * d1[:, None] * d1[None, :] + d2[None, :]
    dM = 2.0 * h**2 * second / 12.0
    return float(np.linalg.norm(dM))


@pytest.mark.parametrize("k,m", [(3, 400), (8, 2000), (12, 4000)])
def test_legendre_trapezoid_exact_away_from_the_justified_tolerance(k, m):
    q = trapezoid(-1.0, 1.0, m)
    phi = legendre_features(q.points[:, 0], k)
    bound = trapezoid_eigen_error_bound(k, m)
    lam = np.sort(np.linalg.eigvalsh(ranks.gram_matrix(phi, q.weights)))[::-1]
    exact = np.sort(legendre_gram(k))[::-1]
    assert np.max(np.abs(lam - exact)) <= bound  # the tolerance is a proof, not a guess
    checked = 0
    for eps, expected in thresholds_between(exact):
        if np.min(np.abs(exact - eps)) > bound:  # thresholds farther than the error bound from any λ
            assert ranks.epsilon_rank(phi, eps, q.weights) == expected
            checked += 1
    assert checked >= k  # the bound is tight enough to certify almost every gap


# -- property tests --------------------------------------------------------------------------


@given(matrices_with_spectrum())
@example((np.eye(3), np.ones(3)))
@example((np.ones((1, 5)) / np.sqrt(5), np.ones(1)))
def test_rank_measure_chain(As):
    A, s = As
    rtol = tol()["rtol"]
    nr = ranks.numerical_rank(A)
    h_eig = ranks.effective_rank(A, spectrum="eigen")
    pr = ranks.participation_ratio(A)
    sr = ranks.stable_rank(A)
    rv = ranks.effective_rank(A)
    assert nr == len(s)
    assert nr >= h_eig * (1 - rtol)
    assert h_eig >= pr * (1 - rtol)
    assert pr >= sr * (1 - rtol)
    assert sr >= 1 - rtol
    assert rv >= h_eig * (1 - rtol)
    assert rv <= nr * (1 + rtol)
    np.testing.assert_allclose(sr, np.sum(s**2) / s[0] ** 2, rtol=1e-9)


@given(matrices_with_spectrum(), seeds, st.floats(1e-3, 1e3))
def test_orthogonal_and_scale_invariance(As, seed, c):
    A, _ = As
    rng = np.random.default_rng(seed)
    QA = random_orthogonal(rng, A.shape[0]) @ A @ random_orthogonal(rng, A.shape[1])
    for f in (ranks.numerical_rank, ranks.effective_rank, ranks.stable_rank, ranks.participation_ratio):
        np.testing.assert_allclose(f(QA), f(A), rtol=tol()["rtol"], err_msg=f.__name__)
        np.testing.assert_allclose(f(c * A), f(A), rtol=tol()["rtol"], err_msg=f.__name__)
    for k in range(min(A.shape) + 1):
        np.testing.assert_allclose(ranks.dist_to_rank(QA, k), ranks.dist_to_rank(A, k), atol=1e-12)


@st.composite
def separated_features(draw, max_side=8):
    """(Φ, ε): Φ = U diag(s) Vᵀ with s² on a decade grid and ε half a decade away from every s²."""
    n = draw(st.integers(1, max_side))
    m = draw(st.integers(n, max_side + 4))
    exps = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n, unique=True))
    s = np.sqrt(10.0 ** -np.array(sorted(exps), dtype=float))
    rng = np.random.default_rng(draw(seeds))
    phi = random_orthogonal(rng, m)[:, :n] @ np.diag(s) @ random_orthogonal(rng, n)
    eps = 10.0 ** -(draw(st.integers(-1, 12)) + 0.5)
    return phi, eps, int(np.sum(s**2 > eps))


@given(separated_features(), st.floats(1e-3, 1e3))
def test_eps_rank_scales_with_c_squared(data, c):
    phi, eps, expected = data
    assert ranks.epsilon_rank(phi, eps) == expected
    assert ranks.epsilon_rank(c * phi, c * c * eps) == expected


@given(matrices_with_spectrum(min_sv=1e-6), st.lists(st.floats(1e-14, 10.0), min_size=2, max_size=6))
def test_eps_rank_and_numerical_rank_non_increasing(As, epss):
    A, _ = As
    epss = sorted(epss)
    r_eps = [ranks.epsilon_rank(A, e) for e in epss]
    r_num = [ranks.numerical_rank(A, atol=e) for e in epss]
    assert all(a >= b for a, b in zip(r_eps, r_eps[1:]))
    assert all(a >= b for a, b in zip(r_num, r_num[1:]))


@given(separated_features(), separated_features())
def test_eps_rank_additive_over_block_diagonal_features(d1, d2):
    (p1, eps, r1), (p2, _, _) = d1, d2
    r2 = int(np.sum(ranks.gram_eigenvalues(p2) > eps))
    block = scipy.linalg.block_diag(p1, p2)
    w = np.concatenate([np.full(p1.shape[0], 1.0), np.full(p2.shape[0], 1.0)])
    assert ranks.epsilon_rank(block, eps, w) == ranks.epsilon_rank(p1, eps) + ranks.epsilon_rank(p2, eps)
    assert ranks.epsilon_rank(block, eps) == r1 + r2


@given(matrices_with_spectrum())
def test_dist_to_rank(As):
    A, s = As
    r = len(s)
    assert ranks.dist_to_rank(A, r) <= 1e-12 * s[0] * max(A.shape)
    d = [ranks.dist_to_rank(A, k) for k in range(r + 2)]
    assert all(a >= b - 1e-15 for a, b in zip(d, d[1:]))
    for k in range(r):
        np.testing.assert_allclose(d[k], np.sqrt(np.sum(s[k:] ** 2)), rtol=1e-9)
        np.testing.assert_allclose(ranks.dist_to_rank(A, k, norm="spectral"), s[k], rtol=1e-9)


@given(separated_features(), seeds)
def test_eps_linear_dependence_iff_lambda_min_below_eps(data, seed):
    """Def. 2.3: ∃ unit c, ‖Σ c_i φ_i‖² ≤ ε  ⇔  λ_min(M) ≤ ε. Norms here come from the functions, not M."""
    phi, eps, _ = data
    q = gauss_legendre(-1, 1, phi.shape[0])  # any positive weights
    sw = np.sqrt(q.weights)
    phi_w = phi / sw[:, None]  # so that diag(√w) phi_w = phi
    lam = ranks.gram_eigenvalues(phi_w, q.weights)
    dependent = ranks.is_eps_linearly_dependent(phi_w, eps, q.weights)
    assert dependent == (lam[-1] <= eps)
    # witness: the bottom right-singular vector attains ‖Σ c_i φ_i‖² = λ_min
    _, _, vt = np.linalg.svd(phi, full_matrices=False)
    c = vt[-1]
    np.testing.assert_allclose(q.norm2(phi_w @ c), lam[-1], rtol=1e-8, atol=1e-15)
    # no unit c does better than λ_min
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((phi.shape[1], 64))
    C /= np.linalg.norm(C, axis=0)
    assert np.all(q.norm2(phi_w @ C) >= lam[-1] * (1 - 1e-9))


# -- scale safety ----------------------------------------------------------------------------

SCALE_FREE = (ranks.stable_rank, ranks.participation_ratio, ranks.effective_rank,
              lambda A: ranks.effective_rank(A, spectrum="eigen"), ranks.numerical_rank)


@given(matrices_with_spectrum(), st.integers(-300, 300))
@example((np.eye(3), np.ones(3)), 300)
@example((np.eye(3), np.ones(3)), -300)
def test_scale_free_measures_are_invariant_under_any_power_of_ten(As, k):
    A, s = As
    c = 10.0**k
    for f in SCALE_FREE:
        np.testing.assert_allclose(f(c * A), f(A), rtol=1e-9)
    for j in range(min(A.shape) + 1):
        np.testing.assert_allclose(ranks.dist_to_rank(c * A, j), c * ranks.dist_to_rank(A, j), rtol=1e-9,
                                   atol=1e-12 * s[0] * c)
        np.testing.assert_allclose(ranks.dist_to_rank(c * A, j, "spectral"), c * ranks.dist_to_rank(A, j, "spectral"),
                                   rtol=1e-9, atol=1e-12 * s[0] * c)
    np.testing.assert_allclose(ranks.singular_values(c * A), c * ranks.singular_values(A), rtol=1e-9, atol=1e-12 * s[0] * c)


@given(matrices_with_spectrum(), st.integers(-900, 1000))
def test_powers_of_two_scale_every_measure_exactly(As, j):
    A, _ = As
    B = np.ldexp(A, j)
    assume(np.array_equal(np.ldexp(B, -j), A))  # 2ʲA is exact (no entry became subnormal)
    for f in SCALE_FREE:
        assert f(B) == f(A)
    for k in range(min(A.shape) + 1):
        assert ranks.dist_to_rank(B, k) == np.ldexp(ranks.dist_to_rank(A, k), j)
        assert ranks.dist_to_rank(B, k, "spectral") == np.ldexp(ranks.dist_to_rank(A, k, "spectral"), j)


@pytest.mark.parametrize("wide", [False, True])
def test_powers_of_two_scale_the_gram_eigenvalues_exactly(wide):
    """λ(2ʲΦ) = 4ʲλ(Φ) bit for bit on the "gram" path, scaled or not: a ×2ʲ is exact and eigvalsh of a
    matrix whose entries lie within 2^±300 scales nothing internally (beyond 2^±400 LAPACK rescales
    by a factor that is not a power of two, so the unscaled trial must stop before)."""
    rng = np.random.default_rng(5)
    phi = np.tanh(4.0 * rng.standard_normal((200, 30)))
    w = rng.uniform(0.1, 1.0, 200)
    if wide:
        phi, w = phi[:20].T.copy(), w[:30]
    ref = ranks.gram_eigenvalues(phi, w, method="gram")
    for j in [*range(-480, 481, 12), -151, -150, 149, 150]:
        assert np.array_equal(ranks.gram_eigenvalues(np.ldexp(phi, j), w, method="gram"), np.ldexp(ref, 2 * j)), j


@given(separated_features(), st.integers(-300, 300), st.sampled_from(["auto", "svd", "gram"]))
def test_eps_rank_scaling_law_at_any_power_of_ten(data, k, method):
    """r_ε(cΦ; w) = r_{ε/(c²ω)}(Φ; ω·w): with c = 10ᵏ, w = 10⁻ᵏ and ε·10ᵏ every number stays a float64."""
    phi, eps, expected = data
    c, w = 10.0**k, np.full(phi.shape[0], 10.0**-k)
    assert ranks.epsilon_rank(c * phi, eps * c, w, method=method) == expected
    if k >= 13 or k <= -7:  # c²s² is above every ε drawn (s² ≥ 1e-12) or below it (s² ≤ 1)
        assert ranks.epsilon_rank(c * phi, eps, method=method) == (phi.shape[1] if k > 0 else 0)
    if abs(k) <= 150:
        assert ranks.epsilon_rank(c * phi, eps * c * c, method=method) == expected
        assert ranks.epsilon_rank((c * phi).T, eps * c * c, method=method) == expected  # the m×m side


@st.composite
def weighted_features(draw, wide: bool | None = None, max_side: int = 9, max_row_scale: int = 150):
    """(Φ, w, ε, r): σ(diag(√w)Φ) = s chosen (s² on a decade grid), ε half a decade from every s², r = #{s² > ε}.

    Rows of Φ are divided by √w_i, with √w_i = 10^κ_i, κ_i up to ±max_row_scale: the weights and
    the rows are extreme while the weighted matrix is not.
    """
    r = draw(st.integers(1, max_side))
    wide = draw(st.booleans()) if wide is None else wide
    short, long_ = r + draw(st.integers(0, 2)), r + draw(st.integers(1, max_side))
    m, n = (short, long_) if wide else (long_, short)
    exps = draw(st.lists(st.integers(0, 12), min_size=r, max_size=r, unique=True))
    s = np.sqrt(10.0 ** -np.array(sorted(exps), dtype=float))
    rng = np.random.default_rng(draw(seeds))
    B = random_orthogonal(rng, m)[:, :r] @ np.diag(s) @ random_orthogonal(rng, n)[:r]
    kappa = np.array(draw(st.lists(st.integers(-max_row_scale, max_row_scale), min_size=m, max_size=m)), dtype=float)
    sqrt_w = 10.0**kappa
    eps = 10.0 ** -(draw(st.integers(-1, 12)) + 0.5)
    return B / sqrt_w[:, None], sqrt_w**2, eps, int(np.sum(s**2 > eps))


@given(weighted_features(), st.sampled_from(["auto", "svd", "gram"]))
def test_eps_rank_with_extreme_weights_counts_the_weighted_spectrum(data, method):
    phi, w, eps, expected = data
    assert ranks.epsilon_rank(phi, eps, w, method=method) == expected


def test_one_entry_of_1e300_keeps_every_measure_right():
    E = np.ones((4, 3))
    E[0, 0] = 1e300  # σ = (1e300, √6, 0) up to O(1e-300) relative
    assert ranks.epsilon_rank(E, 1e-6) == 2 and ranks.epsilon_rank(E, 1e-6, method="svd") == 2
    assert ranks.epsilon_rank(E, 5.9) == 2 and ranks.epsilon_rank(E, 6.1) == 1
    assert ranks.stable_rank(E) == 1.0 and ranks.participation_ratio(E) == 1.0
    np.testing.assert_allclose(ranks.dist_to_rank(E, 1), math.sqrt(6), rtol=1e-12)
    np.testing.assert_allclose(ranks.singular_values(E)[:2], [1e300, math.sqrt(6)], rtol=1e-12)
    assert ranks.numerical_rank(E, atol=1.0) == 2 and ranks.numerical_rank(E) == 1
    tiny = np.ldexp(E, -500)  # σ₂² = 6·2⁻¹⁰⁰⁰ ≈ 5.6e-301
    assert ranks.epsilon_rank(tiny, 1e-301) == 2 and ranks.epsilon_rank(tiny, 1e-300) == 1


def test_rows_whose_weight_and_values_are_both_extreme():
    """√w_i·2⁻ᵉ subnormal: the rows are scaled in two exact steps (w₁ = 1e-320 is a valid weight)."""
    phi = np.array([[1e300, 0.0], [0.0, 1.5e308]])
    w = np.array([1e-300, 1e-320])
    s2 = math.sqrt(w[1]) * 1.5e308  # ≈ 1.5e148
    np.testing.assert_allclose(ranks.singular_values(phi, w), [1e150, s2], rtol=1e-12)
    assert [ranks.epsilon_rank(phi, eps, w) for eps in (1e301, 1e299, s2 * s2 * 1.01, s2 * s2 * 0.99)] == [0, 1, 1, 2]
    assert ranks.epsilon_rank(phi, 1e299, w, method="gram") == 1
    B = np.array([[1e-300, 0.0], [0.0, 1e300]])  # the large weight sits on the small row
    assert ranks.epsilon_rank(B, 1e-301, np.array([1e300, 1e-300])) == 2
    np.testing.assert_allclose(ranks.singular_values(B, np.array([1e300, 1e-300])), [1e150, 1e-150], rtol=1e-12)


@pytest.mark.parametrize("eps,expected", [(1e-320, 3), (5e-324, 3), (1.7e308, 0)])
def test_extreme_eps(eps, expected):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 3))
    assert ranks.epsilon_rank(A, eps) == expected
    assert ranks.epsilon_rank(A.T, eps) == expected


# -- the cheap side ------------------------------------------------------------------------------


@given(weighted_features(max_row_scale=2))
def test_cheap_side_counts_equal_the_svd_count_on_wide_and_tall_matrices(data):
    phi, w, eps, expected = data
    counts = {m: ranks.epsilon_rank(phi, eps, w, method=m) for m in ("auto", "svd", "gram")}
    assert counts == {"auto": expected, "svd": expected, "gram": expected}
    lam_gram, lam_svd = (ranks.gram_eigenvalues(phi, w, method=m) for m in ("gram", "svd"))
    assert lam_gram.shape == lam_svd.shape == (phi.shape[1],)
    assert np.max(np.abs(lam_gram - lam_svd)) <= ranks.gram_error_bound(phi, w)


@given(weighted_features(max_row_scale=2), st.integers(1, 40))
def test_streamed_gram_blocks_add_up_to_the_one_block_gram(data, block):
    phi, w, eps, expected = data
    whole = ranks.gram_eigenvalues(phi, w, method="gram")
    old = ranks.BLOCK_ELEMENTS
    try:
        ranks.BLOCK_ELEMENTS = block  # one row or a few columns per dsyrk
        streamed = ranks.gram_eigenvalues(phi, w, method="gram")
        assert ranks.epsilon_rank(phi, eps, w) == expected
    finally:
        ranks.BLOCK_ELEMENTS = old
    np.testing.assert_allclose(streamed, whole, rtol=0, atol=ranks.gram_error_bound(phi, w))


def test_a_very_wide_matrix_never_forms_the_n_by_n_gram():
    """16×100000: M would be 80 GB; the m×m side needs min(m,n)² floats plus one block."""
    import tracemalloc

    rng = np.random.default_rng(4)
    phi = rng.standard_normal((16, 100_000))
    w = rng.uniform(0.5, 1.5, 16)
    tracemalloc.start()
    try:
        r = ranks.epsilon_rank(phi, 1e-6, w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r == 16
    assert peak < phi.nbytes / 2, f"peak {peak / 2**20:.1f} MiB for a {phi.nbytes / 2**20:.1f} MiB input"


# -- both array libraries --------------------------------------------------------------------


def test_torch_and_numpy_agree():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 12)) @ np.diag(10.0 ** -np.arange(12)) @ random_orthogonal(rng, 12)
    w = rng.random(40)
    t = torch.from_numpy(A)
    for f in (ranks.numerical_rank, ranks.effective_rank, ranks.stable_rank, ranks.participation_ratio):
        assert f(t) == f(A)
        assert isinstance(f(t), (int, float))
    assert ranks.epsilon_rank(t, 1e-6, torch.from_numpy(w)) == ranks.epsilon_rank(A, 1e-6, w)
    assert ranks.dist_to_rank(t, 3) == ranks.dist_to_rank(A, 3)


def test_numerical_rank_follows_torch_tolerance_semantics():
    rng = np.random.default_rng(1)
    s = np.array([1.0, 1e-3, 1e-6, 1e-9, 1e-13])
    A = random_orthogonal(rng, 7)[:, :5] @ np.diag(s) @ random_orthogonal(rng, 5)
    t = torch.from_numpy(A)
    for kw in ({}, {"atol": 1e-7}, {"rtol": 1e-4}, {"atol": 1e-2, "rtol": 1e-8}, {"atol": 1e-12, "rtol": 1e-5}):
        assert ranks.numerical_rank(A, **kw) == int(torch.linalg.matrix_rank(t, **kw)), kw
    assert ranks.numerical_rank(A) == np.linalg.matrix_rank(A)
    # the default tolerance follows the input's dtype, like numpy and torch
    A32 = A.astype(np.float32)
    assert ranks.numerical_rank(A32) == int(torch.linalg.matrix_rank(torch.from_numpy(A32)))


def test_eps_rank_methods_agree_on_network_features():
    rng = np.random.default_rng(2)
    q = gauss_legendre(-1, 1, 300)
    W, b = rng.uniform(-3, 3, (1, 60)), rng.uniform(-3, 3, 60)
    phi = np.tanh(q.points @ W + b)
    for eps in (1e-3, 1e-6, 1e-9):
        lam = ranks.gram_eigenvalues(phi, q.weights)
        if np.min(np.abs(lam / eps - 1)) > 1e-6:
            assert ranks.epsilon_rank(phi, eps, q.weights, "svd") == ranks.epsilon_rank(phi, eps, q.weights, "gram")


@given(matrices_with_spectrum(max_side=12, min_sv=1e-9, max_sv=10.0), st.floats(-1e-12, 1e-12), st.integers(0, 11))
def test_auto_method_is_certified_against_svd(As, rel, i):
    """The gram error bound really bounds the eigenvalue error, and "auto" agrees with the SVD even
    when ε sits on an eigenvalue (where an uncertified eigvalsh count may be off by one)."""
    A, s = As
    lam_svd = ranks.gram_eigenvalues(A, method="svd")
    lam_gram = ranks.gram_eigenvalues(A, method="gram")
    assert np.max(np.abs(lam_gram - lam_svd)) <= ranks.gram_error_bound(A)
    eps = float(s[min(i, len(s) - 1)] ** 2 * (1 + rel))
    assert ranks.epsilon_rank(A, eps, method="auto") == ranks.epsilon_rank(A, eps, method="svd")


# -- bad input -------------------------------------------------------------------------------

GOOD = np.ones((4, 3))


def test_nan_is_rejected_with_its_position():
    bad = GOOD.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"features must be finite, got nan at index \(1, 2\)"):
        ranks.epsilon_rank(bad, 1e-6)


def test_inf_is_rejected():
    bad = GOOD.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="A must be finite, got inf"):
        ranks.numerical_rank(bad)


def test_empty_input_is_rejected():
    with pytest.raises(ValueError, match=r"features must be non-empty, got shape \(0, 3\)"):
        ranks.epsilon_rank(np.ones((0, 3)), 1e-6)


def test_one_dimensional_input_is_rejected():
    with pytest.raises(ValueError, match=r"must be 2-D .* got shape \(5,\)"):
        ranks.stable_rank(np.ones(5))


def test_negative_weights_are_rejected():
    with pytest.raises(ValueError, match=r"weights must be non-negative, got \[-0.5\]"):
        ranks.epsilon_rank(GOOD, 1e-6, np.array([1.0, -0.5, 1.0, 1.0]))


def test_mismatched_weights_are_rejected():
    with pytest.raises(ValueError, match="weights has length 3 but features have 4 rows"):
        ranks.gram_matrix(GOOD, np.ones(3))


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_nonpositive_eps_is_rejected(eps):
    with pytest.raises(ValueError, match=r"eps must be finite and > 0, got"):
        ranks.epsilon_rank(GOOD, eps)


def test_non_number_eps_is_rejected():
    with pytest.raises(TypeError, match="eps must be a real number, got str '1e-6'"):
        ranks.epsilon_rank(GOOD, "1e-6")


@pytest.mark.parametrize("k", [1.5, "2", None, True])
def test_non_integer_k_is_rejected(k):
    with pytest.raises(TypeError, match="k must be an integer, got"):
        ranks.dist_to_rank(GOOD, k)


def test_negative_k_is_rejected():
    with pytest.raises(ValueError, match="k must be >= 0, got -1"):
        ranks.dist_to_rank(GOOD, -1)


def test_non_array_is_rejected():
    with pytest.raises(TypeError, match="features must be a numpy array or torch tensor, got str"):
        ranks.epsilon_rank("not an array", 1e-6)


def test_complex_is_rejected():
    with pytest.raises(TypeError, match="must be real"):
        ranks.effective_rank(np.ones((2, 2), dtype=complex))


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match=r"method must be one of \['auto', 'svd', 'gram'\], got 'qr'"):
        ranks.epsilon_rank(GOOD, 1e-6, method="qr")
