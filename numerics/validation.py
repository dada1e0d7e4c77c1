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
    _is_real_scalar as _is_real,
    _short,
    as_box,
    as_matrix,
    as_weights,
    constraints_of,
    interval,
    nonnegative_float,
    nonnegative_int,
    one_of,
    positive_float,
    positive_int,
    to_numpy,
    validate_params,
)
