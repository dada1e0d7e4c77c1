"""theory.validation's fast paths decide exactly what the elementwise checks decide, with the same messages.

`Matrix` proves finiteness by one dot product x·x (finite only if every entry is), `Weights` passes
valid weights by min and max, `to_numpy` returns a plain ndarray as is, and `Real` reads a float
directly. Each is compared here with the plain numpy answer it replaces, on the inputs that would
break a careless shortcut: a NaN or ±inf hidden anywhere in a large array, finite entries whose
squares overflow, float32, Fortran order and strided views.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.validation import Matrix, Real, Weights, to_numpy

BAD = (np.nan, np.inf, -np.inf)


@st.composite
def arrays_with_specials(draw):
    """A float64 or float32 array (C, F or strided), some entries huge (their squares overflow), some NaN or ±inf."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    m, n = draw(st.integers(1, 60)), draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.standard_normal((m, n))
    huge = float(np.finfo(dtype).max) / 4  # finite in dtype, its square is not
    for _ in range(draw(st.integers(0, 3))):
        a[rng.integers(m), rng.integers(n)] = huge * draw(st.sampled_from([1.0, -1.0]))
    for _ in range(draw(st.integers(0, 2))):
        a[rng.integers(m), rng.integers(n)] = draw(st.sampled_from(BAD))
    a = a.astype(dtype)
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    return np.asfortranarray(a) if layout == "F" else a[:, ::2] if layout == "strided" else a


def _accepted(c, value) -> bool:
    try:
        c.check(value, "A")
    except ValueError:
        return False
    return True


@given(arrays_with_specials())
def test_matrix_accepts_exactly_the_arrays_that_are_finite_everywhere(a):
    assert _accepted(Matrix(), a) == bool(np.isfinite(a).all())


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("index", [(0, 0), (517, 23), (1000, 49)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_non_finite_entry_hidden_in_a_large_matrix_is_named_with_its_index(value, index, dtype):
    a = np.random.default_rng(0).standard_normal((1001, 50)).astype(dtype)
    a[index] = value
    with pytest.raises(ValueError, match=rf"features must be finite, got {value} at index \({index[0]}, {index[1]}\)"):
        Matrix().check(a, "features")
    with pytest.raises(ValueError, match=rf"features must be finite, got {value} at index"):
        Matrix().check(np.asfortranarray(a), "features")


def test_a_nan_after_an_overflowing_square_is_still_found():
    a = np.full((100, 10), 1e200)  # x·x overflows: the elementwise check decides
    a[99, 9] = np.nan
    with pytest.raises(ValueError, match=r"A must be finite, got nan at index \(99, 9\)"):
        Matrix().check(a, "A")


@pytest.mark.parametrize("big", [np.full((100, 10), 1e200), np.full((100, 10), -1e300), np.full((7, 3), 1e30, dtype=np.float32)])
def test_finite_entries_whose_squares_overflow_are_accepted_without_a_warning(big):
    # pytest turns warnings into errors here, so an overflow warning from the dot product would fail this
    assert Matrix().check(big, "A") is big


@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, 1e-320, 3e38, -0.5, -1e-300, np.nan, np.inf, -np.inf]), min_size=1, max_size=30),
       st.sampled_from([np.float64, np.float32]))
def test_weights_accepted_exactly_when_finite_and_non_negative(values, dtype):
    w = np.asarray(values, dtype=np.float64).astype(dtype)
    valid = bool(np.isfinite(w).all() and (w >= 0).all())
    try:
        Weights().check(w, "weights")
    except ValueError as exc:
        assert not valid
        assert str(exc).startswith("weights must be finite" if not np.isfinite(w).all() else "weights must be non-negative")
    else:
        assert valid


@pytest.mark.parametrize("pos", [0, 500, 1000])
def test_a_bad_weight_hidden_in_many_is_named(pos):
    for dtype in (np.float64, np.float32):
        w = np.ones(1001, dtype=dtype)
        w[pos] = np.nan
        with pytest.raises(ValueError, match=r"^weights must be finite, got array\(\[nan\]\)$"):  # shown as float64
            Weights().check(w, "weights")
        w[pos] = np.inf
        with pytest.raises(ValueError, match=r"^weights must be finite, got array\(\[inf\]\)$"):
            Weights().check(w, "weights")
        w[pos] = -0.5
        with pytest.raises(ValueError, match=r"^weights must be non-negative, got \[-0.5\]$"):
            Weights().check(w, "weights")
    w = np.ones(1001)
    w[pos], w[(pos + 7) % 1001] = -1.0, np.nan  # both wrong: finiteness is reported first
    with pytest.raises(ValueError, match=r"^weights must be finite, got array\(\[nan\]\)$"):
        Weights().check(w, "weights")


def test_weights_beyond_float64_are_not_finite():
    w = np.array([1.0, np.longdouble("1e4000")], dtype=np.longdouble)
    if not np.isfinite(w).all():  # longdouble is float64 on this platform: nothing to test
        pytest.skip("longdouble has no range beyond float64 here")
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="weights must be finite"):  # the cast overflows
        Weights().check(w, "weights")


class _Sub(np.ndarray):
    pass


def test_to_numpy_returns_a_plain_array_as_is_and_converts_the_rest():
    for a in (np.ones(3), np.arange(3), np.array([True]), np.ones((2, 2), dtype=np.float32)):
        assert to_numpy(a, "x") is a
    out = to_numpy(np.ones((1, 2)).view(_Sub), "x")  # a subclass becomes a plain ndarray, as before
    assert type(out) is np.ndarray and out.tolist() == [[1.0, 1.0]]
    with pytest.raises(TypeError, match="x must be real, got complex dtype complex128"):
        to_numpy(np.ones(2, dtype=complex), "x")
    with pytest.raises(TypeError, match="x must hold real numbers, got dtype object"):
        to_numpy(np.array([object()]), "x")
    with pytest.raises(TypeError, match="x must hold real numbers, got dtype <U1"):
        to_numpy(np.array(["a"]), "x")


class _Float(float):
    pass


@pytest.mark.parametrize("value,message", [(0.0, "finite and > 0, got 0.0"), (-0.0, "finite and > 0, got -0.0"),
                                           (-1.0, "finite and > 0, got -1.0"),
                                           (float("nan"), "finite and > 0, got nan"), (float("inf"), "finite and > 0, got inf"),
                                           (_Float(0.0), "finite and > 0, got 0.0")])
def test_real_rejects_floats_out_of_range_with_the_value(value, message):
    with pytest.raises(ValueError, match=f"eps must be {message}"):
        Real(low=0.0, closed="neither").check(value, "eps")


def test_real_returns_a_plain_float():
    c = Real(low=0.0, closed="neither")
    assert c.check(5e-324, "eps") == 5e-324
    out = c.check(_Float(2.5), "eps")
    assert type(out) is float and out == 2.5
    assert Real(allow_none=True).check(None, "x") is None
