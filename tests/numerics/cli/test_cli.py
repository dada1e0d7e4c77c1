"""The command line as a new user meets it: fast --help, one meaning per option, one-line errors,
--out honoured, result folders that shadow nothing, python -m numerics, and a user's theorems."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from numerics.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
COMMANDS = ("bottleneck", "collapse", "methods", "ranks", "report", "spikes", "staircase", "sweep", "theorems")


def _run(argv, cwd, extra_path=()):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, extra_path)]), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _my_theorems(folder: Path) -> None:
    block = re.search(r"<!-- extend-example:start -->\n```python\n(.*?)```\n<!-- extend-example:end -->",
                      README.read_text(encoding="utf-8"), re.S)
    (folder / "my_theorems.py").write_text(block.group(1), encoding="utf-8")


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


def test_methods_ids_named_without_import_match_the_registry_of_methods():
    from numerics.cli.methods import EXPERIMENT_IDS
    from numerics.staircase.methods.experiment import EXPERIMENTS

    assert tuple(EXPERIMENTS) == EXPERIMENT_IDS


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


# ------------------------------------------------------------------------------- 7: --seeds
def test_seeds_is_a_list_everywhere_and_n_seeds_a_shorthand():
    from numerics.cli.staircase import build_grid

    parse = build_parser().parse_args
    assert build_grid(parse(["staircase", "--profile", "test", "--seeds", "3", "5"])).seeds == (3, 5)
    assert build_grid(parse(["staircase", "--profile", "test", "--seeds", "3"])).seeds == (3,)  # a seed, not a count
    assert build_grid(parse(["staircase", "--profile", "test", "--seed", "4", "--n-seeds", "2"])).seeds == (4, 5)
    from numerics.cli._common import seeds_from

    assert seeds_from(parse(["sweep", "m:f", "--seeds", "3", "5"])) == (3, 5)
    assert seeds_from(parse(["sweep", "m:f", "--seed", "1", "--n-seeds", "3"])) == (1, 2, 3)


# --------------------------------------------------------------------------------- 7: --out
def test_spikes_table_and_measure_write_into_out(tmp_path, capsys):
    from numerics.io import read_provenance

    out = tmp_path / "x"
    assert main(["spikes", "table", "--activation", "relu", "--kmax", "5", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "spikes_table_relu_windows.csv" in names and "spikes_table_relu_hermite.tex" in names
    import pandas as pd

    windows = pd.read_csv(out / "spikes_table_relu_windows.csv")
    assert list(windows["spikes"])[:2] == [1, 2] and read_provenance(out / "spikes_table_relu_windows.csv")["config"]["kmax"] == 5
    assert main(["spikes", "measure", "--activation", "tanh", "--n", "200", "--d", "100", "--alpha", "0.3",
                 "--out", str(out)]) == 0
    measured = pd.read_csv(out / "spikes_measure_tanh_n200_alpha0.3_seed0.csv")  # the whole stem, dots and all
    assert measured.loc[0, "n"] == 200 and measured.loc[0, "outliers"] >= 0
    capsys.readouterr()


def test_sweep_writes_into_out(tmp_path, capsys):
    import pandas as pd

    out = tmp_path / "sw"
    assert main(["sweep", "numerics.rank_table:tanh_rank_point", "--grid", "width=4", "depth=1", "--seeds", "0", "1",
                 "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "results.csv")) == 2 and len(list(out.glob("*.json"))) == 2 + 1  # + sidecar
    capsys.readouterr()


# --------------------------------------------------------------------------- 7/8: the layout
def _layout_folders() -> set[str]:
    from numerics.cli._common import results_dir
    from numerics.report import paper_folder, run_folder
    from theory import registry

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set()
    for cmd, p in sub.choices.items():
        for action in p._actions:
            if action.dest == "out" and action.default is not None and cmd != "report":
                assert Path(action.default).parent == Path("results"), (cmd, action.default)
                names.add(Path(action.default).name)
    names |= {paper_folder("results", t).name for t in registry.ids()}
    names |= {results_dir(k).name for k in ("sweep", "ranks", "methods")}
    names.add(run_folder("results", ["staircase.thm3_3"]).name)
    return names


def test_result_folders_cannot_shadow_an_importable_package(tmp_path):
    names = _layout_folders()
    assert {"staircase_results", "bottleneck_results", "spikes_results", "collapse_results", "methods_results"} <= names
    for name in names:
        assert not name.isidentifier() or importlib.util.find_spec(name) is None, name
    results = tmp_path / "results"
    for name in names:
        (results / name).mkdir(parents=True)
        (results / name / "x.csv").write_text("a\n1\n")
    done = _run(["-c", "import pandas, numpy; pandas.DataFrame({'a': [1.0]}).sum()"], results)
    assert done.returncode == 0, done.stderr[-1000:]


def test_standalone_command_and_report_share_the_paper_folder():
    from numerics.report import paper_folder

    parse = build_parser().parse_args
    for cmd, tid in (("staircase", "staircase.thm3_3"), ("bottleneck", "bottleneck.master_inequality"),
                     ("collapse", "collapse.weight_decay_rank"), ("spikes", "spikes.count")):
        argv = [cmd, "run"] if cmd == "spikes" else [cmd]
        assert parse(argv).out == paper_folder("results", tid)


# ------------------------------------------------------------------- 8: python -m and theory/
def test_python_m_numerics_uses_its_own_theory_in_a_folder_with_a_theory_package(tmp_path):
    (tmp_path / "theory").mkdir()
    (tmp_path / "theory" / "__init__.py").write_text("raise ImportError('this is the user theory, not ours')\n")
    done = _run(["-m", "numerics", "theorems"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "staircase.thm3_3" in done.stdout
    # the clash the README documents: a plain import in that folder gets the user's package
    assert _run(["-c", "from theory import Bound"], tmp_path).returncode != 0


# ------------------------------------------------------------------- 1: a user's theorems, three ways
def test_plugin_option_loads_a_users_module(tmp_path):
    _my_theorems(tmp_path)
    done = _run(["-m", "numerics", "theorems", "--plugin", "my_theorems", "--latex"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "example.eps_rank_trace" in done.stdout and r"\frac{T}{eps}" in done.stdout
    # `report --plugin` itself runs in tests/test_readme_example.py (the README's recipe)


def test_entry_point_group_loads_a_users_module(tmp_path):
    (tmp_path / "src").mkdir()
    _my_theorems(tmp_path / "src")
    dist = tmp_path / "src" / "my_theorems_pkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-theorems-pkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[rankbounds.theorems]\nmine = my_theorems\n")
    done = _run(["-m", "numerics", "theorems"], tmp_path, extra_path=[tmp_path / "src"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "example.eps_rank_trace" in done.stdout


def test_pytest_option_puts_a_users_theorem_under_the_generic_test(tmp_path):
    _my_theorems(tmp_path)
    argv = ["-m", "pytest", str(ROOT / "tests" / "test_registered_theorems.py"), "-q", "-p", "no:cacheprovider",
            "-k", "example", "--rankbounds-plugin", "my_theorems"]
    done = _run(argv, tmp_path, extra_path=[tmp_path])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout[-1000:]


def test_pytest_option_naming_a_missing_module_is_a_usage_error():
    from types import SimpleNamespace

    from numerics.pytest_plugin import pytest_configure

    config = SimpleNamespace(getoption=lambda name: ["no_such_theorems"] if name == "rankbounds_plugins" else None)
    with pytest.raises(pytest.UsageError, match="--rankbounds-plugin 'no_such_theorems': no module named"):
        pytest_configure(config)


# ------------------------------------------------------------ activation choices agree with their tables
def test_activation_choices_are_the_tables_names(capsys):
    """staircase: the engine table (`numerics.activations`); spikes: the names of theory.spikes, which
    numerics.spikes.measure builds its centred activations for (--help cannot import either table's module)."""
    import theory.spikes
    from numerics.activations import NAMES
    from numerics.spikes.measure import activation

    assert main(["staircase", "--help"]) == 0
    assert "--activation {" + ",".join(NAMES) + "}" in capsys.readouterr().out
    spikes = tuple(theory.spikes.ACTIVATIONS)
    assert main(["spikes", "--help"]) == 0
    assert "--activation {" + ",".join(spikes) + "}" in capsys.readouterr().out
    assert [activation(name).name for name in spikes] == list(spikes)
    with pytest.raises(ValueError, match=re.escape(f"activation must be one of {list(spikes)}")):
        activation("elu")
