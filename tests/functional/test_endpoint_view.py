"""Enter on an endpoint: its view, live over a real run and from a real run's report folder.

The target is the loopback server of the tests (tests/servers/faulty_server.py), which answers
each path with a known status code, so what the view shows can be checked against what was sent.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import socket
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from loadtui.engine import endpoint_detail, latency_histogram, profile_loading, runs
from loadtui.engine.endpoint_history import ROW_PERCENTILES
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.messages import EndpointViewChanged
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.endpoint import EndpointScreen
from loadtui.ui.screens.reports import ReportsScreen, RunScreen
from loadtui.ui.widgets.endpoint_detail import EndpointDetailPanel
from loadtui.ui.widgets.endpoint_table import EndpointTable
from loadtui.ui.widgets.host_panel import HostPanel
from loadtui.ui.widgets.keyed_table import KeyedTable
from loadtui.ui.widgets.keys_footer import KeysFooter
from loadtui.ui.widgets.latency_histogram import LatencyHistogram
from tests.conftest import FaultyServer
from tests.helpers import LOCUSTFILES, planner_for, run_loadtui, screen_lines, until, write_profiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

pytestmark = pytest.mark.slow


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def cursor_to(pilot, app: LoadTuiApp, name: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#endpoints", KeyedTable)
    await until(pilot, lambda: any(key.endswith("\x00" + name) for key in table.row_keys))
    while not table.row_keys[table.cursor_row].endswith("\x00" + name):
        await pilot.press("down")


async def test_enter_opens_the_endpoint_live_and_escape_goes_back(tmp_path: Path, faulty_server: FaultyServer) -> None:
    body = '[profiles.codes]\nusers = 3\nspawn_rate = 50\nrun_time = "2m"\n'
    profiles = write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "status_codes.py", host=faulty_server.url)
    planner = planner_for(profile_loading.load(profiles), "--closed-port", str(closed_port()), dashboard=True)
    app = LoadTuiApp(planner, profile="codes", refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.session is not None, [n.message for n in app._notifications]  # why it did not start
        await until(pilot, lambda: app.last_snapshot is not None and app.last_snapshot.endpoint_count >= 5)
        assert app.last_snapshot.endpoint_detail is None  # nothing focused: nothing built
        await cursor_to(pilot, app, "/status/503")
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        table = dashboard.query_one("#endpoints", KeyedTable)
        row = table.cursor_row
        await pilot.press("enter")
        # A panel of the dashboard in place of its overview and tabs, not a screen of its own.
        assert app.screen is dashboard and dashboard.endpoint_open
        screen = dashboard.query_one(EndpointDetailPanel)
        assert screen.display and screen.key == ("GET", "/status/503")
        assert not dashboard.query_one("#overview").display and not dashboard.query_one("#panels").display
        assert dashboard.focused is not None and screen in dashboard.focused.ancestors_with_self
        assert app.endpoint_view.focus == ("GET", "/status/503")
        # Drawn at once from the detail alone (Session.endpoint_detail) in the latest snapshot.
        opened = app.last_snapshot
        assert opened is not None and opened.endpoint_detail is not None
        assert opened.endpoint_detail.key == screen.key and opened.endpoint_detail.row is not None
        assert screen.detail is opened.endpoint_detail

        def detail() -> endpoint_detail.EndpointDetail:
            assert app.last_snapshot is not None and app.last_snapshot.endpoint_detail is not None
            return app.last_snapshot.endpoint_detail

        await until(pilot, lambda: len(detail().series.time) >= 3 and detail().row is not None)
        first = detail()
        assert first.key == ("GET", "/status/503")
        await until(pilot, lambda: detail().row.requests > first.row.requests)  # it goes on, live
        now = detail()
        assert now.status_codes == (("503", now.row.requests),) or now.status_codes[0][0] == "503"
        assert now.row.failures == now.row.requests
        assert now.failures and all("503" in f.error for f in now.failures)
        assert [p for p, _ in now.percentiles] == list(ROW_PERCENTILES)
        assert sum(count for _, _, count in now.histogram) == now.row.requests
        assert screen.detail is now or screen.detail.row.requests <= now.row.requests

        text = "\n".join(screen_lines(app))
        assert "GET /status/503" in text and "Latency distribution" in text and "Status codes" in text
        assert "p99.99" in text and "503" in text
        assert screen.query_one(LatencyHistogram).histogram
        footer = screen_lines(app)[-1]
        assert "Back" in footer and not {"Sort", "Filter", "Stop"} & set(footer.split())  # the dashboard's are off

        # The dashboard's sort, filter, stop and users keys are off while the endpoint is up close.
        await pilot.press("o", "slash", "s", "plus")
        taken = app.last_snapshot.taken_at
        await until(pilot, lambda: app.last_snapshot.taken_at > taken)  # a tick after the keys
        assert dashboard.endpoint_open and app.screen is dashboard  # no "Stop the run?" dialog
        assert table.sort_columns == ("name", "method") and app.last_snapshot.target_users == 3
        assert not dashboard.query_one("#filter").has_class("-shown")

        await pilot.press("escape")
        assert app.screen is dashboard and not dashboard.endpoint_open and not screen.display
        assert dashboard.query_one("#overview").display and dashboard.query_one("#panels").display
        assert dashboard.focused is table and table.cursor_row == row  # back where Enter was pressed
        assert app.endpoint_view.focus is None
        await until(pilot, lambda: app.last_snapshot.endpoint_detail is None)
        await until(pilot, lambda: {"Sort", "Stop"} <= set(screen_lines(app)[-1].split()))  # the keys are back

        await pilot.press("h", "enter")  # the host panel focused: the screen's Enter opens the same row
        assert dashboard.endpoint_open and screen.key == ("GET", "/status/503")
        await until(pilot, lambda: screen.detail is not None and screen.detail.row is not None)
        await pilot.press("escape")
        assert isinstance(dashboard.focused, HostPanel)  # the focus goes back where it was
        await pilot.press("E", "enter", "f")  # a panel's key closes the view and shows that panel
        assert not dashboard.endpoint_open and dashboard.query_one("TabbedContent").active == "tab-failures"
        assert dashboard.focused is dashboard.query_one("#failures")
        await until(pilot, lambda: app.endpoint_view.focus is None)
        await pilot.press("E", *["enter", "escape"] * 6)  # quicker than the view is drawn: no harm
        await until(pilot, lambda: app.endpoint_view.focus is None and not dashboard.endpoint_open)
        assert app.screen is dashboard and dashboard.focused is table
        await pilot.press("q")


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real headless run (4 s, full history) against the faulty server."""
    work = tmp_path_factory.mktemp("endpoint-view")
    server = FaultyServer()  # started: a child process on a loopback port
    try:
        done = run_loadtui(
            "--headless", "-f", str(LOCUSTFILES / "status_codes.py"), "-H", server.url, "-u", "3", "-r", "50",
            "-t", "4s", "--closed-port", str(closed_port()), "--report-dir", str(work / "reports"),
            cwd=work,
        )  # fmt: skip
    finally:
        server.stop()
    assert done.returncode == 1, done.stderr  # the 503s fail it
    return work / "reports"


