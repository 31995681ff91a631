"""Screenshots of the reports screen, a past run, a comparison and the profile editor.

Run folders are hand-made here with fixed summary.json / summary.txt / stats_history.csv content
(real runs would differ every time), under a relative ``reports`` directory in a tmp working
directory so that no tmp path reaches the screen; times are shown in UTC. Update the baselines
with ``--snapshot-update`` and look at them before committing.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appdata import T0, FakeSession, planner, profile_set

from loadtui.ui.app import LoadTuiApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

ENDPOINTS = (("GET", "/"), ("GET", "/api/v1/products"), ("POST", "/api/v1/cart"), ("POST", "/api/v1/login"))


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def write_run(
    reports: Path,
    *,
    start: float,
    profile: str,
    users: int,
    seconds: int,
    latency: float,
    fail_ratio: float = 0.0,
    end_reason: str = "completed",
) -> Path:
    """A run folder as the engine writes one, with figures that follow from the arguments."""
    folder = reports / (time.strftime("%Y%m%d-%H%M%S", time.gmtime(start)) + f"-{profile}")
    folder.mkdir(parents=True)
    rps = users * 2.5
    requests = int(rps * seconds)
    endpoints = []
    for index, (method, name) in enumerate(ENDPOINTS):
        scale = 1 + index * 0.5
        endpoints.append(
            {
                "method": method,
                "name": name,
                "requests": requests // len(ENDPOINTS),
                "failures": int(requests // len(ENDPOINTS) * fail_ratio),
                "fail_ratio": fail_ratio,
                "rps": round(rps / len(ENDPOINTS), 2),
                "avg_ms": round(latency * scale, 1),
                "p50_ms": round(latency * scale),
                "p95_ms": round(latency * scale * 2),
                "p99_ms": round(latency * scale * 3),
            }
        )
    totals = {
        "requests": requests,
        "failures": int(requests * fail_ratio),
        "fail_ratio": fail_ratio,
        "rps": rps,
        "avg_ms": latency,
        "p50": round(latency),
        "p95": round(latency * 2.5),
        "p99": round(latency * 4),
    }
    summary = {
        "schema_version": 1,
        "profile": profile,
        "host": "http://127.0.0.1:8089",
        "demo_target": True,
        "started_at": _iso(start),
        "ended_at": _iso(start + seconds),
        "duration_s": float(seconds),
        "end_reason": end_reason,
        "totals": totals,
        "endpoints": endpoints,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    lines = [
        f"loadtui run: profile {profile}",
        "host http://127.0.0.1:8089 (bundled demo target), locustfile /srv/shop/locustfiles/demo.py",
        f"{_iso(start)} -> {_iso(start + seconds)} ({seconds}s), ended: {end_reason}",
        f"{requests} requests, {totals['failures']} failed ({100 * fail_ratio:.2f}%), {rps:.1f} req/s, "
        f"p50 {totals['p50']} ms, p95 {totals['p95']} ms, p99 {totals['p99']} ms",
        "",
        f"{'Type':<8} {'Name':<40} {'# reqs':>8} {'# fails':>8} {'Avg':>6} {'Med':>6} {'req/s':>8}",
    ]
    for entry in endpoints:
        lines.append(
            f"{entry['method']:<8} {entry['name']:<40} {entry['requests']:>8} {entry['failures']:>8} "
            f"{entry['avg_ms']:>6.0f} {entry['p50_ms']:>6} {entry['rps']:>8.2f}"
        )
    (folder / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    history = ["Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,Total Request Count"]
    for second in range(seconds):
        ramp = min(1.0, (second + 1) / 10)
        wobble = 1 + 0.15 * math.sin(second / 3)
        history.append(
            f"{int(start) + second},{round(users * ramp)},,Aggregated,{rps * ramp * wobble:.2f},0.0,"
            f"{latency * wobble:.0f},{latency * 2.5 * wobble * (1 + second / seconds):.0f},{int(rps * second)}"
        )
    (folder / "stats_history.csv").write_text("\n".join(history) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def reports_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory with ``reports/`` holding three runs and a broken folder; UTC clock."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    reports = Path("reports")
    write_run(reports, start=T0, profile="light", users=10, seconds=60, latency=40)
    write_run(reports, start=T0 + 3600, profile="medium", users=20, seconds=300, latency=55, fail_ratio=0.002)
    write_run(
        reports,
        start=T0 + 7200,
        profile="heavy",
        users=50,
        seconds=90,
        latency=140,
        fail_ratio=0.03,
        end_reason="stopped",
    )
    broken = reports / "20231114-090000-spike"
    broken.mkdir()
    (broken / "summary.json").write_text("{", encoding="utf-8")
    yield reports
    monkeypatch.undo()
    time.tzset()


def make_app(profile: str | None = None) -> LoadTuiApp:
    return LoadTuiApp(
        planner(profile_set(), "--report-dir", "reports"), profile=profile, refresh=3600, session_factory=FakeSession
    )


class TestReports:
    @pytest.mark.parametrize("size", SIZES)
    def test_list(self, snap_compare, reports_cwd: Path, size: tuple[int, int]) -> None:
        """R from the picker: three runs newest first, and a broken folder said to be broken."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("R")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_marked(self, snap_compare, reports_cwd: Path, size: tuple[int, int]) -> None:
        """Space on two runs: the older is A, the newer B."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("space", "down", "space")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_run(self, snap_compare, reports_cwd: Path, size: tuple[int, int]) -> None:
        """Enter: RPS and p95 plotted from stats_history.csv, then summary.txt."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_compare(self, snap_compare, reports_cwd: Path, size: tuple[int, int]) -> None:
        """c: heavy (B) against medium (A): slower and failing more, regressions marked."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("space", "down", "space", "c")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    def test_empty(self, snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """No report folder yet: a friendly line instead of an empty table."""
        monkeypatch.chdir(tmp_path)

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("R")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


class TestEditor:
    @pytest.mark.parametrize("size", SIZES)
    def test_edit(self, snap_compare, size: tuple[int, int]) -> None:
        """E on heavy: its values, the locustfile's User classes offered for weights."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("down", "down", "E")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_invalid(self, snap_compare, size: tuple[int, int]) -> None:
        """users "x": the message loading the file would give, under the field; Save disabled."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("down", "down", "E")
            await pilot.pause()
            field = pilot.app.screen.query_one("#field-users", Input)
            field.focus()
            field.select_all()
            await pilot.press("x")
            await pilot.pause()

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)

    def test_spike_stages(self, snap_compare) -> None:
        """E on spike, scrolled to the end: its three stages, the thresholds, Save."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("down", "down", "down", "E")
            # Layout must be done before scrolling, or the scroll lands short (seen under load).
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.1)
            form = pilot.app.screen.query_one("#editor-form")
            form.scroll_to(y=form.max_scroll_y, animate=False)
            await pilot.pause(0.1)

        assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))

    @pytest.mark.parametrize("size", SIZES)
    def test_thresholds(self, snap_compare, size: tuple[int, int]) -> None:
        """p95 warn/fail and an endpoint threshold typed in, scrolled to the end of the form."""

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("E")
            await pilot.pause()
            screen = pilot.app.screen
            for selector, text in (("#warn-p95_ms", "200"), ("#fail-p95_ms", "500")):
                field = screen.query_one(selector, Input)
                field.focus()
                field.select_all()
                await pilot.press(*text)
            screen.query_one("#add-endpoint").focus()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("slash", *"api", "slash", "asterisk", "tab", "tab", "5", "0", "tab", "1", "0", "0")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.1)
            form = screen.query_one("#editor-form")
            form.scroll_to(y=form.max_scroll_y, animate=False)
            await pilot.pause(0.1)

        assert snap_compare(make_app(), run_before=run_before, terminal_size=size)
