"""Choose a profile: what it will run, against what, with which User classes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from loadtui.engine.profiles import Profile, ProfileSet

LocustfileLoader = Callable[[Path], Any]
"""``path -> LoadedLocustfile``; raises with a message ready to show when the file is unusable."""


def profile_summary(profile: Profile) -> str:
    load = f"{len(profile.stages)} stages to {profile.peak_users}" if profile.stages else f"{profile.users} users"
    return f"{load}, {profile.run_time or 'no limit'}"


class PickerScreen(Screen[str | None]):
    """Enter dismisses with the profile's name; Escape (only over a running test) with None.

    The app decides what a choice means: start a run, or switch the live one.
    """

    BINDINGS = [
        Binding("enter", "choose", "Start", id="picker-choose", priority=True),
        Binding("escape", "cancel", "Back", id="picker-cancel"),
    ]

    def __init__(
        self,
        profiles: ProfileSet,
        *,
        loader: LocustfileLoader,
        resolve: Callable[[Profile], Profile] = lambda p: p,
        current: str | None = None,
        live: bool = False,
    ) -> None:
        super().__init__()
        self.profiles = profiles
        self.loader = loader
        self.resolve = resolve
        self.current = current
        self.live = live
        """True when opened over a running test: Enter switches it, Escape goes back."""
        self._loaded: dict[Path, tuple[Any, str | None]] = {}

    def compose(self) -> ComposeResult:
        title = "Switch the running test to" if self.live else "Choose a load profile"
        source = f"{self.profiles.path}" + (" (packaged defaults)" if self.profiles.packaged else "")
        yield Static(Text.assemble((title, "bold"), ("  from ", "dim"), source), id="picker-title")
        with Horizontal(id="picker-body"):
            options = []
            for number, (name, profile) in enumerate(self.profiles.profiles.items(), 1):
                key = f"{number}" if number <= 9 else " "
                marker = "▶" if name == self.current else " "
                prompt = Text.assemble(
                    (f"{marker}{key} ", "bold"), (f"{name:<11}", "bold"), (profile_summary(profile), "dim")
                )
                options.append(Option(prompt, id=name))
            yield OptionList(*options, id="picker-list")
            with VerticalScroll(id="picker-detail"):
                yield Static(id="picker-info")
        yield Footer()

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
        _, error = self.locustfile_for(self.resolve(self.profiles.get(name)))
        if error is not None:
            # The error is already on screen in place of the classes; the app stays open.
            self.notify(f"{name} cannot start: the locustfile does not load", severity="error")
            return
        self.dismiss(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to go back to before the first run: hide "Back" from the footer then.
        if action == "cancel":
            return self.live
        return True

    def action_cancel(self) -> None:
        if self.live:
            self.dismiss(None)

    def locustfile_for(self, profile: Profile) -> tuple[Any, str | None]:
        """(LoadedLocustfile or None, error text or None), cached per path for the picker's life."""
        path = self.profiles.locustfile_path(profile)
        if path not in self._loaded:
            try:
                self._loaded[path] = (self.loader(path), None)
            except Exception as exc:  # user code: anything can come out of an import
                self._loaded[path] = (None, str(exc) or type(exc).__name__)
        return self._loaded[path]

    def details(self, name: str) -> Text:
        profile = self.resolve(self.profiles.get(name))
        text = Text()
        text.append(f"{profile.name}\n", style="bold underline")
        if profile.description:
            text.append(f"{profile.description}\n")
        text.append("\n")

        def field(label: str, value: str) -> None:
            text.append(f"{label:<12}", style="dim")
            text.append(f"{value}\n")

        field("users", str(profile.users))
        field("spawn rate", f"{profile.spawn_rate:g}/s")
        field("run time", profile.run_time or "until stopped")
        field("tags", ", ".join(profile.tags) or "(all tasks)")
        if profile.exclude_tags:
            field("exclude", ", ".join(profile.exclude_tags))
        if profile.stages:
            stages = "  ".join(f"{s.duration}→{s.users}u@{s.spawn_rate:g}/s" for s in profile.stages)
            field("stages", stages)
        field("locustfile", profile.locustfile)
        field("host", profile.host or "demo target (bundled, started on 127.0.0.1)")

        loaded, error = self.locustfile_for(profile)
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
