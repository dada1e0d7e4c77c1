"""The synthetic task of arXiv 2305.19008 §5: latent z, inputs x = g(z), targets y = h(z_1..z_k).

g and h are random one-hidden-layer ReLU networks, so the map x ↦ y factors through R^k: its
bottleneck rank is (at most) k, the inner dimension a deep L2-regularised network should find.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from numerics.validation import positive_int

__all__ = ["BottleneckTask", "make_task", "random_shallow_net"]


@dataclass(frozen=True)
class BottleneckTask:
    """Training data ``x`` ``(n, d_in)``, ``y`` ``(n, d_out)`` (float64) with known inner dimension ``k``."""

    x: torch.Tensor
    y: torch.Tensor
    z: torch.Tensor
    k: int

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def random_shallow_net(d_in: int, d_out: int, width: int, generator: torch.Generator):
    """x ↦ ReLU(x A + a) B / √width with Gaussian A ``(d_in, width)``, a, B: a random shallow teacher."""
    A = torch.randn(d_in, width, generator=generator, dtype=torch.float64) / d_in**0.5
    a = torch.randn(width, generator=generator, dtype=torch.float64) * 0.5
    B = torch.randn(width, d_out, generator=generator, dtype=torch.float64)

    def net(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ A + a) @ B / width**0.5

    return net


def make_task(
    n: int = 500,
    *,
    k: int = 2,
    latent_dim: int = 8,
    d_in: int = 20,
    d_out: int = 20,
    teacher_width: int = 100,
    seed: int = 0,
) -> BottleneckTask:
    """z ~ N(0, I_latent), x = g(z), y = h(z_1..z_k); x standardised per coordinate, y centred / global std.

    Args:
        n: number of samples.
        k: inner dimension (number of latent coordinates y depends on), ``k <= latent_dim``.
        latent_dim, d_in, d_out, teacher_width: sizes (the paper: 8, 20, 20; the research note's pilot: width 100).
        seed: seeds one explicit torch.Generator; the same seed gives the same task bit for bit.
    """
    n, k, latent_dim = positive_int(n, "n"), positive_int(k, "k"), positive_int(latent_dim, "latent_dim")
    d_in, d_out, teacher_width = positive_int(d_in, "d_in"), positive_int(d_out, "d_out"), positive_int(teacher_width, "teacher_width")
    if k > latent_dim:
        raise ValueError(f"k must be <= latent_dim = {latent_dim}, got {k}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {seed!r}")
    gen = torch.Generator().manual_seed(seed)
    g = random_shallow_net(latent_dim, d_in, teacher_width, gen)
    h = random_shallow_net(k, d_out, teacher_width, gen)
    z = torch.randn(n, latent_dim, generator=gen, dtype=torch.float64)
    x = g(z)
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-12)
    y = h(z[:, :k])
    y = y - y.mean(0)
    y = y / y.std()
    return BottleneckTask(x=x, y=y, z=z, k=k)
