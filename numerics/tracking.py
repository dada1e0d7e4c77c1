"""Recording hooks any training loop plugs in: `RankTracker`, the ε-rank of named layers through forward hooks."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from numerics.validation import positive_float, to_numpy



class RankTracker:
    """Record the ε-rank r_ε(Φᵀ diag(w) Φ) = #{λ > ε} of named layers' outputs during training.

    The ε-rank is arXiv 2412.05144 Def. 2.5 with the quadrature Gram matrix of eq. 4.1, computed by
    `numerics.ranks.gram_eigenvalues` in float64. A forward hook on each chosen module keeps a
    detached reference to its latest output (no copy, no extra compute per step); `record`
    turns the latest outputs into ranks. Works on any ``nn.Module``: layers are module paths as
    in ``model.named_modules()`` (``"net.3"``, ``"layers.1"``).

    Usage inside your own loop::

        tracker = RankTracker(model, ["net.1", "net.3"], weights=quad.weights, eps=(1e-6, 1e-3))
        for step in range(steps):
            loss = loss_fn(model(x))          # x: the quadrature points, one row per weight
            ...
            if step % 100 == 0:
                tracker.record(step)          # uses the outputs of the forward pass just run
                # or tracker.record(step, inputs=x_eval): a no-grad forward of the tracked model first
        tracker.remove(); df = tracker.frame()

    For one snapshot of every layer and every rank measure, see `numerics.analyze`.

    Args:
        model: the network.
        layers: one module path or a list of them.
        weights: ``(m,)`` quadrature weights of the points the model is evaluated on (``None``:
            all ones). The hooked output must have m rows (or shape ``(m, …)``, flattened).
        eps: one ε or several (default the paper's 1e-6).
    """

    def __init__(self, model: nn.Module, layers: str | Sequence[str], *, weights: Any = None,
                 eps: float | Sequence[float] = 1e-6):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        names = [layers] if isinstance(layers, str) else list(layers)
        if not names:
            raise ValueError("layers must name at least one module, got []")
        modules = dict(model.named_modules())
        for name in names:
            if not isinstance(name, str) or name not in modules:
                known = [k for k in modules if k][:20]
                raise ValueError(f"layers: no module named {name!r} in the model; some names: {known}")
        eps_values = [eps] if isinstance(eps, (numbers.Real, np.floating)) else list(eps)
        if not eps_values:
            raise ValueError("eps must hold at least one value, got []")
        self.eps = tuple(positive_float(e, "eps") for e in eps_values)
        self.weights = None if weights is None else np.asarray(to_numpy(weights, "weights"), dtype=np.float64)
        self.layers = tuple(names)
        self.model = model
        self._latest: dict[str, torch.Tensor] = {}
        self._handles = [modules[name].register_forward_hook(self._hook(name)) for name in names]
        self.records: list[dict[str, Any]] = []

    def _hook(self, name: str):
        def hook(_module, _inputs, output):
            out = output[0] if isinstance(output, (tuple, list)) else output
            self._latest[name] = out.detach()

        return hook

    def latest_features(self, layer: str) -> torch.Tensor:
        """The latest captured output of ``layer`` as ``(m, n)`` (trailing dims flattened)."""
        if layer not in self._latest:
            raise RuntimeError(f"no output of layer {layer!r} captured yet: run a forward pass first")
        out = self._latest[layer]
        return out.reshape(out.shape[0], -1) if out.ndim != 2 else out

    def ranks(self) -> dict[tuple[str, float], int]:
        """{(layer, ε): r_ε} from the latest captured outputs."""
        from numerics.ranks import gram_eigenvalues

        out = {}
        for layer in self.layers:
            lam = gram_eigenvalues(self.latest_features(layer), self.weights)
            for e in self.eps:
                out[(layer, e)] = int(np.count_nonzero(lam > e))
        return out

    def record(self, step: int, inputs: torch.Tensor | None = None, model: nn.Module | None = None) -> dict[tuple[str, float], int]:
        """Append the ε-ranks at ``step``; with ``inputs``, run a no-grad forward of the tracked model first.

        ``model`` is accepted for older code and must be the tracked model (or a module that calls it).
        """
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if inputs is not None:
            with torch.no_grad():
                (model or self.model)(inputs)
            missing = [name for name in self.layers if name not in self._latest]
            if missing:
                raise ValueError(f"model: the forward pass did not run the tracked layers {missing}")
        ranks = self.ranks()
        for (layer, e), r in ranks.items():
            self.records.append({"step": int(step), "layer": layer, "eps": e, "eps_rank": r})
        return ranks

    def frame(self):
        """The records as a tidy DataFrame: ``step, layer, eps, eps_rank``."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records, columns=["step", "layer", "eps", "eps_rank"])

    def remove(self) -> None:
        """Detach the hooks (the records stay)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> "RankTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
