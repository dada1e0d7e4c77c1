"""``analyze(model, inputs)``: every rank measure of every hidden layer of any torch model, one call.

One row per hidden layer (or per named module): the ε-rank r_ε(M) = #{λ(M) > ε}, M = Φᵀ diag(w) Φ
(arXiv 2412.05144 Def. 2.5, eq. 4.1) in the convention the weights give and, on a uniform 1-D grid,
in the paper's printed convention (unit trapezoid weights, |λ| > ε); the Roy–Vetterli effective
rank, stable rank, numerical rank, participation ratio, top singular values and the condition
number of M. Given a target, the last hidden layer also gets the loss L = ‖f − u*‖²_w and the
Thm 3.3 lower bounds on it, each with its slack (`numerics.gram.check_bounds`).
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from numerics import ranks
from numerics.validation import as_matrix, as_weights, positive_float, positive_int, to_numpy

__all__ = ["analyze", "default_layers"]

# Leaf modules that transform values elementwise: their outputs are a layer's features φ_j(x).
_ACTIVATION_MODULE = "torch.nn.modules.activation"


def default_layers(model: nn.Module) -> list[str]:
    """The module paths whose outputs `analyze` reads when ``layers`` is not given.

    The package's `numerics.nets.MLP` names its hidden layers (``model.layer_names``). Otherwise
    the outputs of the activation modules (``nn.Tanh``, ``nn.ReLU``, …: what a ``nn.Sequential``
    holds); a model with no activation module (activations applied in ``forward``) gets every
    leaf module with parameters except the last, the output layer.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = getattr(model, "layer_names", None)
    if isinstance(names, (list, tuple)) and names and all(isinstance(n, str) for n in names):
        return list(names)
    leaves = [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]
    acts = [name for name, m in leaves if type(m).__module__ == _ACTIVATION_MODULE]
    if acts:
        return acts
    with_params = [name for name, m in leaves if any(True for _ in m.parameters(recurse=False))]
    if len(with_params) < 2:
        raise ValueError(f"model: cannot tell its hidden layers apart (leaf modules {[n for n, _ in leaves]}); pass layers=[...]")
    return with_params[:-1]


def _uniform_grid(x: np.ndarray) -> tuple[float, float] | None:
    """(a, b) when x is m ≥ 2 increasing, equally spaced points in 1-D; else None."""
    if x.ndim != 2 or x.shape[1] != 1 or x.shape[0] < 2:
        return None
    t = x[:, 0]
    h = np.diff(t)
    if np.any(h <= 0) or not np.allclose(h, h[0], rtol=1e-9, atol=0.0):
        return None
    return float(t[0]), float(t[-1])


def _output_layer(model: nn.Module, last: str) -> nn.Linear | None:
    """The ``nn.Linear`` that reads layer ``last``: ``model.beta`` of the package's MLP, else the next leaf with parameters."""
    beta = getattr(model, "beta", None)
    if isinstance(beta, nn.Linear):
        return beta
    leaves = [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]
    after = [m for name, m in leaves[[n for n, _ in leaves].index(last) + 1:] if any(True for _ in m.parameters(recurse=False))] \
        if last in [n for n, _ in leaves] else []
    return after[0] if after and isinstance(after[0], nn.Linear) else None


