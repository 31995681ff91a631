"""The dashboard's thresholds, workers, filter, export, save-as-profile and disk-error flows,
with hand-made snapshots (tests/snapshots/appdata.py): only the data source is fake."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TabbedContent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

from appdata import (
    PROFILES_TOML,
    FakeSession,
    RunResult,
    ended_summary,
    make_codes_snapshot,
    make_snapshot,
    make_threshold_snapshot,
    make_workers_snapshot,
    planner,
)

from loadtui.engine import profile_loading
from loadtui.engine import profiles as profiles_mod
from loadtui.engine.endpoint_selection import EndpointView
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.profile_saving import SaveConflictDialog
from loadtui.ui.run_controller import ENDPOINT_LIMIT
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.ended import EndedScreen, ended_text
from loadtui.ui.screens.picker import PickerScreen
from loadtui.ui.widgets.dialogs import PromptDialog, UnwrittenBeforeNewRunDialog, UnwrittenReportDialog
from loadtui.ui.widgets.keyed_table import KeyedTable
from loadtui.ui.widgets.status_line import status_text
from tests.helpers import until


def make_app(profiles: profiles_mod.ProfileSet | None = None, **kwargs: object) -> LoadTuiApp:
    options: dict[str, object] = {"session_factory": FakeSession, **kwargs}
    return LoadTuiApp(planner(profiles), profile="light", refresh=3600, **options)  # type: ignore[arg-type]


async def serve(app: LoadTuiApp, pilot: Pilot, snapshot: object) -> None:
    while app.refresh_in_flight:
        await pilot.pause()
    app.session.next_snapshot = snapshot  # type: ignore[union-attr]
    app.refresh_snapshot()
    await pilot.pause()


def notices(app: LoadTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


def span_styles(text: object, needle: str) -> set[str]:
    """Styles of the spans of a rich Text that overlap the first occurrence of ``needle``."""
    plain = text.plain  # type: ignore[attr-defined]
    start = plain.index(needle)
    end = start + len(needle)
    return {str(s.style) for s in text.spans if s.start < end and s.end > start}  # type: ignore[attr-defined]


class TestThresholds:
    def test_header_shows_verdict_and_judged_figures(self) -> None:
        text = status_text(make_threshold_snapshot())
        assert "✗ FAIL" in text.plain
        # p95 (71 ms) is past its warning level (50): a "!" after it as well as the colour.
        assert "71 ms!" in text.plain
        assert any("yellow" in s for s in span_styles(text, "71 ms"))
        # avg RPS 98.9 >= rps_min 50: ok, marked ✓.
        assert "101.2✓" in text.plain
        # p50 has no threshold: no mark.
        assert "p50 22  " in text.plain

    def test_no_thresholds_no_verdict(self) -> None:
        text = status_text(make_snapshot())
        assert "PASS" not in text.plain and "FAIL" not in text.plain

    def test_waiting_for_workers_is_a_state(self) -> None:
        assert "WAITING for workers" in status_text(make_snapshot(state="waiting")).plain

    async def test_panel_and_endpoint_cells(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_threshold_snapshot())
            table = app.screen.query_one("#endpoints", KeyedTable)
            search = table.row_values("GET\x00/api/v1/search?q=[term]")
            p95 = search[5]
            assert p95.text == "116✗" and "red" in p95.style
            login = table.row_values("POST\x00/api/v1/login")
            assert login[5].text == "184✓" and "green" in login[5].style
            # No endpoint threshold on this row: plain cells.
            assert table.row_values("GET\x00/")[5].text == "12"
            aggregated = app.screen.query_one("#aggregated", KeyedTable).row_values("aggregated")
            assert aggregated[5].text == "71!"

            await pilot.press("t")
            tabs = app.screen.query_one(TabbedContent)
            assert tabs.active == "tab-thresholds"
            panel = app.screen.query_one("#thresholds", KeyedTable)
            assert app.focused is panel
            assert panel.row_count == 6
            first = panel.row_values(panel.row_keys[0])
            assert first[0].text == "✗ fail"  # failing first
            assert "search" in first[4].plain
            states = {panel.row_values(k)[0].text for k in panel.row_keys}
            assert states == {"✗ fail", "! warn", "✓ ok", "· no data"}
            assert "✗ 1 fail" in str(tabs.get_tab("tab-thresholds").label)

    async def test_panel_hidden_without_thresholds(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_snapshot())
            tabs = app.screen.query_one(TabbedContent)
            assert not tabs.get_tab("tab-thresholds").display
            await pilot.press("t")
            assert tabs.active == "tab-endpoints"
            assert any("no thresholds" in n for n in notices(app))


class TestWorkers:
    async def test_workers_panel(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_snapshot())
            tabs = app.screen.query_one(TabbedContent)
            assert not tabs.get_tab("tab-workers").display
            await serve(app, pilot, make_workers_snapshot())
            assert tabs.get_tab("tab-workers").display
            assert "1 MISSING" in str(tabs.get_tab("tab-workers").label)
            await pilot.press("w")
            assert tabs.active == "tab-workers"
            panel = app.screen.query_one("#workers", KeyedTable)
            assert panel.row_count == 3
            rows = [panel.row_values(k) for k in panel.row_keys]
            assert [r[0].plain for r in rows] == ["loadgen-1_0f1e2d", "loadgen-1_1a2b3c", "loadgen-2_9f8e7d"]
            missing = rows[2]
            assert missing[1].plain == "✗ MISSING" and missing[5].plain == "lost"
            assert rows[0][5].plain == "fresh" and rows[1][5].plain == "late 1"
            assert rows[1][3].text == "95%" and "red" in rows[1][3].style
            header = status_text(app.last_snapshot).plain  # type: ignore[arg-type]
            assert "users 10/10  ✗ 1 worker MISSING  ⚠ users short 0:04  " in header and "workers 2  " in header
            assert "1 lost" in str(tabs.get_tab("tab-workers").label)
            events = str(app.screen.query_one("#worker-events").render())
            assert (
                "Fewer users than asked for 0:04" in events
                and "41s: loadgen-2_9f8e7d lost (no heartbeat for 4s)" in events
            )


class TestLatencyChart:
    async def test_it_draws_the_profile_s_chart_percentiles(self) -> None:
        from dataclasses import replace

        from loadtui.ui.widgets.latency_chart import LatencyChart

        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            base = make_snapshot()
            tail = tuple(v * 3 for v in base.history.p99_ms)
            custom = replace(base.history, chart_percentiles=(50.0, 99.9), chart=(base.history.p50_ms, tail))
            await serve(app, pilot, replace(base, history=custom))
            drawn = app.screen.query_one(LatencyChart).plt.build()
            assert "p99.9" in drawn and "p50" in drawn and "p95" not in drawn


class TestStatusCodes:
    async def test_codes_tab(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_codes_snapshot())
            tabs = app.screen.query_one(TabbedContent)
            assert str(tabs.get_tab("tab-codes").label) == "Codes (5)"  # 200, 503, timeout, refused, 404
            await pilot.press("c")
            assert tabs.active == "tab-codes"
            table = app.screen.query_one("#codes", KeyedTable)
            rows = [
                [cell.plain if hasattr(cell, "plain") else cell.text for cell in table.row_values(k)]
                for k in table.row_keys
            ]
            assert rows[0] == ["GET", "/", "200", "1,176", "98.0%"] and rows[1][2] == "503"
            assert ["GET", "/api/v1/orders", "timeout", "8", "1.9%"] in rows
            assert "red" in str(table.row_values(table.row_keys[1])[2].style)  # a 503 stands out


class TestEndedView:
    def test_verdict_first_then_thresholds_comparison_and_paths(self) -> None:
        folder = Path("/srv/shop/reports/20231114-221320-light")
        result = RunResult("stopped", folder, (folder / "report.html",), ended_summary("fail"))
        text = ended_text(result, make_threshold_snapshot())
        plain = text.plain
        order = [
            plain.index(s) for s in ("✗ FAIL", "RUN ENDED", "Thresholds", "Compared with", "requests", str(folder))
        ]
        assert order == sorted(order)
        assert plain.lstrip().startswith("✗ FAIL")
        failing = [line for line in plain.splitlines() if "✗ fail" in line]
        assert len(failing) == 1 and "p95_ms" in failing[0] and "GET /api/v1/search?q=[term]" in failing[0]
        assert any("red" in s for s in span_styles(text, "REGRESSED"))
        assert "2 regression(s)" in plain

    def test_pass_and_aborted(self) -> None:
        result = RunResult("aborted", None, summary={"verdict": "pass"})
        plain = ended_text(result, None).plain
        assert plain.lstrip().startswith("✓ PASS")
        assert "abort_on_fail" in plain

    def test_without_thresholds_no_verdict_line(self) -> None:
        plain = ended_text(RunResult("stopped", Path("/x")), make_snapshot()).plain
        assert plain.startswith("■ RUN ENDED")


class TestFilterAndSort:
    async def test_slash_filters_as_you_type_and_escape_clears(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_snapshot())
            table = app.screen.query_one("#endpoints", KeyedTable)
            assert table.row_count == 8
            await pilot.press("slash")
            await pilot.press(*"cart")
            await pilot.pause()
            assert app.session.snapshot_args["view"].name_filter == "cart"
            assert app.last_snapshot.endpoints_matched == 2
            assert table.row_count == 2
            info = str(app.screen.query_one("#endpoint-info").render())
            assert "showing 2 of 8 names (filter 'cart'" in info
            await pilot.press("enter")  # keeps the filter, back to the table
            assert app.focused is table
            assert app.endpoint_view.name_filter == "cart"
            await pilot.press("slash", "escape")
            await pilot.pause()
            assert app.session.snapshot_args["view"].name_filter == ""
            assert table.row_count == 8
            assert app.focused is table

    async def test_sort_is_what_the_snapshot_is_built_by(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await serve(app, pilot, make_snapshot())
            assert app.session.snapshot_args == {"view": EndpointView(), "limit": ENDPOINT_LIMIT}
            await pilot.press("o")  # requests, biggest first
            await pilot.pause()
            assert app.session.snapshot_args["view"].sort_by == "requests"
            assert app.session.snapshot_args["view"].descending is True
            await pilot.press("o", "o", "o")  # failures, fail %, p95
            await pilot.pause()
            assert app.session.snapshot_args["view"].sort_by == "p95_ms"
            await pilot.press("O")
            await pilot.pause()
            assert app.session.snapshot_args["view"].descending is False


class TestExport:
    async def test_e_exports_the_run_so_far(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await serve(app, pilot, make_snapshot())
            await pilot.press("e")
            await until(pilot, lambda: any("-partial-" in n for n in notices(app)))
            assert app.session.calls[-1] == ("export_report", None)
            assert any("-partial-" in n for n in notices(app))
            assert isinstance(app.screen, DashboardScreen)  # the run goes on


def tmp_profiles(tmp_path: Path, text: str = PROFILES_TOML) -> profiles_mod.ProfileSet:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return profile_loading.load(path)


class TestSaveLiveProfile:
    async def test_s_saves_users_and_weights_as_a_new_profile(self, tmp_path: Path) -> None:
        app = make_app(tmp_profiles(tmp_path))
        async with app.run_test() as pilot:
            await pilot.press("plus", "plus")  # 12 users
            await pilot.press("S")
            assert isinstance(app.screen, PromptDialog)
            await pilot.press(*"light")  # exists: refused as you type
            await pilot.pause()
            assert "already exists" in str(app.screen.query_one("#prompt-error").render())
            await pilot.press("enter")
            assert isinstance(app.screen, PromptDialog)
            await pilot.press(*"-tuned", "enter")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            saved = profile_loading.load(tmp_path / "profiles.toml")
            assert saved.names[-1] == "light-tuned"
            tuned = saved.get("light-tuned")
            assert tuned.users == 12 and tuned.spawn_rate == 1 and tuned.stages == ()
            assert dict(tuned.weights) == {"BrowsingUser": 1, "ApiUser": 1}
            # The app's list (1-9 keys, picker) and the session's know it.
            assert "light-tuned" in app.profiles.names
            saved_notices = [n for n in notices(app) if n.startswith("Saved profile light-tuned")]
            assert len(saved_notices) == 1 and "key 5 in a run" in saved_notices[0], notices(app)  # said once
            await pilot.press("5")
            assert app.session.profile.name == "light-tuned"

    async def test_s_keeps_the_comments(self, tmp_path: Path) -> None:
        commented = "# hand-written\n" + PROFILES_TOML.replace("users = 20\n", "users = 20  # a busy afternoon\n")
        app = make_app(tmp_profiles(tmp_path, commented))
        async with app.run_test() as pilot:
            await pilot.press("S", *"one", "enter")  # no question first: nothing is lost
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("S", *"two", "enter")
            await pilot.pause()
        text = (tmp_path / "profiles.toml").read_text(encoding="utf-8")
        assert text.startswith(commented)  # what was there, byte for byte, then the new tables
        added = text.removeprefix(commented)
        assert added.startswith("\n[profiles.one]\n") and "\n[profiles.two]\n" in added and "#" not in added
        assert profile_loading.load(tmp_path / "profiles.toml").names[-2:] == ["one", "two"]

    async def test_concurrent_edit_offers_reload(self, tmp_path: Path) -> None:
        app = make_app(tmp_profiles(tmp_path))
        async with app.run_test() as pilot:
            path = tmp_path / "profiles.toml"
            path.write_text(PROFILES_TOML + "\n[profiles.other]\nusers = 3\nspawn_rate = 1\n", encoding="utf-8")
            await pilot.press("S", *"mine", "enter")
            await pilot.pause()
            assert isinstance(app.screen, SaveConflictDialog)
            await pilot.press("l")  # reload, then save: both changes kept
            await pilot.pause()
            saved = profile_loading.load(path)
            assert {"other", "mine"} <= set(saved.names)
            assert "other" in app.profiles.names

    async def test_concurrent_edit_overwrite(self, tmp_path: Path) -> None:
        app = make_app(tmp_profiles(tmp_path))
        async with app.run_test() as pilot:
            path = tmp_path / "profiles.toml"
            path.write_text(PROFILES_TOML + "\n[profiles.other]\nusers = 3\nspawn_rate = 1\n", encoding="utf-8")
            await pilot.press("S", *"mine", "enter")
            await pilot.pause()
            await pilot.press("o")
            await pilot.pause()
            saved = profile_loading.load(path)
            assert "mine" in saved.names and "other" not in saved.names
            assert (tmp_path / "profiles.toml.bak").read_text(encoding="utf-8").count("[profiles.other]") == 1


class UnwritableSession(FakeSession):
    """The report directory cannot be written, until write_report() is given another one."""

    def stop(self, reason: str = "stopped") -> RunResult:
        if self.result is None:
            self.result = RunResult(reason, None, error="cannot write the report to /full: No space left on device")
        self.calls.append(("stop", reason))
        return self.result

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        if report_dir is None:
            self.calls.append(("write_report", None))
            return self.result  # type: ignore[return-value]
        return super().write_report(report_dir)


class TestDiskErrors:
    async def test_q_asks_before_losing_an_unwritten_report(self, tmp_path: Path) -> None:
        app = make_app(session_factory=UnwritableSession)
        async with app.run_test() as pilot:
            await serve(app, pilot, make_snapshot())
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            assert isinstance(app.screen, UnwrittenReportDialog)
            await pilot.press("escape")
            assert isinstance(app.screen, EndedScreen)
            assert "THE REPORT WAS NOT WRITTEN" in str(app.screen.query_one("#ended-summary").render())
            await pilot.press("r")  # retry: still failing, still said
            assert ("write_report", None) in app.session.calls
            await pilot.press("a")
            assert isinstance(app.screen, PromptDialog)
            await pilot.press("ctrl+u")  # Input: delete to the start
            await pilot.press(*str(tmp_path / "elsewhere"), "enter")
            await pilot.pause()
            assert app.result.folder == tmp_path / "elsewhere" / "20231114-221320-light"
            assert str(app.result.folder) in str(app.screen.query_one("#ended-summary").render())
            await pilot.press("q")  # written now: quits without asking
        assert app.return_value is app.result

    async def test_n_asks_before_a_new_run_loses_an_unwritten_report(self) -> None:
        app = make_app(session_factory=UnwritableSession)
        async with app.run_test() as pilot:
            await serve(app, pilot, make_snapshot())
            await pilot.press("s", "y")
            await until(pilot, lambda: isinstance(app.screen, EndedScreen))
            ended = app.session
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, UnwrittenBeforeNewRunDialog))
            await pilot.press("escape")  # stay: the run's data is still there
            assert isinstance(app.screen, EndedScreen) and app.session is ended
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, UnwrittenBeforeNewRunDialog))
            await pilot.press("y")  # a new run anyway: the picker
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))

    async def test_quit_anyway(self) -> None:
        app = make_app(session_factory=UnwritableSession)
        async with app.run_test() as pilot:
            await pilot.press("q")
            await pilot.pause()
            await pilot.press("y")
        assert app.result.error and app.result.folder is None
