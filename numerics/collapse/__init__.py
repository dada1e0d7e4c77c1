"""Neural rank collapse (Zangrando et al., arXiv 2402.03991): each layer's distance to rank K under weight decay.

Exported: every quantity of the bounds on one trained network. The registered experiment is
`numerics.collapse.experiment` (``weight_decay_rank``), not imported here.
"""

from numerics.collapse.measure import measure_network

__all__ = ["measure_network"]
