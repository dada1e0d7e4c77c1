"""Measurements on a (trained or random) MLP: layer spectra, representations, Jacobians, (★) checks.

Everything is computed on a float64 copy of the model, so ranks and bounds are float64 whatever
dtype the network was trained in.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from numerics.bottleneck.nets import theta_norm2, weight_matrices
from numerics.validation import as_matrix, positive_float, positive_int
from numerics.ranks import singular_values
from theory.bottleneck import (
    BOTTLENECK_DISTANCE,
    MASTER_AMGM,
    MASTER_INEQUALITY,
    dist_to_partial_isometries,
    master_aggregates,
)

__all__ = [
    "as_float64",
    "layer_singular_values",
    "preactivations",
    "representation_singular_values",
    "jacobians",
    "jacobian_singular_values",
    "dominant_count",
    "master_checks",
    "MASTER_BOUNDS",
    "layer_table",
    "near_one_count",
    "tail_rms",
    "fitted_exponent",
]

MASTER_BOUNDS = (MASTER_INEQUALITY, MASTER_AMGM, BOTTLENECK_DISTANCE)


def as_float64(model: nn.Module) -> nn.Module:
    """A float64 deep copy of ``model`` (the original is untouched)."""
    return copy.deepcopy(model).double().eval()


def layer_singular_values(model: nn.Module) -> list[np.ndarray]:
    """[s(W_1), …, s(W_L)], each descending, float64."""
    return [singular_values(W.detach().double()) for W in weight_matrices(model)]


def _check_inputs(model: nn.Module, x: Any) -> torch.Tensor:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X = torch.as_tensor(as_matrix(x, "x"), dtype=torch.float64)
    d_in = weight_matrices(model)[0].shape[1]
    if X.shape[1] != d_in:
        raise ValueError(f"x must have {d_in} columns (the model's input size), got shape {tuple(X.shape)}")
    return X


def preactivations(model: nn.Module, x: Any) -> list[np.ndarray]:
    """[α̃_1(x), …, α̃_L(x)]: the output of every nn.Linear (pre-activations; the last is f(x)), float64."""
    X = _check_inputs(model, x)
    net = as_float64(model)
    out, h = [], X
    with torch.no_grad():
        for m in net:
            h = m(h)
            if isinstance(m, nn.Linear):
                out.append(h.numpy().copy())
    return out


def representation_singular_values(model: nn.Module, x: Any, *, centred: bool = True) -> list[np.ndarray]:
    """Per hidden layer ℓ < L: singular values of the (centred) pre-activation matrix α̃_ℓ(X) / √N."""
    reps = preactivations(model, x)[:-1]
    out = []
    for Z in reps:
        Zc = Z - Z.mean(axis=0, keepdims=True) if centred else Z
        out.append(singular_values(Zc) / np.sqrt(Z.shape[0]))
    return out


def jacobians(model: nn.Module, x: Any) -> np.ndarray:
    """Jf(x_i) for every row of x, ``(n, d_out, d_in)``, float64 (torch.func.vmap of jacrev; relu'(0) = 0)."""
    X = _check_inputs(model, x)
    net = as_float64(model)
    params = {k: v.detach() for k, v in net.named_parameters()}

    def f(xi: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(net, params, (xi,))

    return torch.func.vmap(torch.func.jacrev(f))(X).numpy()


def jacobian_singular_values(model: nn.Module, x: Any) -> np.ndarray:
    """``(n, min(d_out, d_in))``: singular values of Jf(x_i), descending per row."""
    J = jacobians(model, x)
    return np.stack([singular_values(Ji) for Ji in J])


def dominant_count(s: Any, gap: float = 0.2) -> int:
    """Number of dominant singular values: the first j with s_{j+1} < gap·s_j (len(s) when there is no gap).

    Args:
        s: singular values (any order; sorted descending here).
        gap: relative gap ratio in (0, 1); the research note §4.3 uses 0.2.
    """
    gap = positive_float(gap, "gap")
    if gap >= 1:
        raise ValueError(f"gap must be < 1, got {gap!r}")
    v = np.sort(np.asarray(s, dtype=np.float64).reshape(-1))[::-1]
    if v.size == 0 or v[0] <= 0:
        return 0
    for j in range(v.size - 1):
        if v[j + 1] < gap * v[j]:
            return j + 1
    return int(v.size)


def master_checks(
    model: nn.Module, x: Any, *, max_k: int = 4, rank_rtol: float = 1e-9, **point: Any
) -> pd.DataFrame:
    """One check row per (sample x_i, k, bound) for (★), its AM–GM form and the distance corollary.

    k runs over 1..min(max_k, rank Jf(x_i)), rank counted as #{s_i(J) > rank_rtol·s_1(J)}.
    Columns: bound, lhs, rhs, slack, holds, sample, k, and ``point`` (e.g. depth, seed).
    """
    max_k = positive_int(max_k, "max_k")
    _check_inputs(model, x)
    sv_layers = layer_singular_values(model)
    norm2 = theta_norm2(model)
    sj_all = jacobian_singular_values(model, x)
    rows: list[dict] = []
    for i, sj in enumerate(sj_all):
        rank = int(np.count_nonzero(sj > rank_rtol * sj[0])) if sj[0] > 0 else 0
        for kk in range(1, min(max_k, rank) + 1):
            agg = master_aggregates(sv_layers, sj, kk, norm2)
            for bound in MASTER_BOUNDS:
                c = bound.check(**agg.values_for(bound))
                rows.append({**point, "sample": i, "k": kk, "rank_J": rank, **c.as_dict()})
    cols = [*point, "sample", "k", "rank_J", "bound", "lhs", "rhs", "slack", "holds"]
    return pd.DataFrame(rows, columns=cols)


def layer_table(model: nn.Module, x: Any, k: int, *, gap: float = 0.2, top: int = 6) -> pd.DataFrame:
    """Per layer ℓ: top singular values of W_ℓ, its dominant count, dist_F(W_ℓ, 𝒫_k)² and (for ℓ < L)
    the top singular values, dominant count and participation ratio (Σλ)²/Σλ² (an effective
    dimension) of the centred pre-activations / √N."""
    sv = layer_singular_values(model)
    reps = representation_singular_values(model, x, centred=True)
    rows = []
    for ell, s in enumerate(sv, start=1):
        row: dict[str, Any] = {"layer": ell, "w_dominant": dominant_count(s, gap), "dist2_Pk": dist_to_partial_isometries(s, min(k, s.size))}
        row.update({f"w_s{i + 1}": float(s[i]) if i < s.size else np.nan for i in range(top)})
        if ell <= len(reps):
            r = reps[ell - 1]
            row["rep_dominant"] = dominant_count(r, gap)
            lam = r**2
            row["rep_participation_ratio"] = float(lam.sum() ** 2 / np.sum(lam**2)) if lam.sum() > 0 else 0.0
            row.update({f"rep_s{i + 1}": float(r[i]) if i < r.size else np.nan for i in range(min(top, 4))})
        rows.append(row)
    return pd.DataFrame(rows)




def near_one_count(s: Any, tol: float) -> int:
    """#{i : |s_i − 1| ≤ tol}: singular values "close to 1" in the sense of arXiv 2305.19008's abstract."""
    tol = positive_float(tol, "tol")
    v = np.asarray(s, dtype=np.float64).reshape(-1)
    return int(np.count_nonzero(np.abs(v - 1.0) <= tol))


def tail_rms(layer_svals: list[np.ndarray], k: int) -> float:
    """((1/L) Σ_ℓ Σ_{i>k} s_i(W_ℓ)²)^{1/2}: the root-mean-square tail that the corollary bounds by (C/L)^{1/2}."""
    k = positive_int(k, "k")
    if not layer_svals:
        raise ValueError("layer_svals must hold at least one layer")
    total = sum(float(np.sum(np.sort(np.asarray(s, dtype=np.float64))[::-1][k:] ** 2)) for s in layer_svals)
    return float(np.sqrt(total / len(layer_svals)))


def fitted_exponent(depths: Any, values: Any) -> float:
    """Least-squares slope p of log(value) = p·log(L) + c (the exponent of value ∝ L^p); needs ≥ 2 depths, values > 0."""
    L = np.asarray(depths, dtype=np.float64).reshape(-1)
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if L.size != v.size or L.size < 2 or np.unique(L).size < 2:
        raise ValueError(f"depths and values must have equal length with >= 2 distinct depths, got {L.tolist()} and {v.tolist()}")
    if not (np.all(np.isfinite(v)) and np.all(v > 0) and np.all(L > 0)):
        raise ValueError(f"depths and values must be finite and > 0, got {L.tolist()} and {v.tolist()}")
    return float(np.polyfit(np.log(L), np.log(v), 1)[0])
