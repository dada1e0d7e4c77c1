"""One large first-layer gradient step and the spikes it puts in the feature spectrum (arXiv 2310.07891).

Model (research note §1.2, Ba et al.'s normalisation): x ~ N(0, I_d), y = σ_*(β_*ᵀx) + ε,
f(x) = aᵀσ(Wx)/√N with rows of W₀ uniform on S^{d−1} and a ~ N(0, I_N/N). One full-batch step

    W₁ = W₀ + η G,   G = (1/n) [(a rᵀ) ⊙ σ′(W₀Xᵀ)] X,   r = y − f(X),   η = c·n^α,

then ridge regression of ỹ on F = σ(X̃W₁ᵀ) with a fresh batch (X̃, ỹ) (sample splitting).

Cost: a draw does four (n·N·d) matrix products (XW₀ᵀ, G, X̃W₀ᵀ, X̃Gᵀ) once; every α then costs only
two elementwise activations of n×N matrices (F and its control) and a few top singular values by
ARPACK (`scipy.sparse.linalg.svds`), never a full SVD. The control matrix — the same step with the
rank-one part μ₁aβᵀ removed — is σ(X̃W₀ᵀ + η(X̃Gᵀ − μ₁(X̃β)aᵀ)), a rank-one correction of the same
pre-activations, so it costs no matrix product.

The experiments (`count_experiment`, `strength_experiment`) live in `numerics.spikes.experiment`,
their figures in `numerics.spikes.figures`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh, svds
from scipy.special import erf

from numerics import validation as V
from theory import spikes as T

__all__ = [
    "CentredActivation",
    "activation",
    "custom_activation",
    "OneStepDraw",
    "draw",
    "SpikeMeasurement",
    "measure",
    "ridge_errors",
    "top_singular_values",
]

EDGE_FACTOR = 1.02  # an outlier is a singular value above 1.02 × the control's top singular value
HERMITE_KMAX = 8
_GRAM_MAX_SIDE = 4000
_SVDS_TOL, _SVDS_NCV = 1e-6, 32  # relative accuracy far below the 2% edge margin; ncv eases the clustered bulk
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class CentredActivation:
    """A centred activation σ (μ₀ = 0), its derivative, and μ_0..μ_8 = E[σ(z)He_k(z)] (float64)."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    dfn: Callable[[np.ndarray], np.ndarray]
    mu: tuple[float, ...]

    @property
    def mu1(self) -> float:
        return self.mu[1]


def _phi(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) * _INV_SQRT_2PI


# σ′ of each activation of theory.spikes.ACTIVATIONS (whose numpy callable is σ itself).
_DERIVATIVES: dict[str, Callable] = {
    "relu": lambda z: (z > 0).astype(np.float64),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "gelu": lambda z: 0.5 * (1.0 + erf(z / math.sqrt(2.0))) + z * _phi(z),
    "softplus": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "tq": lambda z: (1.0 - np.tanh(z) ** 2) * (1.0 + np.tanh(z)),
}


def _centred(fn: Callable, mu0: float) -> Callable:
    def centred(z):
        out = np.asarray(fn(z), dtype=np.float64)
        if np.may_share_memory(out, z):
            out = out.copy()
        out -= mu0
        return out

    return centred


def activation(name: str) -> CentredActivation:
    """A built-in activation, centred: σ(z) − E σ(z); names: those of `theory.spikes.ACTIVATIONS`
    (relu, tanh, gelu, softplus, tq), whose numpy σ it uses."""
    V.one_of(name, "activation", tuple(T.ACTIVATIONS))
    fn, dfn = T.ACTIVATIONS[name][1], _DERIVATIVES[name]
    if name == "relu":
        mu = [float(T.relu_hermite(k)) for k in range(HERMITE_KMAX + 1)]
    else:
        mu = list(T.hermite_coefficients_quadrature(fn, HERMITE_KMAX, name="activation"))
    mu0 = mu[0]
    mu[0] = 0.0
    return CentredActivation(name, _centred(fn, mu0), dfn, tuple(float(m) for m in mu))


