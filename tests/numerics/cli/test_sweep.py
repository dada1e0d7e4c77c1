"""numerics.cli.sweep: `rankbounds sweep` writes its cache and table into --out, and a FUNCTION or grid
that does not fit is one error naming it, before anything runs."""

from __future__ import annotations

import pytest

from numerics.cli import main


def test_sweep_writes_into_out(tmp_path, capsys):
    import pandas as pd

    out = tmp_path / "sw"
    assert main(["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "width=4", "depth=1", "--seeds", "0", "1",
                 "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "results.csv")) == 2 and len(list(out.glob("*.json"))) == 2 + 1  # + sidecar
    capsys.readouterr()


@pytest.mark.parametrize("function, message", [
    ("nonexistent.module:fn", "function 'nonexistent.module:fn': no module named 'nonexistent' (searched sys.path)"),
    ("numerics.rank_table:no_such_fn", "function 'numerics.rank_table:no_such_fn': module 'numerics.rank_table' "
                                       "has no function 'no_such_fn'"),
    ("numerics.rank_table:EPS", "function 'numerics.rank_table:EPS' names a float, not a function"),
    ("no_colon", "function must be 'module:function', got 'no_colon'"),
    ("numerics.cli:build_parser", "function 'numerics.cli:build_parser' must take a "
                                "`seed` argument"),
])
def test_a_function_that_does_not_resolve_is_one_line_with_its_reason(function, message, tmp_path, capsys):
    assert main(["sweep", function, "--grid", "a=1", "--out", str(tmp_path / "o")]) == 2
    (err,) = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    # the reason once, after the command: no doubled prefix ("function: function '...'")
    assert err.startswith(f"rankbounds sweep: error: {message}"), err
    assert err.count("function") == message.count("function"), err
    assert not (tmp_path / "o").exists()


def test_grid_values_are_checked_against_the_annotations(tmp_path, capsys):
    out = str(tmp_path / "o")
    assert main(["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "width=4.5", "--out", out]) == 2
    assert "--grid width=4.5: numerics.rank_table:tanh_rank_point wants int for 'width', got 4.5" in capsys.readouterr().err
    assert main(["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "scale=big", "--out", out]) == 2
    assert "wants float for 'scale', got 'big'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
