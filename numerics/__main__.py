"""``python -m numerics``: the ``rankbounds`` command line."""

from numerics.cli import main

raise SystemExit(main())
