"""The live view of a run. Receives snapshots; every key acts on the session through the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from loadtui.engine.snapshot import Snapshot

from ..widgets.endpoint_table import EndpointTable
from ..widgets.exceptions_view import ExceptionsView
from ..widgets.failures_table import FailuresTable
from ..widgets.host_panel import HostPanel
from ..widgets.latency_chart import LatencyChart
from ..widgets.status_line import StatusLine
from ..widgets.trends import TrendsPanel

if TYPE_CHECKING:
    from ..app import LoadTuiApp


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


class DashboardScreen(Screen[None]):
    """Layout: status, then trends | latency chart | host, then tabs of tables, then the footer.

    Breakpoints collapse it: below 110 columns the chart gives way to the p95 sparkline; below
    32 lines the overview shrinks to one line per trend and the host panel scrolls.
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
        Binding("s", "stop_run", "Stop", id="stop-run"),
        Binding("r", "reset_stats", "Reset stats", id="reset-stats"),
        Binding("o", "cycle_sort", "Sort", id="cycle-sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="reverse-sort"),
        Binding("e", "show_panel('endpoints')", "Endpoints", show=False, id="show-endpoints"),
        Binding("f", "show_panel('failures')", "Failures", show=False, id="show-failures"),
        Binding("x", "show_panel('exceptions')", "Exceptions", show=False, id="show-exceptions"),
        Binding("h", "show_panel('host')", "Host panel", show=False, id="show-host"),
    ]

    snapshot: reactive[Snapshot | None] = reactive(None, always_update=True, init=False)
    """Set by the app for each SnapshotReady; ``always_update`` skips comparing two big snapshots."""

    @property
    def loadtui(self) -> LoadTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="overview"):
            yield TrendsPanel(id="trends")
            yield LatencyChart(id="latency")
            yield HostPanel(id="host")
        with TabbedContent(id="panels"):
            with TabPane("Endpoints", id="tab-endpoints"):
                yield EndpointTable(id="endpoint-table")
            with TabPane("Failures", id="tab-failures"):
                yield FailuresTable(id="failures")
            with TabPane("Exceptions", id="tab-exceptions"):
                yield ExceptionsView(id="exceptions-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#trends").border_title = "Trends"
        self.query_one("#host").border_title = "Host"
        self.query_one("#endpoints").focus()
        if self.snapshot is not None:
            self.watch_snapshot(self.snapshot)

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        # The first snapshot can arrive before the screen has composed its widgets; on_mount
        # shows it then.
        if snapshot is None or not self.is_mounted:
            return
        # One batch: the screen repaints once for all panels, not once per widget.
        with self.app.batch_update():
            self.query_one(StatusLine).update_snapshot(snapshot)
            self.query_one(TrendsPanel).update_snapshot(snapshot)
            self.query_one(HostPanel).update_snapshot(snapshot.host_sample)
            if self.query_one(LatencyChart).display:
                self.query_one(LatencyChart).update_snapshot(snapshot)
            self.query_one(EndpointTable).update_snapshot(snapshot)
            self.query_one(FailuresTable).update_snapshot(snapshot)
            self.query_one(ExceptionsView).update_snapshot(snapshot)
            tabs = self.query_one(TabbedContent)
            # Counts in the tab labels: the failures are noticed even when their tab is hidden.
            tabs.get_tab("tab-endpoints").label = f"Endpoints ({len(snapshot.endpoints)})"
            tabs.get_tab("tab-failures").label = f"Failures ({len(snapshot.failures)})"
            tabs.get_tab("tab-exceptions").label = f"Exceptions ({len(snapshot.exceptions)})"

    # --- actions: thin, the app owns the session -------------------------------------------------

    def action_switch_profile(self, number: int) -> None:
        self.loadtui.switch_profile_number(number)

    def action_open_picker(self) -> None:
        self.loadtui.open_switch_picker()

    def action_change_users(self, delta: int) -> None:
        self.loadtui.change_users(delta)

    def action_stop_run(self) -> None:
        session = self.loadtui.session
        if session is None or session.result is not None:
            self.notify("No run in progress", severity="warning", timeout=3)
            return
        # Stopping takes about a second (users stop, the report is written); the notice is drawn
        # first so the keypress visibly did something.
        self.notify("Stopping the run and writing the report…", timeout=3)
        self.call_after_refresh(self.loadtui.stop_run)

    def action_reset_stats(self) -> None:
        self.loadtui.reset_stats()

    def action_cycle_sort(self) -> None:
        column = self.query_one(EndpointTable).cycle_sort()
        self.notify(f"Endpoints sorted by {column}", timeout=2)

    def action_reverse_sort(self) -> None:
        self.query_one(EndpointTable).reverse_sort()

    def action_show_panel(self, panel: str) -> None:
        if panel == "host":
            self.query_one(HostPanel).focus()
            return
        self.query_one(TabbedContent).active = f"tab-{panel}"
        target = {"endpoints": "#endpoints", "failures": "#failures", "exceptions": "#exceptions"}[panel]
        self.query_one(target).focus()