def custom_activation(fn: Callable, dfn: Callable, name: str = "custom") -> CentredActivation:
    """Wrap a user σ and σ′ (numpy ufunc-like); centred, μ_k by Gauss–Hermite quadrature.

    Raises ValueError naming ``activation`` / ``activation derivative`` when either is not finite.
    """
    if not callable(fn):
        raise TypeError(f"activation must be callable, got {fn!r}")
    if not callable(dfn):
        raise TypeError(f"activation derivative must be callable, got {dfn!r}")
    T.check_activation_finite(fn, "activation")
    T.check_activation_finite(dfn, "activation derivative")
    mu = list(T.hermite_coefficients_quadrature(fn, HERMITE_KMAX, name="activation"))
    if abs(mu[1]) < 1e-8:
        raise ValueError(f"activation must have μ₁ = E[σ′(z)] ≠ 0 (the step is rank one along μ₁aβᵀ), got {mu[1]!r}")
    mu0 = mu[0]
    mu[0] = 0.0
    return CentredActivation(str(name), _centred(fn, mu0), dfn, tuple(float(m) for m in mu))


def _as_activation(act: str | CentredActivation) -> CentredActivation:
    if isinstance(act, CentredActivation):
        return act
    if isinstance(act, str):
        return activation(act)
    raise TypeError(f"activation must be a name or a CentredActivation, got {type(act).__name__} {act!r}")


def default_target(z: np.ndarray) -> np.ndarray:
    """σ_*(z) = z + He₂(z)/√2 (research note §4): μ_{*,1} = 1, μ_{*,2} = √2, Var = 2."""
    return z + (z * z - 1.0) / math.sqrt(2.0)


@dataclass
class OneStepDraw:
    """Everything one seed draws, with the α-independent products precomputed.

    Shapes: pre0 = X̃W₀ᵀ and dpre = X̃Gᵀ are (n, N); xbeta = X̃β is (n,); a is (N,);
    the test arrays are (n_test, N) and (n_test,).
    """

    act: CentredActivation
    n: int
    N: int
    d: int
    seed: int
    pre0: np.ndarray
    dpre: np.ndarray
    xbeta: np.ndarray
    a: np.ndarray
    beta_norm: float
    cos_beta_star: float
    y_fresh: np.ndarray
    test_pre0: np.ndarray | None = None
    test_dpre: np.ndarray | None = None
    y_test: np.ndarray | None = None
    extras: dict = field(default_factory=dict)

    @property
    def zeta(self) -> np.ndarray:
        """ζ = X̃β/‖β‖ ~ N(0, I_n)."""
        return self.xbeta / self.beta_norm

    @property
    def g(self) -> np.ndarray:
        """g = √N a ~ N(0, I_N)."""
        return self.a * math.sqrt(self.N)

    def eta(self, alpha: float, *, step: str = "normalised", c: float = 1.0) -> float:
        """η = n^α √(N/n)/(|μ₁|‖β‖) (so θ = n^{α−1/2} exactly; note §4) or η = c·n^α ("plain")."""
        V.one_of(step, "step", ("normalised", "plain"))
        if step == "normalised":
            return self.n**alpha * math.sqrt(self.N / self.n) / (abs(self.act.mu1) * self.beta_norm)
        return c * self.n**alpha

    def eta_for_theta(self, theta: float) -> float:
        """The η that gives per-neuron displacement θ: η = θ√N/(μ₁‖β‖)."""
        return theta * math.sqrt(self.N) / (self.act.mu1 * self.beta_norm)

    def theta(self, eta: float) -> float:
        """θ = η μ₁ ‖β‖/√N, the per-neuron displacement along β̂."""
        return eta * self.act.mu1 * self.beta_norm / math.sqrt(self.N)

    def features(self, eta: float, *, control: bool = False) -> np.ndarray:
        """F = σ(X̃W₁ᵀ), or the control σ(X̃(W₁ − ημ₁aβᵀ)ᵀ) when ``control``; (n, N), float64."""
        pre = self.pre0 + eta * self.dpre
        if control:
            pre -= (eta * self.act.mu1) * np.outer(self.xbeta, self.a)
        out = self.act.fn(pre)
        _finite(out, "activation")
        return out


def _finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} returned non-finite values on the pre-activations (check the activation and η)")


