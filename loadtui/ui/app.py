"""The loadtui app: one LoadSession at a time, shown live.

One path for live data (memray's): the app's own timer asks the session for a Snapshot, posts
``SnapshotReady``, and the dashboard hands it to its widgets inside one batch update. A tick that
comes while the previous snapshot is still being handled is skipped, never queued, so a slow
screen (thousands of endpoint names, a slow SSH link) shows fresher data rather than falling
behind. Every session call is short and runs in this thread: gevent's hub runs the Locust users
whenever Textual's loop waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from loadtui.engine import profiles as profiles_mod
from loadtui.engine.profiles import Profile, ProfileSet
from loadtui.engine.snapshot import Snapshot

from .commands import LoadTuiCommands
from .messages import SnapshotReady
from .screens.dashboard import DashboardScreen
from .screens.ended import EndedScreen
from .screens.help import HelpScreen
from .screens.picker import PickerScreen

SessionFactory = Callable[..., Any]
"""``(profiles, profile, *, locustfile=, report_dir=) -> session``: LoadSession or a test double."""


def _default_session_factory(*args: Any, **kwargs: Any) -> Any:
    # Imported on use: importing the session imports Locust, which the snapshot tests of the UI
    # (hand-made snapshots, no engine) do not need.
    from loadtui.engine.session import LoadSession

    return LoadSession(*args, **kwargs)


def _default_locustfile_loader(path: Path) -> Any:
    from loadtui.engine.locustfile import load_locustfile

    return load_locustfile(path)


class LoadTuiApp(App[Any]):
    CSS_PATH = "app.tcss"
    TITLE = "loadtui"
    COMMANDS = App.COMMANDS | {LoadTuiCommands}
    # Screens get these classes from their size; app.tcss collapses panels with them.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall"), (50, "-huge")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Stop the run, write its report, exit"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
    ]

    def __init__(
        self,
        profiles: ProfileSet,
        *,
        profile: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        refresh: float = 1.0,
        session_factory: SessionFactory | None = None,
        report_dir: Path | None = None,
        locustfile_loader: Callable[[Path], Any] | None = None,
    ) -> None:
        super().__init__()
        self.profiles = profiles
        self.initial_profile = profile
        self.overrides = dict(overrides or {})
        self.refresh_interval = refresh
        self.session_factory = session_factory or _default_session_factory
        self.report_dir = report_dir
        self.locustfile_loader = locustfile_loader or _default_locustfile_loader
        self.session: Any = None
        self.result: Any = None
        """The RunResult of the last run that ended (what :func:`run_app` returns)."""
        self.last_snapshot: Snapshot | None = None
        self.skipped_refreshes = 0
        self._refresh_pending = False
        self._overrides_used = False
        self._ended_shown = False
        self._exiting = False
        self._last_message = ""

    # --- lifecycle ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(self.refresh_interval, self.refresh_snapshot, name="snapshot-refresh")
        self._install_signal_handlers()
        if self.initial_profile is not None and self.start_run(self.initial_profile):
            return
        self.show_picker()

    def _install_signal_handlers(self) -> None:
        """SIGHUP (the SSH link dropped) and SIGTERM end the run the same way ``q`` does."""
        try:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self.end_and_exit, "hangup")
            loop.add_signal_handler(signal.SIGTERM, self.end_and_exit, "terminated")
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests) or no such signal: Textual's own handling remains

    def on_unmount(self) -> None:
        self._close_session()

    def _close_session(self) -> None:
        if self.session is not None:
            with contextlib.suppress(Exception):
                self.session.close()

    # --- starting and the picker ---------------------------------------------------------------------

    def resolve_profile(self, profile: Profile) -> Profile:
        """CLI overrides apply to the first profile started; later choices run as written."""
        if self.overrides and not self._overrides_used:
            return profiles_mod.resolve(profile, **self.overrides)
        return profile

    def show_picker(self) -> None:
        picker = PickerScreen(self.profiles, loader=self.locustfile_loader, resolve=self.resolve_profile)
        self._show_only_screen(picker, self._picked_for_start)

    def _show_only_screen(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> None:
        """Drops every screen above the default one and shows ``screen``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen, callback)

    def _picked_for_start(self, name: str | None) -> None:
        if name is not None and not self.start_run(name):
            self.show_picker()

    def start_run(self, name: str) -> bool:
        """Builds and starts a session for ``name``; on refusal says why and returns False."""
        try:
            profile = self.resolve_profile(self.profiles.get(name))
            locustfile = self.locustfile_loader(self.profiles.locustfile_path(profile))
            session = self.session_factory(self.profiles, profile, locustfile=locustfile, report_dir=self.report_dir)
            session.start()
        except Exception as exc:  # bad locustfile, refused start, demo target down: all shown as-is
            self.notify(str(exc) or type(exc).__name__, title=f"Cannot start {name}", severity="error")
            return False
        self._close_session()
        self.session = session
        self._overrides_used = True
        self._ended_shown = False
        self._refresh_pending = False
        self.result = None
        self._show_only_screen(DashboardScreen())
        self.refresh_snapshot()
        return True

    def action_new_run(self) -> None:
        self.show_picker()

    # --- the data path -------------------------------------------------------------------------------

    @property
    def refresh_in_flight(self) -> bool:
        """A snapshot was posted and is not shown yet (further ticks are skipped until it is)."""
        return self._refresh_pending

    def refresh_snapshot(self) -> None:
        """The timer's tick: take a snapshot unless the previous one is still being shown."""
        if self.session is None:
            return
        if self._refresh_pending:
            self.skipped_refreshes += 1
            return
        self._refresh_pending = True
        try:
            snapshot = self.session.snapshot()
        except Exception:
            self._refresh_pending = False
            raise
        self.post_message(SnapshotReady(snapshot))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        try:
            self.show_snapshot(message.snapshot)
        finally:
            self._refresh_pending = False
        if self.session is not None and self.session.result is not None:
            self.show_ended(self.session.result)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.last_snapshot = snapshot
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.snapshot = snapshot
        if snapshot.message and snapshot.message != self._last_message:
            self._last_message = snapshot.message
            # Messages the app triggered itself were already notified by the action.
            if not self._notified_recently(snapshot.message):
                self.notify(snapshot.message, timeout=4)

    _recent_notices: tuple[str, ...] = ()

    def _notified_recently(self, text: str) -> bool:
        return text in self._recent_notices

    def _notice(self, text: str, **kwargs: Any) -> None:
        self._recent_notices = (*self._recent_notices[-4:], text)
        self.notify(text, **kwargs)

    # --- what the keys do ------------------------------------------------------------------------------

    def _live_session(self) -> Any:
        if self.session is None or self.session.result is not None:
            self.notify("No run in progress", severity="warning", timeout=3)
            return None
        return self.session

    def switch_profile(self, name: str) -> bool:
        session = self._live_session()
        if session is None:
            return False
        if session.profile.name == name:
            self.notify(f"Already running {name}", timeout=2)
            return False
        try:
            notice = session.switch_profile(name)
        except Exception as exc:  # SessionError: a refusal with its reason
            self.notify(str(exc), title="Switch refused", severity="error")
            return False
        self._notice(notice, title="Profile switched")
        self.refresh_snapshot()
        return True

    def switch_profile_number(self, number: int) -> bool:
        names = self.profiles.names
        if not 1 <= number <= len(names):
            self.notify(f"No profile {number}: profiles.toml has {len(names)}", severity="warning", timeout=3)
            return False
        return self.switch_profile(names[number - 1])

    def open_switch_picker(self) -> None:
        session = self._live_session()
        if session is None:
            return
        picker = PickerScreen(self.profiles, loader=self.locustfile_loader, current=session.profile.name, live=True)
        self.push_screen(picker, lambda name: self.switch_profile(name) if name else None)

    def change_users(self, delta: int) -> int | None:
        session = self._live_session()
        if session is None:
            return None
        try:
            target = session.change_users(delta)
        except Exception as exc:
            self.notify(str(exc), severity="error")
            return None
        self._notice(f"Users: {target} ({delta:+d})", timeout=2)
        self.refresh_snapshot()
        return int(target)

    def reset_stats(self) -> None:
        session = self._live_session()
        if session is None:
            return
        session.reset_stats()
        self._notice("Stats reset", timeout=2)
        self.refresh_snapshot()

    def stop_run(self, reason: str = "stopped") -> Any:
        """Stops the run and writes its report (about a second), then shows the run-ended view."""
        session = self.session
        if session is None:
            return None
        result = session.stop(reason) if session.result is None else session.result
        self.result = result
        with contextlib.suppress(Exception):
            self.show_snapshot(session.snapshot())
        self.show_ended(result)
        return result

    def show_ended(self, result: Any) -> None:
        self.result = result
        # Quitting also ends the run; a tick handled after exit() must not mount a screen on an
        # app that is shutting down.
        if self._ended_shown or self._exiting:
            return
        self._ended_shown = True
        self.push_screen(EndedScreen(result, self.last_snapshot))

    def end_and_exit(self, reason: str = "quit") -> None:
        """``q``, Ctrl+Q, SIGHUP, SIGTERM: a live run is stopped and its report written first."""
        self._exiting = True
        if self.session is not None:
            if self.session.result is None:
                self.notify("Stopping the run and writing the report…", timeout=5)
                self.result = self.session.stop(reason)
            else:
                self.result = self.session.result
        self.exit(self.result)

    async def action_quit(self) -> None:
        self.end_and_exit("quit")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections: list[tuple[str, list[Any]]] = [("Everywhere", list(self.BINDINGS))]
        sections.append(("Dashboard", list(DashboardScreen.BINDINGS)))
        sections.append(("Profile picker", list(PickerScreen.BINDINGS)))
        sections.append(("Run ended", list(EndedScreen.BINDINGS)))
        self.push_screen(HelpScreen(sections))


def run_app(
    profiles: ProfileSet,
    *,
    profile: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    refresh: float = 1.0,
    session_factory: SessionFactory | None = None,
    report_dir: Path | None = None,
) -> Any:
    """Runs the app in this terminal; returns the RunResult of the last run (None: nothing ran)."""
    app = LoadTuiApp(
        profiles,
        profile=profile,
        overrides=overrides,
        refresh=refresh,
        session_factory=session_factory,
        report_dir=report_dir,
    )
    app.run()
    return app.result
