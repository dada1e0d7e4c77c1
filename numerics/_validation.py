"""Input checks shared by the public functions: every error names the argument and the value."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def to_numpy(x: Any, name: str) -> np.ndarray:
    """numpy view of a numpy array, torch tensor or nested list (no copy where possible)."""
    if type(x).__module__.split(".")[0] == "torch":
        x = x.detach().cpu().numpy()
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__} {_short(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like, got {_short(x)}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    return arr


def as_matrix(x: Any, name: str = "features") -> np.ndarray:
    """float64 copy of a finite, non-empty 2-D array."""
    arr = to_numpy(x, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows are points, columns are neurons), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must be non-empty, got shape {arr.shape}")
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        bad = np.argwhere(~np.isfinite(out))[0]
        raise ValueError(f"{name} must be finite, got {out[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return out


def as_weights(w: Any, m: int, name: str = "weights") -> np.ndarray:
    """float64 copy of finite, non-negative quadrature weights of length m."""
    arr = to_numpy(w, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != m:
        raise ValueError(f"{name} has length {arr.shape[0]} but features have {m} rows")
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite, got {_short(out[~np.isfinite(out)][:3])}")
    if np.any(out < 0):
        raise ValueError(f"{name} must be non-negative, got {out[out < 0][:3].tolist()}")
    return out


def positive_float(x: Any, name: str) -> float:
    """A finite float > 0 (``eps``, a tolerance, a scale)."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {_short(x)}")
    value = float(x)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def nonnegative_float(x: Any, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {_short(x)}")
    value = float(x)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return value


def nonnegative_int(x: Any, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {_short(x)}")
    if int(x) < 0:
        raise ValueError(f"{name} must be >= 0, got {int(x)}")
    return int(x)


def positive_int(x: Any, name: str) -> int:
    value = nonnegative_int(x, name)
    if value == 0:
        raise ValueError(f"{name} must be >= 1, got 0")
    return value


def one_of(x: Any, name: str, choices: tuple[str, ...]) -> str:
    if x not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {_short(x)}")
    return x


def _is_real(v: Any) -> bool:
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, bool)


def interval(a: Any, b: Any, name: str = "interval") -> tuple[float, float]:
    """(a, b) as floats with a < b, both finite."""
    for v, label in ((a, "a"), (b, "b")):
        if not _is_real(v):
            raise TypeError(f"{name} endpoint {label} must be a real number, got {v!r}")
    a, b = float(a), float(b)
    if not (np.isfinite(a) and np.isfinite(b)) or not a < b:
        raise ValueError(f"{name} must satisfy a < b with finite ends, got ({a}, {b})")
    return a, b


def as_box(box: Any, name: str = "box", *, allow_interval: bool = False) -> list[tuple[float, float]]:
    """[(a_1, b_1), …, (a_d, b_d)]; with ``allow_interval`` a bare (a, b) is read as the 1-D box."""
    if isinstance(box, (str, bytes)) or not isinstance(box, Sequence) or len(box) == 0:
        what = "an (a, b) interval or " if allow_interval else ""
        raise TypeError(f"{name} must be {what}a non-empty sequence of (a, b) pairs, got {box!r}")
    if allow_interval and all(_is_real(v) for v in box):
        box = [tuple(box)]
    sides = []
    for i, side in enumerate(box):
        if isinstance(side, (str, bytes)) or not isinstance(side, Sequence) or len(side) != 2:
            raise TypeError(f"{name}[{i}] must be an (a, b) pair, got {side!r}")
        sides.append(interval(side[0], side[1], f"{name}[{i}]"))
    return sides
