"""profiles.toml: parsing, validation messages (file, line, profile, key), precedence, round-trip."""

from pathlib import Path

import pytest

from loadtui.engine import profile_fields, profile_loading, profile_saving, profiles
from loadtui.engine.durations import parse_duration
from loadtui.engine.profiles import ProfileError

ROOT = Path(__file__).resolve().parents[2]


def load_text(tmp_path: Path, text: str) -> profiles.ProfileSet:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return profile_loading.load(path)


def test_shipped_profiles_are_the_ones_promised() -> None:
    shipped = profile_loading.load(ROOT / "profiles.toml")
    assert shipped.names == ["light", "medium", "heavy", "spike", "endurance", "steady", "capacity"]
    steady = shipped.get("steady")
    assert (steady.rate, steady.users, steady.host) == (20.0, 10, "")
    expected = {
        "light": (10, 1.0, 60.0),
        "medium": (20, 2.0, 300.0),
        "heavy": (50, 5.0, 600.0),
        "spike": (100, 10.0, 180.0),
        "endurance": (50, 1.0, 1800.0),
    }
    for name, (users, rate, run_time) in expected.items():
        profile = shipped.get(name)
        assert (profile.users, profile.spawn_rate, profile.run_time_s) == (users, rate, run_time)
        assert profile.host == ""
        assert shipped.locustfile_path(profile).resolve() == (ROOT / "locustfiles" / "demo.py").resolve()
    spike = shipped.get("spike")
    assert [s.users for s in spike.stages] == [10, 100, 10]
    assert spike.stages_total_s == 180.0
    assert shipped.get("heavy").weights == {"BrowsingUser": 3, "ApiUser": 2}
    capacity = shipped.get("capacity")
    assert capacity.ramp is not None and (capacity.ramp.start, capacity.ramp.max) == (10, 300)
    assert set(capacity.thresholds.overall) == {"p95_ms", "fail_ratio"}


def test_packaged_copy_is_the_shipped_file() -> None:
    assert profiles.PACKAGED_PROFILES.read_text() == (ROOT / "profiles.toml").read_text()
    assert (profiles.PACKAGED_DIR / "locustfiles" / "demo.py").read_text() == (
        ROOT / "locustfiles" / "demo.py"
    ).read_text()


def test_packaged_profiles_used_when_none_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = profile_loading.load(None)
    assert loaded.packaged
    assert loaded.path == profiles.PACKAGED_PROFILES
    assert loaded.locustfile_path(loaded.get("light")).is_file()
    (tmp_path / "profiles.toml").write_text("[profiles.mine]\nusers = 3\n")
    local = profile_loading.load(None)
    assert not local.packaged and local.names == ["mine"]


