"""numerics.cache: the one content-hash key, atomic stores, and distrust of unreadable entries."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from numerics import cache

ROOT = Path(__file__).resolve().parents[2]
PARTS = {"function": "m:f", "config": {"width": 8, "lr": 1e-3, "eps": (1e-6, 1e-3), "schedule": None}, "seed": 0}


def test_key_is_the_sha256_of_the_canonical_json():
    # spelled out by hand: sorted keys, no whitespace, tuples as lists, the version among the parts
    text = '{"config":{"eps":[1e-06,0.001],"lr":0.001,"schedule":null,"width":8},"function":"m:f","seed":0,"version":"1"}'
    assert cache.canonical_json({**PARTS, "version": "1"}) == text
    assert cache.key(PARTS, version="1") == hashlib.sha256(text.encode()).hexdigest()[: cache.KEY_DIGITS]


def test_key_is_stable_across_processes_and_orders():
    """Another interpreter (other hash seed) and another insertion order give the same key."""
    reordered = {"seed": 0, "config": dict(reversed(list(PARTS["config"].items()))), "function": "m:f"}
    assert cache.key(reordered, version="1") == cache.key(PARTS, version="1")
    code = f"from numerics import cache; print(cache.key({PARTS!r}, version='1'))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120)
    assert out.stdout.strip() == cache.key(PARTS, version="1")


@pytest.mark.parametrize("change", [
    {"function": "m:g"},
    {"seed": 1},
    {"config": {**PARTS["config"], "width": 9}},
    {"config": {**PARTS["config"], "lr": 1e-3 + 1e-18}},  # the next float after 1e-3: no rounding in the key
    {"config": {**PARTS["config"], "eps": (1e-3, 1e-6)}},  # order inside a list matters
    {"config": {**PARTS["config"], "schedule": "cosine"}},
    {"config": {k: v for k, v in PARTS["config"].items() if k != "schedule"}},  # a removed field
    {"extra": 0},  # an added part
])
def test_any_changed_field_changes_the_key(change):
    assert cache.key({**PARTS, **change}, version="1") != cache.key(PARTS, version="1")


def test_the_version_is_in_the_key():
    from numerics import __version__

    assert cache.key(PARTS, version="1") != cache.key(PARTS, version="2")
    assert cache.key(PARTS) == cache.key(PARTS, version=__version__)
    with pytest.raises(ValueError, match="parts must not hold 'version'"):
        cache.key({**PARTS, "version": "1"})
    with pytest.raises(TypeError, match="parts must be a mapping"):
        cache.key([1, 2])


def test_numpy_and_torch_scalars_key_like_python_numbers():
    assert cache.key({"x": np.float64(0.5), "n": np.int64(3)}, version="1") == cache.key({"x": 0.5, "n": 3}, version="1")
    assert cache.key({"x": torch.tensor(0.5, dtype=torch.float64)}, version="1") == cache.key({"x": 0.5}, version="1")


def test_json_round_trip_with_provenance(tmp_path):
    path = tmp_path / "sub" / "entry.json"
    cache.store_json(path, {"result": {"y": 0.1, "ys": [1, 2]}}, config={"a": 1}, seed=3)
    doc = cache.load_json(path)
    assert doc["result"] == {"y": 0.1, "ys": [1, 2]}
    assert doc["provenance"]["config"] == {"a": 1} and doc["provenance"]["seed"] == 3
    assert [p.name for p in path.parent.iterdir()] == ["entry.json"]  # no temporary file left behind


def test_torch_round_trip_is_exact(tmp_path):
    path = tmp_path / "entry.pt"
    payload = {"w": torch.randn(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), "n": 3}
    cache.store_torch(path, payload)
    back = cache.load_torch(path)
    assert torch.equal(back["w"], payload["w"]) and back["w"].dtype == torch.float64 and back["n"] == 3


def test_a_failed_store_keeps_the_previous_entry(tmp_path):
    path = tmp_path / "entry.pt"
    cache.store_torch(path, {"n": 1})
    with pytest.raises(Exception):
        cache.store_torch(path, {"f": lambda: 0})  # cannot be pickled
    assert cache.load_torch(path) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["entry.pt"]


def test_a_missing_entry_is_none_without_a_warning(tmp_path, recwarn):
    assert cache.load_json(tmp_path / "none.json") is None
    assert cache.load_torch(tmp_path / "none.pt") is None
    assert cache.load(tmp_path / "none.csv", lambda p: p.read_text()) is None
    assert not recwarn.list


def test_truncated_or_corrupt_entries_are_not_trusted(tmp_path):
    good_json = tmp_path / "a.json"
    cache.store_json(good_json, {"result": {"y": 1}})
    good_pt = tmp_path / "a.pt"
    cache.store_torch(good_pt, {"w": torch.zeros(100)})
    cases = {
        "truncated.json": good_json.read_bytes()[:40],
        "garbage.json": b"\xff\xfe not json",
        "list.json": json.dumps([1, 2, 3]).encode(),  # parses, but is no entry
        "truncated.pt": good_pt.read_bytes()[:100],
        "empty.pt": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        loader = cache.load_json if name.endswith(".json") else cache.load_torch
        with pytest.warns(RuntimeWarning, match=f"{name} .*will be recomputed"):
            assert loader(tmp_path / name) is None


def test_an_entry_that_fails_its_check_is_not_trusted(tmp_path):
    path = tmp_path / "a.json"
    cache.store_json(path, {"key": "abc", "result": {"y": 1}})
    assert cache.load_json(path, valid=lambda d: d["key"] == "abc")["result"] == {"y": 1}
    with pytest.warns(RuntimeWarning, match="does not hold what was expected; it will be recomputed"):
        assert cache.load_json(path, valid=lambda d: d["key"] == "other") is None
    with pytest.warns(RuntimeWarning, match="my entry .*a.json is unreadable \\(KeyError"):
        assert cache.load(path, lambda p: json.loads(p.read_text())["absent"], what="my entry") is None


def test_no_other_module_hashes_its_own_cache_key():
    """One cache: only numerics.cache hashes keys (numerics.sweep hashes a function's source, its fingerprint)."""
    hashing = {p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "numerics").rglob("*.py"))
               if "hashlib" in p.read_text(encoding="utf-8")}
    assert hashing == {"numerics/cache.py", "numerics/sweep.py"}
