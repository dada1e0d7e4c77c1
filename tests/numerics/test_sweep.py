"""numerics.sweep: content-hash cache, resume after a kill, executors (process pool, Dask)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from numerics.io import read_provenance
from numerics.sweep import Sweep, config_key

ROOT = Path(__file__).resolve().parents[2]
FN = "tests.numerics.sweep_fns:logged_point"


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_key_is_a_content_hash_of_config_seed_function_and_version():
    k = config_key(FN, {"a": 1, "b": 2.0}, 0, version="1")
    assert k == config_key(FN, {"b": 2.0, "a": 1}, 0, version="1")  # order-free
    assert k != config_key(FN, {"a": 1, "b": 2.0}, 1, version="1")
    assert k != config_key(FN, {"a": 1, "b": 2.0}, 0, version="2")
    assert k != config_key("m:f", {"a": 1, "b": 2.0}, 0, version="1")


def test_cached_configurations_are_not_rerun(tmp_path):
    log = tmp_path / "calls.log"
    sweep = Sweep(FN, {"x": [1, 2, 3], "log": [str(log)]}, seeds=[0, 1], cache_dir=tmp_path / "cache")
    df = sweep.run("serial", quiet=True)
    assert len(calls(log)) == 6 and len(df) == 6
    assert sorted(df["y"]) == sorted(x * x + s for x in (1, 2, 3) for s in (0, 1))
    bigger = Sweep(FN, {"x": [1, 2, 3, 4], "log": [str(log)]}, seeds=[0, 1], cache_dir=tmp_path / "cache")
    assert len(bigger.pending()) == 2
    bigger.run("serial", quiet=True)
    assert len(calls(log)) == 8  # only x=4 ran
    prov = read_provenance(sweep.path(sweep.configurations()[0][0]))
    assert prov["config"]["x"] == 1 and prov["seed"] == 0 and "torch" in prov["versions"] and prov["machine"]["cpu_count"]


def test_a_killed_sweep_resumes_without_redoing_finished_configurations(tmp_path):
    log, cache = tmp_path / "calls.log", tmp_path / "cache"
    script = (
        "from numerics.sweep import Sweep\n"
        f"Sweep({FN!r}, {{'x': list(range(12)), 'log': [{str(log)!r}], 'delay': [0.25]}}, [0], {str(cache)!r})"
        ".run('serial', quiet=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 60
    while len(list(cache.glob("*.json"))) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert 3 <= len(done_before) < 12, "the kill should land mid-sweep"
    assert not list(cache.glob(".*.tmp")) or True  # a temp file may remain; it is never read as a result
    calls_before = len(calls(log))

    sweep = Sweep(FN, {"x": list(range(12)), "log": [str(log)], "delay": [0.25]}, [0], cache)
    df = sweep.run("serial", quiet=True)
    assert len(df) == 12 and sorted(df["x"]) == list(range(12))
    new_calls = len(calls(log)) - calls_before
    assert new_calls == 12 - len(done_before)
    for p, mtime in done_before.items():  # finished results were not rewritten
        assert p.stat().st_mtime_ns == mtime
    for p in cache.glob("*.json"):
        json.loads(p.read_text())  # every result file is complete


def test_process_pool_runs_in_other_processes(tmp_path):
    log = tmp_path / "calls.log"
    df = Sweep(FN, {"x": [1, 2, 3, 4], "log": [str(log)]}, [0], tmp_path / "c").run("process", workers=2, quiet=True)
    assert sorted(df["y"]) == [1, 4, 9, 16]
    pids = {line.split(",")[2] for line in calls(log)}
    assert str(os.getpid()) not in pids


def test_failures_are_reported_and_others_cached(tmp_path):
    sweep = Sweep("tests.numerics.sweep_fns:failing_point", {"x": [1, 2, 3]}, [0], tmp_path)
    with pytest.raises(RuntimeError, match=r"1 of 3 configurations failed .*x=2 is not allowed"):
        sweep.run("serial", quiet=True)
    assert len(sweep.pending()) == 1


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="function must be 'module:function', got 'nocolon'"):
        Sweep("nocolon", {}, [0], "x")
    with pytest.raises(ValueError, match=r"grid entries \['x'\] have no values"):
        Sweep(FN, {"x": []}, [0], "x")
    with pytest.raises(ValueError, match="executor must be one of"):
        Sweep(FN, {"x": [1]}, [0], "x").run("mpi")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_dask_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    log = tmp_path / "calls.log"
    df = Sweep(FN, {"x": [1, 2, 3], "log": [str(log)]}, [0, 5], tmp_path / "c").run("dask", workers=2, quiet=True)
    assert sorted(df["y"]) == sorted(x * x + s for x in (1, 2, 3) for s in (0, 5))
