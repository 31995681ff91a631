"""A target rate (``rate = N``) against a loopback server of known capacity (4 slots of 50 ms: 80/s).

Real Locust runs through the real session, its workers and the headless CLI. Each figure is checked
against what the server itself counted (``/__stats``), not only against Locust's own count.
"""

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from loadtui.engine import profile_loading
from loadtui.engine.session import LoadSession
from tests import helpers
from tests.conftest import CapacityServer
from tests.helpers import LOCUSTFILES, profile_for, run_loadtui, session_for, write_profiles

pytestmark = pytest.mark.slow

LOCUSTFILE = LOCUSTFILES / "paced_work.py"

PROFILES = """
[profiles.steady]
rate = 40
users = 20
spawn_rate = 5
run_time = "12s"

[profiles.beyond]
rate = 150
users = 10
spawn_rate = 10
run_time = "8s"

[profiles.closed]
users = 2
spawn_rate = 10
"""


def only_run_folder(reports: Path) -> Path:
    (folder,) = [p for p in reports.iterdir() if p.is_dir()]
    return folder


def served(server: CapacityServer) -> int:
    return int(httpx.get(f"{server.url}/__stats", timeout=5).json()["work"])


def run_to_the_end(session: LoadSession) -> dict:  # type: ignore[type-arg]
    session.start()
    result = session.wait(60)
    assert result is not None and result.folder is not None, result
    return json.loads((result.folder / "summary.json").read_text())  # type: ignore[no-any-return]


def assert_held(summary: dict, before: int, server: CapacityServer, rate: float) -> None:  # type: ignore[type-arg]
    """Within 5% of the rate asked for, by Locust's count and by the server's."""
    paced = summary["rate"]
    requests = summary["totals"]["requests"]
    got = served(server) - before
    asked = rate * paced["paced_s"]
    assert paced["held"] and paced["shortfall_runs"] == 0, paced
    assert abs(paced["runs"] - asked) <= 0.05 * asked, (paced, asked)
    assert abs(requests - asked) <= 0.05 * asked, (requests, asked)
    # The server counts a request Locust cut short at the stop (one in flight a user at most).
    assert requests <= got <= requests + paced["users_max"], (requests, got)
    assert summary["verdict"] is None  # no thresholds, and the rate held: nothing to judge


def test_a_rate_the_server_can_take_is_held_within_5_percent(tmp_path: Path, capacity_server: CapacityServer) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    )
    before = served(capacity_server)
    session: LoadSession = session_for(profile_set, "steady", "--report-dir", str(tmp_path / "reports"))
    user_class = session.classes.classes[0]
    own_wait_time = user_class.__dict__["wait_time"]
    summary = run_to_the_end(session)
    assert_held(summary, before, capacity_server, 40)
    paced = summary["rate"]
    # 40/s of ~50 ms each is 2 runs in flight: a handful of users, far from the cap of 20.
    assert paced["users_max"] <= 10 and paced["cap_reached_at_s"] is None
    assert summary["settings"]["rate"] == 40
    assert user_class.__dict__["wait_time"] is own_wait_time  # the locustfile's 2 s wait is back
    folder = only_run_folder(tmp_path / "reports")
    text = (folder / "summary.txt").read_text()
    assert "rate: " in text and "of 40/s" in text and ", held (" in text
    report = (folder / "report.html").read_text()
    assert "Target rate" in report and "held</b>" in report


def test_a_rate_beyond_the_server_reports_the_shortfall_and_warns_headless(
    tmp_path: Path, capacity_server: CapacityServer
) -> None:
    write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    before = served(capacity_server)
    done = run_loadtui("--headless", "-p", "beyond", cwd=tmp_path)
    got = served(capacity_server) - before
    # No threshold failed and no request failed: the run exits 0 as locust would, with a warning.
    assert done.returncode == 0, done.stderr
    folder = only_run_folder(tmp_path / "reports")
    summary = json.loads((folder / "summary.json").read_text())
    paced = summary["rate"]
    assert not paced["held"] and summary["verdict"] == "warn"
    assert "the target rate 150/s was not held" in summary["verdict_note"]
    # The server takes 80/s: (150 - 80) / 150 = 47% of the runs asked for cannot be made.
    capacity_short = 100 * (150 - capacity_server.capacity_rps) / 150
    assert abs(paced["missed_pct"] - capacity_short) <= 8, paced
    assert abs(paced["shortfall_pct"] - capacity_short) <= 8, paced
    assert paced["users_max"] == 10 and paced["cap_reached_at_s"] is not None and paced["cap_reached_at_s"] <= 2
    # What was made is what the server counted, at about its capacity.
    assert summary["totals"]["requests"] <= got <= summary["totals"]["requests"] + 10
    assert abs(got / paced["paced_s"] - capacity_server.capacity_rps) <= 0.1 * capacity_server.capacity_rps
    text = (folder / "summary.txt").read_text()
    assert "Verdict: WARN" in text and "NOT HELD" in text
    assert "not held" in (folder / "report.html").read_text()
    assert "NOT HELD" in done.stderr  # the summary printed at the end


