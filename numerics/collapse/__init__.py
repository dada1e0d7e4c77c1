"""Neural rank collapse (Zangrando et al., arXiv 2402.03991): each layer's distance to rank K under weight decay.

The registered experiment (`theory.collapse`) and every quantity of its bounds on one trained network.
"""

from numerics.collapse.experiment import weight_decay_rank
from numerics.collapse.measure import measure_network

__all__ = ["measure_network", "weight_decay_rank"]
