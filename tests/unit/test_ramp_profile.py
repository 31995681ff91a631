"""A profile's ``ramp``: what it may say, and what it needs beside it (thresholds, time to judge)."""

from dataclasses import replace
from pathlib import Path

import pytest

from loadtui.engine import profile_loading
from loadtui.engine.profile_saving import profile_to_toml, save
from loadtui.engine.profiles import ProfileError, Ramp

THRESHOLDS = "[profiles.cap.thresholds]\np95_ms = 100\n"


def load(body: str) -> profile_loading.ProfileSet:
    return profile_loading.loads(body, Path("profiles.toml"))


def test_a_ramp_reads_as_steps_of_users() -> None:
    found = load(
        '[profiles.cap]\nspawn_rate = 10\nramp = { start = 2, step = 4, every = "30s", max = 20 }\n' + THRESHOLDS
    ).get("cap")
    assert found.ramp == Ramp(start=2, step=4, every="30s", max=20)
    assert [found.ramp.level_at(i) for i in range(found.ramp.step_count)] == [2, 6, 10, 14, 18, 20]
    assert found.ramp.settle_s == 6.0
    assert found.peak_users == 20


@pytest.mark.parametrize(
    ("ramp", "message"),
    [
        ('{ start = 2, step = 0, every = "30s", max = 20 }', "ramp: step: expected a positive number of users, got 0"),
        ('{ start = 0, step = 1, every = "30s", max = 20 }', "ramp: start: expected a positive number of users, got 0"),
        ('{ start = 2, step = 1, every = "0s", max = 20 }', "ramp: every: expected a positive duration, got '0s'"),
        ('{ start = 2, step = 1, every = "soon", max = 20 }', "ramp: every:"),
        ('{ start = 30, step = 1, every = "30s", max = 20 }', "ramp: max (20) is below start (30)"),
        ('{ start = 2, step = 1, every = "30s" }', "ramp: missing 'max'"),
        ('{ start = 2, stepp = 1, every = "30s", max = 9 }', "ramp: unknown key 'stepp'; did you mean 'step'?"),
        ('{ start = 2, step = 1, every = "30s", max = 9, settle = "30s" }', "settle (30s) must be shorter than every"),
        ("500", "ramp: expected a table like"),
    ],
)
def test_a_bad_ramp_names_the_file_line_and_key(ramp: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load(f"[profiles.cap]\nusers = 3\nramp = {ramp}\n" + THRESHOLDS)
    assert str(caught.value).startswith("profiles.toml:3: [profiles.cap] ramp: "), str(caught.value)
    assert message in str(caught.value)


def test_a_ramp_without_thresholds_is_refused() -> None:
    with pytest.raises(ProfileError) as caught:
        load('[profiles.cap]\nramp = { start = 2, step = 4, every = "30s", max = 20 }\n')
    assert str(caught.value).startswith("profiles.toml:2: [profiles.cap] ramp: a ramp ends at the first step"), str(
        caught.value
    )
    assert "[profiles.cap.thresholds]" in str(caught.value)
    # A leak signal alone judges a whole run, never a step.
    with pytest.raises(ProfileError, match="has none to judge a step by"):
        load(
            '[profiles.cap]\nramp = { start = 2, step = 4, every = "30s", max = 20 }\n'
            "[profiles.cap.thresholds]\nrss_growth_mb = 100\n"
        )


def test_a_ramp_beside_stages_is_refused() -> None:
    with pytest.raises(ProfileError, match=r"profiles.toml:2: \[profiles.cap\] ramp: a profile has stages or a ramp"):
        load(
            '[profiles.cap]\nramp = { start = 2, step = 4, every = "30s", max = 20 }\n'
            'stages = [{ duration = "10s", users = 2, spawn_rate = 1 }]\n' + THRESHOLDS
        )


def test_steps_too_short_to_judge_are_refused() -> None:
    with pytest.raises(ProfileError) as caught:
        load('[profiles.cap]\nspawn_rate = 1\nramp = { start = 2, step = 25, every = "30s", max = 100 }\n' + THRESHOLDS)
    message = str(caught.value)
    assert message.startswith("profiles.toml:3: [profiles.cap] ramp: a step of 25 users at spawn_rate 1/s takes 25s")
    assert "every = 30s" in message


def test_a_ramp_saves_inline_and_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text("[profiles.cap]\nspawn_rate = 10\n" + THRESHOLDS, encoding="utf-8")
    profiles = profile_loading.load(path)
    ramp = Ramp(start=2, step=4, every="30s", max=20, settle="5s")
    assert profile_to_toml(replace(profiles.get("cap"), ramp=ramp))["ramp"] == ramp.to_toml()
    saved = save(profiles, put=replace(profiles.get("cap"), ramp=ramp))
    assert saved.get("cap").ramp == ramp
    assert 'ramp = { start = 2, step = 4, every = "30s", max = 20, settle = "5s" }' in path.read_text(encoding="utf-8")


def test_a_ramp_of_the_rate_steps_task_runs_a_second() -> None:
    found = load(
        '[profiles.cap]\nusers = 40\nramp = { of = "rate", start = 20, step = 12.5, every = "30s", max = 80 }\n'
        + THRESHOLDS
    ).get("cap")
    ramp = found.ramp
    assert ramp is not None and ramp.of_rate
    assert [ramp.level_at(i) for i in range(ramp.step_count)] == [20, 32.5, 45, 57.5, 70, 80]
    assert ramp.describe() == "20/s, +12.5/s every 30s up to 80/s"
    assert ramp.to_toml() == {"of": "rate", "start": 20, "step": 12.5, "every": "30s", "max": 80}
    assert found.peak_users == 40  # the users are the pacer's, at most the profile's


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('ramp = { of = "rps", start = 2, step = 1, every = "30s", max = 9 }', 'ramp: of: expected "users"'),
        (
            'ramp = { of = "rate", start = 0, step = 1, every = "30s", max = 9 }',
            "start: expected a positive number of task",
        ),
        (
            'rate = 20\nramp = { of = "rate", start = 20, step = 10, every = "30s", max = 90 }',
            "a ramp of the rate sets the rate from 20/s up: leave rate = N out of [profiles.cap]",
        ),
        (
            'rate = 20\nramp = { start = 2, step = 2, every = "30s", max = 20 }',
            'rate = 20 and a ramp of users both set the users: a ramp of the rate is ramp = { of = "rate"',
        ),
    ],
)
def test_a_bad_ramp_of_the_rate_is_refused(body: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load(f"[profiles.cap]\nusers = 30\n{body}\n" + THRESHOLDS)
    assert "[profiles.cap] ramp: " in str(caught.value) and message in str(caught.value), str(caught.value)
