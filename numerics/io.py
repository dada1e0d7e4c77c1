"""Result files: atomic writes, provenance beside every file, and LaTeX tables that pdflatex compiles.

Each writer goes to a temporary file in the target folder and renames it into place, so a killed
run never leaves a half-written result. Every result has a provenance record: the configuration,
the seed, the package and library versions and the machine. A table's record is the sidecar
``<stem>.provenance.json``, so its CSV stays plain data; JSON files hold it under ``"provenance"``
and PNGs in a text chunk.
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
    "read_provenance",
    "provenance_path",
    "latex_text",
    "latex_table",
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


def provenance_path(path: str | os.PathLike) -> Path:
    """The sidecar that holds a result's provenance: ``<stem>.provenance.json`` beside ``<stem>.csv/.md/.tex``."""
    path = Path(path)
    name = path.name
    if name.endswith(".provenance.json"):
        return path
    stem = name[: -len(path.suffix)] if path.suffix else name
    return path.with_name(f"{stem}.provenance.json")


def write_table(
    df,
    stem: str | os.PathLike,
    *,
    config=None,
    seed=None,
    formats=("csv", "md", "tex"),
    float_format="%.6g",
    caption: str | None = None,
    tex_columns: list[str] | None = None,
) -> dict[str, Path]:
    """Write a pandas table as CSV (data), Markdown (reports) and LaTeX (papers); provenance in a sidecar.

    The CSV is plain data that a bare ``pandas.read_csv`` reads; the provenance record (config, seed,
    versions, machine, time, commit) goes to ``<stem>.provenance.json`` (`read_provenance` reads it
    for any of the files). The ``.tex`` file is a booktabs tabular that pdflatex compiles (see
    `latex_table`); ``tex_columns`` picks a readable subset of columns for it, ``caption`` wraps it in
    a ``table`` float.
    """
    stem = Path(stem)
    path = {ext: stem.with_name(f"{stem.name}.{ext}") for ext in ("csv", "md", "tex")}  # a stem may hold dots
    sidecar = provenance_path(path["csv"])
    prov = provenance(config, seed)
    prov_line = json.dumps(prov, sort_keys=True)
    out: dict[str, Path] = {"provenance": atomic_write_text(sidecar, json.dumps(prov, indent=1, sort_keys=True) + "\n")}
    if "csv" in formats:
        out["csv"] = atomic_write_text(path["csv"], df.to_csv(index=False, float_format=float_format))
    if "md" in formats:
        body = df.to_markdown(index=False, floatfmt=".4g")
        out["md"] = atomic_write_text(path["md"], f"<!-- provenance: {prov_line} -->\n{body}\n")
    if "tex" in formats:
        body = latex_table(df[tex_columns] if tex_columns else df, caption=caption)
        out["tex"] = atomic_write_text(path["tex"], f"% provenance: see {sidecar.name}\n{body}")
    return out


def read_csv(path: str | os.PathLike):
    """Read a CSV written by `write_table`, keeping strings such as ``"n/a"`` (older files' provenance line skipped)."""
    import pandas as pd

    return pd.read_csv(path, skiprows=_provenance_lines(path), keep_default_na=False, na_values=[""])


def _provenance_lines(path) -> int:
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    return 1 if first.startswith("# provenance:") else 0


def read_provenance(path: str | os.PathLike) -> dict[str, Any]:
    """The provenance record of a CSV, Markdown, LaTeX, JSON or PNG result file.

    Tables: the ``<stem>.provenance.json`` sidecar (older files: their first comment line).
    """
    path = Path(path)
    sidecar = provenance_path(path)
    if path.suffix in (".csv", ".md", ".tex") and sidecar.exists():
        return json.loads(sidecar.read_text(encoding="utf-8"))
    if path.name.endswith(".provenance.json"):
        return json.loads(path.read_text(encoding="utf-8"))
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
    raise ValueError(f"{path} carries no provenance (no {sidecar.name} beside it)")


# --- LaTeX ------------------------------------------------------------------------------------
# Unicode that tables and names use, as LaTeX math (pdflatex rejects the raw characters).
_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ξ": r"\xi", "π": r"\pi",
    "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "ψ": r"\psi", "ω": r"\omega",
    "ν": r"\nu", "χ": r"\chi", "ι": r"\iota", "ℓ": r"\ell",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi",
    "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    "‖": r"\|", "−": "-", "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "≈": r"\approx", "≍": r"\asymp",
    "≫": r"\gg", "≪": r"\ll", "≡": r"\equiv", "∝": r"\propto", "·": r"\cdot", "×": r"\times",
    "±": r"\pm", "√": r"\surd", "∫": r"\int", "∂": r"\partial", "∇": r"\nabla", "∈": r"\in",
    "∃": r"\exists", "∀": r"\forall", "⇒": r"\Rightarrow", "→": r"\to", "←": r"\leftarrow",
    "↦": r"\mapsto", "⌈": r"\lceil", "⌉": r"\rceil", "⟨": r"\langle", "⟩": r"\rangle", "∘": r"\circ",
    "⊙": r"\odot", "⋯": r"\cdots", "′": r"\prime", "★": r"\star", "∞": r"\infty", "½": r"\frac{1}{2}",
    "𝓛": r"\mathcal{L}", "𝓡": r"\mathcal{R}", "𝒫": r"\mathcal{P}", "ℝ": r"\mathbf{R}",
}
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₗₘₙₚₜ", "0123456789+-=()ijklmnpt"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵀʲᴸᶜⁱⁿᵏ", "0123456789+-=()TjLcink"))
_TEXT = {"–": "--", "—": "---", "…": r"\ldots{}", "§": r"\S{}", "’": "'", "‘": "`", "“": "``", "”": "''",
         "\u00a0": "~"}
