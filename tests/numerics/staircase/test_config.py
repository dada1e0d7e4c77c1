"""numerics.staircase.config: each profile's settings, frozen and validated."""

from __future__ import annotations

import dataclasses

import pytest

from numerics.experiment import PROFILE_NAMES, profile_config
from numerics.staircase.config import (
    CONVENTIONS,
    PROFILES,
    GridSettings,
    ModelSpec,
    RandomFeatureSettings,
    THM3_2_ACTIVATIONS,
    StaircaseProfile,
    TrainConfig,
    fig2_specs,
)


def test_every_profile_is_a_frozen_staircase_profile():
    assert tuple(PROFILES) == PROFILE_NAMES
    for name in PROFILE_NAMES:
        p = profile_config(PROFILES, name)
        assert isinstance(p, StaircaseProfile)
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.thm3_3 = None
        assert p.thm3_3.train.conventions == CONVENTIONS == ("integral", "paper")


def test_paper_and_quick_run_fig2s_grid_at_the_documented_scale():
    assert [(s.depth, s.width, s.activation, s.init) for s in fig2_specs()] == [
        (2, 50, "tanh", "torch"), (2, 25, "tanh", "torch"), (4, 50, "tanh", "torch"), (4, 25, "tanh", "torch")]
    paper, quick, test = (PROFILES[p].thm3_3 for p in ("paper", "quick", "test"))
    assert paper.specs == quick.specs == fig2_specs()
    assert (paper.train.steps, paper.train.lr, paper.train.record_every, paper.seeds) == (15000, 1e-3, 100, 3)
    assert (quick.train.steps, quick.train.lr, quick.train.record_every, quick.seeds) == (5000, 3e-3, 100, 1)
    assert test.specs == (ModelSpec(width=8, depth=1), ModelSpec(width=8, depth=2))
    assert (test.train.steps, test.train.lr, test.train.paper_m) == (120, 1e-2, 60)
    assert PROFILES["paper"].thm3_2.eps == (1e-2, 1e-4, 1e-6, 1e-8) and PROFILES["paper"].thm3_2.trials == 10


def test_settings_are_validated_naming_the_field():
    with pytest.raises(ValueError, match="seeds"):
        GridSettings(fig2_specs(), TrainConfig(), seeds=0, description="")
    with pytest.raises(TypeError, match="specs must be a non-empty tuple of ModelSpec"):
        GridSettings((), TrainConfig(), seeds=1, description="")
    with pytest.raises(TypeError, match="train must be a TrainConfig"):
        GridSettings(fig2_specs(), {"steps": 1}, seeds=1, description="")
    with pytest.raises(ValueError, match="eps"):
        RandomFeatureSettings(n=(6,), trials=1, eps=(0.0,), scales=(1.0,), m1=8, m2=4)
    with pytest.raises(ValueError, match="m2"):
        RandomFeatureSettings(n=(6,), trials=1, eps=(1e-6,), scales=(1.0,), m1=8, m2=0)


def test_thm3_2_draws_tanh_relu_cos_features_in_every_profile():
    assert THM3_2_ACTIVATIONS == ("tanh", "relu", "cos")
    assert all(PROFILES[p].thm3_2.activations == THM3_2_ACTIVATIONS for p in PROFILE_NAMES)
    kw = dict(n=(6,), trials=1, eps=(1e-6,), scales=(1.0,), m1=8, m2=4)
    assert RandomFeatureSettings(**kw, activations=("sin",)).activations == ("sin",)
    with pytest.raises(ValueError, match=r"activations\[i\] must be one of \['tanh'.*got 'swish'"):
        RandomFeatureSettings(**kw, activations=("tanh", "swish"))
    with pytest.raises(ValueError, match="activations must be a non-empty tuple of names, got 'tanh'"):
        RandomFeatureSettings(**kw, activations="tanh")
    with pytest.raises(ValueError, match="activations must be a non-empty tuple"):
        RandomFeatureSettings(**kw, activations=())


def test_train_config_conventions_are_validated():
    with pytest.raises(ValueError, match="conventions"):
        TrainConfig(conventions=("integral", "integral"))
    with pytest.raises(ValueError, match="convention"):
        TrainConfig(conventions=("mean",))
    with pytest.raises(TypeError, match="conventions"):
        TrainConfig(conventions="paper")
    with pytest.raises(ValueError, match="paper_m"):
        TrainConfig(paper_m=1)


def test_train_config_and_model_spec_bad_input():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="record_every"):
        TrainConfig(record_every=0)
    with pytest.raises(ValueError, match="eps"):
        TrainConfig(eps=(1e-6, -1.0))
    with pytest.raises(ValueError, match="activation"):
        ModelSpec(activation="swish")
