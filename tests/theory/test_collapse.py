"""Structure of the rank-collapse bounds (ours: proofs_notes/collapse.md), checked symbolically."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import theory.collapse as C
from theory import registry


def test_importing_theory_collapse_does_not_import_torch():
    code = "import sys, theory.collapse, theory.registry; theory.registry.ids(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registered_with_every_bound_ours_and_cited_to_the_note():
    thm = registry.get("collapse.weight_decay_rank")
    assert thm.paper == "arXiv 2402.03991"
    assert thm.note == "proofs_notes/collapse.md"
    assert thm.experiment == "numerics.collapse.experiment:weight_decay_rank"
    assert thm.ours
    names = {b.name for b in thm.bounds}
    assert {"A_any_point", "B_tcv1", "B_tcv2", "C_loss_explicit", "C_critical", "D_propagation",
            "E_balanced_relu", "F_ce_last_layer", "A_bias_rank_Km1"} == names
    for b in thm.bounds:
        assert b.citation.startswith("derived here: proofs_notes/collapse.md §"), b.citation
        assert b.relation == "<=" and b.lhs is not None and b.description


def test_C_critical_is_inverse_in_lambda_and_linear_in_V_loss_root_and_lip():
    rhs = C.bound_C_critical.rhs
    assert C.lambda_exponent(rhs) == -1
    assert C.lambda_exponent(rhs, C.V) == 1
    assert C.lambda_exponent(rhs, C.lip) == 1
    assert C.lambda_exponent(rhs, C.loss) == sp.Rational(1, 2)
    for sym in (C.V, C.loss, C.lip):
        assert C.is_nondecreasing_in(rhs, sym) is True
    assert sp.limit(rhs, C.V, 0) == 0  # zero within-class variability forces rank <= K


def test_residual_forms_reduce_to_the_critical_forms_at_zero_gradient():
    assert sp.simplify(C.bound_C.rhs.subs(C.g_res, 0) - C.bound_C_critical.rhs) == 0
    for b in (C.bound_A, C.bound_B_tcv1, C.bound_B_tcv2, C.bound_C):
        assert sp.diff(b.rhs, C.g_res) == 1 / C.lam  # the residual enters as ‖∇Φ‖/λ
        assert C.lambda_exponent(b.rhs.subs(C.g_res, 0)) == -1


def test_E_is_C_critical_with_the_balanced_frobenius_norms():
    balanced_norm = sp.sqrt(2 * (C.Phi - C.loss) / (C.lam * C.L))
    lip = (C.rho * balanced_norm) ** (C.L - C.l)
    diff = C.bound_E_critical.rhs - C.bound_C_critical.rhs.subs(C.lip, lip)
    for L_val, l_val in ((4, 1), (4, 3), (3, 2), (5, 1)):
        point = {C.L: L_val, C.l: l_val, C.Phi: sp.Rational(3, 2), C.loss: sp.Rational(1, 3), C.rho: 1,
                 C.lam: sp.Rational(1, 100), C.V: sp.Rational(2, 7)}
        assert sp.simplify(diff.subs(point)) == 0


def test_E_last_layer_and_lambda_exponent():
    assert sp.simplify(C.bound_E_critical.rhs.subs(C.l, C.L) - sp.sqrt(2 * C.loss) * C.V / C.lam) == 0
    # ℓ = 1 of depth 4: (1/λ)·(1/λ)^{3/2}
    assert C.lambda_exponent(C.bound_E_critical.rhs.subs({C.L: 4, C.l: 1})) == sp.Rational(-5, 2)
    R = sp.Symbol("R", positive=True)  # R = Φ − 𝓛 = (λ/2)Σ‖W‖² > 0
    e = C.bound_E_critical.rhs.subs(C.Phi, C.loss + R).subs({C.L: 4, C.l: 2})
    assert C.is_nondecreasing_in(e, R) is True
    assert C.is_nondecreasing_in(e, C.V) is True


def test_E_matches_the_research_note_example():
    # research note §8: MSE, s=0.05, λ=1e-2, layer 1 of 4 -> 0.274
    val = C.bound_E_critical.evaluate(loss=6.539e-5, Phi=0.02117, rho=1.0, lam=1e-2, L=4, l=1, V=0.221)
    assert val == pytest.approx(0.27396, rel=1e-4)


def test_D_and_F_structure():
    assert sp.diff(C.bound_D.rhs, C.V_in) == C.lip
    assert C.bound_F_ce_last.rhs.subs(C.ones_grad, 0) == 0  # CE critical point: σ_K(W_L) = 0
    assert C.lambda_exponent(C.bound_F_ce_last.rhs) == -1


def test_bias_bound_adds_exactly_the_bias_term_to_A():
    extra = C.bound_A_bias.rhs - C.bound_A.rhs
    assert sp.simplify(extra - C.g_b * C.hbar / C.lam) == 0


def test_balance_derivative_identity():
    d, expected = C.balance_derivative()
    assert sp.simplify(d - expected) == 0


def test_ce_gradient_chain_symbolically():
    p = sp.Symbol("p", positive=True)
    a, b, c = C.ce_gradient_bound_chain(p)
    # b − a = 2p(1 − p) ≥ 0 on (0, 1]; c − b = 2(p − 1 − log p) ≥ 0, zero at p = 1 and decreasing before
    assert sp.factor(b - a) == sp.factor(2 * p * (1 - p))
    g = sp.simplify(c - b)
    assert g.subs(p, 1) == 0
    assert sp.simplify(sp.diff(g, p) - 2 * (1 - 1 / p)) == 0  # ≤ 0 on (0, 1]: g decreases to g(1) = 0


@given(st.integers(2, 6), st.integers(0, 2**31 - 1), st.floats(0.1, 20))
def test_ce_gradient_chain_numerically(k, seed, scale):
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal(k)
    y = int(rng.integers(k))
    p = np.exp(logits - logits.max())
    p /= p.sum()
    others = np.delete(p, y)
    # 1 − p_y without cancellation: from the other classes when p_y is near 1, directly otherwise
    q = float(others.sum()) if p[y] > 0.5 else 1.0 - float(p[y])
    r2 = q**2 + float(np.sum(others**2))  # ‖p − e_y‖²
    qs = sp.Symbol("q", positive=True)
    p_y = 1 - qs if p[y] > 0.5 else sp.Float(float(p[y]), 30)
    a, b, c = (float(sp.sympify(e).subs(qs, sp.Float(q, 30)).evalf(30)) for e in C.ce_gradient_bound_chain(p_y))
    assert r2 <= a * (1 + 1e-12) + 1e-300  # equality when K = 2
    assert a <= b * (1 + 1e-12) + 1e-300
    assert b <= c * (1 + 1e-12) + 1e-300


def test_bounds_validate_their_inputs():
    with pytest.raises(ValueError, match="V"):
        C.bound_C.check(dist=0.1, g_res=0.0, loss=0.1, lip=1.0, V=-1.0, lam=0.1)
    with pytest.raises(ValueError, match="lam"):
        C.bound_A.check(dist=0.1, g_res=0.0, GD=1.0, lam=0.0, N=10)
    with pytest.raises(ValueError, match="N"):
        C.bound_A.check(dist=0.1, g_res=0.0, GD=1.0, lam=0.1, N=2.5)


def test_check_reports_slack_and_violation():
    ok = C.bound_A.check(dist=0.5, g_res=0.01, GD=2.0, lam=0.1, N=10)
    assert ok.holds and ok.rhs == pytest.approx(0.1 + 2.0) and ok.slack == pytest.approx(2.1 - 0.5)
    bad = C.bound_A.check(dist=3.0, g_res=0.01, GD=2.0, lam=0.1, N=10)
    assert not bad.holds and bad.slack < 0
