"""The ``rankbounds`` command line (also ``python -m numerics``). Each subcommand is a module of this package
with ``register(subparsers)``; modules starting with ``_`` (the shared argument layer) are skipped.
The shared layer's readers and argparse types (`results_dir`, `seeds_from`, `positive_int`, ...) are
exported here.

Building the parser imports only argparse and the command modules, which import nothing heavy at
module level, so ``rankbounds --help`` and every ``--help`` run without torch, pandas or sympy.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.util
import pkgutil
import sys
from pathlib import Path

# The shared argument layer of every command (numerics/cli/_common.py), public under this package.
from numerics.cli._common import (PROFILE_NAMES, at_least, conventions_from, nonnegative_float, nonnegative_int,
                                  out_dir, positive_float, positive_int, results_dir, seeds_from)

__all__ = ["build_parser", "main", "PROFILE_NAMES", "results_dir", "seeds_from", "conventions_from", "positive_int",
           "nonnegative_int", "positive_float", "nonnegative_float", "at_least", "out_dir"]

_DESCRIPTION = """\
rankbounds checks theorems about rank in neural-network training: each theorem's bound is held
in sympy (package `theory`), the same quantities are measured on trained networks with torch
(package `numerics`), and every measurement is checked against the bound.

Typical use:
  rankbounds report --profile quick     every registered theorem, bound vs empirical (results/report.md)
  rankbounds theorems                   list registered theorems and their citations
  rankbounds ranks FILE.npy --eps 1e-6  every rank measure of a saved feature matrix
  rankbounds <command> --help           what each command does and its options

Results go under results/: the report at results/report.md, each paper's tables and figures in
results/<paper>_results/ (the same folder whether a paper's command or the report wrote them).
Errors in the arguments are one line naming the argument, exit status 2.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``rankbounds CMD: error: --arg: why``."""

    def error(self, message: str):  # noqa: D401 (argparse API)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from numerics import __version__

        parser.exit(0, f"rankbounds {__version__}\n")


class _OwnTheory(importlib.abc.MetaPathFinder):
    """Resolve ``import theory`` to the package beside `numerics`, not a ``theory/`` in the current folder.

    ``theory`` and ``numerics`` are this package's top-level names; a user's folder that holds a
    ``theory/`` of its own would otherwise shadow ours under ``python -m numerics`` (README "Layout").
    """

    def __init__(self, init: Path):
        self.init = init

    def find_spec(self, name, path=None, target=None):
        if name != "theory":
            return None
        return importlib.util.spec_from_file_location("theory", self.init, submodule_search_locations=[str(self.init.parent)])


def _use_own_theory() -> None:
    init = Path(__file__).resolve().parents[2] / "theory" / "__init__.py"
    if not init.exists() or any(isinstance(f, _OwnTheory) for f in sys.meta_path):
        return
    loaded = sys.modules.get("theory")
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() != init:
        raise SystemExit(f"rankbounds: error: `theory` is already imported from {loaded.__file__}, "
                         f"not from this package ({init.parent}); rename your own theory/ folder")
    sys.meta_path.insert(0, _OwnTheory(init))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rankbounds", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"numerics.cli.{info.name}")
        module.register(sub)
    return parser


_USER_ERRORS = (ValueError, TypeError, OSError)  # OSError: a missing, unwritable or clashing path


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status (0 ok, 1 a check failed or an experiment raised, 2 bad input).

    Nothing is raised for a usage error, ``--help`` or ``--version``: they return 2, 0 and 0, so
    ``raise SystemExit(main([...]))`` passes the status on.
    """
    _use_own_theory()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help/--version (0) or a usage error already printed (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        if hasattr(args, "plugin"):
            from numerics.plugins import load_plugins

            load_plugins(args.plugin)
        return int(args.func(args) or 0)
    except _USER_ERRORS as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"rankbounds {args.command}: error: {text}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
