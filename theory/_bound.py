"""`Bound`: one inequality ``lhs (>= | <=) rhs`` held symbolically, evaluated numerically.

The symbolic side is sympy; the numeric side is ``sympy.lambdify`` with explicit
``modules=["numpy", "scipy"]`` (never the default modules, never untrusted strings).
`Bound.evaluate` and `Bound.check` take scalars or NumPy arrays that broadcast: one lambdified call
and vectorised checks of every symbol's constraint (derived from its sympy assumptions) and of every
stated assumption, so checking a whole trajectory costs about as much as checking one point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np
import sympy as sp

from theory.validation import Array, Real

_LAMBDIFY_MODULES = ["numpy", "scipy"]
_RELATIONS = {">=": sp.GreaterThan, "<=": sp.LessThan}

DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12
MAX_RTOL = 1e-6  # a check may forgive rounding, never a real violation
MAX_ATOL_FRACTION = 1e-6  # atol <= MAX_ATOL_FRACTION · max(1, |lhs|, |rhs|)
_RTOL = Real(low=0.0, high=MAX_RTOL)
_ATOL = Real(low=0.0)


def symbol_constraint(sym: sp.Symbol) -> Array:
    """The declared constraint of a Bound symbol, from its sympy assumptions: real, finite, then
    integer-valued (``integer=True``), > 0 (``positive``), >= 0 (``nonnegative``), < 0, <= 0."""
    low = high = None
    closed = "both"
    if sym.is_positive:
        low, closed = 0.0, "neither"
    elif sym.is_nonnegative:
        low = 0.0
    elif sym.is_negative:
        high, closed = 0.0, "neither"
    elif sym.is_nonpositive:
        high = 0.0
    return Array(low=low, high=high, closed=closed, integer_valued=bool(sym.is_integer))


@dataclass(frozen=True)
class Check:
    """Both sides of a `Bound` at one point, or at many (then every numeric field is an array).

    ``slack = lhs - rhs`` for ``>=`` (``rhs - lhs`` for ``<=``); ``holds`` is ``slack >= -tol`` with
    ``tol = atol + rtol·max(|lhs|, |rhs|)``, the rounding the check forgave (recorded, so a report
    can say what "holds" meant). A NaN anywhere makes ``holds`` False.
    """

    name: str
    lhs: Any
    rhs: Any
    slack: Any
    holds: Any
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    tol: Any = 0.0

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.lhs)

    def as_dict(self) -> dict[str, Any]:
        """One row (a scalar check) or one column per field (a vectorised check: feed it to pandas)."""
        return {"bound": self.name, "lhs": self.lhs, "rhs": self.rhs, "slack": self.slack, "holds": self.holds,
                "rtol": self.rtol, "atol": self.atol, "tol": self.tol}

    def rows(self) -> list[dict[str, Any]]:
        """One dict per point, in C order (one row for a scalar check)."""
        if not self.shape:
            return [self.as_dict()]
        cols = {k: np.broadcast_to(v, self.shape).ravel() for k, v in self.as_dict().items() if k != "bound"}
        return [{"bound": self.name, **{k: (bool(v[i]) if k == "holds" else float(v[i])) for k, v in cols.items()}}
                for i in range(int(np.prod(self.shape)))]


@dataclass(frozen=True)
class Bound:
    """One inequality ``lhs >= rhs`` (or ``<=``) in sympy, with its provenance.

    Args:
        name: short identifier, unique inside its theorem (``"thm3_3_paper"``).
        citation: ``"arXiv 2412.05144, Thm 3.3"`` for a paper's statement, or
            ``"derived here: proofs_notes/staircase.md §2"`` for ours.
        symbols: every free symbol, with sympy assumptions (``positive=True``, ``integer=True``...).
            The assumptions are the symbol's declared constraint (`symbol_constraint`).
        rhs: the bound side, i.e. what `evaluate` returns.
        lhs: the measured side; ``None`` when the Bound is a bare quantity (a constant, a cost).
        relation: ``">="`` (``lhs >= rhs``, a lower bound) or ``"<="`` (an upper bound).
        assumptions: sympy relations under which the statement holds (``p <= n``...).
        ours: True when the statement is derived in this package rather than taken from the paper.
        description: one sentence in words.
        latex_names: ``{symbol name: LaTeX}`` for `latex` (``{"theta_norm2": r"\\|\\theta\\|^2"}``);
            symbols not named print as sympy prints them; entries for other symbols are ignored, so
            one mapping can serve a whole module. Stored as sorted pairs (hashable).
    """

    name: str
    citation: str
    symbols: tuple[sp.Symbol, ...]
    rhs: sp.Expr
    lhs: sp.Expr | None = None
    relation: str = ">="
    assumptions: tuple[sp.Basic, ...] = field(default_factory=tuple)
    ours: bool = False
    description: str = ""
    latex_names: Any = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Bound name must be a non-empty string, got {self.name!r}")
        if self.relation not in _RELATIONS:
            raise ValueError(f"Bound {self.name!r}: relation must be '>=' or '<=', got {self.relation!r}")
        object.__setattr__(self, "symbols", tuple(self.symbols))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "rhs", sp.sympify(self.rhs))
        if self.lhs is not None:
            object.__setattr__(self, "lhs", sp.sympify(self.lhs))
        declared = set(self.symbols)
        used = set(self.rhs.free_symbols) | (set(self.lhs.free_symbols) if self.lhs is not None else set())
        undeclared = used - declared
        if undeclared:
            names = sorted(str(s) for s in undeclared)
            raise ValueError(f"Bound {self.name!r}: symbols {names} appear in the expression but not in `symbols`")
        names = dict(self.latex_names.items() if isinstance(self.latex_names, Mapping) else self.latex_names)
        names = {k: v for k, v in names.items() if k in {str(s) for s in self.symbols}}
        if not all(isinstance(v, str) and v for v in names.values()):
            raise TypeError(f"Bound {self.name!r}: latex_names must map symbol names to non-empty strings")
        object.__setattr__(self, "latex_names", tuple(sorted(names.items())))

    # -- symbolic views -------------------------------------------------------------------
    @property
    def expr(self) -> sp.Basic:
        """The sympy relation ``lhs >= rhs``, or the bare ``rhs`` when there is no lhs."""
        if self.lhs is None:
            return self.rhs
        return _RELATIONS[self.relation](self.lhs, self.rhs, evaluate=False)

    def latex(self) -> str:
        """LaTeX of `expr` in the paper's notation (`latex_names`), e.g. ``\\|\\theta\\|^2 \\geq L \\sum_i s_i^{2/L}``."""
        by_symbol = {s: dict(self.latex_names)[str(s)] for s in self.symbols if str(s) in dict(self.latex_names)}
        return sp.latex(self.expr, symbol_names=by_symbol)

    @cached_property
    def symbol_names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.symbols)

    @cached_property
    def rhs_symbols(self) -> tuple[sp.Symbol, ...]:
        free = self.rhs.free_symbols
        return tuple(s for s in self.symbols if s in free)

    @cached_property
    def lhs_symbols(self) -> tuple[sp.Symbol, ...]:
        if self.lhs is None:
            return ()
        free = self.lhs.free_symbols
        return tuple(s for s in self.symbols if s in free)

    @cached_property
    def constraints(self) -> dict[str, Array]:
        """``{symbol name: Array constraint}``, derived once from the sympy assumptions."""
        return {str(s): symbol_constraint(s) for s in self.symbols}

    # -- numeric evaluation ---------------------------------------------------------------
    @cached_property
    def _rhs_fn(self):
        return sp.lambdify(self.rhs_symbols, self.rhs, modules=_LAMBDIFY_MODULES)

    @cached_property
    def _lhs_fn(self):
        if self.lhs is None:
            return None
        return sp.lambdify(self.lhs_symbols, self.lhs, modules=_LAMBDIFY_MODULES)

    @cached_property
    def _rhs_names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.rhs_symbols)

    @cached_property
    def _lhs_names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.lhs_symbols)

    @cached_property
    def _name_set(self) -> frozenset[str]:
        return frozenset(self.symbol_names)

    @cached_property
    def _assumption_fns(self):
        out = []
        symbols = set(self.symbols)
        for rel in self.assumptions:
            if not isinstance(rel, sp.core.relational.Relational) or not rel.free_symbols <= symbols:
                continue  # stated in words or over quantities the Bound does not take: documentation only
            syms = tuple(s for s in self.symbols if s in rel.free_symbols)
            out.append((rel, tuple(str(s) for s in syms), sp.lambdify(syms, rel, modules=_LAMBDIFY_MODULES)))
        return out

    def evaluate(self, **values: Any) -> float | np.ndarray:
        """Value of the bound side ``rhs`` at ``values`` (float64; arrays broadcast).

        Every symbol of ``rhs`` must be given, and no name outside ``symbols``;
        lhs-only symbols may be given and are ignored. Symbol assumptions (positive, integer...)
        and every `assumptions` relation whose symbols are all given must hold, at every point.
        """
        vals = self._validated(values, required=self._rhs_names)
        return self._result(self._rhs_fn, self._rhs_names, vals, "rhs")

    def evaluate_lhs(self, **values: Any) -> float | np.ndarray:
        """Value of the measured side ``lhs`` at ``values``."""
        if self.lhs is None:
            raise ValueError(f"Bound {self.name!r} has no lhs: it is a bare quantity, use evaluate()")
        vals = self._validated(values, required=self._lhs_names)
        return self._result(self._lhs_fn, self._lhs_names, vals, "lhs")

    def _shape(self, vals: Mapping[str, np.ndarray]) -> tuple[int, ...]:
        shapes = [v.shape for v in vals.values() if v.ndim]
        if not shapes:
            return ()
        try:
            return np.broadcast_shapes(*shapes)
        except ValueError:
            given = {k: v.shape for k, v in vals.items() if v.ndim}
            raise ValueError(f"Bound {self.name!r}: value shapes do not broadcast: {given}") from None

    def _result(self, fn, names: tuple[str, ...], vals: dict[str, Any], side: str) -> float | np.ndarray:
        shape = self._shape(vals)
        # One point runs as a 1-element array: numpy's scalar ``**`` (libm pow) and its array
        # loops can differ in the last bit, and a point must give the same answer alone or in a batch.
        args = [vals[k] for k in names] if shape else [np.reshape(vals[k], 1) for k in names]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            raw = fn(*args)
        if not shape:
            raw = np.asarray(raw, dtype=np.float64).reshape(-1)[0]
            if math.isfinite(raw):
                return float(raw)
        out = np.asarray(raw, dtype=np.float64)
        if out.shape != shape:
            out = np.broadcast_to(out, shape)  # a side that is a constant, or uses fewer symbols
        finite = np.isfinite(out)
        if not finite.all():
            if out.ndim == 0:
                shown = {k: float(vals[k]) for k in names}
                raise ValueError(f"Bound {self.name!r}: {side} is not finite at {shown}; check the values against its assumptions")
            idx = tuple(int(i) for i in np.argwhere(~finite)[0])
            shown = {k: float(np.broadcast_to(vals[k], shape)[idx]) for k in names}
            raise ValueError(
                f"Bound {self.name!r}: {side} is not finite at index {idx}, {shown}; check the values against its assumptions"
            )
        return float(out) if out.ndim == 0 else out

    def check(self, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, **values: Any) -> Check:
        """Evaluate both sides; ``holds`` where ``slack >= -(atol + rtol·max(|lhs|, |rhs|))``.

        Arrays broadcast (every field of the `Check` is then an array). ``rtol`` must lie in
        [0, MAX_RTOL = 1e-6] and ``atol`` in [0, 1e-6·max(1, |lhs|, |rhs|)] at every point, so a
        tolerance can forgive rounding but never a violation; anything else is a ValueError naming it.
        """
        if self.lhs is None:
            raise ValueError(f"Bound {self.name!r} has no lhs, so there is nothing to check")
        if not (type(rtol) is float and 0.0 <= rtol <= MAX_RTOL):
            rtol = _RTOL.check(rtol, "rtol")
        if not (type(atol) is float and 0.0 <= atol <= MAX_ATOL_FRACTION):
            atol = _ATOL.check(atol, "atol")
        vals = self._validated(values, required=self._rhs_names + self._lhs_names)
        rhs = self._result(self._rhs_fn, self._rhs_names, vals, "rhs")
        lhs = self._result(self._lhs_fn, self._lhs_names, vals, "lhs")
        shape = self._shape(vals)
        if not shape:  # one point: plain float arithmetic, the same IEEE operations as the array path
            scale = max(abs(lhs), abs(rhs))
            if atol > MAX_ATOL_FRACTION * max(1.0, scale):
                self._reject_atol(atol, MAX_ATOL_FRACTION * max(1.0, scale))
            slack = lhs - rhs if self.relation == ">=" else rhs - lhs
            tol = atol + rtol * scale
            return Check(self.name, lhs, rhs, slack, bool(slack >= -tol), rtol, atol, tol)
        if np.shape(rhs) != shape:
            rhs = np.broadcast_to(rhs, shape)
        if np.shape(lhs) != shape:
            lhs = np.broadcast_to(lhs, shape)
        scale = np.maximum(np.abs(lhs), np.abs(rhs))
        limit = MAX_ATOL_FRACTION * np.maximum(1.0, scale)
        if np.any(atol > limit):
            self._reject_atol(atol, float(np.min(limit)))
        slack = lhs - rhs if self.relation == ">=" else rhs - lhs
        tol = atol + rtol * scale
        return Check(self.name, lhs, rhs, slack, np.asarray(slack >= -tol), rtol, atol, tol)  # NaN: False

    def _reject_atol(self, atol: float, limit: float) -> None:
        raise ValueError(
            f"atol must be <= {MAX_ATOL_FRACTION:g}·max(1, |lhs|, |rhs|) = {limit:.3g} for bound {self.name!r}, got {atol!r}"
        )

    def check_frame(self, data: Any = None, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
                    **constants: Any) -> dict[str, np.ndarray]:
        """Tidy columns of a vectorised `check` over the rows of ``data`` (pandas-free).

        ``data`` maps column names to 1-D arrays (a dict, or a pandas DataFrame); the columns that
        are symbols of the bound are used, the others ignored. ``constants`` give the remaining
        symbols (scalars or arrays that broadcast). Returns ``{symbol columns..., bound, lhs, rhs,
        slack, holds, rtol, atol, tol}``, every value an array of one length, so
        ``pandas.DataFrame(bound.check_frame(df))`` is one row per point.
        """
        values = _columns(self, data)
        values.update(constants)
        c = self.check(rtol=rtol, atol=atol, **values)
        n = int(np.prod(c.shape)) if c.shape else 1
        out: dict[str, np.ndarray] = {}
        for k in self.symbol_names:
            if k in values:
                out[k] = np.broadcast_to(np.asarray(values[k], dtype=np.float64), c.shape).reshape(n)
        out["bound"] = np.full(n, self.name, dtype=object)
        for k, v in c.as_dict().items():
            if k != "bound":
                out[k] = np.broadcast_to(np.asarray(v), c.shape).reshape(n).copy()
        return out

    def _validated(self, values: Mapping[str, Any], required: tuple[str, ...]) -> dict[str, np.ndarray]:
        names = self._name_set
        if not names.issuperset(values):
            unknown = sorted(set(values) - names)
            raise ValueError(f"Bound {self.name!r}: unknown symbol(s) {unknown}; its symbols are {sorted(names)}")
        missing = [k for k in required if k not in values]
        if missing:
            raise ValueError(f"Bound {self.name!r}: missing value(s) for {sorted(set(missing))}")
        constraints = self.constraints
        out: dict[str, np.ndarray] = {}
        for key, raw in values.items():
            try:
                out[key] = _scalar(raw, constraints[key], key) if type(raw) in (float, int) else constraints[key].check(raw, key)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"Bound {self.name!r}: {exc}") from None
        for rel, syms, fn in self._assumption_fns:
            if all(s in out for s in syms):
                ok = fn(*(out[s] for s in syms))
                if not np.all(ok):
                    shown = _shown_failure(values, syms, ok)
                    raise ValueError(f"Bound {self.name!r}: assumption {rel} fails at {shown}")
        return out