def draw(
    act: str | CentredActivation,
    *,
    n: int,
    N: int,
    d: int,
    seed: int,
    noise: float = 0.5,
    target: Callable[[np.ndarray], np.ndarray] = default_target,
    n_test: int = 0,
) -> OneStepDraw:
    """Draw data, W₀, a; take the gradient G; precompute X̃W₀ᵀ and X̃Gᵀ (four n·N·d products).

    β := Xᵀr/n with r = y − f(X) (the rank-one part of G is μ₁aβᵀ; note §2.1).
    """
    act = _as_activation(act)
    n, N, d = V.positive_int(n, "n"), V.positive_int(N, "N"), V.positive_int(d, "d")
    n_test = V.nonnegative_int(n_test, "n_test")
    noise = V.nonnegative_float(noise, "noise")
    rng = np.random.default_rng(V.nonnegative_int(seed, "seed"))
    beta_star = rng.standard_normal(d)
    beta_star /= np.linalg.norm(beta_star)
    X = rng.standard_normal((n, d))
    y = target(X @ beta_star) + noise * rng.standard_normal(n)
    W0 = rng.standard_normal((N, d))
    W0 /= np.linalg.norm(W0, axis=1, keepdims=True)
    a = rng.standard_normal(N) / math.sqrt(N)
    Z = X @ W0.T
    r = y - act.fn(Z) @ a / math.sqrt(N)
    S = act.dfn(Z)
    _finite(S, "activation derivative")
    S *= r[:, None]
    S *= a[None, :]
    G = S.T @ X
    G /= n
    del S, Z
    beta = X.T @ r / n
    X_fresh = rng.standard_normal((n, d))
    y_fresh = target(X_fresh @ beta_star) + noise * rng.standard_normal(n)
    out = OneStepDraw(
        act=act, n=n, N=N, d=d, seed=int(seed),
        pre0=X_fresh @ W0.T, dpre=X_fresh @ G.T, xbeta=X_fresh @ beta, a=a,
        beta_norm=float(np.linalg.norm(beta)),
        cos_beta_star=float(abs(beta @ beta_star) / np.linalg.norm(beta)),
        y_fresh=y_fresh,
    )
    if n_test:
        X_test = rng.standard_normal((n_test, d))
        out.y_test = target(X_test @ beta_star) + noise * rng.standard_normal(n_test)
        out.test_pre0 = X_test @ W0.T
        out.test_dpre = X_test @ G.T
    return out


def top_singular_values(F: np.ndarray, k: int, *, seed: int = 0, vectors: bool = False, method: str = "auto"):
    """The k largest singular values of F (descending), float64, with a seeded Krylov start vector.

    ``method``: ``"auto"`` (default) is ``"gram"`` up to min(F.shape) = 4000 and ``"svds"`` above, where
    M (min(F.shape)² floats) grows large (benchmarks/bench_spikes.py, 2 shared cores: svds/gram time
    2.6–4.4 at n = N = 1000, 2.5–2.6 at 2000, 0.85–1.08 at 4000; dense SVD/gram 9.5 and 14);
    ``"gram"`` forms the smaller Gram matrix M = FFᵀ or FᵀF once (one BLAS-3
    product) and runs ARPACK (`eigsh`) on it, s = √λ(M); ``"svds"`` runs ARPACK on F itself
    (`scipy.sparse.linalg.svds`, two matrix-vector products per step); ``"dense"`` is the full LAPACK
    SVD (reference). Returns s, or (s, U, Vt) with U (n, k) and Vt (k, N) when ``vectors``.

    Repeated singular values: ARPACK is a single-vector Krylov method, and K_j(M, v₀) holds only
    one direction of each eigenspace (v₀'s projection on it), so it returns one copy of a multiple
    value and the next distinct value in place of the others. So both ARPACK paths deflate: they
    rerun ARPACK for the top of M restricted to the complement of the vectors found, and insert
    every value it finds above the k-th until none is (one extra run when nothing was missed).
    """
    k = V.positive_int(k, "k")
    V.one_of(method, "method", ("auto", "gram", "svds", "dense"))
    n_rows, n_cols = F.shape
    if method == "auto":
        method = "gram" if min(n_rows, n_cols) <= _GRAM_MAX_SIDE else "svds"
    if k >= min(n_rows, n_cols):
        raise ValueError(f"k must be < min(F.shape) = {min(n_rows, n_cols)}, got {k}")
    if method == "dense" or min(n_rows, n_cols) <= max(2 * k + 2, 16):  # ARPACK needs k < ncv < min(shape)
        if vectors:
            U, s, Vt = np.linalg.svd(F, full_matrices=False)
            return s[:k], U[:, :k], Vt[:k]
        return np.linalg.svd(F, compute_uv=False)[:k]
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(min(n_rows, n_cols))
    ncv = min(max(2 * k + 1, _SVDS_NCV), min(n_rows, n_cols) - 1)
    if method == "svds":
        U, s, Vt = svds(F, k=k, v0=v0, tol=_SVDS_TOL, ncv=ncv)
        s, U, Vt = _complete_svds(F, s, U, Vt, k, rng)
        return (s, U, Vt) if vectors else s
    left = n_rows <= n_cols
    M = F @ F.T if left else F.T @ F
    lam, vec = eigsh(M, k=k, v0=v0, tol=_SVDS_TOL, ncv=ncv)
    lam, vec = _complete_eigsh(M, lam, vec, k, rng)
    s = np.sqrt(np.clip(lam, 0.0, None))
    if not vectors:
        return s
    if left:
        U = vec
        Vt = (F.T @ U / s).T
    else:
        Vt = vec.T
        U = F @ vec / s
    return s, U, Vt


