"""The theorem registry: theorem id -> its `Bound`s and the numerics experiment that measures them.

A user adds a theorem with one call::

    from theory.registry import Theorem, register
    register(Theorem(id="mine.lemma1", title="...", bounds=(my_bound,),
                     experiment="mypackage.experiments:lemma1", paper="ours", note="..."))

A theorem finds its experiment by convention: ``"<paper>.<name>"`` runs the function ``<name>`` of
the module ``numerics.<paper>.experiment`` (``staircase.thm3_3`` -> ``numerics.staircase.experiment:thm3_3``),
so theory names no numerics path. A user's theorem passes ``experiment="module:function"``
instead. Either way the name is resolved only when the experiment runs (by `resolve`, the one
``"module:function"`` resolver of the package, which the sweeps use too), so importing `theory`
never imports torch or `numerics`. Built-in theorems register themselves when
their theory module is imported; third-party packages can also register through the
``rankbounds.theorems`` entry-point group (each entry point is a module to import).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Callable

from theory._bound import Bound

_BUILTIN_MODULES = ("theory.staircase", "theory.bottleneck", "theory.spikes", "theory.collapse")
ENTRY_POINT_GROUP = "rankbounds.theorems"
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_SPEC_PATTERN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def import_module(name: str, *, what: str, where: str = "sys.path") -> ModuleType:
    """``importlib.import_module(name)``; when ``name`` itself (or a package above it) is missing,
    a ValueError ``"<what>: no module named '<missing>' (searched <where>)"``.

    A missing dependency inside an existing module is re-raised as it is: it is that module's bug,
    not a misspelt name.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise ValueError(f"{what}: no module named {exc.name!r} (searched {where})") from None
        raise


def resolve(spec: str, *, what: str = "experiment") -> Callable:
    """The callable that ``"module:function"`` names, imported now.

    Every ``"module:function"`` string of the package (a theorem's experiment, a sweep's function)
    is resolved here. Bad strings raise a ValueError that starts with ``what`` and quotes ``spec``:
    not of the form ``module:function``, no such module, no such attribute, or not callable.
    """
    if not isinstance(spec, str) or not _SPEC_PATTERN.match(spec):
        raise ValueError(f"{what} must be 'module:function', got {spec!r}")
    module_name, name = spec.split(":")
    module = import_module(module_name, what=f"{what} {spec!r}")
    try:
        fn = getattr(module, name)
    except AttributeError:
        raise ValueError(f"{what} {spec!r}: module {module_name!r} has no function {name!r}") from None
    if not callable(fn):
        raise ValueError(f"{what} {spec!r} names a {type(fn).__name__}, not a function")
    return fn


def entry_point_modules() -> list[str]:
    """The module of each entry point of the `ENTRY_POINT_GROUP` group of the installed packages."""
    return [ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)]


@dataclass(frozen=True)
class Theorem:
    """One registered theorem.

    Args:
        id: ``"<paper>.<theorem>"``, lower case, e.g. ``"staircase.thm3_3"``.
        title: one line for the report.
        bounds: the inequalities; the experiment reports one check row per bound and point.
        experiment: ``"module:function"``, or ``None`` (the default) for the convention
            ``numerics.<paper>.experiment:<name>`` of id ``"<paper>.<name>"``; the function follows
            `numerics.experiment.Experiment`.
        paper: ``"arXiv 2412.05144"``, or ``"ours"`` for a statement with no paper behind it (required).
        note: the proofs note, e.g. ``"proofs_notes/staircase.md"``.
    """

    id: str
    title: str
    bounds: tuple[Bound, ...]
    experiment: str | None = None
    paper: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_PATTERN.match(self.id):
            raise ValueError(f"Theorem id must look like 'paper.theorem' (lower case), got {self.id!r}")
        bounds = tuple(self.bounds)
        if not bounds or not all(isinstance(b, Bound) for b in bounds):
            raise TypeError(f"Theorem {self.id!r}: bounds must be a non-empty tuple of Bound, got {self.bounds!r}")
        names = [b.name for b in bounds]
        if len(set(names)) != len(names):
            raise ValueError(f"Theorem {self.id!r}: bound names must be unique, got {names}")
        object.__setattr__(self, "bounds", bounds)
        if not isinstance(self.paper, str) or not self.paper.strip():
            raise ValueError(f"Theorem {self.id!r}: paper must name the source ('arXiv 2412.05144', or 'ours'), "
                             f"got {self.paper!r}")
        if self.experiment is None:
            paper, name = self.id.split(".", 1)
            object.__setattr__(self, "experiment", f"numerics.{paper}.experiment:{name.replace('.', '_')}")
        if not isinstance(self.experiment, str) or not _SPEC_PATTERN.match(self.experiment):
            raise ValueError(
                f"Theorem {self.id!r}: experiment must be 'module:function', got {self.experiment!r}"
            )

    @property
    def ours(self) -> bool:
        """True when every bound is derived here rather than quoted from the paper."""
        return all(b.ours for b in self.bounds)

    def bound(self, name: str) -> Bound:
        for b in self.bounds:
            if b.name == name:
                return b
        raise KeyError(f"Theorem {self.id!r} has no bound {name!r}; it has {[b.name for b in self.bounds]}")

    def resolve_experiment(self) -> Callable:
        """Import and return the experiment function (this is where numerics gets imported); see `resolve`."""
        return resolve(self.experiment, what=f"Theorem {self.id!r}: experiment")


_REGISTRY: dict[str, Theorem] = {}
_loaded = False


def register(theorem: Theorem, *, replace: bool = False) -> Theorem:
    """Add ``theorem``; re-registering an id raises unless ``replace=True`` (or it is the same object)."""
    if not isinstance(theorem, Theorem):
        raise TypeError(f"register() takes a Theorem, got {type(theorem).__name__}")
    old = _REGISTRY.get(theorem.id)
    if old is not None and old != theorem and not replace:
        raise ValueError(f"theorem {theorem.id!r} is already registered; pass replace=True to override it")
    _REGISTRY[theorem.id] = theorem
    return theorem


def unregister(theorem_id: str) -> None:
    """Remove a theorem (used by tests and by users replacing a built-in)."""
    _REGISTRY.pop(theorem_id, None)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in _BUILTIN_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    for name in entry_point_modules():
        importlib.import_module(name)


def get(theorem_id: str) -> Theorem:
    """The registered theorem with this id."""
    _load()
    try:
        return _REGISTRY[theorem_id]
    except KeyError:
        raise KeyError(f"no theorem {theorem_id!r} registered; registered: {sorted(_REGISTRY)}") from None


def ids() -> list[str]:
    """All registered theorem ids, sorted."""
    _load()
    return sorted(_REGISTRY)


def theorems() -> list[Theorem]:
    """All registered theorems, sorted by id."""
    return [_REGISTRY[i] for i in ids()]
