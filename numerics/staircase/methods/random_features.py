"""Random-feature models without training: ELM against the partition-of-unity random feature method.

Both fit u ≈ Σ_j c_j φ_j with fixed random features φ_j(x) = tanh(k_j·x + b_j) and the output
coefficients c from weighted least squares, min_c Σ_k w_k (Σ_j c_j φ_j(x_k) − u*(x_k))².

- ELM (extreme learning machine): J features on the whole box Ω.
- RFM (random feature method, Chen, Chi, E, Yang 2022) with the indicator partition of unity
  ψ_i = 1_{Ω_i} on a P_1×…×P_d grid of sub-boxes: u = Σ_i ψ_i(x) Σ_j c_ij tanh(k_ij·l_i(x) + b_ij),
  where l_i(x) = (x − centre_i)/half-width_i maps Ω_i onto [−1, 1]^d.

The features' Gram matrix M = Φᵀ diag(w) Φ and its ε-rank are those of arXiv 2412.05144, Example 4.3,
under either measurement convention (`numerics.quadrature.CONVENTIONS`): ``"integral"`` on the
composite Gauss rule of the fit (Σ w = |Ω|, count λ > ε), ``"paper"`` on a uniform grid with
eq. (4.1)'s unit weights (`numerics.quadrature.paper_tensor_grid`, count |λ| > ε). Both count the
same fitted features; the fit and its error do not depend on the convention.
Feature distribution (the paper does not state one): k ~ U(−R, R)^d and b ~ U(−R, R), R = ``scale``
(default 1, the RFM paper's R_m = 1), drawn from an explicit numpy Generator by
`numerics.features.uniform_layer` (k row by row, then b).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import scipy.linalg

from numerics.features import FeatureLayer, uniform_layer
from numerics.validation import as_box, as_matrix, one_of, positive_float, positive_int
from numerics.quadrature import CONVENTIONS, Quadrature, check_convention, paper_tensor_grid, tensor_grid
from numerics.ranks import gram_eigenvalues

__all__ = [
    "UNIT_SQUARE",
    "cos_product_target",
    "subdomain_boxes",
    "composite_grid",
    "elm_features",
    "rfm_features",
    "RandomFeatureFit",
    "fit_random_features",
    "default_rcond",
    "weighted_lstsq",
]

UNIT_SQUARE: tuple[tuple[float, float], ...] = ((-1.0, 1.0), (-1.0, 1.0))


def cos_product_target(points: np.ndarray) -> np.ndarray:
    """u*(x, y) = cos x cos y + cos 10x cos 10y (arXiv 2412.05144, Example 4.3); points ``(m, 2)``."""
    p = as_matrix(points, "points")
    if p.shape[1] != 2:
        raise ValueError(f"points must have 2 columns (x, y), got shape {p.shape}")
    x, y = p[:, 0], p[:, 1]
    return np.cos(x) * np.cos(y) + np.cos(10 * x) * np.cos(10 * y)


def subdomain_boxes(box: Sequence[tuple[float, float]], parts: int | Sequence[int]) -> list[list[tuple[float, float]]]:
    """The P_1×…×P_d equal sub-boxes of ``box`` (row-major order, last axis fastest)."""
    sides = as_box(box)
    ps = [parts] * len(sides) if isinstance(parts, (int, np.integer)) and not isinstance(parts, bool) else list(parts)
    if len(ps) != len(sides):
        raise ValueError(f"parts must give one count per side ({len(sides)}), got {parts!r}")
    ps = [positive_int(p, "parts") for p in ps]
    edges = [np.linspace(a, b, p + 1) for (a, b), p in zip(sides, ps)]
    return [
        [(float(e[i]), float(e[i + 1])) for e, i in zip(edges, idx)]
        for idx in itertools.product(*[range(p) for p in ps])
    ]


def composite_grid(box: Sequence[tuple[float, float]], parts: int | Sequence[int], m_per_side: int) -> Quadrature:
    """Composite Gauss–Legendre rule: an ``m_per_side``^d tensor rule on each sub-box, Σ w = |Ω|.

    No node lies on a sub-box boundary, so the indicator partition of unity is unambiguous on it.
    """
    pts, wts = [], []
    for sub in subdomain_boxes(box, parts):
        q = tensor_grid(sub, positive_int(m_per_side, "m_per_side"), rule="gauss_legendre")
        pts.append(q.points)
        wts.append(q.weights)
    return Quadrature(np.concatenate(pts), np.concatenate(wts))


def elm_features(points: np.ndarray, layer: FeatureLayer) -> np.ndarray:
    """Φ_kj = tanh(k_j·x_k + b_j) on the whole domain; ``(m, J)``."""
    return layer(as_matrix(points, "points"))


def _owner(points: np.ndarray, boxes: list[list[tuple[float, float]]], box: list[tuple[float, float]]) -> np.ndarray:
    """Index of the sub-box owning each point: half-open cells [a, b), closed at the outer edge."""
    d = points.shape[1]
    lo = np.array([[s[0] for s in sub] for sub in boxes])
    hi = np.array([[s[1] for s in sub] for sub in boxes])
    outer_hi = np.array([s[1] for s in box])
    inside = (points[:, None, :] >= lo[None]) & (
        (points[:, None, :] < hi[None]) | ((points[:, None, :] == hi[None]) & (hi[None] == outer_hi[None, None, :]))
    )
    member = inside.all(axis=2)
    if not member.any(axis=1).all():
        bad = points[~member.any(axis=1)][0]
        raise ValueError(f"points must lie in the box {box}, got {bad.tolist()} (d={d})")
    return member.argmax(axis=1)


def rfm_features(
    points: np.ndarray,
    layers: Sequence[FeatureLayer],
    box: Sequence[tuple[float, float]],
    parts: int | Sequence[int],
) -> np.ndarray:
    """Φ_{k,(i,j)} = 1_{Ω_i}(x_k) tanh(k_ij·l_i(x_k) + b_ij), l_i(x) = (x − c_i)/h_i; ``(m, P·J)``.

    Columns are grouped by sub-box (block i holds layer i's J features), so M is block diagonal.
    """
    p = as_matrix(points, "points")
    sides = as_box(box)
    boxes = subdomain_boxes(sides, parts)
    if len(layers) != len(boxes):
        raise ValueError(f"layers must hold one FeatureLayer per sub-box ({len(boxes)}), got {len(layers)}")
    owner = _owner(p, boxes, sides)
    J = layers[0].b.shape[0]
    out = np.zeros((p.shape[0], len(boxes) * J))
    for i, (sub, layer) in enumerate(zip(boxes, layers)):
        rows = owner == i
        centre = np.array([(a + b) / 2 for a, b in sub])
        half = np.array([(b - a) / 2 for a, b in sub])
        out[rows, i * J : (i + 1) * J] = layer((p[rows] - centre) / half)
    return out


@dataclass(frozen=True)
class RandomFeatureFit:
    """One least-squares random-feature fit and what was measured on it.

    ``eps_rank`` and ``eigenvalues`` are the ``"integral"`` measurement on the fit grid;
    ``eps_ranks`` and ``spectra`` hold one entry per convention measured (``"paper"``: on the uniform
    grid of ``paper_m_per_side`` points per side, unit weights, |λ| > ε). ``errors_by_rcond`` maps
    each extra cut-off asked for to the L² error of that solution (one SVD serves all of them).
    """

    method: str
    n_features: int
    eps: float
    rcond: float
    eps_rank: int
    l2_error: float
    rel_l2_error: float
    eigenvalues: np.ndarray = field(repr=False)
    coefficients: np.ndarray = field(repr=False)
    errors_by_rcond: dict = field(default_factory=dict, repr=False)
    eps_ranks: dict = field(default_factory=dict)
    spectra: dict = field(default_factory=dict, repr=False)
    paper_m_per_side: int | None = None


def default_rcond(m: int, n: int) -> float:
    """max(m, n)·eps(float64): numpy.linalg.lstsq's and torch.linalg.lstsq's default cut-off."""
    return max(m, n) * float(np.finfo(np.float64).eps)


class _WeightedSVD:
    """diag(√w)Φ = U S Vᵀ once; `solve` gives argmin_c ‖diag(√w)(Φc − u)‖ with σ_i ≤ rcond·σ_1 dropped."""

    def __init__(self, phi: np.ndarray, w: np.ndarray):
        sw = np.sqrt(w)
        A = sw[:, None] * phi
        try:
            self.U, self.s, self.Vt = scipy.linalg.svd(A, full_matrices=False, check_finite=False)
        except np.linalg.LinAlgError:  # gesdd can fail where gesvd succeeds
            self.U, self.s, self.Vt = scipy.linalg.svd(A, full_matrices=False, lapack_driver="gesvd", check_finite=False)
        self.sw = sw

    def solve(self, u: np.ndarray, rcond: float) -> np.ndarray:
        keep = self.s > rcond * self.s[0]
        return self.Vt[keep].T @ ((self.U[:, keep].T @ (self.sw * u)) / self.s[keep])


def weighted_lstsq(phi: np.ndarray, u: np.ndarray, w: np.ndarray, rcond: float | None = None) -> np.ndarray:
    """argmin_c ‖diag(√w)(Φc − u)‖₂ by SVD, dropping σ_i ≤ rcond·σ_1 (default `default_rcond`)."""
    phi = as_matrix(phi, "phi")
    rcond = default_rcond(*phi.shape) if rcond is None else positive_float(rcond, "rcond")
    return _WeightedSVD(phi, np.asarray(w, dtype=np.float64)).solve(np.asarray(u, dtype=np.float64), rcond)


def fit_random_features(
    method: str,
    *,
    n_features: int = 900,
    parts: int = 3,
    scale: float = 1.0,
    eps: float = 1e-6,
    seed: int = 0,
    m_per_side: int = 20,
    test_m_per_side: int = 30,
    target: Callable[[np.ndarray], np.ndarray] = cos_product_target,
    box: Sequence[tuple[float, float]] = UNIT_SQUARE,
    rcond: float | None = None,
    extra_rconds: Sequence[float] = (),
    conventions: Sequence[str] = ("integral",),
    paper_m_per_side: int | None = None,
) -> RandomFeatureFit:
    """Fit ELM or PoU-RFM by least squares; return r_ε(M) and ‖u − u*‖_{L²(Ω)} (arXiv 2412.05144, Ex. 4.3).

    Args:
        method: ``"elm"`` (``n_features`` global features) or ``"rfm"`` (``parts``^d sub-boxes with
            ``n_features // parts^d`` features each, indicator partition of unity).
        n_features: total number of features (900 in the paper).
        parts: sub-boxes per side for RFM (3 in the paper).
        scale: R in k, b ~ U(−R, R).
        eps: ε of the ε-rank (1e-6 as in the paper).
        seed: seed of the numpy Generator that draws the features.
        m_per_side: Gauss points per side of each of the ``parts``^d cells for the fit and the Gram
            matrix (the same composite rule for both methods).
        test_m_per_side: finer composite Gauss rule on which the L² error is measured.
        rcond: least-squares cut-off σ_i ≤ rcond·σ_1; default max(m, n)·eps, the numpy/torch
            default. ELM's error depends strongly on it (it uses directions far below ε); RFM's does not.
        extra_rconds: further cut-offs whose errors go to ``errors_by_rcond`` (same SVD).
        conventions: the measurement conventions of ``eps_ranks`` (``"integral"`` is always measured).
        paper_m_per_side: points per side of the ``"paper"`` grid on the whole box; default
            ``parts·m_per_side + 1`` (as many nodes per side as the fit grid, the sub-box edges on
            grid lines, each edge node owned by one cell). h = |side|/(m − 1), so
            r_ε(M_paper) = r_{ε·h²}(M_trapezoid) (`paper_tensor_grid`).
    """
    one_of(method, "method", ("elm", "rfm"))
    n_features = positive_int(n_features, "n_features")
    parts = positive_int(parts, "parts")
    eps = positive_float(eps, "eps")
    scale = positive_float(scale, "scale")
    sides = as_box(box)
    d = len(sides)
    rng = np.random.default_rng(seed)
    fit_q = composite_grid(sides, parts, m_per_side)
    test_q = composite_grid(sides, parts, test_m_per_side)
    rcond = default_rcond(fit_q.size, n_features) if rcond is None else positive_float(rcond, "rcond")
    extra = [positive_float(r, "extra_rconds") for r in extra_rconds]
    if isinstance(conventions, str):
        raise TypeError(f"conventions must be a sequence of names, got the string {conventions!r}")
    conventions = tuple(check_convention(c) for c in conventions)
    paper_m = parts * positive_int(m_per_side, "m_per_side") + 1 if paper_m_per_side is None else positive_int(
        paper_m_per_side, "paper_m_per_side")
    if method == "elm":
        layer = uniform_layer(d, n_features, scale, rng)
        featurize = lambda x: elm_features(x, layer)  # noqa: E731
    else:
        n_cells = parts**d
        if n_features % n_cells:
            raise ValueError(f"n_features must be a multiple of parts**d = {n_cells} for rfm, got {n_features}")
        layers = [uniform_layer(d, n_features // n_cells, scale, rng) for _ in range(n_cells)]
        featurize = lambda x: rfm_features(x, layers, sides, parts)  # noqa: E731
    phi = featurize(fit_q.points)
    svd = _WeightedSVD(phi, fit_q.weights)
    u_fit = target(fit_q.points)
    phi_test = featurize(test_q.points)
    u_test = target(test_q.points)

    def error(coef: np.ndarray) -> float:
        return float(np.sqrt(test_q.norm2(phi_test @ coef - u_test)))

    coef = svd.solve(u_fit, rcond)
    l2 = error(coef)
    lam = svd.s**2  # λ(M) = σ(diag(√w)Φ)², the spectrum numerics.ranks.gram_eigenvalues reads
    eps_ranks = {"integral": int(np.count_nonzero(lam > eps))}
    spectra = {"integral": lam}
    if "paper" in conventions:
        grid = paper_tensor_grid(sides, paper_m)
        phi_p = featurize(grid.points)
        spectra["paper"] = gram_eigenvalues(phi_p, grid.weights)  # σ² ≥ 0: |λ| > ε is λ > ε here
        eps_ranks["paper"] = int(np.count_nonzero(np.abs(spectra["paper"]) > eps))
    return RandomFeatureFit(
        method=method,
        n_features=n_features,
        eps=eps,
        rcond=rcond,
        eps_rank=eps_ranks["integral"],
        l2_error=l2,
        rel_l2_error=l2 / float(np.sqrt(test_q.norm2(u_test))),
        eigenvalues=lam,
        coefficients=coef,
        errors_by_rcond={r: error(svd.solve(u_fit, r)) for r in extra},
        eps_ranks={c: eps_ranks[c] for c in CONVENTIONS if c in eps_ranks},
        spectra=spectra,
        paper_m_per_side=paper_m if "paper" in conventions else None,
    )