def _missed(value: float, kept: np.ndarray, k: int) -> bool:
    """A deflated top above the k-th value kept (by more than ARPACK's tolerance) is a missed copy."""
    return len(kept) < k or value > np.sort(kept)[::-1][k - 1] * (1 + 10 * _SVDS_TOL)


def _complete_eigsh(M: np.ndarray, lam: np.ndarray, vec: np.ndarray, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Top k eigenpairs of symmetric M, descending, with the copies of repeated eigenvalues eigsh missed."""
    dim = M.shape[0]
    ncv = min(_SVDS_NCV, dim - 1)
    for _ in range(k if k > 1 else 0):  # the top value alone cannot lose a copy
        Q = np.linalg.qr(vec)[0]

        def deflated(x, Q=Q):
            x = x - Q @ (Q.T @ x)
            y = M @ x
            return y - Q @ (Q.T @ y)

        op = LinearOperator((dim, dim), matvec=deflated, dtype=np.float64)
        top, v = eigsh(op, k=1, v0=deflated(rng.standard_normal(dim)), tol=_SVDS_TOL, ncv=ncv)
        if not _missed(float(top[0]), lam, k):
            break
        lam, vec = np.append(lam, top), np.column_stack([vec, v])
    order = np.argsort(lam)[::-1][:k]
    return lam[order], vec[:, order]


def _complete_svds(F: np.ndarray, s: np.ndarray, U: np.ndarray, Vt: np.ndarray, k: int, rng):
    """`_complete_eigsh` for svds: deflate the right singular vectors found, F ↦ F(I − VVᵀ)."""
    n_rows, n_cols = F.shape
    ncv = min(_SVDS_NCV, min(n_rows, n_cols) - 1)
    for _ in range(k if k > 1 else 0):
        Q = np.linalg.qr(Vt.T)[0]

        def right(x, Q=Q):
            x = x.ravel()
            return F @ (x - Q @ (Q.T @ x))

        def left(y, Q=Q):
            z = F.T @ y.ravel()
            return z - Q @ (Q.T @ z)

        op = LinearOperator((n_rows, n_cols), matvec=right, rmatvec=left, dtype=np.float64)
        u, top, vt = svds(op, k=1, v0=rng.standard_normal(min(n_rows, n_cols)), tol=_SVDS_TOL, ncv=ncv)
        if not _missed(float(top[0]), s, k):
            break
        s, U, Vt = np.append(s, top), np.column_stack([U, u]), np.vstack([Vt, vt])
    order = np.argsort(s)[::-1][:k]
    return s[order], U[:, order], Vt[order]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def hermite_e(k: int, x: np.ndarray) -> np.ndarray:
    """He_k(x) (probabilists', unnormalised) by the three-term recurrence."""
    prev, cur = np.ones_like(x), x.copy()
    if k == 0:
        return prev
    for j in range(2, k + 1):
        prev, cur = cur, x * cur - (j - 1) * prev
    return cur


@dataclass(frozen=True)
class SpikeMeasurement:
    """Measured at one (draw, α): top singular values, control edge, count, alignments, projections."""

    alpha: float | None
    eta: float
    theta: float
    singular_values: tuple[float, ...]
    edge: float
    count: int
    overlaps: dict
    projections: dict
    predicted_strengths: dict

    def _repr_html_(self) -> str:
        """A Jupyter table: the scalars, then per He_k degree the alignment, projection and prediction."""
        import html

        import pandas as pd

        head = (f"<p><b>SpikeMeasurement</b> α={self.alpha}, η={self.eta:.4g}, θ={self.theta:.4g}: "
                f"{self.count} outlier(s) above {EDGE_FACTOR}×edge = {EDGE_FACTOR * self.edge:.4g}; top σ "
                f"{html.escape(', '.join(f'{v:.4g}' for v in self.singular_values))}</p>")
        degrees = sorted(set(self.projections) | set(self.predicted_strengths))
        table = pd.DataFrame({"degree k": degrees,
                              "projection": [self.projections.get(k) for k in degrees],
                              "θ^k μ_k √(nN)": [self.predicted_strengths.get(k) for k in degrees]})
        overlaps = pd.DataFrame({"alignment": list(self.overlaps), "value": list(self.overlaps.values())})
        return head + table.to_html(index=False, float_format=lambda v: f"{v:.4g}") + overlaps.to_html(index=False, float_format=lambda v: f"{v:.4g}")


def measure(
    dr: OneStepDraw, alpha: float | None, *, eta: float | None = None, k_top: int = 6, step: str = "normalised",
    c: float = 1.0, degrees: tuple[int, ...] = (1, 2, 3),
) -> SpikeMeasurement:
    """Spectrum, outlier count over 1.02× the control edge, alignments and He_k projections at one α.

    ``alpha=None`` with an explicit ``eta`` measures at that step size (η = 0: random features).
    """
    if eta is None:
        T.exact_alpha(alpha)  # ValueError naming alpha outside [0, 1/2)
        eta = dr.eta(alpha, step=step, c=c)
    theta = dr.theta(eta)
    F = dr.features(eta)
    s, U, Vt = top_singular_values(F, k_top, seed=dr.seed, vectors=True)
    Fc = dr.features(eta, control=True)
    edge = float(top_singular_values(Fc, 1, seed=dr.seed + 1)[0])
    del Fc
    count = int(np.sum(s > EDGE_FACTOR * edge))
    zeta, g = dr.zeta, dr.g
    overlaps = {
        "u1_zeta": abs(U[:, 0] @ _unit(zeta)),
        "u2_zeta2": abs(U[:, 1] @ _unit(zeta**2)),
        "u2_he2": abs(U[:, 1] @ _unit(hermite_e(2, zeta))),
        "v1_g": abs(Vt[0] @ _unit(g)),
        "v2_g2": abs(Vt[1] @ _unit(g**2)),
    }
    projections, predicted = {}, {}
    for k in degrees:
        u, v = _unit(hermite_e(k, zeta)), _unit(hermite_e(k, g))
        projections[k] = float(u @ F @ v)
        predicted[k] = float(T.spike_strength(theta, dr.act.mu[k], k, dr.n, dr.N))
    return SpikeMeasurement(
        alpha=alpha, eta=float(eta), theta=float(theta), singular_values=tuple(float(x) for x in s),
        edge=edge, count=count, overlaps={k: float(v) for k, v in overlaps.items()},
        projections=projections, predicted_strengths=predicted,
    )


def ridge_errors(dr: OneStepDraw, eta: float, lam: float) -> tuple[float, float]:
    """Train and test MSE of â = argmin (1/n)‖ỹ − Fa‖² + λ‖a‖² on F = σ(X̃W₁ᵀ) (needs n_test > 0)."""
    lam = V.positive_float(lam, "lam")
    if dr.test_pre0 is None:
        raise ValueError("ridge_errors needs a draw with n_test > 0")
    F = dr.features(eta)
    gram = F.T @ F
    gram /= dr.n
    gram[np.diag_indices_from(gram)] += lam
    coef = np.linalg.solve(gram, F.T @ dr.y_fresh / dr.n)
    train = float(np.mean((dr.y_fresh - F @ coef) ** 2))
    F_test = dr.act.fn(dr.test_pre0 + eta * dr.test_dpre)
    _finite(F_test, "activation")
    test = float(np.mean((dr.y_test - F_test @ coef) ** 2))
    return train, test
