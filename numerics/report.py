"""The verification report: run every registered theorem's experiment and write Markdown + HTML.

For each theorem: the statement rendered from sympy (typeset as math in the HTML), the citation and
whether the statement is the paper's or ours, the bound-versus-empirical table (points, violations,
minimum and median slack), the figures, the paper-versus-ours table with its reproduction criterion
in the caption, and the experiment's notes. The summary counts, per theorem, the bounds checked and
violated and the paper numbers reproduced, not reproduced and not comparable, so a "holds" never
hides a "no". An experiment that raises is reported as an error (with its traceback) and the
others still run. The full report then adds the sections that belong to no single theorem (the
rank-measure reference table, a paper's extra comparisons): each module that holds one lists it in
its ``REPORT_SECTIONS``, found by module name (`section_modules`), so this module names no paper.

Layout (README "Output layout"): ``OUT/report.md``, ``OUT/report.html``, ``OUT/report_summary.*``
and each paper's files in ``OUT/<paper>_results/``; a run with ``only`` writes all of that into its
own folder ``OUT/only-<ids>/`` (`run_folder`), so it never overwrites a fuller report.
"""

from __future__ import annotations

import base64
import html
import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from numerics.experiment import ExperimentResult, check_profile, comparison_counts
from numerics.io import atomic_write_text, provenance, write_table

__all__ = ["TheoremOutcome", "run_report", "run_folder", "paper_folder", "render_markdown", "render_html",
           "comparison_counts", "comparison_caption", "overview_table", "section_modules", "report_sections",
           "run_sections"]


@dataclass
class TheoremOutcome:
    theorem_id: str
    result: ExperimentResult | None
    seconds: float
    error: str | None = None
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def violations(self) -> int:
        return int(self.summary["violations"].sum()) if not self.summary.empty else 0

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.summary.empty:
            return "no checks"
        return "holds" if self.violations == 0 else f"{self.violations} violations"

    @property
    def comparison(self) -> pd.DataFrame | None:
        return None if self.result is None else self.result.comparison

    def _repr_html_(self) -> str:
        """Jupyter: the status line, then the experiment's own summary (or the error)."""
        head = f"<p><b>{html.escape(self.theorem_id)}</b>: {html.escape(self.status)} ({self.seconds:.1f} s)</p>"
        if self.error:
            return head + f"<pre>{html.escape(self.error)}</pre>"
        return head + _html_table(self.summary) + ("" if self.comparison is None else _html_comparison(self.comparison))


def comparison_caption(comparison: pd.DataFrame) -> str:
    """The caption of a paper-vs-ours table: the counts and every reproduction criterion its rows use."""
    c = comparison_counts(comparison)
    head = (f"{c['reproduced']} reproduced, {c['not_reproduced']} not reproduced, {c['not_comparable']} not comparable "
            "(n/a: the paper gives no number, or our run is shorter than the paper's).")
    if "criterion" not in comparison.columns:
        return head + " Reproduction criterion: not stated by this experiment."
    crit = comparison["criterion"].fillna("").astype(str).str.strip()
    stated = list(dict.fromkeys(c for c in crit if c))
    missing = int((crit == "").sum())
    text = head + " Reproduced when: " + "; ".join(stated) + "." if stated else head
    if missing:
        text += f" {missing} row(s) state no criterion."
    return text


def _theorem_checks(result: ExperimentResult, theorem) -> pd.DataFrame:
    names = {b.name for b in theorem.bounds}
    return result.checks[result.checks["bound"].isin(names)]


def run_folder(out_dir: Path | str, only: list[str] | None = None) -> Path:
    """Where a report writes: ``out_dir`` for the full report, ``out_dir/only-<id>+<id>`` for ``only``."""
    out_dir = Path(out_dir)
    if not only:
        return out_dir
    name = "+".join(sorted(dict.fromkeys(only)))
    safe = "".join(ch if ch.isalnum() or ch in "._+-" else "-" for ch in name)
    return out_dir / f"only-{safe[:120]}"


def paper_folder(out_dir: Path | str, theorem_id: str) -> Path:
    """A paper's folder in the output layout: ``out_dir/<paper>_results`` (paper = the id's prefix)."""
    return Path(out_dir) / f"{theorem_id.split('.')[0]}_results"


