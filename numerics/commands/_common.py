"""Options every long-running subcommand shares."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_common_options(p: argparse.ArgumentParser, *, default_out: str = "results") -> None:
    p.add_argument("--out", type=Path, default=Path(default_out), help="folder for tables and figures (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="base random seed; runs are bit-reproducible on CPU (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def add_profile_option(p: argparse.ArgumentParser, default: str = "quick") -> None:
    p.add_argument(
        "--profile",
        choices=("test", "quick", "paper"),
        default=default,
        help="scale: test (seconds), quick (minutes, what `make report` runs), paper (the paper's settings)",
    )
