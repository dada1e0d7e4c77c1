"""numerics.spikes.config: each profile's settings, frozen and validated."""

from __future__ import annotations

import dataclasses

import pytest

from numerics.experiment import PROFILE_NAMES
from numerics.spikes.config import ALPHA_GRID, PROFILES, CountSettings, ErrorSettings, SpikesProfile, StrengthSettings


def test_every_profile_is_a_frozen_spikes_profile():
    assert tuple(PROFILES) == PROFILE_NAMES
    for p in PROFILES.values():
        assert isinstance(p, SpikesProfile)
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.counts.n = 1


def test_the_documented_sizes():
    test, quick, paper = (PROFILES[p] for p in PROFILE_NAMES)
    assert (test.counts.n, test.counts.d, test.counts.alphas, test.counts.spectrum_n) == (1000, 500, (0.0, 0.15, 0.40), 400)
    assert test.errors is None  # the test profile runs no test error
    assert quick.counts.alphas == ALPHA_GRID and quick.counts.spectrum_n == 1000 and quick.counts.seeds == 2
    assert paper.counts.alphas == ALPHA_GRID + (0.22, 0.26, 0.28, 0.32) and (paper.counts.n, paper.counts.seeds) == (2000, 5)
    assert (quick.errors.n, quick.errors.N, quick.errors.n_test) == (1000, 500, 4000)
    assert (paper.errors.n, paper.errors.N, paper.errors.seeds, paper.errors.lam) == (2000, 1000, 5, 1.0)
    assert [p.strengths.thetas for p in (test, quick, paper)] == [(0.15,), (0.10, 0.15), (0.10, 0.15)]


def test_settings_are_validated_naming_the_field():
    with pytest.raises(ValueError, match="k_top"):
        CountSettings(n=10, d=5, alphas=(0.1,), acts=("relu",), seeds=1, k_top=0)
    with pytest.raises(ValueError, match="alphas and acts must be non-empty"):
        CountSettings(n=10, d=5, alphas=(), acts=("relu",), seeds=1, k_top=2)
    with pytest.raises(ValueError, match="lam"):
        ErrorSettings(n=10, N=5, d=5, lam=0.0, seeds=1, n_test=5)
    with pytest.raises(ValueError, match="seeds"):
        StrengthSettings(n=10, d=5, thetas=(0.1,), acts=("relu",), seeds=0)
