"""numerics.pytest_plugin: ``--rankbounds-plugin MODULE`` puts a user's theorem under the generic test, and
a missing module is a usage error naming the option."""

from __future__ import annotations

import re

import pytest

from tests.numerics.readme_theorems import ROOT
from tests.numerics.readme_theorems import run_python as _run
from tests.numerics.readme_theorems import write_my_theorems as _my_theorems


def test_pytest_option_puts_a_users_theorem_under_the_generic_test(tmp_path):
    _my_theorems(tmp_path)
    argv = ["-m", "pytest", str(ROOT / "tests" / "test_registered_theorems.py"), "-q", "-p", "no:cacheprovider",
            "-k", "example", "--rankbounds-plugin", "my_theorems"]
    done = _run(argv, tmp_path, extra_path=[tmp_path])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout[-1000:]


def test_pytest_option_naming_a_missing_module_is_a_usage_error():
    from types import SimpleNamespace

    from numerics.pytest_plugin import pytest_configure

    config = SimpleNamespace(getoption=lambda name: ["no_such_theorems"] if name == "rankbounds_plugins" else None)
    with pytest.raises(pytest.UsageError, match="--rankbounds-plugin 'no_such_theorems': no module named"):
        pytest_configure(config)
