"""theory.registry: the one "module:function" resolver and the entry-point module list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from theory import registry

ROOT = Path(__file__).resolve().parents[2]


def test_resolve_imports_the_named_function():
    assert registry.resolve("os.path:join") is os.path.join
    assert registry.resolve("tests.numerics.sweep_fns:logged_point").__name__ == "logged_point"


@pytest.mark.parametrize("spec, match", [
    ("nocolon", "experiment must be 'module:function', got 'nocolon'"),
    ("a:b:c", "experiment must be 'module:function', got 'a:b:c'"),
    (":f", "experiment must be 'module:function', got ':f'"),
    ("os.path:", "experiment must be 'module:function', got 'os.path:'"),
    (42, "experiment must be 'module:function', got 42"),
    ("no_such_module_xyz:f", "experiment 'no_such_module_xyz:f': no module named 'no_such_module_xyz'"),
    ("os.no_such_sub:f", "experiment 'os.no_such_sub:f': no module named 'os.no_such_sub'"),
    ("os.path:no_such_fn", "experiment 'os.path:no_such_fn': module 'os.path' has no function 'no_such_fn'"),
    ("os.path:sep", "experiment 'os.path:sep' names a str, not a function"),
])
def test_resolve_errors_name_the_string(spec, match):
    with pytest.raises(ValueError) as info:
        registry.resolve(spec)
    assert str(info.value).startswith(match)


def test_resolve_names_the_caller_in_its_errors():
    with pytest.raises(ValueError, match="^function 'os.path:nope': module 'os.path' has no function 'nope'$"):
        registry.resolve("os.path:nope", what="function")


def test_a_missing_dependency_inside_a_module_is_not_disguised(tmp_path, monkeypatch):
    """A module that exists but imports a missing one raises the real ModuleNotFoundError, not 'no module named <spec>'."""
    name = f"resolve_broken_{os.getpid()}"
    (tmp_path / f"{name}.py").write_text("import no_such_dependency_xyz\ndef f():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        registry.resolve(f"{name}:f")


def test_a_theorem_resolves_its_experiment_through_resolve():
    t = registry.Theorem(id="testpaper.resolve_toy", title="t", bounds=registry.get("staircase.thm3_3").bounds,
                         experiment="os.path:nope", paper="ours")
    with pytest.raises(ValueError, match="^Theorem 'testpaper.resolve_toy': experiment 'os.path:nope': module"):
        t.resolve_experiment()


def test_resolving_a_theory_name_imports_neither_torch_nor_numerics():
    code = ("import sys, theory.registry as r; assert r.resolve('theory.registry:ids')() == r.ids(); "
            "r.entry_point_modules(); assert 'torch' not in sys.modules and 'numerics' not in sys.modules")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_plugins_and_registry_share_the_entry_point_list():
    from numerics import plugins

    assert plugins.ENTRY_POINT_GROUP == registry.ENTRY_POINT_GROUP == "rankbounds.theorems"
    assert plugins.entry_point_modules is registry.entry_point_modules
