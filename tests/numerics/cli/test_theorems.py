"""numerics.cli.theorems: `rankbounds theorems` lists every registered theorem with its experiment and
citations, and --plugin adds a user's module."""

from __future__ import annotations

from numerics.cli import main
from tests.numerics.readme_theorems import run_python as _run
from tests.numerics.readme_theorems import write_my_theorems as _my_theorems


def test_plugin_option_loads_a_users_module(tmp_path):
    _my_theorems(tmp_path)
    done = _run(["-m", "numerics", "theorems", "--plugin", "my_theorems", "--latex"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "example.eps_rank_trace" in done.stdout and r"\frac{T}{eps}" in done.stdout
    # `report --plugin` itself runs in tests/test_readme_example.py (the README's recipe)


def test_theorems_lists_every_registered_theorem_with_its_experiment(capsys):
    from theory import registry

    assert main(["theorems"]) == 0
    out = capsys.readouterr().out
    for t in registry.theorems():
        assert f"{t.id}  [" in out and f"experiment: {t.experiment}" in out, t.id
        assert all(f"- {b.name}: {b.citation}" in out for b in t.bounds), t.id
    assert main(["theorems", "--latex"]) == 0
    latex = capsys.readouterr().out
    first = registry.theorems()[0].bounds[0]
    assert first.latex() in latex and first.latex() not in out  # the statements only with --latex