def test_read_endpoint_agrees_with_the_report_files(saved_run: Path) -> None:
    (run,) = runs.list_runs(saved_run)
    detail = runs.read_endpoint(run, "GET", "/status/503")
    summary = json.loads((run.folder / "summary.json").read_text())
    entry = next(e for e in summary["endpoints"] if e["name"] == "/status/503")
    assert detail.row is not None and detail.row.requests == entry["requests"] == detail.row.failures
    assert dict(detail.status_codes) == entry["status_codes"]
    assert detail.histogram == latency_histogram.from_json(entry["latency_histogram"])
    with (run.folder / "stats.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "/status/503")
    assert [ms for _, ms in detail.percentiles] == [float(row[f"{100 * p:g}%"]) for p in ROW_PERCENTILES]
    with (run.folder / "stats_history.csv").open(newline="") as handle:
        history = [r for r in csv.DictReader(handle) if r["Name"] == "/status/503"]
    assert len(detail.series.time) == len(history) >= 2
    assert detail.series.time[0] >= 0 and list(detail.series.time) == sorted(detail.series.time)
    assert [f"{v:2f}" for v in detail.series.rps] == [r["Requests/s"] for r in history]
    assert detail.failures and detail.failures[0].occurrences == entry["failures"]
    missing = runs.read_endpoint(run, "GET", "/nowhere")
    assert missing.row is None and "no such endpoint" in missing.note
    assert all(math.isnan(v) or v >= 0 for _, values in detail.series.latency for v in values)


def test_a_past_run_draws_its_chart_percentiles_and_gaps_where_nothing_came(saved_run: Path, tmp_path: Path) -> None:
    """The profile's chart_percentiles are drawn from stats_history.csv's columns; a row of a
    window without requests (Locust writes its percentiles as 0, at 0 req/s) is a gap, as live."""
    (run,) = runs.list_runs(saved_run)
    copy = tmp_path / run.folder.name
    shutil.copytree(run.folder, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["settings"]["chart_percentiles"] = [90, 99.9]
    (copy / "summary.json").write_text(json.dumps(summary))
    with (copy / "stats_history.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    last = next(r for r in reversed(rows) if r["Name"] == "/status/503")
    zeros = {f"{100 * p:g}%": "0" for p in ROW_PERCENTILES}
    at = int(last["Timestamp"])
    count = int(last["Total Request Count"])
    # 11 s on, no request since: a gap, though Locust's lagging current RPS is not 0 yet; then
    # 11 s more with requests all under half a millisecond (0 in Locust's whole ms): a real 0.
    quiet = {**last, **zeros, "Timestamp": str(at + 11), "Requests/s": "0.300000"}
    fast = {**last, **zeros, "Timestamp": str(at + 22), "Total Request Count": str(count + 40)}
    with (copy / "stats_history.csv").open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerows([quiet, fast])
    (copied,) = runs.list_runs(tmp_path)
    detail = runs.read_endpoint(copied, "GET", "/status/503")
    assert [name for name, _ in detail.series.latency] == ["p90", "p99.9"]
    history = [r for r in rows if r["Name"] == "/status/503"]
    p90 = dict(detail.series.latency)["p90"]
    assert [v for v in p90[:-2]] == [float(r["90%"]) for r in history]
    assert math.isnan(p90[-2]) and p90[-1] == 0  # the quiet window: a gap, not 0 ms; the fast one: 0
    summary["settings"]["chart_percentiles"] = [97]  # no such column: p50, p95 and p99
    (copy / "summary.json").write_text(json.dumps(summary))
    (copied,) = runs.list_runs(tmp_path)
    assert [name for name, _ in runs.read_endpoint(copied, "GET", "/status/503").series.latency] == [
        "p50",
        "p95",
        "p99",
    ]


async def test_past_run_endpoint_opens_from_the_report(saved_run: Path) -> None:
    from appdata import FakeSession, planner, profile_set

    app = LoadTuiApp(planner(profile_set(), "--report-dir", str(saved_run)), refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R")
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen)
        table = app.screen.query_one("#run-endpoints", KeyedTable)
        assert table.has_focus
        while not table.row_keys[table.cursor_row].endswith("\x00/status/503"):
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, EndpointScreen) and app.screen.key == ("GET", "/status/503")
        assert not app.screen.query_one(EndpointDetailPanel).live
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "GET /status/503" in text and "req/s avg" in text and "p99.99" in text
        assert "Back" in screen_lines(app)[-1]
        codes = app.screen.query_one("#endpoint-codes", KeyedTable)
        assert codes.row_keys == ["503"]
        await pilot.press("escape")
        assert isinstance(app.screen, RunScreen)


async def test_escape_shows_the_dashboard_as_it_was_and_the_ended_view_takes_over() -> None:
    """Hand-made snapshots (the same every tick): the dashboard after Escape is drawn cell for
    cell as before Enter; a run that ends while the view is open closes it under the ended view."""
    from appdata import FakeSession, planner

    from loadtui.ui.screens.ended import EndedScreen

    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(120, 40)) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        table = dashboard.query_one("#endpoints", KeyedTable)
        await until(pilot, lambda: len(table.row_keys) > 3)
        await pilot.press("down", "down")
        # A second tick: the chart's first drawing came before its size was known (more points).
        app.refresh_snapshot()
        await until(pilot, lambda: not app.refresh_in_flight)
        await pilot.pause()
        before = screen_lines(app)
        footer = dashboard.query_one("#footer", KeysFooter)
        keys = list(footer.query("FooterKey"))
        await pilot.press("h", "E")  # the focus moves, the keys shown stay: the footer is not recomposed
        assert dashboard.focused is table and list(footer.query("FooterKey")) == keys
        await pilot.press("enter")
        panel = dashboard.query_one(EndpointDetailPanel)
        assert dashboard.endpoint_open and panel.key is not None and panel.key[1] in table.row_keys[2]
        assert screen_lines(app)[2].startswith(f" {panel.key[0]} {panel.key[1]} ")  # under the status line
        assert not footer.display and dashboard.query_one("#endpoint-footer").display
        await until(pilot, lambda: "Back" in screen_lines(app)[-1])
        await pilot.press("escape")
        await until(pilot, lambda: screen_lines(app) == before)
        assert dashboard.focused is table and table.cursor_row == 2
        assert list(footer.query("FooterKey")) == keys  # hidden meanwhile: as it was, not recomposed twice

        await pilot.press("enter")
        assert dashboard.endpoint_open and app.endpoint_view.focus == panel.key
        # A sort key pressed just before Enter, its view change handled after the view opened:
        # the open endpoint keeps its detail (the table's view knows no focus).
        table_view = dashboard.query_one(EndpointTable).view
        app.post_message(EndpointViewChanged(replace(table_view, sort_by="current_rps")))
        await until(pilot, lambda: app.endpoint_view.sort_by == "current_rps")
        assert app.endpoint_view.focus == panel.key
        assert app.session is not None, [n.message for n in app._notifications]  # why it did not start
        app.session.stop("time")  # the run ends by itself (its run time): the next tick finds it
        app.refresh_snapshot()
        await until(pilot, lambda: isinstance(app.screen, EndedScreen))
        assert not dashboard.endpoint_open and app.endpoint_view.focus is None
        await pilot.press("escape")  # the ended view's Escape: the dashboard, not the endpoint's view
        assert app.screen is dashboard and dashboard.focused is table and not panel.display


async def test_the_run_ending_as_the_app_exits_with_the_view_open() -> None:
    """The last snapshot of a run can be handled while the app tears the dashboard down (bench
    case 7 met it): closing the view then finds no widgets, and says so to no one."""
    from appdata import FakeSession, planner

    from loadtui.ui.screens.ended import EndedScreen

    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(120, 40)) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await until(pilot, lambda: len(dashboard.query_one("#endpoints", KeyedTable).row_keys) > 3)
        await pilot.press("enter")
        assert dashboard.endpoint_open
        await dashboard.remove_children()  # what the app's exit does to it
        assert app.session is not None, [n.message for n in app._notifications]  # why it did not start
        app.session.stop("time")
        app.refresh_snapshot()
        await until(pilot, lambda: isinstance(app.screen, EndedScreen))
        assert not dashboard.endpoint_open and app.endpoint_view.focus is None
        assert not dashboard.open_endpoint("GET", "/")  # nothing to open it in


