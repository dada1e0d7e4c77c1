"""rankbounds.theory: theorems about rank in neural-network training, as sympy inequalities.

Pure math (sympy + numpy). Importing `theory` never imports torch or `numerics`.
"""

from theory._bound import Bound, Check, check_frame
from theory.registry import Theorem, register

__all__ = ["Bound", "Check", "Theorem", "check_frame", "register"]
