"""The dashboard's new keys over the real engine and the bundled demo target (loopback only):
``/`` filtering, ``e`` export, ``S`` save-as-profile, a report directory that cannot be written,
and the refresh time with 3000 endpoint names."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from loadtui.engine import profile_loading
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.run_controller import ENDPOINT_LIMIT
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.ended import EndedScreen
from loadtui.ui.widgets.dialogs import PromptDialog, UnwrittenReportDialog
from loadtui.ui.widgets.keyed_table import KeyedTable
from tests.helpers import planner_for, until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"

PROFILES = """
[profiles.one]
description = "two users"
users = 2
spawn_rate = 10
run_time = "60s"

[profiles.one.thresholds]
p95_ms = { warn = 1000, fail = 5000 }
fail_ratio = 0.5
"""


def make_app(
    tmp_path: Path,
    *,
    report_dir: Path | None = None,
    locustfile: Path | None = None,
    profiles: str = PROFILES,
    profile: str = "one",
    refresh: float = 0.2,
    host: str = "",
) -> LoadTuiApp:
    """The demo locustfile runs against the bundled demo target; another one needs ``host``."""
    path = tmp_path / "profiles.toml"
    path.write_text(
        f'[defaults]\nlocustfile = "{locustfile or ROOT / "locustfiles" / "demo.py"}"\nhost = "{host}"\n{profiles}',
        encoding="utf-8",
    )
    argv = ("--report-dir", str(report_dir or tmp_path / "reports"))
    return LoadTuiApp(planner_for(profile_loading.load(path), *argv, dashboard=True), profile=profile, refresh=refresh)


def started(app: LoadTuiApp) -> None:
    assert app.session is not None, [n.message for n in app._notifications]


async def test_filter_export_and_thresholds_live(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        started(app)
        await until(pilot, lambda: app.last_snapshot is not None and app.last_snapshot.endpoint_count >= 3)
        snapshot = app.last_snapshot
        assert snapshot.verdict in ("pass", "warn")  # the demo target answers in well under 1 s
        assert len(snapshot.thresholds) == 2

        # At most two of the demo's names contain "products", and there are at least three names by
        # now: the filter must leave some out. ("api" did not: until the first GET / every name has it.)
        await pilot.press("slash", *"products")
        await until(pilot, lambda: app.last_snapshot.endpoints_matched < app.last_snapshot.endpoint_count)
        snapshot = app.last_snapshot
        assert all("products" in f"{r.method} {r.name}".lower() for r in snapshot.endpoints)
        table = app.screen.query_one("#endpoints", KeyedTable)
        assert table.row_count == len(snapshot.endpoints)
        await pilot.press("escape")
        await until(pilot, lambda: app.last_snapshot.endpoints_matched == app.last_snapshot.endpoint_count)

        await pilot.press("e")
        reports = tmp_path / "reports"
        await until(pilot, lambda: reports.is_dir() and any("-partial-" in p.name for p in reports.iterdir()))
        partial = next(p for p in reports.iterdir() if "-partial-" in p.name)
        assert (partial / "summary.json").is_file()
        assert any(str(partial) in n.message for n in app._notifications)
        assert app.session.live  # the run goes on
        await pilot.press("q")
    assert app.result.folder is not None and app.result.folder.is_dir()


async def test_s_saves_the_live_settings(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test() as pilot:
        started(app)
        await until(pilot, lambda: app.session.runner.user_count == 2)
        await pilot.press("plus")  # 3 users
        await pilot.press("S")
        assert isinstance(app.screen, PromptDialog)
        await pilot.press(*"three", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        saved = profile_loading.load(tmp_path / "profiles.toml")
        assert saved.names == ["one", "three"]
        three = saved.get("three")
        assert three.users == 3 and three.spawn_rate == 10 and three.stages == ()
        assert dict(three.weights) == dict(app.session.locustfile.weights(app.session.profile))
        assert three.thresholds == saved.get("one").thresholds
        assert (tmp_path / "profiles.toml.bak").is_file()
        # The new profile is the 2nd: its key switches the run to it.
        await pilot.press("2")
        assert app.session.profile.name == "three"
        assert app.session.runner.target_user_count == 3
        await pilot.press("q")


async def test_report_dir_that_is_a_file(tmp_path: Path) -> None:
    """mkdir fails: the app stays up, says where, keeps the data, and writes it elsewhere."""
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the report directory should be", encoding="utf-8")
    app = make_app(tmp_path, report_dir=blocked)
    async with app.run_test(size=(120, 40)) as pilot:
        started(app)
        await until(pilot, lambda: app.session.runner.stats.total.num_requests > 0)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, UnwrittenReportDialog))
        assert app.is_running
        assert app.result.error and str(blocked) in app.result.error and app.result.folder is None
        await pilot.press("r")  # the same directory again: still refused, still said
        await pilot.pause()
        assert isinstance(app.screen, EndedScreen)
        summary = str(app.screen.query_one("#ended-summary").render())
        assert "THE REPORT WAS NOT WRITTEN" in summary and str(blocked) in summary
        await pilot.press("a")
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("ctrl+u", *str(tmp_path / "other"), "enter")
        await until(pilot, lambda: app.result.folder is not None)
        folder = app.result.folder
        assert folder.parent == tmp_path / "other"
        assert (folder / "summary.json").is_file() and (folder / "report.html").is_file()
        assert str(folder) in str(app.screen.query_one("#ended-summary").render())
        await pilot.press("q")
    assert app.return_value is app.result


async def test_three_thousand_names_keep_the_table_bounded_and_keys_answered(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """The table shows ENDPOINT_LIMIT rows of 3000 names, by the chosen sort, says how many there
    are and how to group them; a filter narrows them. (How fast: bench/bench.py, case 4.)"""
    # The demo target answers in about 50 ms: 60 users make 3000 names in a few seconds.
    body = '[profiles.ids]\nusers = 60\nspawn_rate = 300\nrun_time = "2m"\n'
    # Ticks a second apart, as the app runs: Pilot waits for an idle moment after each key.
    app = make_app(
        tmp_path,
        locustfile=LOCUSTFILES / "three_thousand_names.py",
        profiles=body,
        profile="ids",
        refresh=1.0,
        host=target.url,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        started(app)
        await until(pilot, lambda: app.last_snapshot is not None and app.last_snapshot.endpoint_count == 3000, 60)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await pilot.press("o", "o", "o", "o")  # p95, as a person looking for slow names would
        assert app.endpoint_view.sort_by == "p95_ms" and app.endpoint_view.descending
        pressed = time.time()
        await until(pilot, lambda: app.last_snapshot.taken_at > pressed)  # a tick after the key
        table = screen.query_one("#endpoints", KeyedTable)
        assert table.row_count == ENDPOINT_LIMIT
        shown = [float(table.row_values(key)[5].value) for key in table.row_keys]
        assert shown == sorted(shown, reverse=True)
        slowest = max(row.p95_ms for row in app.last_snapshot.endpoints)
        assert shown[0] == slowest
        assert app.last_snapshot.many_names
        assert "name=" in str(screen.query_one("#endpoint-info").render())
        # A filter answers while it runs: the rows it matches, and only those.
        await pilot.press("slash", "9", "9", "9")
        await until(pilot, lambda: app.last_snapshot.endpoints_matched < app.last_snapshot.endpoint_count)
        await pilot.pause()
        assert len(table.row_keys) == app.last_snapshot.endpoints_matched == 3  # 999, 1999 and 2999
        assert all("999" in key for key in table.row_keys)
        await pilot.press("escape", "q")