def run_report(
    profile: str = "quick",
    out_dir: Path | str = "results",
    *,
    seed: int = 0,
    quiet: bool = False,
    only: list[str] | None = None,
    extras: bool = True,
    log: Callable[[str], None] = print,
) -> list[TheoremOutcome]:
    """Run every registered theorem (or ``only`` these ids) and write ``report.md`` and ``report.html``.

    Theorems that share an experiment function run it once. Each experiment writes under
    ``<run folder>/<paper>_results`` (`paper_folder`); the run folder is ``out_dir`` itself, or
    ``out_dir/only-<ids>`` with ``only`` (`run_folder`), so a partial run never replaces a full report.
    """
    from theory import registry

    check_profile(profile)
    theorems = registry.theorems()
    if only:
        unknown = sorted(set(only) - {t.id for t in theorems})
        if unknown:
            raise ValueError(f"--only names unknown theorem ids {unknown}; registered: {[t.id for t in theorems]}")
        theorems = [t for t in theorems if t.id in only]
    out_dir = run_folder(out_dir, only)
    out_dir.mkdir(parents=True, exist_ok=True)

    cache: dict[str, tuple[ExperimentResult | None, float, str | None]] = {}
    outcomes = []
    for t in theorems:
        if t.experiment not in cache:
            log(f"[report] {t.id}: running {t.experiment} (profile={profile})")
            t0 = time.perf_counter()
            try:
                fn = t.resolve_experiment()
                res = fn(profile, seed=seed, out_dir=paper_folder(out_dir, t.id), quiet=quiet)
                err = None
            except Exception:  # reported in the document, never swallowed silently
                res, err = None, traceback.format_exc()
            cache[t.experiment] = (res, time.perf_counter() - t0, err)
            log(f"[report] {t.id}: {'ERROR' if err else 'done'} in {cache[t.experiment][1]:.1f} s")
        res, secs, err = cache[t.experiment]
        summary = pd.DataFrame()
        if res is not None:
            from numerics.experiment import summarize_checks

            summary = summarize_checks(_theorem_checks(res, t))
        outcomes.append(TheoremOutcome(t.id, res, secs, err, summary))

    # The sections that belong to no single theorem run with the full report, not with --only.
    extra_sections = run_sections(report_sections(), profile, out_dir, seed, quiet, log) if extras and not only else []
    config = {"profile": profile, "seed": seed, "only": only}
    prov = provenance(config, seed)
    md = render_markdown(outcomes, extra_sections, prov, out_dir)
    atomic_write_text(out_dir / "report.md", md)
    atomic_write_text(out_dir / "report.html", render_html(outcomes, extra_sections, prov, out_dir))
    overview = overview_table(outcomes, extra_sections)
    write_table(overview, out_dir / "report_summary", config=config, seed=seed)
    return outcomes


# Modules of the engine whose REPORT_SECTIONS come before the papers'.
ENGINE_SECTION_MODULES = ("numerics.rank_table",)
_SECTION_KEYS = ("title", "key", "folder", "run")


def section_modules() -> list[str]:
    """The modules whose ``REPORT_SECTIONS`` the full report runs, in order.

    `ENGINE_SECTION_MODULES`, then every paper subpackage's experiment modules found by name:
    ``numerics.<paper>.experiment`` and ``numerics.<paper>.<part>.experiment`` (papers and parts in
    alphabetical order), so a paper adds a section without this module naming it.
    """
    import importlib
    import importlib.util
    import pkgutil

    import numerics

    found = list(ENGINE_SECTION_MODULES)
    for paper in sorted(m.name for m in pkgutil.iter_modules(numerics.__path__) if m.ispkg and m.name != "cli"):
        package = importlib.import_module(f"numerics.{paper}")
        parts = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.ispkg)
        for name in [f"numerics.{paper}.experiment", *(f"numerics.{paper}.{part}.experiment" for part in parts)]:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
    return found


