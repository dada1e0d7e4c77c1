"""Input checks shared by the public functions: every error names the argument and the value.

One implementation, in `theory.validation` (the declared constraints and the array helpers);
numerics imports it from there (numerics -> theory, never the other way).
"""

from __future__ import annotations

from theory.validation import (  # noqa: F401  (re-exported)
    AnyOf,
    Anything,
    Array,
    Bool,
    CallableArg,
    Constraint,
    Instance,
    Integer,
    Matrix,
    Options,
    Real,
    Symbolic,
    Weights,
    as_box,
    as_matrix,
    as_weights,
    constraints_of,
    interval,
    is_real_scalar,
    nonnegative_float,
    nonnegative_int,
    one_of,
    positive_float,
    positive_int,
    short,
    to_numpy,
    validate_params,
)
