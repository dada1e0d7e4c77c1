"""The generic harness: every registered theorem's bounds hold on its own experiment's measurements.

A theorem added to the registry is picked up here with no further code. Each experiment
function runs once per session at profile "test" (seconds), a run its paper's tests read too
(the ``profile_test_run`` fixture of tests/conftest.py). A theorem of your own module is
registered before collection by ``pytest --rankbounds-plugin my_theorems`` (numerics.pytest_plugin),
by the ``rankbounds.theorems`` entry-point group, or by ``pytest -p my_theorems``.
"""

from __future__ import annotations

import pytest

from theory import registry


@pytest.mark.parametrize("theorem_id", registry.ids())
def test_every_registered_bound_holds_on_its_experiment(theorem_id, profile_test_run):
    theorem = registry.get(theorem_id)
    result, _ = profile_test_run(theorem.resolve_experiment())
    checkable = {b.name for b in theorem.bounds if b.lhs is not None}
    checks = result.checks[result.checks["bound"].isin(checkable)]
    assert set(checks["bound"]) == checkable, f"bounds never checked: {checkable - set(checks['bound'])}"
    violations = checks[~checks["holds"].astype(bool)]
    print(f"{theorem_id}: {len(checks)} (point, bound) checks, {len(violations)} violations")
    assert violations.empty, violations.head(20).to_string()
    for fig in result.figures:
        assert fig.exists() and fig.stat().st_size > 0
