"""Command palette (Ctrl+P): the actions that fit the screen it was opened from (posting style)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import LoadTuiApp

Command = tuple[str, Callable[[], object], str]


class LoadTuiCommands(Provider):
    def _commands(self) -> list[Command]:
        # Imported here: the screens import the app's modules, and the app imports this one.
        from .screens.dashboard import DashboardScreen
        from .screens.ended import EndedScreen, report_unwritten
        from .screens.picker import PickerScreen

        app: LoadTuiApp = self.app  # type: ignore[assignment]
        screen = self.screen
        commands: list[Command] = []
        if isinstance(screen, DashboardScreen):
            for number, name in enumerate(app.profiles.names, 1):
                profile = app.profiles.profiles[name]
                key = f" ({number})" if number <= 9 else ""
                commands.append(
                    (
                        f"Switch to profile: {name}{key}",
                        partial(app.switch_profile, name),
                        profile.description or "Switch the running test to this profile",
                    )
                )
            commands += [
                ("Choose a profile…", app.open_switch_picker, "Open the profile picker over the run (p)"),
                ("Add 1 user", partial(app.change_users, 1), "+"),
                ("Add 10 users", partial(app.change_users, 10), ">"),
                ("Remove 1 user", partial(app.change_users, -1), "-"),
                ("Remove 10 users", partial(app.change_users, -10), "<"),
                ("Stop the run", partial(screen.run_action, "stop_run"), "Stop users, write the report (s)"),
                ("Reset stats", app.reset_stats, "Zero the statistics; users keep running (r)"),
                ("Sort endpoints by next column", partial(screen.run_action, "cycle_sort"), "o"),
                ("Reverse endpoint sort", partial(screen.run_action, "reverse_sort"), "O"),
                ("Filter endpoint names…", partial(screen.run_action, "filter"), "Type part of a name (/)"),
                ("Export a report of the run so far", partial(screen.run_action, "export_report"), "e"),
                (
                    "Save the live settings as a new profile…",
                    app.ask_save_live_profile,
                    "Users now, spawn rate, class weights, into profiles.toml (S)",
                ),
                ("Show endpoints", partial(screen.run_action, "show_panel('endpoints')"), "E"),
                ("Show failures", partial(screen.run_action, "show_panel('failures')"), "f"),
                ("Show exceptions", partial(screen.run_action, "show_panel('exceptions')"), "x"),
                ("Show thresholds", partial(screen.run_action, "show_panel('thresholds')"), "Limits and states (t)"),
                ("Show workers", partial(screen.run_action, "show_panel('workers')"), "Distributed runs (w)"),
                ("Focus the host panel", partial(screen.run_action, "show_panel('host')"), "h"),
            ]
        if isinstance(screen, EndedScreen):
            commands.append(("New run…", app.action_new_run, "Pick a profile and start another run (n)"))
            if report_unwritten(screen.result):
                commands += [
                    ("Retry writing the report", app.retry_report, "The same directory again (r)"),
                    ("Write the report to another directory…", app.ask_report_dir, "a"),
                ]
        if isinstance(screen, PickerScreen):
            commands += [
                ("New profile…", partial(screen.run_action, "new_profile"), "An empty form (n)"),
                ("Copy the highlighted profile…", partial(screen.run_action, "copy_profile"), "c"),
                ("Edit the highlighted profile…", partial(screen.run_action, "edit_profile"), "E"),
                ("Delete the highlighted profile…", partial(screen.run_action, "delete_profile"), "Asks first (D)"),
            ]
        commands += [
            ("Past runs", app.action_past_runs, "Every run folder in the report directory (R)"),
            ("Help: list every key", app.action_help, "?"),
            ("Quit loadtui", partial(app.run_action, "quit"), "Stops a live run and writes its report (q)"),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
