"""Declared input constraints and the one validator behind them (the scikit-learn ``validate_params`` idea).

A public function declares what each argument must be, as data::

    @validate_params(k=Integer(low=1, high=MAX_DEGREE), alpha=Real(low=0, high=0.5, closed="left"))
    def f(k, alpha): ...

and every call is checked against the declaration before the body runs. Every error is a
``TypeError`` (wrong kind of value: a string, a complex or datetime number, an object) or a
``ValueError`` (right kind, wrong value: NaN, inf, out of range, wrong shape), and its message starts
with the argument's name and shows the value. The declarations are kept on the function as
``f.__constraints__``, and each constraint can list values that violate it (`Constraint.invalid`),
so one fuzz test covers every declared function (tests/test_fuzz_public_api.py).

Pure numpy: torch tensors are read through their ``.detach().cpu().numpy()`` without importing torch.
`numerics.validation` re-exports the array helpers from here (numerics -> theory, never back).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable as _CallableT, Sequence

import numpy as np
import sympy as sp

__all__ = [
    "Constraint", "Real", "Integer", "Array", "Options", "Bool", "Instance", "CallableArg", "Anything",
    "Symbolic", "AnyOf", "Matrix", "Weights",
    "validate_params", "constraints_of",
    "to_numpy", "as_matrix", "as_weights", "positive_float", "nonnegative_float", "nonnegative_int",
    "positive_int", "one_of", "interval", "as_box", "short", "is_real_scalar",
]

_CLOSED = ("both", "left", "right", "neither")
_REAL_KINDS = "iuf"


def short(value: Any) -> str:
    """repr(value), cut to 80 characters."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def is_real_scalar(v: Any) -> bool:
    """True for a real number (Python int or float, numpy integer or floating), False for bool, complex and the rest."""
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_integral(v: Any) -> bool:
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def _range_text(low: float | None, high: float | None, closed: str) -> str:
    lo_op = ">=" if closed in ("both", "left") else ">"
    hi_op = "<=" if closed in ("both", "right") else "<"
    if low is not None and high is not None:
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        return f"in {lb}{low:g}, {high:g}{rb}"
    if low is not None:
        return f"{lo_op} {low:g}"
    if high is not None:
        return f"{hi_op} {high:g}"
    return ""


def _in_range(x: Any, low: float | None, high: float | None, closed: str) -> Any:
    """Elementwise low (<|<=) x (<|<=) high, for floats or arrays."""
    ok = True
    if low is not None:
        ok = (x >= low) if closed in ("both", "left") else (x > low)
    if high is not None:
        ok = ok & ((x <= high) if closed in ("both", "right") else (x < high))
    return ok


class Constraint:
    """One argument's declaration: `check` returns the value (converted) or raises naming ``name``."""

    def check(self, value: Any, name: str) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def invalid(self) -> list[Any]:
        """Values that violate this constraint (the fuzz test feeds each one in)."""
        return [object(), "1", b"1", {"a": 1}, 1 + 1j, np.datetime64("2020-01-01")]

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class Anything(Constraint):
    """No constraint (documents that an argument is deliberately free)."""

    def check(self, value: Any, name: str) -> Any:
        return value

    def invalid(self) -> list[Any]:
        return []


