"""The Logs tab (``l``): what the run logged and printed, newest at the bottom, appended tick by tick."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TabbedContent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

from appdata import T0, FakeSession, make_snapshot, planner

from loadtui.engine.log_book import SHOWN, STDOUT, LogLine
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.widgets.logs_view import LogsView
from tests.helpers import screen_lines, until


def lines(first: int, last: int) -> tuple[LogLine, ...]:
    return tuple(LogLine(n, T0 + n, "worker 1", "INFO", f"line {n}") for n in range(first, last + 1))


async def serve(app: LoadTuiApp, pilot: Pilot, logs: tuple[LogLine, ...]) -> None:
    await until(pilot, lambda: not app.refresh_in_flight)
    app.session.next_snapshot = replace(make_snapshot(), logs=logs, log_count=logs[-1].number if logs else 0)  # type: ignore[union-attr]
    app.refresh_snapshot()
    await until(pilot, lambda: not app.refresh_in_flight)


async def test_l_shows_the_log_and_new_lines_are_appended() -> None:
    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(120, 40)) as pilot:
        await serve(app, pilot, lines(1, 3))
        await pilot.press("l")
        view = app.screen.query_one(LogsView)
        assert app.screen.query_one(TabbedContent).active == "tab-logs" and app.focused is view
        assert view.shown == 3 and len(view.lines) == 3
        assert "Logs (3)" in " ".join(screen_lines(app))
        await serve(app, pilot, lines(1, 5))
        assert view.shown == 5 and len(view.lines) == 5  # only lines 4 and 5 were written
        text = "\n".join(screen_lines(app))
        assert "line 5" in text and text.index("line 4") < text.index("line 5")  # newest at the bottom
        # More came between two ticks than a snapshot carries: a line says how many were skipped.
        await serve(app, pilot, lines(SHOWN + 100, 2 * SHOWN + 99))
        assert view.shown == 2 * SHOWN + 99
        assert any("lines not shown here" in line.text for line in view.lines)


async def test_what_user_code_prints_in_the_app_goes_to_the_runs_log() -> None:
    app = LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=FakeSession)
    async with app.run_test(size=(80, 24)) as pilot:
        print("logged in as alice")
        await until(pilot, lambda: any("logged in as alice" in text for text, _ in app.session.output))  # type: ignore[union-attr]
        assert "logged in as alice" not in "\n".join(screen_lines(app))  # not drawn over the dashboard


def test_stdout_lines_have_no_level_shown() -> None:
    from loadtui.ui.widgets.logs_view import line_parts

    printed = "".join(part.plain for part in line_parts(LogLine(1, T0, "loadtui", STDOUT, "hello")))
    logged = "".join(part.plain for part in line_parts(LogLine(2, T0, "worker 2", "WARNING", "careful")))
    assert printed.split() == ["loadtui", "hello"] and logged.split() == ["worker", "2", "WARNING", "careful"]
