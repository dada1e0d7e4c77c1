"""pytest plugin: ``pytest --rankbounds-plugin my_theorems`` puts a user's theorems under the generic test.

The generic test (tests/test_registered_theorems.py in this repository, or a copy in yours) is
parametrised over ``theory.registry.ids()`` at collection time, so a user's theorem module must be
imported before collection. This plugin imports each ``--rankbounds-plugin MODULE`` (repeatable)
and every module of the ``rankbounds.theorems`` entry-point group in ``pytest_configure``.

It is registered under the ``pytest11`` entry point when the package is installed; without an
install, load it by hand: ``pytest -p numerics.pytest_plugin --rankbounds-plugin my_theorems``.
(``pytest -p my_theorems`` also works: pytest imports the module as a plugin, which registers its
theorems.)
"""

from __future__ import annotations


def pytest_addoption(parser):
    group = parser.getgroup("rankbounds")
    group.addoption("--rankbounds-plugin", action="append", default=[], metavar="MODULE", dest="rankbounds_plugins",
                    help="import MODULE (which registers theorems) before collection; repeatable")


def pytest_configure(config):
    from numerics.plugins import load_plugins

    try:
        load_plugins(config.getoption("rankbounds_plugins") or [], option="--rankbounds-plugin")
    except ValueError as exc:
        import pytest

        raise pytest.UsageError(str(exc)) from None
