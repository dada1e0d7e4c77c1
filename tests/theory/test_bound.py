"""theory.Bound and theory.registry: evaluation, validation, LaTeX, registration."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
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
    with pytest.raises(ValueError, match="Bound 'toy': x must be > 0, got -0.1"):
        B.evaluate(x=-0.1, n=2)
    with pytest.raises(ValueError, match="Bound 'toy': n must be integer-valued, got 2.5"):
        B.evaluate(x=0.1, n=2.5)
    with pytest.raises(ValueError, match="Bound 'toy': x must be finite, got nan"):
        B.evaluate(x=float("nan"), n=2)
    with pytest.raises(TypeError, match="Bound 'toy': x must be a real number or array, got str '0.1'"):
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
        Theorem(id="a.b", title="", bounds=(B,), experiment="a.b", paper="ours")
    with pytest.raises(ValueError, match="paper must name the source"):
        Theorem(id="a.b", title="", bounds=(B,), experiment="a:b", paper=" ")
    by_convention = Theorem(id="mypaper.lemma_2", title="", bounds=(B,), paper="ours")
    assert by_convention.experiment == "numerics.mypaper.experiment:lemma_2"


def test_stated_assumptions_are_enforced_and_non_finite_results_are_named():
    p = sp.Symbol("p", integer=True, positive=True)
    bound = Bound("inv", "c", (p, n), rhs=1 / (n - p), assumptions=(sp.Lt(p, n),))
    assert bound.evaluate(p=1, n=3) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"assumption p < n fails at \{'p': 3, 'n': 3\}"):
        bound.evaluate(p=3, n=3)
    unguarded = Bound("inv2", "c", (p, n), rhs=1 / (n - p))
    with pytest.raises(ValueError, match=r"rhs is not finite at \{'p': 3.0, 'n': 3.0\}"):
        unguarded.evaluate(p=3, n=3)


# -- vectorised evaluation and checks (issues 15, 16) --------------------------------------------

def _registered_bounds():
    return [b for t in registry.theorems() for b in t.bounds]


def _random_values(bound, rng, size):
    """Random candidate points for every symbol of ``bound``, drawn from its declared constraint."""
    out = {}
    for name, c in bound.constraints.items():
        if c.integer_valued:
            lo = 0 if c.low is None else int(c.low) + (1 if c.closed in ("right", "neither") else 0)
            out[name] = rng.integers(lo, lo + 12, size).astype(np.float64)
        else:
            mag = 10.0 ** rng.uniform(-3, 3, size)
            v = mag * (rng.standard_normal(size) if c.low is None and c.high is None else 1.0)
            out[name] = -v if c.high is not None else v
    return out


@pytest.mark.parametrize("bound", _registered_bounds(), ids=lambda b: b.name)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 12))
def test_vectorised_check_equals_scalar_checks_exactly(bound, seed, size):
    rng = np.random.default_rng(seed)
    cand = _random_values(bound, rng, size)
    scalars, keep = [], []
    for i in range(size):
        try:
            scalars.append(bound.check(**{k: float(v[i]) for k, v in cand.items()}))
            keep.append(i)
        except ValueError:  # outside the bound's assumptions, or a side not finite
            pass
    assume(keep)  # hypothesis fails the test if no example ever lands inside the assumptions
    vec = bound.check(**{k: v[keep] for k, v in cand.items()})
    for field in ("lhs", "rhs", "slack", "tol"):
        np.testing.assert_array_equal(getattr(vec, field), [getattr(c, field) for c in scalars], err_msg=field)
    assert vec.holds.tolist() == [c.holds for c in scalars]
    np.testing.assert_array_equal(bound.evaluate(**{k: v[keep] for k, v in cand.items()}), [c.rhs for c in scalars])
    assert vec.rows() == [c.as_dict() for c in scalars]


def test_check_takes_arrays_for_integer_symbols_and_broadcasts():
    from theory import staircase as ts

    c = ts.thm3_3_tight.check(L=0.5, p=np.array([3, 4]), n=10, eps=1e-6, C=1.0, C_S=1.0, d=np.array([0.9, 0.1]))
    assert c.shape == (2,) and c.holds.dtype == bool
    for i, (p, d) in enumerate(((3, 0.9), (4, 0.1))):
        one = ts.thm3_3_tight.check(L=0.5, p=p, n=10, eps=1e-6, C=1.0, C_S=1.0, d=d)
        assert (c.lhs[i], c.rhs[i], c.slack[i], bool(c.holds[i])) == (one.lhs, one.rhs, one.slack, one.holds)
    assert c.holds.tolist() == [False, True]  # 0.5 < 0.9 − √(4·7·1e-6) squared; 0.1² < 0.5
    # a constant side broadcasts to the points
    from theory import spikes as sk
    cm = sk.COUNT_BOUND.check(m_measured=np.array([1, 2, 3]), ell_predicted=2)
    assert cm.rhs.tolist() == [0.0, 0.0, 0.0] and cm.holds.tolist() == [False, True, False]


def test_vectorised_validation_names_the_failing_point():
    from theory import staircase as ts

    with pytest.raises(ValueError, match=r"p must be integer-valued, got 2.5 at index \(1,\)"):
        ts.thm3_3_tight.evaluate(p=np.array([1, 2.5]), n=4, eps=1e-6, C=1.0, C_S=1.0, d=0.3)
    with pytest.raises(ValueError, match=r"assumption p <= n fails at \{'p': 5, 'n': 4\}"):
        ts.thm3_3_tight.evaluate(p=np.array([1, 5]), n=4, eps=1e-6, C=1.0, C_S=1.0, d=0.3)
    with pytest.raises(ValueError, match="do not broadcast"):
        ts.thm3_3_tight.evaluate(p=np.array([1, 2]), n=4, eps=1e-6, C=1.0, C_S=1.0, d=np.array([0.1, 0.2, 0.3]))


def test_check_frame_is_tidy_and_equals_scalar_checks():
    pd = pytest.importorskip("pandas")
    from theory import check_frame
    from theory import staircase as ts

    df = pd.DataFrame({"L": [0.5, 0.01, 0.2], "p": [3, 4, 0], "d": [0.9, 0.1, 0.4], "step": [0, 10, 20]})
    cols = ts.thm3_3_tight.check_frame(df, n=10, eps=1e-6, C=1.0, C_S=1.0)
    frame = pd.DataFrame(cols)
    assert list(frame.columns) == ["L", "p", "n", "eps", "C", "C_S", "d", "bound", "lhs", "rhs", "slack", "holds",
                                   "rtol", "atol", "tol"]
    assert len(frame) == 3 and set(frame["bound"]) == {"thm3_3_tight"}
    for i, row in df.iterrows():
        one = ts.thm3_3_tight.check(L=row.L, p=int(row.p), n=10, eps=1e-6, C=1.0, C_S=1.0, d=row.d)
        assert (frame.lhs[i], frame.rhs[i], frame.slack[i], bool(frame.holds[i])) == (one.lhs, one.rhs, one.slack, one.holds)
    both = pd.DataFrame(check_frame([ts.thm3_3_tight, ts.thm3_3_eigen], df, n=10, eps=1e-6, C=1.0, C_S=1.0))
    assert both["bound"].tolist() == ["thm3_3_tight"] * 3 + ["thm3_3_eigen"] * 3
    with pytest.raises(ValueError, match=r"constants \['CS'\] are symbols of none"):
        check_frame([ts.thm3_3_tight], df, n=10, eps=1e-6, C=1.0, CS=1.0)
    with pytest.raises(TypeError, match="data must be a mapping"):
        ts.thm3_3_tight.check_frame([1, 2, 3])


def test_theory_imports_neither_torch_nor_pandas():
    import subprocess
    import sys

    code = ("import sys, theory, theory.registry as r; r.ids(); import theory.validation; "
            "assert 'torch' not in sys.modules and 'pandas' not in sys.modules and 'numerics' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_latex_uses_the_papers_notation():
    from theory import bottleneck as bn

    assert bn.DEEP_LINEAR_COST.latex() == r"\|\theta\|^2 \geq L \sum_i s_i^{2/L}"
    assert r"\log|A|_+ + \log|B|_+ \geq \log|AB|_+" == bn.PDET_PRODUCT.latex()
    # a mapping may name symbols the bound does not have (one mapping per module)
    b = Bound("named", "c", (x, n), lhs=x, rhs=n, latex_names={"x": r"\xi", "zz": "q"})
    assert b.latex() == r"\xi \geq n" and b.latex_names == (("x", r"\xi"),)
    with pytest.raises(TypeError, match="latex_names must map"):
        Bound("bad", "c", (x,), rhs=x, latex_names={"x": 3})


@pytest.mark.parametrize("bound", _registered_bounds(), ids=lambda b: b.name)
def test_every_registered_bound_names_its_long_symbols_in_latex(bound):
    named = dict(bound.latex_names)
    raw = [s for s in bound.symbol_names if len(s) > 1 and s not in named]
    assert not raw, f"{bound.name}: symbols {raw} have no LaTeX name, so they print as raw identifiers"


# -- tolerances (issue 17) ------------------------------------------------------------------------
GE = Bound("ge", "c", (L, x), lhs=L, rhs=x)


@pytest.mark.parametrize("kw, exc, match", [
    ({"rtol": float("inf")}, ValueError, r"rtol must be finite and in \[0, 1e-06\], got inf"),
    ({"rtol": float("nan")}, ValueError, "rtol must be finite"),
    ({"rtol": -1e-9}, ValueError, r"rtol must be finite and in \[0, 1e-06\], got -1e-09"),
    ({"rtol": 1e-2}, ValueError, r"rtol .* got 0.01"),
    ({"atol": float("inf")}, ValueError, "atol must be finite"),
    ({"atol": -1e-12}, ValueError, "atol must be finite and >= 0"),
    ({"atol": 1e6}, ValueError, r"atol must be <= 1e-06·max\(1, \|lhs\|, \|rhs\|\) = 1e-06 for bound 'ge', got 1000000.0"),
    ({"atol": 1e-3}, ValueError, "atol must be <="),
    ({"rtol": True}, TypeError, "rtol must be a real number, got bool"),
    ({"atol": 1j}, TypeError, "atol must be a real number, got complex"),
    ({"rtol": "1e-9"}, TypeError, "rtol must be a real number, got str"),
])
def test_tolerances_are_validated(kw, exc, match):
    with pytest.raises(exc, match=match):
        GE.check(L=0.0, x=1.0, **kw)  # violated by 1: no tolerance may turn it into "holds"


def test_atol_scales_with_the_sides_and_is_recorded():
    c = GE.check(L=1e9, x=1e9 + 1.0, atol=1e3)  # allowed: 1e3 <= 1e-6·1e9
    assert c.holds and c.atol == 1e3 and c.rtol == 1e-9 and c.tol == pytest.approx(1e3 + 1e-9 * (1e9 + 1))
    row = GE.check(L=1.0, x=1.0).as_dict()
    assert row == {"bound": "ge", "lhs": 1.0, "rhs": 1.0, "slack": 0.0, "holds": True, "rtol": 1e-9,
                   "atol": 1e-12, "tol": 1e-12 + 1e-9}
    with pytest.raises(ValueError, match="atol must be <="):
        GE.check(L=np.array([1e9, 1.0]), x=np.array([1e9, 1.0]), atol=1e3)  # too large at the second point


@pytest.mark.parametrize("rel, scale", [(1e-6, 1e-4), (1e-6, 1.0), (1e-6, 1e8), (1e-6, 1e300), (1e-7, 1e-3),
                                        (1.1e-9, 1.0), (1.1e-9, 1e12)])
def test_small_relative_violation_is_reported_at_the_default_tolerance(rel, scale):
    assert rel * scale > 1e-12 + 1e-9 * scale  # beyond the default atol + rtol·scale
    assert not GE.check(L=scale * (1 - rel), x=scale).holds
    upper = Bound("le", "c", (L, x), lhs=L, rhs=x, relation="<=")
    assert not upper.check(L=scale * (1 + rel), x=scale).holds
    assert GE.check(L=scale * (1 - 1e-10), x=scale).holds  # rounding-sized shortfalls are forgiven


def test_default_tolerances_are_the_documented_ones():
    import inspect

    sig = inspect.signature(Bound.check)
    assert sig.parameters["rtol"].default == 1e-9 and sig.parameters["atol"].default == 1e-12
    c = GE.check(L=1.0 - 5e-9, x=1.0)
    assert not c.holds and c.tol == pytest.approx(1e-12 + 1e-9)


def test_nan_and_inf_never_hold():
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match="must be finite"):
            GE.check(L=bad, x=1.0)
        with pytest.raises(ValueError, match="must be finite"):
            GE.check(L=np.array([1.0, bad]), x=1.0)
    inv = Bound("inv", "c", (L, x), lhs=L, rhs=1 / (x - 1))
    with pytest.raises(ValueError, match=r"rhs is not finite at index \(1,\)"):
        inv.check(L=np.array([5.0, 5.0]), x=np.array([2.0, 1.0]))


@pytest.mark.parametrize("value", [1 + 2j, np.complex128(1), np.array([1 + 0j]), np.datetime64("2020-01-01"),
                                   np.array(["2020-01-01"], dtype="datetime64[D]"), "1.0", b"1", None, object(),
                                   True, np.bool_(True), [1.0, "a"], {"x": 1}, np.array([object()])])
def test_non_real_values_are_type_errors_naming_the_symbol(value):
    for call in (lambda: GE.evaluate(x=value), lambda: GE.check(L=1.0, x=value)):
        with pytest.raises(TypeError, match="Bound 'ge': x must"):
            call()


def test_open_and_closed_bounds_at_exactly_zero():
    # positive (open at 0) rejects 0 itself; nonnegative (closed) accepts it; scalars and arrays alike
    with pytest.raises(ValueError, match="Bound 'toy': x must be > 0, got 0.0"):
        B.evaluate(x=0.0, n=2)
    with pytest.raises(ValueError, match=r"x must be > 0, got 0.0 at index \(1,\)"):
        B.evaluate(x=np.array([0.5, 0.0]), n=2)
    assert B.check(L=0.0, x=0.01, n=4).lhs == 0.0
    assert B.check(L=np.array([0.0, 1.0]), x=0.01, n=4).lhs.tolist() == [0.0, 1.0]
    from theory.validation import Real

    with pytest.raises(ValueError, match="eps must be finite and > 0, got 0.0"):
        Real(low=0.0, closed="neither").check(0.0, "eps")
    assert Real(low=0.0).check(0.0, "C") == 0.0
    with pytest.raises(ValueError, match=r"a must be finite and in \[0, 1\), got 1.0"):
        Real(low=0.0, high=1.0, closed="left").check(1.0, "a")
