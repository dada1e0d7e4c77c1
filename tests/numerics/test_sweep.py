"""numerics.sweep: content-hash cache (config, seed, source), resume after a kill, corrupt files, executors."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from numerics.io import read_provenance
from numerics.sweep import Sweep, config_key, function_fingerprint

ROOT = Path(__file__).resolve().parents[2]
FN = "tests.numerics.sweep_fns:logged_point"


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_key_is_a_content_hash_of_config_seed_function_code_and_version():
    k = config_key(FN, {"a": 1, "b": 2.0}, 0, version="1", code="c")
    assert k == config_key(FN, {"b": 2.0, "a": 1}, 0, version="1", code="c")  # order-free
    assert k != config_key(FN, {"a": 1, "b": 2.0}, 1, version="1", code="c")
    assert k != config_key(FN, {"a": 1, "b": 2.0}, 0, version="2", code="c")
    assert k != config_key("m:f", {"a": 1, "b": 2.0}, 0, version="1", code="c")
    assert k != config_key(FN, {"a": 1, "b": 2.0}, 0, version="1", code="d")
    assert config_key(FN, {"a": 1}, 0, version="1") == config_key(FN, {"a": 1}, 0, version="1", code=function_fingerprint(FN))


def test_editing_the_function_invalidates_its_cache(tmp_path, monkeypatch):
    """The key covers the function's source: an edit reruns everything, an unchanged re-import reruns nothing."""
    name = f"sweep_edit_{os.getpid()}_{time.monotonic_ns()}"
    module = tmp_path / f"{name}.py"
    module.write_text("def point(x, seed=0):\n    return {'y': x + 1}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)

    def fresh_sweep() -> Sweep:
        sys.modules.pop(name, None)
        importlib.invalidate_caches()
        return Sweep(f"{name}:point", {"x": [1, 2]}, [0], tmp_path / "cache")

    try:
        assert sorted(fresh_sweep().run("serial", quiet=True)["y"]) == [2, 3]
        assert fresh_sweep().pending() == []  # same source: cached
        module.write_text("def point(x, seed=0):\n    return {'y': x + 100}  # edited\n")
        edited = fresh_sweep()
        assert len(edited.pending()) == 2
        assert sorted(edited.run("serial", quiet=True)["y"]) == [101, 102]
    finally:
        sys.modules.pop(name, None)


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


def test_bad_arguments_are_named_and_create_no_folder(tmp_path):
    cache = tmp_path / "x"
    with pytest.raises(ValueError, match="function must be 'module:function', got 'nocolon'"):
        Sweep("nocolon", {}, [0], cache)
    with pytest.raises(ValueError, match=r"grid entries \['x'\] have no values"):
        Sweep(FN, {"x": []}, [0], cache)
    with pytest.raises(ValueError, match="executor must be one of .* got 'mpi'"):
        Sweep(FN, {"x": [1]}, [0], cache).run("mpi")
    with pytest.raises(ValueError, match="executor must be one of .* got 42"):
        Sweep(FN, {"x": [1]}, [0], cache).run(42)
    with pytest.raises(ValueError, match="workers must be a positive integer or None, got 0"):
        Sweep(FN, {"x": [1]}, [0], cache).run("process", workers=0)
    assert not cache.exists()


def _corrupt_three(sweep: Sweep) -> list[Path]:
    paths = [sweep.path(key) for key, _, _ in sweep.configurations()[:3]]
    paths[0].write_text(paths[0].read_text()[:40])  # truncated mid-write
    paths[1].write_bytes(b"\xff\xfe not json")
    paths[2].write_text(json.dumps([1, 2, 3]))  # parses, but is not a result
    return paths


def test_truncated_or_corrupt_cache_files_are_recomputed_with_a_warning(tmp_path):
    log = tmp_path / "calls.log"
    sweep = Sweep(FN, {"x": [1, 2, 3, 4], "log": [str(log)]}, [0], tmp_path / "cache")
    sweep.run("serial", quiet=True)
    bad = _corrupt_three(sweep)
    with pytest.warns(RuntimeWarning, match="will be recomputed"):
        df = sweep.results()
    assert len(df) == 1  # only the intact one
    with pytest.warns(RuntimeWarning, match="will be recomputed"):
        df = sweep.run("serial", quiet=True)
    assert sorted(df["y"]) == [1, 4, 9, 16] and len(calls(log)) == 4 + 3
    for p in bad:
        assert json.loads(p.read_text())["result"]["y"] in (1, 4, 9, 16)
    assert sweep.pending() == []


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the worker processes")
def test_killing_a_process_sweep_kills_its_workers_and_resume_does_no_work_twice(tmp_path):
    log, cache = tmp_path / "calls.log", tmp_path / "cache"
    grid = {"x": list(range(12)), "log": [str(log)], "delay": [0.4]}
    script = f"from numerics.sweep import Sweep\nSweep({FN!r}, {grid!r}, [0], {str(cache)!r}).run('process', workers=2, quiet=True)\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 120
        while len(list(cache.glob("*.json"))) < 3 and time.time() < deadline:
            time.sleep(0.05)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the sweep alone: its workers must notice
        proc.wait()
        assert workers, "the sweep should have started worker processes"
        deadline = time.time() + 10
        while any(_alive(p) for p in workers) and time.time() < deadline:
            time.sleep(0.05)
        assert not [p for p in workers if _alive(p)], "workers outlived the sweep"
        done = {p: p.stat().st_mtime_ns for p in cache.glob("*.json")}
        assert 3 <= len(done) < 12, "the kill should land mid-sweep"
        time.sleep(1.0)
        assert set(cache.glob("*.json")) == set(done), "a result was written after the sweep died"
        calls_before = len(calls(log))
        df = Sweep(FN, grid, [0], cache).run("serial", quiet=True)
        assert sorted(df["x"]) == list(range(12))
        assert len(calls(log)) - calls_before == 12 - len(done)  # each unfinished configuration once
        assert all(p.stat().st_mtime_ns == t for p, t in done.items())
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_dask_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    log = tmp_path / "calls.log"
    df = Sweep(FN, {"x": [1, 2, 3], "log": [str(log)]}, [0, 5], tmp_path / "c").run("dask", workers=2, quiet=True)
    assert sorted(df["y"]) == sorted(x * x + s for x in (1, 2, 3) for s in (0, 5))


def test_a_partial_has_a_stable_fingerprint():
    """A partial has no source and no code object: its key must not depend on its memory address."""
    import subprocess
    import sys

    spec = "tests.numerics.sweep_fns:scaled_by_three"
    cmd = [sys.executable, "-c", f"from numerics.sweep import function_fingerprint as f; print(f({spec!r}))"]
    other = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    assert function_fingerprint(spec) == other
    assert function_fingerprint(spec) != function_fingerprint("tests.numerics.sweep_fns:logged_point")
