"""Neural rank collapse under weight decay: bounds on dist(W_ℓ, rank ≤ K), derived here.

Setting (arXiv 2402.03991, Zangrando et al., abstract): Φ_λ(θ) = 𝓛(θ) + (λ/2)Σ_ℓ‖W_ℓ‖_F², K classes.
The paper's theorem statements could not be read; every bound below is OURS, with a complete proof
in proofs_notes/collapse.md (section numbers in each citation). All distances are Frobenius:
dist_F(W, 𝓡_k) = (Σ_{j>k} σ_j(W)²)^{1/2} (Eckart–Young).

Symbols (each a measured float64 quantity):
    dist     dist_F(W_ℓ, 𝓡_K)                 lam      weight decay λ > 0
    g_res    ‖∇_{W_ℓ}Φ_λ‖_F (0 at a critical point)
    GD       ‖G_ℓ D_{ℓ−1}ᵀ‖_F,  G_ℓ = [∂ℓ_i/∂z_i⁽ℓ⁾]_i,  D_{ℓ−1} = H_{ℓ−1} − class means
    N        number of samples                   K        number of classes
    g_max    max_i ‖∂ℓ_i/∂z_i⁽ℓ⁾‖               TCV1     Σ_i ‖h_i⁽ℓ⁻¹⁾ − μ_{c(i)}‖
    G_spec   ‖G_ℓ‖_2                             TCV2     ‖D_{ℓ−1}‖_F
    loss     data loss 𝓛(θ) (½-MSE or CE)       V        V(H_{ℓ−1}) = TCV2/√N
    lip      Π_{k>ℓ} ρ‖W_k‖_2                    rho      Lipschitz constant of the activation
    Phi      Φ_λ(θ)                              L, l     depth and layer index (1-based)
"""

from __future__ import annotations

import sympy as sp

from theory._bound import Bound
from theory.validation import AnyOf, Instance, Real, Symbolic, validate_params
from theory.registry import Theorem, register

__all__ = [
    "BOUNDS",
    "bound_A",
    "bound_A_bias",
    "bound_B_tcv1",
    "bound_B_tcv2",
    "bound_C",
    "bound_C_critical",
    "bound_D",
    "bound_E_critical",
    "bound_F_ce_last",
    "THEOREM",
    "ce_gradient_bound_chain",
    "balance_derivative",
    "lambda_exponent",
    "is_nondecreasing_in",
]

_NOTE = "derived here: proofs_notes/collapse.md"

# -- symbols ----------------------------------------------------------------------------------------
lam = sp.Symbol("lam", positive=True)
dist = sp.Symbol("dist", nonnegative=True)
dist_Km1 = sp.Symbol("dist_Km1", nonnegative=True)
sigma_K = sp.Symbol("sigma_K", nonnegative=True)
g_res = sp.Symbol("g_res", nonnegative=True)
GD = sp.Symbol("GD", nonnegative=True)
N = sp.Symbol("N", positive=True, integer=True)
K = sp.Symbol("K", positive=True, integer=True)
g_max = sp.Symbol("g_max", nonnegative=True)
TCV1 = sp.Symbol("TCV1", nonnegative=True)
G_spec = sp.Symbol("G_spec", nonnegative=True)
TCV2 = sp.Symbol("TCV2", nonnegative=True)
loss = sp.Symbol("loss", nonnegative=True)
V = sp.Symbol("V", nonnegative=True)
V_in = sp.Symbol("V_in", nonnegative=True)
V_out = sp.Symbol("V_out", nonnegative=True)
lip = sp.Symbol("lip", nonnegative=True)
rho = sp.Symbol("rho", positive=True)
Phi = sp.Symbol("Phi", positive=True)
L = sp.Symbol("L", positive=True, integer=True)
l = sp.Symbol("l", positive=True, integer=True)  # noqa: E741  (the layer index of the note)
g_b = sp.Symbol("g_b", nonnegative=True)
hbar = sp.Symbol("hbar", nonnegative=True)
ones_grad = sp.Symbol("ones_grad", nonnegative=True)

