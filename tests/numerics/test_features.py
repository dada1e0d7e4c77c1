"""numerics.features: random feature layers, their laws, draw orders and validation."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.features import DRAW_ORDERS, FeatureLayer, gaussian_layer, uniform_layer


def test_uniform_layer_law_and_shape():
    layer = uniform_layer(2, 10_000, 2.0, np.random.default_rng(3))
    assert layer.k.shape == (10_000, 2) and layer.b.shape == (10_000,)
    assert np.all(np.abs(layer.k) <= 2.0) and np.all(np.abs(layer.b) <= 2.0)
    assert np.var(layer.k) == pytest.approx(4.0 / 3.0, rel=0.05)  # U(−a, a): variance a²/3
    assert np.var(layer.b) == pytest.approx(4.0 / 3.0, rel=0.05)


def test_draw_orders_read_one_stream_two_ways():
    by_feature = uniform_layer(3, 5, 1.0, np.random.default_rng(7))
    by_input = uniform_layer(3, 5, 1.0, np.random.default_rng(7), draw="by_input")
    stream = np.random.default_rng(7).uniform(-1.0, 1.0, 15 + 5)
    np.testing.assert_array_equal(by_feature.k.ravel(), stream[:15])  # k row by row
    np.testing.assert_array_equal(by_input.k.T.ravel(), stream[:15])  # kᵀ row by row
    np.testing.assert_array_equal(by_feature.b, stream[15:])
    np.testing.assert_array_equal(by_input.b, stream[15:])
    # with one input the two orders are the same draw
    one = [uniform_layer(1, 6, 0.5, np.random.default_rng(1), draw=d) for d in DRAW_ORDERS]
    np.testing.assert_array_equal(one[0].k, one[1].k)


def test_gaussian_layer_law():
    layer = gaussian_layer(4, 20_000, 3.0, np.random.default_rng(0))
    assert layer.k.shape == (20_000, 4)
    assert np.var(layer.k) == pytest.approx(9.0 / 4.0, rel=0.03)  # N(0, s²/d)
    assert np.all(np.abs(layer.b) <= 3.0) and np.var(layer.b) == pytest.approx(3.0, rel=0.05)  # U(−s, s)


def test_layer_evaluates_sigma_of_the_affine_map():
    k = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    b = np.array([0.1, -0.2, 0.3])
    x = np.array([[0.2, 0.4], [-1.0, 0.5]])
    np.testing.assert_allclose(FeatureLayer(k, b)(x), np.tanh(x @ k.T + b), rtol=0, atol=0)
    np.testing.assert_allclose(FeatureLayer(k, b, "cos")(x), np.cos(x @ k.T + b), rtol=0, atol=0)
    relu = FeatureLayer(k, b, "relu")(x)
    assert np.all(relu >= 0) and np.count_nonzero(relu) < relu.size


def test_validation_names_the_argument():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        uniform_layer(2, 3, 1.0, 0)
    with pytest.raises(ValueError, match="bound"):
        uniform_layer(2, 3, 0.0, rng)
    with pytest.raises(ValueError, match="scale"):
        gaussian_layer(2, 3, -1.0, rng)
    with pytest.raises(ValueError, match="width"):
        uniform_layer(2, 0, 1.0, rng)
    with pytest.raises(ValueError, match="fan_in"):
        gaussian_layer(0, 3, 1.0, rng)
    with pytest.raises(ValueError, match="draw"):
        uniform_layer(2, 3, 1.0, rng, draw="columns")
    with pytest.raises(ValueError, match="activation"):
        gaussian_layer(2, 3, 1.0, rng, activation="swish")
