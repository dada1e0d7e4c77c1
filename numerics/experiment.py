"""The experiment protocol every registered theorem follows, and the bound-versus-empirical summary.

A theorem's experiment is a function

    def experiment(profile="quick", *, seed=0, out_dir=None, quiet=False) -> ExperimentResult

- ``profile``: ``"test"`` (seconds: the generic pytest harness runs it for every registered theorem),
  ``"quick"`` (a minute or two: ``make report``) or ``"paper"`` (the paper's scale). Each paper
  subpackage writes its settings once, in ``numerics/<paper>/config.py``: frozen dataclasses and a
  ``PROFILES`` dict from these three names to them, read through `profile_config`.
- ``out_dir``: where it writes its tables and figures (``None``: write nothing).
- It returns the check rows (one per measured point and bound), the paper-vs-ours comparison,
  any further tables, the figure paths and the configuration it ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, TypeVar

import pandas as pd

from theory import Check

__all__ = [
    "PROFILE_NAMES",
    "Experiment",
    "ExperimentResult",
    "check_profile",
    "profile_config",
    "checks_frame",
    "summarize_checks",
    "comparison_row",
    "comparison_counts",
]

PROFILE_NAMES = ("test", "quick", "paper")
CHECK_COLUMNS = ("bound", "lhs", "rhs", "slack", "holds")
COMPARISON_COLUMNS = ("quantity", "paper", "ours", "ratio", "settings", "reproduced")


class Experiment(Protocol):
    def __call__(
        self, profile: str = "quick", *, seed: int = 0, out_dir: Path | None = None, quiet: bool = False
    ) -> "ExperimentResult": ...


_T = TypeVar("_T")


def check_profile(profile: str) -> str:
    """``profile`` itself when it is one of `PROFILE_NAMES`; else a ValueError naming it."""
    if not isinstance(profile, str) or profile not in PROFILE_NAMES:
        raise ValueError(f"profile must be one of {list(PROFILE_NAMES)}, got {profile!r}")
    return profile


def profile_config(profiles: Mapping[str, _T], profile: str) -> _T:
    """``profiles[profile]``: one entry of a paper's ``config.PROFILES``.

    Raises ValueError naming ``profile`` when it is not one of `PROFILE_NAMES`, and naming the
    missing or extra names when ``profiles`` does not map exactly those three.
    """
    check_profile(profile)
    if not isinstance(profiles, Mapping):
        raise TypeError(f"profiles must be a dict of profile name -> settings, got {type(profiles).__name__}")
    missing = [p for p in PROFILE_NAMES if p not in profiles]
    extra = [p for p in profiles if p not in PROFILE_NAMES]
    if missing or extra:
        raise ValueError(f"profiles must map exactly {list(PROFILE_NAMES)}; missing {missing}, extra {extra}")
    return profiles[profile]


@dataclass
class ExperimentResult:
    """What one theorem's experiment measured.

    Attributes:
        theorem_id: the registry id.
        checks: one row per (point, bound) with columns ``bound, lhs, rhs, slack, holds`` plus
            columns that identify the point (``config``, ``seed``, ``step``...). ``slack >= 0`` holds.
        comparison: our numbers beside the paper's, columns ``quantity, paper, ours, ratio,
            settings, reproduced`` and, where stated, ``criterion`` (see `comparison_row`); ``None``
            when the paper reports none.
        tables: further named tables (summaries, trajectories).
        figures: PNG paths written under ``out_dir``.
        config: the settings that ran.
        notes: sentences for the report (findings, what was not reproduced and why).
    """

    theorem_id: str
    checks: pd.DataFrame
    comparison: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = [c for c in CHECK_COLUMNS if c not in self.checks.columns]
        if missing:
            raise ValueError(f"ExperimentResult.checks lacks columns {missing}")
        if self.comparison is not None:
            missing = [c for c in COMPARISON_COLUMNS if c not in self.comparison.columns]
            if missing:
                raise ValueError(f"ExperimentResult.comparison lacks columns {missing}")

    @property
    def violations(self) -> int:
        return int((~self.checks["holds"].astype(bool)).sum())

    def summary(self) -> pd.DataFrame:
        return summarize_checks(self.checks)

    def _repr_html_(self) -> str:
        """Jupyter: the bound-versus-empirical summary, the paper comparison, the notes and the tables' names."""
        import html

        parts = [f"<p><b>{html.escape(self.theorem_id)}</b>: {len(self.checks)} checks, {self.violations} violations</p>",
                 self.summary().to_html(index=False, float_format=lambda v: f"{v:.4g}")]
        if self.comparison is not None and not self.comparison.empty:
            c = comparison_counts(self.comparison)
            parts.append(f"<p>Ours beside the paper's: {c['reproduced']} reproduced, {c['not_reproduced']} not "
                         f"reproduced, {c['not_comparable']} not comparable</p>")
            parts.append(self.comparison.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep=""))
        parts.extend(f"<blockquote>{html.escape(n)}</blockquote>" for n in self.notes)
        if self.tables:
            parts.append("<p>tables: " + ", ".join(f"<code>{html.escape(k)}</code> ({len(v)} rows)" for k, v in self.tables.items()) + "</p>")
        if self.figures:
            parts.append("<p>figures: " + ", ".join(f"<code>{html.escape(str(f))}</code>" for f in self.figures) + "</p>")
        return "\n".join(parts)


