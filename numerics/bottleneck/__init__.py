"""The bottleneck paper (Jacot, arXiv 2305.19008): representation cost and bottleneck structure.

Exported: the master-inequality checks (★) on one network. The registered experiments are
`numerics.bottleneck.experiment` (``master_inequality``, ``deep_linear_cost``), not imported here.
"""

from numerics.bottleneck.measure import master_checks

__all__ = ["master_checks"]
