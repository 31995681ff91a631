"""Screenshots of the picker and the dashboard with deterministic data (posting style).

Hand-made snapshots from ``appdata`` (fixed epoch, no clock, no engine); the refresh timer is
set to an hour so only the snapshot a test serves is shown. Update the baselines with
``pytest tests/snapshots --snapshot-update`` and look at the report before committing them.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appdata import T0, FakeSession, make_snapshot, planner

from loadtui.engine.log_book import LogLine
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.screens.ended import EndedScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def make_app(profile: str | None) -> LoadTuiApp:
    return LoadTuiApp(planner(), profile=profile, refresh=3600, session_factory=FakeSession)


async def serve(pilot: Pilot, **kwargs: object) -> None:
    app: LoadTuiApp = pilot.app  # type: ignore[assignment]
    while app.refresh_in_flight:  # the tick of the start: let it land first, or ours is skipped
        await pilot.pause()
    app.session.next_snapshot = make_snapshot(**kwargs)  # type: ignore[arg-type]
    app.refresh_snapshot()
    await pilot.pause()


LOG_LINES = tuple(
    LogLine(number, T0 + number, source, level, text)
    for number, (source, level, text) in enumerate(
        [
            ("loadtui", "INFO", "locust.runners: Sending spawn jobs of 10 users at 1.00 spawn rate to 1 ready workers"),
            ("worker 1", "stdout", "logged in as alice, token 5f3a"),
            ("worker 1", "WARNING", "demo: search backend slow (812 ms)"),
            ("worker 1", "ERROR", "locust.user.users: KeyError: 'token'"),
            ("worker 1", "stderr", "Traceback (most recent call last):"),
            ("loadtui", "INFO", 'locust.runners: All users spawned: {"ApiUser": 5, "BrowsingUser": 5}'),
        ],
        1,
    )
)


class TestPicker:
    @pytest.mark.parametrize("size", SIZES)
    def test_loads(self, snap_compare, size: tuple[int, int]) -> None:
        """No --profile: the picker, first profile highlighted with its details."""
        assert snap_compare(make_app(None), terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_weights_and_stages(self, snap_compare, size: tuple[int, int]) -> None:
        """Down twice: heavy, with its User class weights; then spike with its stages."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("down", "down", "down")

        assert snap_compare(make_app(None), run_before=run_before, terminal_size=size)


class TestDashboard:
    @pytest.mark.parametrize("size", SIZES)
    def test_running(self, snap_compare, size: tuple[int, int]) -> None:
        """--profile light: the dashboard with a minute of data."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot)

        assert snap_compare(make_app("light"), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_generator_saturated(self, snap_compare, size: tuple[int, int]) -> None:
        """loadtui's own CPU above 90%: the host panel says so in words, not only in red."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, process_cpu=97.0)

        assert snap_compare(make_app("light"), run_before=run_before, terminal_size=size)

    def test_failures_tab(self, snap_compare) -> None:
        """f: the failures table."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot)
            await pilot.press("f")

        assert snap_compare(make_app("light"), run_before=run_before, terminal_size=(120, 40))

    def test_logs_tab(self, snap_compare) -> None:
        """l: what the run logged and printed, this process's and the workers', newest at the bottom."""

        async def run_before(pilot: Pilot) -> None:
            app: LoadTuiApp = pilot.app  # type: ignore[assignment]
            while app.refresh_in_flight:
                await pilot.pause()
            app.session.next_snapshot = replace(make_snapshot(), logs=LOG_LINES, log_count=len(LOG_LINES))  # type: ignore[union-attr]
            app.refresh_snapshot()
            await pilot.pause()
            await pilot.press("l")

        assert snap_compare(make_app("light"), run_before=run_before, terminal_size=(80, 24))

    def test_run_ended(self, snap_compare) -> None:
        """s: the run-ended view with the report paths."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot)
            await pilot.press("s", "y")  # stop, after its confirmation
            while not isinstance(pilot.app.screen, EndedScreen):
                await pilot.pause(0.02)

        assert snap_compare(make_app("light"), run_before=run_before, terminal_size=(80, 24))
