"""numerics.cli.methods: the §4 experiment ids it names without importing match the registry of methods,
and an unknown id is one error naming the known ones."""

from __future__ import annotations

from numerics.cli import main


def test_methods_ids_named_without_import_match_the_registry_of_methods():
    from numerics.cli.methods import EXPERIMENT_IDS
    from numerics.staircase.methods.experiment import EXPERIMENTS

    assert tuple(EXPERIMENTS) == EXPERIMENT_IDS


def test_an_unknown_experiment_id_is_one_error_naming_the_known_ones(tmp_path, capsys):
    from numerics.cli.methods import EXPERIMENT_IDS

    assert main(["methods", "nope", "--out", str(tmp_path / "o")]) == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert f"experiments must be among {list(EXPERIMENT_IDS)}, got ['nope']" in err
    assert main(["methods", EXPERIMENT_IDS[0], "--data", "x.npy", "y.npy", "--out", str(tmp_path / "o")]) == 2
    assert "--data applies to the digits experiment only" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
