"""Ramp to the limit against a target of known capacity: the loopback capacity server's /work holds
one of 4 slots for 50 ms, so it takes 80 requests a second and queues the rest (its latency then
grows with the users: 6 users wait 75 ms, 8 wait 100 ms, 10 wait 125 ms)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CapacityServer
from tests.helpers import LOCUSTFILES, profile_for, run_loadtui, session_for, wait_for, write_profiles

RAMP = """[profiles.capacity]
spawn_rate = 20
ramp = {{ start = 2, step = 2, every = "3s", max = {max}, settle = "1s" }}
workers = {workers}
[profiles.capacity.thresholds]
p95_ms = {p95}
fail_ratio = 0.01

[profiles.plain]
users = 2
spawn_rate = 20
"""


def ramp_run(tmp_path: Path, server: CapacityServer, *, p95: int = 100, most: int = 20, workers: int = 0) -> Any:
    write_profiles(
        tmp_path,
        RAMP.format(max=most, workers=workers, p95=p95),
        locustfile=LOCUSTFILES / "capacity.py",
        host=server.url,
    )
    done = run_loadtui("--headless", "-p", "capacity", "-t", "60s", cwd=tmp_path, timeout=120)
    folders = sorted((tmp_path / "reports").iterdir())
    assert len(folders) == 1, done.stderr[-3000:]
    summary = json.loads((folders[0] / "summary.json").read_text(encoding="utf-8"))
    return done, summary, folders[0]


@pytest.mark.parametrize("workers", [0, 2], ids=["one process", "two workers"])
def test_the_ramp_finds_the_capacity_and_stops_at_the_first_failing_step(
    tmp_path: Path, capacity_server: CapacityServer, workers: int
) -> None:
    done, summary, folder = ramp_run(tmp_path, capacity_server, workers=workers)
    capacity = summary["capacity"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert summary["end_reason"] == "completed"
    assert capacity["outcome"] == "limit found"
    # The service's capacity is 80 requests a second: found within 20%.
    true_rps = capacity_server.capacity_rps
    assert 0.8 * true_rps <= capacity["rps"] <= 1.2 * true_rps, capacity
    # p95 <= 100 ms holds up to 8 users (8 x 50 ms / 4 slots): the last step that passed had at
    # least the 4 users that fill the slots and no more than 8.
    assert 4 <= capacity["users"] <= 8, capacity
    assert capacity["p95_ms"] <= 100
    steps = capacity["steps"]
    assert [s["users"] for s in steps] == list(range(2, 2 * len(steps) + 1, 2))
    assert [s["state"] for s in steps][-1] == "fail" and all(s["state"] == "pass" for s in steps[:-1])
    assert steps[-1]["p95_ms"] > 100 and steps[-1]["users"] == capacity["users"] + 2
    limit = capacity["limited_by"]
    assert (limit["metric"], limit["scope"], limit["fail"], limit["users"]) == (
        "p95_ms",
        "overall",
        100,
        steps[-1]["users"],
    )
    # Each step's window is its own: its requests fit its seconds at its rate.
    for step in steps:
        assert step["window_s"] >= 1.0
        assert step["requests"] == pytest.approx(step["rps"] * step["window_s"], rel=0.01)
    assert sum(s["requests"] for s in steps) <= summary["totals"]["requests"]
    # The verdict is the capacity step's; the run's own figures include the failing step.
    assert summary["verdict"] == "pass" and summary["verdict_scope"] == f"capacity step {capacity['step']}"
    assert {r["metric"]: r["state"] for r in summary["thresholds"]} == {"p95_ms": "ok", "fail_ratio": "ok"}
    text = (folder / "summary.txt").read_text(encoding="utf-8")
    assert f"Capacity: {capacity['users']} users, {capacity['rps']:,.1f} req/s" in text
    assert "limited by p95_ms" in text and "judged on the capacity step" in text
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Capacity (ramp to the limit)" in html and f"<b>{capacity['users']} users</b>" in html
    # What the target answered is what Locust counted, less the requests in flight at the stop.
    answered = capacity_server.stats()["work"]
    assert summary["totals"]["requests"] <= answered <= summary["totals"]["requests"] + steps[-1]["users"]


def test_every_step_passing_ends_at_the_ramps_max(tmp_path: Path, capacity_server: CapacityServer) -> None:
    done, summary, _folder = ramp_run(tmp_path, capacity_server, p95=1000, most=4)
    capacity = summary["capacity"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert (capacity["outcome"], capacity["users"], capacity["limited_by"]) == ("max reached", 4, None)
    assert [s["state"] for s in capacity["steps"]] == ["pass", "pass"]
    assert summary["verdict"] == "pass" and summary["end_reason"] == "completed"


def test_a_first_step_that_fails_fails_the_run(tmp_path: Path, capacity_server: CapacityServer) -> None:
    """p95 under 20 ms is never met (every request takes 50 ms): no capacity, and the exit code says so."""
    done, summary, folder = ramp_run(tmp_path, capacity_server, p95=20)
    capacity = summary["capacity"]
    assert done.returncode == 1, done.stderr[-3000:]
    assert (capacity["outcome"], capacity["users"]) == ("no step passed", None)
    assert len(capacity["steps"]) == 1 and capacity["steps"][0]["state"] == "fail"
    assert summary["verdict"] == "fail"
    assert "Capacity: none: no step passed" in (folder / "summary.txt").read_text(encoding="utf-8")


def test_a_live_switch_starts_and_leaves_a_ramp(tmp_path: Path, capacity_server: CapacityServer) -> None:
    """Switching to a ramp profile starts its search from the switch (the stats kept); switching
    away ends it as interrupted, and the run is then judged as any other."""
    from loadtui.engine import profile_loading

    path = write_profiles(
        tmp_path,
        RAMP.format(max=20, workers=0, p95=1000),
        locustfile=LOCUSTFILES / "capacity.py",
        host=capacity_server.url,
    )
    profiles = profile_loading.load(path)
    session = session_for(profiles, "plain")
    session.start()
    try:
        wait_for(lambda: session.snapshot().totals.requests > 20)
        before = session.snapshot().totals.requests
        session.switch_profile(profile_for(profiles, "capacity"))
        wait_for(lambda: (c := session.snapshot().capacity) is not None and any(s.judged for s in c.steps), 30)
        snap = session.snapshot()
        assert snap.totals.requests > before  # kept
        assert snap.capacity is not None and snap.capacity.steps[0].users == 2
        assert snap.capacity.steps[0].state == "pass" and snap.verdict == "pass"
        session.switch_profile(profile_for(profiles, "plain"))
        after = session.snapshot().capacity
        assert after is not None and after.outcome == "interrupted" and after.detail == "switched to plain"
        assert all(step.judged for step in after.steps)  # the step cut short is not kept
        # Users changed by hand leave a ramp too, as they leave stages.
        session.switch_profile(profile_for(profiles, "capacity"))
        session.change_users(1)
        wait_for(lambda: (c := session.snapshot().capacity) is not None and c.outcome == "interrupted")
        assert session.snapshot().capacity.detail == "the users were changed by hand (+/- keys)"
    finally:
        result = session.stop()
    assert result.summary["capacity"]["outcome"] == "interrupted"
    assert "verdict_scope" not in result.summary


async def test_the_dashboard_shows_each_step_and_the_ended_view_the_capacity(
    tmp_path: Path, capacity_server: CapacityServer
) -> None:
    """k shows the Capacity tab: a row per step as the engine judged it; the ended view then says
    what the ramp found."""
    from loadtui.engine import profile_loading
    from loadtui.ui.app import LoadTuiApp
    from loadtui.ui.screens.ended import EndedScreen, ended_text
    from loadtui.ui.widgets.capacity_panel import CapacityTable
    from tests.helpers import planner_for, screen_lines, until

    body = RAMP.format(max=20, workers=1, p95=100)
    profiles = write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "capacity.py", host=capacity_server.url)
    app = LoadTuiApp(planner_for(profile_loading.load(profiles), dashboard=True), profile="capacity", refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:

        def capacity() -> Any:
            snapshot = app.last_snapshot
            return snapshot.capacity if snapshot is not None else None

        await until(pilot, lambda: capacity() is not None and sum(s.judged for s in capacity().steps) >= 2, 40)
        await pilot.press("k")
        table = app.screen.query_one(CapacityTable)
        await until(pilot, lambda: table.row_count == len(capacity().steps))
        await pilot.pause()
        lines = screen_lines(app)
        first = capacity().steps[0]
        assert any(re.match(rf"^\s+1\s+2\s+{first.rps:.1f}\s.*✓ pass", line) for line in lines), lines
        for step in capacity().steps:
            assert any(re.match(rf"^\s+{step.number}\s+{step.users}\s", line) for line in lines), lines
        await until(pilot, lambda: isinstance(app.screen, EndedScreen), 60)
        screen = app.screen
        plain = ended_text(screen.result, screen.snapshot).plain
        found = capacity().found
        assert found is not None and f"Capacity: {found.users} users" in plain
        assert "the ramp to the limit ended: limit found" in plain
        assert "judged on the capacity step" in plain


def test_users_given_on_the_command_line_are_noted_as_ignored(tmp_path: Path) -> None:
    from loadtui.engine import profile_loading
    from tests.helpers import plan_of

    path = write_profiles(tmp_path, RAMP.format(max=20, workers=0, p95=100), locustfile=LOCUSTFILES / "capacity.py",
                          host="http://127.0.0.1:9")  # fmt: skip
    plan = plan_of(profile_loading.load(path), "capacity", "-u", "50")
    assert any(note.startswith("-u/--users: profile capacity ramps to the limit") for note in plan.notes), plan.notes
    assert plan.options.num_users == 20  # what hooks read: the most users the ramp may reach


def test_a_ramp_of_the_rate_finds_the_rate_the_target_takes(tmp_path: Path, capacity_server: CapacityServer) -> None:
    """``of = "rate"``: the steps are of task runs a second (the open model), the users the pacer's
    (at most ``users``). The target takes 80 a second: the last step that held is within 20% of it,
    and the step that failed did so on its latency or on the rate it could not hold."""
    body = """[profiles.rates]
