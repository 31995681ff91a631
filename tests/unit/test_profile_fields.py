"""One validator per profile key: the table covers every key, and each names its key when it refuses."""

from pathlib import Path
from typing import Any

import pytest

from loadtui.engine.profile_fields import VALIDATORS, check_host, profile_fields
from loadtui.engine.profile_lines import Where
from loadtui.engine.profiles import PROFILE_KEYS, ProfileError

BAD = {
    "description": 1,
    "locustfile": ["a.py"],
    "host": "localhost:8000",
    "users": 0,
    "spawn_rate": 0,
    "rate": 0,
    "run_time": "soon",
    "tags": [1],
    "exclude_tags": [""],
    "weights": 3,
    "stages": [],
    "thresholds": 3,
    "baseline": 1,
    "baseline_tolerance": "lots",
    "workers": "many",
    "watch": [True],
    "chart_percentiles": [0],
    "ramp": {"start": 2, "step": 0, "every": "30s", "max": 10},
}


def test_every_profile_key_has_a_validator() -> None:
    assert set(VALIDATORS) == set(PROFILE_KEYS)
    assert set(BAD) == set(PROFILE_KEYS)


@pytest.mark.parametrize(("key", "value"), sorted(BAD.items()))
def test_a_bad_value_is_refused_naming_its_key(key: str, value: Any) -> None:
    where = Where(Path("profiles.toml"), f"[profiles.p]\n{key} = 0\n")
    with pytest.raises(ProfileError) as caught:
        profile_fields(where, "profiles.p", {key: value})
    assert str(caught.value).startswith("profiles.toml:2: [profiles.p"), str(caught.value)
    assert key in str(caught.value)


def test_good_values_become_field_values() -> None:
    where = Where(Path("profiles.toml"), "")
    fields = profile_fields(
        where,
        "profiles.p",
        {"run_time": 90, "tags": "read", "watch": [123, " db "], "workers": "auto", "spawn_rate": 2},
    )
    assert fields == {
        "run_time": "1m30s",
        "tags": ("read",),
        "watch": ("123", "db"),
        "workers": "auto",
        "spawn_rate": 2.0,
    }


def test_check_host_strips_the_trailing_slash_and_names_bad_ports() -> None:
    assert check_host("https://example.test:8443/base/") == "https://example.test:8443/base"
    with pytest.raises(ProfileError, match="malformed host URL 'http://x:port'"):
        check_host("http://x:port")
