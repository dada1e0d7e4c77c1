"""numerics.cli.collapse: `rankbounds collapse` runs the profile's configuration with each option's override."""

from __future__ import annotations

from dataclasses import replace

import pytest

from numerics.cli import main


class _Ran(Exception):
    """Raised by the stand-in experiment once it has seen the configuration."""


def test_collapse_runs_the_profiles_configuration_with_the_options_overrides(monkeypatch):
    import numerics.collapse.experiment as nc
    from numerics.collapse.config import PROFILES

    seen = []

    def record(profile, *, config, **_kw):
        seen.append((profile, config))
        raise _Ran

    monkeypatch.setattr(nc, "experiment", record)
    with pytest.raises(_Ran):
        main(["collapse", "--profile", "test", "--quiet"])
    assert seen[-1] == ("test", PROFILES["test"])
    with pytest.raises(_Ran):
        main(["collapse", "--profile", "quick", "--width", "9", "--lambdas", "0", "0.5", "--losses", "ce",
              "--spreads", "0.25", "--quiet"])
    assert seen[-1] == ("quick", replace(PROFILES["quick"], width=9, lambdas=(0.0, 0.5), losses=("ce",), spreads=(0.25,)))
