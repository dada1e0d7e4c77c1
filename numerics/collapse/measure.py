"""Everything the collapse bounds need, measured at one trained network (float64 numpy).

Column convention of proofs_notes/collapse.md: H_{ℓ-1} is d_{ℓ-1}×N (samples as columns), G_ℓ holds
g_i = ∂ℓ_i/∂z_i⁽ℓ⁾ (per-sample, not divided by N), D_{ℓ-1} = H_{ℓ-1} − H_{ℓ-1}P (within-class deviations).
Here arrays are stored with samples as rows, so G_ℓ D_{ℓ-1}ᵀ is ``G.T @ D``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from numerics.collapse.model import DTYPE, data_loss, one_thread
from numerics.nets import StackedReLUMLP
from numerics.ranks import dist_to_rank, numerical_rank, singular_values

RANK_RTOL = 1e-2  # numerical rank: #{σ_j > 1e-2·σ_1} (research note §6, Run B)


def class_mean_rows(H: np.ndarray, y: np.ndarray, K: int) -> np.ndarray:
    """Row i replaced by the mean of its class: H P in the note's column convention."""
    out = np.empty_like(H)
    for c in range(K):
        idx = y == c
        out[idx] = H[idx].mean(axis=0)
    return out


def rows_where(table, **equal):
    """The rows of a measurement table (a pandas DataFrame) where column ``c`` equals ``v`` for every
    ``c=v`` given, in their order: ``table[(table[c1] == v1) & (table[c2] == v2) & …]``."""
    mask = np.ones(len(table), dtype=bool)
    for column, value in equal.items():
        mask &= (table[column] == value).to_numpy()
    return table[mask]


def within_class_rms(H: np.ndarray, y: np.ndarray, K: int) -> float:
    """V(H) = ‖H − HP‖_F/√N: root-mean-square distance of a sample to its class mean."""
    return float(np.linalg.norm(H - class_mean_rows(H, y, K)) / np.sqrt(H.shape[0]))


@dataclass
class LayerMeasure:
    """One weight matrix W_ℓ (1-based ``layer``) and the quantities of bounds (A)–(E), (F), (A_bias)."""

    layer: int
    sv: np.ndarray
    fro: float
    spec: float
    dist_K: float  # (Σ_{j>K} σ_j²)^{1/2}
    dist_Km1: float  # (Σ_{j>K-1} σ_j²)^{1/2}
    sigma_K: float  # σ_K (0 if W has fewer than K singular values)
    num_rank: int
    grad_W: float  # ‖∇_{W_ℓ}Φ‖_F
    grad_b: float  # ‖∇_{b_ℓ}Φ‖ (0 without biases)
    hbar: float  # ‖(1/N) Σ_i h_i⁽ℓ⁻¹⁾‖
    GD: float  # ‖G_ℓ D_{ℓ-1}ᵀ‖_F
    g_max: float  # max_i ‖g_i⁽ℓ⁾‖
    G_spec: float  # ‖G_ℓ‖_2
    TCV1: float  # Σ_i ‖h_i − μ_{c(i)}‖
    TCV2: float  # ‖D_{ℓ-1}‖_F
    V_in: float  # TCV2/√N = V(H_{ℓ-1})
    lip_after: float  # Π_{k>ℓ} ‖W_k‖_2 (ρ = 1 for ReLU)
    ones_grad: float  # ‖1ᵀ ∇_{W_ℓ}Φ‖ (used for the last layer with CE)


@dataclass
class NetworkMeasure:
    loss_value: float  # 𝓛(θ)
    phi: float  # Φ_λ(θ) = 𝓛 + (λ/2)Σ‖W‖²
    reg: float  # (λ/2)Σ‖W‖²
    residual: float  # ‖∇Φ‖/(λ‖W‖), all weights and biases together; inf at λ = 0
    grad_norm: float  # ‖∇Φ‖
    accuracy: float
    n_samples: int
    layers: list[LayerMeasure] = field(default_factory=list)
    V: list[float] = field(default_factory=list)  # V(H_0), …, V(H_{L-1})
    spec_norms: list[float] = field(default_factory=list)
    layer_residuals: list[float] = field(default_factory=list)  # r_ℓ = ‖∇_{W_ℓ}Φ‖_F/(λ‖W_ℓ‖_F)


