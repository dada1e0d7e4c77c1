"""A real dataset for the staircase: sklearn's 8×8 digits (offline), or the user's own arrays.

arXiv 2412.05144, Example 2.7 trains on MNIST with cross-entropy and says it uses "an intermediate
hidden layer with 10 neurons … as sampling points for integration". MNIST cannot be downloaded
here, so we use the 1,797 8×8 digits that ship inside scikit-learn, and we read the paper's
architecture literally: a 10-neuron tanh bottleneck, then the hidden layers whose ε-rank we track.

Gram matrix (our choice, documented): the data distribution P is the measure, and the N training
samples are its Monte Carlo nodes, M_ij = ∫ φ_i φ_j dP ≈ Σ_k w_k φ_i(x_k) φ_j(x_k) with w_k = 1/N
(so Σ w = P(Ω) = 1). An integral over a box in ℝ⁶⁴ would put almost all nodes far from the data.
That is the ``"integral"`` convention. The ``"paper"`` convention reads eq. (4.1) as printed, a sum
over the nodes with no measure factor: unit weights w_k = 1 and the count |λ| > ε, so
M_paper = N·M_integral and r_ε(M_paper) = r_{ε/N}(M_integral) (`paper_weights`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from numerics.validation import as_matrix, positive_float, positive_int, to_numpy
from numerics.nets import MLP, make_generator
from numerics.tracking import RankTracker
from numerics.quadrature import check_convention
from numerics.ranks import epsilon_rank
from numerics.staircase.training import column
from numerics.train import Evaluation, fit

__all__ = [
    "ClassificationData",
    "load_digits_data",
    "classification_data",
    "monte_carlo_weights",
    "paper_weights",
    "BottleneckClassifier",
    "train_classifier",
]


@dataclass(frozen=True, eq=False)
class ClassificationData:
    """Inputs ``X (N, d)`` float64, labels ``y (N,)`` int64 in 0..K−1, and the original class values."""

    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    classes: np.ndarray
    name: str

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])


def classification_data(X: Any, y: Any, name: str = "user") -> ClassificationData:
    """Validate the user's own arrays: ``X (N, d)`` finite reals, ``y (N,)`` integer labels (≥ 2 classes).

    Labels may be any integers (or integral floats); they are mapped to 0..K−1 in sorted order and
    the original values are kept in ``classes``.
    """
    X = as_matrix(X, "X")
    y_arr = to_numpy(y, "y")
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per row of X), got shape {y_arr.shape}")
    if y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y_arr.shape[0]} labels but X has {X.shape[0]} rows")
    if y_arr.dtype == np.bool_:
        y_arr = y_arr.astype(np.int64)
    if not np.issubdtype(y_arr.dtype, np.integer):
        y_f = np.asarray(y_arr, dtype=np.float64)
        if not np.all(np.isfinite(y_f)) or not np.all(y_f == np.round(y_f)):
            raise ValueError(f"y must hold integer class labels, got non-integral values {y_f[y_f != np.round(y_f)][:3].tolist()}")
        y_arr = y_f.astype(np.int64)
    classes, codes = np.unique(y_arr, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"y must hold at least 2 classes, got {classes.tolist()}")
    X.setflags(write=False)
    codes = codes.astype(np.int64)
    codes.setflags(write=False)
    return ClassificationData(X=X, y=codes, classes=classes, name=str(name))


def load_digits_data(n_samples: int | None = None) -> ClassificationData:
    """sklearn's digits (1,797 images 8×8, 10 classes), pixels scaled to [0, 1]; first ``n_samples`` if given."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X, y = bunch.data / 16.0, bunch.target
    if n_samples is not None:
        n_samples = positive_int(n_samples, "n_samples")
        X, y = X[:n_samples], y[:n_samples]
    return classification_data(X, y, name="sklearn digits 8x8")


def monte_carlo_weights(n_samples: int) -> np.ndarray:
    """w_k = 1/N: the N samples as Monte Carlo nodes of the data distribution (Σ w = 1)."""
    n = positive_int(n_samples, "n_samples")
    return np.full(n, 1.0 / n)


def paper_weights(n_samples: int) -> np.ndarray:
    """w_k = 1: eq. (4.1) as printed on the N samples (no measure factor; the ``"paper"`` convention)."""
    return np.ones(positive_int(n_samples, "n_samples"))


