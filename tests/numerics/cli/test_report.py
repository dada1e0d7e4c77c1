"""numerics.cli.report: `rankbounds report` passes its options to numerics.report.run_report, prints one line
per theorem, and its exit status is 1 when an experiment raised (or, with --strict, a bound was violated)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from numerics.cli import main


def _outcome(tid, *, error=None, violations=0):
    return SimpleNamespace(theorem_id=tid, status="error" if error else "ok", seconds=0.5, error=error,
                           violations=violations)


@pytest.mark.parametrize("outcomes, strict, status", [
    ([_outcome("a.x"), _outcome("b.y")], False, 0),
    ([_outcome("a.x"), _outcome("b.y", error="boom")], False, 1),
    ([_outcome("a.x", violations=2)], False, 0),
    ([_outcome("a.x", violations=2)], True, 1),
])
def test_report_status_follows_errors_and_strict_violations(outcomes, strict, status, tmp_path, monkeypatch, capsys):
    import numerics.report

    calls = []

    def fake(profile, out, *, seed, quiet, only):
        calls.append((profile, out, seed, quiet, only))
        return outcomes

    monkeypatch.setattr(numerics.report, "run_report", fake)
    argv = ["report", "--profile", "test", "--seed", "3", "--quiet", "--out", str(tmp_path), "--only", "a.x"]
    assert main(argv + (["--strict"] if strict else [])) == status
    assert calls == [("test", tmp_path, 3, True, ["a.x"])]
    out = capsys.readouterr().out
    assert all(o.theorem_id in out for o in outcomes)
    assert str(numerics.report.run_folder(tmp_path, ["a.x"]) / "report.md") in out
