"""The reports screen (``R``) on real run folders, written by real headless runs of loadtui.

Two short runs against the bundled demo target (loopback) fill a report directory once for the
module; a broken folder is added next to them. The app under test only reads those files.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

from appdata import FakeSession, planner, profile_set

from loadtui.engine import compare, runs
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.picker import PickerScreen
from loadtui.ui.screens.reports import CompareScreen, HistoryPlot, ReportsScreen, RunScreen, newest_first_key
from tests.helpers import run_loadtui

BROKEN = "20200101-000000-broken"

# One xdist worker runs this module, so report_dir's two real runs (10-25 s) are made once, not per worker.
pytestmark = pytest.mark.xdist_group("reports_screen")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real runs (2 then 4 users, 2 s each) and one folder with a corrupt summary.json."""
    work = tmp_path_factory.mktemp("reports-work")
    reports = work / "reports"
    for users in ("2", "4"):
        done = run_loadtui(
            "--headless", "-p", "light", "-t", "2s", "-u", users, "-r", "10", "--report-dir", str(reports), cwd=work
        )
        # 1: the demo target fails a request now and then (a 503 by design), which fails a run
        # without thresholds; the run folder is written all the same, which is what matters here.
        assert done.returncode in (0, 1) and "Report: " in done.stderr, done.stdout + done.stderr
    (reports / BROKEN).mkdir()
    (reports / BROKEN / "summary.json").write_text("{not json", encoding="utf-8")
    return reports


def make_app(report_dir: Path, profile: str | None = None) -> LoadTuiApp:
    return LoadTuiApp(
        planner(profile_set(), "--report-dir", str(report_dir)),
        profile=profile,
        refresh=3600,
        session_factory=FakeSession,
    )


def table(app: LoadTuiApp) -> DataTable:
    assert isinstance(app.screen, ReportsScreen), app.screen
    return app.screen.query_one(DataTable)


def row_keys(app: LoadTuiApp) -> list[str]:
    return [str(row.key.value) for row in table(app).ordered_rows]


class TestList:
    def test_broken_folders_sort_by_the_time_in_their_name(self, tmp_path: Path) -> None:
        good = runs.PastRun(tmp_path / "20231114-221320-light", {"started_at": "2023-11-14T22:13:20Z"})
        older = runs.PastRun(tmp_path / "20231114-090000-spike", error="no summary.json")
        newer = runs.PastRun(tmp_path / "20231115-090000-spike", error="no summary.json")
        ordered = sorted([older, good, newer], key=newest_first_key, reverse=True)
        assert ordered == [newer, good, older]

    async def test_R_lists_runs_newest_first(self, report_dir: Path) -> None:
        expected = runs.list_runs(report_dir)
        good = [run for run in expected if not run.error]
        assert len(good) == 2 and good[0].summary["settings"]["users"] == 4  # the later run
        app = make_app(report_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            assert row_keys(app) == [str(run.folder) for run in good] + [str(report_dir / BROKEN)]
            newest = table(app).get_row(str(good[0].folder))
            assert newest[2] == "light"
            assert newest[4].text == f"{good[0].totals['requests']:,}"
            assert newest[8].plain == "completed"
            assert newest[9] == "demo target"
            broken = table(app).get_row(str(report_dir / BROKEN))
            assert broken[8].plain == "! broken"
            title = str(app.screen.query_one("#reports-title", Static).render())
            assert "3 runs, 1 broken" in title

    async def test_broken_folder_says_why_and_does_not_open(self, report_dir: Path) -> None:
        app = make_app(report_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            table(app).move_cursor(row=row_keys(app).index(str(report_dir / BROKEN)))
            await pilot.pause()
            status = str(app.screen.query_one("#reports-status", Static).render())
            assert "unreadable summary.json" in status and BROKEN in status
            await pilot.press("enter", "space")
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)
            assert app.screen.marked == []

    async def test_empty_directory(self, tmp_path: Path) -> None:
        app = make_app(tmp_path / "nothing-here")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            empty = app.screen.query_one("#reports-empty", Static)
            assert empty.display and "No runs yet" in str(empty.render())
            assert not table(app).display
            await pilot.press("enter", "space", "c")  # nothing to act on: nothing breaks
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)

    async def test_reload_picks_up_a_new_run(self, report_dir: Path, tmp_path: Path) -> None:
        copy = tmp_path / "reports"
        shutil.copytree(report_dir, copy)
        app = make_app(copy)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            assert len(row_keys(app)) == 3
            newest = runs.list_runs(copy)[0].folder
            shutil.copytree(newest, copy / "29991231-235959-light")
            await pilot.press("r")
            await pilot.pause()
            assert len(row_keys(app)) == 4

    async def test_R_over_the_dashboard_and_escape_back(self, report_dir: Path) -> None:
        app = make_app(report_dir, profile="light")
        async with app.run_test(size=(120, 40)) as pilot:
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)
            await pilot.press("R")  # already there: not stacked twice
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)

    async def test_R_from_the_picker(self, report_dir: Path) -> None:
        app = make_app(report_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            assert isinstance(app.screen, PickerScreen)
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PickerScreen)

    async def test_default_report_dir_is_the_profiles_one(self, report_dir: Path, monkeypatch) -> None:
        monkeypatch.chdir(report_dir.parent)  # profile_set()'s report_dir is "reports", relative
        app = LoadTuiApp(planner(), refresh=3600, session_factory=FakeSession)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            assert app.screen.report_dir == Path("reports")
            assert len(row_keys(app)) == 3