users = 30
spawn_rate = 30
ramp = { of = "rate", start = 40, step = 10, every = "4s", max = 200, settle = "1s" }
workers = 0
[profiles.rates.thresholds]
p95_ms = 150
fail_ratio = 0.01
"""
    write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "capacity.py", host=capacity_server.url)
    done = run_loadtui("--headless", "-p", "rates", "-t", "90s", cwd=tmp_path, timeout=150)
    folder = next((tmp_path / "reports").iterdir())
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    capacity = summary["capacity"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert (capacity["of"], capacity["outcome"]) == ("rate", "limit found"), capacity
    true_rps = capacity_server.capacity_rps
    assert 0.8 * true_rps <= capacity["rate"] <= 1.2 * true_rps, capacity
    steps = capacity["steps"]
    assert [s["rate"] for s in steps] == [40.0 + 10 * i for i in range(len(steps))]
    for step in steps[:-1]:  # a step that passed made its rate
        assert step["achieved"] == pytest.approx(step["rate"], rel=0.05), step
        # One request a task run: the responses that came in the window against the runs that
        # began in it, apart by what was in flight at its two ends (10%: under a loaded CI
        # machine's latency a 3 s window once read 37.9 req/s against 40.2 runs/s).
        assert step["rps"] == pytest.approx(step["achieved"], rel=0.10), step
        assert 1 <= step["users"] <= 30
    assert capacity["limited_by"]["metric"] in ("p95_ms", "rate"), capacity["limited_by"]
    assert capacity["limited_by"]["rate"] == steps[-1]["rate"]
    text = (folder / "summary.txt").read_text(encoding="utf-8")
    assert f"Capacity: {capacity['rate']:g}/s ({capacity['users']} users)" in text
    assert "rate asked" in (folder / "report.html").read_text(encoding="utf-8")


def test_a_live_switch_to_a_ramp_of_the_rate_paces_its_steps(tmp_path: Path, capacity_server: CapacityServer) -> None:
    from loadtui.engine import profile_loading

    body = RAMP.format(max=20, workers=0, p95=1000) + (
        "\n[profiles.rates]\nusers = 20\nspawn_rate = 20\n"
        'ramp = { of = "rate", start = 20, step = 10, every = "3s", max = 60, settle = "1s" }\n'
        "[profiles.rates.thresholds]\np95_ms = 1000\n"
    )
    path = write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "capacity.py", host=capacity_server.url)
    profiles = profile_loading.load(path)
    session = session_for(profiles, "plain")
    session.start()
    try:
        wait_for(lambda: session.snapshot().totals.requests > 20)
        session.switch_profile(profile_for(profiles, "rates"))
        wait_for(lambda: (c := session.snapshot().capacity) is not None and sum(s.judged for s in c.steps) >= 2, 30)
        snap = session.snapshot()
        assert snap.rate is not None and snap.rate.active  # the pacer holds the steps' rates
        first, second = snap.capacity.steps[:2]
        assert (first.rate, second.rate) == (20.0, 30.0)
        assert first.state == "pass" and first.achieved == pytest.approx(20.0, rel=0.05)
    finally:
        result = session.stop()
    assert result.summary["capacity"]["of"] == "rate"
