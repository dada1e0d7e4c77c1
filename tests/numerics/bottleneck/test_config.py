"""numerics.bottleneck.config: each profile's settings, frozen and validated."""

from __future__ import annotations

import dataclasses

import pytest

from numerics.bottleneck.config import (
    PAPER_CONFIG,
    PROFILES,
    BottleneckConfig,
    BottleneckProfile,
    LinearSettings,
    MasterSettings,
)
from numerics.experiment import PROFILE_NAMES


def test_every_profile_is_a_frozen_bottleneck_profile():
    assert tuple(PROFILES) == PROFILE_NAMES
    for p in PROFILES.values():
        assert isinstance(p, BottleneckProfile)
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.master_inequality = None
        depths = [c.depth for c in p.master_inequality.configs]
        assert depths == sorted(depths)  # the depth sweep is ordered by depth


def test_the_documented_sizes():
    test, quick, paper = (PROFILES[p] for p in PROFILE_NAMES)
    assert [c.depth for c in test.master_inequality.configs] == [4, 8]
    assert [c.depth for c in quick.master_inequality.configs] == [6, 9, 12]
    assert [c.depth for c in paper.master_inequality.configs] == [6, 12, 25]
    assert paper.master_inequality.configs[-1].depth == PAPER_CONFIG.depth == 25
    assert (test.master_inequality.samples, quick.master_inequality.samples, paper.master_inequality.samples) == (6, 10, 50)
    assert [p.master_inequality.random_networks for p in (test, quick, paper)] == [8, 30, 100]
    assert [p.deep_linear_cost.depths for p in (test, quick, paper)] == [(2, 4, 8), (2, 4, 8, 16), (2, 4, 8, 16, 32)]
    assert [p.deep_linear_cost.pdet_trials for p in (test, quick, paper)] == [50, 500, 5000]


def test_settings_are_validated_naming_the_field():
    with pytest.raises(TypeError, match="configs must be a non-empty tuple of BottleneckConfig"):
        MasterSettings((), samples=1, random_networks=1)
    with pytest.raises(ValueError, match="samples"):
        MasterSettings((BottleneckConfig(),), samples=0, random_networks=1)
    with pytest.raises(ValueError, match="depths must hold at least one depth"):
        LinearSettings(depths=(), pdet_trials=1)
    with pytest.raises(ValueError, match="pdet_trials"):
        LinearSettings(depths=(2,), pdet_trials=-1)
