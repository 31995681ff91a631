"""--watch: real child processes, one leaking memory steadily and one steady, told apart."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtui.engine.watch import ProcessWatch, slope_per_minute, steady_part
from tests.helpers import LOCUSTFILES, planner_for, run_loadtui, write_profiles

pytestmark = pytest.mark.slow

# Allocates (and touches) `rate` MB a second, for a leak the kernel really sees in RSS.
ALLOCATOR = """
import sys, time
rate = float(sys.argv[1])
kept = []
print("ready", flush=True)
while True:
    kept.append(bytearray(int(rate * 2**20) // 10 or 1))
    for i in range(0, len(kept[-1]), 4096):
        kept[-1][i] = 1
    time.sleep(0.1)
"""


@pytest.fixture
def allocator() -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(rate_mb_per_s: float) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", ALLOCATOR, str(rate_mb_per_s)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def test_slope_fit() -> None:
    times = [float(t) for t in range(0, 121, 10)]
    assert slope_per_minute(times, [100 + 0.5 * t for t in times]) == pytest.approx(30.0)  # 0.5 MB/s
    assert slope_per_minute(times, [100.0] * len(times)) == pytest.approx(0.0)
    assert slope_per_minute([1.0, 2.0], [1.0, 2.0]) is None
    assert steady_part([(float(i), 0.0) for i in range(8)])[0][0] == 2.0  # the first quarter left out


def test_a_leaking_process_is_told_from_a_steady_one(allocator) -> None:  # type: ignore[no-untyped-def]
    leaking = ProcessWatch(str(allocator(4.0).pid))
    steady = ProcessWatch(str(allocator(0.0).pid))
    for _ in range(12):
        leaking.sample()
        steady.sample()
        time.sleep(0.5)
    leak, calm = leaking.sample(), steady.sample()
    assert leak.state == "running" and calm.state == "running"
    assert leak.slope_mb_per_min is not None and leak.slope_mb_per_min > 100  # ~240 MB/min allocated
    assert leak.growth_mb is not None and leak.growth_mb > 15
    assert calm.slope_mb_per_min is not None and abs(calm.slope_mb_per_min) < 5
    assert calm.growth_mb is not None and abs(calm.growth_mb) < 2


def test_exit_and_restart_are_states_not_errors(allocator) -> None:  # type: ignore[no-untyped-def]
    first = allocator(0.0)
    by_pid = ProcessWatch(str(first.pid))
    by_pid.sample()
    first.kill()
    first.wait()
    assert by_pid.sample().state == "exited"
    assert ProcessWatch("no-such-process-for-loadtui").sample().state == "not found"


def test_watch_threshold_takes_part_in_the_verdict(tmp_path: Path, demo_target, allocator) -> None:  # type: ignore[no-untyped-def]
    body = """
[profiles.leaky]
users = 2
spawn_rate = 50
run_time = "6s"
tags = ["read"]
[profiles.leaky.thresholds]
rss_slope_mb_per_min = { warn = 5, fail = 20 }
"""
    write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    leaking = allocator(3.0)
    done = run_loadtui("--headless", "-p", "leaky", "--watch", str(leaking.pid), cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # nothing failed but the leak threshold
    summary = json.loads(next((tmp_path / "reports").glob("*/summary.json")).read_text())
    watched = summary["watched"][0]
    assert watched["spec"] == str(leaking.pid) and watched["rss_slope_mb_per_min"] > 20
    assert len(watched["rss_series_mb"]) >= 5
    states = {t["scope"]: t["state"] for t in summary["thresholds"]}
    assert states[f"watch {leaking.pid}"] == "fail" and summary["verdict"] == "fail"
    assert f"watched {leaking.pid}: running" in done.stderr
    html = next((tmp_path / "reports").glob("*/report.html")).read_text()
    assert f"Watched: {leaking.pid} (running)" in html and "MB RSS over the run" in html


def test_a_name_follows_the_process_and_its_children_and_sees_a_restart(tmp_path: Path) -> None:
    script = tmp_path / "svc_for_loadtui_watch.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )

    def start() -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    first = start()
    watch = ProcessWatch(script.name)
    try:
        state = watch.sample()
        assert state.state == "running" and first.pid in state.pids and len(state.pids) == 2  # with its child
        for pid in state.pids:
            subprocess.run(["kill", "-9", str(pid)], check=False)
        first.wait()
        second = start()
        try:
            time.sleep(0.2)
            again = watch.sample()
            assert again.state == "restarted" and again.restarts == 1 and second.pid in again.pids
        finally:
            for pid in again.pids:
                subprocess.run(["kill", "-9", str(pid)], check=False)
            second.wait()
    finally:
        first.kill()


def test_watched_processes_show_in_the_host_panel_text() -> None:
    from loadtui.engine.watch import WatchedState
    from loadtui.ui.widgets.host_panel import watched_text

    leaking = WatchedState(
        spec="uvicorn", state="running", pids=(10, 11), cpu_percent=45.0, rss=300 * 2**20, threads=12,
        open_files=7, connections=40, rss_series=(280.0, 290.0, 300.0), slope_mb_per_min=3.2, growth_mb=20.0,
    )  # fmt: skip
    gone = WatchedState(
        spec="4242", state="exited", pids=(), cpu_percent=0, rss=0, threads=0, open_files=0, connections=0
    )
    text = watched_text((leaking, gone), 40).plain
    assert "● uvicorn running (2 proc)" in text and "+3.2 MB/min ↑ growing" in text and "conn 40" in text
    assert "✗ 4242 exited" in text and "▁" in text and "█" in text
    from loadtui.ui.formatting import fmt_limit, fmt_metric

    assert fmt_metric("rss_slope_mb_per_min", 3.2) == "3.20 MB/min"  # not "3.2 ms"
    assert fmt_limit("rss_growth_mb", 50, 20) == "≤ 50.0 MB (warn 20.0 MB)"
    assert fmt_limit("rps_min", 50, 60).startswith("≥ 50.0/s")


async def test_the_dashboard_shows_a_watched_process_of_a_real_run(tmp_path: Path, allocator) -> None:  # type: ignore[no-untyped-def]
    from loadtui.engine import profile_loading
    from loadtui.ui.app import LoadTuiApp
    from loadtui.ui.widgets.host_panel import HostReadout

    leaking = allocator(3.0)
    write_profiles(tmp_path, f"[profiles.w]\nusers = 1\nspawn_rate = 10\nwatch = [{leaking.pid}]\n")
    profile_set = profile_loading.load(tmp_path / "profiles.toml")
    app = LoadTuiApp(
        planner_for(profile_set, "--report-dir", str(tmp_path / "r"), dashboard=True), profile="w", refresh=0.3
    )
    async with app.run_test(size=(120, 40)) as pilot:
        readout = app.screen.query_one(HostReadout)
        deadline = time.monotonic() + 15
        while not (readout.watched and readout.watched[0].rss_series and len(readout.watched[0].rss_series) > 3):
            assert time.monotonic() < deadline, "no watched sample reached the screen"
            await pilot.pause(0.2)
        assert readout.watched[0].spec == str(leaking.pid) and readout.watched[0].state == "running"
        assert f"{leaking.pid} running" in readout.render().plain
        app.session.stop("stopped")