class BottleneckClassifier(nn.Module):
    """x ↦ tanh(W_b x + c) ∈ ℝ^k (the 10-neuron layer of Example 2.7) ↦ MLP of L tanh layers of width n ↦ logits.

    The encoder gets nn.Linear's default law U(−1/√d, 1/√d) from ``generator``; the head is a
    `numerics.nets.MLP` (``init`` as there). Module paths for `RankTracker`: ``"encoder"`` and
    ``"head.layers.{k}"``.
    """

    def __init__(self, in_dim: int, n_classes: int, *, bottleneck: int = 10, width: int = 100, depth: int = 1,
                 activation: str = "tanh", init: str = "torch", generator: torch.Generator):
        super().__init__()
        in_dim = positive_int(in_dim, "in_dim")
        bottleneck = positive_int(bottleneck, "bottleneck")
        self.encoder_linear = nn.Linear(in_dim, bottleneck, dtype=torch.float64)
        bound = 1.0 / math.sqrt(in_dim)
        with torch.no_grad():
            self.encoder_linear.weight.uniform_(-bound, bound, generator=generator)
            self.encoder_linear.bias.uniform_(-bound, bound, generator=generator)
        self.encoder = nn.Tanh()
        self.head = MLP(bottleneck, width, depth, activation, init=init, generator=generator,
                        out_dim=positive_int(n_classes, "n_classes"))

    @property
    def layer_names(self) -> list[str]:
        return ["encoder"] + [f"head.{name}" for name in self.head.layer_names]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.encoder_linear(x)))


def train_classifier(
    data: ClassificationData,
    *,
    width: int = 100,
    depth: int = 1,
    bottleneck: int = 10,
    steps: int = 1500,
    lr: float = 1e-3,
    record_every: int = 25,
    eps: float = 1e-6,
    init: str = "paper",
    seed: int = 0,
    quiet: bool = True,
    conventions: Sequence[str] = ("integral",),
) -> tuple[pd.DataFrame, BottleneckClassifier]:
    """Full-batch Adam on the cross-entropy; every ``record_every`` steps the ε-rank of every layer.

    ε-ranks come from a `RankTracker` (forward hooks) with Monte Carlo weights 1/N on the training
    samples (see the module docstring). Returns a trajectory ``step, loss, accuracy, eps_rank``
    (last hidden layer) and ``eps_rank_<layer>`` for each tracked layer, and the trained model.
    With ``"paper"`` in ``conventions`` the same features also give ``eps_rank@paper`` and
    ``eps_rank_<layer>@paper``: unit weights (`paper_weights`), count |λ| > ε. Trains through
    `numerics.train.fit`; a non-finite loss stops training, with a last row ``diverged = True`` at that step.
    """
    if not isinstance(data, ClassificationData):
        raise TypeError(f"data must be a ClassificationData (see classification_data), got {type(data).__name__}")
    steps = positive_int(steps, "steps")
    record_every = positive_int(record_every, "record_every")
    lr = positive_float(lr, "lr")
    if isinstance(conventions, str):
        raise TypeError(f"conventions must be a sequence of names, got the string {conventions!r}")
    conventions = tuple(check_convention(c) for c in conventions)
    if not conventions:
        raise ValueError("conventions must name at least one convention, got ()")
    model = BottleneckClassifier(data.dim, data.n_classes, bottleneck=bottleneck, width=width, depth=depth,
                                 init=init, generator=make_generator(seed))
    x = torch.tensor(np.array(data.X), dtype=torch.float64)
    y = torch.tensor(np.array(data.y), dtype=torch.int64)
    names = model.layer_names
    tracker = RankTracker(model, names, weights=monte_carlo_weights(data.n_samples), eps=eps)
    unit = paper_weights(data.n_samples)
    rows = []

    def record(step: int, logits: torch.Tensor, loss: torch.Tensor) -> None:
        row = {"step": step, "loss": loss.item(), "accuracy": float((logits.argmax(1) == y).double().mean()),
               "diverged": False}
        if "integral" in conventions:
            ranks = tracker.ranks()
            for name in names:
                row[f"eps_rank_{name}"] = ranks[(name, tracker.eps[0])]
        if "paper" in conventions:
            for name in names:
                row[column(f"eps_rank_{name}", "paper")] = epsilon_rank(
                    tracker.latest_features(name), eps, unit, absolute=True)
        for c in conventions:
            row[column("eps_rank", c)] = row[column(f"eps_rank_{names[-1]}", c)]
        rows.append(row)

    def evaluate(step: int, scale: torch.Tensor | None) -> Evaluation:
        logits = model(x)
        return Evaluation(nn.functional.cross_entropy(logits, y), values={"logits": logits})

    def on_record(step: int, ev: Evaluation | None, alive: torch.Tensor) -> None:
        if ev is None:  # the final parameters: one more forward, which the tracker sees
            ev = evaluate(step, None)
            if not torch.isfinite(ev.losses):
                rows.append({"step": step, "loss": float("nan"), "diverged": True})
                return
        record(step, ev.values["logits"], ev.losses)

    try:
        res = fit(list(model.parameters()), evaluate, steps=steps, lr=lr, record_at=range(0, steps, record_every),
                  on_record=on_record, final_record=True, quiet=quiet, desc="digits")
    finally:
        tracker.remove()
    if res.any_diverged:
        rows.append({"step": res.diverged[0], "loss": float("nan"), "diverged": True})
    return pd.DataFrame.from_records(rows), model
