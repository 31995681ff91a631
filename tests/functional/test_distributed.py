"""Locust's master/worker engine: a master here, two local worker processes, a loopback target."""

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from loadtui.engine import profile_loading
from loadtui.engine.demo_target import DemoTarget
from loadtui.engine.session import LoadSession
from tests import helpers
from tests.helpers import LOCUSTFILES, profile_for, session_for, write_profiles

pytestmark = pytest.mark.slow

PROFILES = """
[profiles.four]
users = 4
spawn_rate = 50
[profiles.writers]
users = 10
spawn_rate = 50
tags = ["write"]
[profiles.writers.weights]
ReaderUser = 1
WriterUser = 4
"""


def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Workers take longer to start and report than users in-process do."""
    helpers.wait_for(predicate, timeout)


def two_workers(tmp_path: Path, profile_set, name: str) -> LoadSession:  # type: ignore[no-untyped-def]
    session: LoadSession = session_for(profile_set, name, "--workers", "2", "--report-dir", str(tmp_path / "reports"))
    return session


class Reports:
    """Counts the stats reports the master receives from its workers (one a second each)."""

    def __init__(self, session: LoadSession) -> None:
        self.count = 0
        assert session.env is not None
        session.env.events.worker_report.add_listener(self._seen)

    def _seen(self, **_kwargs: object) -> None:
        self.count += 1

    def wait_for_more(self, reports: int) -> None:
        target = self.count + reports
        wait_for(lambda: self.count >= target)


def test_master_with_two_workers_counts_switches_and_cleans_up(tmp_path: Path, target: DemoTarget) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    received_before = httpx.get(f"{target.url}/__stats").json()["requests"]
    session = two_workers(tmp_path, profile_set, "four")
    session.start()
    runner = session.runner
    assert runner is not None
    reports = Reports(session)
    worker_pids = [p.pid for p in session.workers.processes]
    assert len(worker_pids) == 2
    wait_for(lambda: runner.user_count == 4)
    snap = session.snapshot()
    assert len(snap.workers) == 2 and {w.users for w in snap.workers} == {2}

    session.switch_profile(profile_for(profile_set, "writers"))
    wait_for(lambda: runner.user_count == 10)
    wait_for(lambda: runner.reported_user_classes_count == {"ReaderUser": 2, "WriterUser": 8})
    reports.wait_for_more(4)  # each worker's reports from before the switch have all arrived
    before = {row.name: row.requests for row in session.snapshot().endpoints}
    reports.wait_for_more(6)  # several reports from after the switch
    after = {row.name: row.requests for row in session.snapshot().endpoints}
    # tags=["write"] reached the workers: the read task and the untagged one stopped.
    assert after.get("/anything/reader/read", 0) <= before.get("/anything/reader/read", 0) + 4
    assert after.get("/status/503", 0) <= before.get("/status/503", 0) + 8
    assert after["/anything/writer/write"] > before.get("/anything/writer/write", 0)
    # The master keeps response-time copies for the total's current percentiles only.
    assert all(entry.response_times_cache is None for entry in runner.stats.entries.values())
    assert runner.stats.total.response_times_cache and session.snapshot().totals.current_p95_ms is not None

    result = session.stop()
    received = httpx.get(f"{target.url}/__stats").json()["requests"] - received_before
    summary = json.loads((result.folder / "summary.json").read_text())  # type: ignore[operator]
    total = summary["totals"]["requests"]
    # Every request the workers counted reached the master (final reports on quit), and the target
    # got them all, less at most one in flight per user at the stop.
    assert received - 10 <= total <= received, (received, total)
    assert summary["switches"][0]["to"] == "writers"
    _, alive = psutil.wait_procs([psutil.Process(pid) for pid in worker_pids if psutil.pid_exists(pid)], timeout=5)
    assert not alive


THRESHOLDS = """
[profiles.six]
users = 6
spawn_rate = 50
[profiles.six.thresholds]
fail_ratio = 1.0
"""


def test_a_killed_local_worker_is_restarted_and_the_report_says_for_how_long_users_were_short(
    tmp_path: Path, target: DemoTarget
) -> None:
    profile_set = profile_loading.load(
        write_profiles(tmp_path, THRESHOLDS, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    session = two_workers(tmp_path, profile_set, "six")
    session.start()
    runner = session.runner
    assert runner is not None
    wait_for(lambda: runner.user_count == 6)
    assert session.snapshot().verdict == "pass"
    killed = session.workers.processes[0]
    killed.send_signal(signal.SIGKILL)
    wait_for(lambda: [e.what for e in session.snapshot().worker_events][:2] == ["exited", "restarted"])
    assert session.workers.processes[0].pid != killed.pid  # a new process for worker 1
    # Locust marks the dead one missing; the new one connects and the master spreads the users again.
    wait_for(lambda: sum(1 for w in session.snapshot().workers if not w.missing) == 2, timeout=30)
    wait_for(lambda: runner.user_count == 6 and session.supervisor.shortfalls[-1].to_s is not None, timeout=30)
    snap = session.snapshot()
    assert any(w.missing for w in snap.workers)  # the dead one, shown until Locust forgets it
    assert snap.users_short_s > 0 and snap.verdict == "warn"  # no pass for a run that was short of users
    before = snap.totals.requests
    wait_for(lambda: session.snapshot(limit=0).totals.requests > before)
    result = session.stop()
    assert result.folder is not None and result.error is None
    lost = result.summary["workers_lost"]
    assert [(e["worker"], e["what"], e["detail"]) for e in lost["events"][:2]] == [
        ("worker 1", "exited", "killed by SIGKILL"),
        ("worker 1", "restarted", ""),
    ]
    assert not any(e["what"] == "lost" for e in lost["events"])  # not counted twice as a remote loss
    period = lost["short_periods"][0]
    assert period["asked"] == 6 and period["fewest_users"] == 3 and period["to_s"] > period["from_s"]
    assert 0 < lost["users_short_s"] < 15
    assert result.summary["verdict"] == "warn" and "fewer users than asked" in result.summary["verdict_note"]
    text = (result.folder / "summary.txt").read_text()
    assert "Workers: 1 lost" in text and "worker 1 exited (killed by SIGKILL)" in text and "3/6 users from" in text


def test_a_remote_worker_gone_missing_has_its_users_moved_to_the_others(tmp_path: Path, target: DemoTarget) -> None:
    """Two `loadtui --worker` processes, as on other machines; one is killed."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session: LoadSession = session_for(
        profile_set, "four", "--master", "--expect-workers", "2", "--master-bind-host", "127.0.0.1",
        "--master-bind-port", str(port),
    )  # fmt: skip
    session.start()
    command = [
        sys.executable,
        "-m",
        "loadtui",
        "--worker",
        "-f",
        str(LOCUSTFILES / "tagged.py"),
        "--master-port",
        str(port),
    ]
    remote = [
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    try:
        runner = session.runner
        assert runner is not None
        wait_for(lambda: runner.user_count == 4, timeout=30)
        remote[0].kill()
        wait_for(lambda: "is missing (no heartbeat): its users move to the other 1" in session.message, timeout=20)
        assert [e.what for e in session.snapshot().worker_events] == ["lost"]
        wait_for(lambda: runner.user_count == 4, timeout=20)  # all four on the worker left
        snap = session.snapshot()
        assert [w.users for w in snap.workers if not w.missing] == [4]
        assert snap.users_short_s > 0
        result = session.stop()
    finally:
        for proc in remote:
            proc.kill()
            proc.wait(timeout=10)
    lost = result.summary["workers_lost"]
    assert [e["what"] for e in lost["events"]] == ["lost"] and "no heartbeat for" in lost["events"][0]["detail"]
    period = lost["short_periods"][0]
    # from about when it was last heard (Locust calls it missing some 4 s later) to the rebalance
    assert period["fewest_users"] == 2 and period["to_s"] is not None and period["to_s"] - period["from_s"] >= 2


WEIGHT_ZERO = """
from locust import HttpUser, constant, task

class Reader(HttpUser):
    wait_time = constant(0.1)

    @task
    def read(self):
        self.client.get("/api/v1/health")

class Rare(HttpUser):
    weight = 0  # off in the locustfile; a profile turns it on

    @task
    def rare(self):
        self.client.get("/api/v1/health?rare")
"""


def test_a_profile_can_weight_a_class_the_locustfile_left_at_zero_in_a_worker(
    tmp_path: Path, target: DemoTarget
) -> None:
    (tmp_path / "weights.py").write_text(WEIGHT_ZERO)
    write_profiles(
        tmp_path,
        '[profiles.both]\nusers = 4\nspawn_rate = 50\nrun_time = "2s"\nworkers = 1\n'
        "[profiles.both.weights]\nReader = 1\nRare = 1\n",
        locustfile=tmp_path / "weights.py",
        host=target.url,
    )
    done = helpers.run_loadtui("--headless", "-p", "both", cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "KeyError" not in done.stderr
    summary = json.loads(next((tmp_path / "reports").glob("*/summary.json")).read_text())
    names = {row["name"]: row["requests"] for row in summary["endpoints"]}
    assert names.get("/api/v1/health", 0) > 0 and names.get("/api/v1/health?rare", 0) > 0, names
