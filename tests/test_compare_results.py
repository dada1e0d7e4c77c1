"""scripts/compare_results.py: the before/after check of `make report` tables (issue 14)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_SPEC = importlib.util.spec_from_file_location("compare_results", Path(__file__).resolve().parents[1] / "scripts" / "compare_results.py")
compare_results = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(compare_results)


def _write(root: Path, rel: str, frame: pd.DataFrame) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


@pytest.fixture
def table():
    return pd.DataFrame({"step": [0, 1, 2], "loss": [1.0, 0.5, np.nan], "reproduced": ["yes", None, "no"],
                         "seconds_train": [0.1, 0.2, 0.3]})


def test_identical_folders_pass_and_hashed_cache_names_match(tmp_path, table):
    _write(tmp_path / "a", "p_results/traj.csv", table)
    _write(tmp_path / "a", "p_results/runs/mlp_L2_0123456789.csv", table)
    _write(tmp_path / "b", "p_results/traj.csv", table.assign(seconds_train=[9.0, 9.0, 9.0]))  # timing differs only
    _write(tmp_path / "b", "p_results/runs/mlp_L2_abcdefabcd.csv", table)
    out = compare_results.compare_dirs(tmp_path / "a", tmp_path / "b")
    assert out.status.tolist() == ["identical", "identical"]
    assert compare_results.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 0


def test_a_changed_number_a_changed_word_a_lost_column_and_a_lost_table_are_reported(tmp_path, table):
    _write(tmp_path / "a", "x.csv", table)
    _write(tmp_path / "a", "gone.csv", table)
    changed = table.copy()
    changed.loc[1, "loss"] = 0.5 * (1 + 1e-15)
    changed.loc[2, "reproduced"] = "yes"
    _write(tmp_path / "b", "x.csv", changed.drop(columns=["step"]))
    out = compare_results.compare_dirs(tmp_path / "a", tmp_path / "b").set_index("table")
    assert out.loc["gone", "status"] == "only before"
    row = out.loc["x"]
    assert row.status == "differs" and row.cells_differ == 2
    assert 0 < row.max_rel_diff < 1e-14
    assert "columns only before: ['step']" in row.detail and "'loss'" in row.detail and "'reproduced'" in row.detail
    assert compare_results.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 1


def test_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        compare_results.main([str(tmp_path / "nope"), str(tmp_path)])
    assert exc.value.code == 2 and "before must be a results folder" in capsys.readouterr().err
