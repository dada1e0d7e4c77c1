"""``rankbounds spikes``: spikes in the feature spectrum after one large gradient step (arXiv 2310.07891)."""

from __future__ import annotations

import argparse
from pathlib import Path

from numerics.cli._common import (add_common_options, add_profile_option, nonnegative_float, positive_int,
                                       results_dir)

_DESCRIPTION = """\
Spikes after one large first-layer gradient step (Moniri, Lee, Hassani, Dobriban, arXiv 2310.07891).

A two-layer network f(x) = aᵀσ(Wx)/√N (rows of W₀ on the sphere, x ~ N(0, I_d), single-index target
y = z + He₂(z)/√2 + noise) takes one full-batch gradient step on W with η ≍ n^α, then fits ridge
regression on a fresh batch. The feature matrix F = σ(X̃W₁ᵀ) is a √n bulk plus one rank-one spike per
Hermite degree k with μ_k = E[σ(z)He_k(z)] ≠ 0 and α > α_k = (k−1)/(2k): the count is
ℓ(α) = #{k ≥ 1 : μ_k ≠ 0, k < 1/(1−2α)}. Spike k's Hermite-diagonal strength is θ^k μ_k √(nN),
θ = ημ₁‖β‖/√N (we normalise η so that θ = n^{α−1/2}).

Actions:
  table     exact thresholds, Hermite coefficients and the count in each α window (no simulation)
  measure   one draw at one α: top singular values, control bulk edge, outlier count, alignments of
            the singular vectors with (X̃β)^{∘k}, He_k projections against θ^k μ_k √(nN)
  run       both registered experiments (spikes.count, spikes.strength) at --profile, writing tables
            (CSV/MD/TeX) and figures (spectrum, count vs α with the predicted staircase, test error vs α)

An outlier is a singular value of F above 1.02 × the top singular value of the control matrix (the same
step with the rank-one part μ₁aβᵀ removed). Activations are centred (σ − Eσ) so μ₀ adds no spike.

Examples:
  rankbounds spikes table --activation tanh
  rankbounds spikes measure --activation relu --n 2000 --d 1000 --alpha 0.35
  rankbounds spikes run --profile quick --out results/spikes_quick
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "spikes",
        help="one large gradient step: ℓ(α) spikes in the feature spectrum, one per Hermite degree (arXiv 2310.07891)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=("table", "measure", "run"), help="what to do (see above)")
    add_profile_option(p, default="quick")
    add_common_options(p, default_out=results_dir("spikes"))
    p.add_argument("--activation", default="relu", choices=("relu", "tanh", "gelu", "softplus", "tq"),
                   help="activation, centred (default: %(default)s; tq = tanh + tanh²/2)")
    p.add_argument("--alpha", type=nonnegative_float, default=0.35, help="step-size exponent in [0, 1/2) (default: %(default)s)")
    p.add_argument("--n", type=positive_int, default=2000, help="samples per batch; N = n neurons unless --N (default: %(default)s)")
    p.add_argument("--N", type=positive_int, default=None, help="number of neurons (default: n)")
    p.add_argument("--d", type=positive_int, default=1000, help="input dimension (default: %(default)s)")
    p.add_argument("--kmax", type=positive_int, default=8, help="largest Hermite degree in `table` (default: %(default)s)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.action == "table":
        return _table(args)
    if args.action == "measure":
        return _measure(args)
    return _run(args)


def _table(args) -> int:
    import pandas as pd
    import sympy as sp

    from numerics.io import write_table
    from theory import spikes as T

    mus = T.hermite_coefficients(args.activation, args.kmax, centred=False)
    print(f"{args.activation}: μ_k = E[σ(z)He_k(z)] (He_k unnormalised, E He_k² = k!)")
    coefficients = []
    for k, mu in enumerate(mus):
        exact = "" if isinstance(mu, float) else f"  = {mu}"
        thr = f"   α_{k} = {T.spike_threshold(k)}" if k >= 1 else ""
        print(f"  μ_{k} = {float(mu): .6f}{exact}{thr}")
        coefficients.append({"k": k, "mu_k": float(mu), "mu_k_exact": "" if isinstance(mu, float) else str(mu),
                             "threshold_alpha_k": str(T.spike_threshold(k)) if k >= 1 else ""})
    print("count ℓ(α) per window (α_k, α_{k+1}):")
    windows = []
    for k in range(1, args.kmax):
        lo, hi = T.spike_threshold(k), T.spike_threshold(k + 1)
        mid = (lo + hi) / 2
        degrees = T.spike_degrees(mid, mus)
        print(f"  α ∈ ({lo}, {hi}): {len(degrees)} spike(s), degrees {degrees}")
        windows.append({"alpha_low": str(lo), "alpha_high": str(hi), "spikes": len(degrees),
                        "degrees": " ".join(map(str, degrees)), "generic_spikes": T.generic_spike_count(mid)})
    print(f"at α = {sp.nsimplify(args.alpha)}: ℓ = {T.spike_count(args.alpha, mus)} for {args.activation} "
          f"(a generic σ, all μ_k ≠ 0, would have ⌈1/(1−2α)⌉ − 1 = {T.generic_spike_count(args.alpha)})")
    config = {"action": "table", "activation": args.activation, "kmax": args.kmax}
    paths = [write_table(pd.DataFrame(coefficients), args.out / f"spikes_table_{args.activation}_hermite", config=config),
             write_table(pd.DataFrame(windows), args.out / f"spikes_table_{args.activation}_windows", config=config)]
    print(f"wrote {paths[0]['csv']} and {paths[1]['csv']} (and .md, .tex)")
    return 0


def _measure(args) -> int:
    import pandas as pd

    from numerics.spikes import measure as S
    from numerics.io import write_table
    from theory import spikes as T

    T.exact_alpha(args.alpha)
    N = args.N or args.n
    dr = S.draw(args.activation, n=args.n, N=N, d=args.d, seed=args.seed)
    m = S.measure(dr, args.alpha)
    predicted2, predicted = T.spike_count(args.alpha, list(dr.act.mu), max_degree=2), T.spike_count(args.alpha, list(dr.act.mu))
    print(f"{args.activation}, n={args.n}, N={N}, d={args.d}, α={args.alpha}, seed={args.seed}: θ = {m.theta:.4f}, η = {m.eta:.3f}")
    print("top singular values:", " ".join(f"{s:.2f}" for s in m.singular_values))
    print(f"control bulk edge: {m.edge:.2f}; outliers above 1.02×edge: {m.count} "
          f"(predicted k ≤ 2: {predicted2}, all degrees: {predicted})")
    print("alignments:", ", ".join(f"{k} {v:.3f}" for k, v in m.overlaps.items()))
    for k, p in m.projections.items():
        print(f"He_{k} projection {p:9.3f}   θ^k μ_k √(nN) = {m.predicted_strengths[k]:9.3f}")
    row = {"activation": args.activation, "n": args.n, "N": N, "d": args.d, "alpha": args.alpha, "seed": args.seed,
           "theta": m.theta, "eta": m.eta, "edge": m.edge, "outliers": m.count, "predicted_k_le_2": predicted2,
           "predicted": predicted, **{f"s{i + 1}": float(s) for i, s in enumerate(m.singular_values)},
           **{f"overlap_{k}": float(v) for k, v in m.overlaps.items()},
           **{f"projection_He{k}": float(p) for k, p in m.projections.items()},
           **{f"predicted_strength_He{k}": float(v) for k, v in m.predicted_strengths.items()}}
    stem = args.out / f"spikes_measure_{args.activation}_n{args.n}_alpha{args.alpha:g}_seed{args.seed}"
    paths = write_table(pd.DataFrame([row]), stem, config={"action": "measure", **row}, seed=args.seed,
                        tex_columns=["activation", "n", "N", "d", "alpha", "theta", "edge", "outliers", "predicted"])
    print(f"wrote {paths['csv']} (and .md, .tex)")
    return 0


def _run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from numerics.spikes import experiment as E

    out = Path(args.out)
    for fn in (E.count, E.strength):
        res = fn(args.profile, seed=args.seed, out_dir=out, quiet=args.quiet)
        print(f"{res.theorem_id}: {len(res.checks)} checks, {res.violations} violations")
        print(res.summary().to_string(index=False))
        for note in res.notes:
            print(" -", note)
    print(f"tables and figures in {out}")
    return 0
