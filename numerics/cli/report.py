"""``rankbounds report``: run every registered theorem and write results/report.md and .html."""

from __future__ import annotations

import argparse

from numerics.cli._common import add_common_options, add_plugin_option, add_profile_option


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="verify every registered theorem: bound vs empirical tables, figures, paper vs ours",
        description=(
            "Run the experiment of every theorem in the registry (`rankbounds theorems` lists them) and "
            "write OUT/report.md and a self-contained OUT/report.html (statements typeset as math, figures "
            "inlined, nothing fetched from the network). For each theorem the report gives its statement, "
            "its citation and whether it is the paper's or ours, the table of bound against measured values "
            "(points checked, violations, minimum and median slack), the figures, and our numbers beside the "
            "paper's with the reproduction criterion in the caption. The summary counts, per theorem, bounds "
            "checked and violated, and paper numbers reproduced / not reproduced / not comparable.\n\n"
            "Layout: OUT/report.{md,html}, OUT/report_summary.{csv,md,tex}, and each paper's tables and "
            "figures in OUT/<paper>_results/. With --only everything goes into its own run folder "
            "OUT/only-<ids>/, so a partial run never overwrites a fuller report.\n\n"
            "Your own theorems: --plugin MODULE imports a module that registers them (repeatable); "
            "modules listed under the `rankbounds.theorems` entry-point group are loaded always.\n\n"
            "Profiles: test (seconds per theorem), quick (the default; what `make report` runs), "
            "paper (the papers' own scale: hours).\n\n"
            "Exit status: 0 when every experiment ran; 1 when one raised; with --strict also 1 when any "
            "bound is violated; 2 for bad arguments (an unknown id, a plugin that does not import).\n\n"
            "Examples:\n  rankbounds report --profile quick --only staircase.thm3_3\n"
            "  rankbounds report --plugin my_theorems --only example.eps_rank_trace --profile test"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_profile_option(p)
    add_common_options(p)
    add_plugin_option(p)
    p.add_argument("--only", nargs="+", metavar="ID", help="run only these theorem ids (into OUT/only-<ids>/)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any bound is violated")
    p.set_defaults(func=run)


def run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from numerics.report import run_folder, run_report

    outcomes = run_report(args.profile, args.out, seed=args.seed, quiet=args.quiet, only=args.only)
    where = run_folder(args.out, args.only)
    print(f"\nwrote {where / 'report.md'} and {where / 'report.html'}")
    width = max(len(o.theorem_id) for o in outcomes) if outcomes else 10
    for o in outcomes:
        print(f"  {o.theorem_id:<{width}}  {o.status:<16} {o.seconds:7.1f} s")
    if any(o.error for o in outcomes):
        return 1
    if args.strict and any(o.violations for o in outcomes):
        return 1
    return 0