@dataclass(frozen=True)
class Real(Constraint):
    """A real scalar (int, float, numpy scalar, Fraction; not bool, complex, str): finite, optionally in a range."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    finite: bool = True
    allow_none: bool = False

    def __post_init__(self) -> None:
        if self.closed not in _CLOSED:
            raise ValueError(f"closed must be one of {list(_CLOSED)}, got {self.closed!r}")

    def check(self, value: Any, name: str) -> Any:
        if type(value) is float:
            x = value
        else:
            if value is None and self.allow_none:
                return None
            if not is_real_scalar(value):
                raise TypeError(f"{name} must be a real number, got {type(value).__name__} {short(value)}")
            try:
                x = float(value)
            except OverflowError:
                raise ValueError(f"{name} must be finite, got {short(value)}") from None
        if self.finite and not math.isfinite(x):
            rng = _range_text(self.low, self.high, self.closed)
            raise ValueError(f"{name} must be finite{' and ' + rng if rng else ''}, got {x!r}")
        if not _in_range(x, self.low, self.high, self.closed) or x != x:
            raise ValueError(f"{name} must be finite and {_range_text(self.low, self.high, self.closed)}, got {x!r}")
        return x

    def invalid(self) -> list[Any]:
        out = [*super().invalid(), True, [1.0], np.array([1.0, 2.0]), float("nan")]
        if self.finite:
            out += [float("inf"), float("-inf")]
        if not self.allow_none:
            out.append(None)
        if self.low is not None:
            out += [self.low - 1.0 - abs(self.low), -1e300]
            if self.closed in ("right", "neither"):
                out.append(self.low)
        if self.high is not None:
            out += [self.high + 1.0 + abs(self.high), 1e300]
            if self.closed in ("left", "neither"):
                out.append(self.high)
        return out


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer (int, numpy integer, sympy Integer; not bool or float), optionally in [low, high]."""

    low: int | None = None
    high: int | None = None
    allow_none: bool = False

    def check(self, value: Any, name: str) -> Any:
        if value is None and self.allow_none:
            return None
        if not _is_integral(value):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__} {short(value)}")
        v = int(value)
        if self.low is not None and v < self.low:
            raise ValueError(f"{name} must be >= {self.low}, got {v}")
        if self.high is not None and v > self.high:
            raise ValueError(f"{name} must be <= {self.high}, got {v}")
        return v

    def invalid(self) -> list[Any]:
        out = [*super().invalid(), True, 1.5, float("nan"), float("inf"), [1], np.array([1, 2])]
        if not self.allow_none:
            out.append(None)
        if self.low is not None:
            out += [self.low - 1, self.low - 10**6]
        if self.high is not None:
            out += [self.high + 1, 10**30]
        return out


@dataclass(frozen=True)
class Array(Constraint):
    """A real array (numpy, torch, nested list): dtype kind in ``kinds``, finite, shape and range declared.

    Args:
        ndim: required number of dimensions (an int, a tuple of allowed ints, or None for any).
        low, high, closed: elementwise range, as for `Real`.
        integer_valued: every entry equals its rounding (the dtype may be float).
        min_size: fewest entries (1: non-empty).
        kinds: allowed numpy dtype kinds ("iuf": ints and floats; add "b" for booleans).
        finite: reject NaN and ±inf.
    """

    ndim: int | tuple[int, ...] | None = None
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer_valued: bool = False
    min_size: int = 1
    kinds: str = _REAL_KINDS
    finite: bool = True
    allow_none: bool = False

    def __post_init__(self) -> None:
        if self.closed not in _CLOSED:
            raise ValueError(f"closed must be one of {list(_CLOSED)}, got {self.closed!r}")

    def as_array(self, value: Any, name: str) -> np.ndarray:
        """The float64 array, or TypeError naming ``name`` for a value that holds no real numbers."""
        if isinstance(value, (str, bytes, dict, set)) or value is None or isinstance(value, (bool, np.bool_)) and "b" not in self.kinds:
            raise TypeError(f"{name} must be a real number or array, got {type(value).__name__} {short(value)}")
        if type(value).__module__.split(".")[0] == "torch":
            value = value.detach().cpu().numpy()
        try:
            arr = np.asarray(value)
        except Exception:  # ragged lists and the like
            raise TypeError(f"{name} must be a real number or array, got {short(value)}") from None
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}: {short(value)}")
        if arr.dtype.kind not in self.kinds:
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}: {short(value)}")
        try:
            return np.asarray(arr, dtype=np.float64)
        except OverflowError:  # a Python int beyond float64
            raise ValueError(f"{name} must be finite, got {short(value)}") from None

    def check(self, value: Any, name: str) -> Any:
        if value is None and self.allow_none:
            return None
        arr = self.as_array(value, name)
        if self.ndim is not None:
            allowed = (self.ndim,) if isinstance(self.ndim, int) else tuple(self.ndim)
            if arr.ndim not in allowed:
                want = " or ".join(f"{d}-D" for d in allowed)
                raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
        if arr.size < self.min_size:
            raise ValueError(f"{name} must be non-empty, got shape {arr.shape}" if self.min_size == 1
                             else f"{name} must have at least {self.min_size} entries, got shape {arr.shape}")
        if self.finite:
            _first_bad(arr, np.isfinite(arr), name, "finite")
        if self.low is not None or self.high is not None:
            with np.errstate(invalid="ignore"):
                ok = _in_range(arr, self.low, self.high, self.closed)
            if not self.finite:
                ok = ok | np.isnan(arr)
            _first_bad(arr, ok, name, _range_text(self.low, self.high, self.closed))
        if self.integer_valued:
            _first_bad(arr, arr == np.round(arr), name, "integer-valued")
        return arr

    def invalid(self) -> list[Any]:
        out = [*super().invalid(), np.array([1 + 1j]), np.array(["a"]), np.array([object()]),
               np.array(["2020-01-01"], dtype="datetime64[D]"), [[1.0], [1.0, 2.0]]]
        if not self.allow_none:
            out.append(None)
        ndims = (self.ndim,) if isinstance(self.ndim, int) else (tuple(self.ndim) if self.ndim is not None else None)
        good = ndims[0] if ndims else 1
        shape = (2,) * good

        def filled(v: float) -> np.ndarray:
            a = np.ones(shape, dtype=np.float64) * (self.low + 1.0 if self.low is not None else 1.0)
            if a.ndim == 0:
                return np.asarray(v)
            a.flat[-1] = v
            return a

        if self.finite:
            out += [filled(float("nan")), filled(float("inf")), filled(float("-inf"))]
        if self.min_size >= 1:
            out.append(np.zeros((0,) * max(good, 1)))
        if ndims is not None:
            for wrong in (0, 1, 2, 3):
                if wrong not in ndims:
                    out.append(np.ones((2,) * wrong))
        if self.low is not None:
            out.append(filled(self.low - 1.0 - abs(self.low)))
            if self.closed in ("right", "neither"):
                out.append(filled(self.low))
        if self.high is not None:
            out.append(filled(self.high + 1.0 + abs(self.high)))
        if self.integer_valued:
            out.append(filled((self.low or 0.0) + 1.5))
        return out


