"""Choose a profile: what it will run, against what, with which User classes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from loadtui.engine.profiles import Profile, ProfileSet, Stage

from ..profile_saving import save_profiles
from ..run_controller import RunController
from ..widgets.dialogs import ConfirmDialog
from .editor import ProfileEditor, unique_name


def profile_summary(profile: Profile) -> str:
    """``10 users, 1m``, ``20/s, ≤10 users, 1m``, ``3 stages to 100, 3m``, ``ramp to 300, 16m``
    (``ramp to 90/s`` for a ramp of the rate): short enough for the list at 80 columns."""
    load = f"{len(profile.stages)} stages to {profile.peak_users}" if profile.stages else f"{profile.users} users"
    if profile.rate is not None and not profile.stages:
        load = f"{profile.rate:g}/s, ≤{profile.users} users"
    ramp = profile.ramp
    if ramp is not None:
        load = f"ramp to {ramp.max:g}/s" if ramp.of_rate else f"ramp to {ramp.max:g}"
    return f"{load}, {profile.run_time or 'no limit'}"


def stage_text(stage: Stage) -> str:
    """``30s→10u@2/s``, and ``20/s`` after it when the stage holds a target rate."""
    text = f"{stage.duration}→{stage.users}u@{stage.spawn_rate:g}/s"
    return f"{text} {stage.rate:g}/s" if stage.rate is not None else text


class PickerScreen(Screen[str | None]):
    """Enter dismisses with the profile's name; Escape (only over a running test) with None.

    The app decides what a choice means: start a run, or switch the live one. n/c/E/D edit
    profiles.toml (not over a live run: the run's session holds the profiles it started with).
    After a save the picker shows the controller's profiles, which the save replaced. The details
    of a profile are what a run of it would be: the planner's layers applied (``-f``, ``-H``,
    Locust's config...), its locustfile imported once.
    """

    BINDINGS = [
        Binding("enter", "choose", "Start", id="picker-choose", priority=True),
        Binding("escape", "cancel", "Back", id="picker-cancel"),
        Binding("n", "new_profile", "New", id="picker-new", tooltip="A new profile, from [defaults]"),
        Binding("c", "copy_profile", "Copy", id="picker-copy", tooltip="A new profile, from the highlighted one"),
        Binding("E", "edit_profile", "Edit", id="picker-edit"),
        Binding("D", "delete_profile", "Delete", id="picker-delete"),
        Binding("R", "app.past_runs", "Past runs", id="picker-past-runs"),
    ]
    EDIT_ACTIONS = ("new_profile", "copy_profile", "edit_profile", "delete_profile")

    def __init__(self, runs: RunController, *, current: str | None = None, live: bool = False) -> None:
        super().__init__()
        self.runs = runs
        assert runs.profiles is not None
        self.profiles: ProfileSet = runs.profiles
        self.current = current
        self.live = live
        """True when opened over a running test: Enter switches it, Escape goes back."""
        self._previews: dict[str, tuple[Profile, Any, str | None]] = {}

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="picker-title")
        with Horizontal(id="picker-body"):
            yield OptionList(*self._options(), id="picker-list")
            with VerticalScroll(id="picker-detail"):
                yield Static(id="picker-info")
        yield Footer()

    def _title(self) -> Text:
        title = "Switch the running test to" if self.live else "Choose a load profile"
        source = f"{self.profiles.path}" + (" (packaged defaults)" if self.profiles.packaged else "")
        return Text.assemble((title, "bold"), ("  from ", "dim"), source)

    def _options(self) -> list[Option]:
        options = []
        for number, (name, profile) in enumerate(self.profiles.profiles.items(), 1):
            key = f"{number}" if number <= 9 else " "
            marker = "▶" if name == self.current else " "
            prompt = Text.assemble(
                (f"{marker}{key} ", "bold"), (f"{name:<11}", "bold"), (profile_summary(profile), "dim")
            )
            options.append(Option(prompt, id=name))
        return options

    def show_profiles(self, profiles: ProfileSet, highlight: str | None = None) -> None:
        """Shows another ProfileSet (after a save or a reload), highlighting ``highlight`` if given."""
        previous = self.highlighted
        self.profiles = profiles
        self._previews = {}
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(self._options())
        self.query_one("#picker-title", Static).update(self._title())
        names = profiles.names
        wanted = highlight if highlight in names else previous
        option_list.highlighted = names.index(wanted) if wanted in names else (0 if names else None)
        if option_list.highlighted is not None:
            self.query_one("#picker-info", Static).update(self.details(names[option_list.highlighted]))

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = self.profiles.names
        option_list.highlighted = names.index(self.current) if self.current in names else 0
        option_list.focus()
        self.query_one("#picker-detail").border_title = "Details"
        self.query_one("#picker-list").border_title = "Profiles"
        if self.live:
            self.query_one("#picker-list").border_subtitle = "Enter: switch live"

    @property
    def highlighted(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        if index is None:
            return None
        return self.profiles.names[index]

    @on(OptionList.OptionHighlighted)
    def _show_details(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        if name is not None:
            self.query_one("#picker-info", Static).update(self.details(name))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        name = self.highlighted
        if name is None:
            return
        _, _, error = self.preview(name)
        if error is not None:
            # The error is already on screen in place of the classes; the app stays open.
            self.notify(f"{name} cannot start: the locustfile does not load", severity="error")
            return
        self.dismiss(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to go back to before the first run: hide "Back" from the footer then.
        if action == "cancel":
            return self.live
        if action in self.EDIT_ACTIONS:
            return not self.live
        return True

    def action_cancel(self) -> None:
        if self.live:
            self.dismiss(None)

    def preview(self, name: str) -> tuple[Profile, Any, str | None]:
        """(the profile as a run of it would be, its LoadedLocustfile or None, error text or None)."""
        if name not in self._previews:
            profile = self.profiles.get(name)
            try:
                profile = self.runs.preview(name)
                assert self.runs.planner is not None
                self._previews[name] = (profile, self.runs.planner.locustfile(name), None)
            except Exception as exc:  # user code: anything can come out of an import
                self._previews[name] = (profile, None, str(exc) or type(exc).__name__)
        return self._previews[name]

    def details(self, name: str) -> Text:
        profile, loaded, error = self.preview(name)
        text = Text()
        text.append(f"{profile.name}\n", style="bold underline")
        if profile.description:
            text.append(f"{profile.description}\n")
        text.append("\n")

        def field(label: str, value: str) -> None:
            text.append(f"{label:<12}", style="dim")
            text.append(f"{value}\n")

        ramp = profile.ramp
        if ramp is not None:
            step = f"+{ramp.step:g}/s" if ramp.of_rate else f"+{ramp.step:g}"
            field("ramp", f"{ramp.start:g}, {step}/{ramp.every}, to {ramp.amount(ramp.max)}")
            field("", "ends at a failing step")
        elif profile.rate is not None:
            field("rate", f"{profile.rate:g} task runs/s")
            field("users", f"at most {profile.users}")
        else:
            field("users", str(profile.users))
        field("spawn rate", f"{profile.spawn_rate:g}/s")
        field("run time", profile.run_time or "until stopped")
        field("tags", ", ".join(profile.tags) or "(all tasks)")
        if profile.exclude_tags:
            field("exclude", ", ".join(profile.exclude_tags))
        if profile.stages:
            stages = "  ".join(stage_text(stage) for stage in profile.stages)
            field("stages", stages)
        if loaded is not None:
            field("locustfile", self._locustfile_shown(name, loaded))
            demo = "demo target (bundled, started on 127.0.0.1)"
            field("host", profile.host or (demo if loaded.is_demo else "the User classes' own host"))
        text.append("\n")
        if error is not None:
            text.append("! Locustfile cannot be loaded\n", style="bold reverse red")
            text.append(error + "\n", style="red")
            return text
        text.append("User classes", style="bold")
        text.append("  (weight)\n", style="dim")
        weights: dict[str, int] = loaded.weights(profile)
        for cls_name, weight in weights.items():
            text.append(f"  {cls_name:<24}", style="bold" if weight else "dim")
            text.append(f"{weight}" + ("  (not spawned)" if weight == 0 else "") + "\n")
        return text

    def _locustfile_shown(self, name: str, loaded: Any) -> str:
        """The demo by name; else the locustfile as profiles.toml writes it, when that is the one that
        runs; else its path."""
        if loaded.is_demo:
            return "the bundled demo (demo.py)"
        written = self.profiles.get(name)
        if "locustfile" in written.given and self.profiles.locustfile_path(written).resolve() == loaded.path.resolve():
            return written.locustfile
        return ", ".join(_shown_path(p) for p in loaded.paths)

    # --- editing profiles.toml ------------------------------------------------------------------

    def _app_profiles(self) -> ProfileSet:
        """The controller's ProfileSet (a save or a reload replaces it), else this picker's."""
        return self.runs.profiles or self.profiles

    def _open_editor(self, start: Profile, *, original: str | None, heading: str) -> None:
        profiles = self._app_profiles()
        loaded = self.preview(original)[1] if original is not None else self._any_locustfile()
        editor = ProfileEditor(profiles, start, original=original, locustfile=loaded, heading=heading)
        self.app.push_screen(editor, self._edited)

    def _edited(self, name: str | None) -> None:
        # Even when nothing was saved, a reload in the editor may have changed app.profiles.
        self.show_profiles(self._app_profiles(), highlight=name)

    def _any_locustfile(self) -> Any:
        """The highlighted profile's locustfile, for a new or copied profile's class weights."""
        name = self.highlighted
        return self.preview(name)[1] if name is not None else None

    def action_new_profile(self) -> None:
        profiles = self._app_profiles()
        start = replace(profiles.defaults, name=unique_name("new", profiles.names), description="")
        self._open_editor(start, original=None, heading="New profile")

    def action_copy_profile(self) -> None:
        name = self.highlighted
        if name is None:
            return
        profiles = self._app_profiles()
        start = replace(profiles.get(name), name=unique_name(f"{name}-copy", profiles.names))
        self._open_editor(start, original=None, heading=f"Copy of {name}")

    def action_edit_profile(self) -> None:
        name = self.highlighted
        if name is not None:
            self._open_editor(self._app_profiles().get(name), original=name, heading=f"Edit profile {name}")

    @work(exclusive=True, group="profile-delete")
    async def action_delete_profile(self) -> None:
        name = self.highlighted
        if name is None:
            return
        profiles = self._app_profiles()
        if len(profiles.profiles) == 1:
            self.notify("The last profile cannot be deleted: profiles.toml needs one", severity="warning")
            return
        sure = await self.app.push_screen_wait(
            ConfirmDialog(
                f"Delete profile {name}?",
                f"[profiles.{name}] is removed from {profiles.path}.\n\ny: delete it   n: keep it",
            )
        )
        if sure != "yes":
            return
        outcome, saved = await save_profiles(self.app, profiles, delete=name, what=f"profile {name}")
        if saved is not None:
            self.show_profiles(saved)
        if outcome == "reloaded":
            self.notify(f"{name} was not deleted: look at the reloaded list, then press D again", timeout=6)


def _shown_path(path: Any) -> str:
    """Relative to the current directory when inside it (as a person typed it), else absolute."""
    from pathlib import Path

    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
