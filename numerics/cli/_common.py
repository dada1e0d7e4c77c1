"""The argument layer every subcommand shares: --out, --seed/--seeds/--n-seeds, --quiet, --plugin,
and argparse types that turn a bad value into one line naming the argument (exit code 2).

Imports stay light (argparse and pathlib only): ``rankbounds --help`` imports every command module.

Output layout (README "Output layout"): every paper command writes into ``results/<paper>_results/``
by default, and the report puts each experiment in the same ``<paper>_results/`` folder under its own
``--out``; a folder name never equals an importable package (``results/bottleneck/`` would shadow the
``bottleneck`` library that pandas probes for).
"""

from __future__ import annotations

import argparse
from pathlib import Path

RESULTS = Path("results")


def results_dir(paper: str) -> Path:
    """The default output folder of a paper's command and of its experiments in the report."""
    return RESULTS / f"{paper}_results"


def _number(cast, low, strict, what):
    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if value != value or (low is not None and (value <= low if strict else value < low)):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    parse.__name__ = what  # argparse names the type in its "invalid <type> value" message
    return parse


positive_int = _number(int, 0, True, "an integer >= 1")
nonnegative_int = _number(int, 0, False, "an integer >= 0")
positive_float = _number(float, 0.0, True, "a number > 0")
nonnegative_float = _number(float, 0.0, False, "a number >= 0")


def at_least(low: int):
    """argparse type: an integer >= ``low``."""
    return _number(int, low, False, f"an integer >= {low}")


def out_dir(text: str) -> Path:
    """argparse type for --out: a folder that exists or can be created (not an existing file)."""
    path = Path(text)
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                what = "is" if parent == path else f"lies under {str(parent)!r}, which is"
                raise argparse.ArgumentTypeError(f"{text!r} {what} an existing file, not a folder")
            break
    return path


def add_out_option(p: argparse.ArgumentParser, default: str | Path | None, help: str = "folder for tables and figures") -> None:
    shown = "%(default)s" if default is not None else "see above"
    p.add_argument("--out", type=out_dir, default=None if default is None else Path(default), help=f"{help} (default: {shown})")


def add_common_options(p: argparse.ArgumentParser, *, default_out: str | Path = "results") -> None:
    add_out_option(p, default_out)
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="base random seed; runs are bit-reproducible on CPU (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def add_seeds_options(p: argparse.ArgumentParser, *, help_default: str) -> None:
    """--seeds S [S ...] (a list of seeds) and its shorthand --n-seeds K (seeds --seed, …, --seed+K−1).

    The one meaning of --seeds in every command; read them back with `seeds_from`.
    """
    g = p.add_mutually_exclusive_group()
    g.add_argument("--seeds", type=nonnegative_int, nargs="+", metavar="S",
                   help=f"the seeds to run, a list (default: {help_default})")
    g.add_argument("--n-seeds", type=positive_int, metavar="K",
                   help="shorthand for --seeds SEED SEED+1 ... SEED+K-1 (SEED from --seed, default 0)")


def seeds_from(args) -> tuple[int, ...] | None:
    """The seeds that --seeds / --n-seeds ask for, or None when neither is given."""
    if getattr(args, "seeds", None):
        if len(set(args.seeds)) != len(args.seeds):
            raise ValueError(f"--seeds must not repeat a seed, got {args.seeds}")
        return tuple(args.seeds)
    if getattr(args, "n_seeds", None):
        base = getattr(args, "seed", 0) or 0
        return tuple(range(base, base + args.n_seeds))
    return None


def add_convention_option(p: argparse.ArgumentParser, *, default: str | None, what: str) -> None:
    """--convention integral|paper|both: how the staircase paper's ε-rank is counted (numerics.quadrature.CONVENTIONS)."""
    shown = "%(default)s" if default is not None else "both"
    p.add_argument("--convention", choices=("integral", "paper", "both"), default=default,
                   help=f"measurement convention of {what}: integral = weights that integrate over the domain, "
                        "count lambda > eps; paper = eq. (4.1) as printed (uniform grid, weights 1/2, 1, ..., 1, 1/2, "
                        f"count |lambda| > eps); both = both from the same networks (default: {shown})")


def conventions_from(args) -> tuple[str, ...] | None:
    """The conventions that --convention asks for (``both`` = integral and paper), or None when not given."""
    if getattr(args, "convention", None) is None:
        return None
    return ("integral", "paper") if args.convention == "both" else (args.convention,)


def add_plugin_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="import MODULE first (repeatable): a module of your own that registers theorems "
                        "(modules listed under the `rankbounds.theorems` entry-point group load anyway)")


# `numerics.experiment.PROFILE_NAMES`, which --help cannot import (it imports pandas and sympy);
# tests/numerics/cli/test_common.py checks that the two agree.
PROFILE_NAMES = ("test", "quick", "paper")


def add_profile_option(p: argparse.ArgumentParser, default: str = "quick") -> None:
    """--profile, one of `PROFILE_NAMES` (`numerics.experiment`'s protocol)."""
    p.add_argument(
        "--profile",
        choices=PROFILE_NAMES,
        default=default,
        help="scale: test (seconds), quick (minutes, what `make report` runs), paper (the paper's settings)",
    )
