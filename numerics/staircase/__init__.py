"""The staircase paper (Yang, Zhao, Zhu, arXiv 2412.05144): ε-rank against the loss, Thm 3.2 and Thm 3.3.

The registered experiments (`theory.staircase`) and the measurement of the Thm 3.3 quantities on one
set of features; the §4 methods that raise the ε-rank are the subpackage `numerics.staircase.methods`.
"""

from numerics.staircase.experiment import thm3_2, thm3_3
from numerics.staircase.measure import check_bounds, staircase_quantities

__all__ = ["check_bounds", "staircase_quantities", "thm3_2", "thm3_3"]
