"""The content-hash cache: one key function and atomic, distrustful load/store helpers.

Every cache in the package (the sweep's per-configuration ``<key>.json``, the staircase's per-group
runs, the bottleneck's trained models) names an entry by `key`: the sha256 of the canonical JSON of
the parts that determine the result, the package version among them. An entry is written
atomically (`numerics.io`), so a stopped run leaves either the whole file or none; a file that is
present but cannot be read or fails its check is reported with a ``RuntimeWarning`` and treated as
missing, so the caller recomputes it rather than trusting it.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from numerics.io import _jsonable, atomic_write_bytes, write_json

__all__ = ["KEY_DIGITS", "canonical_json", "key", "load", "load_json", "store_json", "load_torch", "store_torch"]

KEY_DIGITS = 20
T = TypeVar("T")


def canonical_json(parts: Mapping[str, Any]) -> str:
    """``parts`` as JSON with sorted keys, no whitespace, tuples as lists and numpy/torch scalars as Python numbers."""
    if not isinstance(parts, Mapping):
        raise TypeError(f"parts must be a mapping of name -> value, got {type(parts).__name__}")
    return json.dumps(_jsonable(dict(parts)), sort_keys=True, separators=(",", ":"))


def key(parts: Mapping[str, Any], *, version: str | None = None) -> str:
    """sha256(canonical_json({**parts, "version": version})), its first `KEY_DIGITS` hex digits.

    ``version`` defaults to the installed package's: a new release invalidates every entry, which
    covers edits to code that the parts do not name.
    """
    if not isinstance(parts, Mapping):
        raise TypeError(f"parts must be a mapping of name -> value, got {type(parts).__name__}")
    if version is None:
        from numerics import __version__ as version
    if "version" in parts:
        raise ValueError(f"parts must not hold 'version' (pass version=...), got {dict(parts)!r}")
    text = canonical_json({**parts, "version": version})
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_DIGITS]


def load(path: str | os.PathLike, read: Callable[[Path], T], *, valid: Callable[[T], bool] | None = None,
         what: str = "cache file") -> T | None:
    """``read(path)``, or None when the file is missing, unreadable or fails ``valid`` (then with a warning)."""
    path = Path(path)
    try:
        value = read(path)
    except FileNotFoundError:
        return None
    except Exception as exc:  # truncated, corrupt, wrong format: whatever the reader raises
        warnings.warn(f"{what} {path} is unreadable ({type(exc).__name__}: {exc}); it will be recomputed",
                      RuntimeWarning, stacklevel=3)
        return None
    if valid is not None and not valid(value):
        warnings.warn(f"{what} {path} does not hold what was expected; it will be recomputed",
                      RuntimeWarning, stacklevel=3)
        return None
    return value


def load_json(path: str | os.PathLike, *, valid: Callable[[dict], bool] | None = None,
              what: str = "cache file") -> dict | None:
    """A JSON object written by `store_json`, or None (missing, corrupt, not an object, or ``valid`` false)."""

    def check(doc: Any) -> bool:
        return isinstance(doc, dict) and (valid is None or bool(valid(doc)))

    return load(path, lambda p: json.loads(p.read_text(encoding="utf-8")), valid=check, what=what)


def store_json(path: str | os.PathLike, payload: Mapping[str, Any], *, config=None, seed=None) -> Path:
    """Write ``payload`` atomically as JSON with its provenance record (`numerics.io.write_json`)."""
    return write_json(path, payload, config=config, seed=seed)


def load_torch(path: str | os.PathLike, *, weights_only: bool = True, valid: Callable[[Any], bool] | None = None,
               what: str = "cache file") -> Any | None:
    """An object written by `store_torch`, or None (missing, corrupt, or ``valid`` false)."""
    import torch

    return load(path, lambda p: torch.load(p, weights_only=weights_only), valid=valid, what=what)


def store_torch(path: str | os.PathLike, obj: Any) -> Path:
    """``torch.save(obj)`` written atomically (serialised in memory, then `numerics.io.atomic_write_bytes`)."""
    import torch

    buf = _io.BytesIO()
    torch.save(obj, buf)
    return atomic_write_bytes(path, buf.getvalue())
