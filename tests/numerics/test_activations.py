"""numerics.activations: the one table of σ, its torch and numpy columns, and who reads it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from numerics import activations
from numerics.activations import NAMES, numpy_activation, table, torch_activation


def test_the_table_holds_every_name_in_order():
    # a row added without its name (or a name without its row) fails here
    assert tuple(table()) == NAMES
    assert all(a.name == name for name, a in table().items())


@pytest.mark.parametrize("name", NAMES)
def test_numpy_twin_is_the_torch_function_in_float64(name):
    z = np.concatenate([np.linspace(-30.0, 30.0, 601), [-1e-300, 0.0, 1e-300]])
    expected = torch_activation(name)(torch.from_numpy(z)).numpy()
    got = numpy_activation(name)(z)
    assert got.dtype == np.float64 and got.shape == z.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)  # gelu: erf rounds differently in the tail


def test_unknown_name_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"activation must be one of \['tanh'.*got 'swish'"):
        torch_activation("swish")
    with pytest.raises(ValueError, match="activation must be one of"):
        numpy_activation("Tanh")


def test_reading_the_names_imports_neither_torch_nor_numpy():
    code = ("import sys; from numerics.activations import NAMES; "
            "print(NAMES, [m for m in ('torch', 'numpy') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"{NAMES!r} []"
    assert activations.__name__ == "numerics.activations"


def test_every_reader_takes_the_table(capsys):
    from numerics import nets
    from numerics.cli import main
    from numerics.staircase import measure

    assert nets.ACTIVATIONS == {n: a.torch for n, a in table().items()}
    assert set(measure.ACTIVATIONS) <= set(NAMES)
    assert main(["staircase", "--help"]) == 0
    assert "{" + ",".join(NAMES) + "}" in capsys.readouterr().out
