"""A real LoadSession (Locust LocalRunner in this process) against a real loopback HTTP target.

These drive the engine the way the app and the headless mode do, then check what Locust's runner
really does (target user counts, per-class users, which URLs were hit) and what the report says.
"""

import csv
import json
import os
import signal
from pathlib import Path

import gevent
import httpx
import pytest

from loadtui.engine import profile_loading, profiles
from loadtui.engine.demo_target import DemoTarget
from loadtui.engine.endpoint_selection import EndpointView
from loadtui.engine.locustfile import DEMO_LOCUSTFILE
from loadtui.engine.reports import FILES
from loadtui.engine.session import LoadSession
from loadtui.engine.session_contract import SessionError
from tests.helpers import (
    LOCUSTFILES,
    locust_history_columns,
    profile_for,
    session_for,
    wait_for,
    write_profiles,
)

pytestmark = pytest.mark.slow

PROFILES = """
[profiles.small]
users = 4
spawn_rate = 50
run_time = "30s"

[profiles.big]
users = 10
spawn_rate = 50
run_time = "30s"

[profiles.readers]
users = 10
spawn_rate = 50
tags = ["read"]
[profiles.readers.weights]
WriterUser = 0

[profiles.writers]
users = 10
spawn_rate = 50
tags = ["write"]
[profiles.writers.weights]
ReaderUser = 1
WriterUser = 4

[profiles.ramp]
stages = [
    { duration = "2s", users = 2, spawn_rate = 50 },
    { duration = "2s", users = 6, spawn_rate = 50 },
]

[profiles.other_host]
host = "http://127.0.0.1:9"

[profiles.tail]
users = 2
spawn_rate = 50
chart_percentiles = [50, 99.9]
"""


@pytest.fixture
def profile_set(tmp_path: Path, target: DemoTarget) -> profiles.ProfileSet:
    assert target.url is not None
    return profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )


def make_session(profile_set: profiles.ProfileSet, name: str, tmp_path: Path) -> LoadSession:
    session: LoadSession = session_for(profile_set, name, "--report-dir", str(tmp_path / "reports"))
    return session


def requests_so_far(session: LoadSession) -> int:
    return session.snapshot(limit=0).totals.requests


def hits(snapshot, fragment: str) -> int:  # type: ignore[no-untyped-def]
    return sum(row.requests for row in snapshot.endpoints if fragment in row.name)


def test_snapshot_has_live_numbers(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "small", tmp_path)
    session.start()
    try:
        wait_for(lambda: session.runner is not None and session.runner.user_count == 4)
        wait_for(lambda: len(session.snapshot(limit=0).history.rps) >= 3 and requests_so_far(session) > 20)
        snap = session.snapshot()
        assert snap.state == "running" and snap.profile == "small" and snap.users == 4 and snap.target_users == 4
        assert snap.host == profile_set.get("small").host and not snap.demo_target
        assert 1.5 < snap.elapsed_s < 10 and snap.run_time_s is not None and 29 < snap.run_time_s < 31
        assert snap.totals.requests > 20 and snap.totals.failures > 0  # WriterUser hits /status/503
        assert snap.totals.requests == sum(row.requests for row in snap.endpoints)
        assert {row.name for row in snap.endpoints} >= {"/anything/reader/read", "/status/503"}
        assert snap.failures[0].name == "/status/503" and "503" in snap.failures[0].error
        assert (
            3 <= len(snap.history.rps) <= 5
            and len(set(map(len, [snap.history.rps, snap.history.users, snap.history.p95_ms]))) == 1
        )
        assert snap.history.users[-1] == 4
        assert snap.host_sample is not None and snap.host_sample.mem_total > 0 and snap.host_sample.cpu_count >= 1
        with pytest.raises(AttributeError):
            snap.users = 5  # type: ignore[misc]
    finally:
        session.stop()


