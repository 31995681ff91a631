"""The loadtui app: one session at a time, shown live; screens ask, the run controller does.

One path for live data (memray's): the app's own timer asks the session for a Snapshot, posts
``SnapshotReady``, and the dashboard hands it to its widgets inside one batch update. A tick that
comes while the previous snapshot is still being handled is skipped, never queued, so a slow
screen (thousands of endpoint names, a slow SSH link) shows fresher data rather than falling
behind. Every session call is short and runs in this thread: gevent's hub runs the Locust users
whenever Textual's loop waits.

Screens post what a key asked for (``...Asked`` messages); the app asks the person what needs
asking (stop the run? which directory?) and has its :class:`RunController` do it. Reports are never
lost silently: when one cannot be written the session keeps the data, the app says where it could
not go and offers a retry or another directory, and ``q`` asks before quitting without one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from loadtui.engine.endpoint_selection import EndpointView
from loadtui.engine.session_contract import RunResult, Session
from loadtui.engine.snapshot import Snapshot

from . import event_loop, heap, signals
from .commands import LoadTuiCommands
from .messages import (
    EndpointClosed,
    EndpointOpened,
    EndpointViewChanged,
    ExportAsked,
    ReportElsewhereAsked,
    ResetAsked,
    RetryReportAsked,
    SaveProfileAsked,
    SnapshotReady,
    StopAsked,
    SwitchAsked,
    SwitchPickerAsked,
    UsersChangeAsked,
)
from .profile_saving import save_profiles
from .run_controller import RunController, RunRefused, SessionFactory, report_unwritten
from .screens.dashboard import DashboardScreen
from .screens.ended import EndedScreen
from .screens.help import HelpScreen
from .screens.picker import PickerScreen
from .widgets.dialogs import ConfirmDialog, PromptDialog, UnwrittenBeforeNewRunDialog, UnwrittenReportDialog
from .widgets.endpoint_detail import EndpointDetailPanel
from .widgets.endpoint_table import FilterInput

if TYPE_CHECKING:
    from loadtui.engine.planning import Planner


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
        planner: Planner | None,
        *,
        profile: str | None = None,
        refresh: float = 1.0,
        session_factory: SessionFactory | None = None,
        session: Session | None = None,
        settle_heap: bool = False,
        driver_class: type[Any] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.settle_heap = settle_heap
        """Freeze the startup heap once a run shows (:func:`heap.settle`); run_app sets it."""
        self.runs = RunController(planner, session_factory)
        self.initial_profile = profile
        self.initial_session = session
        """An attached run: shown at once, no picker (it has no profiles of loadtui's)."""
        self.refresh_interval = refresh
        self.last_snapshot: Snapshot | None = None
        self.skipped_refreshes = 0
        self._refresh_pending = False
        self._answering_key = False
        """A key that changes what the dashboard shows (Enter, Escape, a sort) is not drawn yet."""
        self._tick_after_key = False
        """A tick came meanwhile: it is taken once the key's frame is drawn."""
        self._ended_shown = False
        self._ended_result: RunResult | None = None
        self._exiting = False
        self._last_message = ""
        self.endpoint_view = EndpointView()
        """The table's sort and filter, which every snapshot follows."""
        self._pending_view = self.endpoint_view
        """The table's view the snapshot in flight was taken for."""
        self._quit_anyway = False
        self._recent_notices: tuple[str, ...] = ()

    @property
    def session(self) -> Session | None:
        return self.runs.session

    @property
    def result(self) -> RunResult | None:
        """The RunResult of the last run that ended (what :func:`run_app` returns)."""
        session = self.runs.session
        return session.result if session is not None else None

    def profile_names(self) -> list[str]:
        return self.runs.profile_names()

    # --- lifecycle ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_interval(self.refresh_interval, self.refresh_snapshot, name="snapshot-refresh")
        signals.install(self)
        # What user code prints in this process (users run here with workers = 0) goes to the
        # run's log, not onto the screen.
        self.begin_capture_print(self, stdout=True, stderr=True)
        if self.initial_session is not None:
            self.initial_session.start()
            self.runs.adopt(self.initial_session)
            self._show_new_run()
            return
        if self.initial_profile is not None and self.start_run(self.initial_profile):
            return
        self.show_picker()

    def on_print(self, event: events.Print) -> None:
        if self.session is not None:
            self.session.record_output(event.text, stderr=event.stderr)

    async def action_interrupt(self) -> None:
        self.end_and_exit("interrupted")

    def on_unmount(self) -> None:
        self.runs.close()

    # --- starting and the picker ---------------------------------------------------------------------

    def show_picker(self) -> None:
        self._show_only_screen(PickerScreen(self.runs), self._picked_for_start)

    def _show_only_screen(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> None:
        """Drops every screen above the default one and shows ``screen``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen, callback)

    def _picked_for_start(self, name: str | None) -> None:
        if name is not None and not self.start_run(name):
            self.show_picker()

    def start_run(self, name: str | None) -> bool:
        """Plans and starts a run of ``name``; on refusal says why and returns False."""
        try:
            started = self.runs.start(name)
        except Exception as exc:  # bad locustfile, refused start, demo target down: all shown as-is
            self.notify(str(exc) or type(exc).__name__, title=f"Cannot start {name}", severity="error", timeout=15)
            return False
        for note in started.notes:
            self.notify(note, severity="warning", timeout=8)
        self._show_new_run()
        return True

    def _show_new_run(self) -> None:
        self._ended_shown = False
        self._refresh_pending = False
        self._quit_anyway = False
        self.endpoint_view = EndpointView()
        profile = getattr(self.session, "profile", None)
        self._show_only_screen(DashboardScreen(baseline=bool(profile is not None and profile.baseline)))
        self.refresh_snapshot()

    def action_new_run(self) -> None:
        if self.runs.planner is None:
            self.notify("An attached run has no profiles to start: attach again to watch another", timeout=4)
            return
        if report_unwritten(self.result):
            # A new run closes this one's session, and its data with it: asked first, as q asks.
            self.push_screen(
                UnwrittenBeforeNewRunDialog(
                    "The report is not written",
                    self._unwritten_message("a new run loses it", "y new run anyway"),
                    id="unwritten-new-dialog",
                ),
                self._unwritten_before_new_run,
            )
            return
        self.show_picker()

    def _unwritten_before_new_run(self, answer: str | None) -> None:
        if answer == "new":
            self.show_picker()
        else:
            self._unwritten_answered(answer)

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
        if self._answering_key:
            self._tick_after_key = True
            return
        self._refresh_pending = True
        self._pending_view = self.endpoint_view
        try:
            snapshot = self.runs.snapshot(self.endpoint_view)
        except Exception:
            self._refresh_pending = False
            raise
        if snapshot is not None:
            self.post_message(SnapshotReady(snapshot))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        snapshot: Snapshot | None = message.snapshot
        try:
            if self._pending_view != self.endpoint_view:
                # Taken for the table's previous sort or filter: its rows would undo the key.
                snapshot = self.runs.snapshot(self.endpoint_view)
            if snapshot is not None:
                self.show_snapshot(snapshot)
        finally:
            self._refresh_pending = False
        if self.settle_heap:
            self.settle_heap = False
            self.call_after_refresh(heap.settle)
        result = self.result
        if result is not None:
            self.show_ended(result)

    def _answer_key_first(self) -> None:
        """The frame that answers a key is drawn before the next tick is taken.

        A tick that lands while a key is answered (its snapshot, the widgets drawn from it) went
        into the key's frame, about 25 ms with 3000 names; it now waits for that frame, which
        Enter, Escape and the sort keys all draw within 100 ms (bench/ case 7)."""
        if not self._answering_key:
            self._answering_key = True
            self.call_after_refresh(self._key_answered)

    def _key_answered(self) -> None:
        self._answering_key = False
        if self._tick_after_key:
            self._tick_after_key = False
            self.refresh_snapshot()

    def on_endpoint_view_changed(self, message: EndpointViewChanged) -> None:
        """Sort or filter changed: the endpoint table gets rows by it now (typing filters as
        you type), not at the next tick.

        Only the table: the other panels keep the tick's figures, so the frame that answers the
        key redraws one widget, not the whole dashboard (bench/RESULTS.md: 45 ms -> 15 ms)."""
        # The table's view has no focus of its own: a sort key pressed just before Enter can
        # arrive after the view opened, and must not take the open endpoint's detail away.
        self.endpoint_view = replace(message.view, focus=self.endpoint_view.focus)
        snapshot = self.runs.snapshot(self.endpoint_view)
        if snapshot is None:
            return
        self._answer_key_first()
        self.last_snapshot = snapshot
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_endpoints(snapshot)

    def on_endpoint_opened(self, message: EndpointOpened) -> None:
        """Enter on an endpoint: its view in the dashboard, and snapshots with its detail while
        the view is open.

        Drawn at once from the latest snapshot with the endpoint's detail of now in it: the rest
        of that snapshot is what the screen shows already, and building it again was most of
        what a new snapshot cost here (3000 names: the table's rows, the status codes)."""
        dashboard = self.screen
        key = (message.method, message.name)
        if not isinstance(dashboard, DashboardScreen) or not dashboard.open_endpoint(*key):
            return  # a second Enter that came before the view was shown, or the dashboard is gone
        self._answer_key_first()
        self.endpoint_view = replace(self.endpoint_view, focus=key)
        last, detail = self.last_snapshot, self.runs.endpoint_detail(key)
        if last is not None and detail is not None:
            snapshot: Snapshot | None = replace(last, endpoint_detail=detail)
        else:
            snapshot = self.runs.snapshot(self.endpoint_view)
        if snapshot is not None:
            self.show_snapshot(snapshot)  # draws the view, from the detail asked for just now

    def on_endpoint_closed(self, _message: EndpointClosed) -> None:
        self._answer_key_first()
        self._endpoint_closed()

    def _endpoint_closed(self) -> None:
        self.endpoint_view = replace(self.endpoint_view, focus=None)

    def _endpoint_up_close(self) -> bool:
        return any(isinstance(s, DashboardScreen) and s.endpoint_open for s in self.screen_stack)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.last_snapshot = snapshot
        if self.endpoint_view.focus is not None and not self._endpoint_up_close():
            self._endpoint_closed()  # closed, and its EndpointClosed not handled yet
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.snapshot = snapshot
        if snapshot.message and snapshot.message != self._last_message:
            self._last_message = snapshot.message
            # Messages the app triggered itself were already notified by the action.
            if snapshot.message not in self._recent_notices:
                self.notify(snapshot.message, timeout=4)

    def _notice(self, text: str, **kwargs: Any) -> None:
        self._recent_notices = (*self._recent_notices[-4:], text)
        self.notify(text, **kwargs)

    def _refused(self, exc: Exception, title: str = "") -> None:
        self.notify(str(exc) or type(exc).__name__, title=title, severity="warning", timeout=5)

    # --- what the dashboard's keys ask for ---------------------------------------------------------------

    @on(SwitchAsked)
    def switch_profile(self, message: SwitchAsked) -> None:
        try:
            if message.name is not None:
                notice = self.runs.switch(message.name)
            else:
                notice = self.runs.switch_number(message.number or 0)
        except RunRefused as exc:
            self._refused(exc)
            return
        except Exception as exc:  # SessionError: a refusal with its reason
            self.notify(str(exc), title="Switch refused", severity="error")
            return
        self._notice(notice, title="Profile switched")
        self.refresh_snapshot()

    @on(SwitchPickerAsked)
    def open_switch_picker(self) -> None:
        try:
            session = self.runs.live()
        except RunRefused as exc:
            self._refused(exc)
            return
        if self.runs.planner is None:
            self._refused(RunRefused("An attached run has no profiles of loadtui's: change users with + and -"))
            return
        picker = PickerScreen(self.runs, current=session.profile.name, live=True)

        def chosen(name: str | None) -> None:
            if name:
                self.post_message(SwitchAsked(name=name))

        self.push_screen(picker, chosen)

    @on(UsersChangeAsked)
    def change_users(self, message: UsersChangeAsked) -> None:
        try:
            target = self.runs.change_users(message.delta)
        except RunRefused as exc:
            self._refused(exc)
            return
        except Exception as exc:
            self.notify(str(exc), severity="error")
            return
        self._notice(f"Users: {target} ({message.delta:+d})", timeout=2)
        self.refresh_snapshot()

    @on(ResetAsked)
    def _reset_asked(self) -> None:
        self.confirm_reset()

    @work(exclusive=True, group="confirm")
    async def confirm_reset(self) -> None:
        if not await self._live_and_confirmed(
            "Reset the stats?",
            "Every figure so far goes back to zero (the users keep running; the report will start from now)."
            "\n\ny: reset   n/Esc: keep them",
            "reset-dialog",
        ):
            return
        try:
            self.runs.reset()
        except RunRefused as exc:
            self._refused(exc)
            return
        self._notice("Stats reset", timeout=2)
        self.refresh_snapshot()

    @on(StopAsked)
    def _stop_asked(self) -> None:
        self.confirm_stop()

    @work(exclusive=True, group="confirm")
    async def confirm_stop(self) -> None:
        if await self._live_and_confirmed(
            "Stop the run?",
            "The users stop and the report is written; the app stays open.\n\ny: stop   n/Esc: keep running",
            "stop-dialog",
        ):
            # Stopping takes about a second (users stop, the report is written); the notice is
            # drawn first so the answer visibly did something.
            self.notify("Stopping the run and writing the report…", timeout=3)
            self.call_after_refresh(self.stop_run)

    async def _live_and_confirmed(self, title: str, body: str, dialog_id: str) -> bool:
        """True when a run is live, the user answered y to the dialog, and the run is still live
        (it may have ended meanwhile); a refusal is said."""
        try:
            self.runs.live()
            if await self.push_screen_wait(ConfirmDialog(title, body, id=dialog_id)) != "yes":
                return False
            self.runs.live()
        except RunRefused as exc:
            self._refused(exc)
            return False
        return True

    def stop_run(self, reason: str = "stopped") -> RunResult | None:
        """Stops the run and writes its report, then shows the run-ended view."""
        result = self.runs.stop(reason)
        if result is None:
            return None
        with contextlib.suppress(Exception):
            snapshot = self.runs.snapshot(self.endpoint_view)
            if snapshot is not None:
                self.show_snapshot(snapshot)
        self.show_ended(result)
        self._say_if_unwritten(result)
        return result

    def show_ended(self, result: RunResult) -> None:
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
        self._close_what_asks_about_the_run()
        self.push_screen(EndedScreen(result, self.last_snapshot))

    def _close_what_asks_about_the_run(self) -> None:
        """The dialogs, palette and live picker open over the dashboard are about a run that has
        ended: closed (their questions cancelled), or Esc on the ended view would bring back "Stop
        the run?" over a stopped run."""
        self.workers.cancel_group(self, "confirm")
        self.workers.cancel_group(self, "save-live-profile")
        if any(isinstance(screen, DashboardScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, DashboardScreen):
                self.pop_screen()
            dashboard = self.screen
            if isinstance(dashboard, DashboardScreen):
                # An endpoint up close is closed too: Esc on the ended view shows the dashboard.
                dashboard.close_endpoint()
                self._endpoint_closed()

    # --- reports: export, and disk problems --------------------------------------------------------

    def _say_if_unwritten(self, result: RunResult) -> None:
        if report_unwritten(result):
            self.notify(
                f"{result.error}. The data is kept: r retries, a picks another directory.",
                title="Report not written",
                severity="error",
                timeout=15,
            )

    @on(ExportAsked)
    def ask_export(self) -> None:
        try:
            self.runs.live()
        except RunRefused as exc:
            self._refused(exc)
            return
        # Writing takes about a second: the notice is drawn first so the key visibly did something.
        self.notify("Exporting a report of the run so far…", timeout=2)
        self.call_after_refresh(self.export_report)

    def export_report(self, report_dir: Path | None = None) -> RunResult | None:
        """A report of the run so far, in a ``-partial-`` folder; the run goes on."""
        try:
            result = self.runs.export(report_dir)
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

    @on(RetryReportAsked)
    def retry_report(self) -> RunResult | None:
        """The ended run's report, written again where it should have gone."""
        return self.write_report_to(None)

    @on(ReportElsewhereAsked)
    def ask_report_dir(self) -> None:
        self._ask_dir((self.result.error if self.result else None) or "", self._write_to_answer)

    def _write_to_answer(self, directory: str | None) -> None:
        if directory:
            self.write_report_to(Path(directory).expanduser())

    def _ask_dir(self, error: str, callback: Callable[[str | None], None]) -> None:
        from rich.text import Text

        message = Text.assemble(
            ("Could not write the report\n", "bold red"),
            (f"{error}\n\n" if error else "\n"),
            "The data is kept in memory. Write it to this directory instead (created if missing):",
        )
        current = str(self.runs.report_dir or "")
        self.push_screen(PromptDialog("Report directory", message, value=current, id="report-dir-dialog"), callback)

    def write_report_to(self, directory: Path | None) -> RunResult | None:
        """Writes the ended run's report to ``directory`` (None: the run's own); says how it went."""
        try:
            result = self.runs.write_report(directory)
        except RunRefused:
            return None
        except Exception as exc:
            self.notify(str(exc), title="Report not written", severity="error", timeout=10)
            return None
        self.show_ended(result)
        if report_unwritten(result):
            self._say_if_unwritten(result)
        else:
            self._notice(f"Report written: {result.folder}", title="Report", timeout=8)
        return result

    # --- S: the live settings as a new profile ---------------------------------------------------

    @on(SaveProfileAsked)
    def _save_profile_asked(self) -> None:
        self.save_live_profile()

    @work(exclusive=True, group="save-live-profile")
    async def save_live_profile(self) -> None:
        """``S``: asks for a name, then saves through the one profile save flow (the editor's)."""
        try:
            session = self.runs.live()
        except RunRefused as exc:
            self._refused(exc)
            return
        profiles = self.runs.profiles
        if profiles is None:
            self._refused(RunRefused("An attached run has no profiles.toml to save into"))
            return
        message = (
            f"Save the live settings of {session.profile.name} (users now, spawn rate, class weights) "
            f"as a new profile in {profiles.path if not profiles.packaged else './profiles.toml'}. Name:"
        )
        name = await self.push_screen_wait(
            PromptDialog("Save as profile", message, validate=self.runs.check_new_name, id="save-profile-dialog")
        )
        if not name:
            return
        try:
            profile = self.runs.live_profile(name)
        except RunRefused as exc:
            self._refused(exc)
            return
        _, saved = await save_profiles(self, profiles, put=profile, what=f"profile {name}")
        if saved is not None:  # save_profiles has said what was saved where
            self.profiles_saved(saved)

    def profiles_saved(self, profile_set: Any) -> None:
        """profiles.toml was written or reloaded: the 1-9 keys, picker and later runs use the new set."""
        self.runs.profiles_saved(profile_set)

    @property
    def profiles(self) -> Any:
        """The ProfileSet in use (what the editor saves into and replaces)."""
        return self.runs.profiles

    @profiles.setter
    def profiles(self, profile_set: Any) -> None:
        self.runs.profiles_saved(profile_set)

    # --- quitting ----------------------------------------------------------------------------------

    def end_and_exit(self, reason: str = "quit") -> None:
        """``q``, Ctrl+C, SIGHUP, SIGTERM: a live run is stopped and its report written first.

        From the keyboard, a report that could not be written keeps the app up (the ended view
        says why, with the ways out); a signal exits regardless, there is nobody left to ask.
        """
        if self.session is not None and self.session.result is None:
            self.notify("Stopping the run and writing the report…", timeout=5)
        result = self.runs.stop(reason)
        if reason in ("quit", "interrupted") and not self._quit_anyway and report_unwritten(result):
            assert result is not None
            self.show_ended(result)
            self.push_screen(
                UnwrittenReportDialog("The report is not written", self._unwritten_message(), id="unwritten-dialog"),
                self._unwritten_answered,
            )
            return
        self._exiting = True
        self.exit(result)

    def _unwritten_message(self, loses: str = "quitting now loses it", go_on: str = "y quit anyway") -> str:
        error = (self.result.error if self.result else "") or "the report could not be written"
        return (
            f"{error}.\n\nThe run's data is only in memory: {loses}.\n"
            f"r retry  ·  a write it to another directory  ·  {go_on}  ·  Esc stay"
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
        from .profile_saving import SaveConflictDialog
        from .screens.editor import ProfileEditor
        from .screens.reports import ReportsScreen

        sections: list[tuple[str, list[Any]]] = [
            ("On every screen (a dialog is answered first; Ctrl+C always quits)", list(self.BINDINGS)),
            ("Dashboard", list(DashboardScreen.BINDINGS)),
            ("Profile picker", list(PickerScreen.BINDINGS)),
            ("Endpoint filter (/)", list(FilterInput.BINDINGS)),
            ("One endpoint up close (Enter on the endpoints table)", list(EndpointDetailPanel.BINDINGS)),
            ("Run ended", list(EndedScreen.BINDINGS)),
            ("Past runs (R)", list(ReportsScreen.BINDINGS)),
            ("Profile editor (n, c, E in the picker)", list(ProfileEditor.BINDINGS)),
            ("Stop or reset? (s, r)", list(ConfirmDialog.BINDINGS)),
            ("Report not written (q)", list(UnwrittenReportDialog.BINDINGS)),
            ("Report not written (n)", list(UnwrittenBeforeNewRunDialog.BINDINGS)),
            ("profiles.toml changed on disk (a save)", list(SaveConflictDialog.BINDINGS)),
        ]
        self.push_screen(HelpScreen(sections))

    def action_past_runs(self) -> None:
        from .screens.reports import ReportsScreen  # imported on use: the reports screen is rarely opened

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.runs.report_dir or Path("reports")))


@dataclass(frozen=True)
class Ended:
    """What the app left: the last run's result and its session (for the process's exit code)."""

    result: RunResult | None
    session: Session | None


def run_app(planner: Planner, *, profile: str | None = None, refresh: float = 1.0) -> Ended:
    """Runs the app in this terminal until it exits."""
    app = LoadTuiApp(planner, profile=profile, refresh=refresh, settle_heap=True, driver_class=_driver())
    _run(app)
    return Ended(app.result, app.session)


def run_attached(session: Session, *, refresh: float = 1.0) -> RunResult | None:
    """The dashboard over a run that loadtui did not start (``loadtui attach``)."""
    app = LoadTuiApp(None, session=session, refresh=refresh, settle_heap=True, driver_class=_driver())
    _run(app)
    return app.result or session.result


def _run(app: App[Any]) -> None:
    """``app.run()`` as ``asyncio.run`` runs it, on a loop that answers keys and draws snapshots
    before gevent's hub runs (:mod:`.event_loop`)."""
    with asyncio.Runner(loop_factory=event_loop.new_event_loop) as runner:
        runner.run(app.run_async())


def _driver() -> type[Any] | None:
    """Textual's Linux driver, made safe for a terminal that hangs up (:mod:`.terminal`); None
    (Textual's own choice) elsewhere."""
    import sys

    if sys.platform.startswith("win"):
        return None
    from .terminal import HangupSafeDriver

    return HangupSafeDriver