@dataclass
class LayerArrays:
    """The arrays of the gradient identity W_ℓ = (∇_{W_ℓ}Φ − (1/N) G_ℓ H_{ℓ−1}ᵀ)/λ, samples as rows."""

    loss_value: float
    phi: float
    reg: float
    logits: np.ndarray  # (N, K)
    W: list[np.ndarray]  # W_ℓ, (d_ℓ, d_{ℓ−1})
    grad_W: list[np.ndarray]  # ∇_{W_ℓ}Φ
    grad_b: list[np.ndarray]  # ∇_{b_ℓ}Φ (zeros without biases)
    H: list[np.ndarray]  # h⁽ℓ⁻¹⁾ rows, (N, d_{ℓ−1})
    G: list[np.ndarray]  # g_i⁽ℓ⁾ = ∂ℓ_i/∂z_i⁽ℓ⁾ rows, (N, d_ℓ)


@one_thread
def layer_arrays(net: StackedReLUMLP, X: np.ndarray, y: np.ndarray, lam: float, loss: str) -> LayerArrays:
    """One forward/backward of Φ_λ at ``net`` (a batch of one); G_ℓ is N·∂𝓛/∂z⁽ℓ⁾ from autograd."""
    if net.batch != 1:
        raise ValueError(f"net must be a single network (batch of one), got batch {net.batch}")
    net = net.member(0)
    N = X.shape[0]
    Xt = torch.as_tensor(X, dtype=DTYPE)
    yt = torch.as_tensor(y, dtype=torch.long)
    out, inputs, pre = net.forward(Xt, keep=True)
    L = data_loss(out, yt, loss)[0]
    reg = 0.5 * lam * sum(W.square().sum() for W in net.weights)
    phi = L + reg
    phi.backward()
    Ws = [W.detach()[0].numpy() for W in net.weights]
    return LayerArrays(
        loss_value=L.item(),
        phi=phi.item(),
        reg=float(reg.item()) if torch.is_tensor(reg) else float(reg),
        logits=out.detach()[0].numpy(),
        W=Ws,
        grad_W=[W.grad[0].numpy() for W in net.weights],
        grad_b=[b.grad[0].numpy() for b in net.biases] if net.biases is not None else [np.zeros(W.shape[0]) for W in Ws],
        H=[h.detach()[0].numpy() for h in inputs],
        G=[z.grad[0].numpy() * N for z in pre],
    )


def measure_network(net: StackedReLUMLP, X: np.ndarray, y: np.ndarray, lam: float, loss: str, K: int) -> NetworkMeasure:
    """Every quantity of the bounds at ``net`` (a batch of one), in float64."""
    arr = layer_arrays(net, X, y, lam, loss)
    N = X.shape[0]
    Ws, gW, gb, Hs, Gs = arr.W, arr.grad_W, arr.grad_b, arr.H, arr.G
    spec = [float(singular_values(W)[0]) for W in Ws]

    grad_norm = float(np.sqrt(sum(np.sum(g**2) for g in gW) + sum(np.sum(g**2) for g in gb)))
    w_norm = float(np.sqrt(sum(np.sum(W**2) for W in Ws)))
    residual = grad_norm / (lam * w_norm) if lam > 0 else float("inf")
    acc = float((arr.logits.argmax(-1) == y).mean())
    res = NetworkMeasure(arr.loss_value, arr.phi, arr.reg, residual, grad_norm, acc, N)
    res.spec_norms = spec
    r = res.layer_residuals
    for i, W in enumerate(Ws):
        H, G = Hs[i], Gs[i]
        D = H - class_mean_rows(H, y, K)
        sv = singular_values(W)
        dnorm = np.linalg.norm(D, axis=1)
        fro = float(np.linalg.norm(W))
        res.layers.append(
            LayerMeasure(
                layer=i + 1,
                sv=sv,
                fro=fro,
                spec=spec[i],
                dist_K=dist_to_rank(W, K),
                dist_Km1=dist_to_rank(W, K - 1),
                sigma_K=float(sv[K - 1]) if sv.size >= K else 0.0,
                num_rank=numerical_rank(W, rtol=RANK_RTOL),
                grad_W=float(np.linalg.norm(gW[i])),
                grad_b=float(np.linalg.norm(gb[i])),
                hbar=float(np.linalg.norm(H.mean(axis=0))),
                GD=float(np.linalg.norm(G.T @ D)),
                g_max=float(np.linalg.norm(G, axis=1).max()),
                G_spec=float(singular_values(G)[0]),
                TCV1=float(dnorm.sum()),
                TCV2=float(np.linalg.norm(D)),
                V_in=float(np.linalg.norm(D) / np.sqrt(N)),
                lip_after=float(np.prod(spec[i + 1 :])) if i + 1 < len(spec) else 1.0,
                ones_grad=float(np.linalg.norm(gW[i].sum(axis=0))),
            )
        )
        r.append(float(np.linalg.norm(gW[i])) / (lam * fro) if lam > 0 and fro > 0 else float("inf"))
        res.V.append(res.layers[-1].V_in)
    return res
