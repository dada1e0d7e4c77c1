"""Load a user's theorems: named modules (``--plugin``) and the ``rankbounds.theorems`` entry points.

A plugin is any importable module that calls `theory.register` when imported (README "Extend a
theorem"). Three ways load one: ``rankbounds report --plugin my_theorems`` (repeatable), an entry
point of a package of yours (``[project.entry-points."rankbounds.theorems"] mine = "my_theorems"``,
loaded by every command and by the pytest plugin), and ``pytest --rankbounds-plugin my_theorems``
(`numerics.pytest_plugin`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from theory.registry import ENTRY_POINT_GROUP, entry_point_modules, import_module

__all__ = ["ENTRY_POINT_GROUP", "load_plugins", "entry_point_modules"]


def load_plugins(modules: list[str] | tuple[str, ...] = (), *, entry_points: bool = True, option: str = "--plugin") -> list[str]:
    """Import each plugin module (and, with ``entry_points``, every module of the entry-point group).

    The current folder is searched first, as ``python -c "import my_theorems"`` would. A module
    that cannot be imported raises ValueError naming it and ``option`` (the CLI turns that into one
    line, exit 2).
    Returns the modules imported, in order.
    """
    names = list(modules) + (entry_point_modules() if entry_points else [])
    cwd = str(Path.cwd())
    if modules and cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)
    loaded = []
    for name in names:
        if not isinstance(name, str) or not name or name.endswith(".py"):
            hint = f" (a module name, not a file: {name[:-3]!r})" if isinstance(name, str) and name.endswith(".py") else ""
            raise ValueError(f"{option} must name an importable module, got {name!r}{hint}")
        import_module(name, what=f"{option} {name!r}", where=f"{cwd} and sys.path")
        loaded.append(name)
    return loaded