def _first_bad(arr: np.ndarray, ok: Any, name: str, what: str) -> None:
    if np.all(ok):
        return
    if arr.ndim == 0:
        raise ValueError(f"{name} must be {what}, got {arr.item()!r}")
    bad = tuple(int(i) for i in np.argwhere(~np.asarray(ok))[0])
    raise ValueError(f"{name} must be {what}, got {arr[bad].item()!r} at index {bad}")


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values (compared with ``==``; unhashable values are rejected as not among them)."""

    choices: tuple[Any, ...]

    def check(self, value: Any, name: str) -> Any:
        return one_of(value, name, self.choices)

    def invalid(self) -> list[Any]:
        return [None, 1.5, "__not_an_option__", object(), ["x"]]


@dataclass(frozen=True)
class Bool(Constraint):
    """A bool (Python or numpy)."""

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {type(value).__name__} {short(value)}")
        return bool(value)

    def invalid(self) -> list[Any]:
        return [None, 1, 0.0, "True", object()]


@dataclass(frozen=True)
class Instance(Constraint):
    """An instance of one of ``types``."""

    types: tuple[type, ...]

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, self.types):
            names = " or ".join(t.__name__ for t in self.types)
            raise TypeError(f"{name} must be a {names}, got {type(value).__name__} {short(value)}")
        return value

    def invalid(self) -> list[Any]:
        return [v for v in (None, 1.5, "x", object()) if not isinstance(v, self.types)]


@dataclass(frozen=True)
class CallableArg(Constraint):
    """A callable."""

    def check(self, value: Any, name: str) -> Any:
        if not callable(value):
            raise TypeError(f"{name} must be callable, got {type(value).__name__} {short(value)}")
        return value

    def invalid(self) -> list[Any]:
        return [None, 1.5, "tanh", object()]


@dataclass(frozen=True)
class Symbolic(Constraint):
    """A sympy expression that may be real (not complex, not ±oo/zoo/nan, not a truth value).

    ``positive`` / ``nonnegative`` reject expressions sympy proves to be <= 0 / < 0.
    """

    positive: bool = False
    nonnegative: bool = False

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, sp.Expr):
            raise TypeError(f"{name} must be a sympy expression, got {type(value).__name__} {short(value)}")
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or value.is_real is False:
            raise ValueError(f"{name} must be a finite real expression, got {short(value)}")
        if self.positive and value.is_positive is False:
            raise ValueError(f"{name} must be > 0, got {short(value)}")
        if self.nonnegative and value.is_nonnegative is False:
            raise ValueError(f"{name} must be >= 0, got {short(value)}")
        return value

    def invalid(self) -> list[Any]:
        out = [sp.I, 1 + sp.I, sp.nan, sp.oo, sp.zoo, sp.true, "x", None, object()]
        if self.positive or self.nonnegative:
            out += [sp.Integer(-1), -sp.Rational(1, 2)]
        if self.positive:
            out.append(sp.Integer(0))
        return out


@dataclass(frozen=True)
class AnyOf(Constraint):
    """The value meets at least one of ``options`` (e.g. a real number or a sympy expression)."""

    options: tuple[Constraint, ...]

    def check(self, value: Any, name: str) -> Any:
        errors: list[Exception] = []
        for c in self.options:
            try:
                return c.check(value, name)
            except (TypeError, ValueError) as exc:
                errors.append(exc)
        values = [e for e in errors if isinstance(e, ValueError)]
        raise (values[0] if values else errors[0])  # the right kind of value, wrong value, says most

    def invalid(self) -> list[Any]:
        out = []
        for c in self.options:
            for v in c.invalid():
                if all(_fails(o, v) for o in self.options) and not any(v is w for w in out):
                    out.append(v)
        return out


@dataclass(frozen=True)
class Matrix(Constraint):
    """A finite, non-empty, real 2-D array (numpy, torch, nested list), checked without a copy (`as_matrix`'s messages)."""

    def check(self, value: Any, name: str) -> Any:
        arr = to_numpy(value, name)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D (rows are points, columns are neurons), got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name} must be non-empty, got shape {arr.shape}")
        if arr.dtype.kind == "f" and not _all_finite(arr):
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(f"{name} must be finite, got {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
        return value

    def invalid(self) -> list[Any]:
        return Array(ndim=2).invalid()


@dataclass(frozen=True)
class Weights(Constraint):
    """Finite, non-negative 1-D quadrature weights, or None (`as_weights`'s messages; the length is the body's check)."""

    def check(self, value: Any, name: str) -> Any:
        if value is None:
            return None
        arr = to_numpy(value, name)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
        _check_nonnegative_finite(arr, name)
        return value

    def invalid(self) -> list[Any]:
        return [v for v in Array(ndim=1, low=0.0).invalid() if v is not None and not (isinstance(v, np.ndarray) and v.size == 0 and v.ndim == 1)]


def _fails(c: Constraint, value: Any) -> bool:
    try:
        c.check(value, "x")
    except (TypeError, ValueError):
        return True
    return False


def validate_params(**declared: Constraint) -> _CallableT:
    """Decorator: check each declared argument against its `Constraint` before the body runs.

    The body receives the arguments as passed (the checks convert nothing), so a declaration can
    never change an answer on valid input. Arguments left at their defaults are not checked.
    The declarations are kept as ``fn.__constraints__`` (read by `constraints_of` and the fuzz test).
    """
    for key, c in declared.items():
        if not isinstance(c, Constraint):
            raise TypeError(f"constraint for {key} must be a Constraint, got {c!r}")

    def decorate(fn: _CallableT) -> _CallableT:
        sig = inspect.signature(fn)
        unknown = sorted(set(declared) - set(sig.parameters))
        if unknown:
            raise TypeError(f"{fn.__qualname__}: constraints declared for unknown parameters {unknown}")
        positions = {p: i for i, p in enumerate(sig.parameters)
                     if sig.parameters[p].kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)}
        items = tuple(declared.items())

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for key, c in items:
                i = positions.get(key)
                if i is not None and i < len(args):
                    c.check(args[i], key)
                elif key in kwargs:
                    c.check(kwargs[key], key)
            return fn(*args, **kwargs)

        wrapper.__constraints__ = MappingProxyType(dict(declared))  # type: ignore[attr-defined]
        return wrapper

    return decorate


