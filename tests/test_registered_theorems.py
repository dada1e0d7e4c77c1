"""The generic harness: every registered theorem's bounds hold on its own experiment's measurements.

A theorem added to the registry is picked up here with no further code. Theorems that share one
experiment function run it once (profile "test": seconds each). A theorem of your own module is
registered before collection by ``pytest --rankbounds-plugin my_theorems`` (numerics.pytest_plugin),
by the ``rankbounds.theorems`` entry-point group, or by ``pytest -p my_theorems``.
"""

from __future__ import annotations

import pytest

from theory import registry

_RESULTS: dict[str, object] = {}


def _result(theorem, tmp_path_factory):
    if theorem.experiment not in _RESULTS:
        out = tmp_path_factory.mktemp(theorem.experiment.replace(":", "_").replace(".", "_"))
        _RESULTS[theorem.experiment] = theorem.resolve_experiment()("test", seed=0, out_dir=out, quiet=True)
    return _RESULTS[theorem.experiment]


@pytest.mark.parametrize("theorem_id", registry.ids())
def test_every_registered_bound_holds_on_its_experiment(theorem_id, tmp_path_factory):
    theorem = registry.get(theorem_id)
    result = _result(theorem, tmp_path_factory)
    checkable = {b.name for b in theorem.bounds if b.lhs is not None}
    checks = result.checks[result.checks["bound"].isin(checkable)]
    assert set(checks["bound"]) == checkable, f"bounds never checked: {checkable - set(checks['bound'])}"
    violations = checks[~checks["holds"].astype(bool)]
    print(f"{theorem_id}: {len(checks)} (point, bound) checks, {len(violations)} violations")
    assert violations.empty, violations.head(20).to_string()
    for fig in result.figures:
        assert fig.exists() and fig.stat().st_size > 0
