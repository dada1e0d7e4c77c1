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
