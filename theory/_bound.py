"""`Bound`: one inequality ``lhs (>= | <=) rhs`` held symbolically, evaluated numerically.

The symbolic side is sympy; the numeric side is ``sympy.lambdify`` with explicit
``modules=["numpy", "scipy"]`` (never the default modules, never untrusted strings).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np
import sympy as sp

_LAMBDIFY_MODULES = ["numpy", "scipy"]
_RELATIONS = {">=": sp.GreaterThan, "<=": sp.LessThan}


@dataclass(frozen=True)
class Check:
    """Both sides of a `Bound` at one point: ``slack = lhs - rhs`` for ``>=`` (``rhs - lhs`` for ``<=``)."""

    name: str
    lhs: float
    rhs: float
    slack: float
    holds: bool

    def as_dict(self) -> dict[str, Any]:
        return {"bound": self.name, "lhs": self.lhs, "rhs": self.rhs, "slack": self.slack, "holds": self.holds}


@dataclass(frozen=True)
class Bound:
    """One inequality ``lhs >= rhs`` (or ``<=``) in sympy, with its provenance.

    Args:
        name: short identifier, unique inside its theorem (``"thm3_3_paper"``).
        citation: ``"arXiv 2412.05144, Thm 3.3"`` for a paper's statement, or
            ``"derived here: proofs_notes/staircase.md §2"`` for ours.
        symbols: every free symbol, with sympy assumptions (``positive=True``, ``integer=True``...).
        rhs: the bound side, i.e. what `evaluate` returns.
        lhs: the measured side; ``None`` when the Bound is a bare quantity (a constant, a cost).
        relation: ``">="`` (``lhs >= rhs``, a lower bound) or ``"<="`` (an upper bound).
        assumptions: sympy relations under which the statement holds (``p <= n``...).
        ours: True when the statement is derived in this package rather than taken from the paper.
        description: one sentence in words.
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

    # -- symbolic views -------------------------------------------------------------------
    @property
    def expr(self) -> sp.Basic:
        """The sympy relation ``lhs >= rhs``, or the bare ``rhs`` when there is no lhs."""
        if self.lhs is None:
            return self.rhs
        return _RELATIONS[self.relation](self.lhs, self.rhs, evaluate=False)

    def latex(self) -> str:
        """LaTeX of `expr`, e.g. ``\\sqrt{L} \\geq \\frac{d_p - \\sqrt{C K \\varepsilon}}{C_S}``."""
        return sp.latex(self.expr)

    @property
    def symbol_names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.symbols)

    @property
    def rhs_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(s for s in self.symbols if s in self.rhs.free_symbols)

    @property
    def lhs_symbols(self) -> tuple[sp.Symbol, ...]:
        if self.lhs is None:
            return ()
        return tuple(s for s in self.symbols if s in self.lhs.free_symbols)

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
    def _assumption_fns(self):
        out = []
        for rel in self.assumptions:
            if not isinstance(rel, sp.core.relational.Relational) or not rel.free_symbols <= set(self.symbols):
                continue  # stated in words or over quantities the Bound does not take: documentation only
            syms = tuple(s for s in self.symbols if s in rel.free_symbols)
            out.append((rel, syms, sp.lambdify(syms, rel, modules=_LAMBDIFY_MODULES)))
        return out

    def evaluate(self, **values: Any) -> float | np.ndarray:
        """Value of the bound side ``rhs`` at ``values`` (float64; arrays broadcast).

        Every symbol of ``rhs`` must be given, and no name outside ``symbols``;
        lhs-only symbols may be given and are ignored. Symbol assumptions (positive, integer...)
        and every `assumptions` relation whose symbols are all given must hold.
        """
        vals = self._validated(values, required=self.rhs_symbols)
        return self._result(self._rhs_fn, self.rhs_symbols, vals, "rhs")

    def evaluate_lhs(self, **values: Any) -> float | np.ndarray:
        """Value of the measured side ``lhs`` at ``values``."""
        if self.lhs is None:
            raise ValueError(f"Bound {self.name!r} has no lhs: it is a bare quantity, use evaluate()")
        vals = self._validated(values, required=self.lhs_symbols)
        return self._result(self._lhs_fn, self.lhs_symbols, vals, "lhs")

    def _result(self, fn, syms, vals: dict[str, Any], side: str) -> float | np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(fn(*(vals[str(s)] for s in syms)), dtype=np.float64)
        if not np.all(np.isfinite(out)):
            shown = {str(s): float(vals[str(s)]) if np.ndim(vals[str(s)]) == 0 else vals[str(s)] for s in syms}
            raise ValueError(f"Bound {self.name!r}: {side} is not finite at {shown}; check the values against its assumptions")
        return float(out) if out.ndim == 0 else out

    def check(self, *, rtol: float = 1e-9, atol: float = 1e-12, **values: Any) -> Check:
        """Evaluate both sides at one point. ``holds`` allows ``atol + rtol*max(|lhs|, |rhs|)`` of rounding."""
        if self.lhs is None:
            raise ValueError(f"Bound {self.name!r} has no lhs, so there is nothing to check")
        rhs = float(self.evaluate(**values))
        lhs = float(self.evaluate_lhs(**values))
        slack = lhs - rhs if self.relation == ">=" else rhs - lhs
        tol = atol + rtol * max(abs(lhs), abs(rhs))
        return Check(self.name, lhs, rhs, slack, bool(slack >= -tol))

    def _validated(self, values: Mapping[str, Any], required: tuple[sp.Symbol, ...]) -> dict[str, Any]:
        known = {str(s): s for s in self.symbols}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"Bound {self.name!r}: unknown symbol(s) {unknown}; its symbols are {sorted(known)}"
            )
        missing = sorted(str(s) for s in required if str(s) not in values)
        if missing:
            raise ValueError(f"Bound {self.name!r}: missing value(s) for {missing}")
        out: dict[str, Any] = {}
        for key, raw in values.items():
            out[key] = _validated_value(self.name, known[key], raw)
        for rel, syms, fn in self._assumption_fns:
            if all(str(s) in out for s in syms) and not np.all(fn(*(out[str(s)] for s in syms))):
                shown = {str(s): values[str(s)] for s in syms}
                raise ValueError(f"Bound {self.name!r}: assumption {rel} fails at {shown}")
        return out


def _validated_value(bound: str, sym: sp.Symbol, raw: Any) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (numbers.Real, np.ndarray, np.generic, list, tuple)):
        raise TypeError(f"Bound {bound!r}: value for {sym} must be a real number or array, got {raw!r}")
    arr = np.asarray(raw, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"Bound {bound!r}: value for {sym} must be finite, got {raw!r}")
    if sym.is_integer and not np.all(arr == np.round(arr)):
        raise ValueError(f"Bound {bound!r}: {sym} is an integer symbol, got {raw!r}")
    if sym.is_positive and not np.all(arr > 0):
        raise ValueError(f"Bound {bound!r}: {sym} must be positive, got {raw!r}")
    if sym.is_nonnegative and not np.all(arr >= 0):
        raise ValueError(f"Bound {bound!r}: {sym} must be non-negative, got {raw!r}")
    return np.float64(arr) if arr.ndim == 0 else arr  # numpy scalars: 1/0 gives inf, caught in _result
