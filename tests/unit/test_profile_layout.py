"""Saving edits profiles.toml in place: comments, blank lines, key order, inline tables and the
other profiles come out byte for byte; only the saved profile's lines change."""

import dataclasses
import tomllib
from pathlib import Path

import pytest

from loadtui.engine import profile_loading, profile_saving, profiles
from loadtui.engine.profiles import ProfileError, ProfileSet
from loadtui.engine.thresholds import NONE as NO_THRESHOLDS
from loadtui.engine.thresholds import Limit

ROOT = Path(__file__).resolve().parents[2]

COMMENTED = """\
# Our load profiles: keys 1..9 follow this order.

[defaults]
locustfile = "/srv/locustfile.py"
host = ""  # empty: the demo target
weights = { BrowsingUser = 1 }

# The smoke test, before every deploy.
[profiles.light]
users = 10  # enough to see errors
spawn_rate = 1.0
run_time = 90
tags = []

[profiles.heavy]
description = "Launch day"
users = 50
weights = { ApiUser = 2 }

[profiles.heavy.thresholds]
p95_ms = 500  # the SLO
fail_ratio = { warn = 0.001, fail = 0.01 }

[[profiles.heavy.thresholds.endpoints]]
name = "/api/*"
p95_ms = { warn = 50, fail = 100 }

# Ramps up and back down.
[profiles.spike]
users = 100
stages = [
    { duration = "30s", users = 10, spawn_rate = 2 },  # warm up
    { duration = "1m", users = 100, spawn_rate = 10 },
]
"""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, text: str = COMMENTED) -> ProfileSet:
    path = directory / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return profile_loading.load(path)


def saved_text(directory: Path) -> str:
    return (directory / "profiles.toml").read_text(encoding="utf-8")


def cut(text: str, start: str, end: str | None) -> str:
    """``text`` without the part from ``start`` up to (not including) ``end`` (None: the end)."""
    begin = text.index(start)
    return text[:begin] + (text[text.index(end) :] if end is not None else "")


def test_a_changed_value_is_the_only_change(in_tmp: Path) -> None:
    loaded = write(in_tmp)
    profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=12))
    assert saved_text(in_tmp) == COMMENTED.replace("users = 10  # enough", "users = 12  # enough")
    assert (in_tmp / "profiles.toml.bak").read_text(encoding="utf-8") == COMMENTED


def test_a_changed_limit_keeps_its_comment_and_its_neighbours(in_tmp: Path) -> None:
    loaded = write(in_tmp)
    heavy = loaded.get("heavy")
    limits = dataclasses.replace(heavy.thresholds, overall={**heavy.thresholds.overall, "p95_ms": Limit(fail=400)})
    saved = profile_saving.save(loaded, put=dataclasses.replace(heavy, thresholds=limits))
    assert saved_text(in_tmp) == COMMENTED.replace("p95_ms = 500  # the SLO", "p95_ms = 400  # the SLO")
    assert saved.get("heavy").thresholds == limits


def test_every_profile_saved_unchanged_gives_the_same_bytes(in_tmp: Path) -> None:
    for text in (COMMENTED, (ROOT / "profiles.toml").read_text(encoding="utf-8")):
        loaded = write(in_tmp, text)
        for name in loaded.names:
            loaded = profile_saving.save(loaded, put=loaded.get(name))
            assert saved_text(in_tmp) == text, name


def test_an_added_profile_goes_last_and_nothing_else_moves(in_tmp: Path) -> None:
    loaded = write(in_tmp)
    soak = dataclasses.replace(loaded.get("light"), name="soak", users=5, run_time="30m")
    saved = profile_saving.save(loaded, put=soak)
    # Only what differs from [defaults] is written, so the new profile keeps following them.
    assert saved_text(in_tmp) == COMMENTED + '\n[profiles.soak]\nusers = 5\nrun_time = "30m"\n'
    assert saved.names == ["light", "heavy", "spike", "soak"] and saved.get("soak") == soak


def test_a_new_profile_is_written_the_way_the_file_is(in_tmp: Path) -> None:
    """Stages one a line as inline tables, limits as { warn, fail }, weights and thresholds tables."""
    loaded = write(in_tmp)
    full = dataclasses.replace(loaded.get("heavy"), name="full", stages=loaded.get("spike").stages, users=7)
    saved = profile_saving.save(loaded, put=full)
    added = saved_text(in_tmp).removeprefix(COMMENTED)
    assert added == (
        "\n[profiles.full]\n"
        'description = "Launch day"\n'
        "users = 7\n"
        "stages = [\n"
        '    { duration = "30s", users = 10, spawn_rate = 2 },\n'
        '    { duration = "1m", users = 100, spawn_rate = 10 },\n'
        "]\n"
        "\n[profiles.full.weights]\nBrowsingUser = 1\nApiUser = 2\n"
        "\n[profiles.full.thresholds]\np95_ms = 500\nfail_ratio = { warn = 0.001, fail = 0.01 }\n"
        '\n[[profiles.full.thresholds.endpoints]]\nname = "/api/*"\np95_ms = { warn = 50, fail = 100 }\n'
    )
    assert saved.get("full") == full


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("light", "# The smoke test", "[profiles.heavy]"),  # its comment goes with it
        ("heavy", "[profiles.heavy]", "# Ramps up"),  # the next one's comment stays
        ("spike", "\n# Ramps up", None),  # the last one: no blank line left at the end
    ],
)
def test_a_deleted_profile_takes_only_its_own_lines(in_tmp: Path, name: str, start: str, end: str | None) -> None:
    loaded = write(in_tmp)
    saved = profile_saving.save(loaded, delete=name)
    assert saved_text(in_tmp) == cut(COMMENTED, start, end)
    assert saved.names == [n for n in loaded.names if n != name]