def constraints_of(fn: Any) -> MappingProxyType | None:
    """The declared constraints of a function decorated with `validate_params`, or None."""
    return getattr(fn, "__constraints__", None)


# -- array helpers shared with numerics (same messages as before they moved here) -----------------


def to_numpy(x: Any, name: str) -> np.ndarray:
    """numpy view of a numpy array, torch tensor or nested list (no copy where possible)."""
    if type(x) is np.ndarray and x.dtype.kind in _NUMERIC_KINDS:
        return x  # what the general path below returns for a plain ndarray of bools, integers or reals
    if type(x).__module__.split(".")[0] == "torch":
        x = x.detach().cpu().numpy()
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__} {short(x)}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like, got {short(x)}") from exc
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
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


_NUMERIC_KINDS = "biuf"  # the dtype kinds `to_numpy` accepts: bool, signed and unsigned integers, reals
_BLAS_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _all_finite(arr: np.ndarray) -> bool:
    """Whether every entry of a real array is finite: exactly ``np.isfinite(arr).all()``, usually faster.

    A contiguous float64/float32 array is first summed as x·x (one BLAS ddot/sdot, no temporary
    array): each term x_i² is NaN or +inf when x_i is NaN or ±inf, and no finite term can cancel
    those, so a finite sum proves every entry finite. A non-finite sum can also come from finite
    entries whose squares overflow; then the elementwise check decides.
    """
    if arr.dtype in _BLAS_FLOATS and arr.size and (arr.flags.c_contiguous or arr.flags.f_contiguous):
        flat = arr.ravel(order="K")  # a view
        with np.errstate(over="ignore"):
            if math.isfinite(np.dot(flat, flat)):
                return True
    return bool(np.isfinite(arr).all())


