"""Experiments for the report tests: one whose bound fails at one point, one that raises."""

from __future__ import annotations

import sympy as sp

from numerics.experiment import ExperimentResult, checks_frame, comparison_row
from theory import Bound

x = sp.Symbol("x", nonnegative=True)
y = sp.Symbol("y", nonnegative=True)
XY = Bound("x_ge_y", "derived here: test", (x, y), lhs=x, rhs=y, ours=True)


def mostly_holds(profile="quick", *, seed=0, out_dir=None, quiet=False):
    rows = [XY.check(x=v, y=1.0) for v in (2.0, 3.0, 0.5)]
    import pandas as pd

    comparison = pd.DataFrame([comparison_row("toy quantity", 2.0, 3.0, "n=1", reproduced=False)])
    return ExperimentResult("reporttest.toy", checks_frame(rows, seed=seed), comparison=comparison, notes=["one point violates"])


def raises(profile="quick", *, seed=0, out_dir=None, quiet=False):
    raise RuntimeError("this experiment is broken on purpose")


def paper_numbers(profile="quick", *, seed=0, out_dir=None, quiet=False):
    """Every bound holds, yet two of the paper's numbers are not reproduced: the report must say so."""
    import pandas as pd

    rows = [XY.check(x=v, y=1.0) for v in (2.0, 3.0)]
    comparison = pd.DataFrame([
        comparison_row("rank", 50, 46, "n=1", reproduced=True, criterion="ours ≥ 0.9 × paper's"),
        comparison_row("loss", 1e-3, 6.9e-3, "n=1", reproduced=False, criterion="within a factor 5"),
        comparison_row("other rank", 40, 20, "n=1", reproduced=False, criterion="ours ≥ 0.9 × paper's"),
        comparison_row("curve", "not given", 0.1, "n=1", reproduced=None),
    ])
    return ExperimentResult("reporttest.numbers", checks_frame(rows, seed=seed), comparison=comparison)


def section_table(profile="quick", *, seed=0, out_dir=None, quiet=False):
    """A report section: one table, written where the report says."""
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "marker.txt").write_text(profile)
    return {"text": "a toy section", "tables": {"toy": pd.DataFrame({"seed": [seed]})}, "notes": ["a toy note"]}


def section_raises(profile="quick", *, seed=0, out_dir=None, quiet=False):
    raise RuntimeError("this section is broken on purpose")


REPORT_SECTIONS = (
    {"title": "Toy section", "key": "toy", "folder": "toy_results", "run": section_table},
    {"title": "Broken section", "key": "broken", "folder": "broken_results", "run": section_raises},
)
