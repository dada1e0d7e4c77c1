"""Result files: atomic writes, and provenance carried inside every file.

Each writer goes to a temporary file in the target folder and renames it into place, so a killed
run never leaves a half-written result. Every file carries a provenance record: the configuration,
the seed, the package and library versions and the machine.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "provenance",
    "write_json",
    "write_table",
    "save_figure",
    "read_csv",
]

_UMASK = os.umask(0)
os.umask(_UMASK)
_LIBRARIES = ("rankbounds", "numpy", "scipy", "sympy", "torch", "pandas", "matplotlib", "hypothesis")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def _versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str | None:
    try:
        root = Path(__file__).resolve().parent.parent
        res = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if hasattr(value, "item") and callable(value.item):
        try:
            return _jsonable(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def provenance(config: Mapping[str, Any] | None = None, seed: Any = None) -> dict[str, Any]:
    """What produced a result: config, seed, versions, machine, time and git commit."""
    return {
        "config": _jsonable(dict(config or {})),
        "seed": _jsonable(seed),
        "versions": _versions(),
        "python": sys.version.split()[0],
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
    }


def write_json(path: str | os.PathLike, payload: Mapping[str, Any], *, config=None, seed=None) -> Path:
    """JSON with a top-level ``"provenance"`` record beside the payload."""
    doc = {"provenance": provenance(config, seed), **_jsonable(dict(payload))}
    return atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=False) + "\n")


def write_table(
    df, stem: str | os.PathLike, *, config=None, seed=None, formats=("csv", "md", "tex"), float_format="%.6g"
) -> dict[str, Path]:
    """Write a pandas table as CSV (data), Markdown (reports) and LaTeX (papers), each with provenance.

    CSV files start with one ``# provenance: {json}`` comment line; read them back with `read_csv`.
    """
    stem = Path(stem)
    prov = json.dumps(provenance(config, seed), sort_keys=True)
    out: dict[str, Path] = {}
    if "csv" in formats:
        body = df.to_csv(index=False, float_format=float_format)
        out["csv"] = atomic_write_text(stem.with_suffix(".csv"), f"# provenance: {prov}\n{body}")
    if "md" in formats:
        body = df.to_markdown(index=False, floatfmt=".4g")
        out["md"] = atomic_write_text(stem.with_suffix(".md"), f"<!-- provenance: {prov} -->\n{body}\n")
    if "tex" in formats:
        body = df.to_latex(index=False, float_format=lambda v: f"{v:.4g}", escape=True)
        out["tex"] = atomic_write_text(stem.with_suffix(".tex"), f"% provenance: {prov}\n{body}")
    return out


def read_csv(path: str | os.PathLike):
    """Read a CSV written by `write_table` (skips the provenance comment)."""
    import pandas as pd

    return pd.read_csv(path, skiprows=_provenance_lines(path), keep_default_na=False, na_values=[""])


def _provenance_lines(path) -> int:
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    return 1 if first.startswith("# provenance:") else 0


def read_provenance(path: str | os.PathLike) -> dict[str, Any]:
    """The provenance record of a CSV, Markdown, LaTeX, JSON or PNG result file."""
    path = Path(path)
    if path.suffix == ".json":
        return json.loads(path.read_text())["provenance"]
    if path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as im:
            return json.loads(im.text["provenance"])
    first = path.read_text(encoding="utf-8").splitlines()[0]
    for prefix, suffix in (("# provenance: ", ""), ("<!-- provenance: ", " -->"), ("% provenance: ", "")):
        if first.startswith(prefix):
            return json.loads(first[len(prefix) : len(first) - len(suffix)])
    raise ValueError(f"{path} carries no provenance line")


def save_figure(fig, path: str | os.PathLike, *, config=None, seed=None, dpi: int = 150) -> Path:
    """Save a matplotlib figure as PNG (Agg), atomically, with provenance in a PNG text chunk."""
    import io as _io

    buf = _io.BytesIO()
    meta = {"provenance": json.dumps(provenance(config, seed), sort_keys=True)}
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata=meta)
    return atomic_write_bytes(path, buf.getvalue())
