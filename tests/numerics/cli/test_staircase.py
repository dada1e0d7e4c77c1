"""numerics.cli.staircase: --activation offers the names of the engine's table (numerics.activations)."""

from __future__ import annotations

from numerics.cli import main


def test_activation_choices_are_the_engine_tables_names(capsys):
    """The engine table, `numerics.activations` (--help cannot import it: the choices are a copy)."""
    from numerics.activations import NAMES

    assert main(["staircase", "--help"]) == 0
    assert "--activation {" + ",".join(NAMES) + "}" in capsys.readouterr().out
