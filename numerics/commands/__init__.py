"""CLI subcommands. Each module here defines ``register(subparsers)``; `numerics.cli` finds them all.

To add a command, add a module with::

    def register(subparsers):
        p = subparsers.add_parser("name", help="one line", description="what it teaches")
        add_common_options(p)
        p.set_defaults(func=run)
"""
