"""The layout rules (issue 14, DESIGN.md "Layout"), checked on the source text.

Every rule is read off the files with `ast` and regular expressions: nothing here imports `numerics`
(one test imports `theory`, which is pure sympy). The rules:

1. Imports point down: cli (``numerics/cli/``, ``numerics/__main__.py``) -> papers
   (``numerics/<paper>/``) -> engine (``numerics/*.py``) -> theory. A paper imports no other paper;
   inside a paper a nested subpackage sits above its parent (``staircase.methods`` may import
   ``staircase``, not the reverse). No import cycle, counting imports inside functions.
2. ``theory`` imports neither torch nor numerics.
3. A theorem finds its experiment by convention, ``numerics.<paper>.experiment:<name>``; theory names
   no numerics path.
4. Private means private: a module or name starting with ``_`` is imported only inside its own unit
   (a paper subpackage, the cli, the engine, theory). Tests and proofs notes use public names.
5. Every code path that proofs_notes/*.md and README.md name exists.
6. tests/ mirrors numerics/ and theory/ file for file.
7. A paper subpackage's ``__init__.py`` is an explicit API: re-exports and ``__all__``, nothing defined,
   and no experiment module (importing a paper's measurement does not import the harness).
8. Plotting never switches the backend: ``matplotlib.use`` only in the cli, no pyplot in the library,
   figures are returned (``-> Figure``) and written only by ``numerics.io.save_figure``.
9. ``__all__`` lists only names its module defines; one class per name across the packages.

Where a rule is broken today, the fault is listed in a ``KNOWN_*`` set below and the test asserts
that the set is exact: a new fault fails, and so does a fixed fault still listed (remove it).
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PACKAGES = ("numerics", "theory")
LAYERS = {"cli": 3, "paper": 2, "engine": 1, "theory": 0}


# ----------------------------------------------------------------------------- the module table
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of numerics/ and theory/: dotted name -> file."""
    return {_module_name(p): p for top in SOURCE_PACKAGES for p in sorted((ROOT / top).rglob("*.py"))}


@functools.cache
def user_modules() -> dict[str, Path]:
    """Every Python file under tests/, benchmarks/ and scripts/ (the code that uses the packages)."""
    return {_module_name(p): p for top in ("tests", "benchmarks", "scripts") for p in sorted((ROOT / top).rglob("*.py"))}


@functools.cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@functools.cache
def papers() -> tuple[str, ...]:
    """The paper subpackages: every package directly under numerics/ except the cli."""
    return tuple(sorted(p.parent.name for p in (ROOT / "numerics").glob("*/__init__.py") if p.parent.name != "cli"))


def is_package(mod: str) -> bool:
    return mod in modules() and modules()[mod].name == "__init__.py"


def layer(mod: str) -> str:
    parts = mod.split(".")
    if parts[0] == "theory":
        return "theory"
    if mod == "numerics.__main__" or parts[1:2] == ["cli"]:
        return "cli"
    if parts[1:2] and parts[1] in papers():
        return "paper"
    return "engine"


def unit(mod: str) -> str:
    """Whose privates a module may use: its paper subpackage, the cli, the engine or theory (tests: its own)."""
    parts = mod.split(".")
    if parts[0] == "numerics" and len(parts) > 1 and (ROOT / "numerics" / parts[1] / "__init__.py").exists():
        return f"numerics.{parts[1]}"
    return parts[0]


def own_package(mod: str) -> str:
    return mod if is_package(mod) else mod.rpartition(".")[0]


def _private(name: str) -> bool:
    """``_x`` is private; dunders (``__init__``, ``__version__``) and sunders (``_repr_html_``) are not."""
    return name.startswith("_") and not name.endswith("_")


# ----------------------------------------------------------------------------- imports
@dataclass(frozen=True)
class Import:
    source: str      # the importing module
    target: str      # the module of ours it reaches (numerics.* or theory.*)
    name: str | None  # ``from target import name``: the name when it is not itself a module
    line: int


