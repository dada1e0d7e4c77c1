"""``rankbounds sweep``: a grid × seeds over any function, cached, resumable, local or Dask."""

from __future__ import annotations

import argparse
from pathlib import Path


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _grid_item(text: str) -> tuple[str, list]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"grid entries look like name=v1,v2,...; got {text!r}")
    name, values = text.split("=", 1)
    return name, [_value(v) for v in values.split(",") if v != ""]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a function over a grid of configurations and seeds (cached, resumable, local or Dask)",
        description=(
            "Run FUNCTION (a 'module:function' returning a dict) on every point of the grid × seeds. "
            "Each configuration's result is cached in OUT as <hash>.json, keyed by a content hash of the "
            "function, configuration, seed and package version, written atomically with provenance. "
            "Rerunning the same command after an interruption runs only the unfinished configurations.\n\n"
            "Executors: process (default, a local process pool), thread, serial, dask (a local Dask "
            "cluster; needs `pip install 'rankbounds[dask]'`).\n\n"
            "Example:\n  rankbounds sweep numerics.rank_table:tanh_rank_point \\\n"
            "      --grid width=25,50,100 depth=1,2,4 scale=1,10 --seeds 0 1 2 --workers 2"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("function", help="'module:function', called as function(**config, seed=seed) -> dict")
    p.add_argument("--grid", nargs="+", type=_grid_item, default=[], metavar="NAME=V1,V2", help="grid axes")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds for every configuration (default: 0)")
    p.add_argument("--executor", choices=("process", "thread", "serial", "dask"), default="process")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    p.add_argument("--out", type=Path, default=None, help="cache folder (default: results/sweeps/<function>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from numerics.io import write_table
    from numerics.sweep import Sweep

    out = args.out or Path("results") / "sweeps" / args.function.replace(":", ".")
    sweep = Sweep(args.function, dict(args.grid), args.seeds, out)
    total, pending = len(sweep.configurations()), len(sweep.pending())
    print(f"{total} configurations, {total - pending} cached, {pending} to run -> {out}")
    df = sweep.run(args.executor, workers=args.workers, quiet=args.quiet)
    write_table(df, out / "results", config={"function": args.function, "grid": dict(args.grid)}, seed=args.seeds)
    print(df.to_markdown(index=False, floatfmt=".4g"))
    return 0
