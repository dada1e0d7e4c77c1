"""``rankbounds sweep``: a grid × seeds over any function, cached, resumable, local or Dask."""

from __future__ import annotations

import argparse
import sys

from numerics.cli._common import add_out_option, add_seeds_options, nonnegative_int, positive_int


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
            "Rerunning the same command after an interruption runs only the unfinished configurations. "
            "The table of all results goes to OUT/results.{csv,md,tex}.\n\n"
            "Grid values are checked against FUNCTION's signature before anything runs: a name it does "
            "not take, or a value that is not of an annotated parameter's type, is an error (exit 2).\n\n"
            "Executors: process (default, a local process pool), thread, serial, dask (a local Dask "
            "cluster; needs `pip install 'rankbounds[dask]'`).\n\n"
            "Example:\n  rankbounds sweep numerics.rank_table:tanh_rank_point \\\n"
            "      --grid width=25,50,100 depth=1,2,4 scale=1,10 --seeds 0 1 2 --workers 2"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("function", help="'module:function', called as function(**config, seed=seed) -> dict")
    p.add_argument("--grid", nargs="+", type=_grid_item, default=[], metavar="NAME=V1,V2", help="grid axes")
    add_seeds_options(p, help_default="0")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="first seed of --n-seeds (default: %(default)s)")
    p.add_argument("--executor", choices=("process", "thread", "serial", "dask"), default="process")
    p.add_argument("--workers", type=positive_int, default=None, help="parallel workers (default: CPU count)")
    add_out_option(p, None, help="cache folder (default: results/sweep_results/<function>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _check_grid(function: str, grid: dict) -> None:
    """Resolve FUNCTION and check each grid value against its signature (ValueError naming the argument).

    A FUNCTION that does not resolve raises `numerics.sweep.resolve_function`'s ValueError as it is
    (``function 'module:function': ...``).
    """
    import inspect

    from numerics.sweep import resolve_function

    fn = resolve_function(function)
    try:
        sig = inspect.signature(fn, eval_str=True)
    except (TypeError, ValueError, NameError):
        return
    params = sig.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    if "seed" not in params and not takes_any:
        raise ValueError(f"function {function!r} must take a `seed` argument, its signature is {sig}")
    for name, values in grid.items():
        if name not in params:
            if takes_any:
                continue
            raise ValueError(f"--grid {name}: {function} takes no argument {name!r}; it takes {list(params)}")
        kind = params[name].annotation
        if kind in (int, float):
            for v in values:
                ok = isinstance(v, int) and not isinstance(v, bool) if kind is int else isinstance(v, (int, float)) and not isinstance(v, bool)
                if not ok:
                    raise ValueError(f"--grid {name}={v}: {function} wants {kind.__name__} for {name!r}, got {v!r}")


def run(args) -> int:
    from numerics.cli._common import results_dir, seeds_from

    grid = dict(args.grid)
    _check_grid(args.function, grid)
    from numerics.io import write_table
    from numerics.sweep import Sweep

    seeds = list(seeds_from(args) or [0])
    out = args.out or results_dir("sweep") / args.function.replace(":", ".")
    sweep = Sweep(args.function, grid, seeds, out)
    total, pending = len(sweep.configurations()), len(sweep.pending())
    print(f"{total} configurations, {total - pending} cached, {pending} to run -> {out}")
    try:
        df = sweep.run(args.executor, workers=args.workers, quiet=args.quiet)
    except RuntimeError as exc:  # some configurations raised; the finished ones are cached
        print(f"rankbounds sweep: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    write_table(df, out / "results", config={"function": args.function, "grid": grid}, seed=seeds)
    print(df.to_markdown(index=False, floatfmt=".4g"))
    return 0