# The note's notation for `Bound.latex` (and `rankbounds theorems --latex`).
LATEX_NAMES = {
    "lam": r"\lambda",
    "dist": r"\operatorname{dist}_F(W_\ell, \mathcal{R}_K)",
    "dist_Km1": r"\operatorname{dist}_F(W_\ell, \mathcal{R}_{K-1})",
    "sigma_K": r"\sigma_K(W_L)",
    "g_res": r"\|\nabla_{W_\ell} \Phi_\lambda\|_F",
    "GD": r"\|G_\ell D_{\ell-1}^\top\|_F",
    "g_max": r"\max_i \|g_i\|",
    "TCV1": r"\mathrm{TCV}_1",
    "G_spec": r"\|G_\ell\|_2",
    "TCV2": r"\mathrm{TCV}_2",
    "loss": r"\mathcal{L}",
    "V": r"V(H_{\ell-1})",
    "V_in": r"V(H_k)",
    "V_out": r"V(H_m)",
    "lip": r"\Big(\prod_{j>\ell} \rho \|W_j\|_2\Big)",
    "rho": r"\rho",
    "Phi": r"\Phi_\lambda",
    "l": r"\ell",
    "g_b": r"\|\nabla_b \Phi_\lambda\|",
    "hbar": r"\|\bar h_{\ell-1}\|",
    "ones_grad": r"\|\mathbf{1}^\top \nabla_{W_L} \Phi_\lambda\|",
}


# -- the bounds -------------------------------------------------------------------------------------
bound_A = Bound(
    name="A_any_point",
    citation=f"{_NOTE} §2",
    symbols=(dist, g_res, GD, lam, N),
    lhs=dist,
    relation="<=",
    rhs=g_res / lam + GD / (lam * N),
    ours=True,
    description="At any θ: dist_F(W_ℓ, rank≤K) ≤ ‖∇_{W_ℓ}Φ‖_F/λ + ‖G_ℓ D_{ℓ−1}ᵀ‖_F/(λN).",
    latex_names=LATEX_NAMES,
)

bound_B_tcv1 = Bound(
    name="B_tcv1",
    citation=f"{_NOTE} §3",
    symbols=(dist, g_res, g_max, TCV1, lam, N),
    lhs=dist,
    relation="<=",
    rhs=g_res / lam + g_max * TCV1 / (lam * N),
    ours=True,
    description="dist_F ≤ ‖∇_WΦ‖/λ + max_i‖g_i‖·TCV₁(H_{ℓ−1})/(λN); at a critical point g_res = 0.",
    latex_names=LATEX_NAMES,
)

bound_B_tcv2 = Bound(
    name="B_tcv2",
    citation=f"{_NOTE} §3",
    symbols=(dist, g_res, G_spec, TCV2, lam, N),
    lhs=dist,
    relation="<=",
    rhs=g_res / lam + G_spec * TCV2 / (lam * N),
    ours=True,
    description="dist_F ≤ ‖∇_WΦ‖/λ + ‖G_ℓ‖₂·‖H_{ℓ−1} − M_{ℓ−1}‖_F/(λN); at a critical point g_res = 0.",
    latex_names=LATEX_NAMES,
)

_C_core = sp.sqrt(2 * loss) * lip * V / lam

bound_C = Bound(
    name="C_loss_explicit",
    citation=f"{_NOTE} §4",
    symbols=(dist, g_res, loss, lip, V, lam),
    lhs=dist,
    relation="<=",
    rhs=g_res / lam + _C_core,
    ours=True,
    description="½-MSE or CE, ρ-Lipschitz activation: dist_F ≤ ‖∇_WΦ‖/λ + √(2𝓛)·Π_{k>ℓ}ρ‖W_k‖₂·V(H_{ℓ−1})/λ.",
    latex_names=LATEX_NAMES,
)

bound_C_critical = Bound(
    name="C_critical",
    citation=f"{_NOTE} §4",
    symbols=(dist, loss, lip, V, lam),
    lhs=dist,
    relation="<=",
    rhs=_C_core,
    ours=True,
    description="At a critical point (½-MSE or CE): dist_F(W_ℓ, rank≤K) ≤ √(2𝓛)·Π_{k>ℓ}ρ‖W_k‖₂·V(H_{ℓ−1})/λ.",
    latex_names=LATEX_NAMES,
)

bound_D = Bound(
    name="D_propagation",
    citation=f"{_NOTE} §5",
    symbols=(V_out, lip, V_in),
    lhs=V_out,
    relation="<=",
    rhs=lip * V_in,
    ours=True,
    description="For k < m: V(H_m) ≤ Π_{j=k+1}^{m} ρ‖W_j‖₂ · V(H_k) (any θ, with or without biases).",
    latex_names=LATEX_NAMES,
)

