"""Saving profiles: everything else kept, atomic with a .bak, other edits detected, packaged copy."""

import dataclasses
from pathlib import Path

import pytest

from loadtui.engine import profile_loading, profile_saving, profiles
from loadtui.engine.profiles import ProfileConflict, ProfileError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_shipped(directory: Path) -> profiles.ProfileSet:
    text = (ROOT / "profiles.toml").read_text().replace('"locustfiles/demo.py"', f'"{ROOT / "locustfiles/demo.py"}"')
    path = directory / "profiles.toml"
    path.write_text(text)
    return profile_loading.load(path)


def test_add_change_delete_keep_everything_else(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    original = loaded.text
    tuned = dataclasses.replace(loaded.get("medium"), name="medium-tuned", users=37, spawn_rate=3.5)
    saved = profile_saving.save(loaded, put=tuned)
    assert saved.names == [*loaded.names, "medium-tuned"]
    for name in loaded.names:
        assert saved.get(name) == loaded.get(name)
    assert saved.data["defaults"] == loaded.data["defaults"]
    assert (in_tmp / "profiles.toml.bak").read_text() == original
    again = profile_loading.load(in_tmp / "profiles.toml")
    assert again.get("medium-tuned").users == 37 and again.get("medium-tuned").spawn_rate == 3.5
    # Inherited values stay inherited: nothing of [defaults] is copied into the saved table.
    assert "locustfile" not in again.data["profiles"]["medium-tuned"]

    renamed = profile_saving.save(again, put=dataclasses.replace(again.get("heavy"), name="peak"), replace_name="heavy")
    assert renamed.names == ["light", "medium", "peak", "spike", "endurance", "steady", "capacity", "medium-tuned"]
    assert renamed.get("peak").weights == loaded.get("heavy").weights

    deleted = profile_saving.save(renamed, delete="spike")
    assert "spike" not in deleted.names and profile_loading.load(in_tmp / "profiles.toml").names == deleted.names
    assert not list(in_tmp.glob(".profiles.toml.*.tmp"))  # no temporary file left


def test_a_change_on_disk_is_detected_not_overwritten(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    path = in_tmp / "profiles.toml"
    path.write_text(path.read_text() + "\n[profiles.someone_else]\nusers = 2\n")
    with pytest.raises(ProfileConflict, match="changed on disk since loadtui read it"):
        profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=11))
    assert "someone_else" in path.read_text()  # the other change is still there
    reloaded = profile_loading.load(path)
    saved = profile_saving.save(reloaded, put=dataclasses.replace(reloaded.get("light"), users=11))
    assert "someone_else" in saved.names and saved.get("light").users == 11
    forced = profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=12), force=True)
    assert forced.get("light").users == 12


def test_packaged_profiles_are_copied_to_the_current_directory(in_tmp: Path) -> None:
    packaged = profile_loading.load(None)
    assert packaged.packaged and profile_saving.save_target(packaged) == Path("profiles.toml")
    saved = profile_saving.save(packaged, put=dataclasses.replace(packaged.get("light"), name="mine", users=3))
    assert (in_tmp / "profiles.toml").is_file() and saved.names[-1] == "mine"
    local = profile_loading.load(None)
    assert not local.packaged and local.locustfile_path(local.get("mine")).is_file()  # demo still found
    assert profiles.PACKAGED_PROFILES.read_text() == (ROOT / "profiles.toml").read_text()  # untouched


def test_nothing_invalid_is_saved(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    before = (in_tmp / "profiles.toml").read_text()
    with pytest.raises(ProfileError, match="users: expected a positive integer"):
        profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), users=0))
    with pytest.raises(ProfileError, match="profile name 'has space'"):
        profile_saving.save(loaded, put=dataclasses.replace(loaded.get("light"), name="has space"))
    assert (in_tmp / "profiles.toml").read_text() == before


def test_unwritable_directory_is_a_clear_error(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    (in_tmp / "profiles.toml").unlink()
    (in_tmp / "profiles.toml").mkdir()  # a directory where the file should be
    with pytest.raises(ProfileError, match=r"profiles\.toml: cannot save"):
        profile_saving.save(loaded, put=loaded.get("light"), force=True)


def test_a_saved_profiles_toml_keeps_its_mode(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    loaded.path.chmod(0o640)
    tuned = dataclasses.replace(loaded.get("medium"), name="medium-tuned", users=37)
    profile_saving.save(loaded, put=tuned)
    assert loaded.path.stat().st_mode & 0o777 == 0o640
    assert "medium-tuned" in loaded.path.read_text()


def test_a_rate_and_stage_rates_are_saved_and_read_back(in_tmp: Path) -> None:
    loaded = copy_shipped(in_tmp)
    paced = dataclasses.replace(
        loaded.get("spike"),
        name="paced",
        rate=25.0,
        stages=tuple(
            dataclasses.replace(stage, rate=10.0 * n) for n, stage in enumerate(loaded.get("spike").stages, 1)
        ),
    )
    saved = profile_saving.save(loaded, put=paced)
    again = profile_loading.load(in_tmp / "profiles.toml")
    assert again.get("paced") == saved.get("paced") == paced
    assert [stage.rate for stage in again.get("paced").stages] == [10.0, 20.0, 30.0]
    assert again.data["profiles"]["paced"]["rate"] == 25
    unpaced = profile_saving.save(again, put=dataclasses.replace(again.get("steady"), rate=None))
    assert unpaced.get("steady").rate is None
    assert "rate" not in profile_loading.load(in_tmp / "profiles.toml").data["profiles"]["steady"]