async def test_the_panel_keys_scroll_its_body_from_the_title_line() -> None:
    """The focus goes to the panel's title line (a leaf: the body's restyle on focus was most of
    Enter's cost); the arrows, PgUp/PgDn, Home and End still scroll the body, at 80x24 where it
    scrolls."""
    from appdata import FakeSession, planner

    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(80, 24)) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await until(pilot, lambda: len(dashboard.query_one("#endpoints", KeyedTable).row_keys) > 3)
        await pilot.press("enter")
        panel = dashboard.query_one(EndpointDetailPanel)
        body = panel.body
        await until(pilot, lambda: body.max_scroll_y > 2)
        assert dashboard.focused is panel.focus_target
        await pilot.press("down")
        await until(pilot, lambda: body.scroll_y == 1)
        await pilot.press("up")
        await until(pilot, lambda: body.scroll_y == 0)
        await pilot.press("end")
        await until(pilot, lambda: body.scroll_y == body.max_scroll_y)
        await pilot.press("home")
        await until(pilot, lambda: body.scroll_y == 0)
        await pilot.press("pagedown")
        await until(pilot, lambda: body.scroll_y > 1)
        await pilot.press("pageup")
        await until(pilot, lambda: body.scroll_y == 0)
        await pilot.press("escape")
        assert not dashboard.endpoint_open