def test_defaults_are_inherited_and_overridden(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        """
[defaults]
host = "http://127.0.0.1:9"
users = 7
run_time = "2m"
weights = { A = 2 }

[profiles.a]
description = "inherits"

[profiles.b]
users = 3
host = "https://example.test:8443/base/"
weights = { B = 1 }
""",
    )
    a, b = loaded.get("a"), loaded.get("b")
    assert (a.users, a.run_time_s, a.host, dict(a.weights)) == (7, 120.0, "http://127.0.0.1:9", {"A": 2})
    assert (b.users, b.run_time_s, b.host, dict(b.weights)) == (
        3,
        120.0,
        "https://example.test:8443/base/",
        {"A": 2, "B": 1},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[profiles.heavy]\nusers = "x"\n',
            'profiles.toml:2: [profiles.heavy] users: expected a positive integer, got "x"',
        ),
        (
            "[profiles.heavy]\nusers = -1\n",
            "profiles.toml:2: [profiles.heavy] users: expected a positive integer, got -1",
        ),
        (
            "[profiles.p]\n\nspawn_rate = 0\n",
            "profiles.toml:3: [profiles.p] spawn_rate: expected a positive number, got 0",
        ),
        ('[profiles.p]\nrun_time = "soon"\n', "profiles.toml:2: [profiles.p] run_time: expected a duration"),
        (
            "[profiles.p]\nuser = 3\n",
            "profiles.toml:2: [profiles.p] user: unknown key; did you mean 'users'?",
        ),
        (
            '[profiles.p]\ntags = "a"\nexclude_tags = [1]\n',
            "profiles.toml:3: [profiles.p] exclude_tags: expected a list of strings",
        ),
        (
            '[profiles.p]\nhost = "localhost:8000"\n',
            "profiles.toml:2: [profiles.p] host: malformed host URL 'localhost:8000'",
        ),
        (
            "[profiles.p]\n[profiles.p.weights]\nApi = 1.5\n",
            "profiles.toml:3: [profiles.p.weights] Api: expected a non-negative integer, got 1.5",
        ),
        (
            '[profiles.p]\nstages = [{ duration = "10s", users = 5 }]\n',
            "profiles.toml:2: [profiles.p] stages: stages #1: missing 'spawn_rate'",
        ),
        (
            "[defaults]\nreport_dir = 3\n[profiles.p]\n",
            "profiles.toml:2: [defaults] report_dir: expected a string, got 3",
        ),
        (
            "[profiles.p]\nchart_percentiles = [50, 100]\n",
            "profiles.toml:2: [profiles.p] chart_percentiles: expected a list of percentiles above 0 and below 100",
        ),
        (
            "[defaults]\nchart_percentiles = [50, 90, 95, 99, 99.9]\n[profiles.p]\n",
            "profiles.toml:2: [defaults] chart_percentiles: at most 4 percentiles fit the chart, got 5",
        ),
        (
            "[profiles.p]\nrate = 0\n",
            "profiles.toml:2: [profiles.p] rate: expected a positive number of task runs a second across all users"
            " (e.g. 40), got 0",
        ),
        (
            '[profiles.p]\nrate = "fast"\n',
            "profiles.toml:2: [profiles.p] rate: expected a positive number of task runs a second across all users"
            ' (e.g. 40), got "fast"',
        ),
        (
            "[profiles.p]\nusers = 0\nrate = 40\n",
            "profiles.toml:2: [profiles.p] users: expected a positive integer, got 0",
        ),
        (
            '[profiles.p]\nrate = 10\nstages = [{ duration = "10s", users = 0, spawn_rate = 5 }]\n',
            "profiles.toml:3: [profiles.p] stages: stages #1: users = 0 in a profile with rate = 10: each stage's"
            " users is the most users its rate may use, so it must be at least 1",
        ),
        (
            '[defaults]\nrate = 10\n[profiles.p]\nstages = [{ duration = "10s", users = 0, spawn_rate = 5 }]\n',
            "profiles.toml:4: [profiles.p] stages: stages #1: users = 0 in a profile with rate = 10",
        ),
        (
            '[profiles.p]\nstages = [{ duration = "10s", users = 5, spawn_rate = 5, rate = -1 }]\n',
            "profiles.toml:2: [profiles.p] stages: stages #1 rate: expected a positive number of task runs a"
            " second, got -1",
        ),
        (
            '[profiles.p]\nstages = [{ duration = "10s", users = 0, spawn_rate = 5, rate = 10 }]\n',
            "profiles.toml:2: [profiles.p] stages: stages #1: rate = 10 with users = 0",
        ),
        (
            '[profiles.p]\nrate = 10\nstages = [\n  { duration = "10s", users = 5, spawn_rate = 5 },\n'
            '  { duration = "10s", users = 0, spawn_rate = 5 },\n]\n',
            "profiles.toml:3: [profiles.p] stages: stages #2: users = 0 in a profile with rate = 10",
        ),
        (
            '[profiles.p]\nstages = [\n  { duration = "10s", users = 5, spawn_rate = 5, rate = 10 },\n'
            '  { duration = "10s", users = 5, spawn_rate = 5 },\n]\n',
            "profiles.toml:2: [profiles.p] stages: stages #2: no rate, while other stages have one",
        ),
        (
            '[profiles.p]\nstages = [{ duration = "10s", users = 5, spawn_rate = 5, pace = 10 }]\n',
            "profiles.toml:2: [profiles.p] stages: stages #1: unknown key 'pace' (known keys: duration, users,"
            " spawn_rate, rate)",
        ),
        ("[profile.p]\nusers = 1\n", "profiles.toml:1: [profile] : unknown table"),
        ("[defaults]\n", "profiles.toml: no profiles"),
        ("[profiles.p\nusers = 1\n", "profiles.toml:1: not valid TOML"),
    ],
)
def test_validation_errors_name_file_line_profile_and_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_text(tmp_path, body)
    assert str(caught.value).startswith(message.replace("[profile] :", "[profile]:")), str(caught.value)


def test_unknown_profile_lists_the_known_ones() -> None:
    shipped = profile_loading.load(ROOT / "profiles.toml")
    with pytest.raises(
        ProfileError,
        match=r"unknown profile 'hevy'\. Did you mean 'heavy'\? Known profiles: light, medium, heavy, spike, "
        r"endurance, steady, capacity",
    ):
        shipped.get("hevy")


def test_missing_profiles_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nope\.toml: profiles file not found"):
        profile_loading.load(tmp_path / "nope.toml")