def test_switch_changes_users_keeps_stats_and_is_recorded(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "small", tmp_path)
    session.start()
    try:
        wait_for(lambda: session.runner is not None and session.runner.user_count == 4)
        wait_for(lambda: requests_so_far(session) > 5)
        before = session.snapshot().totals.requests
        notice = session.switch_profile(profile_for(profile_set, "big"))
        assert "small -> big" in notice
        assert session.runner is not None and session.runner.target_user_count == 10
        wait_for(lambda: session.runner is not None and session.runner.user_count == 10)
        wait_for(lambda: requests_so_far(session) > before)
        snap = session.snapshot()
        assert snap.totals.requests > before  # not reset
        assert snap.profile == "big" and [(s.from_profile, s.to_profile) for s in snap.switches] == [("small", "big")]
        with pytest.raises(SessionError, match="another host"):
            session.switch_profile(profile_for(profile_set, "other_host"))
        assert session.change_users(+3) == 13
        wait_for(lambda: session.runner is not None and session.runner.user_count == 13)
        assert session.change_users(-20) == 0
    finally:
        result = session.stop()
    summary = json.loads((result.folder / "summary.json").read_text())  # type: ignore[operator]
    assert summary["switches"][0]["from"] == "small" and summary["switches"][0]["to"] == "big"
    assert summary["profile"] == "big" and summary["initial_profile"] == "small"


def test_switch_applies_weights_and_tags(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "readers", tmp_path)
    session.start()
    try:
        runner = session.runner
        assert runner is not None
        wait_for(lambda: runner.user_count == 10)
        assert runner.user_classes_count == {"ReaderUser": 10, "WriterUser": 0}
        wait_for(lambda: hits(session.snapshot(), "/reader/read") > 5)
        snap = session.snapshot()
        assert hits(snap, "/reader/read") > 0 and hits(snap, "write") == 0  # tags=["read"]

        session.switch_profile(profile_for(profile_set, "writers"))
        wait_for(lambda: runner.user_classes_count == {"ReaderUser": 2, "WriterUser": 8})
        reads_at_switch = hits(session.snapshot(), "/reader/read")
        wait_for(
            lambda: hits(session.snapshot(), "/reader/write") > 3 and hits(session.snapshot(), "/writer/write") > 3
        )
        snap = session.snapshot()
        # tags=["write"] now: readers only write, writers only write (their untagged task is out).
        assert hits(snap, "/reader/write") > 0 and hits(snap, "/writer/write") > 0
        assert hits(snap, "/reader/read") <= reads_at_switch + 2  # at most the requests in flight
        assert hits(snap, "/status/503") == 0

        session.switch_profile(profile_for(profile_set, "small"))  # no tags, default weights: all runs again
        wait_for(lambda: runner.user_classes_count == {"ReaderUser": 2, "WriterUser": 2})
        wait_for(lambda: hits(session.snapshot(), "/status/503") > 0)
    finally:
        session.stop()


def test_stages_run_through_a_load_test_shape(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "ramp", tmp_path)
    session.start()
    runner = session.runner
    assert runner is not None
    wait_for(lambda: runner.user_count == 2, timeout=3)
    wait_for(lambda: runner.user_count == 6, timeout=4)
    result = session.wait(timeout=8)
    assert result is not None and result.end_reason == "completed"
    assert max(session.snapshot().history.users) == 6


def test_switching_into_stages_keeps_stats(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "big", tmp_path)
    session.start()
    runner = session.runner
    assert runner is not None
    wait_for(lambda: runner.user_count == 10)
    wait_for(lambda: requests_so_far(session) > 10)
    before = session.snapshot().totals.requests
    session.switch_profile(profile_for(profile_set, "ramp"))
    wait_for(lambda: runner.user_count == 2, timeout=3)
    assert session.snapshot().totals.requests >= before  # Locust's start_shape() would have cleared them
    result = session.wait(timeout=10)
    assert result is not None and result.end_reason == "completed"


