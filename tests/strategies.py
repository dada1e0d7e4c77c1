"""Hypothesis strategies that build matrices from chosen singular values (never by filtering)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Haar-distributed n×n orthogonal matrix (QR of a Gaussian with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@st.composite
def matrices_with_spectrum(draw, max_side: int = 8, min_sv: float = 1e-3, min_rank: int = 1, max_sv: float = 1.0):
    """(A, s): A = U diag(s) Vᵀ with U, V random orthogonal and s chosen, descending, in [min_sv, max_sv]."""
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    r = draw(st.integers(min(min_rank, min(m, n)), min(m, n)))
    s = draw(st.lists(st.floats(min_sv, max_sv), min_size=r, max_size=r))
    s = np.sort(np.asarray(s, dtype=np.float64))[::-1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    U = random_orthogonal(rng, m)[:, :r]
    V = random_orthogonal(rng, n)[:, :r]
    return U @ np.diag(s) @ V.T, s


seeds = st.integers(0, 2**32 - 1)
