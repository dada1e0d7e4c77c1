"""``rankbounds theorems``: list the registered theorems."""

from __future__ import annotations

from numerics.cli._common import add_plugin_option


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "theorems",
        help="list registered theorems, their bounds and citations",
        description=(
            "List every theorem in the registry (theory.registry): its id, whether the statement is "
            "the paper's or derived here, each bound's citation, and the experiment that measures it. "
            "Add --latex to print each bound's statement as LaTeX (Bound.latex(), the paper's notation). "
            "--plugin MODULE lists your own theorems too."
        ),
    )
    p.add_argument("--latex", action="store_true", help="also print each bound as LaTeX")
    add_plugin_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from theory import registry

    for t in registry.theorems():
        print(f"{t.id}  [{'ours' if t.ours else t.paper}]  {t.title}")
        print(f"    experiment: {t.experiment}    note: {t.note}")
        for b in t.bounds:
            print(f"    - {b.name}: {b.citation}{'  (ours)' if b.ours else ''}")
            if args.latex:
                print(f"        {b.latex()}")
    return 0
