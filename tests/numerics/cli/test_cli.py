"""numerics.cli (the top-level parser and main): fast --help of every command, one-line errors with status 2,
main returns the status, python -m numerics uses its own theory, and the package's exports. Each command's
own tests are in test_<command>.py, the shared argument layer's in test_common.py."""

from __future__ import annotations

import pytest

from numerics.cli import __all__ as exported
from numerics.cli import build_parser, main
from tests.numerics.readme_theorems import run_python as _run

COMMANDS = ("bottleneck", "collapse", "methods", "ranks", "report", "spikes", "staircase", "sweep", "theorems")


# ------------------------------------------------------------------------------------ 7: --help
def test_every_help_imports_no_torch_pandas_or_sympy(tmp_path):
    code = (
        "import sys, time\n"
        "t0 = time.perf_counter()\n"
        "from numerics.cli import main\n"
        f"codes = [main(['--help'])] + [main([c, '--help']) for c in {COMMANDS!r}]\n"
        "heavy = [m for m in ('torch', 'pandas', 'sympy', 'scipy.stats', 'matplotlib') if m in sys.modules]\n"
        "print(codes, heavy, f'{time.perf_counter() - t0:.2f}s')\n"
    )
    done = _run(["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    print("help of every command:", last)  # the time is reported, never asserted
    assert last.startswith(f"{[0] * (len(COMMANDS) + 1)} []"), last


def test_cli_help_lists_every_command_and_the_layout():
    text = build_parser().format_help()
    assert all(c in text for c in COMMANDS) and "results/<paper>_results/" in text


# --------------------------------------------------------------------------- 7: one-line errors
@pytest.mark.parametrize(
    "argv, names",
    [
        (["staircase", "--out", "{file}"], "--out"),
        (["sweep", "nonexistent.module:fn", "--grid", "a=1"], "function 'nonexistent.module:fn'"),
        (["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "width=notanumber"], "--grid width=notanumber"),
        (["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "nope=1"], "--grid nope"),
        (["staircase", "--width", "-5"], "argument --width: must be an integer >= 1, got '-5'"),
        (["staircase", "--width", "0"], "argument --width: must be an integer >= 1, got '0'"),
        (["bottleneck", "--depths", "1"], "argument --depths: must be an integer >= 2"),
        (["collapse", "--lambdas", "-1"], "argument --lambdas: must be a number >= 0"),
        (["staircase", "--seeds", "1", "--n-seeds", "2"], "--n-seeds"),
        (["report", "--plugin", "no_such_module_here", "--profile", "test"], "--plugin 'no_such_module_here'"),
        (["report", "--only", "nope.nothing", "--profile", "test"], "unknown theorem ids ['nope.nothing']"),
        (["ranks", "{missing}"], "does not exist"),
    ],
)
def test_user_errors_are_one_line_naming_the_argument_with_status_2(argv, names, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing_file").write_text("x")
    argv = [a.format(file=tmp_path / "existing_file", missing=tmp_path / "missing.npy") for a in argv]
    assert main(argv + (["--out", str(tmp_path / "o")] if argv[0] == "report" else [])) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and names in err[0], err
    assert not list(tmp_path.glob("results"))  # nothing written on bad input


def test_main_returns_the_status_instead_of_exiting(capsys):
    assert main(["--version"]) == 0 and main(["theorems", "--help"]) == 0
    assert main([]) == 2
    capsys.readouterr()


# ------------------------------------------------------------------- 8: python -m and theory/
def test_python_m_numerics_uses_its_own_theory_in_a_folder_with_a_theory_package(tmp_path):
    (tmp_path / "theory").mkdir()
    (tmp_path / "theory" / "__init__.py").write_text("raise ImportError('this is the user theory, not ours')\n")
    done = _run(["-m", "numerics", "theorems"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "staircase.thm3_3" in done.stdout
    # the clash the README documents: a plain import in that folder gets the user's package
    assert _run(["-c", "from theory import Bound"], tmp_path).returncode != 0

def test_the_exports_resolve_and_are_public():
    import numerics.cli

    assert {"build_parser", "main", "results_dir", "seeds_from", "positive_int", "PROFILE_NAMES"} <= set(exported)
    assert len(set(exported)) == len(exported)
    assert all(not name.startswith("_") and hasattr(numerics.cli, name) for name in exported)