def test_report_totals_agree_with_each_other_and_the_target(
    profile_set: profiles.ProfileSet, target: DemoTarget, tmp_path: Path
) -> None:
    received_before = httpx.get(f"{target.url}/__stats").json()["requests"]
    session = make_session(profile_set, "big", tmp_path)
    session.start()
    wait_for(lambda: session.history.ticks >= 3 and requests_so_far(session) > 50)
    result = session.stop()
    received = httpx.get(f"{target.url}/__stats").json()["requests"] - received_before

    assert result.end_reason == "stopped" and result.error is None and result.folder is not None
    folder = result.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    summary = json.loads((folder / "summary.json").read_text())
    rows = list(csv.DictReader((folder / "stats.csv").open()))
    aggregated = rows[-1]
    assert aggregated["Name"] == "Aggregated"
    totals = summary["totals"]
    assert int(aggregated["Request Count"]) == totals["requests"] == session.snapshot().totals.requests
    assert int(aggregated["Failure Count"]) == totals["failures"]
    assert sum(int(r["Request Count"]) for r in rows[:-1]) == totals["requests"]
    # The target received every counted request, plus at most one in flight per user at the stop.
    assert received - 10 <= totals["requests"] <= received, (received, totals["requests"])

    failures = list(csv.DictReader((folder / "failures.csv").open()))
    assert failures and failures[0]["Name"] == "/status/503"
    assert sum(int(f["Occurrences"]) for f in failures) == totals["failures"]
    history = list(csv.DictReader((folder / "stats_history.csv").open()))
    assert len(history) >= 3 and history[-1]["Name"] == "Aggregated"
    # A row per endpoint too, in Locust's --csv-full-history layout, under Locust's own column names.
    assert list(history[0]) == locust_history_columns(session.env, tmp_path / "locust")
    final = {row["Name"]: row for row in history if row["Timestamp"] == history[-1]["Timestamp"]}
    assert {r["Name"] for r in rows} <= {row["Name"] for row in history}
    assert int(final["Aggregated"]["Total Request Count"]) <= totals["requests"]
    html = (folder / "report.html").read_text()
    assert '"profile": "big"' in html and str(totals["requests"]) in html
    assert f"Report: {folder}" in (folder / "summary.txt").read_text()
    assert summary["versions"]["locust"] and summary["schema_version"] == 1


def test_unwritable_report_dir_keeps_the_data(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a directory should be")
    session = make_session(profile_set, "small", blocked)
    session.start()
    wait_for(lambda: requests_so_far(session) > 0)
    result = session.stop()
    assert result.folder is None and result.error is not None and "cannot write the report" in result.error
    assert result.summary["totals"]["requests"] > 0
    retried = session.write_report(tmp_path / "elsewhere")
    assert retried.folder is not None and retried.summary["totals"] == result.summary["totals"]


def test_stop_is_idempotent_and_fires_listeners_once(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "small", tmp_path)
    seen = []
    session.add_run_ended_listener(seen.append)
    session.start()
    wait_for(lambda: requests_so_far(session) > 0)
    first = gevent.spawn(session.stop, "quit")
    second = gevent.spawn(session.stop, "interrupted")
    gevent.joinall([first, second], timeout=15)
    assert first.value is second.value and len(seen) == 1 and seen[0].end_reason == "quit"
    with pytest.raises(SessionError):
        session.switch_profile(profile_for(profile_set, "big"))


def test_exceptions_in_user_code_are_grouped_and_reported(tmp_path: Path, target: DemoTarget) -> None:
    body = "[profiles.crash]\nusers = 2\nspawn_rate = 50\n[profiles.crash.weights]\nStoppingUser = 0\n"
    profile_set = profile_loading.load(
        write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "crashing.py", host=target.url)
    )
    session = make_session(profile_set, "crash", tmp_path)
    session.start()
    wait_for(lambda: sum(e.count for e in session.snapshot(limit=0).exceptions) > 5)
    snap = session.snapshot()
    assert len(snap.exceptions) == 1 and snap.exceptions[0].count > 5
    assert snap.exceptions[0].message == "bad fixture data" and "crashing.py" in snap.exceptions[0].traceback
    result = session.stop()
    assert result.folder is not None
    rows = list(csv.DictReader((result.folder / "exceptions.csv").open()))
    assert rows[0]["Message"] == "bad fixture data" and int(rows[0]["Count"]) >= snap.exceptions[0].count


def test_locustfile_that_quits_the_runner_ends_the_run(tmp_path: Path, target: DemoTarget) -> None:
    body = (
        "[profiles.stopper]\nusers = 2\nspawn_rate = 50\n"
        "[profiles.stopper.weights]\nCrashingUser = 0\nStoppingUser = 1\n"
    )
    profile_set = profile_loading.load(
        write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "crashing.py", host=target.url)
    )
    session = make_session(profile_set, "stopper", tmp_path)
    session.start()
    result = session.wait(timeout=15)
    assert result is not None and result.end_reason == "stopped" and result.folder is not None
    assert "locustfile stopped the test" in session.snapshot().message
    assert json.loads((result.folder / "summary.json").read_text())["totals"]["requests"] > 20


