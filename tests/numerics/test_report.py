"""numerics.report and `rankbounds report`: violations and errors are reported, never hidden."""

from __future__ import annotations

import pytest

from numerics.cli import main
from numerics.io import read_provenance
from numerics.report import run_folder, run_report
from tests.numerics.report_fns import XY
from theory import Theorem, register, registry


@pytest.fixture
def toy_theorems():
    ok = register(Theorem("reporttest.toy", "x ≥ y", (XY,), "tests.numerics.report_fns:mostly_holds", "ours"))
    bad = register(Theorem("reporttest.broken", "broken", (XY,), "tests.numerics.report_fns:raises", "ours"))
    yield ok, bad
    registry.unregister(ok.id)
    registry.unregister(bad.id)


def test_report_shows_violations_errors_and_comparison(toy_theorems, tmp_path):
    only = ["reporttest.toy", "reporttest.broken"]
    outcomes = run_report("test", tmp_path, only=only, extras=False, log=lambda s: None)
    folder = run_folder(tmp_path, only)
    by_id = {o.theorem_id: o for o in outcomes}
    assert by_id["reporttest.toy"].status == "1 violations"
    assert by_id["reporttest.toy"].summary.iloc[0]["min_slack"] == pytest.approx(-0.5)
    assert by_id["reporttest.broken"].status == "error"
    md = (folder / "report.md").read_text()
    assert "this experiment is broken on purpose" in md
    assert "| toy quantity" in md and "1.5" in md  # ratio ours/paper
    assert "> one point violates" in md
    assert read_provenance(folder / "report.md")["config"]["profile"] == "test"
    assert read_provenance(folder / "report_summary.csv")["seed"] == 0


def test_cli_exit_codes(toy_theorems, tmp_path):
    assert main(["report", "--profile", "test", "--out", str(tmp_path), "--quiet", "--only", "reporttest.toy"]) == 0
    assert main(["report", "--profile", "test", "--out", str(tmp_path), "--quiet", "--only", "reporttest.toy", "--strict"]) == 1
    assert main(["report", "--profile", "test", "--out", str(tmp_path), "--quiet", "--only", "reporttest.broken"]) == 1


def test_unknown_theorem_id_is_named(tmp_path, capsys):
    assert main(["report", "--profile", "test", "--out", str(tmp_path), "--only", "nope.nothing"]) == 2
    assert "unknown theorem ids ['nope.nothing']" in capsys.readouterr().err


def test_tables_round_trip_with_provenance_and_keep_na_strings(tmp_path):
    import pandas as pd

    from numerics.io import read_csv, write_table

    df = pd.DataFrame({"quantity": ["a", "b"], "ours": [1.5, None], "reproduced": ["n/a", "yes"]})
    paths = write_table(df, tmp_path / "t", config={"k": 1}, seed=3)
    back = read_csv(paths["csv"])
    assert list(back["reproduced"]) == ["n/a", "yes"] and back["ours"].isna().tolist() == [False, True]
    for kind in ("csv", "md", "tex"):
        assert read_provenance(paths[kind])["config"] == {"k": 1}


def test_atomic_writes_leave_ordinary_permissions_and_no_temp_files(tmp_path):
    from numerics.io import atomic_write_text

    path = atomic_write_text(tmp_path / "a" / "x.txt", "hello")
    assert path.read_text() == "hello"
    assert path.stat().st_mode & 0o644 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["x.txt"]


# ------------------------------------------------------------------ 4: the report hides nothing
@pytest.fixture
def numbers_theorem():
    t = register(Theorem("reporttest.numbers", "x ≥ y", (XY,), "tests.numerics.report_fns:paper_numbers", "ours"))
    yield t
    registry.unregister(t.id)


def test_summary_counts_bounds_and_paper_numbers_per_theorem(numbers_theorem, tmp_path):
    import pandas as pd

    outcomes = run_report("test", tmp_path, only=[numbers_theorem.id], extras=False, log=lambda s: None)
    assert [o.status for o in outcomes] == ["holds"]
    folder = run_folder(tmp_path, [numbers_theorem.id])
    summary = pd.read_csv(folder / "report_summary.csv")
    row = summary[summary["theorem"] == numbers_theorem.id].iloc[0]
    assert (row["bounds"], row["bounds_violated"], row["points"], row["violations"]) == (1, 0, 2, 0)
    assert (row["reproduced"], row["not_reproduced"], row["not_comparable"]) == (1, 2, 1)
    assert summary.iloc[-1]["theorem"] == "total" and summary.iloc[-1]["not_reproduced"] == 2
    md = (folder / "report.md").read_text()
    assert "Paper numbers: 1 reproduced, 2 not reproduced, 1 not comparable." in md
    # the criterion is in the comparison table's caption, each stated once
    caption = next(line for line in md.splitlines() if line.startswith("**Ours beside the paper's.**"))
    assert "Reproduced when: ours ≥ 0.9 × paper's; within a factor 5." in caption and "1 row(s) state no criterion" in caption
    html = (folder / "report.html").read_text()
    assert '<table class="dataframe"><caption>Ours beside the paper\'s. 1 reproduced, 2 not reproduced' in html