def test_a_renamed_profile_keeps_its_place_and_its_sub_tables(in_tmp: Path) -> None:
    loaded = write(in_tmp)
    saved = profile_saving.save(loaded, put=dataclasses.replace(loaded.get("heavy"), name="peak"), replace_name="heavy")
    assert saved_text(in_tmp) == COMMENTED.replace("profiles.heavy", "profiles.peak")
    assert saved.names == ["light", "peak", "spike"]  # the 1..9 keys follow file order
    again = profile_saving.save(
        saved, put=dataclasses.replace(saved.get("light"), name="smoke", users=3), replace_name="light"
    )
    assert saved_text(in_tmp) == COMMENTED.replace("profiles.heavy", "profiles.peak").replace(
        "[profiles.light]\nusers = 10", "[profiles.smoke]\nusers = 3"
    )
    assert again.names == ["smoke", "peak", "spike"]


def test_removed_keys_and_sub_tables_leave_no_gap(in_tmp: Path) -> None:
    loaded = write(in_tmp)
    heavy = dataclasses.replace(loaded.get("heavy"), thresholds=NO_THRESHOLDS)
    profile_saving.save(loaded, put=heavy)
    assert saved_text(in_tmp) == cut(COMMENTED, "[profiles.heavy.thresholds]", "# Ramps up")


def test_profiles_after_defaults_and_split_around_it(in_tmp: Path) -> None:
    text = "[profiles.a]\nusers = 1\n\n# the defaults\n[defaults]\nusers = 3\n\n[profiles.b]\nusers = 2\n"
    loaded = write(in_tmp, text)
    saved = profile_saving.save(loaded, put=dataclasses.replace(loaded.get("a"), name="c", users=4))
    assert saved_text(in_tmp) == text + "\n[profiles.c]\nusers = 4\n"
    assert saved.names == ["a", "b", "c"]
    saved = profile_saving.save(saved, put=dataclasses.replace(saved.get("a"), users=5))
    assert saved_text(in_tmp) == text.replace("users = 1\n", "users = 5\n") + "\n[profiles.c]\nusers = 4\n"


def test_crlf_line_endings_are_kept(in_tmp: Path) -> None:
    crlf = COMMENTED.replace("\n", "\r\n")
    (in_tmp / "profiles.toml").write_bytes(crlf.encode())
    loaded = profile_loading.load(in_tmp / "profiles.toml")
    profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=12))
    assert (in_tmp / "profiles.toml").read_bytes() == crlf.replace("users = 10  #", "users = 12  #").encode()


def test_packaged_profiles_save_a_valid_local_copy_with_absolute_locustfiles(in_tmp: Path) -> None:
    packaged = profile_loading.load(None)
    assert packaged.packaged
    saved = profile_saving.save(packaged, put=dataclasses.replace(packaged.get("light"), name="mine", users=3))
    text = saved_text(in_tmp)
    locustfile = tomllib.loads(text)["defaults"]["locustfile"]
    assert Path(locustfile).is_absolute() and Path(locustfile).is_file()
    assert Path(locustfile).resolve() == profiles.DEMO_LOCUSTFILE.resolve()
    # The packaged file's text, comments and all, with the one path pinned and the profile added.
    packaged_text = profiles.PACKAGED_PROFILES.read_text(encoding="utf-8")
    assert text.startswith(packaged_text.replace('"locustfiles/demo.py"', f'"{locustfile}"'))
    assert text.count("#") == packaged_text.count("#")
    local = profile_loading.load(None)
    assert not local.packaged and local.names == [*packaged.names, "mine"] and local == saved
    for name in packaged.names:
        assert local.locustfile_path(local.get(name)).resolve() == profiles.DEMO_LOCUSTFILE.resolve()


def test_a_set_made_in_code_is_written_anew(in_tmp: Path) -> None:
    """No text to edit (a ProfileSet built by hand): the document is written with tomli-w."""
    data = {"profiles": {"a": {"users": 2}}}
    made = ProfileSet(
        path=in_tmp / "profiles.toml", packaged=False, report_dir="reports", profiles={}, data=data, text=""
    )
    saved = profile_saving.save(made, put=profiles.Profile(name="b", users=3), force=True)
    assert saved.names == ["a", "b"] and saved.get("b").users == 3


def test_an_edit_that_would_change_more_than_the_profile_is_not_written(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard behind the in-place edit: the new text must mean what the plain rewrite means."""
    loaded = write(in_tmp)
    monkeypatch.setattr(profile_saving, "_edited_text", lambda *_a, **_k: cut(COMMENTED, "[profiles.heavy]", "# Ramps"))
    with pytest.raises(ProfileError, match="could not be edited without changing more than the profile saved"):
        profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=12))
    assert saved_text(in_tmp) == COMMENTED
