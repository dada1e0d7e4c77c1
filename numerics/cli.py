"""The ``rankbounds`` command line. Subcommands live in `numerics.commands`, one module each."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import numerics.commands as _commands

_DESCRIPTION = """\
rankbounds checks theorems about rank in neural-network training: each theorem's bound is held
in sympy (package `theory`), the same quantities are measured on trained networks with torch
(package `numerics`), and every measurement is checked against the bound.

Typical use:
  rankbounds report --profile quick     every registered theorem, bound vs empirical (results/report.md)
  rankbounds theorems                   list registered theorems and their citations
  rankbounds ranks FILE.npy --eps 1e-6  every rank measure of a saved feature matrix
  rankbounds <command> --help           what each command does and its options
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rankbounds", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    from numerics import __version__

    parser.add_argument("--version", action="version", version=f"rankbounds {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for info in sorted(pkgutil.iter_modules(_commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"numerics.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"rankbounds {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