def _resolve_base(source: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    parts = package.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _known(name: str) -> str | None:
    """The longest prefix of ``name`` that is a module of ours."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in modules():
            return ".".join(parts[:i])
    return None


@functools.cache
def imports_of(source: str, path: Path) -> tuple[Import, ...]:
    """Every import of a module of ours in one file, at any depth (lazy imports in functions count),
    including ``importlib.import_module("numerics....")`` with a literal name."""
    out = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (t := _known(alias.name)) is not None:
                    out.append(Import(source, t, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_base(source, path, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules():
                    out.append(Import(source, full, None, node.lineno))
                elif base in modules():
                    out.append(Import(source, base, alias.name, node.lineno))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "import_module"):
            if (t := _known(node.args[0].value)) is not None:
                out.append(Import(source, t, None, node.lineno))
    return tuple(out)


def external_imports(path: Path) -> set[str]:
    """Top-level names of every module a file imports, at any depth."""
    out = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


@functools.cache
def edges() -> frozenset[tuple[str, str]]:
    return frozenset((i.source, i.target) for m, p in modules().items() for i in imports_of(m, p) if i.source != i.target)


# ----------------------------------------------------------------------------- 1. imports point down
def _allowed(src: str, dst: str) -> bool:
    a, b = layer(src), layer(dst)
    if LAYERS[a] != LAYERS[b]:
        return LAYERS[a] > LAYERS[b]
    if a != "paper":
        return True
    # one paper: the importer's package is the target's package or nested inside it
    return own_package(src) == own_package(dst) or own_package(src).startswith(own_package(dst) + ".")


# (importer, imported) edges that point up today; each is being removed by the layout work.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def upward_edges() -> set[tuple[str, str]]:
    return {(s, d) for s, d in edges() if not _allowed(s, d)}


def test_every_module_has_a_layer_and_the_papers_match_theory():
    theory_papers = {p.stem for p in (ROOT / "theory").glob("*.py") if "Theorem(" in p.read_text(encoding="utf-8")
                     and p.stem != "registry"}
    assert set(papers()) == theory_papers, "each paper has one module in theory and one subpackage in numerics"
    assert {layer(m) for m in modules()} == set(LAYERS)


def test_imports_point_down():
    found = upward_edges()
    new = sorted(found - KNOWN_UPWARD)
    assert not new, "imports that point up (cli -> papers -> engine -> theory; a paper imports no other paper):\n" + \
        "\n".join(f"  {s} -> {d}" for s, d in new)
    stale = sorted(KNOWN_UPWARD - found)
    assert not stale, f"fixed: remove these from KNOWN_UPWARD: {stale}"


def test_the_layer_check_catches_every_kind_of_upward_edge():
    assert not _allowed("numerics.ranks", "numerics.staircase.measure")          # engine -> paper
    assert not _allowed("numerics.ranks", "numerics.cli._common")                # engine -> cli
    assert not _allowed("numerics.spikes.measure", "numerics.cli")               # paper -> cli
    assert not _allowed("numerics.spikes.experiment", "numerics.staircase.problem")  # paper -> other paper
    assert not _allowed("numerics.staircase.experiment", "numerics.staircase.methods.pinn")  # parent -> nested
    assert not _allowed("theory.staircase", "numerics.ranks")                    # theory -> numerics
    assert _allowed("numerics.staircase.methods.pinn", "numerics.staircase.training")
    assert _allowed("numerics.cli.staircase", "numerics.staircase.experiment")
    assert _allowed("numerics.staircase.measure", "theory.staircase")


def _cycles(graph: frozenset[tuple[str, str]]) -> set[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    succ: dict[str, list[str]] = {}
    for s, d in sorted(graph):
        succ.setdefault(s, []).append(d)
        succ.setdefault(d, [])
    index, low, on_stack, stack, out = {}, {}, set(), [], set()
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.add(frozenset(comp))
    return out


# Import cycles today (each a set of modules that reach each other).
KNOWN_CYCLES: set[frozenset[str]] = set()


def test_no_import_cycle():
    found = _cycles(edges())
    new = [sorted(c) for c in found - KNOWN_CYCLES]
    assert not new, f"import cycles (lazy imports count): {new}"
    stale = [sorted(c) for c in KNOWN_CYCLES - found]
    assert not stale, f"fixed: remove these from KNOWN_CYCLES: {stale}"


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    g = frozenset({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d"), ("f", "a")})
    assert _cycles(g) == {frozenset("abc"), frozenset("de")}
    assert _cycles(frozenset({("a", "b"), ("b", "c"), ("a", "c")})) == set()


# ----------------------------------------------------------------------------- 2. theory stays pure
def test_theory_imports_neither_torch_nor_numerics():
    bad = {m: sorted(external_imports(p) & {"torch", "numerics"}) for m, p in modules().items() if m.startswith("theory")}
    bad = {m: v for m, v in bad.items() if v}
    literal = [(i.source, i.target) for m, p in modules().items() if m.startswith("theory")
               for i in imports_of(m, p) if i.target.startswith("numerics")]
    assert not bad and not literal, f"theory must stay pure sympy/numpy: {bad} {literal}"


# ----------------------------------------------------------------------------- 3. the registry convention
def _theorem_calls():
    for m, p in modules().items():
        if not m.startswith("theory."):
            continue
        for node in ast.walk(tree(p)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Theorem":
                yield m, node


def test_theory_names_no_numerics_path():
    named = []
    for m, call in _theorem_calls():
        given = [k.value for k in call.keywords if k.arg == "experiment"] + call.args[3:4]
        named += [(m, call.lineno, ast.unparse(v)) for v in given if not (isinstance(v, ast.Constant) and v.value is None)]
    assert not named, f"a built-in theorem finds its experiment by convention; these name one: {named}"
    assert any(True for _ in _theorem_calls()), "no Theorem(...) found in theory/: the parser lost them"


def top_level_names(path: Path) -> set[str]:
    """Names a module defines at its top level (defs, classes, assignments, imports; a package's submodules)."""
    names = set()
    for node in tree(path).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.If, ast.Try)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
                    names.add(sub.name)
                elif isinstance(sub, ast.Assign):
                    names |= {n.id for t in sub.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    for node in tree(path).body:  # a module __getattr__ provides the names it compares against
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            names |= {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                      and c.value.isidentifier()}
    if path.name == "__init__.py":
        names |= {p.stem for p in path.parent.glob("*.py") if p.stem != "__init__"}
        names |= {p.parent.name for p in path.parent.glob("*/__init__.py")}
    return names


def test_every_registered_theorem_finds_its_experiment_by_convention():
    from theory import registry

    builtin = [t for t in registry.theorems() if t.id.split(".")[0] in papers()]
    assert {t.id.split(".")[0] for t in builtin} == set(papers())
    for t in builtin:
        paper, name = t.id.split(".", 1)
        assert t.experiment == f"numerics.{paper}.experiment:{name.replace('.', '_')}", t
        module, function = t.experiment.split(":")
        assert function in top_level_names(modules()[module]), f"{t.id}: {module} defines no {function!r}"


# ----------------------------------------------------------------------------- 4. private means private
def _private_part(dotted: str) -> str | None:
    for part in dotted.split(".")[1:]:
        if _private(part):
            return part
    return None


def _module_aliases(path: Path, source: str) -> dict[str, str]:
    """Local names bound to a module of ours: ``import numerics.x as y``, ``from numerics import x``."""
    out = {}
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _known(a.name) is not None:
                    out[a.asname] = a.name if a.asname else None
                    if not a.asname:
                        out[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_base(source, path, node)
            for a in node.names:
                if f"{base}.{a.name}" in modules():
                    out[a.asname or a.name] = f"{base}.{a.name}"
    return {k: v for k, v in out.items() if k and v}


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def private_uses(source: str, path: Path) -> set[tuple[str, str]]:
    """(file, what) for every private module or name of another unit that one file uses: by import, as an
    attribute of an imported module (``E._x``), or by name (``setattr(E, "_x", ...)``, ``"numerics.a._x"``)."""
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    home = unit(source)
    found = set()

    def use(dotted: str) -> None:
        mod = _known(dotted)
        if mod is None:
            return
        part = _private_part(dotted)
        if part is None:
            return
        owner, _, _ = dotted.partition("." + part)  # the module or package that holds the private part
        if unit(owner) != home:
            found.add((rel, f"{owner}.{part}"))

    for i in imports_of(source, path):
        use(i.target if i.name is None else f"{i.target}.{i.name}")
    aliases = _module_aliases(path, source)
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Attribute) and (d := _dotted(node)) and d[0] in aliases:
            use(".".join([aliases[d[0]], *d[1:]]))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("setattr", "getattr"):
            args = node.args
            if len(args) >= 2 and (d := _dotted(args[0])) and d[0] in aliases and isinstance(args[1], ast.Constant) \
                    and isinstance(args[1].value, str):
                use(".".join([aliases[d[0]], *d[1:], args[1].value]))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"(numerics|theory)(\.\w+)+(:\w+)?", node.value):
            use(node.value.replace(":", "."))
    return found


# Uses of another unit's private names today, as (file, dotted name). A test that needs one of these
# has no public name to use yet.
KNOWN_PRIVATE_USES: set[tuple[str, str]] = set()


def all_private_uses() -> set[tuple[str, str]]:
    out = set()
    for table in (modules(), user_modules()):
        for m, p in table.items():
            if p != Path(__file__).resolve():  # this file names private paths as examples
                out |= private_uses(m, p)
    return out


def test_private_names_stay_inside_their_unit():
    found = all_private_uses()
    new = sorted(found - KNOWN_PRIVATE_USES)
    assert not new, "private modules/names used outside their subpackage (use or add a public name):\n" + \
        "\n".join(f"  {f}: {what}" for f, what in new)
    stale = sorted(KNOWN_PRIVATE_USES - found)
    assert not stale, f"fixed: remove these from KNOWN_PRIVATE_USES: {stale}"


def test_the_private_check_sees_imports_attributes_and_strings(tmp_path):
    assert unit("numerics.staircase.methods.pinn") == unit("numerics.staircase.figures") == "numerics.staircase"
    assert unit("numerics.ranks") == "numerics" and unit("numerics.cli._common") == "numerics.cli"
    assert unit("tests.numerics.test_ranks") == "tests" and unit("theory._bound") == "theory"
    assert _private("_x") and not _private("__init__") and not _private("_repr_html_")
    f = tmp_path / "probe.py"
    f.write_text("from numerics.cli._common import seeds_from\nfrom numerics.staircase.methods import pinn as P\n"
                 "import numerics.ranks\nP._tensors\nsetattr(P, '_tensors', 1)\nnumerics.ranks._scaled\n"
                 "x = 'numerics.io:_atomic'\nP.poisson_problem\nfrom numerics.staircase.experiment import _layer_columns\n")
    got = {what for _f, what in private_uses("tests.probe", f)}
    assert got == {"numerics.cli._common", "numerics.staircase.methods.pinn._tensors", "numerics.ranks._scaled",
                   "numerics.io._atomic", "numerics.staircase.experiment._layer_columns"}, got
    assert private_uses("numerics.staircase.figures", f) >= {("probe.py", "numerics.cli._common")}
    assert ("probe.py", "numerics.staircase.experiment._layer_columns") not in private_uses("numerics.staircase.figures", f)


# ----------------------------------------------------------------------------- 5. named code paths exist
DOCS = ("README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "proofs_notes").glob("*.md")))
_SPAN = re.compile(r"`([^`\n]+)`")
_FILE = re.compile(r"(?<![\w./-])((?:numerics|theory|tests|benchmarks|scripts|proofs_notes)/[\w./-]*)(?:::([\w*\[\]-]+))?")
_DOTTED = re.compile(r"(?<![\w./-])((?:numerics|theory)(?:\.\w+)+)(?::(\w+))?")
_TEST = re.compile(r"test_[\w*]+")


@functools.cache
def _tests_in(path: Path) -> frozenset[str]:
    return frozenset(n.name for n in ast.walk(tree(path)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name.startswith("test"))


@functools.cache
def all_test_functions() -> frozenset[str]:
    return frozenset().union(*(_tests_in(p) for p in (ROOT / "tests").rglob("test_*.py")))


def _class_names(path: Path, cls: str) -> set[str] | None:
    for node in tree(path).body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            names = set()
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(sub.name)
                elif isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name):
                    names.add(sub.target.id)
                elif isinstance(sub, ast.Assign):
                    names |= {t.id for t in sub.targets if isinstance(t, ast.Name)}
            return names
    return None


def check_reference(text: str) -> list[str]:
    """The problems with one code reference (``numerics.a.b``, ``numerics/a.py``, ``tests/x.py::test_y``)."""
    problems = []
    for m in _FILE.finditer(text):
        path, test = m.group(1).rstrip("."), m.group(2)
        attr = None
        if not path.endswith(("/", ".py", ".md")) and "." in path.rsplit("/", 1)[-1]:
            path, attr = path.split(".", 1)[0] + ".py", path.split(".", 1)[1]  # numerics/a.f -> a.py, f
        if not (ROOT / path).exists():
            problems.append(f"no file {path}")
            continue
        if test and path.endswith(".py"):
            if not any(fnmatch.fnmatchcase(t, test.split("[")[0]) for t in _tests_in(ROOT / path)):
                problems.append(f"{path} has no test {test}")
        if attr and attr.split(".")[0] not in top_level_names(ROOT / path):
            problems.append(f"{path} defines no {attr}")
        if _private_part(path.replace("/", ".").removesuffix(".py")) or (attr and _private(attr)):
            problems.append(f"names a private path {m.group(0)}")
    for m in _DOTTED.finditer(text):
        dotted = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
        mod = _known(dotted)
        if mod is None:
            problems.append(f"no module {dotted}")
            continue
        rest = dotted[len(mod) + 1:].split(".") if dotted != mod else []
        if rest:
            if rest[0] not in top_level_names(modules()[mod]):
                problems.append(f"{mod} defines no {rest[0]}")
            elif len(rest) > 1 and (members := _class_names(modules()[mod], rest[0])) is not None and rest[1] not in members:
                problems.append(f"{mod}.{rest[0]} has no {rest[1]}")
        if _private_part(dotted):
            problems.append(f"names a private name {dotted}")
    if _TEST.fullmatch(text) and not any(fnmatch.fnmatchcase(t, text) for t in all_test_functions()):
        problems.append(f"no test named {text}")
    return problems


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def doc_problems(doc: str) -> list[str]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    out = []
    for block in _code_blocks(text):
        body = ast.parse(block)
        for node in ast.walk(body):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SOURCE_PACKAGES:
                out += [f"{doc}: {p}" for a in node.names for p in check_reference(f"{node.module}.{a.name}")]
            elif isinstance(node, ast.Import):
                out += [f"{doc}: {p}" for a in node.names if a.name.split(".")[0] in SOURCE_PACKAGES
                        for p in check_reference(a.name)]
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in _SPAN.findall(text):
        out += [f"{doc}: `{span}`: {p}" for p in check_reference(span)]
    return out


KNOWN_DOC_PROBLEMS: set[str] = set()


def test_every_code_path_the_docs_name_exists():
    found = {p for doc in DOCS for p in doc_problems(doc)}
    new = sorted(found - KNOWN_DOC_PROBLEMS)
    assert not new, "code paths named in the docs that do not exist (or are private):\n" + "\n".join(f"  {p}" for p in new)
    stale = sorted(KNOWN_DOC_PROBLEMS - found)
    assert not stale, f"fixed: remove these from KNOWN_DOC_PROBLEMS: {stale}"


def test_the_reference_check_catches_each_kind_of_wrong_path():
    assert check_reference("numerics.ranks.epsilon_rank") == []
    assert check_reference("numerics/staircase/measure.py") == []
    assert check_reference("tests/test_layout.py::test_the_reference_check_catches_each_kind_of_wrong_path") == []
    assert check_reference("numerics.staircase.experiment:thm3_3") == []
    assert check_reference("test_imports_point_down") == []
    assert check_reference("numerics.staircase_experiment") == ["numerics defines no staircase_experiment"]
    assert check_reference("numerics.ranks.no_such_measure") == ["numerics.ranks defines no no_such_measure"]
    assert check_reference("numerics/models.py") == ["no file numerics/models.py"]
    assert check_reference("tests/test_layout.py::test_nothing") == ["tests/test_layout.py has no test test_nothing"]
    assert check_reference("test_no_such_test_anywhere") == ["no test named test_no_such_test_anywhere"]
    assert check_reference("theory._bound") == ["names a private name theory._bound"]


# ----------------------------------------------------------------------------- 6. tests mirror the source
def mirror_test(path: Path) -> Path:
    """numerics/a/b.py -> tests/numerics/a/test_b.py; a package's __init__.py -> tests/<pkg>/test_<pkg>.py."""
    rel = path.relative_to(ROOT)
    if path.name == "__init__.py":
        return ROOT / "tests" / rel.parent / f"test_{rel.parent.name}.py"
    return ROOT / "tests" / rel.parent / f"test_{path.stem.lstrip('_')}.py"


def defines_anything(path: Path) -> bool:
    return any(not isinstance(n, (ast.Expr, ast.ImportFrom, ast.Import)) and not _is_all(n) for n in tree(path).body)


def _is_all(node: ast.AST) -> bool:
    return isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]


UNTESTABLE = {
    "numerics/__main__.py": "two lines that call numerics.cli.main; test_cli runs `python -m numerics`",
}

# Source files with no test file at the mirrored path today (their tests live elsewhere or are missing).
KNOWN_UNMIRRORED: set[str] = set()

# Test files under tests/numerics or tests/theory that mirror no source file, each with its reason.
CROSS_CUTTING = {
    "tests/numerics/test_boundary_ties.py": "an eigenvalue exactly at ε on every ε-rank path (ranks, tracking, staircase)",
}


def unmirrored() -> set[str]:
    out = set()
    for m, p in modules().items():
        rel = str(p.relative_to(ROOT))
        if rel in UNTESTABLE or (p.name == "__init__.py" and not defines_anything(p)):
            continue
        if not mirror_test(p).exists():
            out.add(rel)
    return out


def test_the_mirror_of_a_file_a_private_file_and_a_package():
    assert mirror_test(ROOT / "numerics/staircase/methods/pinn.py") == ROOT / "tests/numerics/staircase/methods/test_pinn.py"
    assert mirror_test(ROOT / "theory/_bound.py") == ROOT / "tests/theory/test_bound.py"
    assert mirror_test(ROOT / "numerics/cli/__init__.py") == ROOT / "tests/numerics/cli/test_cli.py"


def test_tests_mirror_the_source_file_for_file():
    found = unmirrored()
    new = sorted(found - KNOWN_UNMIRRORED)
    assert not new, "source files without a test at the mirrored path:\n" + \
        "\n".join(f"  {f} -> {mirror_test(ROOT / f).relative_to(ROOT)}" for f in new)
    stale = sorted(KNOWN_UNMIRRORED - found)
    assert not stale, f"fixed: remove these from KNOWN_UNMIRRORED: {stale}"
    assert all((ROOT / f).exists() for f in UNTESTABLE), "UNTESTABLE names a file that is gone"


def test_every_test_file_mirrors_a_source_file():
    mirrors = {mirror_test(p) for p in modules().values()}
    orphans = sorted(str(p.relative_to(ROOT)) for top in SOURCE_PACKAGES for p in (ROOT / "tests" / top).rglob("test_*.py")
                     if p not in mirrors and str(p.relative_to(ROOT)) not in CROSS_CUTTING)
    assert not orphans, f"test files that mirror no source file (a renamed module?): {orphans}"
    assert all((ROOT / f).exists() for f in CROSS_CUTTING), "CROSS_CUTTING names a file that is gone"


# ----------------------------------------------------------------------------- 7. explicit paper APIs
def paper_inits() -> list[str]:
    return [m for m in modules() if layer(m) == "paper" and is_package(m)]


def api_problems(mod: str, path: Path | None = None) -> list[str]:
    path = modules()[mod] if path is None else path
    body = tree(path).body
    problems, exported, declared = [], [], None
    for i, node in enumerate(body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.ImportFrom):
            base = _resolve_base(mod, path, node)
            if not (base == mod or base.startswith(mod + ".")):
                problems.append(f"line {node.lineno}: re-exports from {base}, outside {mod}")
                continue
            for a in node.names:
                name = a.asname or a.name
                if _private(name):
                    problems.append(f"line {node.lineno}: exports a private name {name}")
                if _private_part(base) and a.asname != a.name:
                    problems.append(f"line {node.lineno}: from a private module, write `{a.name} as {a.name}`")
                if base in modules() and a.name not in top_level_names(modules()[base]):
                    problems.append(f"line {node.lineno}: {base} defines no {a.name}")
                if (ROOT / Path(*mod.split(".")) / f"{name}.py").exists() or (ROOT / Path(*mod.split(".")) / name).is_dir():
                    problems.append(f"line {node.lineno}: {name} hides the submodule {mod}.{name}")
                exported.append(name)
        elif _is_all(node) and isinstance(node.value, (ast.List, ast.Tuple)):
            declared = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
        else:
            problems.append(f"line {node.lineno}: defines something ({type(node).__name__}); an __init__ only re-exports")
    if exported or declared is not None:
        if declared is None:
            problems.append("re-exports without __all__")
        elif sorted(declared) != sorted(exported):
            problems.append(f"__all__ {sorted(declared)} != the re-exported names {sorted(exported)}")
    return problems


def test_paper_init_files_are_explicit_apis():
    inits = paper_inits()
    assert {m.split(".")[1] for m in inits} == set(papers())
    problems = {m: api_problems(m) for m in inits}
    assert not any(problems.values()), {m: p for m, p in problems.items() if p}
    empty = [m for m in inits if m.count(".") == 1 and not any(isinstance(n, ast.ImportFrom) for n in tree(modules()[m]).body)]
    assert not empty, f"each paper's __init__ exports its public API; these export nothing: {empty}"
    # importing one piece of a paper (its measure, its config) must not import the experiment harness
    heavy = sorted((m, i.target) for m in inits for i in imports_of(m, modules()[m]) if i.target.endswith(".experiment"))
    assert not heavy, f"a paper's __init__ re-exports no experiment module: {heavy}"


def test_the_api_check_rejects_definitions_and_mismatched_all(tmp_path):
    probe = tmp_path / "__init__.py"
    probe.write_text('"""doc"""\nfrom numerics.staircase.measure import check_bounds\nfrom .experiment import experiment\n'
                     'from ._x import y\nfrom .measure import _hidden as _hidden\ndef f():\n    pass\n__all__ = ["f"]\n')
    problems = "\n".join(api_problems("numerics.spikes", probe))
    for wanted in ("re-exports from numerics.staircase.measure, outside numerics.spikes", "hides the submodule",
                   "write `y as y`", "exports a private name _hidden", "defines something (FunctionDef)",
                   "__all__ ['f'] != the re-exported names"):
        assert wanted in problems, problems
    good = tmp_path / "good" / "__init__.py"
    good.parent.mkdir()
    good.write_text('"""doc"""\nfrom numerics.spikes.measure import activation\n__all__ = ["activation"]\n')
    assert api_problems("numerics.spikes", good) == []


# ----------------------------------------------------------------------------- 8. plotting
def backend_problems(table: dict[str, Path] | None = None) -> set[str]:
    out = set()
    for m, p in (modules() if table is None else table).items():
        if layer(m) == "cli":
            continue  # the command line chooses Agg
        rel = str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name
        for node in ast.walk(tree(p)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = _dotted(node.func.value)
                if node.func.attr in ("use", "switch_backend") and owner and owner[0] in ("matplotlib", "mpl", "plt", "pyplot"):
                    out.add(f"{rel}:{node.lineno}: {ast.unparse(node.func)}() outside the cli")
                if node.func.attr == "savefig" and m != "numerics.io":
                    out.add(f"{rel}:{node.lineno}: savefig outside numerics.io.save_figure")
            elif isinstance(node, ast.Import) and any(a.name.startswith("matplotlib.pyplot") for a in node.names) or \
                    isinstance(node, ast.ImportFrom) and (node.module == "matplotlib.pyplot" or
                                                          node.module == "matplotlib" and any(a.name == "pyplot" for a in node.names)):
                out.add(f"{rel}:{node.lineno}: imports pyplot (global figure state) outside the cli")
    return out


def test_plotting_never_switches_the_backend_and_only_io_writes_figures():
    assert not backend_problems(), sorted(backend_problems())


# Figure functions that return a Figure but do not say so in their signature today.
KNOWN_UNANNOTATED_FIGURES: set[str] = set()


def test_the_backend_check_catches_use_pyplot_and_savefig(tmp_path):
    lib = tmp_path / "lib.py"
    lib.write_text("import matplotlib\nimport matplotlib.pyplot as plt\nfrom matplotlib import pyplot\n"
                   "matplotlib.use('Agg')\nplt.switch_backend('Agg')\nfig.savefig('x.png')\n")
    found = backend_problems({"numerics.spikes.figures": lib})
    assert {f.split(":")[1] for f in found} == {"2", "3", "4", "5", "6"}, found
    assert backend_problems({"numerics.cli.spikes": lib}) == set()


def figure_functions() -> dict[str, ast.FunctionDef]:
    """Public functions of the library that draw: everything in a figures.py, ``*_figure``, ``plot_*``."""
    out = {}
    for m, p in modules().items():
        if layer(m) in ("cli", "theory") or m == "numerics.io":  # io.save_figure writes, it does not draw
            continue
        for node in tree(p).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and (
                    p.name == "figures.py" or node.name.endswith("_figure") or node.name.startswith("plot_")):
                out[f"{m}.{node.name}"] = node
    return out


def test_library_figure_functions_return_a_figure():
    assert figure_functions(), "no figure functions found: the scan is broken"
    wrong = sorted(name for name, fn in figure_functions().items()
                   if fn.returns is None or not ast.unparse(fn.returns).strip("'\"").endswith("Figure"))
    new = sorted(set(wrong) - KNOWN_UNANNOTATED_FIGURES)
    assert not new, f"library figure functions must be annotated `-> Figure` (and return one): {new}"
    stale = sorted(KNOWN_UNANNOTATED_FIGURES - set(wrong))
    assert not stale, f"fixed: remove these from KNOWN_UNANNOTATED_FIGURES: {stale}"


# ----------------------------------------------------------------------------- __all__ is true
# (module, name) pairs that a module's __all__ lists but the module does not define today.
KNOWN_ALL_PROBLEMS: set[tuple[str, str]] = set()


def all_problems() -> set[tuple[str, str]]:
    out = set()
    for m, p in modules().items():
        for node in tree(p).body:
            if _is_all(node) and isinstance(node.value, (ast.List, ast.Tuple)):
                defined = top_level_names(p)
                out |= {(m, e.value) for e in node.value.elts if isinstance(e, ast.Constant) and e.value not in defined}
    return out


def test_every_all_lists_only_names_its_module_defines():
    found = all_problems()
    new = sorted(found - KNOWN_ALL_PROBLEMS)
    assert not new, f"__all__ names that the module does not define (`from m import *` raises): {new}"
    stale = sorted(KNOWN_ALL_PROBLEMS - found)
    assert not stale, f"fixed: remove these from KNOWN_ALL_PROBLEMS: {stale}"


# ----------------------------------------------------------------------------- one of each
# Class names defined in more than one module today ("one BatchedMLP, one result type per concept"):
# none since the one-trainer port (collapse's BatchedMLP became numerics.nets.StackedReLUMLP).
KNOWN_DUPLICATE_CLASSES: dict[str, frozenset[str]] = {}


def duplicate_classes() -> dict[str, frozenset[str]]:
    seen: dict[str, set[str]] = {}
    for m, p in modules().items():
        for node in tree(p).body:
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, set()).add(m)
    return {name: frozenset(ms) for name, ms in seen.items() if len(ms) > 1}


def test_one_class_per_name():
    found = duplicate_classes()
    new = {k: sorted(v) for k, v in found.items() if KNOWN_DUPLICATE_CLASSES.get(k) != v}
    assert not new, f"one concept, one class: these names are defined in several modules: {new}"
    stale = sorted(set(KNOWN_DUPLICATE_CLASSES) - set(found))
    assert not stale, f"fixed: remove these from KNOWN_DUPLICATE_CLASSES: {stale}"


# ----------------------------------------------------------------------------- docstrings name real paths
def prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every docstring and comment of one file."""
    import io
    import tokenize

    out = []
    for node in ast.walk(tree(path)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.append((first.lineno, first.value.value))
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.COMMENT:
            out.append((tok.start[0], tok.string))
    return out


def source_doc_problems() -> set[tuple[str, str]]:
    """(file, problem) for every code path a docstring or comment names that does not exist.

    Private names are not flagged here: a module's own docstrings may name its private helpers."""
    out = set()
    for table in (modules(), user_modules()):
        for p in table.values():
            if p == Path(__file__).resolve():
                continue  # this file names wrong paths on purpose
            rel = str(p.relative_to(ROOT))
            for _line, text in prose(p):
                for m in [*_FILE.finditer(text), *_DOTTED.finditer(text)]:
                    out |= {(rel, f"{m.group(0)}: {q}") for q in check_reference(m.group(0)) if "private" not in q}
    return out


KNOWN_SOURCE_DOC_PROBLEMS: set[tuple[str, str]] = set()


def test_every_code_path_a_docstring_or_comment_names_exists():
    found = source_doc_problems()
    new = sorted(found - KNOWN_SOURCE_DOC_PROBLEMS)
    assert not new, "docstrings and comments that name a path that does not exist:\n" + "\n".join(f"  {f}: {q}" for f, q in new)
    stale = sorted(KNOWN_SOURCE_DOC_PROBLEMS - found)
    assert not stale, f"fixed: remove these from KNOWN_SOURCE_DOC_PROBLEMS: {stale}"
