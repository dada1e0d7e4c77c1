"""numerics (the package's __init__): its public API. Every name in __all__ resolves, to the object it
names (the `analyze` function, not the submodule), none is private, and importing the package is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import numerics
from tests.numerics.readme_theorems import ROOT


def test_every_exported_name_resolves_and_none_is_private():
    assert numerics.__all__ == ["analyze", "__version__"]
    for name in numerics.__all__:
        assert getattr(numerics, name) is not None, name
        assert not (name.startswith("_") and not name.endswith("_")), f"{name} is private"
    from numerics.analyze import analyze

    assert numerics.analyze is analyze  # the function, not the submodule numerics.analyze
    assert isinstance(numerics.__version__, str) and numerics.__version__[0].isdigit()


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="module 'numerics' has no attribute 'no_such_name'"):
        numerics.no_such_name  # noqa: B018
    assert not hasattr(numerics, "no_such_name")


def test_import_numerics_imports_nothing_heavy():
    code = ("import sys, numerics; "
            "print([m for m in ('torch', 'pandas', 'numpy', 'sympy', 'numerics.analyze') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.stdout.strip() == "[]", done.stdout
