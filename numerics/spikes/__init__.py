"""One large gradient step (Moniri, Lee, Hassani, Dobriban, arXiv 2310.07891): spikes in the feature spectrum.

The registered experiments (`theory.spikes`): outlier counts against α (``count``) and spike strengths
(``strength``); the single-draw measurements are `numerics.spikes.measure`.
"""

from numerics.spikes.experiment import count, strength

__all__ = ["count", "strength"]
