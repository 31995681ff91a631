"""What the picker says of a profile: its load model in one line, and in its details."""

from pathlib import Path

from loadtui.engine import profile_loading
from loadtui.ui.screens.picker import profile_summary, stage_text

PROFILES = Path(__file__).resolve().parents[2] / "profiles.toml"


def _profile(text: str, name: str = "p"):
    return profile_loading.loads(text, Path("profiles.toml")).get(name)


def test_the_packaged_profiles_each_in_one_line():
    profiles = profile_loading.load(PROFILES)
    lines = {name: profile_summary(profiles.get(name)) for name in profiles.names}
    assert lines["light"] == "10 users, 1m"
    assert lines["steady"] == "20/s, ≤10 users, 1m"  # a target rate, not "10 users"
    assert lines["spike"] == "3 stages to 100, 3m"
    assert lines["capacity"] == "ramp to 300, 16m"


def test_a_stage_with_a_rate_says_so():
    profile = _profile(
        '[profiles.p]\nusers = 5\nrate = 10\n[[profiles.p.stages]]\nduration = "30s"\nusers = 5\n'
        'spawn_rate = 5\nrate = 40\n[[profiles.p.stages]]\nduration = "1m"\nusers = 5\nspawn_rate = 5\n'
    )
    assert [stage_text(stage) for stage in profile.stages] == ["30s→5u@5/s 40/s", "1m→5u@5/s"]
