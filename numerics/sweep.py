"""Sweeps: a grid of configurations × seeds, cached per configuration, resumable, on any Executor.

Each configuration (grid values + seed + the function's name and source code) is hashed together
with the package version (`numerics.cache.key`); its result is written atomically to
``cache_dir/<hash>.json`` with a provenance record. A configuration whose file exists and parses is never run again, so a sweep that
was killed resumes where it stopped; a truncated or corrupt file is recomputed, with a warning.
Process-pool workers die with the sweep: a watchdog thread in each exits when its parent goes, and
a worker never writes a result once its parent is gone.

Work goes to a ``concurrent.futures.Executor``: a local process pool by default, or a Dask
cluster (``executor="dask"``, optional extra ``rankbounds[dask]``), or any Executor you pass.

The swept function is named as ``"module:function"`` (so worker processes can import it) and is
called as ``fn(**config, seed=seed)``; it returns a JSON-serialisable dict of results.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import inspect
import itertools
import marshal
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from numerics import cache
from numerics.progress import progress
from theory.registry import resolve

__all__ = ["Sweep", "config_key", "function_fingerprint", "resolve_function", "make_executor"]

EXECUTORS = ("process", "thread", "serial", "dask")


def resolve_function(spec: str) -> Callable[..., Mapping[str, Any]]:
    """Import ``"module:function"`` (`theory.registry.resolve`; its errors start with ``function``)."""
    return resolve(spec, what="function")


def function_fingerprint(spec: str) -> str:
    """sha256 of the source code of ``"module:function"`` (of its code object where no source exists).

    Only the function's own text: an edit to a helper it calls is not seen (the package version,
    also in the key, covers the package's own code at each release).
    """
    fn = resolve_function(spec)
    try:
        text = inspect.getsource(fn).encode()
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        # a partial or a callable instance has neither source nor code; its repr holds a memory
        # address, which would change the key every run, so such a function is keyed by its name
        text = marshal.dumps(code) if code is not None else spec.encode()
    return hashlib.sha256(text).hexdigest()


def config_key(function: str, config: Mapping[str, Any], seed: int, version: str | None = None,
               code: str | None = None) -> str:
    """The `numerics.cache.key` of (function, its code, config, seed), with the package version.

    ``code`` is the function's `function_fingerprint` (computed here when not given).
    """
    if code is None:
        code = function_fingerprint(function)
    return cache.key({"function": function, "code": code, "config": dict(config), "seed": seed}, version=version)


def _parent_alive(parent: int | None) -> bool:
    return parent is None or os.getppid() == parent


def _run_one(function: str, config: dict, seed: int, path: str, sweep_config: dict, parent: int | None = None) -> str:
    """Worker entry point: run one configuration and write its result file atomically.

    ``parent``: the sweep's pid when this runs in a pool worker; a result finished after the sweep
    died is dropped (the worker exits), so a resumed sweep never races an orphan for it.
    """
    fn = resolve_function(function)
    result = fn(**config, seed=seed)
    if not isinstance(result, Mapping):
        raise TypeError(f"{function} must return a dict, got {type(result).__name__}")
    if not _parent_alive(parent):
        os._exit(1)
    cache.store_json(path, {"function": function, "key": Path(path).stem, "params": config, "result": dict(result)},
                     config={**sweep_config, **config}, seed=seed)
    return path


def _die_with_parent(parent: int, interval: float = 0.1) -> None:
    """Pool-worker initializer: a daemon thread exits the process once its parent is gone (re-parented)."""

    def watch() -> None:
        while _parent_alive(parent):
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


class _SerialExecutor(cf.Executor):
    """Runs each task at submit time, in this process (debugging, and one-core machines)."""

    def submit(self, fn, /, *args, **kwargs):
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


def make_executor(kind: str = "process", workers: int | None = None) -> cf.Executor:
    """A ``concurrent.futures.Executor``: ``process`` (default), ``thread``, ``serial`` or ``dask``.

    ``dask`` starts a local ``distributed`` cluster; to use an existing cluster, pass
    ``distributed.Client(address).get_executor()`` to `Sweep.run` instead.
    """
    kind, workers = _executor_args(kind, workers)
    if kind == "process":
        import multiprocessing as mp

        return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                      initializer=_die_with_parent, initargs=(os.getpid(),))
    if kind == "thread":
        return cf.ThreadPoolExecutor(max_workers=workers)
    if kind == "serial":
        return _SerialExecutor()
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError("executor='dask' needs the optional extra: pip install 'rankbounds[dask]'") from exc
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    executor = client.get_executor()
    _close_with_executor(executor, client, cluster)
    return executor


def _executor_args(kind: Any, workers: Any) -> tuple[str, int]:
    if not isinstance(kind, str) or kind not in EXECUTORS:
        raise ValueError(f"executor must be one of {list(EXECUTORS)} or a concurrent.futures.Executor, got {kind!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    return kind, workers or max(1, (os.cpu_count() or 2))


def _close_with_executor(executor, client, cluster) -> None:
    shutdown = executor.shutdown

    def _shutdown(wait=True, **kw):
        shutdown(wait=wait)
        client.close()
        cluster.close()

    executor.shutdown = _shutdown


@dataclass
class Sweep:
    """A grid of configurations and seeds for one function.

    Args:
        function: ``"module:function"``, called as ``fn(**config, seed=seed) -> dict``.
        grid: parameter name -> list of values; the sweep runs their Cartesian product.
        seeds: the seeds each configuration runs with.
        cache_dir: where each configuration's ``<hash>.json`` goes.
    """

    function: str
    grid: Mapping[str, Iterable[Any]]
    seeds: Iterable[int]
    cache_dir: Path | str

    def __post_init__(self) -> None:
        resolve_function(self.function)
        if not isinstance(self.grid, Mapping):
            raise TypeError(f"grid must be a mapping of name -> list of values, got {type(self.grid).__name__}")
        self.grid = {str(k): list(v) for k, v in self.grid.items()}
        empty = [k for k, v in self.grid.items() if not v]
        if empty:
            raise ValueError(f"grid entries {empty} have no values")
        self.seeds = [int(s) for s in self.seeds]
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        self.cache_dir = Path(self.cache_dir)
        self.code = function_fingerprint(self.function)

    def configurations(self) -> list[tuple[str, dict[str, Any], int]]:
        """(key, config, seed) for every point of grid × seeds."""
        names = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[n] for n in names)):
            config = dict(zip(names, values))
            for seed in self.seeds:
                out.append((config_key(self.function, config, seed, code=self.code), config, seed))
        return out

    def path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.json"

    def _load(self, key: str) -> dict | None:
        """The cached result document, or None when it is missing or unreadable (then with a warning)."""
        return cache.load_json(self.path(key), what="sweep cache file",
                               valid=lambda doc: isinstance(doc.get("result"), dict) and doc.get("key", key) == key)

    def pending(self) -> list[tuple[str, dict[str, Any], int]]:
        """The configurations without a readable cached result."""
        return [c for c in self.configurations() if self._load(c[0]) is None]

    def run(self, executor: str | cf.Executor = "process", *, workers: int | None = None, quiet: bool = False) -> pd.DataFrame:
        """Run every configuration without a cached result; return all results as one table.

        A configuration that raises is reported after the others finish (its file is not written,
        so the next run retries it).
        """
        own = not isinstance(executor, cf.Executor)
        if own:
            _executor_args(executor, workers)  # reject bad arguments before anything touches the disk
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        todo = self.pending()
        ex = make_executor(executor, workers) if own else executor
        parent = os.getpid() if own and executor == "process" else None
        meta = {"function": self.function, "grid": self.grid, "seeds": self.seeds}
        failures: list[tuple[dict, int, BaseException]] = []
        try:
            futures = {ex.submit(_run_one, self.function, cfg, seed, str(self.path(key)), meta, parent): (cfg, seed)
                       for key, cfg, seed in todo}
            for fut in progress(cf.as_completed(futures), total=len(futures), desc=f"sweep {self.function}", quiet=quiet):
                try:
                    fut.result()
                except Exception as exc:  # keep the rest running; report below
                    failures.append((*futures[fut], exc))
        finally:
            if own:
                ex.shutdown(wait=True)
        if failures:
            lines = "; ".join(f"{cfg} seed={seed}: {type(exc).__name__}: {exc}" for cfg, seed, exc in failures[:5])
            raise RuntimeError(f"{len(failures)} of {len(todo)} configurations failed (finished ones are cached): {lines}")
        return self.results()

    def results(self) -> pd.DataFrame:
        """One row per finished configuration: its parameters, seed, key and result fields."""
        rows = []
        for key, cfg, seed in self.configurations():
            doc = self._load(key)
            if doc is not None:
                rows.append({**cfg, "seed": seed, "key": key, **doc["result"]})
        return pd.DataFrame(rows)
