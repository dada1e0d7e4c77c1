"""theory.Bound and theory.registry: evaluation, validation, LaTeX, registration."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import Bound, Theorem, register
from theory import registry

x = sp.Symbol("x", positive=True)
n = sp.Symbol("n", positive=True, integer=True)
L = sp.Symbol("L", nonnegative=True)
B = Bound(
    name="toy",
    citation="derived here: tests",
    symbols=(L, x, n),
    lhs=L,
    rhs=sp.Max(0, 1 - sp.sqrt(n * x)) ** 2,
    ours=True,
)


@given(st.floats(1e-6, 10), st.integers(1, 50))
def test_evaluate_matches_hand_formula(xv, nv):
    assert B.evaluate(x=xv, n=nv) == pytest.approx(max(0.0, 1 - np.sqrt(nv * xv)) ** 2, rel=1e-12, abs=1e-15)


def test_evaluate_broadcasts_arrays():
    np.testing.assert_allclose(B.evaluate(x=np.array([0.01, 0.04]), n=4), [(1 - 0.2) ** 2, (1 - 0.4) ** 2])


def test_check_reports_slack_and_holds():
    c = B.check(L=0.5, x=0.01, n=4)
    assert c.rhs == pytest.approx(0.64) and c.slack == pytest.approx(-0.14) and not c.holds
    assert B.check(L=0.7, x=0.01, n=4).holds
    upper = Bound("up", "c", (L, x), lhs=L, rhs=x, relation="<=")
    assert upper.check(L=1.0, x=2.0).slack == pytest.approx(1.0)


def test_latex_renders():
    tex = B.latex()
    assert tex.startswith(r"L \geq") and r"\sqrt{n} \sqrt{x}" in tex and r"\max" in tex


def test_missing_symbol_is_named():
    with pytest.raises(ValueError, match=r"missing value\(s\) for \['n'\]"):
        B.evaluate(x=0.1)


def test_unknown_symbol_is_named():
    with pytest.raises(ValueError, match=r"unknown symbol\(s\) \['y'\]; its symbols are \['L', 'n', 'x'\]"):
        B.evaluate(x=0.1, n=2, y=3)


def test_assumptions_are_enforced():
    with pytest.raises(ValueError, match="x must be positive, got -0.1"):
        B.evaluate(x=-0.1, n=2)
    with pytest.raises(ValueError, match="n is an integer symbol, got 2.5"):
        B.evaluate(x=0.1, n=2.5)
    with pytest.raises(ValueError, match="value for x must be finite, got nan"):
        B.evaluate(x=float("nan"), n=2)
    with pytest.raises(TypeError, match="value for x must be a real number or array, got '0.1'"):
        B.evaluate(x="0.1", n=2)


def test_undeclared_symbol_in_expression_is_rejected():
    y = sp.Symbol("y")
    with pytest.raises(ValueError, match=r"symbols \['y'\] appear in the expression but not in `symbols`"):
        Bound("bad", "c", (x,), rhs=x + y)


def test_registry_round_trip_and_errors():
    t = Theorem(id="testpaper.lemma_toy", title="toy", bounds=(B,), experiment="tests.x:y", paper="ours")
    register(t)
    try:
        assert registry.get("testpaper.lemma_toy") is t
        assert "testpaper.lemma_toy" in registry.ids()
        assert t.ours and t.bound("toy") is B
        other = Theorem(id="testpaper.lemma_toy", title="other", bounds=(B,), experiment="tests.x:z", paper="ours")
        with pytest.raises(ValueError, match="already registered; pass replace=True"):
            register(other)
    finally:
        registry.unregister("testpaper.lemma_toy")
    with pytest.raises(KeyError, match="no theorem 'testpaper.lemma_toy' registered"):
        registry.get("testpaper.lemma_toy")
    with pytest.raises(ValueError, match="Theorem id must look like"):
        Theorem(id="NoDots", title="", bounds=(B,), experiment="a:b", paper="")
    with pytest.raises(ValueError, match="experiment must be 'module:function'"):
        Theorem(id="a.b", title="", bounds=(B,), experiment="a.b", paper="")


def test_stated_assumptions_are_enforced_and_non_finite_results_are_named():
    p = sp.Symbol("p", integer=True, positive=True)
    bound = Bound("inv", "c", (p, n), rhs=1 / (n - p), assumptions=(sp.Lt(p, n),))
    assert bound.evaluate(p=1, n=3) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"assumption p < n fails at \{'p': 3, 'n': 3\}"):
        bound.evaluate(p=3, n=3)
    unguarded = Bound("inv2", "c", (p, n), rhs=1 / (n - p))
    with pytest.raises(ValueError, match=r"rhs is not finite at \{'p': 3.0, 'n': 3.0\}"):
        unguarded.evaluate(p=3, n=3)
