"""The profile editor, driven from the picker with the keys a person presses, on a real profiles.toml.

Each test saves through the app, then reads the file back with ``profile_loading.load`` (the same code
loadtui starts with) and compares. Only the session and the locustfile loader are doubles.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static
from textual.widgets._footer import FooterKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

from appdata import PROFILES_TOML, FakeSession, planner

from loadtui.engine import profile_loading, profiles
from loadtui.engine.profiles import ProfileError, Stage
from loadtui.engine.thresholds import Limit
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.profile_saving import SaveConflictDialog
from loadtui.ui.screens.editor import ProfileEditor
from loadtui.ui.screens.picker import PickerScreen
from loadtui.ui.widgets.dialogs import ConfirmDialog


@pytest.fixture
def toml_path(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(PROFILES_TOML, encoding="utf-8")
    return path


def make_app(path: Path | None) -> LoadTuiApp:
    return LoadTuiApp(planner(profile_loading.load(path)), refresh=3600, session_factory=FakeSession)


async def type_text(pilot: Pilot, text: str) -> None:
    """Types ``text`` into the focused widget, one key per character."""
    names = {" ": "space", ",": "comma", ".": "full_stop", "-": "minus", "/": "slash", "*": "asterisk"}
    await pilot.press(*(names.get(ch, ch) for ch in text))


async def fill(pilot: Pilot, selector: str, text: str) -> None:
    """Focuses a field (as Tab would: its text is selected, so typing replaces it) and types."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    field.select_all()
    await type_text(pilot, text)
    await pilot.pause()


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.pause(0.05)


async def add_stage(pilot: Pilot, form: ProfileEditor, *values: str) -> None:
    """ "+ stage" (a button: focused and Enter, as Tab then Enter would), then its fields typed in
    turn with Tab between them: duration, users, spawn rate, and the stage's rate if given."""
    form.query_one("#add-stage", Button).focus()
    await pilot.press("enter")
    await settle(pilot)
    for index, value in enumerate(values):  # the new row's duration has focus
        if index:
            await pilot.press("tab")
        await type_text(pilot, value)


def footer_save(form: ProfileEditor) -> FooterKey:
    return next(key for key in form.query(FooterKey) if key.action == "save")


def editor(app: LoadTuiApp) -> ProfileEditor:
    assert isinstance(app.screen, ProfileEditor), app.screen
    return app.screen


def picker_names(app: LoadTuiApp) -> list[str]:
    assert isinstance(app.screen, PickerScreen), app.screen
    return app.screen.profiles.names


def unchanged(before: profiles.ProfileSet, after: profiles.ProfileSet, *names: str) -> None:
    for name in names:
        assert after.profiles[name] == before.profiles[name], name


