"""numerics.validation: the engine's input checks are theory.validation's, re-exported (one implementation),
including the scalar test and the value printer every message uses."""

from __future__ import annotations

import numpy as np
import pytest

import numerics.validation as nv
import theory.validation as tv


def test_every_re_export_is_theorys_own_object():
    names = [n for n in vars(nv) if n.isidentifier() and not n.startswith("_") and n != "annotations"]
    assert {"is_real_scalar", "short", "positive_int", "validate_params", "as_matrix"} <= set(names)
    assert all(getattr(nv, n) is getattr(tv, n) for n in names), [n for n in names if getattr(nv, n) is not getattr(tv, n)]
    assert set(names) <= set(tv.__all__)


@pytest.mark.parametrize("value", [0, -3, 1.5, float("inf"), np.float32(2.0), np.int8(1), np.uint64(7)])
def test_is_real_scalar_accepts_real_numbers(value):
    assert nv.is_real_scalar(value)


@pytest.mark.parametrize("value", [True, np.bool_(False), 1j, np.complex64(1), "1", None, np.array(1.0), [1.0]])
def test_is_real_scalar_rejects_bools_complex_strings_and_arrays(value):
    assert not nv.is_real_scalar(value)


def test_short_cuts_long_values_and_survives_a_broken_repr():
    assert nv.short([1, 2]) == "[1, 2]"
    long = nv.short("x" * 200)
    assert len(long) == 80 and long.endswith("...") and long.startswith("'xxx")

    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    assert nv.short(Broken()) == "<Broken>"
