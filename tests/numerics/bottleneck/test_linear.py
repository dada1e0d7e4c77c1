"""numerics.bottleneck.linear: deep linear networks trained with weight decay reach the closed-form
minimal cost R(P; L) = L Σ s_i(P)^{2/L} at a balanced critical point (arXiv 2305.19008)."""

from __future__ import annotations

import numpy as np
import pytest

import numerics.bottleneck.experiment as nb
from theory.bottleneck import minimal_norm_factor_singular_values

LINEAR_DEPTHS = (2, 4, 8)


@pytest.fixture(scope="module")
def linear_fits():
    return nb.linear_fits(LINEAR_DEPTHS)


def test_deep_linear_nets_reach_closed_form_minimal_cost(linear_fits):
    for fit in linear_fits:
        # ‖θ‖² = L Σ s_i(P)^{2/L} for the product P the network computes (balanced critical point).
        assert abs(fit.relative_cost_gap) < 1e-7, (fit.depth, fit.relative_cost_gap)
        assert fit.check().holds
        assert fit.gradient_norm < 1e-4



def test_deep_linear_layers_have_singular_values_s_to_the_one_over_L(linear_fits):
    for fit in linear_fits:
        target = minimal_norm_factor_singular_values(fit.product_singular_values[: fit.rank], fit.depth)
        for s in fit.layer_singular_values:
            np.testing.assert_allclose(s[: fit.rank], target, atol=1e-4)
            assert np.all(s[fit.rank:] < 1e-4)  # the other directions are switched off in every layer



def test_deep_linear_product_solves_the_scalar_regularised_problem(linear_fits):
    # min_P ‖P − A‖² + λ R(P; L) acts on each singular value: t minimises (t − s)² + λ L t^{2/L}, so
    # t − s + λ t^{2/L − 1} = 0 (for L = 2: t = s − λ exactly). A wrong cost (e.g. 2/L·Σ s^{2/L}) fails this.
    s = np.array(nb.LINEAR_TARGET_SVALS)
    for fit in linear_fits:
        t = fit.product_singular_values[:3]
        lam, L = fit.weight_decay, fit.depth
        np.testing.assert_allclose(t - s + lam * t ** (2.0 / L - 1.0), 0.0, atol=1e-5)
        if L == 2:
            np.testing.assert_allclose(t, s - lam, atol=1e-6)
