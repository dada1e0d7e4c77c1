"""numerics.collapse.config: each profile's sweep, frozen and validated."""

from __future__ import annotations

import dataclasses

import pytest

from numerics.collapse.config import LAMBDAS, PROFILES, CollapseConfig
from numerics.experiment import PROFILE_NAMES


def test_every_profile_is_a_frozen_sweep():
    assert tuple(PROFILES) == PROFILE_NAMES
    for cfg in PROFILES.values():
        assert isinstance(cfg, CollapseConfig) and cfg.lambdas == LAMBDAS == (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            cfg.depth = 3


def test_the_documented_sizes():
    test, quick, paper = (PROFILES[p] for p in PROFILE_NAMES)
    assert (test.per_class, test.width, test.adam_steps, test.lbfgs_iters, test.critical_lambdas) == (12, 32, 1200, 150, (1e-2,))
    assert (quick.per_class, quick.width, quick.adam_steps, quick.adam_lr, quick.lbfgs_iters) == (30, 48, 2000, 2.5e-3, 400)
    assert paper == CollapseConfig()  # the research note's pilot scale is the default
    assert paper.widths == [20, 64, 64, 64, 4]


def test_a_config_is_validated_naming_the_field():
    with pytest.raises(ValueError, match="n_classes and depth must be >= 2"):
        CollapseConfig(depth=1)
    with pytest.raises(ValueError, match="losses"):
        CollapseConfig(losses=("hinge",))
