"""The real-dataset staircase: sklearn digits or the user's arrays, cross-entropy, Monte Carlo Gram matrix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from numerics.staircase.methods.digits import (
    BottleneckClassifier,
    classification_data,
    load_digits_data,
    monte_carlo_weights,
    train_classifier,
)
from numerics.nets import make_generator
from numerics.ranks import epsilon_rank



def test_digits_load_offline():
    d = load_digits_data()
    assert d.X.shape == (1797, 64) and d.n_classes == 10
    assert d.X.min() == 0.0 and d.X.max() == 1.0
    assert sorted(np.unique(d.y)) == list(range(10))
    assert load_digits_data(100).n_samples == 100


def test_user_arrays_are_validated_and_labels_remapped():
    X = np.arange(8.0).reshape(4, 2)
    d = classification_data(X, [5, 7, 5, 9.0])
    assert d.y.tolist() == [0, 1, 0, 2] and d.classes.tolist() == [5, 7, 9]
    assert classification_data(X, np.array([True, False, True, False])).n_classes == 2
    with pytest.raises(ValueError, match="X must be 2-D"):
        classification_data(np.arange(4.0), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y has 3 labels but X has 4 rows"):
        classification_data(X, [0, 1, 0])
    with pytest.raises(ValueError, match="integer class labels"):
        classification_data(X, [0, 1, 0.5, 1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        classification_data(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="X must be finite"):
        classification_data(np.array([[0.0, np.nan], [1, 1]]), [0, 1])
    with pytest.raises(TypeError, match="y must hold real numbers"):
        classification_data(X, ["a", "b", "a", "b"])
    with pytest.raises(ValueError, match="y must be 1-D"):
        classification_data(X, np.zeros((4, 1)))


def test_monte_carlo_weights():
    w = monte_carlo_weights(7)
    assert w.sum() == pytest.approx(1.0) and np.all(w == w[0])
    with pytest.raises(ValueError, match="n_samples"):
        monte_carlo_weights(0)


def test_staircase_on_digits_small():
    """The 100-wide layer after the 10-neuron bottleneck starts near rank 10 and rises as the loss falls."""
    data = load_digits_data(300)
    traj, model = train_classifier(data, steps=120, lr=3e-3, record_every=20, seed=0)
    r = traj["eps_rank"].to_numpy()
    assert r[0] <= 12  # near-linear features of a 10-dimensional input
    assert r[-1] >= r[0] + 30
    assert traj["loss"].iloc[-1] < 0.5 * traj["loss"].iloc[0]
    assert traj["accuracy"].iloc[-1] > 0.8
    assert (traj["eps_rank_encoder"] <= 10).all()
    # the tracker's rank is the Monte Carlo Gram rank of the tracked layer's features
    x = torch.tensor(np.array(data.X))
    with torch.no_grad():
        feats = model.head.hidden_features(model.encoder(model.encoder_linear(x)))[-1]
    assert r[-1] == epsilon_rank(feats.numpy(), 1e-6, monte_carlo_weights(300))
    assert r[-1] < epsilon_rank(feats.numpy(), 1e-6)  # unit weights (M scaled by N) would count more


def test_train_classifier_on_user_arrays_is_reproducible():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    data = classification_data(X, y, name="toy")
    a, _ = train_classifier(data, width=20, steps=10, record_every=5, seed=1)
    b, _ = train_classifier(data, width=20, steps=10, record_every=5, seed=1)
    c, _ = train_classifier(data, width=20, steps=10, record_every=5, seed=2)
    assert a["loss"].tolist() == b["loss"].tolist()
    assert a["loss"].tolist() != c["loss"].tolist()
    with pytest.raises(TypeError, match="ClassificationData"):
        train_classifier((X, y))


def test_train_classifier_stops_at_a_non_finite_loss():
    rng = np.random.default_rng(0)
    data = classification_data(rng.standard_normal((40, 6)), rng.integers(0, 3, 40))
    traj, _ = train_classifier(data, width=6, steps=20, record_every=3, lr=1e308)  # the first step overflows
    assert traj["step"].tolist() == [0, 1] and traj["diverged"].tolist() == [False, True]
    assert np.isfinite(traj["loss"].iloc[0]) and np.isnan(traj["loss"].iloc[1])
    traj, _ = train_classifier(data, width=6, steps=7, record_every=3)
    assert traj["step"].tolist() == [0, 3, 6, 7] and not traj["diverged"].any()


def test_bottleneck_classifier_layer_names():
    model = BottleneckClassifier(64, 10, width=30, depth=2, generator=make_generator(0))
    assert model.layer_names == ["encoder", "head.layers.0", "head.layers.1"]
    assert model(torch.zeros(3, 64, dtype=torch.float64)).shape == (3, 10)


def test_paper_convention_on_the_samples_is_unit_weights_and_abs_count():
    from numerics.staircase.methods.digits import paper_weights

    data = load_digits_data(200)
    both, model = train_classifier(data, width=40, steps=40, lr=3e-3, record_every=20, seed=0,
                                   conventions=("integral", "paper"))
    only, _ = train_classifier(data, width=40, steps=40, lr=3e-3, record_every=20, seed=0)
    assert both["loss"].tolist() == only["loss"].tolist() and both["eps_rank"].tolist() == only["eps_rank"].tolist()
    assert "eps_rank@paper" not in only.columns and "eps_rank_encoder@paper" in both.columns
    x = torch.tensor(np.array(data.X))
    with torch.no_grad():
        feats = model.head.hidden_features(model.encoder(model.encoder_linear(x)))[-1].numpy()
    last = both.iloc[-1]
    assert last["eps_rank@paper"] == epsilon_rank(feats, 1e-6, paper_weights(200), absolute=True)
    # M_paper = N·M_integral: the paper count at ε is the integral count at ε/N, and above it at ε
    assert last["eps_rank@paper"] == epsilon_rank(feats, 1e-6 / 200, monte_carlo_weights(200))
    assert (both["eps_rank@paper"] >= both["eps_rank"]).all() and (both["eps_rank@paper"] > both["eps_rank"]).any()
    assert np.all(paper_weights(3) == 1.0)
    with pytest.raises(ValueError, match="convention"):
        train_classifier(data, steps=1, conventions=("mc",))
