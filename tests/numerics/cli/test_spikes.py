"""numerics.cli.spikes: `rankbounds spikes table|measure` write into --out, and --activation offers the
names of theory.spikes' table."""

from __future__ import annotations

import re

import pytest

from numerics.cli import main


def test_spikes_table_and_measure_write_into_out(tmp_path, capsys):
    from numerics.io import read_provenance

    out = tmp_path / "x"
    assert main(["spikes", "table", "--activation", "relu", "--kmax", "5", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "spikes_table_relu_windows.csv" in names and "spikes_table_relu_hermite.tex" in names
    import pandas as pd

    windows = pd.read_csv(out / "spikes_table_relu_windows.csv")
    assert list(windows["spikes"])[:2] == [1, 2] and read_provenance(out / "spikes_table_relu_windows.csv")["config"]["kmax"] == 5
    assert main(["spikes", "measure", "--activation", "tanh", "--n", "200", "--d", "100", "--alpha", "0.3",
                 "--out", str(out)]) == 0
    measured = pd.read_csv(out / "spikes_measure_tanh_n200_alpha0.3_seed0.csv")  # the whole stem, dots and all
    assert measured.loc[0, "n"] == 200 and measured.loc[0, "outliers"] >= 0
    capsys.readouterr()


def test_activation_choices_are_the_names_of_theory_spikes(capsys):
    """The names of theory.spikes, which numerics.spikes.measure builds its centred activations for
    (--help cannot import the table's module)."""
    import theory.spikes
    from numerics.spikes.measure import activation

    spikes = tuple(theory.spikes.ACTIVATIONS)
    assert main(["spikes", "--help"]) == 0
    assert "--activation {" + ",".join(spikes) + "}" in capsys.readouterr().out
    assert [activation(name).name for name in spikes] == list(spikes)
    with pytest.raises(ValueError, match=re.escape(f"activation must be one of {list(spikes)}")):
        activation("elu")
