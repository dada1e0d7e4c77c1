"""numerics.cli._common (exported by numerics.cli): the shared argument layer: --seeds/--n-seeds read the
same everywhere, the argparse types' one-line messages, --profile's names, and the result folders'
layout (a paper's command and the report share its folder, and no folder shadows a package)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

from numerics.cli import (PROFILE_NAMES, at_least, build_parser, conventions_from, nonnegative_float, nonnegative_int,
                          out_dir, positive_float, positive_int, results_dir, seeds_from)
from tests.numerics.readme_theorems import run_python as _run


def test_seeds_is_a_list_everywhere_and_n_seeds_a_shorthand():
    from numerics.cli.staircase import build_grid

    parse = build_parser().parse_args
    assert build_grid(parse(["staircase", "--profile", "test", "--seeds", "3", "5"])).seeds == (3, 5)
    assert build_grid(parse(["staircase", "--profile", "test", "--seeds", "3"])).seeds == (3,)  # a seed, not a count
    assert build_grid(parse(["staircase", "--profile", "test", "--seed", "4", "--n-seeds", "2"])).seeds == (4, 5)
    assert seeds_from(parse(["sweep", "m:f", "--seeds", "3", "5"])) == (3, 5)
    assert seeds_from(parse(["sweep", "m:f", "--seed", "1", "--n-seeds", "3"])) == (1, 2, 3)


def _layout_folders() -> set[str]:
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


def _subparsers():
    return next(a for a in build_parser()._actions if a.dest == "command").choices


def test_every_profile_option_offers_the_protocols_names():
    from numerics.experiment import PROFILE_NAMES as protocol

    assert PROFILE_NAMES == protocol  # the copy --help can import agrees with the harness
    offered = {cmd: tuple(a.choices) for cmd, p in _subparsers().items() for a in p._actions if a.dest == "profile"}
    assert {"bottleneck", "collapse", "methods", "report", "spikes", "staircase"} <= set(offered)
    assert all(names == protocol for names in offered.values()), offered


@pytest.mark.parametrize("parse, text, why", [
    (positive_int, "0", "must be an integer >= 1, got '0'"),
    (positive_int, "2.5", "must be an integer >= 1, got '2.5'"),
    (nonnegative_int, "-1", "must be an integer >= 0, got '-1'"),
    (positive_float, "0", "must be a number > 0, got '0'"),
    (positive_float, "nan", "must be a number > 0, got 'nan'"),  # NaN fails every comparison: caught explicitly
    (nonnegative_float, "-0.5", "must be a number >= 0, got '-0.5'"),
    (nonnegative_float, "x", "must be a number >= 0, got 'x'"),
    (at_least(2), "1", "must be an integer >= 2, got '1'"),
])
def test_number_types_reject_with_a_message_naming_the_value(parse, text, why):
    with pytest.raises(argparse.ArgumentTypeError) as info:
        parse(text)
    assert str(info.value) == why


def test_number_types_accept_their_boundaries():
    assert positive_int("1") == 1 and nonnegative_int("0") == 0 and at_least(2)("2") == 2
    assert nonnegative_float("0") == 0.0 and positive_float("1e-300") == 1e-300
    assert isinstance(positive_int("3"), int) and isinstance(positive_float("3"), float)


def test_out_dir_takes_a_new_or_existing_folder_but_not_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert out_dir(str(tmp_path)) == tmp_path and out_dir(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"
    with pytest.raises(argparse.ArgumentTypeError, match="is an existing file, not a folder"):
        out_dir(str(tmp_path / "f"))
    with pytest.raises(argparse.ArgumentTypeError, match="lies under .* which is an existing file"):
        out_dir(str(tmp_path / "f" / "sub"))


def test_seeds_may_not_repeat_and_conventions_expand_both():
    parse = build_parser().parse_args
    with pytest.raises(ValueError, match=r"--seeds must not repeat a seed, got \[2, 2\]"):
        seeds_from(parse(["sweep", "m:f", "--seeds", "2", "2"]))
    assert seeds_from(parse(["sweep", "m:f"])) is None
    assert conventions_from(parse(["methods", "--convention", "both"])) == ("integral", "paper")
    assert conventions_from(parse(["methods", "--convention", "paper"])) == ("paper",)
    assert conventions_from(argparse.Namespace()) is None
    assert results_dir("spikes") == Path("results") / "spikes_results"
