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


def rejects(constraint, value) -> bool:
    """True when ``constraint.check`` refuses ``value`` with a ValueError or TypeError."""
    try:
        constraint.check(value, "x")
    except (TypeError, ValueError):
        return True
    return False


def invalid_values(constraint):
    """Values that violate a `theory.validation` constraint: its own list plus generated ones."""
    from theory import validation as V

    listed = st.sampled_from(constraint.invalid()) if constraint.invalid() else st.nothing()
    nonreal = st.one_of(st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0), st.text(max_size=5),
                        st.binary(max_size=3), st.booleans())
    c = constraint
    if isinstance(c, V.AnyOf):
        return st.one_of(*[invalid_values(o) for o in c.options]).filter(lambda v: all(rejects(o, v) for o in c.options))
    if isinstance(c, V.Real):
        parts = [listed, nonreal, st.sampled_from([float("nan"), float("inf"), -float("inf")] if c.finite else [float("nan")])]
        if c.low is not None:
            parts.append(st.floats(max_value=c.low, exclude_max=c.closed in ("both", "left"), allow_nan=False, allow_infinity=False))
        if c.high is not None:
            parts.append(st.floats(min_value=c.high, exclude_min=c.closed in ("both", "right"), allow_nan=False, allow_infinity=False))
        return st.one_of(*parts)
    if isinstance(c, V.Integer):
        parts = [listed, nonreal, st.floats()]
        if c.low is not None:
            parts.append(st.integers(max_value=c.low - 1))
        if c.high is not None:
            parts.append(st.integers(min_value=c.high + 1))
        return st.one_of(*parts)
    if isinstance(c, V.Array):
        bad = [float("nan"), float("inf")] if c.finite else []
        bad_elems = [st.sampled_from(bad)] if bad else []
        if c.low is not None:
            bad_elems.append(st.floats(max_value=c.low, exclude_max=c.closed in ("both", "left"), allow_nan=False, allow_infinity=False))
        if c.high is not None:
            bad_elems.append(st.floats(min_value=c.high, exclude_min=c.closed in ("both", "right"), allow_nan=False, allow_infinity=False))
        good = 1.0 if c.low is None else c.low + 1.0
        parts = [listed, st.lists(st.text(max_size=3), min_size=1, max_size=3).map(np.array),
                 st.lists(st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0), min_size=1, max_size=3).map(np.array)]
        if bad_elems:
            parts.append(st.tuples(st.integers(0, 4), st.one_of(*bad_elems)).map(
                lambda t: np.array([good] * t[0] + [t[1]]) if not c.ndim or c.ndim == 1 or c.ndim == (0, 1) else
                np.full((2,) * (c.ndim if isinstance(c.ndim, int) else c.ndim[-1]), t[1])))
        return st.one_of(*parts)
    if isinstance(c, V.Options):
        return st.one_of(listed, st.text(max_size=6).filter(lambda t: t not in c.choices), st.integers())
    return listed
