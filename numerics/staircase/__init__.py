"""The staircase paper (Yang, Zhao, Zhu, arXiv 2412.05144): ε-rank against the loss, Thm 3.2 and Thm 3.3.

Exported: the Thm 3.3 quantities of one set of features and their checks (float64 numpy, no torch).
The registered experiments are `numerics.staircase.experiment` (``thm3_2``, ``thm3_3``) and the §4
methods that raise the ε-rank are `numerics.staircase.methods`; neither is imported here, so
importing the measurement does not import torch or the harness.
"""

from numerics.staircase.measure import check_bounds, staircase_quantities

__all__ = ["check_bounds", "staircase_quantities"]