def test_comparison_without_a_criterion_column_says_so(toy_theorems, tmp_path):
    from numerics.report import comparison_caption
    import pandas as pd

    df = pd.DataFrame({"quantity": ["a"], "paper": [1.0], "ours": [2.0], "ratio": [2.0], "settings": [""], "reproduced": ["yes"]})
    assert comparison_caption(df).endswith("Reproduction criterion: not stated by this experiment.")


def test_html_typesets_statements_as_inline_svg_and_fetches_nothing(numbers_theorem, tmp_path):
    import re

    run_report("test", tmp_path, only=[numbers_theorem.id], extras=False, log=lambda s: None)
    html = (run_folder(tmp_path, [numbers_theorem.id]) / "report.html").read_text()
    statements = re.findall(r"<div class='math' role='math' aria-label='([^']*)'><svg", html)
    assert statements == ["x \\geq y"], statements  # one typeset statement per bound
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # the SVGs' glyph ids never clash
    assert not re.search(r"<script|<link|@import|(src|href)=[\"']?(https?:)?//", html, re.I)


def test_only_never_overwrites_a_fuller_report(toy_theorems, tmp_path, monkeypatch):
    ok, _ = toy_theorems
    monkeypatch.setattr(registry, "theorems", lambda: [ok])
    run_report("test", tmp_path, extras=False, log=lambda s: None)
    monkeypatch.undo()
    before = {p: p.read_bytes() for p in tmp_path.glob("report*")}
    assert main(["report", "--profile", "test", "--out", str(tmp_path), "--quiet", "--only", ok.id]) == 0
    assert {p: p.read_bytes() for p in tmp_path.glob("report*")} == before
    assert (run_folder(tmp_path, [ok.id]) / "report.md").exists()


def test_experiment_result_has_a_readable_html_repr():
    from tests.numerics.report_fns import mostly_holds

    h = mostly_holds("test")._repr_html_()
    assert "<b>reporttest.toy</b>: 3 checks, 1 violations" in h and "<table" in h
    assert "0 reproduced, 1 not reproduced, 0 not comparable" in h and "<blockquote>one point violates</blockquote>" in h


def test_theorem_outcome_has_a_readable_html_repr(numbers_theorem, tmp_path):
    [o] = run_report("test", tmp_path, only=[numbers_theorem.id], extras=False, log=lambda s: None)
    h = o._repr_html_()
    assert h.startswith("<p><b>reporttest.numbers</b>: holds") and "<caption>Ours beside the paper's. 1 reproduced" in h


# ------------------------------------------------------------ extra sections, found by module name
def test_sections_come_from_the_modules_that_hold_them():
    from numerics.report import report_sections, section_modules

    modules = section_modules()
    assert modules[0] == "numerics.rank_table"
    assert "numerics.staircase.methods.experiment" in modules and "numerics.staircase.experiment" in modules
    keys = [(s["key"], s["module"]) for s in report_sections()]
    assert keys == [("rank measures", "numerics.rank_table"), ("staircase methods §4", "numerics.staircase.methods.experiment")]


def test_report_module_names_no_paper():
    import ast
    import pkgutil
    from pathlib import Path

    import numerics
    import numerics.report

    papers = [m.name for m in pkgutil.iter_modules(numerics.__path__) if m.ispkg and m.name != "cli"]
    assert {"staircase", "bottleneck", "spikes", "collapse"} <= set(papers)
    tree = ast.parse(Path(numerics.report.__file__).read_text(encoding="utf-8"))
    named = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    named += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    named += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [s for s in named for p in papers if f"numerics.{p}" in s]


def test_sections_run_into_their_folders_and_an_error_is_reported(tmp_path):
    from numerics.report import render_markdown, report_sections, run_sections, overview_table

    logs = []
    sections = run_sections(report_sections(["tests.numerics.report_fns"]), "test", tmp_path, 3, True, logs.append)
    toy, broken = sections
    assert (tmp_path / "toy_results" / "marker.txt").read_text() == "test"
    assert list(toy["tables"]["toy"]["seed"]) == [3] and toy["notes"] == ["a toy note"] and "error" not in toy
    assert "this section is broken on purpose" in broken["error"] and broken["tables"] == {}
    assert logs[0] == "[report] toy: running tests.numerics.report_fns:section_table"
    overview = overview_table([], sections)
    assert list(overview["theorem"]) == ["(broken)", "total"] and overview.iloc[-1]["status"] == "1 errors"
    md = render_markdown([], sections, {"config": {"profile": "test"}, "seed": 3, "versions": {k: "x" for k in (
        "rankbounds", "torch", "sympy", "numpy")}, "machine": {"platform": "p", "cpu_count": 1}, "created": "now",
        "git_commit": None}, tmp_path)
    assert "## Toy section" in md and "> a toy note" in md and "## Broken section" in md


def test_a_malformed_section_is_named():
    import types
    import sys

    from numerics.report import report_sections

    module = types.ModuleType("bad_sections")
    module.REPORT_SECTIONS = ({"title": "no run", "key": "k", "folder": "f"},)
    sys.modules["bad_sections"] = module
    try:
        with pytest.raises(ValueError, match=r"bad_sections.REPORT_SECTIONS\[0\] must be a dict"):
            report_sections(["bad_sections"])
    finally:
        del sys.modules["bad_sections"]