def checks_frame(rows: Iterable[Check | Mapping[str, Any]], **point: Any) -> pd.DataFrame:
    """A checks table from `theory.Check`s (or dicts), with ``point`` columns added to every row."""
    records = []
    for row in rows:
        rec = row.as_dict() if isinstance(row, Check) else dict(row)
        records.append({**point, **rec})
    if not records:
        return pd.DataFrame(columns=[*point, *CHECK_COLUMNS])
    return pd.DataFrame.from_records(records)


def summarize_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Per bound: points checked, violations, minimum and median slack, and minimum relative slack."""
    rows = []
    for name, grp in checks.groupby("bound", sort=False):
        scale = grp[["lhs", "rhs"]].abs().max(axis=1).clip(lower=1e-300)
        rows.append(
            {
                "bound": name,
                "points": int(len(grp)),
                "violations": int((~grp["holds"].astype(bool)).sum()),
                "min_slack": float(grp["slack"].min()),
                "median_slack": float(grp["slack"].median()),
                "min_rel_slack": float((grp["slack"] / scale).min()),
            }
        )
    return pd.DataFrame(rows, columns=["bound", "points", "violations", "min_slack", "median_slack", "min_rel_slack"])


def comparison_row(
    quantity: str,
    paper: Any,
    ours: Any,
    settings: str,
    *,
    reproduced: bool | None = None,
    ratio: float | None = None,
    criterion: str | None = None,
) -> dict[str, Any]:
    """One row of a paper-vs-ours table. ``ratio`` defaults to ours/paper when both are numbers.

    ``reproduced`` must be set by the caller from a stated criterion (order of magnitude, ordering...);
    ``None`` means the paper gives no number to compare with. ``criterion`` states that rule in words
    ("ours ≥ 0.9 × paper", "within a factor 10"): the report puts it in the table's caption, and a
    comparison without one says so there.
    """
    if ratio is None and _is_number(paper) and _is_number(ours) and float(paper) != 0:
        ratio = float(ours) / float(paper)
    if criterion is not None and (not isinstance(criterion, str) or not criterion.strip()):
        raise ValueError(f"criterion must be a non-empty sentence, got {criterion!r}")
    return {
        "quantity": quantity,
        "paper": paper,
        "ours": ours,
        "ratio": ratio,
        "settings": settings,
        "reproduced": {True: "yes", False: "no", None: "n/a"}[reproduced],
        "criterion": criterion if criterion is not None else "",
    }


def comparison_counts(comparison: pd.DataFrame | None) -> dict[str, int]:
    """Paper numbers ``reproduced`` (yes), ``not_reproduced`` (no) and ``not_comparable`` (n/a) in a comparison table."""
    if comparison is None or comparison.empty:
        return {"reproduced": 0, "not_reproduced": 0, "not_comparable": 0}
    col = comparison["reproduced"].astype(str).str.strip().str.lower()
    return {"reproduced": int((col == "yes").sum()), "not_reproduced": int((col == "no").sum()),
            "not_comparable": int((~col.isin(["yes", "no"])).sum())}


def _is_number(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