def report_sections(modules: list[str] | None = None) -> list[dict]:
    """The ``REPORT_SECTIONS`` entries of ``modules`` (default `section_modules`), each checked.

    An entry is a mapping with ``title`` (the heading), ``key`` (its name in the summary table),
    ``folder`` (its subfolder of the run folder) and ``run``, a function
    ``run(profile, *, seed, out_dir, quiet) -> dict`` returning any of ``text``, ``tables``
    (name -> DataFrame), ``comparison`` (paper-vs-ours rows), ``figures`` and ``notes``.
    """
    import importlib

    sections = []
    for name in section_modules() if modules is None else modules:
        entries = getattr(importlib.import_module(name), "REPORT_SECTIONS", ())
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or any(k not in entry for k in _SECTION_KEYS) or not callable(entry["run"]):
                raise ValueError(f"{name}.REPORT_SECTIONS[{i}] must be a dict with {list(_SECTION_KEYS)} "
                                 f"and a callable run, got {entry!r}")
            sections.append({**entry, "module": name})
    return sections


def run_sections(sections: list[dict], profile: str, out_dir: Path, seed: int, quiet: bool,
                 log: Callable[[str], None] = print) -> list[dict]:
    """Run each section into ``out_dir/<folder>``; one that raises becomes an error section, the others still run."""
    done = []
    for sec in sections:
        run = sec["run"]
        log(f"[report] {sec['key']}: running {sec['module']}:{getattr(run, '__name__', 'run')}")
        t0 = time.perf_counter()
        base = {"title": sec["title"], "key": sec["key"], "text": "", "tables": {}, "figures": [], "notes": []}
        try:
            part = run(profile, seed=seed, out_dir=Path(out_dir) / sec["folder"], quiet=quiet)
            done.append({**base, **part, "seconds": time.perf_counter() - t0})
        except Exception:  # reported in the document, never swallowed silently
            done.append({**base, "error": traceback.format_exc(), "seconds": time.perf_counter() - t0})
    return done


OVERVIEW_COLUMNS = ["theorem", "status", "bounds", "bounds_violated", "points", "violations", "min_slack",
                    "reproduced", "not_reproduced", "not_comparable", "seconds"]


def overview_table(outcomes: list[TheoremOutcome], extra_sections: list[dict] = ()) -> pd.DataFrame:
    """One row per theorem (and per extra section with a comparison), then a total row.

    Columns: bounds checked and bounds with a violation, points and violations, the minimum slack,
    and the paper numbers reproduced / not reproduced / not comparable. A comparison shared by
    theorems of one experiment is counted on the first of them only.
    """
    rows, seen = [], set()
    for o in outcomes:
        s = o.summary
        res = o.result
        key = id(res) if res is not None else None
        counts = comparison_counts(o.comparison if key not in seen else None)
        seen.add(key)
        rows.append(
            {
                "theorem": o.theorem_id,
                "status": o.status,
                "bounds": int(len(s)),
                "bounds_violated": int((s["violations"] > 0).sum()) if not s.empty else 0,
                "points": int(s["points"].sum()) if not s.empty else 0,
                "violations": o.violations,
                "min_slack": float(s["min_slack"].min()) if not s.empty else float("nan"),
                **counts,
                "seconds": round(o.seconds, 1),
            }
        )
    for sec in extra_sections:
        if sec.get("comparison") is not None or sec.get("error"):
            rows.append({"theorem": f"({sec.get('key', sec['title'])})", "status": "error" if sec.get("error") else "no bounds",
                         "bounds": 0, "bounds_violated": 0, "points": 0, "violations": 0, "min_slack": float("nan"),
                         **comparison_counts(sec.get("comparison")), "seconds": round(sec.get("seconds", 0.0), 1)})
    if rows:
        df = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
        total = {c: df[c].sum() for c in OVERVIEW_COLUMNS if c not in ("theorem", "status", "min_slack")}
        errors = int((df["status"] == "error").sum())
        status = f"{errors} errors" if errors else ("holds" if total["violations"] == 0 else f"{total['violations']} violations")
        rows.append({"theorem": "total", "status": status, **total, "min_slack": df["min_slack"].min(),
                     "seconds": round(float(total["seconds"]), 1)})
    return pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)


def _summary_sentence(overview: pd.DataFrame) -> str:
    if overview.empty:
        return "Nothing ran."
    t = overview.iloc[-1]
    return (f"{int(t['bounds'])} bounds checked at {int(t['points'])} points: {int(t['violations'])} violations "
            f"({int(t['bounds_violated'])} bounds violated somewhere). Paper numbers: {int(t['reproduced'])} reproduced, "
            f"{int(t['not_reproduced'])} not reproduced, {int(t['not_comparable'])} not comparable.")


def _md_table(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False, floatfmt=".4g") if not df.empty else "_(empty)_"


