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


# ----------------------------------------------------------------------------- the extend recipe
ROOT = README.parent


def _block(name: str, lang: str) -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name}:start -->\n```{lang}\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert block, f"README lost its {name} block"
    return block.group(1)


def _recipe_commands() -> list[list[str]]:
    """The README's recipe lines, with `rankbounds` and `python` bound to this interpreter."""
    import shlex

    out = []
    for line in _block("extend-recipe", "sh").strip().splitlines():
        argv = shlex.split(line)
        argv = [sys.executable, "-m", "numerics", *argv[1:]] if argv[0] == "rankbounds" else [sys.executable, *argv[1:]]
        out.append(argv)
    return out


def _run(argv, cwd):
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(cwd)]), "OMP_NUM_THREADS": "1"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_readme_recipe_keeps_a_full_report_byte_for_byte_and_passes_the_exit_status(tmp_path, monkeypatch):
    from numerics.report import run_report
    from tests.numerics.report_fns import XY
    from theory import Theorem

    (tmp_path / "my_theorems.py").write_text(_block("extend-example", "python"), encoding="utf-8")
    # A full report (no --only) of one toy theorem, written where the recipe writes: ./results
    toy = Theorem("readmetest.full", "x ≥ y", (XY,), "tests.numerics.report_fns:mostly_holds", "ours")
    monkeypatch.setattr(registry, "theorems", lambda: [toy])
    monkeypatch.setattr(registry, "get", lambda _id: toy)
    run_report("test", tmp_path / "results", extras=False, log=lambda s: None)
    monkeypatch.undo()
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "results").rglob("*") if p.is_file()}
    assert any(p.name == "report.md" for p in before) and any(p.name == "report.html" for p in before)

    for argv in _recipe_commands():
        done = _run(argv, tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        after = {p: (tmp_path / p).read_bytes() for p in before}
        assert after == before, "the recipe changed the full report"
        md = (tmp_path / "results" / "only-example.eps_rank_trace" / "report.md").read_text()
        assert "example.eps_rank_trace" in md and "readmetest.full" not in md

    # the same recipe around a theorem whose experiment raises: exit status 1 (a bad id's 2: test_cli)
    (tmp_path / "my_broken.py").write_text(
        "from theory import Theorem, register\nfrom tests.numerics.report_fns import XY\n"
        "register(Theorem('example.broken', 'broken', (XY,), 'tests.numerics.report_fns:raises', 'ours'))\n")
    python_line = _recipe_commands()[1]
    code = python_line[-1].replace("my_theorems", "my_broken").replace("example.eps_rank_trace", "example.broken")
    assert _run([sys.executable, "-c", code.replace("'--profile'", "'--strict', '--profile'")], tmp_path).returncode == 1
    assert {p: (tmp_path / p).read_bytes() for p in before} == before


def test_readme_analyze_example_runs_and_matches_epsilon_rank():
    import torch

    from numerics import ranks

    namespace: dict = {}
    exec(compile(_block("analyze-example", "python"), "README analyze-example", "exec"), namespace)
    df, net, x, q, history = (namespace[k] for k in ("df", "net", "x", "q", "history"))
    assert list(df["layer"]) == ["1", "3"] and set(history["step"]) == {0, 50, 100, 150}
    with torch.no_grad():
        feats = {"1": net[:2](x), "3": net[:4](x)}
    for row in df.itertuples():
        assert row.eps_rank == ranks.epsilon_rank(feats[row.layer], 1e-6, q.weights)
    assert bool(df["bounds_hold"].iloc[-1]) and df["thm3_3_tight_slack"].iloc[-1] >= 0


def test_readme_fences_close_and_no_section_renders_as_code():
    lines = README.read_text(encoding="utf-8").splitlines()
    inside, opened_at = False, None
    for i, line in enumerate(lines, 1):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            assert inside or stripped == "```" or re.fullmatch(r"```[a-z]+", stripped), f"line {i}: text after an opening fence: {line!r}"
            inside, opened_at = (not inside), i
            if not inside:
                assert stripped == "```", f"line {i}: a closing fence with text after it: {line!r}"
        elif "```" in line and not inside:
            assert line.count("`") % 2 == 0 and "``` " not in line, f"line {i}: a fence in running text: {line!r}"
        if line.startswith("## "):
            assert not inside, f"section {line!r} (line {i}) is inside the code block opened at line {opened_at}"
    assert not inside, f"the code block opened at line {opened_at} never closes"


def test_readme_and_makefile_do_not_claim_a_version_pin_selects_the_cpu_build():
    text = README.read_text(encoding="utf-8")
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "CPU torch 2.13.0 pinned" not in text and "CPU wheel;" not in make
    assert "TORCH_PIP_ARGS" in make and "TORCH_PIP_ARGS" in text
