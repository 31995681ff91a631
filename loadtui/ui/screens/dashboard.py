"""The live view of a run. Receives snapshots; a key that acts on the run posts what it asks for to the app.

Enter on an endpoint shows it up close in a panel of this screen, in place of the overview and
the tabs (:meth:`DashboardScreen.open_endpoint`), not on a screen of its own: a switch of screens
restyles every node of the screen shown, and this one has thousands of table cells.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from loadtui.engine.snapshot import Snapshot

from ..messages import (
    EndpointClosed,
    ExportAsked,
    ResetAsked,
    SaveProfileAsked,
    StopAsked,
    SwitchAsked,
    SwitchPickerAsked,
    UsersChangeAsked,
)
from ..widgets.capacity_panel import CapacityLine, CapacityTable, capacity_tab_label
from ..widgets.endpoint_detail import EndpointDetailPanel
from ..widgets.endpoint_table import EndpointTable
from ..widgets.exceptions_view import ExceptionsView
from ..widgets.failures_table import FailuresTable
from ..widgets.host_panel import HostPanel
from ..widgets.keys_footer import KeysFooter
from ..widgets.latency_chart import LatencyChart
from ..widgets.logs_view import LogsView, logs_tab_label
from ..widgets.status_codes_table import StatusCodesTable, StatusTotals, status_codes_tab_label
from ..widgets.status_line import StatusLine
from ..widgets.thresholds_panel import ThresholdsTable, thresholds_tab_label
from ..widgets.trends import TrendsPanel
from ..widgets.workers_panel import WorkerEvents, WorkersTable, workers_tab_label


def _profile_bindings() -> list[Binding]:
    bindings = [
        Binding(
            "1",
            "switch_profile(1)",
            "Profile 1-9",
            key_display="1-9",
            id="switch-profile-1",
            tooltip="Switch the running test to the Nth profile of profiles.toml",
        )
    ]
    bindings += [
        Binding(str(n), f"switch_profile({n})", f"Profile {n}", show=False, id=f"switch-profile-{n}")
        for n in range(2, 10)
    ]
    return bindings


def _relabel(tabs: TabbedContent, panel: str, label: str) -> None:
    """A tab's label, set only when it changed.

    Setting ``Tab.label`` lays the whole screen out again (55 ms with 3000 names, on the tick
    that draws it), which a new count of as many digits ("Failures (12)" -> "(13)") does not
    need: the tab keeps its width, a repaint of the tab is enough. Tab has no public way to
    relabel without a layout, hence ``_label``, the attribute its ``label`` property reads.
    """
    tab = tabs.get_tab(f"tab-{panel}")
    old = tab.label_text
    if old == label:
        return
    if cell_len(old) != cell_len(label):
        tab.label = label
        return
    tab._label = Content(label)
    Static.update(tab, tab._label, layout=False)


LIVE_ONLY = frozenset({"switch_profile", "open_picker", "change_users", "change_cap", "stop_run", "reset_stats"})
"""The dashboard's actions on a live run: disabled (shown dimmed) once it has ended."""

ENDED = ("stopping", "stopped")
"""Snapshot states of a run that has ended or is ending."""

LEAVE_UP_CLOSE = frozenset({"show_panel"})
"""The dashboard's actions that still work while an endpoint is up close: the panel keys (E, f,
c, x, t, w, l, h) name a panel of the dashboard, so they close the endpoint's view and go there.
The others (the run's keys, the sort, the / filter, Enter) are off, as they were when the view
was a screen of its own, and the footer shows the view's Escape, not the dashboard's keys."""