def _output_coefficients(model: nn.Module, last: str, phi: np.ndarray, f: np.ndarray, w: np.ndarray):
    """(features, β, with_bias, source, error) with features·β = f to 1e-8 relative in ‖·‖_w.

    β is the output layer's own weights (a constant feature appended for its bias) when they
    reproduce f; otherwise the min-norm least-squares coefficients.
    """
    sw = np.sqrt(w)
    scale = max(float(np.linalg.norm(sw * f)), 1e-300)
    candidates = []
    head = _output_layer(model, last)
    if head is not None and head.out_features == 1 and head.in_features == phi.shape[1]:
        beta = head.weight.detach().double().cpu().numpy()[0]
        if head.bias is None:
            candidates.append((phi, beta, False, "output layer weights"))
        else:
            bias = float(head.bias.detach().double().cpu()[0])
            candidates.append((np.hstack([phi, np.ones((phi.shape[0], 1))]), np.append(beta, bias), True, "output layer weights"))
    for with_bias in (False, True):
        A = np.hstack([phi, np.ones((phi.shape[0], 1))]) if with_bias else phi
        candidates.append((A, np.linalg.lstsq(sw[:, None] * A, sw * f, rcond=None)[0], with_bias, "min-norm least squares"))
    for A, beta, with_bias, source in candidates:
        err = float(np.linalg.norm(sw * (A @ beta - f))) / scale
        if err <= 1e-8:
            return A, beta, with_bias, source, err
    raise ValueError("target: the model's output is not a linear function of the last analysed layer's features "
                     "(Thm 3.3 needs f = Σ β_j φ_j); pass layers=[...] ending with the layer the output layer reads")