class TestOneRun:
    async def test_enter_shows_summary_and_history_plots(self, report_dir: Path) -> None:
        newest = runs.list_runs(report_dir)[0]
        history = runs.read_history(newest.folder)
        assert history.seconds, "a real run has a stats_history.csv"
        app = make_app(report_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, RunScreen)
            assert app.screen.run.folder == newest.folder
            summary = str(app.screen.query_one("#run-summary-text", Static).render())
            assert summary.startswith("loadtui run: profile light")
            assert summary == (newest.folder / "summary.txt").read_text().rstrip("\n")
            rps, p95 = app.screen.query(HistoryPlot)
            assert (rps.xs, rps.ys) == (history.seconds, history.rps)
            assert (p95.xs, p95.ys) == (history.seconds, history.p95_ms)
            # The plots are drawn on their own figure: something other than blank.
            assert any(line.strip() for line in rps.plt.build().splitlines())
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)


class TestCompare:
    async def test_mark_two_then_c_compares_older_with_newer(self, report_dir: Path) -> None:
        newer, older = (run for run in runs.list_runs(report_dir) if not run.error)
        app = make_app(report_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("space", "down", "space")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            assert screen.mark_labels() == {str(older.folder): "A", str(newer.folder): "B"}
            assert table(app).get_row(str(newer.folder))[0].plain == "B"
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, CompareScreen)
            expected = compare.compare(
                compare.load_summary(older.folder), compare.load_summary(newer.folder), screen.tolerance
            )
            assert app.screen.result == expected
            text = str(app.screen.query_one("#compare-text", Static).render())
            assert f"A: {older.folder}" in text and f"B: {newer.folder}" in text
            assert "Aggregated" in text
            first = text.splitlines()[0]
            assert first.startswith("✗") if expected.regressed else first.startswith("✓")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)

    async def test_space_toggles_and_a_third_mark_is_refused(self, report_dir: Path, tmp_path: Path) -> None:
        copy = tmp_path / "reports"
        shutil.copytree(report_dir, copy)
        shutil.copytree(runs.list_runs(copy)[0].folder, copy / "29991231-235959-light")
        app = make_app(copy)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            await pilot.press("c")  # nothing marked: a hint, no screen
            await pilot.pause()
            assert app.screen is screen
            await pilot.press("space", "space")
            assert screen.marked == []
            await pilot.press("space", "down", "space", "down", "space")
            assert len(screen.marked) == 2
            assert str(runs.list_runs(copy)[2].folder) not in screen.marked


def test_every_binding_has_a_description_and_an_id() -> None:
    for owner in (ReportsScreen, RunScreen, CompareScreen):
        for binding in owner.BINDINGS:
            assert binding.description, binding
            assert binding.id, binding
