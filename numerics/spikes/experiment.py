"""Experiments for `theory.spikes`: outlier counts vs α, alignments, strengths and test error.

Profiles (sizes chosen so `test` runs in seconds on 2 cores; `paper` is the research note's scale):

- test:  counts at n = N = 1000, d = 500, α ∈ {0, 0.15, 0.40}, ReLU and tanh, one seed;
         strengths at n = N = 2000, d = 1000, θ = 0.15.
- quick: counts on the full α grid at n = N = 1000 (2 seeds, + tq); test error at n = 1000, N = d = 500.
- paper: counts at n = N = 2000, d = 1000, 5 seeds; s₂/edge at n = 1000, 2000, 4000 (note §4.4);
         alignments at n = N = 4000, d = 2000, α = 0.34 (§4.6); test error at n = 2000, N = d = 1000,
         λ = 1, 5 seeds (§4.7).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from numerics.spikes import measure as S
from numerics.progress import progress
from numerics.experiment import ExperimentResult, checks_frame, comparison_row, profile_config
from numerics.spikes.config import PROFILES, CountSettings, ErrorSettings, StrengthSettings
from theory import spikes as T

ERROR_ALPHAS = (None, 0.15, 0.25, 0.30, 0.35, 0.40, 0.45)  # None: random features (η = 0)
WINDOW_MARGIN = 0.03  # points in (α_k, α*_k(n) + margin) are the finite-size window: reported, not checked

# Research note numbers (§4.3, §4.4, §4.6, §4.7): [S] simulations by the note's author, one seed.
NOTE_COUNTS = {
    "tanh": {0.0: 0, 0.15: 1, 0.25: 1, 0.30: 1, 0.35: 1, 0.40: 1, 0.45: 1},
    "relu": {0.0: 0, 0.15: 1, 0.25: 1, 0.30: 2, 0.35: 2, 0.40: 2, 0.45: 2},
    "tq": {0.0: 0, 0.15: 1, 0.25: 1, 0.30: 1, 0.35: 1, 0.40: 2, 0.45: 2},
}
NOTE_S2_EDGE = {
    1000: {0.22: 1.001, 0.26: 1.003, 0.30: 1.140, 0.34: 1.558},
    2000: {0.22: 1.002, 0.26: 1.004, 0.30: 1.118, 0.34: 1.627},
    4000: {0.22: 1.000, 0.26: 1.001, 0.30: 1.155, 0.34: 1.820},
}
NOTE_ALIGN = {"u1_zeta": 0.997, "u2_zeta2": 0.933, "u2_he2": 0.615, "v1_g": 0.991, "v2_g2": 0.963}
NOTE_TEST_MSE = {
    "relu": {None: 2.127, 0.15: 1.903, 0.25: 1.772, 0.30: 1.719, 0.35: 1.688, 0.40: 1.680, 0.45: 1.675},
    "tanh": {None: 2.064, 0.15: 1.836, 0.25: 1.755, 0.30: 1.743, 0.35: 1.739, 0.40: 1.740, 0.45: 1.745},
}


def _mus(act: S.CentredActivation) -> list[float]:
    return list(act.mu)


def _window(alpha: float, act: S.CentredActivation, n: int, N: int, edge: float) -> tuple[bool, int]:
    """(in the finite-size window?, BBP-heuristic count of degrees k ≤ 2) at this α and measured edge."""
    inside, bbp = False, 0
    for k in (1, 2):
        mu = act.mu[k]
        if abs(mu) <= 1e-12:
            continue
        a_star = T.emergence_alpha(k, mu, n, N, edge)
        a_k = float(T.spike_threshold(k))
        if alpha > a_star:
            bbp += 1
        if a_k < alpha < a_star + WINDOW_MARGIN:
            inside = True
    return inside, bbp


def count_rows(profile: CountSettings, seed: int, quiet: bool) -> pd.DataFrame:
    """One row per (activation, seed, α): singular values over the edge, count, predictions, overlaps."""
    n, d = profile.n, profile.d
    rows = []
    jobs = [(a, s) for a in profile.acts for s in range(seed, seed + profile.seeds)]
    for act_name, sd in progress(jobs, desc=f"spikes counts n={n}", quiet=quiet):
        act = S.activation(act_name)
        dr = S.draw(act, n=n, N=n, d=d, seed=sd)
        for alpha in profile.alphas:
            m = S.measure(dr, alpha, k_top=profile.k_top)
            inside, bbp = _window(alpha, act, n, n, m.edge)
            rows.append(
                {
                    "activation": act_name, "seed": sd, "n": n, "N": n, "d": d, "alpha": alpha,
                    "theta": m.theta, "edge": m.edge, "s1_over_edge": m.singular_values[0] / m.edge,
                    "s2_over_edge": m.singular_values[1] / m.edge, "measured": m.count,
                    "predicted": T.spike_count(alpha, _mus(act), max_degree=2),
                    "predicted_all_degrees": T.spike_count(alpha, _mus(act), max_degree=8),
                    "bbp_predicted": bbp, "in_window": inside, **m.overlaps,
                }
            )
    return pd.DataFrame(rows)


def error_rows(profile: ErrorSettings, seed: int, quiet: bool, acts=("relu", "tanh")) -> pd.DataFrame:
    """Train/test MSE of ridge on F after one step, per (activation, seed, α); same data for every α."""
    rows = []
    jobs = [(a, s) for a in acts for s in range(seed, seed + profile.seeds)]
    for act_name, sd in progress(jobs, desc="spikes test error", quiet=quiet):
        dr = S.draw(act_name, n=profile.n, N=profile.N, d=profile.d, seed=sd, n_test=profile.n_test)
        for alpha in ERROR_ALPHAS:
            eta = 0.0 if alpha is None else dr.eta(alpha)
            train, test = S.ridge_errors(dr, eta, profile.lam)
            rows.append(
                {
                    "activation": act_name, "seed": sd, "alpha": "RF" if alpha is None else alpha,
                    "spikes": 0 if alpha is None else T.spike_count(alpha, list(dr.act.mu), max_degree=2),
                    "train_mse": train, "test_mse": test,
                }
            )
    return pd.DataFrame(rows)


def error_summary(errors: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min, max of test MSE over seeds, per activation and α."""
    g = errors.groupby(["activation", "alpha"], sort=False)["test_mse"]
    out = g.agg(["mean", "std", "min", "max", "count"]).reset_index()
    return out.rename(columns={"count": "seeds"})


