"""Status codes counted from each response, against a loopback server that answers known ones."""

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import FaultyServer
from tests.helpers import LOCUSTFILES, run_loadtui

pytestmark = pytest.mark.slow


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("workers", [0, 2])
def test_each_endpoint_s_status_codes_match_what_the_server_answered(
    tmp_path: Path, faulty_server: FaultyServer, workers: int
) -> None:
    done = run_loadtui(
        "--headless", "-f", str(LOCUSTFILES / "status_codes.py"), "-H", faulty_server.url, "-u", "4", "-r", "50",
        "-t", "4s", "--workers", str(workers), "--closed-port", str(closed_port()),
        "--report-dir", str(tmp_path / "reports"),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the 503s, timeouts and refusals are failures
    (folder,) = (tmp_path / "reports").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    endpoints = {e["name"]: e for e in summary["endpoints"]}
    served = faulty_server.stats()
    for code in (200, 404, 503):
        endpoint = endpoints[f"/status/{code}"]
        assert endpoint["status_codes"] == {str(code): endpoint["requests"]}
        # what the server answered, less what was in flight when the run stopped
        assert served[f"status {code}"] - 4 <= endpoint["requests"] <= served[f"status {code}"]
    assert endpoints["/status/404"]["failures"] == 0  # caught as a success, still counted as a 404
    assert endpoints["/hang"]["status_codes"] == {"timeout": endpoints["/hang"]["requests"]}
    assert endpoints["refused"]["status_codes"] == {"connection refused": endpoints["refused"]["requests"]}
    total = summary["totals"]["status_codes"]
    assert sum(total.values()) == summary["totals"]["requests"]
    assert set(total) == {"200", "404", "503", "timeout", "connection refused"}
    text = (folder / "summary.txt").read_text()
    assert "status codes: 200: " in text and "connection refused: " in text
    assert summary["totals"]["p999"] is not None and summary["totals"]["p9999"] >= summary["totals"]["p99"]
    assert "p99.9 " in text and "p99.99 " in text


def test_the_dashboard_s_snapshot_carries_the_codes_as_they_come(tmp_path: Path, faulty_server: FaultyServer) -> None:
    from loadtui.engine import profile_loading
    from tests.helpers import session_for, wait_for, write_profiles

    body = '[profiles.codes]\nusers = 2\nspawn_rate = 50\nrun_time = "1m"\n'
    profiles = write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "status_codes.py", host=faulty_server.url)
    session = session_for(profile_loading.load(profiles), "codes", "--closed-port", str(closed_port()))
    session.start()
    try:
        wait_for(lambda: {"200", "404", "503"} <= {row.status for row in session.snapshot().status_codes})
        snapshot = session.snapshot()
        rows = {(row.name, row.status): row for row in snapshot.status_codes}
        assert rows[("/status/404", "404")].share == 1.0
        assert rows[("/status/200", "200")].count > 0
        # The run's codes in total (the Codes tab's first line): every endpoint's added up.
        totals: dict[str, int] = {}
        for row in snapshot.status_codes:
            totals[row.status] = totals.get(row.status, 0) + row.count
        assert dict(snapshot.status_totals) == totals
        assert [count for _, count in snapshot.status_totals] == sorted(totals.values(), reverse=True)
    finally:
        session.stop()