def test_two_local_workers_hold_the_rate_between_them(tmp_path: Path, capacity_server: CapacityServer) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    )
    before = served(capacity_server)
    session: LoadSession = session_for(
        profile_set, "steady", "--workers", "2", "--report-dir", str(tmp_path / "reports")
    )
    session.start()
    runner = session.runner
    assert runner is not None
    helpers.wait_for(lambda: runner.user_count > 0 and len(session.snapshot(limit=0).workers) == 2, timeout=30)
    # Both workers got users, and both are paced: their runs together make the rate.
    helpers.wait_for(lambda: all(w.users > 0 for w in session.snapshot(limit=0).workers), timeout=20)
    result = session.wait(60)
    assert result is not None and result.folder is not None
    summary = json.loads((result.folder / "summary.json").read_text())
    assert_held(summary, before, capacity_server, 40)


def test_a_live_switch_to_a_rate_and_back_keeps_the_stats(tmp_path: Path, capacity_server: CapacityServer) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    )
    session: LoadSession = session_for(profile_set, "closed", "--report-dir", str(tmp_path / "reports"))
    user_class = session.classes.classes[0]
    own_wait_time = user_class.__dict__["wait_time"]
    session.start()
    try:
        runner = session.runner
        assert runner is not None
        helpers.wait_for(lambda: runner.stats.total.num_requests >= 2)  # 2 users, a request each 2 s
        assert session.snapshot(limit=0).rate is None
        before_switch = runner.stats.total.num_requests

        steady = profile_for(profile_set, "steady")
        message = session.switch_profile(steady)
        assert "rate 40/s with at most 20 users" in message
        assert user_class.__dict__["wait_time"] is not own_wait_time

        def holding() -> bool:
            rate = session.snapshot(limit=0).rate
            return rate is not None and rate.holding_now

        helpers.wait_for(holding, timeout=15)
        snap = session.snapshot(limit=0)
        assert snap.rate is not None and snap.rate.target == 40 and snap.rate.cap == 20
        assert snap.totals.requests > before_switch  # the closed run's requests are still counted

        session.switch_profile(profile_for(profile_set, "closed"))
        assert user_class.__dict__["wait_time"] is own_wait_time
        rate = session.snapshot(limit=0).rate
        assert rate is not None and not rate.active and rate.runs > 0
    finally:
        result = session.stop()
    summary = json.loads((result.folder / "summary.json").read_text())  # type: ignore[operator]
    assert [s["to"] for s in summary["switches"]] == ["steady", "closed"]
    assert summary["rate"]["target"] is None and summary["rate"]["runs"] > 0


STAGED = """
[profiles.staged]
rate = 20
users = 10
stages = [
    { duration = "5s", users = 10, spawn_rate = 10 },
    { duration = "6s", users = 10, spawn_rate = 10, rate = 50 },
]
"""


def test_each_stage_holds_its_own_rate(tmp_path: Path, capacity_server: CapacityServer) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, STAGED, locustfile=LOCUSTFILE, host=capacity_server.url)
    )
    before = served(capacity_server)
    session: LoadSession = session_for(profile_set, "staged", "--report-dir", str(tmp_path / "reports"))
    session.start()
    helpers.wait_for(lambda: session.pacer.target == 50, timeout=15)
    first_stage = served(capacity_server) - before
    first_s = session.pacer.paced_s
    result = session.wait(30)
    assert result is not None and result.end_reason == "completed"
    summary = json.loads((result.folder / "summary.json").read_text())  # type: ignore[operator]
    paced = summary["rate"]
    # The rate of the stage in force each second: 20/s for 5 s, then 50/s for 6 s.
    assert paced["asked_runs"] == pytest.approx(20 * 5 + 50 * 6, rel=0.05)
    assert abs(paced["runs"] - paced["asked_runs"]) <= 0.05 * paced["asked_runs"], paced
    assert first_stage == pytest.approx(20 * first_s, rel=0.1), (first_stage, first_s)
    assert summary["settings"]["stages"][1]["rate"] == 50


