"""The staircase paper (Yang, Zhao, Zhu, arXiv 2412.05144): ε-rank against the loss, Thm 3.2 and Thm 3.3.

Exported: the probes of Lemma 3.1 and of the authors' conjecture max_S σ_min(Q_S) ≥ 1/√n (float64
numpy, no torch). The registered experiments are `numerics.staircase.experiment` (``thm3_2``,
``thm3_3``) and the §4 methods that raise the ε-rank are `numerics.staircase.methods`; neither is
imported here, so importing one piece of the paper does not import torch or the harness.
"""

from numerics.staircase.measure import max_min_subset_sv, search_conjecture

__all__ = ["max_min_subset_sv", "search_conjecture"]
