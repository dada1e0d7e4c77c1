"""numerics.cli.ranks: `rankbounds ranks FILE` prints every measure of numerics.ranks on the saved matrix
(with its quadrature weights), and without FILE the reference table."""

from __future__ import annotations

import re

import numpy as np

from numerics import ranks
from numerics.cli import main


def _printed(out: str) -> dict[str, str]:
    """name -> value of the printed two-column list (names padded to one width, then two spaces)."""
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.strip().splitlines())


def test_ranks_prints_every_measure_of_the_saved_matrix_with_its_weights(tmp_path, capsys):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 6)) @ np.diag([3.0, 1.0, 0.5, 1e-2, 1e-4, 1e-6])
    w = np.full(30, 2.0 / 30)
    np.save(tmp_path / "A.npy", A)
    np.savetxt(tmp_path / "w.csv", w[None, :], delimiter=",")
    assert main(["ranks", str(tmp_path / "A.npy"), "--eps", "1e-3", "--weights", str(tmp_path / "w.csv"), "--k", "2"]) == 0
    got = _printed(capsys.readouterr().out)
    assert got["eps_rank (eps=0.001)"] == str(ranks.epsilon_rank(A, 1e-3, w))
    assert ranks.epsilon_rank(A, 1e-3, w) != ranks.epsilon_rank(A, 1e-3)  # the weights were used
    assert got["numerical_rank"] == str(ranks.numerical_rank(A)) and got["shape"] == "(30, 6)"
    assert float(got["stable_rank"]) == float(f"{ranks.stable_rank(A):.6g}")
    assert float(got["dist_to_rank(k=2)"]) == float(f"{ranks.dist_to_rank(A, 2):.6g}")


def test_ranks_without_a_file_prints_the_reference_table(capsys):
    from numerics.rank_table import rank_measure_table

    assert main(["ranks"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in rank_measure_table()["matrix"])


def test_a_file_of_another_kind_is_an_error_naming_it(tmp_path, capsys):
    (tmp_path / "A.json").write_text("[]")
    assert main(["ranks", str(tmp_path / "A.json")]) == 2
    assert "file must be .npy or .csv, got" in capsys.readouterr().err
