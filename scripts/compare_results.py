"""Compare two results/ folders table by table: are the numbers of `make report` unchanged?

    python scripts/compare_results.py BEFORE_DIR AFTER_DIR [--markdown]

Every CSV under BEFORE_DIR is matched with the CSV at the same relative path under AFTER_DIR
(content-hashed cache files ``name_<hex>.csv`` are matched by ``name``). For each pair the script
reports the rows, the columns each side lacks, and, over the shared columns, the cells that differ:
numbers compared exactly (NaN equals NaN), with the largest relative difference; text compared as
text. Columns that hold wall times, rates or machine load (`VOLATILE`) are left out, and so are
``*.provenance.json`` sidecars (versions, dates, hosts). Exit status 0 when every table is identical,
1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

VOLATILE = re.compile(r"(^|_)(seconds|secs|time|wall|gflops?|peak_fraction|load|elapsed|duration|threads)(_|$)|_s$")
_HASHED = re.compile(r"^(?P<stem>.+)_[0-9a-f]{8,}$")


def _key(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    m = _HASHED.match(rel.name)
    return str(rel.parent / (m.group("stem") if m else rel.name))


def _tables(root: Path) -> dict[str, Path]:
    return {_key(p, root): p for p in sorted(root.rglob("*.csv"))}


def compare_frames(before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """Rows, missing columns and differing cells of two tables (volatile columns left out)."""
    cols_b = [c for c in before.columns if not VOLATILE.search(str(c))]
    cols_a = [c for c in after.columns if not VOLATILE.search(str(c))]
    shared = [c for c in cols_b if c in cols_a]
    out = {"rows_before": len(before), "rows_after": len(after),
           "only_before": [c for c in cols_b if c not in cols_a], "only_after": [c for c in cols_a if c not in cols_b],
           "cells_differ": 0, "max_rel_diff": 0.0, "columns_differ": []}
    if len(before) != len(after):
        return out
    for c in shared:
        b, a = before[c], after[c]
        nb, na = pd.to_numeric(b, errors="coerce"), pd.to_numeric(a, errors="coerce")
        numeric = (nb.notna() | b.isna()).all() and (na.notna() | a.isna()).all()
        if numeric:
            x, y = nb.to_numpy(np.float64), na.to_numpy(np.float64)
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            if not same.all():
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
                rel = rel[~same]
                out["max_rel_diff"] = max(out["max_rel_diff"], float(np.nanmax(rel)) if np.isfinite(rel).any() else np.inf)
        else:
            same = (b.fillna("<NA>").astype(str) == a.fillna("<NA>").astype(str)).to_numpy()
        if not same.all():
            out["cells_differ"] += int((~same).sum())
            out["columns_differ"].append(str(c))
    return out


def compare_dirs(before: str | Path, after: str | Path) -> pd.DataFrame:
    """One row per table of either folder: ``table, status, rows_before, rows_after, cells_differ, max_rel_diff, detail``."""
    before, after = Path(before), Path(after)
    for name, root in (("before", before), ("after", after)):
        if not root.is_dir():
            raise ValueError(f"{name} must be a results folder, got {str(root)!r} (not a directory)")
    tb, ta = _tables(before), _tables(after)
    rows = []
    for key in sorted(set(tb) | set(ta)):
        if key not in ta or key not in tb:
            rows.append({"table": key, "status": "only before" if key in tb else "only after", "rows_before": None,
                         "rows_after": None, "cells_differ": None, "max_rel_diff": None, "detail": ""})
            continue
        r = compare_frames(pd.read_csv(tb[key]), pd.read_csv(ta[key]))
        same_shape = r["rows_before"] == r["rows_after"] and not r["only_before"] and not r["only_after"]
        status = "identical" if same_shape and r["cells_differ"] == 0 else "differs"
        detail = "; ".join(filter(None, [
            f"columns only before: {r['only_before']}" if r["only_before"] else "",
            f"columns only after: {r['only_after']}" if r["only_after"] else "",
            f"rows {r['rows_before']} -> {r['rows_after']}" if r["rows_before"] != r["rows_after"] else "",
            f"differing columns: {r['columns_differ']}" if r["columns_differ"] else ""]))
        rows.append({"table": key, "status": status, "rows_before": r["rows_before"], "rows_after": r["rows_after"],
                     "cells_differ": r["cells_differ"], "max_rel_diff": r["max_rel_diff"], "detail": detail})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Example: python scripts/compare_results.py /tmp/results_before results")
    p.add_argument("before", help="results folder of the reference run")
    p.add_argument("after", help="results folder of the run to check")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (for a closing note)")
    args = p.parse_args(argv)
    try:
        table = compare_dirs(args.before, args.after)
    except ValueError as exc:
        p.exit(2, f"compare_results: error: {exc}\n")
    print(table.to_markdown(index=False) if args.markdown else table.to_string(index=False))
    n_bad = int((table.status != "identical").sum())
    print(f"\n{len(table) - n_bad} of {len(table)} tables identical (volatile columns left out: {VOLATILE.pattern})")
    return 0 if n_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