def analyze(
    model: nn.Module,
    inputs: Any,
    *,
    weights: Any = None,
    eps: float = 1e-6,
    layers: str | Sequence[str] | None = None,
    target: Any = None,
    top: int = 5,
):
    """Per-layer rank measures of ``model`` at ``inputs``, as a pandas DataFrame (one row per layer).

    Every measure reads B = diag(√w)Φ, Φ the layer's ``(m, n)`` outputs (trailing dims flattened),
    so all of them describe the Gram matrix M = BᵀB = Φᵀ diag(w) Φ of arXiv 2412.05144 eq. 2.2/4.1.

    Args:
        model: any ``torch.nn.Module``; run once, under ``torch.no_grad``, in its current mode.
        inputs: ``(m, d)`` points (tensor or array; cast to the model's dtype).
        weights: ``(m,)`` quadrature weights integrating over Ω (the ``"integral"`` convention);
            ``None``: unit weights, M = ΦᵀΦ.
        eps: ε of the ε-rank (the paper's 1e-6).
        layers: module paths as in ``model.named_modules()``; default `default_layers`.
        target: ``(m,)`` values u*(x) of the function the model fits: adds, on the last layer's
            row, ``loss`` = Σ w (f − u*)² and the Thm 3.3 bounds (paper, tight, eigen) with slack.
        top: how many leading singular values to list (``sv_1`` …).

    Columns: ``layer, module, points, width, eps, eps_rank`` (weights as given), ``eps_rank_paper``
    (the paper's eq. 4.1 as printed — unit trapezoid weights, |λ| > ε — when ``inputs`` is a uniform
    1-D grid, else NaN), ``effective_rank, stable_rank, numerical_rank, participation_ratio,
    gram_condition`` (λ_max/λ_min of M, inf when singular), ``sv_1…sv_top``; with ``target`` also
    ``loss, beta_norm2, repr_error`` (‖Φβ − f‖_w/‖f‖_w of the β used, ≤ 1e-8), ``<bound>_rhs`` and
    ``<bound>_slack`` (slack = L − rhs ≥ 0 holds), and ``bounds_hold``. ``df.attrs`` records the
    conventions used.
    """
    import pandas as pd

    from numerics.tracking import RankTracker
    from numerics.quadrature import paper_trapezoid

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    eps = positive_float(eps, "eps")
    top = positive_int(top, "top")
    names = default_layers(model) if layers is None else ([layers] if isinstance(layers, str) else list(layers))
    param = next(model.parameters(), None)
    x = inputs if isinstance(inputs, torch.Tensor) else torch.as_tensor(to_numpy(inputs, "inputs"))
    if x.ndim == 1:
        raise ValueError(f"inputs must be (m, d), one row per point, got shape {tuple(x.shape)}")
    if param is not None:
        x = x.to(param.device)
        if x.is_floating_point() and param.is_floating_point():
            x = x.to(param.dtype)
    m = int(x.shape[0])
    w = np.ones(m) if weights is None else as_weights(weights, m, "weights")
    grid = _uniform_grid(x.detach().cpu().double().numpy())
    w_paper = paper_trapezoid(grid[0], grid[1], m).weights if grid is not None else None

    tracker = RankTracker(model, names, weights=w, eps=eps)
    try:
        with torch.no_grad():
            output = model(x)
        feats = {name: as_matrix(tracker.latest_features(name).double().cpu(), f"features of layer {name!r}") for name in names}
    finally:
        tracker.remove()
    for name, phi in feats.items():
        if phi.shape[0] != m:
            raise ValueError(f"layers: module {name!r} outputs {phi.shape[0]} rows for {m} input points; "
                             "analyze needs one row per point")

    modules = dict(model.named_modules())
    rows = []
    for name, phi in feats.items():
        B = np.sqrt(w)[:, None] * phi
        s = ranks.singular_values(B)
        lam = np.concatenate([s**2, np.zeros(phi.shape[1] - s.size)])
        row = {
            "layer": name,
            "module": type(modules[name]).__name__,
            "points": m,
            "width": int(phi.shape[1]),
            "eps": eps,
            "eps_rank": ranks.epsilon_rank(phi, eps, w),
            "eps_rank_paper": (ranks.epsilon_rank(phi, eps, w_paper, absolute=True) if w_paper is not None else np.nan),
            "effective_rank": ranks.effective_rank(B),
            "stable_rank": ranks.stable_rank(B),
            "numerical_rank": ranks.numerical_rank(B),
            "participation_ratio": ranks.participation_ratio(B),
            "gram_condition": float(lam[0] / lam[-1]) if lam[-1] > 0 else float("inf"),
        }
        row.update({f"sv_{i + 1}": (float(s[i]) if i < s.size else 0.0) for i in range(top)})
        rows.append(row)
    df = pd.DataFrame(rows)

    if target is not None:
        from numerics.gram import check_bounds, staircase_quantities

        f = np.asarray(output.detach().double().cpu().numpy())
        if f.ndim == 2 and f.shape[1] == 1:
            f = f[:, 0]
        if f.ndim != 1:
            raise ValueError(f"target: Thm 3.3 is for one output; the model returns shape {tuple(output.shape)}")
        u = np.asarray(to_numpy(target, "target"), dtype=np.float64).reshape(-1)
        if u.shape[0] != m or not np.all(np.isfinite(u)):
            raise ValueError(f"target must be {m} finite values, one per input point, got shape {u.shape}")
        last = names[-1]
        A, beta, with_bias, source, repr_error = _output_coefficients(model, last, feats[last], f, w)
        loss = float(np.sum(w * (f - u) ** 2))
        q = staircase_quantities(A, w, beta, u, eps)
        checks = check_bounds(q, loss)
        extra: dict[str, Any] = {"loss": loss, "beta_norm2": q.beta_norm2, "repr_error": repr_error}
        for c in checks:
            extra[f"{c.name}_rhs"] = c.rhs
            extra[f"{c.name}_slack"] = c.slack
        extra["bounds_hold"] = all(c.holds for c in checks)
        for key, value in extra.items():
            df[key] = [value if layer == last else (np.nan if key != "bounds_hold" else None) for layer in df["layer"]]
        df.attrs["thm3_3"] = (f"layer {last}: f = Φβ{' + b (a constant feature appended)' if with_bias else ''}, "
                              f"β from the {source}; loss and M with the same weights")
    df.attrs["eps_rank"] = "integral: the given weights" if weights is not None else "unit weights, M = ΦᵀΦ"
    df.attrs["eps_rank_paper"] = ("paper eq. 4.1: unit trapezoid weights, |λ| > ε" if w_paper is not None
                                  else "not computed: inputs are not a uniform 1-D grid")
    return df


class _CallableModule(type(sys)):
    """``numerics.analyze`` stays callable even when ``import numerics.analyze`` bound the module there."""

    def __call__(self, *args, **kwargs):
        return analyze(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