def test_cli_overrides_win_and_are_validated() -> None:
    light = profile_loading.load(ROOT / "profiles.toml").get("light")
    resolved = profile_fields.resolve(light, users=3, spawn_rate=None, run_time="90s", tags=["read"])
    assert (resolved.users, resolved.spawn_rate, resolved.run_time_s, resolved.tags) == (
        3,
        1.0,
        90.0,
        ("read",),
    )
    with pytest.raises(ProfileError, match="users: expected a positive integer, got -2"):
        profile_fields.resolve(light, users=-2)
    with pytest.raises(ProfileError, match="host: malformed host URL"):
        profile_fields.resolve(light, host="ftp://x")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("1h30m", 5400), ("45", 45), (12, 12), ("1m30s", 90), ("0.5s", 0.5)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5s", "5x", "m", "1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_every_shipped_profile_round_trips() -> None:
    """load -> profile_to_toml -> dump -> load gives the same profiles."""
    shipped = profile_loading.load(ROOT / "profiles.toml")
    document = {
        "defaults": dict(shipped.data["defaults"]),
        "profiles": {name: profile_saving.profile_to_toml(p) for name, p in shipped.profiles.items()},
    }
    again = profile_loading.loads(profile_saving.dumps(document), Path("profiles.toml"))
    assert again.profiles == shipped.profiles
    assert again.report_dir == shipped.report_dir


GIVEN = """
[defaults]
host = "http://127.0.0.1:9"
users = 7
tags = []
weights = { A = 2 }
report_dir = "out"

[profiles.own]
spawn_rate = 2
run_time = "1m"
description = ""

[profiles.unsets]
host = ""
exclude_tags = []
weights = {}

[profiles.adds]
weights = { B = 1 }
thresholds = { p95_ms = 500 }
"""


def test_given_names_what_the_file_set_for_each_profile(tmp_path: Path) -> None:
    loaded = load_text(tmp_path, GIVEN)
    inherited = {"host", "users", "weights"}  # tags = [] in [defaults] is empty: not given
    assert loaded.defaults.given == inherited
    # Its own keys and what [defaults] gives; its empty description is not given.
    assert loaded.get("own").given == inherited | {"spawn_rate", "run_time"}
    # An empty value in the profile unsets what [defaults] says (host = "": the demo target)...
    unsets = loaded.get("unsets")
    assert unsets.host == "" and "host" not in unsets.given and "exclude_tags" not in unsets.given
    # ...but weights add to [defaults]: an empty table keeps the inherited ones, and given.
    assert dict(unsets.weights) == {"A": 2} and "weights" in unsets.given
    assert loaded.get("adds").given == inherited | {"thresholds"}
    assert "report_dir" not in loaded.defaults.given  # not a profile key


def test_given_is_the_files_word_only(tmp_path: Path) -> None:
    """Equal values compare equal however they were written; CLI overrides leave given as read."""
    loaded = load_text(tmp_path, "[defaults]\nusers = 10\n[profiles.a]\n[profiles.b]\nusers = 10\n")
    a, b = loaded.get("a"), loaded.get("b")
    assert a.given == b.given == {"users"}
    written = load_text(tmp_path, "[profiles.a]\nusers = 10\n").get("a")
    assert written.given == {"users"} and written == profiles.Profile(name="a")  # given is not compared
    bare = load_text(tmp_path, "[profiles.a]\n").get("a")
    assert bare.given == frozenset() and bare == profiles.Profile(name="a")
    assert profile_fields.resolve(bare, users=3).given == frozenset()


def test_every_packaged_profile_has_given_filled() -> None:
    packaged = profile_loading.load(profiles.PACKAGED_PROFILES)
    assert packaged.defaults.given == {"locustfile"}  # host = "" is empty, report_dir not a profile key
    for profile in packaged.profiles.values():
        load = {"ramp"} if profile.ramp is not None else {"users"}  # a ramp's steps say the users
        assert {"locustfile", "description", "spawn_rate", "run_time", *load} <= profile.given, profile.name
        assert "tags" not in profile.given and "host" not in profile.given


@pytest.mark.parametrize(
    "name",
    [
        "parse_duration",
        "format_duration",
        "check_host",
        "resolve",
        "load",
        "loads",
        "find_profiles",
        "save",
        "save_target",
        "profile_to_toml",
        "dumps",
        "has_comments",
    ],
)
def test_the_model_module_does_not_re_export_what_moved_out(name: str) -> None:
    """Each moved name is imported from the module that does its job, not through profiles.py."""
    assert not hasattr(profiles, name)


def test_the_chart_s_percentiles_come_from_the_profile_or_defaults_and_save_back(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path, "[defaults]\nchart_percentiles = [99.9, 50]\n[profiles.a]\n[profiles.b]\nchart_percentiles = [95]\n"
    )
    assert loaded.get("a").chart_percentiles == (50.0, 99.9)  # sorted: drawn from the lowest up
    assert loaded.get("b").chart_percentiles == (95.0,)
    assert profile_saving.profile_to_toml(loaded.get("b"))["chart_percentiles"] == [95]
    assert "chart_percentiles" not in profile_saving.profile_to_toml(profiles.Profile(name="c"))
