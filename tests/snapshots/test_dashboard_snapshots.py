"""Screenshots of the dashboard with thresholds and with workers, and of the run-ended view with
a verdict, at 80x24 and 120x40 (deterministic data from ``appdata``)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appdata import (
    BASELINE_RUN,
    FakeSession,
    RunResult,
    ended_summary,
    make_baseline_snapshot,
    make_capacity_snapshot,
    make_codes_snapshot,
    make_threshold_snapshot,
    make_workers_snapshot,
    planner,
)

from loadtui.ui.app import LoadTuiApp
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.ended import EndedScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


class VerdictSession(FakeSession):
    """Ends with the summary a run with thresholds and a baseline leaves."""

    def stop(self, reason: str = "stopped") -> RunResult:
        self.result = replace(super().stop(reason), summary=ended_summary("fail"))
        return self.result


def make_app(factory: type[FakeSession] = FakeSession) -> LoadTuiApp:
    return LoadTuiApp(planner(), profile="light", refresh=3600, session_factory=factory)


async def serve(pilot: Pilot, snapshot: object) -> None:
    app: LoadTuiApp = pilot.app  # type: ignore[assignment]
    while app.refresh_in_flight:
        await pilot.pause()
    app.session.next_snapshot = snapshot  # type: ignore[union-attr]
    app.refresh_snapshot()
    await pilot.pause()


class TestThresholds:
    @pytest.mark.parametrize("size", SIZES)
    def test_endpoints_coloured(self, snap_compare, size: tuple[int, int]) -> None:
        """The verdict in the header, judged figures marked, judged endpoint cells marked."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_threshold_snapshot())

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_panel(self, snap_compare, size: tuple[int, int]) -> None:
        """t: every threshold, failing first, with its limit and observed value."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_threshold_snapshot())
            await pilot.press("t")

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


class TestWorkers:
    @pytest.mark.parametrize("size", SIZES)
    def test_panel(self, snap_compare, size: tuple[int, int]) -> None:
        """w: three workers, one MISSING."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_workers_snapshot())
            await pilot.press("w")

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


class TestBaseline:
    @pytest.mark.parametrize("size", SIZES)
    def test_endpoints_against_it(self, snap_compare, size: tuple[int, int]) -> None:
        """--baseline: p95 and RPS of each endpoint against the saved run's, and its p95 on the chart."""
        app = LoadTuiApp(planner(None, "--baseline", str(BASELINE_RUN)), profile="light", refresh=3600,
                         session_factory=FakeSession)  # fmt: skip

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_baseline_snapshot())

        assert snap_compare(app, run_before=run_before, terminal_size=size)


class TestStatusCodes:
    @pytest.mark.parametrize("size", SIZES)
    def test_panel(self, snap_compare, size: tuple[int, int]) -> None:
        """c: each endpoint's status codes, the most frequent first, errors without a response too."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_codes_snapshot())
            await pilot.press("c")

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


class TestCapacity:
    @pytest.mark.parametrize("size", SIZES)
    def test_panel(self, snap_compare, size: tuple[int, int]) -> None:
        """k: a ramp to the limit, a row per step, the capacity so far above them."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_capacity_snapshot())
            await pilot.press("k")

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


class TestEnded:
    @pytest.mark.parametrize("size", SIZES)
    def test_verdict_first(self, snap_compare, size: tuple[int, int]) -> None:
        """s: FAIL first, then the thresholds, the baseline comparison, the figures, the paths."""

        async def run_before(pilot: Pilot) -> None:
            await serve(pilot, make_threshold_snapshot())
            await pilot.press("s", "y")  # stop, after its confirmation
            while not isinstance(pilot.app.screen, EndedScreen):
                await pilot.pause(0.02)

        assert snap_compare(make_app(VerdictSession), run_before=run_before, terminal_size=size)


class TestEndpointView:
    @pytest.mark.parametrize("size", SIZES)
    def test_enter_on_the_first_row(self, snap_compare, size: tuple[int, int]) -> None:
        """Enter as the dashboard opens: the first endpoint's charts, percentiles, distribution,
        codes, in the dashboard's place below its status line."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.endpoint_open

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    def test_an_endpoint_with_failures(self, snap_compare) -> None:
        """Down to the search endpoint: its 500s among the codes and its failure with its message."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press(*["down"] * 7, "enter")
            await pilot.pause()
            assert isinstance(pilot.app.screen, DashboardScreen) and pilot.app.screen.endpoint_open

        assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))