_ACCENT = {"\u0303": r"\tilde", "\u0302": r"\hat", "\u0304": r"\bar", "\u0307": r"\dot"}
_ESCAPE = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
           "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
           "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def latex_text(text: Any) -> str:
    r"""``text`` as pdflatex-safe LaTeX: specials escaped, Greek and symbols as ``$…$`` math, ASCII only.

    ``"‖θ‖² ≥ L·Σ s_i"`` becomes ``"$\|\theta\|^{2} \ge$ L$\cdot\Sigma$ s\_i"``. A character with no
    LaTeX form here falls back to its ASCII decomposition, else ``?``; the result is pure ASCII.
    """
    import unicodedata

    pieces: list[tuple[str, str]] = []  # (kind, latex): kind "t" text or "m" math

    def add(kind: str, tex: str) -> None:
        if pieces and pieces[-1][0] == kind and kind == "m":
            pieces[-1] = ("m", pieces[-1][1] + tex)
        else:
            pieces.append((kind, tex))

    chars = unicodedata.normalize("NFD", str(text))
    i = 0
    while i < len(chars):
        c = chars[i]
        if c in _SUB or c in _SUP:
            table, mark = (_SUB, "_") if c in _SUB else (_SUP, "^")
            j = i
            while j < len(chars) and chars[j] in table:
                j += 1
            add("m", f"{mark}{{{''.join(table[ch] for ch in chars[i:j])}}}")
            i = j
            continue
        if c in _ACCENT:
            if pieces:
                kind, prev = pieces.pop()
                base = prev[-1] if kind == "t" else ""
                rest = prev[:-1] if kind == "t" else prev
                if rest:
                    pieces.append((kind, rest))
                add("m", f"{_ACCENT[c]}{{{base}}}" if base else _ACCENT[c] + "{}")
            i += 1
            continue
        if unicodedata.combining(c):  # an accent with no LaTeX form here: dropped, the letter stays
            i += 1
            continue
        if c in _MATH:
            cmd = _MATH[c]
            add("m", cmd + (" " if cmd[-1].isalpha() else ""))
        elif c in _TEXT:
            add("t", _TEXT[c])
        elif c in _ESCAPE:
            add("t", _ESCAPE[c])
        elif ord(c) < 128:
            add("t", c)
        else:
            ascii_ = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            add("t", "".join(_ESCAPE.get(ch, ch) for ch in ascii_) or "?")
        i += 1
    return "".join(tex if kind == "t" else f"${tex.rstrip()}$" for kind, tex in pieces)


def _latex_cell(value: Any) -> str:
    import math

    if value is None:
        return "--"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            x = float(value)
        except (TypeError, ValueError):
            return latex_text(value)
        if math.isnan(x):
            return "--"
        if math.isinf(x):
            return r"$\infty$" if x > 0 else r"$-\infty$"
        if float(x).is_integer() and abs(x) < 1e15 and not isinstance(value, float) and "float" not in str(getattr(value, "dtype", "")):
            return str(int(x))
        return latex_text(f"{x:.4g}")
    if isinstance(value, str) and value.strip().lower() in ("nan", "none", ""):
        return "--"
    return latex_text(value)


def latex_table(df, *, caption: str | None = None, max_columns: int = 9, wrap_chars: int = 32) -> str:
    r"""A pdflatex-safe booktabs tabular of ``df``: escaped headers, ``$…$`` math, ``--`` for NaN.

    A table wider than ``max_columns`` is split into several tabulars that each repeat the first
    column; text columns longer than ``wrap_chars`` become wrapped ``p{…}`` columns. Needs
    ``\usepackage{booktabs}`` in the document. With ``caption`` the tabulars sit in a ``table`` float.
    """
    if max_columns < 2:
        raise ValueError(f"max_columns must be >= 2, got {max_columns}")
    cols = list(df.columns)
    key, rest = cols[:1], cols[1:]
    chunks = [cols] if len(cols) <= max_columns else [key + rest[i : i + max_columns - 1] for i in range(0, len(rest), max_columns - 1)]
    blocks = []
    for chunk in chunks:
        spec = []
        for c in chunk:
            width = max([len(str(c))] + [len(str(v)) for v in df[c].tolist()])
            numeric = df[c].dtype.kind in "iufb"
            spec.append("r" if numeric else (f"p{{{0.18 * min(width, 60):.1f}em}}" if width > wrap_chars else "l"))
        lines = [f"\\begin{{tabular}}{{{''.join(spec)}}}", r"\toprule",
                 " & ".join(latex_text(c) for c in chunk) + r" \\", r"\midrule"]
        for row in df[chunk].itertuples(index=False, name=None):
            lines.append(" & ".join(_latex_cell(v) for v in row) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        blocks.append("\n".join(lines))
    body = "\n\n\\medskip\n\n".join(blocks)
    if caption:
        body = f"\\begin{{table}}[ht]\n\\centering\n\\caption{{{latex_text(caption)}}}\n{body}\n\\end{{table}}"
    return body + "\n"


def save_figure(fig, path: str | os.PathLike, *, config=None, seed=None, dpi: int = 150) -> Path:
    """Save a `matplotlib.figure.Figure` as PNG, atomically, with provenance in a PNG text chunk.

    Works on a bare ``matplotlib.figure.Figure()`` (no pyplot, no backend switch): the PNG is drawn
    by Agg through the figure's own canvas, so a notebook's backend is left as it is.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib.figure.Figure, got {type(fig).__name__}")
    import io as _io

    buf = _io.BytesIO()
    meta = {"provenance": json.dumps(provenance(config, seed), sort_keys=True)}
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata=meta)
    return atomic_write_bytes(path, buf.getvalue())
