"""`make mutants`: apply each listed mutation to a copy of the tree, run the tests that matter, report survivors.

Each mutant is one text substitution in one file (the ``old`` text must occur exactly once, so a
mutant cannot silently go stale when the code moves). The tree is copied once into a temporary
folder (tracked and untracked-but-not-ignored files), each mutant is applied there, the listed
fast test files run with the derandomized profile (`-x`, first failure is enough), and the file is
restored. A mutant is *killed* when pytest fails, *survives* when it passes. Exit status 1 when
any survives or is stale.

    python tests/mutants.py            # all
    python tests/mutants.py eps_rank   # only mutants whose id contains "eps_rank"
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


T_BOUND = "tests/theory/test_bound.py"
T_STAIR = "tests/theory/test_staircase.py"
T_BNECK = "tests/theory/test_bottleneck.py"
T_SPIKES = "tests/theory/test_spikes.py"
T_COLL = "tests/theory/test_collapse.py"
T_TIES = "tests/numerics/test_boundary_ties.py"
T_RANKS = "tests/numerics/test_ranks.py"
T_QUAD = "tests/numerics/test_quadrature.py"
T_FUZZ = "tests/test_fuzz_public_api.py"

MUTANTS = [
    # -- the four of issue 17 ----------------------------------------------------------------
    Mutant("eps_rank_gram_count_ge", "numerics/ranks.py",
           "return int(np.count_nonzero(lam > eps_s))",
           "return int(np.count_nonzero(lam >= eps_s))", (T_TIES,)),
    Mutant("eps_rank_svd_count_ge", "numerics/ranks.py",
           "return mu**power > np.ldexp(t, -power * (e + f))",
           "return mu**power >= np.ldexp(t, -power * (e + f))", (T_TIES,)),
    Mutant("staircase_quantities_p_ge", "numerics/gram.py",
           "p_ = int(np.count_nonzero(lam > eps_))", "p_ = int(np.count_nonzero(lam >= eps_))", (T_TIES,)),
    Mutant("deep_linear_cost_loses_L", "theory/bottleneck.py", "rhs=L * schatten,", "rhs=schatten,", (T_BNECK,)),
    Mutant("check_default_rtol_1e-2", "theory/_bound.py", "DEFAULT_RTOL = 1e-9", "DEFAULT_RTOL = 1e-2", (T_BOUND,)),
    # -- Bound checks ---------------------------------------------------------------------------
    Mutant("check_default_rtol_1e-6", "theory/_bound.py", "DEFAULT_RTOL = 1e-9", "DEFAULT_RTOL = 1e-6", (T_BOUND,)),
    Mutant("check_max_rtol_loose", "theory/_bound.py", "MAX_RTOL = 1e-6  #", "MAX_RTOL = 1.0  #", (T_BOUND,)),
    Mutant("check_atol_cap_loose", "theory/_bound.py", "MAX_ATOL_FRACTION = 1e-6", "MAX_ATOL_FRACTION = 1e6", (T_BOUND,)),
    Mutant("check_scalar_slack_sign", "theory/_bound.py",
           "            slack = lhs - rhs if self.relation == \">=\" else rhs - lhs\n            tol",
           "            slack = rhs - lhs if self.relation == \">=\" else lhs - rhs\n            tol", (T_BOUND,)),
    Mutant("check_vector_holds_sign", "theory/_bound.py", "np.asarray(slack >= -tol)", "np.asarray(slack >= tol)", (T_BOUND,)),
    Mutant("check_scalar_tol_ignores_rtol", "theory/_bound.py",
           "            tol = atol + rtol * scale\n            return",
           "            tol = atol\n            return", (T_BOUND,)),
    Mutant("symbol_positive_becomes_nonnegative", "theory/_bound.py",
           'low, closed = 0.0, "neither"', 'low, closed = 0.0, "both"', (T_BOUND,)),
    Mutant("symbol_integer_not_enforced", "theory/_bound.py",
           "integer_valued=bool(sym.is_integer)", "integer_valued=False", (T_BOUND,)),
    Mutant("validation_open_interval_closed", "theory/validation.py",
           'ok = (x >= low) if closed in ("both", "left") else (x > low)',
           'ok = (x >= low) if closed in ("both", "left") else (x >= low)', (T_BOUND,)),
    # -- staircase ------------------------------------------------------------------------------
    Mutant("K_paper_loses_square", "theory/staircase.py", "K_PAPER = (p + 1) * (n - p) ** 2", "K_PAPER = (p + 1) * (n - p)", (T_STAIR,)),
    Mutant("K_tight_drops_plus_one", "theory/staircase.py", "K_TIGHT = (p + 1) * (n - p)\n", "K_TIGHT = p * (n - p)\n", (T_STAIR,)),
    Mutant("loss_bound_on_sqrt_L", "theory/staircase.py",
           "return sp.Max(0, (dist - penalty(variant)) / C_S) ** 2", "return sp.Max(0, (dist - penalty(variant)) / C_S)", (T_STAIR,)),
    Mutant("lemma3_1_min_to_max", "theory/staircase.py", "sp.Min(p, n - p)", "sp.Max(p, n - p)", (T_STAIR,)),
    Mutant("thm3_2_relation_flipped", "theory/staircase.py",
           'lhs=e2,\n    relation="<=",\n    rhs=C * K_PAPER * eps,', 'lhs=e2,\n    relation=">=",\n    rhs=C * K_PAPER * eps,', (T_STAIR,)),
    # -- bottleneck -----------------------------------------------------------------------------
    Mutant("master_loses_factor_2_on_logdet", "theory/bottleneck.py",
           "rhs=k * L + 2 * logdet_J + H + T,", "rhs=k * L + logdet_J + H + T,", (T_BNECK,)),
    Mutant("h_loses_factor_2", "theory/bottleneck.py",
           "out = arr**2 - 1.0 - 2.0 * np.log(arr)", "out = arr**2 - 1.0 - np.log(arr)", (T_BNECK,)),
    Mutant("dist_partial_isometry_drops_tail", "theory/bottleneck.py",
           "return float(np.sum((s[:k] - 1.0) ** 2) + np.sum(s[k:] ** 2))", "return float(np.sum((s[:k] - 1.0) ** 2))", (T_BNECK,)),
    Mutant("linear_cost_exponent_1_over_L", "theory/bottleneck.py",
           "return float(L * np.sum(s ** (2.0 / L)))\n\n\n@validate_params(singular_values=_SVALS, order=_ORDER)",
           "return float(L * np.sum(s ** (1.0 / L)))\n\n\n@validate_params(singular_values=_SVALS, order=_ORDER)", (T_BNECK,)),
    # -- spikes ---------------------------------------------------------------------------------
    Mutant("spike_threshold_shifted", "theory/spikes.py", "return sp.Rational(k - 1, 2 * k)", "return sp.Rational(k, 2 * k + 1)", (T_SPIKES,)),
    Mutant("spike_count_not_strict", "theory/spikes.py",
           "return int(sp.ceiling(1 / (1 - 2 * alpha))) - 1", "return int(sp.floor(1 / (1 - 2 * alpha)))", (T_SPIKES,)),
    Mutant("bbp_exponent_half", "theory/spikes.py",
           "out = float(edge) * (n_ * N_) ** 0.25 /", "out = float(edge) * (n_ * N_) ** 0.5 /", (T_SPIKES,)),
    Mutant("bbp_undeclared", "theory/spikes.py",
           "@validate_params(edge=_SIZE, n=_SIZE, N=_SIZE)\ndef bbp_critical_strength", "def bbp_critical_strength", (T_SPIKES,)),
    # -- collapse -------------------------------------------------------------------------------
    Mutant("collapse_C_loses_sqrt2", "theory/collapse.py",
           "_C_core = sp.sqrt(2 * loss) * lip * V / lam", "_C_core = sp.sqrt(loss) * lip * V / lam", (T_COLL,)),
    Mutant("collapse_A_wrong_N_power", "theory/collapse.py",
           "rhs=g_res / lam + GD / (lam * N),", "rhs=g_res / lam + GD / (lam * N * N),", (T_COLL,)),
    # -- ranks and quadrature -------------------------------------------------------------------
    Mutant("dist_to_rank_skips_one", "numerics/ranks.py",
           "tail = S.svdvals()[k:]", "tail = S.svdvals()[k + 1:]", (T_RANKS,)),
    Mutant("stable_rank_not_squared", "numerics/ranks.py",
           "return 0.0 if s[0] == 0 else float(np.sum(s**2) / s[0] ** 2)", "return 0.0 if s[0] == 0 else float(np.sum(s) / s[0])", (T_RANKS,)),
    Mutant("participation_ratio_unsquared_den", "numerics/ranks.py",
           "den = np.sum(lam**2)", "den = np.sum(lam) ** 1.5", (T_RANKS,)),
    Mutant("gauss_legendre_weights_doubled", "numerics/quadrature.py",
           "return 0.5 * (b - a) * x + 0.5 * (a + b), 0.5 * (b - a) * w", "return 0.5 * (b - a) * x + 0.5 * (a + b), (b - a) * w", (T_QUAD,)),
]


def _copy_tree(dst: Path) -> None:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def run(selected: list[Mutant]) -> int:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "dev", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.pop("CI", None)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rankbounds-mutants-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        env["PYTHONPATH"] = str(tree)
        for m in selected:
            target = tree / m.path
            text = target.read_text()
            count = text.count(m.old)
            if count != 1:
                rows.append((m, "stale", f"old text found {count} times", 0.0))
                print(f"{'stale':>8}  {m.id:<38}   0.0s  old text found {count} times", flush=True)
                continue
            target.write_text(text.replace(m.old, m.new))
            t0 = time.perf_counter()
            try:
                proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider",
                                       "-p", "no:randomly", *m.tests], cwd=tree, env=env, capture_output=True, text=True)
            finally:
                target.write_text(text)
            dt = time.perf_counter() - t0
            if proc.returncode == 0:
                rows.append((m, "SURVIVED", "", dt))
            elif proc.returncode == 1:
                failed = next((ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")), "")
                rows.append((m, "killed", failed.replace("FAILED ", "")[:110], dt))
            else:
                rows.append((m, "error", f"pytest exit {proc.returncode}: {proc.stdout[-300:]}", dt))
            print(f"{rows[-1][1]:>8}  {m.id:<38} {dt:6.1f}s  {rows[-1][2]}", flush=True)
    killed = sum(r[1] == "killed" for r in rows)
    print(f"\n{killed}/{len(rows)} mutants killed")
    bad = [r for r in rows if r[1] != "killed"]
    for m, status, why, _ in bad:
        print(f"  {status}: {m.id} ({m.path}) {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.exit(run([m for m in MUTANTS if pattern in m.id]))