class DashboardScreen(Screen[None]):
    """Layout: status, then trends | latency chart | host, then tabs of tables, then the footer.

    Breakpoints collapse it: below 110 columns the chart gives way to the p95 sparkline; below
    32 lines the overview shrinks to one line per trend and the host panel scrolls.

    With an endpoint up close, its panel takes the place of the overview and the tabs; the
    status line stays.
    """

    BINDINGS = [
        *_profile_bindings(),
        Binding("p", "open_picker", "Profiles", id="open-picker"),
        Binding("plus,equals_sign", "change_users(1)", "+1 user", key_display="+", id="add-user"),
        Binding("minus", "change_users(-1)", "-1 user", key_display="-", id="remove-user"),
        Binding(
            "greater_than_sign",
            "change_users(10)",
            "+10 users",
            key_display=">",
            show=False,
            id="add-10-users",
        ),
        Binding(
            "less_than_sign,underscore",
            "change_users(-10)",
            "-10 users",
            key_display="<",
            show=False,
            id="remove-10-users",
        ),
        # Under a target rate the same keys change the most users the rate may use (the pacer
        # sets the users itself): one pair of bindings or the other is shown (check_action).
        Binding(
            "plus,equals_sign",
            "change_cap(1)",
            "+1 cap",
            key_display="+",
            id="add-max-user",
            tooltip="The target rate may use one user more (its cap)",
        ),
        Binding(
            "minus",
            "change_cap(-1)",
            "-1 cap",
            key_display="-",
            id="remove-max-user",
            tooltip="The target rate may use one user fewer (its cap)",
        ),
        Binding("greater_than_sign", "change_cap(10)", "+10 cap", key_display=">", show=False, id="add-10-max-users"),
        Binding(
            "less_than_sign,underscore",
            "change_cap(-10)",
            "-10 cap",
            key_display="<",
            show=False,
            id="remove-10-max-users",
        ),
        Binding("s", "stop_run", "Stop", id="stop-run", tooltip="Stop the run and write its report (asks first)"),
        Binding("r", "reset_stats", "Reset stats", id="reset-stats", tooltip="Zero the stats (asks first)"),
        Binding(
            "enter",
            "open_endpoint",
            "Endpoint up close",
            show=False,
            id="open-endpoint",
            tooltip="The highlighted endpoint alone: its charts, distribution, percentiles, codes, failures",
        ),
        Binding("o", "cycle_sort", "Sort", id="cycle-sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="reverse-sort"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter-endpoints"),
        Binding("e", "export_report", "Export", id="export-report", tooltip="Write a report of the run so far"),
        Binding("S", "save_profile", "Save as profile", id="save-live-profile"),
        Binding("E", "show_panel('endpoints')", "Endpoints", show=False, id="show-endpoints"),
        Binding("f", "show_panel('failures')", "Failures", show=False, id="show-failures"),
        Binding("x", "show_panel('exceptions')", "Exceptions", show=False, id="show-exceptions"),
        Binding("c", "show_panel('codes')", "Status codes", show=False, id="show-codes"),
        Binding("t", "show_panel('thresholds')", "Thresholds", show=False, id="show-thresholds"),
        Binding(
            "k",
            "show_panel('capacity')",
            "Capacity",
            show=False,
            id="show-capacity",
            tooltip="A ramp to the limit: each step and the capacity found",
        ),
        Binding("w", "show_panel('workers')", "Workers", show=False, id="show-workers"),
        Binding(
            "l", "show_panel('logs')", "Logs", show=False, id="show-logs", tooltip="What the run logged and printed"
        ),
        Binding("h", "show_panel('host')", "Host panel", show=False, id="show-host"),
    ]

    @property
    def offers_profile_switch(self) -> bool:
        """The command palette lists a "Switch to profile" entry per profile here (not while an
        endpoint is up close, where the 1-9 keys are off too)."""
        return not self.endpoint_open

    snapshot: var[Snapshot | None] = var(None, always_update=True, init=False)
    """Set by the app for each SnapshotReady; ``always_update`` skips comparing two big snapshots.

    A ``var``, not a ``reactive``: a reactive repaints the widget it is set on, and this one is
    set on the screen, so every tick redrew the whole screen (every widget, changed or not, and
    all 120x40 cells written to the terminal) where only the panels that changed need it."""

    _ended = False
    """Whether the bindings were last checked against an ended run's snapshot."""
    _paced = False
    """... and against a paced target rate's (+/- then change its most users: change_cap)."""

    endpoint_open = False
    """An endpoint is up close: its panel is shown in place of the overview and the tabs."""

    _focus_before: Widget | None = None
    """What had the focus when the endpoint's panel opened: it gets it back on Escape."""

    def __init__(self, *, baseline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.baseline = baseline
        """The run is compared with a saved one as it goes: the endpoints table shows the changes."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="overview"):
            yield TrendsPanel(id="trends")
            yield LatencyChart(id="latency")
            yield HostPanel(id="host")
        with TabbedContent(id="panels"):
            with TabPane("Endpoints", id="tab-endpoints"):
                yield EndpointTable(id="endpoint-table", baseline=self.baseline)
            with TabPane("Failures", id="tab-failures"):
                yield FailuresTable(id="failures")
            with TabPane("Codes", id="tab-codes"):
                yield StatusTotals(id="codes-total")
                yield StatusCodesTable(id="codes")
            with TabPane("Exceptions", id="tab-exceptions"):
                yield ExceptionsView(id="exceptions-view")
            with TabPane("Thresholds", id="tab-thresholds"):
                yield ThresholdsTable(id="thresholds")
            with TabPane("Capacity", id="tab-capacity"):
                yield CapacityLine(id="capacity-line")
                yield CapacityTable(id="capacity")
            with TabPane("Workers", id="tab-workers"):
                yield WorkersTable(id="workers")
                yield WorkerEvents(id="worker-events")
            with TabPane("Logs", id="tab-logs"):
                yield LogsView(id="logs")
        # Composed with the dashboard, hidden (app.tcss), reused for every endpoint opened; with
        # a footer of its own, so neither footer is recomposed when the view opens or closes.
        yield EndpointDetailPanel(live=True, id="endpoint-panel")
        yield KeysFooter(id="footer")
        yield KeysFooter(id="endpoint-footer")

    def on_mount(self) -> None:
        self.query_one("#trends").border_title = "Trends"
        self.query_one("#host").border_title = "Host"
        self.query_one("#endpoints").focus()
        tabs = self.query_one(TabbedContent)
        # Shown once a snapshot has thresholds / workers: most runs have neither.
        tabs.hide_tab("tab-thresholds")
        tabs.hide_tab("tab-capacity")
        tabs.hide_tab("tab-workers")
        if self.snapshot is not None:
            self.watch_snapshot(self.snapshot)

    def on_screen_resume(self) -> None:
        # Back from a screen that hid this one (help, past runs).
        self.show_latest()

    def show_latest(self) -> None:
        """Every panel shown drawn from the latest snapshot (what came in while they were hidden)."""
        if self.snapshot is not None:
            self.watch_snapshot(self.snapshot)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.endpoint_open and action not in LEAVE_UP_CLOSE:
            return False  # hidden and off: the endpoint's panel is up (LEAVE_UP_CLOSE)
        if action in ("change_users", "change_cap") and (action == "change_cap") != self._paced:
            return False  # the other pair of +/- bindings is the one on
        if action in LIVE_ONLY and self.snapshot is not None and self.snapshot.state in ENDED:
            return None  # shown, disabled: the run has ended (the ended view's n starts another)
        return True

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        # The first snapshot can arrive before the screen has composed its widgets; on_mount
        # shows it then.
        if snapshot is None or not self.is_mounted:
            return
        ended = snapshot.state in ENDED
        paced = snapshot.rate is not None and snapshot.rate.active
        if (ended, paced) != (self._ended, self._paced):
            self._ended, self._paced = ended, paced
            self.refresh_bindings()
        try:
            self._show(snapshot)
        except NoMatches:
            # A tick that lands while the app tears the screen down (it exits, or the run ended
            # and the ended screen replaces this one): its widgets are already gone.
            return

    def _show(self, snapshot: Snapshot) -> None:
        # One batch: the screen repaints once for all panels, not once per widget.
        with self.app.batch_update():
            self.query_one(StatusLine).update_snapshot(snapshot)
            if self.endpoint_open:
                # The panels it hides are drawn when it closes (a hidden table that changes lays
                # the screen out again, see _show_tab_panel).
                self.query_one(EndpointDetailPanel).follow(snapshot)
                return
            self.query_one(TrendsPanel).update_snapshot(snapshot)
            self.query_one(HostPanel).update_snapshot(snapshot.host_sample, snapshot.watched)
            if self.query_one(LatencyChart).display:
                self.query_one(LatencyChart).update_snapshot(snapshot)
            tabs = self.query_one(TabbedContent)
            # Counts in the tab labels: the failures are noticed even when their tab is hidden.
            _relabel(tabs, "endpoints", f"Endpoints ({snapshot.endpoint_count or len(snapshot.endpoints)})")
            _relabel(tabs, "failures", f"Failures ({len(snapshot.failures)})")
            _relabel(tabs, "codes", status_codes_tab_label(snapshot))
            _relabel(tabs, "exceptions", f"Exceptions ({len(snapshot.exceptions)})")
            self._show_optional_tab(tabs, "thresholds", bool(snapshot.thresholds))
            if snapshot.thresholds:
                _relabel(tabs, "thresholds", thresholds_tab_label(snapshot))
            self._show_optional_tab(tabs, "capacity", snapshot.capacity is not None)
            if snapshot.capacity is not None:
                _relabel(tabs, "capacity", capacity_tab_label(snapshot))
            self._show_optional_tab(tabs, "workers", bool(snapshot.workers))
            if snapshot.workers:
                _relabel(tabs, "workers", workers_tab_label(snapshot))
            _relabel(tabs, "logs", logs_tab_label(snapshot))
            self._show_tab_panel(snapshot)

    def _show_tab_panel(self, snapshot: Snapshot) -> None:
        """The shown tab's panel. The others are filled when their tab is shown: a table that
        changes while hidden asks Textual where it is on screen, and for a widget not on screen
        that lays the whole screen out again, every tick."""
        active = self.query_one(TabbedContent).active
        if active == "tab-endpoints":
            self.query_one(EndpointTable).update_snapshot(snapshot)
        elif active == "tab-failures":
            self.query_one(FailuresTable).update_snapshot(snapshot)
        elif active == "tab-codes":
            self.query_one(StatusTotals).update_snapshot(snapshot)
            self.query_one(StatusCodesTable).update_snapshot(snapshot)
        elif active == "tab-exceptions":
            self.query_one(ExceptionsView).update_snapshot(snapshot)
        elif active == "tab-thresholds" and snapshot.thresholds:
            self.query_one(ThresholdsTable).update_snapshot(snapshot)
        elif active == "tab-capacity" and snapshot.capacity is not None:
            self.query_one(CapacityLine).update_snapshot(snapshot)
            self.query_one(CapacityTable).update_snapshot(snapshot)
        elif active == "tab-workers" and snapshot.workers:
            self.query_one(WorkersTable).update_snapshot(snapshot)
            self.query_one(WorkerEvents).update_snapshot(snapshot)
        elif active == "tab-logs":
            self.query_one(LogsView).update_snapshot(snapshot)

    @on(TabbedContent.TabActivated)
    def _tab_shown(self) -> None:
        snapshot = self.snapshot
        if snapshot is not None:
            with contextlib.suppress(NoMatches):  # the screen is being torn down
                self._show_tab_panel(snapshot)

    def show_endpoints(self, snapshot: Snapshot) -> None:
        """The endpoint table alone, for a new sort or filter (the app's ``EndpointViewChanged``).

        The snapshot becomes the screen's latest, which a tab shown later is filled from, without
        its watcher redrawing the other panels."""
        self.set_reactive(DashboardScreen.snapshot, snapshot)
        if self.is_mounted and not self.endpoint_open:
            with contextlib.suppress(NoMatches):  # the screen is being torn down
                self.query_one(EndpointTable).update_snapshot(snapshot)

    # --- one endpoint up close --------------------------------------------------------------------

    def open_endpoint(self, method: str, name: str) -> bool:
        """``(method, name)`` up close, in place of the overview and the tabs: the app calls this
        on ``EndpointOpened`` and then hands over a snapshot with its detail, which draws it.
        False when it is open already or the screen is being torn down.

        A change of what is displayed, not a mount nor a switch of screens (which restyles every
        node of the screen it shows: bench/RESULTS.md, "endpoint view as a panel")."""
        if self.endpoint_open:
            return False
        try:
            panel = self.query_one(EndpointDetailPanel)
            body, target = panel.body, panel.focus_target
            hidden = [self.query_one(selector) for selector in ("#overview", "#panels", "#footer")]
            shown = [panel, self.query_one("#endpoint-footer")]
        except NoMatches:
            return False
        self.endpoint_open = True
        self._focus_before = self.focused
        panel.show_endpoint(method, name)
        with self.app.batch_update():
            for widget in hidden:
                widget.display = False
            for widget in shown:
                widget.display = True
            body.scroll_home(animate=False, immediate=True)
            self._focus_and_rebind(target)
            self._lay_out_in_next_frame()
        return True

    def close_endpoint(self, focus: Widget | None = None) -> None:
        """The overview and the tabs again, drawn from the latest snapshot, the focus on ``focus``
        or where it was (the endpoints table, its cursor on the same row); the app is told, so
        snapshots stop carrying the endpoint's detail.

        Drawn at once, before they are laid out (a widget has no size until then: the charts go
        by the width they last had), and laid out in the frame that shows them. Drawn after that
        layout instead, Escape took two frames: median 130 ms against 50 (one in-app run of ten
        Escapes each, 3000 names; that 50 was timed to a frame which, it turned out, still
        showed the panel: see :meth:`_lay_out_in_next_frame`)."""
        if not self.endpoint_open:
            return
        self.endpoint_open = False
        before = self._focus_before
        self._focus_before = None
        self.post_message(EndpointClosed())
        with contextlib.suppress(NoMatches):  # the run ended as the app exits: no widgets left
            self._show_dashboard_again(focus or before)
            self.show_latest()

    def _show_dashboard_again(self, focus: Widget | None) -> None:
        if focus is None or not focus.is_attached or focus.screen is not self:
            focus = self.query_one(EndpointTable).table
        with self.app.batch_update():
            for selector in ("#endpoint-panel", "#endpoint-footer"):
                self.query_one(selector).display = False
            for selector in ("#overview", "#panels", "#footer"):
                self.query_one(selector).display = True
            # Now, not deferred as Widget.focus() is: a focused table keeps its cursor on the
            # same row when the snapshot updates it. (A focus inside a tab also makes the
            # TabbedContent show that tab.)
            self._focus_and_rebind(focus)
            self._lay_out_in_next_frame()

    def _lay_out_in_next_frame(self) -> None:
        """The next frame lays the screen out, so it shows what the display changes asked for.

        A widget whose ``display`` changes asks for a layout only when its own queue is next
        idle, by a message to the screen; the widgets redrawn meanwhile got the screen's frame
        first, drawn on the old layout (the panel still there after Escape), and the layout came
        a frame later (about 35 ms, bench case 7c, 3000 names). The screen's own layout flag is
        the one its frame reads. No repaint: that would redraw the whole screen, every widget."""
        self.refresh(layout=True, repaint=False)

    def _focus_and_rebind(self, widget: Widget) -> None:
        """The focus on ``widget`` and the bindings checked again (the footer follows them).

        Once: a change of focus refreshes the bindings itself, and each refresh the footer
        follows may recompose it (widgets/keys_footer.py: 80 ms for the dashboard's keys in a
        profile of bench case 7); refreshed twice, Enter and Escape recomposed it twice each."""
        if self.focused is widget:
            self.refresh_bindings()
        else:
            self.set_focus(widget, scroll_visible=False)

    @on(EndpointDetailPanel.Closed)
    def _endpoint_panel_closed(self, event: EndpointDetailPanel.Closed) -> None:
        event.stop()
        self.close_endpoint()

    def _show_optional_tab(self, tabs: TabbedContent, panel: str, shown: bool) -> None:
        tab = tabs.get_tab(f"tab-{panel}")
        if tab.display != shown:
            if shown:
                tabs.show_tab(f"tab-{panel}")
            else:
                tabs.hide_tab(f"tab-{panel}")

    # --- actions: the ones that act on the run are asked of the app, which owns the session --------

    def action_switch_profile(self, number: int) -> None:
        self.post_message(SwitchAsked(number=number))

    def action_open_picker(self) -> None:
        self.post_message(SwitchPickerAsked())

    def action_change_users(self, delta: int) -> None:
        self.post_message(UsersChangeAsked(delta))

    def action_change_cap(self, delta: int) -> None:
        self.post_message(UsersChangeAsked(delta))  # the session changes the rate's cap

    def action_stop_run(self) -> None:
        self.post_message(StopAsked())

    def action_reset_stats(self) -> None:
        self.post_message(ResetAsked())

    def action_cycle_sort(self) -> None:
        # The sorted column's header gets the arrow; no toast, whose mount would lay the whole
        # screen out again (40 ms with thousands of names) before the new order is drawn.
        self.query_one(EndpointTable).cycle_sort()

    def action_open_endpoint(self) -> None:
        """Enter where the endpoints table is not focused (the table answers Enter itself)."""
        if not self.query_one(EndpointTable).open_row():
            self.notify("No endpoint yet: no request has been made", severity="warning", timeout=3)

    def action_reverse_sort(self) -> None:
        self.query_one(EndpointTable).reverse_sort()

    def action_show_panel(self, panel: str) -> None:
        tabs = self.query_one(TabbedContent)
        if panel != "host" and not tabs.get_tab(f"tab-{panel}").display:
            why = {
                "thresholds": "this profile has no thresholds",
                "workers": "this run has no workers",
                "capacity": "this profile has no ramp",
            }
            self.notify(f"No {panel} panel: {why.get(panel, 'nothing to show')}", severity="warning", timeout=3)
            return
        target = self.query_one(HostPanel) if panel == "host" else self.query_one(f"#{panel}")
        if panel != "host":
            tabs.active = f"tab-{panel}"
        self.close_endpoint(focus=target)  # an endpoint up close: its view closes first
        target.focus()

    def action_filter(self) -> None:
        """``/``: the endpoints tab, with the filter input focused."""
        self.query_one(TabbedContent).active = "tab-endpoints"
        self.query_one(EndpointTable).open_filter()

    def action_export_report(self) -> None:
        self.post_message(ExportAsked())

    def action_save_profile(self) -> None:
        self.post_message(SaveProfileAsked())
