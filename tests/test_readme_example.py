"""The README's "Extend a theorem" example runs as written and is picked up by the registry and report."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from theory import registry

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def my_theorems(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- extend-example:start -->\n```python\n(.*?)```\n<!-- extend-example:end -->", text, re.S)
    assert block, "README lost its extend-example block"
    (tmp_path / "my_theorems.py").write_text(block.group(1), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_theorems  # noqa: F401  (registers the theorem)

    yield
    registry.unregister("example.eps_rank_trace")
    sys.modules.pop("my_theorems", None)


def test_readme_theorem_registers_and_holds(my_theorems):
    t = registry.get("example.eps_rank_trace")
    result = t.resolve_experiment()("test", seed=0)
    assert len(result.checks) == 8 and result.checks["holds"].all()
    # the check reads the measured ε-rank: a bound 1e4 times tighter is caught as violated
    import my_theorems

    tightened = [my_theorems.TRACE_BOUND.check(r=row.lhs, T=row.rhs * row.eps * 1e-4, eps=row.eps) for row in result.checks.itertuples()]
    assert not all(c.holds for c in tightened)


def test_readme_theorem_reaches_the_report(my_theorems, tmp_path):
    from numerics.report import run_folder, run_report

    outcomes = run_report("test", tmp_path / "r", only=["example.eps_rank_trace"], extras=False, log=lambda s: None)
    assert [o.status for o in outcomes] == ["holds"]
    folder = run_folder(tmp_path / "r", ["example.eps_rank_trace"])
    md = (folder / "report.md").read_text()
    assert "example.eps_rank_trace" in md and r"\frac{T}{eps}" in md and "**ours** (derived here)" in md
    html = (folder / "report.html").read_text()
    assert "<table" in html and "example.eps_rank_trace" in html