APP_PROFILES = """
[profiles.closed]
users = 2
spawn_rate = 10
run_time = "60s"

[profiles.steady]
rate = 30
users = 10
spawn_rate = 10
run_time = "60s"
"""


async def test_the_dashboard_switches_to_a_rate_with_2_and_shows_how_it_holds(
    tmp_path: Path, capacity_server: CapacityServer
) -> None:
    """The app's own way: one local worker under the dashboard, keys as a person presses them."""
    from loadtui.ui.app import LoadTuiApp
    from loadtui.ui.screens.ended import EndedScreen
    from loadtui.ui.widgets.status_line import StatusLine

    path = write_profiles(tmp_path, APP_PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    planner = helpers.planner_for(profile_loading.load(path), "--report-dir", str(tmp_path / "reports"), dashboard=True)
    app = LoadTuiApp(planner, profile="closed", refresh=0.2)
    async with app.run_test(size=(160, 40)) as pilot:
        await helpers.until(pilot, lambda: app.last_snapshot is not None and app.last_snapshot.totals.requests > 0, 40)
        assert app.last_snapshot.rate is None

        def status() -> str:
            return str(app.screen.query_one(StatusLine).render())

        assert "rate " not in status()
        await pilot.press("2")
        await helpers.until(pilot, lambda: "rate " in status() and "of 30/s ✓" in status(), 30)
        requests_at_switch = app.last_snapshot.totals.requests
        await pilot.press("plus")  # a paced run's + raises the most users it may use
        await helpers.until(pilot, lambda: app.last_snapshot.rate is not None and app.last_snapshot.rate.cap == 11)
        await pilot.press("s", "y")
        await helpers.until(pilot, lambda: isinstance(app.screen, EndedScreen), 30)
        ended = str(app.screen.query_one("#ended-summary").render())
    summary = app.result.summary
    paced = summary["rate"]
    assert paced["cap"] == 11 and paced["runs"] > 0 and summary["totals"]["requests"] >= requests_at_switch
    # Held or not (the closed profile's users finish their 2 s wait before they are paced: a short
    # run after a switch can miss by a few percent), the ended view says which, with a mark.
    mark, word = ("✓", ", held (") if paced["held"] else ("✗", "NOT HELD")
    assert f"target rate   {mark} " in ended and word in ended and "of 30/s" in ended


@pytest.mark.parametrize("profile", ["steady", "closed"])
def test_a_plain_locust_worker_is_said_to_be_unpaced(
    tmp_path: Path, capacity_server: CapacityServer, profile: str
) -> None:
    """A rate with a remote `locust --worker` (not `loadtui --worker`): its users keep the
    locustfile's wait_time, and the run's log says so, naming the worker, once; without a rate
    (``closed``) there is nothing to say."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILE, host=capacity_server.url)
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session: LoadSession = session_for(
        profile_set, profile, "--master", "--expect-workers", "1", "--master-bind-host", "127.0.0.1",
        "--master-bind-port", str(port), "--report-dir", str(tmp_path / "reports"),
    )  # fmt: skip
    session.start()
    reports_with_users: list[str] = []

    def seen(client_id: str, data: dict, **_kw: object) -> None:  # type: ignore[type-arg]
        if data.get("user_count"):
            reports_with_users.append(client_id)

    session.env.events.worker_report.add_listener(seen)  # the global locust.events: removed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "locust", "--worker", "-f", str(LOCUSTFILE), "--master-port", str(port)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        helpers.wait_for(lambda: len(reports_with_users) >= 3, timeout=30)  # reports with users, seen
        said = [line for line in session.log_book.text().splitlines() if "is not paced" in line]
        if profile == "closed":
            assert said == []
        else:
            assert len(said) == 1 and reports_with_users[0] in said[0] and "loadtui --worker" in said[0]
    finally:
        session.env.events.worker_report.remove_listener(seen)
        session.stop()
        worker.kill()
        worker.wait(timeout=10)
