"""Boundary ties: an eigenvalue exactly at ε is not counted (r_ε = #{λ > ε}, strict), on every path.

Built so that the tie is exact in float64: Φ = diag(1, 2⁻¹⁰) (zero-padded), so λ(M) = {1, 2⁻²⁰}
and ε = 2⁻²⁰ exactly. These kill the ``>`` → ``>=`` mutants of `make mutants`.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import ranks
from numerics.gram import staircase_quantities

TIE = 2.0**-20


def _features(m: int) -> np.ndarray:
    phi = np.zeros((m, 2))
    phi[0, 0], phi[1, 1] = 1.0, 2.0**-10
    return phi


@pytest.mark.parametrize("method", ["auto", "svd", "gram"])
@pytest.mark.parametrize("m", [2, 5])
def test_eps_rank_does_not_count_an_eigenvalue_equal_to_eps(method, m):
    phi = _features(m)
    np.testing.assert_array_equal(ranks.gram_eigenvalues(phi, method="svd"), [1.0, TIE])
    assert ranks.epsilon_rank(phi, TIE, method=method) == 1
    assert ranks.epsilon_rank(phi, TIE, method=method, absolute=True) == 1
    assert ranks.epsilon_rank(phi, np.nextafter(TIE, 0.0), method=method) == 2  # one ulp below: counted
    assert ranks.epsilon_rank(phi, 1.0, method=method) == 0
    # the same tie after an exact power-of-two rescaling: r_ε(cΦ) = r_{c²ε}(Φ)
    assert ranks.epsilon_rank(2.0**300 * phi, 2.0**600 * TIE, method=method) == 1


def test_staircase_p_is_strict_at_eps():
    phi = _features(4)
    w = np.ones(4)
    q = staircase_quantities(phi, w, beta=np.array([1.0, 1.0]), target=np.ones(4), eps=TIE)
    assert q.p == 1
    assert staircase_quantities(phi, w, beta=np.array([1.0, 1.0]), target=np.ones(4), eps=np.nextafter(TIE, 0.0)).p == 2
