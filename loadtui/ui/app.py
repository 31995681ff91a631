"""The loadtui app: one LoadSession at a time, shown live.

One path for live data (memray's): the app's own timer asks the session for a Snapshot, posts
``SnapshotReady``, and the dashboard hands it to its widgets inside one batch update. A tick that
comes while the previous snapshot is still being handled is skipped, never queued, so a slow
screen (thousands of endpoint names, a slow SSH link) shows fresher data rather than falling
behind. Every session call is short and runs in this thread: gevent's hub runs the Locust users
whenever Textual's loop waits.

Snapshots carry only the top ``ENDPOINT_LIMIT`` endpoint rows by the table's sort, after its ``/``
filter (``EndpointViewChanged``): with thousands of names the table stays bounded and cheap.

Reports are never lost silently: when one cannot be written (``RunResult.error``) the session keeps
the data, the app stays up, says where it could not go, and offers a retry or another directory;
``q`` asks before quitting with a report that is written nowhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from loadtui.engine import profile_fields, profile_loading, profile_saving
from loadtui.engine import profiles as profiles_mod
from loadtui.engine.profiles import Profile, ProfileSet
from loadtui.engine.snapshot import Snapshot

from .commands import LoadTuiCommands
from .messages import EndpointView, EndpointViewChanged, SnapshotReady
from .screens.dashboard import DashboardScreen
from .screens.ended import EndedScreen, report_unwritten
from .screens.help import HelpScreen
from .screens.picker import PickerScreen
from .widgets.dialogs import ConflictDialog, PromptDialog, UnwrittenReportDialog
from .widgets.endpoint_table import FilterInput

ENDPOINT_LIMIT = 200
"""Endpoint rows per snapshot. 3000 names: the session builds a full snapshot in 42 ms against
3 ms for the top 200; and a person reads the top of a sorted list, or filters with ``/``."""

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
        # Ctrl+C ends the run like q (report first), as it does headless; Textual's own only hints.
        Binding("ctrl+c", "interrupt", "Stop & quit", show=False, priority=True, id="interrupt"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("R", "past_runs", "Past runs", id="past-runs"),
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
        settle_heap: bool = False,
    ) -> None:
        super().__init__()
        self.settle_heap = settle_heap
        """Freeze the startup heap once a run shows (:meth:`_settle_heap`); run_app sets it."""
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
        self._ended_result: Any = None
        self._exiting = False
        self._last_message = ""
        self.endpoint_view = EndpointView()
        """The table's sort and filter, which every snapshot follows."""
        self._pending_view = self.endpoint_view
        """The table's view the snapshot in flight was taken for."""
        self._quit_anyway = False

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
            loop.add_signal_handler(signal.SIGHUP, self._hang_up)
            loop.add_signal_handler(signal.SIGTERM, self.end_and_exit, "terminated")
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests) or no such signal: Textual's own handling remains

    def _hang_up(self) -> None:
        """The terminal is gone (SSH dropped): write the report and leave without drawing on it.

        The terminal's file descriptors are pointed at /dev/null first, so whatever Textual still
        writes on the way out (its last frame, the escape codes that restore the terminal) goes
        nowhere instead of failing with EIO on the dead pty.
        """
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            os.close(devnull)
        self.end_and_exit("hangup")

    async def action_interrupt(self) -> None:
        self.end_and_exit("interrupted")

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
            return profile_fields.resolve(profile, **self.overrides)
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
        self._quit_anyway = False
        self.endpoint_view = EndpointView()
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
        self._pending_view = self.endpoint_view
        try:
            snapshot = self._take_snapshot()
        except Exception:
            self._refresh_pending = False
            raise
        self.post_message(SnapshotReady(snapshot))

    def _take_snapshot(self) -> Snapshot:
        view = self.endpoint_view
        return self.session.snapshot(  # type: ignore[no-any-return]
            endpoint_limit=ENDPOINT_LIMIT,
            sort_by=view.sort_by,
            descending=view.descending,
            name_filter=view.name_filter,
        )

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        snapshot = message.snapshot
        try:
            if self._pending_view != self.endpoint_view and self.session is not None:
                # Taken for the table's previous sort or filter: its rows would undo the key.
                snapshot = self._take_snapshot()
            self.show_snapshot(snapshot)
        finally:
            self._refresh_pending = False
        if self.settle_heap:
            self.settle_heap = False
            self.call_after_refresh(_settle_heap)
        if self.session is not None and self.session.result is not None:
            self.show_ended(self.session.result)

    def on_endpoint_view_changed(self, message: EndpointViewChanged) -> None:
        """Sort or filter changed: the endpoint table gets rows by it now (typing filters as
        you type), not at the next tick.

        Only the table: the other panels keep the tick's figures, so the frame that answers the
        key redraws one widget, not the whole dashboard (bench/RESULTS.md: 45 ms -> 15 ms)."""
        self.endpoint_view = message.view
        if self.session is None:
            return
        snapshot = self._take_snapshot()
        self.last_snapshot = snapshot
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_endpoints(snapshot)

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
            self.show_snapshot(session.snapshot(endpoint_limit=ENDPOINT_LIMIT))
        self.show_ended(result)
        self._say_if_unwritten(result)
        return result

    def show_ended(self, result: Any) -> None:
        self.result = result
        # Quitting also ends the run; a tick handled after exit() must not mount a screen on an
        # app that is shutting down.
        if self._exiting:
            return
        if self._ended_shown:
            # Every tick after the end comes here; only a new result (a retried report) is news.
            if result is not self._ended_result:
                self._ended_result = result
                for screen in self.screen_stack:
                    if isinstance(screen, EndedScreen):
                        screen.show_result(result)
            return
        self._ended_shown = True
        self._ended_result = result
        self.push_screen(EndedScreen(result, self.last_snapshot))

    # --- reports: export, and disk problems --------------------------------------------------------

    def _say_if_unwritten(self, result: Any) -> None:
        if report_unwritten(result):
            self.notify(
                f"{result.error}. The data is kept: r retries, a picks another directory.",
                title="Report not written",
                severity="error",
                timeout=15,
            )

    def export_report(self, report_dir: Path | None = None) -> Any:
        """``e``: a report of the run so far, in a ``-partial-`` folder; the run goes on."""
        session = self.session
        if session is None:
            return None
        try:
            result = session.export_report(report_dir)
        except Exception as exc:  # SessionError: the run has not started
            self.notify(str(exc), title="Export refused", severity="error")
            return None
        if result.error:
            self.notify(
                f"{result.error}. The run goes on; e retries, or type another directory.",
                title="Export not written",
                severity="error",
                timeout=15,
            )
            self._ask_dir(result.error, self._export_to)
        else:
            self._notice(f"Report of the run so far: {result.folder}", title="Exported", timeout=8)
        return result

    def _export_to(self, directory: str | None) -> None:
        if directory:
            self.export_report(Path(directory).expanduser())

    def retry_report(self) -> Any:
        """The ended run's report, written again where it should have gone."""
        return self.write_report_to(None)

    def ask_report_dir(self) -> None:
        result = self.session.result if self.session is not None else None
        self._ask_dir(getattr(result, "error", None) or "", self._write_to_answer)

    def _write_to_answer(self, directory: str | None) -> None:
        if directory:
            self.write_report_to(Path(directory).expanduser())

    def _ask_dir(self, error: str, callback: Callable[[str | None], None]) -> None:
        from rich.text import Text

        session = self.session
        current = getattr(session, "report_dir", None) or self.report_dir or ""
        message = Text.assemble(
            ("Could not write the report\n", "bold red"),
            (f"{error}\n\n" if error else "\n"),
            "The data is kept in memory. Write it to this directory instead (created if missing):",
        )
        self.push_screen(
            PromptDialog("Report directory", message, value=str(current), id="report-dir-dialog"), callback
        )

    def write_report_to(self, directory: Path | None) -> Any:
        """Writes the ended run's report to ``directory`` (None: the run's own); says how it went."""
        session = self.session
        if session is None or session.result is None:
            return None
        try:
            result = session.write_report(directory)
        except Exception as exc:
            self.notify(str(exc), title="Report not written", severity="error", timeout=10)
            return None
        self.result = result
        self.show_ended(result)
        if report_unwritten(result):
            self._say_if_unwritten(result)
        else:
            self._notice(f"Report written: {result.folder}", title="Report", timeout=8)
        return result

    # --- S: the live settings as a new profile ---------------------------------------------------

    def live_profile(self, name: str) -> Profile:
        """The running profile with the live users and class weights, under ``name``, no stages."""
        session = self.session
        target = session.snapshot(endpoint_limit=0).target_users
        classes = getattr(session.locustfile, "user_classes", {}) or {}
        weights = {cls.__name__: int(cls.weight) for cls in classes.values() if hasattr(cls, "weight")}
        if not weights:
            weights = dict(session.locustfile.weights(session.profile))
        return dataclasses.replace(session.profile, name=name, users=target, weights=weights, stages=())

    def _check_new_name(self, name: str) -> str | None:
        try:
            profiles_mod.check_name(name)
        except profiles_mod.ProfileError as exc:
            return str(exc)
        if name in self.profiles.profiles:
            return f"{name!r} already exists in {self.profiles.path.name}: choose another name"
        return None

    def ask_save_live_profile(self) -> None:
        """``S``: asks for a name, then saves."""
        session = self._live_session()
        if session is None:
            return
        target = profile_saving.save_target(self.profiles)
        message = (
            f"Save the live settings of {session.profile.name} (users now, spawn rate, class weights) "
            f"as a new profile in {target}. Name:"
        )
        self.push_screen(
            PromptDialog("Save as profile", message, validate=self._check_new_name, id="save-profile-dialog"),
            self._save_name_chosen,
        )

    def _save_name_chosen(self, name: str | None) -> None:
        if name:
            self.save_live_profile(name)

    def save_live_profile(self, name: str, *, force: bool = False) -> bool:
        """Writes the new profile; on a concurrent edit, asks to reload or overwrite."""
        session = self.session
        if session is None:
            return False
        try:
            profile = self.live_profile(name)
            saved = profile_saving.save(self.profiles, put=profile, force=force)
        except profiles_mod.ProfileConflict as exc:
            self.push_screen(
                ConflictDialog("profiles.toml changed on disk", str(exc), id="conflict-dialog"),
                lambda answer: self._conflict_answered(answer, name),
            )
            return False
        except profiles_mod.ProfileError as exc:
            self.notify(str(exc), title="Profile not saved", severity="error", timeout=10)
            return False
        self.profiles_saved(saved)
        number = saved.names.index(name) + 1 if name in saved.names else 0
        key = f" (key {number})" if 1 <= number <= 9 else ""
        self._notice(f"Saved profile {name}{key} to {profile_saving.save_target(saved)}", title="Saved", timeout=8)
        return True

    def _conflict_answered(self, answer: str | None, name: str) -> None:
        if answer == "overwrite":
            self.save_live_profile(name, force=True)
        elif answer == "reload":
            try:
                reloaded = profile_loading.load(self.profiles.path)
            except profiles_mod.ProfileError as exc:
                self.notify(str(exc), title="Cannot reload", severity="error", timeout=10)
                return
            self.profiles_saved(reloaded)
            if name in reloaded.profiles:
                self.notify(f"The file on disk already has a profile {name!r}: not saved", severity="warning")
                return
            self.save_live_profile(name)

    def profiles_saved(self, profile_set: ProfileSet) -> None:
        """profiles.toml was written or reloaded: the 1-9 keys, picker and session use the new set."""
        self.profiles = profile_set
        if self.session is not None:
            self.session.profiles = profile_set

    def end_and_exit(self, reason: str = "quit") -> None:
        """``q``, Ctrl+Q, SIGHUP, SIGTERM: a live run is stopped and its report written first.

        From the keyboard, a report that could not be written keeps the app up (the ended view
        says why, with the ways out); a signal exits regardless, there is nobody left to ask.
        """
        if self.session is not None:
            if self.session.result is None:
                self.notify("Stopping the run and writing the report…", timeout=5)
                self.result = self.session.stop(reason)
            else:
                self.result = self.session.result
        if reason in ("quit", "interrupted") and not self._quit_anyway and report_unwritten(self.result):
            self.show_ended(self.result)
            self.push_screen(
                UnwrittenReportDialog("The report is not written", self._unwritten_message(), id="unwritten-dialog"),
                self._unwritten_answered,
            )
            return
        self._exiting = True
        self.exit(self.result)

    def _unwritten_message(self) -> str:
        error = getattr(self.result, "error", "") or "the report could not be written"
        return (
            f"{error}.\n\nThe run's data is only in memory: quitting now loses it.\n"
            "r retry  ·  a write it to another directory  ·  y quit anyway  ·  Esc stay"
        )

    def _unwritten_answered(self, answer: str | None) -> None:
        if answer == "retry":
            self.retry_report()
        elif answer == "another":
            self.ask_report_dir()
        elif answer == "quit":
            self._quit_anyway = True
            self.end_and_exit("quit")

    async def action_quit(self) -> None:
        self.end_and_exit("quit")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections: list[tuple[str, list[Any]]] = [("Everywhere", list(self.BINDINGS))]
        sections.append(("Dashboard", list(DashboardScreen.BINDINGS)))
        sections.append(("Profile picker", list(PickerScreen.BINDINGS)))
        sections.append(("Endpoint filter (/)", list(FilterInput.BINDINGS)))
        sections.append(("Run ended", list(EndedScreen.BINDINGS)))
        from .screens.editor import ProfileEditor
        from .screens.reports import ReportsScreen

        sections.append(("Past runs (R)", list(ReportsScreen.BINDINGS)))
        sections.append(("Profile editor (n, c, E in the picker)", list(ProfileEditor.BINDINGS)))
        sections.append(("Report not written (q)", list(UnwrittenReportDialog.BINDINGS)))
        sections.append(("profiles.toml changed on disk (S)", list(ConflictDialog.BINDINGS)))
        self.push_screen(HelpScreen(sections))

    def action_past_runs(self) -> None:
        from .screens.reports import ReportsScreen  # imported on use: the reports screen is rarely opened

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.report_dir or self.profiles.report_dir_path()))


FULL_GC_EVERY = 100
"""Young collections between two full ones (CPython's default is 10)."""


def _settle_heap() -> None:
    """Keeps full garbage collections from stalling the screen: once, when the first snapshot
    is drawn.

    A full collection walks every tracked object. Textual, Locust and their modules make 200,000
    of them before a run starts, so each one paused the app 60-130 ms on a 2-core machine, every
    2-3 s with thousands of names: most of the slow key presses (bench/RESULTS.md). Those objects
    live as long as the process, so they leave the collector's reach (``gc.freeze``, as Locust
    does before it forks workers), and full collections of the rest are made rarer. Frozen
    objects are still freed when nothing refers to them; only those of the first run that end
    up in a reference cycle stay, once.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_EVERY)


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
        settle_heap=True,
    )
    app.run()
    return app.result