def test_thousands_of_names_stay_bounded_on_screen_and_complete_in_reports(tmp_path: Path, target: DemoTarget) -> None:
    body = "[profiles.ids]\nusers = 8\nspawn_rate = 100\n"
    profile_set = profile_loading.load(
        write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "many_names.py", host=target.url)
    )
    session = make_session(profile_set, "ids", tmp_path)
    session.start()
    try:
        wait_for(lambda: session.snapshot(limit=1).endpoint_count >= 1500, timeout=40)
        snap = session.snapshot(EndpointView("max_ms", descending=True), 100)
        assert len(snap.endpoints) == 100 and snap.endpoint_count >= 1500 and snap.many_names
        slowest = max(row.max_ms for row in session.snapshot().endpoints)
        assert max(row.max_ms for row in snap.endpoints) == slowest  # the top rows really are the top
        filtered = session.snapshot(EndpointView(name_filter="ITEM/12"), 100)
        assert filtered.endpoints_matched < filtered.endpoint_count
        assert all("/item/12" in row.name for row in filtered.endpoints)
        with pytest.raises(ValueError, match="unknown sort key"):
            session.snapshot(EndpointView(sort_by="colour"))
        # Per-name copies of response times are dropped within a tick of a name appearing; the
        # total keeps its own, for current percentiles.
        stats = session.runner.stats  # type: ignore[union-attr]
        seen = list(stats.entries)
        ticks = session.history.ticks
        wait_for(lambda: session.history.ticks >= ticks + 2)  # a tick after these names were seen
        assert all(stats.entries[key].response_times_cache is None for key in seen)
        assert stats.total.response_times_cache and session.snapshot().totals.current_p95_ms is not None
    finally:
        result = session.stop()
    rows = list(csv.DictReader((result.folder / "stats.csv").open()))  # type: ignore[operator]
    assert len(rows) - 1 == session.snapshot().endpoint_count  # every name, plus Aggregated


def test_export_mid_run_leaves_the_run_going_and_its_folder_name_free(
    profile_set: profiles.ProfileSet, tmp_path: Path
) -> None:
    session = make_session(profile_set, "small", tmp_path)
    session.start()
    wait_for(lambda: requests_so_far(session) > 0)
    partial = session.export_report()
    assert partial.folder is not None and "-partial-" in partial.folder.name
    assert json.loads((partial.folder / "summary.json").read_text())["end_reason"] == "running"
    assert session.live and session.result is None
    wait_for(lambda: requests_so_far(session) > partial.summary["totals"]["requests"])
    final = session.stop()
    assert final.folder is not None and final.folder.name == partial.folder.name.split("-partial-")[0]
    assert final.summary["totals"]["requests"] > partial.summary["totals"]["requests"]


def test_the_demo_target_dying_ends_the_run_with_a_report(tmp_path: Path) -> None:
    profile_set = profile_loading.load(write_profiles(tmp_path, PROFILES, locustfile=DEMO_LOCUSTFILE))
    session = make_session(profile_set, "small", tmp_path)  # the demo locustfile: the bundled demo target
    session.start()
    assert session.demo_target and session._demo is not None and session._demo.pid is not None
    wait_for(lambda: requests_so_far(session) > 0)
    os.kill(session._demo.pid, signal.SIGKILL)
    result = session.wait(timeout=15)
    assert result is not None and result.end_reason == "error" and result.folder is not None
    assert "demo target exited" in session.snapshot().message
    assert json.loads((result.folder / "summary.json").read_text())["totals"]["requests"] > 0


def test_the_history_carries_the_profile_s_chart_percentiles(profile_set: profiles.ProfileSet, tmp_path: Path) -> None:
    session = make_session(profile_set, "tail", tmp_path)
    session.start()
    try:
        wait_for(lambda: len(session.snapshot(limit=0).history.time) >= 3 and requests_so_far(session) > 5)
        history = session.snapshot(limit=0).history
        labels = [label for label, _ in history.chart_series()]
        assert labels == ["p50", "p99.9"]
        assert all(len(values) == len(history.time) for _, values in history.chart_series())
        tail = dict(history.chart_series())["p99.9"]
        assert all(t >= m for t, m in zip(tail, history.p50_ms, strict=True))  # the tail is never below the median
    finally:
        session.stop()
