"""numerics.cli.bottleneck: `rankbounds bottleneck` runs the profile's depth sweep from
numerics.bottleneck.config.PROFILES with the options' overrides, and --linear only the linear experiment."""

from __future__ import annotations

from dataclasses import replace

import pytest

import numerics.bottleneck.experiment as nb
from numerics.bottleneck.config import PROFILES
from numerics.cli import main


def test_cli_bottleneck_linear_runs_only_the_linear_experiment(tmp_path, capsys, monkeypatch):
    def no_relu(*_a, **_k):
        raise AssertionError("--linear must not run the ReLU experiment")

    monkeypatch.setattr(nb, "experiment", no_relu)
    rc = main(["bottleneck", "--linear", "--profile", "test", "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0 and "closed_form_cost" in out
    assert (tmp_path / "bottleneck_linear_fits.csv").exists()
    assert not (tmp_path / "bottleneck_checks.csv").exists() and not (tmp_path / "bottleneck_models").exists()


def test_cli_bottleneck_runs_a_tiny_sweep(tmp_path, capsys):
    rc = main(["bottleneck", "--profile", "test", "--depths", "3", "4", "--width", "8", "--n", "30", "--steps", "60",
               "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0 and "master" in out and "reproduced" in out
    assert (tmp_path / "bottleneck_layers_L4.csv").exists()
    assert main(["bottleneck", "--depths", "1", "--out", str(tmp_path), "--quiet"]) == 2


class _Ran(Exception):
    """Raised by the stand-in experiment once it has seen the configurations."""


@pytest.mark.parametrize("profile", ["test", "quick", "paper"])
def test_cli_bottleneck_trains_the_profiles_depth_sweep_with_the_options_overrides(profile, monkeypatch):
    seen = []

    def record(profile_, *, configs, **_kw):
        seen.append((profile_, configs))
        raise _Ran

    monkeypatch.setattr(nb, "experiment", record)
    base = PROFILES[profile].master_inequality.configs
    with pytest.raises(_Ran):
        main(["bottleneck", "--profile", profile, "--quiet"])
    assert seen[-1] == (profile, base)  # the profile's own sweep, untouched
    with pytest.raises(_Ran):
        main(["bottleneck", "--profile", profile, "--depths", "3", "5", "--width", "7", "--lam-times-depth", "0.5",
              "--no-bias", "--quiet"])
    # --depths varies the deepest configuration of the profile; every option overrides its own field
    assert seen[-1][1] == tuple(replace(base[-1], depth=d, width=7, lam_times_depth=0.5, bias=False) for d in (3, 5))