bound_E_critical = Bound(
    name="E_balanced_relu",
    citation=f"{_NOTE} §6",
    symbols=(dist, loss, Phi, rho, lam, L, l, V),
    lhs=dist,
    relation="<=",
    rhs=sp.sqrt(2 * loss) / lam * (2 * rho**2 * (Phi - loss) / (lam * L)) ** ((L - l) / 2) * V,
    assumptions=(sp.Le(l, L), sp.Ge(Phi, loss)),
    ours=True,
    description=(
        "ReLU, no biases, critical point: dist_F ≤ (√(2𝓛)/λ)·(2ρ²(Φ−𝓛)/(λL))^{(L−ℓ)/2}·V(H_{ℓ−1})."
    ),
    latex_names=LATEX_NAMES,
)

bound_F_ce_last = Bound(
    name="F_ce_last_layer",
    citation=f"{_NOTE} §7",
    symbols=(sigma_K, ones_grad, lam, K),
    lhs=sigma_K,
    relation="<=",
    rhs=ones_grad / (lam * sp.sqrt(K)),
    ours=True,
    description="CE, any θ: σ_K(W_L) ≤ ‖1ᵀ∇_{W_L}Φ‖/(λ√K); at a critical point rank W_L ≤ K−1.",
    latex_names=LATEX_NAMES,
)

bound_A_bias = Bound(
    name="A_bias_rank_Km1",
    citation=f"{_NOTE} §8",
    symbols=(dist_Km1, g_res, g_b, hbar, GD, lam, N),
    lhs=dist_Km1,
    relation="<=",
    rhs=(g_res + g_b * hbar) / lam + GD / (lam * N),
    ours=True,
    description=(
        "Unregularised biases, any θ: dist_F(W_ℓ, rank≤K−1) ≤ (‖∇_WΦ‖ + ‖∇_bΦ‖·‖h̄_{ℓ−1}‖)/λ + ‖G_ℓD_{ℓ−1}ᵀ‖_F/(λN)."
    ),
    latex_names=LATEX_NAMES,
)

BOUNDS: tuple[Bound, ...] = (
    bound_A,
    bound_B_tcv1,
    bound_B_tcv2,
    bound_C,
    bound_C_critical,
    bound_D,
    bound_E_critical,
    bound_F_ce_last,
    bound_A_bias,
)


# -- structural facts, checked symbolically by the tests --------------------------------------------
@validate_params(expr=Instance((sp.Expr,)), symbol=Instance((sp.Symbol,)))
def lambda_exponent(expr: sp.Expr, symbol: sp.Symbol = lam) -> sp.Expr:
    """p with expr ∝ symbol^p, i.e. d log(expr)/d log(symbol) when that is constant; else the expression."""
    return sp.simplify(sp.diff(sp.log(expr), symbol) * symbol)


@validate_params(expr=Instance((sp.Expr,)), symbol=Instance((sp.Symbol,)))
def is_nondecreasing_in(expr: sp.Expr, symbol: sp.Symbol) -> bool | None:
    """True when ∂expr/∂symbol ≥ 0 on the interior of the domain follows from the symbols' assumptions.

    Non-negative symbols are taken positive (the interior), so √loss is differentiable there.
    """
    interior = {s: sp.Symbol(s.name, positive=True, integer=s.is_integer) for s in expr.free_symbols
                if s.is_nonnegative and not s.is_positive}
    return sp.simplify(sp.diff(expr.xreplace(interior), interior.get(symbol, symbol))).is_nonnegative


@validate_params(p_y=AnyOf((Real(low=0.0, high=1.0, closed="right"), Symbolic(positive=True))))
def ce_gradient_bound_chain(p_y: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(2(1−p)², 2(1−p), −2 log p): ‖softmax − e_y‖² ≤ first ≤ second ≤ third (proofs_notes §4, Lemma 2)."""
    return 2 * (1 - p_y) ** 2, 2 * (1 - p_y), -2 * sp.log(p_y)


def balance_derivative() -> tuple[sp.Expr, sp.Expr]:
    """(d/dα [ (λ/2)(α²a + α⁻²b) ] at α = 1, λ(a − b)): the rescaling identity behind (E)."""
    alpha, a, b = sp.symbols("alpha a b", positive=True)
    reg = lam / 2 * (alpha**2 * a + alpha ** (-2) * b)
    return sp.diff(reg, alpha).subs(alpha, 1), lam * (a - b)


THEOREM = register(
    Theorem(
        id="collapse.weight_decay_rank",
        title="Weight decay and small within-class variability bound each layer's distance to rank K (ours)",
        bounds=BOUNDS,
        paper="arXiv 2402.03991",
        note="proofs_notes/collapse.md",
    )
)
