"""numerics.activations: the one table of σ, its torch and numpy columns, and who reads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

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


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", NAMES)
def test_backward_column_is_autograds_derivative_bit_for_bit(name, dtype):
    gen = torch.Generator().manual_seed(1)
    z = torch.cat([6 * torch.randn(200, generator=gen, dtype=dtype), torch.zeros(2, dtype=dtype)])  # 0: relu/elu kink
    g = torch.randn(z.shape, generator=gen, dtype=dtype)
    zz = z.clone().requires_grad_(True)
    s = torch_activation(name)(zz)
    (expected,) = torch.autograd.grad(s, zz, g)
    got = table()[name].torch_backward(g, z, s.detach())
    assert got.dtype == dtype and torch.equal(got, expected)


def test_unknown_name_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"activation must be one of \['tanh'.*got 'swish'"):
        torch_activation("swish")
    with pytest.raises(ValueError, match="activation must be one of"):
        numpy_activation("Tanh")


def test_names_need_neither_torch_nor_numpy_and_numpy_twins_need_no_torch():
    code = ("import sys; from numerics.activations import NAMES, numpy_activation; "
            "print(NAMES, [m for m in ('torch', 'numpy') if m in sys.modules]); "
            "import numpy as np; [numpy_activation(n)(np.ones(3)) for n in NAMES]; "
            "import numerics.rank_table as r; r.random_tanh_features(4, 2); print('torch' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split("\n")[:2] == [f"{NAMES!r} []", "False"]


def test_every_reader_takes_the_table(capsys):
    from numerics import nets
    from numerics.cli import main
    from numerics.staircase.config import PROFILES

    assert nets.ACTIVATIONS == {n: a.torch for n, a in table().items()}
    assert all(set(p.thm3_2.activations) <= set(NAMES) for p in PROFILES.values())
    assert main(["staircase", "--help"]) == 0
    assert "{" + ",".join(NAMES) + "}" in capsys.readouterr().out