class TestKeys:
    async def test_n_creates_a_profile(self, toml_path: Path) -> None:
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("n")
            await settle(pilot)
            form = editor(app)
            assert form.query_one("#field-name", Input).value == "new"
            assert form.focused is form.query_one("#field-name")
            # Tab through the form as a person would: the focused field's text is selected.
            await type_text(pilot, "burst")
            await pilot.press("tab")
            await type_text(pilot, "Short burst")
            await pilot.press("tab")
            await type_text(pilot, "30")
            await pilot.press("tab")
            await type_text(pilot, "5")
            await pilot.press("tab", "tab")  # past the target rate: left empty, not paced
            await type_text(pilot, "45s")
            await pilot.press("tab")
            await type_text(pilot, "api, cart")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert picker_names(app) == ["light", "medium", "heavy", "spike", "burst"]
            assert app.screen.highlighted == "burst"
            assert app.profiles.names == picker_names(app)
        after = profile_loading.load(toml_path)
        burst = after.profiles["burst"]
        assert (burst.description, burst.users, burst.spawn_rate, burst.run_time) == ("Short burst", 30, 5.0, "45s")
        assert burst.tags == ("api", "cart")
        assert burst.locustfile == before.defaults.locustfile  # still follows [defaults]
        unchanged(before, after, "light", "medium", "heavy", "spike")
        assert after.data["defaults"] == before.data["defaults"]
        assert toml_path.with_name("profiles.toml.bak").read_text() == PROFILES_TOML

    async def test_c_copies_the_highlighted_profile(self, toml_path: Path) -> None:
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("down", "down", "c")
            await settle(pilot)
            form = editor(app)
            assert form.query_one("#field-name", Input).value == "heavy-copy"
            assert form.query_one("#weight-0", Input).value == "3"  # BrowsingUser, from heavy
            await fill(pilot, "#field-users", "75")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "heavy-copy" in picker_names(app)
        after = profile_loading.load(toml_path)
        copy = after.profiles["heavy-copy"]
        assert copy.users == 75
        assert dict(copy.weights) == {"BrowsingUser": 3, "ApiUser": 2}
        assert copy.description == before.profiles["heavy"].description
        unchanged(before, after, "light", "medium", "heavy", "spike")

    async def test_E_edits_renames_adds_a_stage_and_thresholds(self, toml_path: Path) -> None:
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("down", "E")
            await settle(pilot)
            form = editor(app)
            assert form.query_one("#field-users", Input).value == "20"
            await type_text(pilot, "afternoon")  # the name field has focus, its text selected
            await fill(pilot, "#field-users", "25")
            await add_stage(pilot, form, "30s", "5", "2")
            await fill(pilot, "#warn-p95_ms", "200")
            await fill(pilot, "#fail-p95_ms", "500")
            await fill(pilot, "#fail-fail_ratio", "0.01")
            assert form.checked.valid, form.checked.errors
            await pilot.press("ctrl+s")
            await settle(pilot)
            # Renamed in place: the 1-9 keys keep pointing at the same profile.
            assert picker_names(app) == ["light", "afternoon", "heavy", "spike"]
        after = profile_loading.load(toml_path)
        assert after.names == ["light", "afternoon", "heavy", "spike"]
        edited = after.profiles["afternoon"]
        assert edited.users == 25
        assert edited.stages == (Stage("30s", 5, 2.0),)
        assert edited.thresholds.overall == {"p95_ms": Limit(fail=500, warn=200), "fail_ratio": Limit(fail=0.01)}
        assert edited.description == before.profiles["medium"].description
        unchanged(before, after, "light", "heavy", "spike")

    async def test_E_sets_a_target_rate_and_a_stage_s_own_rate(self, toml_path: Path) -> None:
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("down", "E")
            await settle(pilot)
            form = editor(app)
            assert form.query_one("#field-rate", Input).value == ""
            await fill(pilot, "#field-rate", "25")
            await add_stage(pilot, form, "30s", "5", "2", "15")  # the last: this stage's own rate
            assert form.checked.valid, form.checked.errors
            await pilot.press("ctrl+s")
            await settle(pilot)
        after = profile_loading.load(toml_path)
        edited = after.profiles["medium"]
        assert edited.rate == 25.0
        assert edited.stages == (Stage("30s", 5, 2.0, rate=15.0),)
        assert "rate = 25" in toml_path.read_text()
        unchanged(before, after, "light", "heavy", "spike")

    async def test_E_adds_a_ramp_to_the_limit_once_it_has_thresholds(self, toml_path: Path) -> None:
        """A ramp needs thresholds to judge its steps by: the form says so (the file's message), then
        saves it once they are there, and the file reads back with the ramp."""
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")  # light: 10 users at 1/s, no thresholds
            await settle(pilot)
            form = editor(app)
            await fill(pilot, "#field-spawn_rate", "5")
            await fill(pilot, "#ramp-start", "2")
            await fill(pilot, "#ramp-step", "0")
            await fill(pilot, "#ramp-every", "20s")
            await fill(pilot, "#ramp-max", "40")
            assert form.checked.errors["ramp"] == (
                "[profiles.light] ramp: step: expected a positive number of users, got 0"
            )
            await fill(pilot, "#ramp-step", "4")
            message = form.checked.errors["ramp"]
            assert message.startswith("[profiles.light] ramp: a ramp ends at the first step that fails the thresholds")
            assert form.query_one("#error-ramp", Static).display
            assert form.query_one("#editor-save-button", Button).disabled
            await fill(pilot, "#fail-p95_ms", "500")
            assert form.checked.valid, form.checked.errors
            await pilot.press("ctrl+s")
            await settle(pilot)
        after = profile_loading.load(toml_path)
        assert after.profiles["light"].ramp == profiles.Ramp(start=2, step=4, every="20s", max=40)
        assert 'ramp = { start = 2, step = 4, every = "20s", max = 40 }' in toml_path.read_text()
        unchanged(before, after, "medium", "heavy", "spike")

    async def test_E_adds_a_ramp_of_the_rate(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")  # light
            await settle(pilot)
            form = editor(app)
            form.query_one("#ramp-of", Select).value = "rate"
            for selector, text in (("#ramp-start", "20"), ("#ramp-step", "12.5"), ("#ramp-every", "30s")):
                await fill(pilot, selector, text)
            await fill(pilot, "#ramp-max", "100")
            await fill(pilot, "#fail-p95_ms", "500")
            assert form.checked.valid, form.checked.errors
            await pilot.press("ctrl+s")
            await settle(pilot)
        saved = profile_loading.load(toml_path).profiles["light"].ramp
        assert saved == profiles.Ramp(start=20, step=12.5, every="30s", max=100, of="rate")
        assert 'ramp = { of = "rate", start = 20, step = 12.5, every = "30s", max = 100 }' in toml_path.read_text()

    async def test_D_deletes_after_y_and_keeps_it_after_n(self, toml_path: Path) -> None:
        before = profile_loading.load(toml_path)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("up", "D")  # up from the first wraps to the last: spike
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await settle(pilot)
            assert toml_path.read_text() == PROFILES_TOML
            await pilot.press("D")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert picker_names(app) == ["light", "medium", "heavy"]
        after = profile_loading.load(toml_path)
        assert after.names == ["light", "medium", "heavy"]
        unchanged(before, after, "light", "medium", "heavy")

    async def test_escape_with_changes_asks_first(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            await fill(pilot, "#field-users", "11")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await settle(pilot)
            assert editor(app).query_one("#field-users", Input).value == "11"
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
        assert toml_path.read_text() == PROFILES_TOML

    async def test_q_away_from_a_field_asks_before_the_changes_go(self, toml_path: Path) -> None:
        """q with the focus on a button (not typed into a field): asks as Esc does, never quits."""
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            await fill(pilot, "#field-users", "11")
            editor(app).query_one("#add-stage").focus()
            await pilot.press("q")
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await settle(pilot)
            assert editor(app).query_one("#field-users", Input).value == "11"
        assert toml_path.read_text() == PROFILES_TOML

    async def test_no_editing_over_a_live_run(self, toml_path: Path) -> None:
        app = LoadTuiApp(
            planner(profile_loading.load(toml_path)), profile="light", refresh=3600, session_factory=FakeSession
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen) and app.screen.live
            await pilot.press("n", "E", "D")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
        assert toml_path.read_text() == PROFILES_TOML


class TestValidation:
    async def test_invalid_value_shows_the_file_message_and_disables_save(self, toml_path: Path) -> None:
        # What loading a file with the same bad value says:
        with pytest.raises(ProfileError) as loading:
            profile_loading.loads(PROFILES_TOML.replace("users = 10\n", 'users = "x"\n', 1), Path("profiles.toml"))
        file_message = re.sub(r"^profiles\.toml(:\d+)?: ", "", str(loading.value))
        assert file_message == '[profiles.light] users: expected a positive integer, got "x"'

        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            form = editor(app)
            await fill(pilot, "#field-users", "x")
            error = form.query_one("#error-users", Static)
            assert error.display
            assert str(error.render()) == f"✗ {file_message}"
            assert form.query_one("#field-users", Input).has_class("-invalid")
            assert form.query_one("#editor-save-button", Button).disabled
            assert form.check_action("save", ()) is None
            assert footer_save(form).has_class("-disabled")  # the footer says so too
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form  # not saved, not closed
            assert toml_path.read_text() == PROFILES_TOML
            # Fixing it enables Save again.
            await fill(pilot, "#field-users", "12")
            assert not form.query_one("#error-users", Static).display
            assert not form.query_one("#editor-save-button", Button).disabled
            await settle(pilot)
            assert not footer_save(form).has_class("-disabled")

    @pytest.mark.parametrize(
        ("selector", "text", "key", "toml"),
        [
            ("#field-run_time", "soon", "run_time", 'run_time = "soon"'),
            ("#field-spawn_rate", "0", "spawn_rate", "spawn_rate = 0"),
            ("#field-rate", "0", "rate", "rate = 0"),
            ("#fail-fail_ratio", "5", "thresholds", "thresholds = { fail_ratio = 5 }"),
        ],
    )
    async def test_same_messages_as_the_file(
        self, toml_path: Path, selector: str, text: str, key: str, toml: str
    ) -> None:
        document = PROFILES_TOML.replace('run_time = "1m"\n', f'run_time = "1m"\n{toml}\n', 1)
        if key in ("run_time", "spawn_rate"):
            document = PROFILES_TOML.replace(
                {"run_time": 'run_time = "1m"', "spawn_rate": "spawn_rate = 1"}[key], toml, 1
            )
        with pytest.raises(ProfileError) as loading:
            profile_loading.loads(document, Path("profiles.toml"))
        file_message = re.sub(r"^profiles\.toml(:\d+)?: ", "", str(loading.value))
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            form = editor(app)
            await fill(pilot, selector, text)
            assert form.checked.errors[key] == file_message
            assert not form.checked.valid

    async def test_duplicate_name_and_warn_above_fail(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("c")
            await settle(pilot)
            form = editor(app)
            await fill(pilot, "#field-name", "medium")
            assert form.checked.errors["name"] == "profiles.toml: a profile named 'medium' already exists"
            await fill(pilot, "#field-name", "fresh")
            await fill(pilot, "#warn-p95_ms", "900")
            await fill(pilot, "#fail-p95_ms", "500")
            assert "warn (900) must be at or below fail (500)" in form.checked.errors["thresholds"]
            assert form.query_one("#editor-save-button", Button).disabled


class TestSavingSafely:
    async def test_concurrent_edit_is_detected_and_survives_reload(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            await fill(pilot, "#field-users", "12")
            # Someone else edits the file meanwhile.
            toml_path.write_text(PROFILES_TOML + '\n[profiles.theirs]\ndescription = "added elsewhere"\n')
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, SaveConflictDialog)
            await pilot.press("l")  # reload: the form stays open, with the edit
            await settle(pilot)
            form = editor(app)
            assert form.query_one("#field-users", Input).value == "12"
            assert "theirs" in app.profiles.names
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
            assert picker_names(app) == ["light", "medium", "heavy", "spike", "theirs"]
        after = profile_loading.load(toml_path)
        assert after.profiles["light"].users == 12
        assert after.profiles["theirs"].description == "added elsewhere"

    async def test_overwrite_replaces_the_other_change(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            await fill(pilot, "#field-users", "12")
            theirs = PROFILES_TOML + '\n[profiles.theirs]\ndescription = "added elsewhere"\n'
            toml_path.write_text(theirs)
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
        after = profile_loading.load(toml_path)
        assert after.profiles["light"].users == 12
        assert "theirs" not in after.names
        assert toml_path.with_name("profiles.toml.bak").read_text() == theirs

    async def test_a_save_keeps_the_comments_and_the_rest_of_the_file(self, toml_path: Path) -> None:
        commented = "# our team's load profiles\n" + PROFILES_TOML.replace(
            'host = ""\n', 'host = ""  # the demo target\n'
        ).replace("[profiles.heavy]\n", "# launch day\n[profiles.heavy]\n")
        toml_path.write_text(commented)
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            await fill(pilot, "#field-users", "12")
            await pilot.press("ctrl+s")  # no question first: nothing is lost
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
        assert toml_path.read_text() == commented.replace("users = 10\n", "users = 12\n", 1)
        assert toml_path.with_name("profiles.toml.bak").read_text() == commented

    async def test_packaged_defaults_save_creates_local_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        packaged = profile_loading.load(None)
        assert packaged.packaged
        app = make_app(None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("n")
            await settle(pilot)
            form = editor(app)
            assert "saving creates profiles.toml" in str(form.query_one("#editor-title", Static).render())
            await type_text(pilot, "mine")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
            assert not app.profiles.packaged
        local = profile_loading.load(tmp_path / "profiles.toml")
        assert local.names == [*packaged.names, "mine"]
        for name in packaged.names:
            assert local.profiles[name].users == packaged.profiles[name].users
        # The locustfile still resolves to the packaged demo.
        assert (
            local.locustfile_path(local.profiles["mine"]).resolve()
            == packaged.locustfile_path(packaged.profiles["light"]).resolve()
        )


class TestRows:
    async def test_remove_a_stage_and_add_an_endpoint_threshold(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("up", "E")  # spike: three stages
            await settle(pilot)
            form = editor(app)
            removes = form.query("#stage-rows .remove-row").results(Button)
            second = list(removes)[1]
            second.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert len(form.stages_value()) == 2
            form.query_one("#add-endpoint", Button).focus()
            await pilot.press("enter")
            await settle(pilot)
            await type_text(pilot, "/api/*")
            await pilot.press("tab", "tab")  # past the metric (p95_ms) to warn
            await type_text(pilot, "50")
            await pilot.press("tab")
            await type_text(pilot, "100")
            await settle(pilot)
            assert form.checked.valid, form.checked.errors
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen)
        spike = profile_loading.load(toml_path).profiles["spike"]
        assert spike.stages == (Stage("30s", 10, 2.0), Stage("1m30s", 10, 10.0))
        (endpoint,) = spike.thresholds.endpoints
        assert endpoint.pattern == "/api/*"
        assert dict(endpoint.limits) == {"p95_ms": Limit(fail=100, warn=50)}

    async def test_endpoint_limit_without_a_pattern_is_refused(self, toml_path: Path) -> None:
        app = make_app(toml_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("E")
            await settle(pilot)
            form = editor(app)
            form.query_one("#add-endpoint", Button).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("tab", "tab", "tab")
            await type_text(pilot, "100")
            await settle(pilot)
            assert "missing name" in form.checked.errors["thresholds"]
            assert form.query_one("#editor-save-button", Button).disabled


async def test_every_shipped_profile_saves_unchanged_from_the_form(tmp_path: Path) -> None:
    """Open each packaged profile in the editor and save it untouched: the file reads back the same."""
    path = tmp_path / "profiles.toml"
    path.write_text(profiles.PACKAGED_PROFILES.read_text(encoding="utf-8"), encoding="utf-8")
    before = profile_loading.load(path)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        for index, name in enumerate(before.names):
            assert isinstance(app.screen, PickerScreen)
            app.screen.query_one("OptionList").highlighted = index
            await pilot.press("E")
            await settle(pilot)
            assert editor(app).checked.valid, (name, editor(app).checked.errors)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, PickerScreen), name
            assert path.read_text(encoding="utf-8") == before.text, name  # the same bytes, comments and all
    after = profile_loading.load(path)
    assert after.names == before.names
    for name in before.names:
        assert after.profiles[name] == before.profiles[name], name
    assert after.data["defaults"] == before.data["defaults"]


def test_every_binding_has_a_description_and_an_id() -> None:
    for owner in (ProfileEditor, SaveConflictDialog, PickerScreen):
        for binding in owner.BINDINGS:
            assert binding.description, binding
            assert binding.id, binding