def _scalar(raw: float | int, c: Array, name: str) -> np.ndarray:
    """The fast path of `Array.check` for a Python float or int (same rules, same messages)."""
    try:
        x = float(raw)
    except OverflowError:
        raise ValueError(f"{name} must be finite, got {raw!r}") from None
    if not math.isfinite(x) or (c.low is not None and not (x > c.low if c.closed in ("right", "neither") else x >= c.low)) \
            or (c.high is not None and not (x < c.high if c.closed in ("left", "neither") else x <= c.high)) \
            or (c.integer_valued and x != round(x)):
        return c.check(np.float64(x), name)  # raises with the general message
    return np.float64(x)  # numpy scalars: 1/0 gives inf, caught in _result


def _shown_failure(values: Mapping[str, Any], syms: tuple[str, ...], ok: Any) -> dict[str, Any]:
    if np.ndim(ok) == 0:
        return {s: values[s] for s in syms}
    idx = tuple(int(i) for i in np.argwhere(~np.asarray(ok))[0])
    shape = np.shape(ok)
    return {s: np.broadcast_to(np.asarray(values[s]), shape)[idx].item() for s in syms}


def _columns(bound: Bound, data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not hasattr(data, "keys") or not hasattr(data, "__getitem__"):
        raise TypeError(f"data must be a mapping of column names to arrays (a dict or a DataFrame), got {type(data).__name__}")
    return {k: np.asarray(data[k]) for k in bound.symbol_names if k in data.keys()}


def check_frame(bounds: Bound | Iterable[Bound], data: Any = None, *, rtol: float = DEFAULT_RTOL,
                atol: float = DEFAULT_ATOL, **constants: Any) -> dict[str, np.ndarray]:
    """`Bound.check_frame` for several bounds on the same rows, stacked (``bound`` says which row is which).

    Each bound reads the columns and constants it has symbols for; a constant none of them takes is
    an error (a typo would otherwise be ignored).
    """
    bounds = (bounds,) if isinstance(bounds, Bound) else tuple(bounds)
    if not bounds or not all(isinstance(b, Bound) for b in bounds):
        raise TypeError(f"bounds must be a Bound or a non-empty sequence of Bound, got {bounds!r}")
    taken = set().union(*(b.symbol_names for b in bounds))
    unknown = sorted(set(constants) - taken)
    if unknown:
        raise ValueError(f"constants {unknown} are symbols of none of the bounds {[b.name for b in bounds]}")
    parts = [b.check_frame(data, rtol=rtol, atol=atol, **{k: v for k, v in constants.items() if k in b.symbol_names})
             for b in bounds]
    keys: list[str] = []
    for part in parts:
        keys += [k for k in part if k not in keys]
    out = {}
    for k in keys:
        cols = [part[k] if k in part else np.full(len(part["bound"]), np.nan) for part in parts]
        out[k] = np.concatenate(cols) if k != "holds" else np.concatenate(cols).astype(bool)
    return out