def _count_checks(counts: pd.DataFrame) -> pd.DataFrame:
    checked = counts[~counts["in_window"] & counts["activation"].isin(["relu", "tanh"])]
    rows = []
    for rec in checked.itertuples(index=False):
        chk = T.COUNT_BOUND.check(m_measured=int(rec.measured), ell_predicted=int(rec.predicted))
        rows.append({"activation": rec.activation, "seed": rec.seed, "n": rec.n, "alpha": rec.alpha, **chk.as_dict()})
    return checks_frame(rows)


def _count_comparison(counts: pd.DataFrame, n: int, d: int) -> list[dict]:
    out = []
    for act, table in NOTE_COUNTS.items():
        for alpha, note_value in table.items():
            sel = counts[(counts["activation"] == act) & np.isclose(counts["alpha"], alpha)]
            if sel.empty:
                continue
            mode = int(sel["measured"].mode().iloc[0])
            out.append(
                comparison_row(
                    f"{act} outlier count, α={alpha} (note §4.3 [S])", note_value, mode,
                    f"n=N={n}, d={d}, modal over {len(sel)} seeds, edge×1.02 of control",
                    reproduced=mode == note_value, criterion="outlier count: our modal count equals the note's",
                )
            )
    return out


def _s2_edge_rows(ns, seed: int, quiet: bool) -> pd.DataFrame:
    rows = []
    for n in progress(ns, desc="s2/edge vs n", quiet=quiet):
        dr = S.draw("relu", n=n, N=n, d=n // 2, seed=seed)
        for alpha in (0.22, 0.26, 0.30, 0.34):
            m = S.measure(dr, alpha, k_top=3)
            rows.append({"n": n, "alpha": alpha, "s2_over_edge": m.singular_values[1] / m.edge, "edge": m.edge,
                         **{k: v for k, v in m.overlaps.items()}})
    return pd.DataFrame(rows)


def _figures(counts, errors, spectrum, out_dir: Path, config, seed) -> list[Path]:
    from numerics.io import save_figure
    from numerics.spikes.figures import count_figure, error_figure, spectrum_figure

    paths = [save_figure(spectrum_figure(spectrum), out_dir / "spikes_spectrum.png", config=config, seed=seed),
             save_figure(count_figure(counts), out_dir / "spikes_count_vs_alpha.png", config=config, seed=seed)]
    if errors is not None and not errors.empty:
        paths.append(save_figure(error_figure(error_summary(errors)), out_dir / "spikes_test_error.png", config=config, seed=seed))
    return paths


def count_experiment(profile: str = "quick", *, seed: int = 0, out_dir=None, quiet: bool = False) -> ExperimentResult:
    """Measured outlier counts vs ℓ(α) (k ≤ 2), s₂/edge vs n, alignments and test error vs α."""
    settings = profile_config(PROFILES, profile)
    cfg, err_cfg = settings.counts, settings.errors
    config = {"counts": asdict(cfg), "errors": None if err_cfg is None else asdict(err_cfg), "edge_factor": S.EDGE_FACTOR, "window_margin": WINDOW_MARGIN,
              "target": "z + He2(z)/sqrt(2), noise 0.5", "step": "normalised: theta = n^(alpha-1/2)"}
    counts = count_rows(cfg, seed, quiet)
    checks = _count_checks(counts)
    comparison = _count_comparison(counts, cfg.n, cfg.d)
    tables = {"counts": counts}
    notes = []

    win = counts[counts["in_window"]]
    if not win.empty:
        notes.append(
            "Finite-size window (not checked, reported): "
            + "; ".join(f"{r.activation} α={r.alpha:g} seed {r.seed}: measured {r.measured}, asymptotic {r.predicted}, "
                        f"BBP {r.bbp_predicted}" for r in win.itertuples())
        )
    other = counts[~counts["activation"].isin(["relu", "tanh"]) & ~counts["in_window"]]
    off = other[other["measured"] != other["predicted"]]
    if not other.empty:
        notes.append(
            f"{sorted(other['activation'].unique())} reported, not checked (proofs_notes/spikes.md §8: the BBP window "
            f"underestimates the shift for small μ₂); outside the window {len(off)} of {len(other)} rows differ from ℓ_k≤2"
            + (": " + "; ".join(f"{r.activation} α={r.alpha:g} seed {r.seed}: {r.measured} vs {r.predicted}" for r in off.itertuples())
               if not off.empty else "")
        )
    relu = counts[counts["activation"] == "relu"]
    shift = finite_size_shift(relu)
    if shift is not None:
        tables["finite_size_shift"] = shift
        notes.append(
            f"ReLU second spike: first α with 2 outliers (per seed) {shift['first_alpha_two'].tolist()}; "
            f"asymptotic threshold 1/4; BBP-heuristic α*₂(n) = {shift['bbp_alpha_star'].round(3).tolist()}."
        )

    errors = None
    if err_cfg is not None:
        errors = error_rows(err_cfg, seed, quiet)
        tables["test_error"] = errors
        tables["test_error_summary"] = error_summary(errors)
        for act, table in NOTE_TEST_MSE.items():
            summ = tables["test_error_summary"]
            for alpha, note_value in table.items():
                key = "RF" if alpha is None else alpha
                sel = summ[(summ["activation"] == act) & (summ["alpha"] == key)]
                if sel.empty:
                    continue
                ours = float(sel["mean"].iloc[0])
                comparison.append(comparison_row(
                    f"{act} test MSE, α={key} (note §4.7 [S])", note_value, ours,
                    f"n={err_cfg.n}, N={err_cfg.N}, d={err_cfg.d}, λ={err_cfg.lam}, mean of {err_cfg.seeds} seeds",
                    reproduced=abs(ours - note_value) <= max(0.05 * note_value, 2 * float(sel["std"].iloc[0])),
                    criterion="test MSE: within max(5% of the note's, 2 std over seeds)",
                ))

    if profile == "paper":
        s2 = _s2_edge_rows((1000, 2000, 4000), seed, quiet)
        tables["s2_over_edge_vs_n"] = s2
        for rec in s2.itertuples():
            note_value = NOTE_S2_EDGE[rec.n][rec.alpha]
            comparison.append(comparison_row(
                f"ReLU s2/edge, n={rec.n}, α={rec.alpha} (note §4.4 [S])", note_value, rec.s2_over_edge,
                f"n=N={rec.n}, d={rec.n // 2}, seed {seed}",
                reproduced=(note_value > 1.02) == (rec.s2_over_edge > 1.02),
                criterion="s2/edge: on the same side of 1.02 as the note's",
            ))
        al = s2[(s2["n"] == 4000) & np.isclose(s2["alpha"], 0.34)].iloc[0]
        for key, note_value in NOTE_ALIGN.items():
            comparison.append(comparison_row(
                f"ReLU overlap {key}, α=0.34 (note §4.6 [S])", note_value, float(al[key]),
                f"n=N=4000, d=2000, seed {seed}", reproduced=abs(float(al[key]) - note_value) <= 0.05,
                criterion="overlap: within 0.05 of the note's",
            ))

    figures = []
    if out_dir is not None:
        from numerics.io import write_table

        out_dir = Path(out_dir)
        for name, df in tables.items():
            write_table(df, out_dir / f"spikes_{name}", config=config, seed=seed)
        comp = pd.DataFrame(comparison)
        write_table(comp, out_dir / "spikes_comparison", config=config, seed=seed)
        figures = _figures(counts, errors, _spectrum(cfg, seed), out_dir, config, seed)
    return ExperimentResult(
        theorem_id="spikes.count", checks=checks, comparison=pd.DataFrame(comparison) if comparison else None,
        tables=tables, figures=figures, config=config, notes=notes,
    )


def _spectrum(cfg: CountSettings, seed: int):
    n = cfg.spectrum_n
    dr = S.draw("relu", n=n, N=n, d=n // 2, seed=seed)
    eta = dr.eta(0.35)
    s = np.linalg.svd(dr.features(eta), compute_uv=False)
    edge = float(np.linalg.svd(dr.features(eta, control=True), compute_uv=False)[0])
    return s, edge, f"centred ReLU, n=N={n}, d={n // 2}, α=0.35"


def finite_size_shift(relu: pd.DataFrame) -> pd.DataFrame | None:
    """Where ReLU's second spike appears at finite n, per seed, beside the asymptotic α₂ = 1/4 (theory.spikes).

    For each seed: ``first_alpha_two`` = min{α : measured count ≥ 2} (NaN if none), ``last_alpha_one`` =
    the largest α below it (all α if none), ``shift_upper`` = first_alpha_two − 1/4 (an upper bound on
    the finite-size shift α*₂(n) − α₂ on this grid), and ``bbp_alpha_star`` = the BBP heuristic
    α*₂(n) = 1/2 + log(s_c/(|μ₂|(3!!/2!)√(nN)))/(2 log n) (`theory.spikes.emergence_alpha`, proofs_notes/spikes.md §5)
    with the edge measured at α = 0.30 (the median edge when 0.30 is not on the grid).

    Args:
        relu: rows of the ``counts`` table (`count_rows`) for the ReLU activation, N = n.

    Returns None when ``relu`` is empty, else one row per seed.
    """
    if relu.empty:
        return None
    rows = []
    act = S.activation("relu")
    for sd, grp in relu.groupby("seed"):
        grp = grp.sort_values("alpha")
        two = grp[grp["measured"] >= 2]
        first = float(two["alpha"].min()) if not two.empty else math.nan
        below = grp[grp["alpha"] < first]["alpha"] if not two.empty else grp["alpha"]
        last_one = float(below.max()) if not below.empty else math.nan
        edge = float(grp[np.isclose(grp["alpha"], 0.30)]["edge"].iloc[0]) if (np.isclose(grp["alpha"], 0.30)).any() else float(grp["edge"].median())
        n = int(grp["n"].iloc[0])
        rows.append({
            "seed": sd, "n": n, "last_alpha_one": last_one, "first_alpha_two": first,
            "asymptotic_alpha_2": 0.25, "shift_upper": first - 0.25,
            "bbp_alpha_star": T.emergence_alpha(2, act.mu[2], n, n, edge),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
STRENGTH_TOL = 0.15
RESOLUTION_SDS = 3.0  # a 15% check needs 0.15·|predicted| ≥ 3 SDs of the bulk's projection noise


def activation_sd(act: S.CentredActivation) -> float:
    """√Var σ(z): the SD of uᵀF₀v for unit u, v independent of F₀ (the projection's noise floor)."""
    return math.sqrt(float(T.hermite_coefficients_quadrature(lambda z: act.fn(z) ** 2, 0)[0]))


def strength_rows(profile: StrengthSettings, seed: int, quiet: bool) -> pd.DataFrame:
    """He_k(ζ)ᵀ F He_k(g)/(‖·‖‖·‖) vs θ^k μ_k √(nN), per (activation, seed, θ, k)."""
    n, d = profile.n, profile.d
    rows = []
    jobs = [(a, s) for a in profile.acts for s in range(seed, seed + profile.seeds)]
    for act_name, sd in progress(jobs, desc="spikes strengths", quiet=quiet):
        dr = S.draw(act_name, n=n, N=n, d=d, seed=sd)
        noise_sd = activation_sd(dr.act)
        zeta, g = dr.zeta, dr.g
        for theta in profile.thetas:
            F = dr.features(dr.eta_for_theta(theta))
            for k in (1, 2, 3):
                hz, hg = S.hermite_e(k, zeta), S.hermite_e(k, g)
                u, v = hz / np.linalg.norm(hz), hg / np.linalg.norm(hg)
                proj = float(u @ (F @ v))
                mu = dr.act.mu[k]
                pred = float(T.spike_strength(theta, mu, k, n, n))
                # finite-sample Hermite moments: ⟨x^k, He_k(x)/‖He_k(x)‖⟩/√(len·k!) → 1
                sample = float((u @ zeta**k) * (v @ g**k) / (math.sqrt(n * n) * math.factorial(k)))
                nxt = dr.act.mu[k + 2] * theta ** (k + 2) * math.sqrt(n * n) * math.factorial(k + 2) / (4 * math.factorial(k))
                rows.append({
                    "activation": act_name, "seed": sd, "n": n, "theta": theta, "k": k, "mu_k": mu,
                    "projection": proj, "predicted": pred, "sample_factor": sample,
                    "ratio": proj / pred if abs(mu) > 1e-12 else math.nan,
                    "ratio_sample": proj / (pred * sample) if abs(mu) > 1e-12 else math.nan,
                    "predicted_2nd_order": pred + nxt, "noise_sd": noise_sd,
                    "resolvable_per_seed": RESOLUTION_SDS * noise_sd <= STRENGTH_TOL * abs(pred),
                })
    return pd.DataFrame(rows)


def strength_experiment(profile: str = "quick", *, seed: int = 0, out_dir=None, quiet: bool = False) -> ExperimentResult:
    """Check |P/(θ^k μ_k √(nN) m) − 1| ≤ 0.15 per seed (m: sample Hermite moments) and for the seed mean (m = 1)."""
    cfg = profile_config(PROFILES, profile).strengths
    config = {"strength": asdict(cfg), "target": "z + He2(z)/sqrt(2), noise 0.5"}
    rows = strength_rows(cfg, seed, quiet)
    checked = rows[(rows["mu_k"].abs() > 1e-12) & (rows["k"] <= 2)]
    chk = []
    for r in checked[checked["resolvable_per_seed"]].itertuples():
        c = T.STRENGTH_BOUND.check(P=r.projection / r.sample_factor, theta=r.theta, mu_k=r.mu_k, n=r.n, N=r.n, k=r.k)
        chk.append({"activation": r.activation, "seed": r.seed, "theta": r.theta, "k": r.k, "kind": "per seed, sample moments", **c.as_dict()})
    for (act, theta, k), grp in checked.groupby(["activation", "theta", "k"]):
        if RESOLUTION_SDS * float(grp["noise_sd"].iloc[0]) / math.sqrt(len(grp)) > float(STRENGTH_TOL * grp["predicted"].abs().iloc[0]):
            continue  # 15% of the signal is below 3 noise SDs of the seed mean: not resolvable
        c = T.STRENGTH_BOUND.check(P=float(grp["projection"].mean()), theta=theta, mu_k=float(grp["mu_k"].iloc[0]),
                                   n=int(grp["n"].iloc[0]), N=int(grp["n"].iloc[0]), k=int(k))
        chk.append({"activation": act, "seed": "mean", "theta": theta, "k": k, "kind": f"mean of {len(grp)} seeds", **c.as_dict()})
    checks = checks_frame(chk)
    notes = []
    k3 = rows[(rows["k"] == 3) & (rows["mu_k"].abs() > 1e-12)]
    if not k3.empty:
        notes.append(
            "k = 3 (not checked): ratio to θ³μ₃√(nN) = " + ", ".join(
                f"{r.activation} θ={r.theta:g} seed {r.seed}: {r.ratio:.2f}" for r in k3.itertuples())
            + "; the O(θ²) correction θ⁵μ₅√(nN)·5!/(4·3!) is −21% for tanh at θ = 0.15 (μ₅/μ₃ = −1.88)."
        )
    tables = {"strengths": rows}
    comparison = []
    note_vals = {("tq", 0.15, 1): 180.7, ("tq", 0.15, 2): 7.1, ("relu", 0.15, 1): 153.6, ("relu", 0.15, 2): 17.4,
                 ("tanh", 0.15, 3): -2.0, ("tq", 0.15, 3): -2.1}
    for (act, theta, k), val in note_vals.items():
        sel = rows[(rows["activation"] == act) & np.isclose(rows["theta"], theta) & (rows["k"] == k)]
        if sel.empty:
            continue
        ours = float(sel["projection"].mean())
        comparison.append(comparison_row(
            f"{act} He_{k} projection, θ={theta} (note §4.5 [S])", val, ours,
            f"n=N={cfg.n}, d={cfg.d}, mean of {len(sel)} seeds",
            reproduced=abs(ours - val) <= 0.15 * abs(val), criterion="projection: within 15% of the note's",
        ))
    if out_dir is not None:
        from numerics.io import write_table

        write_table(rows, Path(out_dir) / "spikes_strengths", config=config, seed=seed)
        if comparison:
            write_table(pd.DataFrame(comparison), Path(out_dir) / "spikes_strength_comparison", config=config, seed=seed)
    return ExperimentResult(
        theorem_id="spikes.strength", checks=checks, comparison=pd.DataFrame(comparison) if comparison else None,
        tables=tables, config=config, notes=notes,
    )


# theorem id -> experiment, by the registry's convention (theory.registry)
count = count_experiment
strength = strength_experiment