async def test_the_first_frame_after_enter_or_escape_shows_all_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first frame drawn after Enter is the panel whole, and after Escape the dashboard whole,
    as the screen reads once settled: not a frame on the old layout with the new one a frame
    later (Escape's first frame still showed the panel, until 2026-12-04)."""
    from appdata import FakeSession, planner
    from textual.screen import Screen
    from textual.widget import Widget

    frames: list[list[str]] = []  # the frames drawn since the panel was last opened or closed
    drawn = Screen._compositor_refresh
    opened, closed = DashboardScreen.open_endpoint, DashboardScreen.close_endpoint

    def compositor_refresh(self: Screen[object]) -> None:
        drawn(self)
        frames.append(screen_lines(self.app))

    def open_endpoint(self: DashboardScreen, method: str, name: str) -> bool:
        frames.clear()
        return opened(self, method, name)

    def close_endpoint(self: DashboardScreen, focus: Widget | None = None) -> None:
        frames.clear()
        closed(self, focus)

    monkeypatch.setattr(Screen, "_compositor_refresh", compositor_refresh)
    monkeypatch.setattr(DashboardScreen, "open_endpoint", open_endpoint)
    monkeypatch.setattr(DashboardScreen, "close_endpoint", close_endpoint)
    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(120, 40)) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await until(pilot, lambda: len(dashboard.query_one("#endpoints", KeyedTable).row_keys) > 3)
        app.refresh_snapshot()  # a second tick: the chart's first drawing came before its size was known
        await until(pilot, lambda: not app.refresh_in_flight)
        await pilot.pause()
        dashboard_lines = screen_lines(app)
        # Once open and closed first: opened the first time, the failures table is drawn at the
        # width it has before its first layout (its Error column fills the rest), then refitted.
        await pilot.press("enter", "escape")
        for key, settled_open in (("enter", True), ("escape", False), ("enter", True), ("escape", False)):
            await pilot.press(key)
            await pilot.pause()
            assert dashboard.endpoint_open is settled_open and frames
            assert frames[0] == screen_lines(app), f"{key}: its first frame is not what it settles on"
            if not settled_open:
                assert frames[0] == dashboard_lines
