"""loadtui attach: a real Locust web UI started here on loopback (--autostart), watched and driven."""

import csv
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import gevent
import httpx
import pytest

from loadtui.engine.attach import AttachedSession, auth_from_env
from loadtui.engine.endpoint_selection import EndpointView
from loadtui.engine.reports import FILES
from loadtui.engine.session import SessionError
from tests.helpers import LOCUSTFILES, run_loadtui

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def locust_web(demo_target) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """``locust`` with its web UI on a loopback port, already swarming 4 users at the demo target."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / "tagged.py"), "-H", demo_target.url,
            "--web-host", "127.0.0.1", "--web-port", str(port), "--autostart", "-u", "4", "-r", "50",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/stats/requests", timeout=1).json().get("user_count") == 4:
                break
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def wait_for(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        gevent.sleep(0.2)


def test_attach_watch_drive_stop_and_save(tmp_path: Path, locust_web: str) -> None:
    session = AttachedSession(locust_web, report_dir=tmp_path / "reports", spawn_rate=50)
    session.start()
    wait_for(lambda: session.snapshot().totals.requests > 20)
    snap = session.snapshot()
    assert snap.state == "running" and snap.users == 4 and snap.host == locust_web
    assert {row.name for row in snap.endpoints} >= {"/anything/reader/read", "/status/503"}
    assert snap.failures and snap.failures[0].name == "/status/503"
    # The detail alone (what Enter draws from) is the one a snapshot focused on it carries.
    key = ("GET", "/status/503")
    detail = session.endpoint_detail(key)
    assert detail is not None and detail.row is not None and detail.failures and detail.note
    assert session.snapshot(EndpointView(focus=key)).endpoint_detail == detail
    assert session.change_users(+2) == 6
    wait_for(lambda: httpx.get(f"{locust_web}/stats/requests").json()["user_count"] == 6)
    at_six = session.snapshot().totals.requests
    wait_for(lambda: session.snapshot().totals.requests > 2 * at_six)  # and the remote's history has grown
    before_reset = session.snapshot().totals.requests
    session.reset_stats()
    wait_for(lambda: session.snapshot().totals.requests < before_reset)

    result = session.stop("stopped")
    assert httpx.get(f"{locust_web}/stats/requests").json()["state"] == "stopped"  # the remote test stopped
    assert result.error is None and result.folder is not None and result.end_reason == "stopped"
    names = sorted(p.name for p in result.folder.iterdir())
    assert names == sorted(FILES)
    summary = json.loads((result.folder / "summary.json").read_text())
    aggregated = list(csv.DictReader((result.folder / "stats.csv").open()))[-1]
    assert int(aggregated["Request Count"]) == summary["totals"]["requests"] > 0
    assert summary["attached_to"] == locust_web
    assert "Locust" in (result.folder / "report.html").read_text()
    assert len(list(csv.DictReader((result.folder / "stats_history.csv").open()))) >= 2
    session.close()


def test_connection_problems_are_shown_and_retried_not_fatal(tmp_path: Path) -> None:
    session = AttachedSession(f"http://127.0.0.1:{free_port()}", report_dir=tmp_path, timeout=1.0)
    session.start()
    wait_for(lambda: session.snapshot().connection.startswith("connection refused (retrying in"))
    snap = session.snapshot()
    assert snap.state == "ready"
    with pytest.raises(SessionError, match="connection refused"):
        session.change_users(1)
    session.close()


def test_attach_headless_detaches_on_ctrl_c_without_stopping_the_remote_run(tmp_path: Path, locust_web: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtui", "attach", locust_web, "--headless", "--report-dir", str(tmp_path / "r")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:  # its first progress line: attached, and its signal handlers are set
        if " users " in line:
            break
    proc.send_signal(2)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err  # the remote run has failing requests (/status/503)
    summary = json.loads(next((tmp_path / "r").glob("*/summary.json")).read_text())
    assert summary["end_reason"] == "interrupted" and summary["totals"]["requests"] > 0
    assert httpx.get(f"{locust_web}/stats/requests").json()["state"] == "running"  # detached, not stopped
    assert "attached to" in err  # the summary, on stderr as a run's is


def test_credentials_come_from_the_environment_only() -> None:
    assert auth_from_env({"LOADTUI_ATTACH_AUTH": "ops:s3cret:x"}) == ("ops", "s3cret:x")
    assert auth_from_env({}) is None
    with pytest.raises(SessionError, match="expected user:password"):
        auth_from_env({"LOADTUI_ATTACH_AUTH": "nopassword"})


def test_bad_url_is_bad_input(tmp_path: Path) -> None:
    done = run_loadtui("attach", "localhost:8089", "--headless", cwd=tmp_path)
    assert done.returncode == 2 and "expected the URL of a Locust web UI" in done.stderr


def test_the_header_says_when_the_web_ui_does_not_answer() -> None:
    from loadtui.engine.snapshot import Snapshot, Totals
    from loadtui.ui.widgets.status_line import status_text

    snap = Snapshot(
        taken_at=0.0, state="running", profile="attached", host="http://127.0.0.1:8089", demo_target=False,
        locustfile="", started_at=0.0, elapsed_s=5.0, run_time_s=None, users=4, target_users=4, spawn_rate=1.0,
        totals=Totals(), connection="connection refused (retrying in 4s)",
    )  # fmt: skip
    assert "⚠ connection refused (retrying in 4s)" in status_text(snap).plain.splitlines()[0]