def _rel(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def render_markdown(outcomes, extra_sections, prov, out_dir: Path) -> str:
    from theory import registry

    lines = [f"<!-- provenance: {json.dumps(prov, sort_keys=True)} -->", "# rankbounds verification report", ""]
    lines.append(
        f"Profile `{prov['config']['profile']}`, seed {prov['seed']}, rankbounds {prov['versions']['rankbounds']}, "
        f"torch {prov['versions']['torch']}, sympy {prov['versions']['sympy']}, numpy {prov['versions']['numpy']}; "
        f"{prov['machine']['platform']}, {prov['machine']['cpu_count']} CPUs; {prov['created']}; "
        f"commit {prov['git_commit'] or 'n/a'}."
    )
    lines += ["", "A bound holds at a point when slack = lhs − rhs ≥ 0 (for ≥) up to 1e-9 relative rounding.", ""]
    overview = overview_table(outcomes, extra_sections)
    lines += ["## Summary", "", _summary_sentence(overview), "", _md_table(overview), ""]
    for o in outcomes:
        t = registry.get(o.theorem_id)
        lines += [f"## `{t.id}`: {t.title}", ""]
        lines += [f"Paper: {t.paper}. Proofs note: `{t.note}`. Experiment: `{t.experiment}` ({o.seconds:.1f} s).", ""]
        for b in t.bounds:
            origin = "**ours** (derived here)" if b.ours else "**the paper's**"
            lines += [f"- `{b.name}`, {origin}, {b.citation}. {b.description}", "", f"  $$ {b.latex()} $$", ""]
        if o.error:
            lines += ["**The experiment raised an error:**", "", "```", o.error.rstrip(), "```", ""]
            continue
        lines += ["**Bound against empirical values**", "", _md_table(o.summary), ""]
        res = o.result
        if res.comparison is not None and not res.comparison.empty:
            lines += ["**Ours beside the paper's.** " + comparison_caption(res.comparison), "", _md_table(res.comparison), ""]
        for name, df in res.tables.items():
            if len(df) <= 40:
                lines += [f"**{name}**", "", _md_table(df), ""]
        for fig in res.figures:
            lines += [f"![{Path(fig).stem}]({_rel(fig, out_dir)})", ""]
        for note in res.notes:
            lines += [f"> {note}", ""]
        if res.config:
            lines += ["<details><summary>configuration</summary>", "", "```json", json.dumps(res.config, indent=1, default=str), "```", "</details>", ""]
    for sec in extra_sections:
        lines += [f"## {sec['title']}", "", sec.get("text", ""), ""]
        if sec.get("error"):
            lines += ["**Error:**", "", "```", sec["error"].rstrip(), "```", ""]
        if sec.get("comparison") is not None:
            lines += ["**Ours beside the paper's.** " + comparison_caption(sec["comparison"]), "", _md_table(sec["comparison"]), ""]
        for name, df in sec["tables"].items():
            lines += [f"**{name}**", "", _md_table(df), ""]
        for fig in sec["figures"]:
            lines += [f"![{Path(fig).stem}]({_rel(fig, out_dir)})", ""]
        for note in sec["notes"]:
            lines += [f"> {note}", ""]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}caption{caption-side:top;text-align:left;font-size:.95em;padding:.3em 0;color:#444}.math svg{max-width:100%;height:auto}td:first-child,th:first-child{text-align:left}pre{background:#f7f7f7;padding:.6em;overflow-x:auto}
.ok{color:#176317;font-weight:bold}.bad{color:#a11;font-weight:bold}img{max-width:100%;border:1px solid #eee}
.stmt{background:#fbfbf4;border-left:3px solid #cc9;padding:.3em .8em;margin:.4em 0}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<p><img alt="{html.escape(Path(path).stem)}" src="data:image/png;base64,{data}"></p>'


def _html_table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, na_rep="") if not df.empty else "<p><i>(empty)</i></p>"


def _html_comparison(df: pd.DataFrame) -> str:
    caption = html.escape(comparison_caption(df))
    table = _html_table(df).replace(">", f"><caption>Ours beside the paper's. {caption}</caption>", 1) if not df.empty else ""
    return "<h3>Ours beside the paper's</h3>" + table


_SVG_COUNTER = iter(range(1, 1 << 30))


def math_svg(latex: str, *, size: float = 13.0) -> str:
    """``latex`` typeset by matplotlib's mathtext as an inline ``<svg>`` element (glyphs as paths: offline).

    Element ids are prefixed per call so that several SVGs in one page do not clash. Raises
    ValueError when mathtext cannot parse the expression.
    """
    import io as _io
    import re

    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = _io.BytesIO()
    try:
        mathtext.math_to_image(f"${latex}$", buf, format="svg", prop=FontProperties(size=size))
    except Exception as exc:  # mathtext's ParseFatalException and friends
        raise ValueError(f"mathtext cannot typeset {latex!r}: {str(exc).splitlines()[0]}") from None
    svg = buf.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    prefix = f"m{next(_SVG_COUNTER)}-"
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r'(href|xlink:href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return svg


def _math_html(latex: str, fallback: str) -> str:
    try:
        return f"<div class='math' role='math' aria-label='{html.escape(latex)}'>{math_svg(latex)}</div>"
    except ValueError as exc:
        return f"<pre>{html.escape(fallback)}</pre><p class='bad'>{html.escape(str(exc))}</p>"


def render_html(outcomes, extra_sections, prov, out_dir: Path) -> str:
    """Self-contained HTML: figures inlined as base64, statements typeset as inline SVG math (no CDN, offline)."""
    import sympy as sp

    from theory import registry

    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>rankbounds report</title><style>{_CSS}</style></head><body>"]
    parts.append("<h1>rankbounds verification report</h1>")
    parts.append(f"<p>Profile <code>{esc(str(prov['config']['profile']))}</code>, seed {esc(str(prov['seed']))}; {esc(prov['created'])}; commit {esc(str(prov['git_commit']))}.</p>")
    parts.append("<details><summary>provenance</summary><pre>" + esc(json.dumps(prov, indent=1)) + "</pre></details>")
    overview = overview_table(outcomes, extra_sections)
    parts.append(f"<h2>Summary</h2><p>{esc(_summary_sentence(overview))}</p>" + _html_table(overview))
    for o in outcomes:
        t = registry.get(o.theorem_id)
        parts.append(f"<h2><code>{esc(t.id)}</code>: {esc(t.title)}</h2>")
        cls = "ok" if o.status == "holds" else "bad"
        parts.append(f"<p>Status: <span class='{cls}'>{esc(o.status)}</span>. Paper: {esc(t.paper)}. Note: <code>{esc(t.note)}</code>. {o.seconds:.1f} s.</p>")
        for b in t.bounds:
            origin = "ours (derived here)" if b.ours else "the paper's"
            parts.append(
                f"<div class='stmt'><b>{esc(b.name)}</b> — {esc(origin)}; {esc(b.citation)}. {esc(b.description)}"
                f"{_math_html(b.latex(), sp.pretty(b.expr, use_unicode=True))}"
                f"<details><summary>LaTeX</summary><code>{esc(b.latex())}</code></details></div>"
            )
        if o.error:
            parts.append("<p class='bad'>The experiment raised an error:</p><pre>" + esc(o.error) + "</pre>")
            continue
        res = o.result
        parts.append("<h3>Bound against empirical values</h3>" + _html_table(o.summary))
        if res.comparison is not None and not res.comparison.empty:
            parts.append(_html_comparison(res.comparison))
        for name, df in res.tables.items():
            if len(df) <= 40:
                parts.append(f"<h3>{esc(name)}</h3>" + _html_table(df))
        parts.extend(_img(f) for f in res.figures if Path(f).exists())
        parts.extend(f"<blockquote>{esc(n)}</blockquote>" for n in res.notes)
    for sec in extra_sections:
        parts.append(f"<h2>{esc(sec['title'])}</h2><p>{esc(sec.get('text', ''))}</p>")
        if sec.get("error"):
            parts.append("<pre>" + esc(sec["error"]) + "</pre>")
        if sec.get("comparison") is not None:
            parts.append(_html_comparison(sec["comparison"]))
        for name, df in sec["tables"].items():
            parts.append(f"<h3>{esc(name)}</h3>" + _html_table(df))
        parts.extend(_img(f) for f in sec["figures"] if Path(f).exists())
        parts.extend(f"<blockquote>{esc(n)}</blockquote>" for n in sec["notes"])
    parts.append("</body></html>")
    return "\n".join(parts)