def _check_nonnegative_finite(arr: np.ndarray, name: str) -> None:
    """Raise unless every entry of ``arr`` is finite and >= 0 (weights), with `_nonnegative_finite`'s messages.

    For float64/float32, two reductions pass valid input without a copy: min(arr) >= 0 is False
    for a NaN (min propagates it), a negative or -inf, and max(arr) < inf is False for +inf. Any
    other input, or one that fails them, goes through the full entry-by-entry check.
    """
    if arr.dtype in _BLAS_FLOATS and arr.size and arr.min() >= 0 and arr.max() < math.inf:
        return
    _nonnegative_finite(arr, name)


def _nonnegative_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """float64 copy of ``arr``, which must be finite and non-negative (weights)."""
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite, got {short(out[~np.isfinite(out)][:3])}")
    if np.any(out < 0):
        raise ValueError(f"{name} must be non-negative, got {out[out < 0][:3].tolist()}")
    return out


def as_weights(w: Any, m: int, name: str = "weights") -> np.ndarray:
    """float64 copy of finite, non-negative quadrature weights of length m."""
    arr = to_numpy(w, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != m:
        raise ValueError(f"{name} has length {arr.shape[0]} but features have {m} rows")
    return _nonnegative_finite(arr, name)


_POSITIVE, _NONNEGATIVE = Real(low=0.0, closed="neither"), Real(low=0.0)
_NONNEGATIVE_INT, _POSITIVE_INT = Integer(low=0), Integer(low=1)


def positive_float(x: Any, name: str) -> float:
    """A finite float > 0 (``eps``, a tolerance, a scale)."""
    return _POSITIVE.check(x, name)


def nonnegative_float(x: Any, name: str) -> float:
    return _NONNEGATIVE.check(x, name)


def nonnegative_int(x: Any, name: str) -> int:
    return _NONNEGATIVE_INT.check(x, name)


def positive_int(x: Any, name: str) -> int:
    return _POSITIVE_INT.check(x, name)


def one_of(x: Any, name: str, choices: tuple[Any, ...]) -> Any:
    try:
        ok = bool(x in choices)
    except Exception:  # an == that raises (arrays) is not a match
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {list(choices)}, got {short(x)}")
    return x


def interval(a: Any, b: Any, name: str = "interval") -> tuple[float, float]:
    """(a, b) as floats with a < b, both finite."""
    for v, label in ((a, "a"), (b, "b")):
        if not is_real_scalar(v):
            raise TypeError(f"{name} endpoint {label} must be a real number, got {v!r}")
    try:
        a, b = float(a), float(b)
    except OverflowError:
        raise ValueError(f"{name} must satisfy a < b with finite ends, got ({a!r}, {b!r})") from None
    if not (np.isfinite(a) and np.isfinite(b)) or not a < b:
        raise ValueError(f"{name} must satisfy a < b with finite ends, got ({a}, {b})")
    return a, b


def as_box(box: Any, name: str = "box", *, allow_interval: bool = False) -> list[tuple[float, float]]:
    """[(a_1, b_1), …, (a_d, b_d)]; with ``allow_interval`` a bare (a, b) is read as the 1-D box."""
    if isinstance(box, (str, bytes)) or not isinstance(box, Sequence) or len(box) == 0:
        what = "an (a, b) interval or " if allow_interval else ""
        raise TypeError(f"{name} must be {what}a non-empty sequence of (a, b) pairs, got {box!r}")
    if allow_interval and all(is_real_scalar(v) for v in box):
        box = [tuple(box)]
    sides = []
    for i, side in enumerate(box):
        if isinstance(side, (str, bytes)) or not isinstance(side, Sequence) or len(side) != 2:
            raise TypeError(f"{name}[{i}] must be an (a, b) pair, got {side!r}")
        sides.append(interval(side[0], side[1], f"{name}[{i}]"))
    return sides
