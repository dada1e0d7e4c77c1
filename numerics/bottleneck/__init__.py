"""The bottleneck paper (Jacot, arXiv 2305.19008): representation cost and bottleneck structure.

The registered experiments (`theory.bottleneck`) and the master-inequality checks (★) on one network.
"""

from numerics.bottleneck.experiment import deep_linear_cost, master_inequality
from numerics.bottleneck.measure import master_checks

__all__ = ["deep_linear_cost", "master_checks", "master_inequality"]
