"""numerics.experiment: the profile names and `profile_config`, the one reader of a paper's PROFILES."""

from __future__ import annotations

import pytest

from numerics.experiment import PROFILE_NAMES, check_profile, profile_config

TABLE = {"test": 1, "quick": 2, "paper": 3}


def test_profile_config_returns_the_named_entry():
    assert PROFILE_NAMES == ("test", "quick", "paper")
    assert [profile_config(TABLE, p) for p in PROFILE_NAMES] == [1, 2, 3]


@pytest.mark.parametrize("profile", ["huge", "Quick", "", None, 1])
def test_an_unknown_profile_is_named(profile):
    with pytest.raises(ValueError, match=rf"profile must be one of \['test', 'quick', 'paper'\], got {profile!r}"):
        profile_config(TABLE, profile)
    with pytest.raises(ValueError, match="profile must be one of"):
        check_profile(profile)


def test_a_profiles_table_must_hold_exactly_the_three_names():
    with pytest.raises(ValueError, match=r"missing \['paper'\], extra \[\]"):
        profile_config({"test": 1, "quick": 2}, "test")
    with pytest.raises(ValueError, match=r"missing \[\], extra \['huge'\]"):
        profile_config({**TABLE, "huge": 4}, "test")
    with pytest.raises(TypeError, match="profiles must be a dict"):
        profile_config([1, 2, 3], "test")
