"""numerics.staircase.methods.config: each profile's settings of the §4 methods experiments, frozen and validated."""

from __future__ import annotations

import dataclasses

import pytest

from numerics.experiment import PROFILE_NAMES, profile_config
from numerics.staircase.methods.config import (
    PROFILES,
    DigitsSettings,
    FitSettings,
    MethodsProfile,
    PinnSettings,
    ResNetSettings,
    RfmSettings,
)
from numerics.staircase.methods.experiment import EXPERIMENTS, PAPER_STEPS


def test_every_profile_sets_every_experiment_and_is_frozen():
    assert tuple(PROFILES) == PROFILE_NAMES
    for name in PROFILE_NAMES:
        p = profile_config(PROFILES, name)
        assert isinstance(p, MethodsProfile)
        # one settings object per registered experiment, under the experiment's id
        assert [f.name for f in dataclasses.fields(p)] == list(EXPERIMENTS)
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.pinn.steps = 1
    with pytest.raises(ValueError, match="profile must be one of"):
        profile_config(PROFILES, "full")


def test_paper_profile_runs_the_papers_iteration_counts():
    paper = PROFILES["paper"]
    for name, steps in PAPER_STEPS.items():
        assert getattr(paper, name).steps == steps, name
    # three seeds where the networks train as one batch; one for the PINN and digits
    assert [getattr(paper, e).seeds for e in EXPERIMENTS] == [3, 1, 3, 3, 3, 3, 1]
    for name in ("test", "quick"):
        assert all(getattr(PROFILES[name], e).seeds == 1 for e in EXPERIMENTS)
        assert all(getattr(PROFILES[name], e).steps < steps for e, steps in PAPER_STEPS.items())
    assert PROFILES["quick"].digits.n_samples is None and PROFILES["test"].digits.n_samples == 400


def test_the_configuration_record_keeps_the_field_order():
    # experiments write asdict(settings) into their config (and the report prints it): the order is the contract
    assert list(dataclasses.asdict(PROFILES["test"].pinn)) == ["steps", "record_every", "m_per_side", "m_boundary",
                                                               "width", "seeds"]
    assert list(dataclasses.asdict(PROFILES["test"].resnet)) == ["steps", "record_every", "width", "m", "seeds"]
    assert list(dataclasses.asdict(PROFILES["test"].rfm)) == ["n_features", "parts", "m_per_side", "test_m_per_side",
                                                              "seeds"]


def test_settings_are_validated_naming_the_field():
    with pytest.raises(ValueError, match="record_every"):
        FitSettings(steps=10, record_every=0, m=20, seeds=1)
    with pytest.raises(ValueError, match="m_boundary"):
        PinnSettings(steps=10, record_every=5, m_per_side=4, m_boundary=-1, width=8, seeds=1)
    with pytest.raises(ValueError, match="test_m_per_side"):
        RfmSettings(n_features=10, parts=1, m_per_side=4, test_m_per_side=0, seeds=1)
    with pytest.raises(ValueError, match="width"):
        ResNetSettings(steps=10, record_every=5, width=0, m=20, seeds=1)
    with pytest.raises(ValueError, match="n_samples"):
        DigitsSettings(steps=10, record_every=5, n_samples=0, seeds=1)
    assert DigitsSettings(steps=10, record_every=5, n_samples=None, seeds=1).n_samples is None
    fit = FitSettings(steps=10, record_every=5, m=20, seeds=1)
    kw = dict(structured=fit, pinn=PROFILES["test"].pinn, rfm=PROFILES["test"].rfm, resnet=PROFILES["test"].resnet,
              layers=fit, activations=fit, digits=PROFILES["test"].digits)
    with pytest.raises(TypeError, match="resnet must be a ResNetSettings, got FitSettings"):
        MethodsProfile(**{**kw, "resnet": fit})
