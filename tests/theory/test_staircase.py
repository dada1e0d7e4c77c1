"""theory.staircase: the bounds evaluate to their formulas, and the symbolic facts are proved by sympy
(each with a numeric cross-check through `loss_lower_bound`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import theory.staircase as ts
from theory import registry

# --- hand-written formulas ------------------------------------------------------------------
K_HAND = {
    "paper": lambda p, n: (p + 1) * (n - p) ** 2,
    "tight": lambda p, n: (p + 1) * (n - p),
    "eigen": lambda p, n: 1,
}


def hand_loss_bound(variant, p, n, eps, C, C_S, d):
    return max(0.0, (d - math.sqrt(C * K_HAND[variant](p, n) * eps)) / C_S) ** 2


@st.composite
def points(draw):
    n = draw(st.integers(1, 60))
    return dict(
        p=draw(st.integers(0, n)),
        n=n,
        eps=draw(st.floats(1e-12, 1.0)),
        C=draw(st.floats(0.0, 1e3)),
        C_S=draw(st.floats(1e-2, 1e2)),
        d=draw(st.floats(0.0, 10.0)),
    )


@given(points())
def test_thm3_3_bounds_evaluate_to_the_hand_formula(pt):
    for variant, bound in (("paper", ts.thm3_3_paper), ("tight", ts.thm3_3_tight), ("eigen", ts.thm3_3_eigen)):
        want = hand_loss_bound(variant, **pt)
        assert bound.evaluate(**pt) == pytest.approx(want, rel=1e-12, abs=1e-300)
        args = {k: pt[k] for k in ("p", "n", "eps", "C", "C_S")}
        assert ts.loss_lower_bound(variant, dist=pt["d"], **args) == pytest.approx(want, rel=1e-12, abs=1e-300)


@given(points(), st.floats(0.0, 1e3))
def test_thm3_2_bounds_evaluate_and_check(pt, e2):
    p, n, eps, C = pt["p"], pt["n"], pt["eps"], pt["C"]
    assert ts.thm3_2_paper.evaluate(p=p, n=n, eps=eps, C=C) == pytest.approx(C * (p + 1) * (n - p) ** 2 * eps, rel=1e-12)
    assert ts.thm3_2_tight.evaluate(p=p, n=n, eps=eps, C=C) == pytest.approx(C * (p + 1) * (n - p) * eps, rel=1e-12)
    chk = ts.thm3_2_tight.check(e2=e2, p=p, n=n, eps=eps, C=C)
    assert chk.lhs == e2 and chk.holds == (e2 <= C * (p + 1) * (n - p) * eps * (1 + 1e-9) + 1e-12)


@given(st.integers(2, 80).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))))
def test_lemma3_1_constant(pn):
    p, n = pn
    assert ts.lemma3_1.evaluate(p=p, n=n) == pytest.approx(1 / math.sqrt(p * (n - p) + min(p, n - p)), rel=1e-13)
    # the constant is at least the one that (p+1)(n-p) of Thm 3.2 uses
    assert ts.lemma3_1.evaluate(p=p, n=n) ** -2 <= (p + 1) * (n - p) * (1 + 1e-12)


def test_positive_part_and_loss_bound_is_on_L_not_sqrt_L():
    # d below the penalty: the bound is 0, not negative
    assert ts.loss_lower_bound("paper", 3, 10, 1e-2, 1.0, 1.0, 0.1) == 0.0
    # ε small: the bound is (d/C_S)², the square of the √L bound
    assert ts.loss_lower_bound("eigen", 3, 10, 1e-12, 1.0, 2.0, 0.8) == pytest.approx((0.4 - 0.5e-6) ** 2, rel=1e-12)


def test_latex_renders():
    for b in (ts.thm3_3_paper, ts.thm3_3_tight, ts.thm3_3_eigen):
        tex = b.latex()
        assert tex.startswith("\\mathcal{L} \\geq") and "\\max" in tex and "C_S" in tex and "\\varepsilon" in tex
    assert "\\leq" in ts.thm3_2_paper.latex() and "\\left(n - p\\right)^{2}" in ts.thm3_2_paper.latex()
    assert "\\min" in ts.lemma3_1.latex()


def test_wrong_or_missing_symbol_raises():
    good = dict(p=2, n=5, eps=1e-3, C=1.0, C_S=1.0, d=0.5)
    with pytest.raises(ValueError, match="unknown symbol.*'D'"):
        ts.thm3_3_paper.evaluate(**{**{k: v for k, v in good.items() if k != "d"}, "D": 0.5})
    with pytest.raises(ValueError, match=r"missing value\(s\) for \['d'\]"):
        ts.thm3_3_tight.evaluate(**{k: v for k, v in good.items() if k != "d"})
    with pytest.raises(ValueError, match="eps must be > 0"):
        ts.thm3_3_eigen.evaluate(**{**good, "eps": 0.0})
    with pytest.raises(ValueError, match="p must be integer-valued"):
        ts.thm3_3_paper.evaluate(**{**good, "p": 2.5})


@pytest.mark.parametrize(
    "args, match",
    [
        (("nope", 2, 5, 1e-3, 1.0, 1.0, 0.5), "variant must be one of"),
        (("paper", 6, 5, 1e-3, 1.0, 1.0, 0.5), "0 <= p <= n"),
        (("paper", -1, 5, 1e-3, 1.0, 1.0, 0.5), "p must be >= 0, got -1"),
        (("paper", 2, 0, 1e-3, 1.0, 1.0, 0.5), "n must be >= 1"),
        (("tight", 2, 5, 0.0, 1.0, 1.0, 0.5), "eps must be finite and > 0"),
        (("tight", 2, 5, 1e-3, -1.0, 1.0, 0.5), "C must be finite and >= 0"),
        (("eigen", 2, 5, 1e-3, 1.0, 0.0, 0.5), "C_S must be finite and > 0"),
        (("eigen", 2, 5, 1e-3, 1.0, 1.0, -0.5), "dist must be finite and >= 0"),
        (("eigen", 2, 5, float("nan"), 1.0, 1.0, 0.5), "eps must be finite"),
    ],
)
def test_loss_lower_bound_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ts.loss_lower_bound(*args)


def test_loss_lower_bound_rejects_non_integer_p():
    with pytest.raises(TypeError, match="p must be an integer"):
        ts.loss_lower_bound("paper", 2.0, 5, 1e-3, 1.0, 1.0, 0.5)


def test_registry_entries():
    t33 = registry.get("staircase.thm3_3")
    assert [b.name for b in t33.bounds] == ["thm3_3_paper", "thm3_3_tight", "thm3_3_eigen"]
    assert t33.experiment == "numerics.staircase.experiment:thm3_3"
    assert t33.paper == "arXiv 2412.05144" and t33.note == "proofs_notes/staircase.md"
    assert not t33.bound("thm3_3_paper").ours and t33.bound("thm3_3_tight").ours and t33.bound("thm3_3_eigen").ours
    assert "computable corollary" in t33.bound("thm3_3_paper").description
    t32 = registry.get("staircase.thm3_2")
    assert [b.name for b in t32.bounds] == ["thm3_2_paper", "thm3_2_tight"]
    assert t32.resolve_experiment().__name__ == "thm3_2_experiment"


# --- symbolic facts (proved by sympy) and their numeric cross-checks ------------------------
p, n = ts.p, ts.n


def test_paper_K_turning_point_is_proved():
    m = ts.paper_K_monotonicity()
    assert sp.simplify(m.dK_factored - (n - p) * (n - 3 * p - 2)) == 0
    assert sp.simplify(m.turning_point - (n - 2) / 3) == 0
    assert m.rises_before is True and m.falls_after is True
    assert sp.simplify(m.forward_difference - (ts.K_PAPER.subs(p, p + 1) - ts.K_PAPER)) == 0


def test_tight_K_turning_point_is_proved():
    m = ts.tight_K_monotonicity()
    assert sp.simplify(m.dK - (n - 2 * p - 1)) == 0
    assert sp.simplify(m.turning_point - (n - 1) / 2) == 0
    assert m.rises_before is True and m.falls_after is True
    assert sp.simplify(m.forward_difference - (n - 2 * p - 2)) == 0


@pytest.mark.parametrize("variant, tp", [("paper", lambda n: (n - 2) / 3), ("tight", lambda n: (n - 1) / 2)])
def test_K_turning_point_numeric_cross_check(variant, tp):
    for width in range(3, 60):
        ps = np.arange(width + 1)
        K = np.array([K_HAND[variant](q, width) for q in ps], dtype=float)
        # the integer maximiser is within one step of the continuous turning point
        assert abs(int(np.argmax(K)) - tp(width)) <= 1
        # strictly rising before it (p + 1 < turning point) and falling after it (p > turning point)
        rise = [q for q in ps[:-1] if q + 1 <= tp(width)]
        fall = [q for q in ps[:-1] if q >= tp(width)]
        assert all(K[q + 1] > K[q] for q in rise) and all(K[q + 1] < K[q] for q in fall)


@pytest.mark.parametrize("variant", ["paper", "tight", "eigen"])
def test_bound_nonincreasing_where_K_rises_is_proved(variant):
    r = ts.bound_nonincreasing_where_K_rises(variant)
    assert r["dh_matches_generic"] is True
    assert r["dh_nonpositive"] is True and r["dbound_nonpositive"] is True
    assert r["dh_where_K_rises_nonpositive"] is True


@given(st.integers(4, 40), st.integers(0, 2**32 - 1), st.sampled_from(["paper", "tight"]))
def test_bound_nonincreasing_where_K_rises_numeric(width, seed, variant):
    rng = np.random.default_rng(seed)
    tp = (width - 2) / 3 if variant == "paper" else (width - 1) / 2
    ps = [q for q in range(width + 1) if q + 1 <= tp]  # K rises on every step p -> p+1 here
    dists = np.sort(rng.uniform(0, 2, len(ps) + 1))[::-1]  # d_p non-increasing
    eps, C = 10 ** rng.uniform(-8, -2), rng.uniform(0, 5)
    vals = [ts.loss_lower_bound(variant, q, width, eps, C, 1.0, float(dists[i])) for i, q in enumerate(ps)]
    assert all(b <= a + 1e-15 for a, b in zip(vals, vals[1:]))


def test_eigen_bound_never_rises_is_proved_and_checked():
    r = ts.eigen_bound_nonincreasing()
    assert r["nonpositive"] is True and r["depends_on_p"] is False
    rng = np.random.default_rng(3)
    for _ in range(50):
        width = int(rng.integers(2, 30))
        dists = np.sort(rng.uniform(0, 2, width + 1))[::-1]
        vals = [ts.loss_lower_bound("eigen", q, width, 1e-3, 2.0, 1.5, float(dists[q])) for q in range(width + 1)]
        assert all(b <= a for a, b in zip(vals, vals[1:]))


@pytest.mark.parametrize("variant", ["paper", "tight"])
def test_bound_rises_with_p_past_turning_point(variant):
    r = ts.bound_rises_instance(variant)
    assert r["rises"] is True and r["past_turning_point"] is True
    assert r["d"][1] < r["d"][0]  # the distance falls, yet the bound rises
    pt = {k: float(v) for k, v in r["point"].items()}
    b0, b1 = (
        ts.loss_lower_bound(variant, q, int(pt["n"]), pt["eps"], pt["C"], pt["C_S"], float(dq))
        for q, dq in zip(r["p"], r["d"])
    )
    assert b1 > b0
    assert (b0, b1) == pytest.approx((float(r["bound"][0]), float(r["bound"][1])), rel=1e-12)


def test_eigen_variant_cannot_rise():
    with pytest.raises(ValueError, match="never rises"):
        ts.bound_rises_instance("eigen")


@pytest.mark.parametrize("variant", ["paper", "tight", "eigen"])
def test_eps_to_zero_limit(variant):
    assert sp.simplify(ts.eps_to_zero_limit(variant) - ts.d**2 / ts.C_S**2) == 0
    for eps in (1e-16, 1e-20):
        got = ts.loss_lower_bound(variant, 3, 12, eps, 4.0, 2.0, 0.7)
        assert got == pytest.approx((0.7 / 2.0) ** 2, rel=1e-5)


def test_tight_at_least_paper_is_proved():
    r = ts.tight_at_least_paper()
    assert r["gap_nonnegative"] is True and r["bound_nonincreasing_in_K"] is True
    assert sp.simplify(r["gap"] - (ts.K_PAPER - ts.K_TIGHT)) == 0


@given(points())
def test_tight_at_least_paper_numeric(pt):
    args = {k: pt[k] for k in ("p", "n", "eps", "C", "C_S")}
    assert ts.loss_lower_bound("tight", dist=pt["d"], **args) >= ts.loss_lower_bound("paper", dist=pt["d"], **args)


def test_import_theory_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, theory.staircase; assert 'torch' not in sys.modules and 'numerics' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
