"""A run killed where no signal handler runs (``kill -9``, the OOM killer) still leaves its report.

The run folder exists from the run's first second and is brought up to date every checkpoint
interval; the next ``loadtui`` (a run, or ``loadtui reports``) finishes the report of a run whose
process is gone. Real subprocesses, real SIGKILL, the bundled demo target or a loopback server of
the test's own; the recovered figures are held against what the server itself counted.
"""

import contextlib
import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from loadtui.engine import profile_loading, recovery
from loadtui.engine.checkpoint import OWN_FILES, STATE_FILE
from loadtui.engine.reports import FILES
from tests.helpers import LOCUSTFILES, profile_for, run_loadtui, session_for, wait_for, write_profiles

pytestmark = pytest.mark.slow

LONG = """
[profiles.long]
users = 4
spawn_rate = 50
run_time = "2m"
"""


def run_folder(reports: Path) -> Path:
    folders = [p for p in reports.iterdir() if p.is_dir()] if reports.is_dir() else []
    assert len(folders) == 1, folders
    return folders[0]


def checkpointed_requests(folder: Path) -> int:
    """The requests the folder's checkpoint holds (0 before the first)."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return 0
    return int(summary["totals"]["requests"])


def wait_for_checkpoint(reports: Path, timeout: float = 40.0) -> Path:
    """Until the run's folder holds a checkpoint with requests in it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        folders = [p for p in reports.iterdir() if p.is_dir()] if reports.is_dir() else []
        if folders and checkpointed_requests(folders[0]) > 0 and (folders[0] / STATE_FILE).is_file():
            return folders[0]
        time.sleep(0.1)
    raise AssertionError("no checkpoint with requests was written")


def copy_after_two_checkpoints(session: Any, tmp_path: Path) -> Path:
    """A copy of the running session's folder as the next checkpoint but one left it."""
    written = session.checkpoints.written
    wait_for(lambda: session.checkpoints.written > written + 1)
    copy = tmp_path / "reports" / "killed-copy"
    shutil.copytree(session.checkpoints.folder, copy)
    return copy


def as_killed(copy: Path) -> None:
    """The copied folder's writer made a process that has exited: a killed run's folder."""
    state = json.loads((copy / STATE_FILE).read_text())
    gone = subprocess.Popen(["true"])
    gone.wait()
    state["pid"] = gone.pid
    (copy / STATE_FILE).write_text(json.dumps(state))
    wait_for(lambda: copy in recovery.orphaned(copy.parent))


def check_recovered(folder: Path) -> dict:  # type: ignore[type-arg]
    """The folder is a whole report again: every file, the same totals in each, marked as killed."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["end_reason"] == "killed" and summary["incomplete"] is True
    assert summary["recovered"]["missing_at_most_s"] == 1.0
    aggregated = list(csv.DictReader((folder / "stats.csv").open()))[-1]
    assert int(aggregated["Request Count"]) == summary["totals"]["requests"] > 0
    html = (folder / "report.html").read_text()
    assert '"name": "Aggregated"' in html and f'"num_requests": {summary["totals"]["requests"]}' in html
    text = (folder / "summary.txt").read_text()
    assert "ended: killed" in text and "INCOMPLETE" in text and "Aggregated" in text
    history = list(csv.DictReader((folder / "stats_history.csv").open()))
    assert history and history[-1]["Name"] == "Aggregated"
    assert int(history[-1]["Total Request Count"]) <= summary["totals"]["requests"]
    return summary


def test_kill_9_headless_leaves_a_report_the_next_run_finishes(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """--workers 2: the master is killed; its workers must not outlive it, nor run on unseen."""
    write_profiles(tmp_path, LONG, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "long", "--workers", "2", "--checkpoint-interval", "1"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        folder = wait_for_checkpoint(tmp_path / "reports")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2, children
        before = checkpointed_requests(folder)
        wait_for(lambda: checkpointed_requests(folder) > before)  # one more checkpoint: they keep coming
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"left behind: {alive}"
    assert (folder / STATE_FILE).is_file() and not (folder / "report.html").exists()
    served = httpx.get(f"{target.url}/__stats", timeout=5).json()["requests"]

    listed = run_loadtui("reports", cwd=tmp_path)  # finishes the killed run's report, then lists it
    assert listed.returncode == 0, listed.stderr
    assert "was killed before it wrote its report" in listed.stderr and str(folder.name) in listed.stderr
    assert "killed (incomplete)" in listed.stdout
    summary = check_recovered(folder)
    # All but the last second: what the target answered, less what came after the last checkpoint.
    assert 0 < summary["totals"]["requests"] <= served
    assert summary["totals"]["requests"] >= served * 0.5, (summary["totals"], served)
    assert not any((folder / name).exists() for name in OWN_FILES)


def test_a_run_in_progress_is_never_taken_for_a_killed_one(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """Two loadtui runs share a report dir: the second one's start leaves the first's folder alone."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, LONG, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    session = session_for(profile_set, "long", "--checkpoint-interval", "1")
    session.start()
    try:
        wait_for(lambda: session.checkpoints.written > 0 and checkpointed_requests(session.checkpoints.folder) > 0)
        folder = session.checkpoints.folder
        assert recovery.orphaned(tmp_path / "reports") == []  # its writer (this process) is running
        listed = run_loadtui("reports", cwd=tmp_path)
        assert listed.returncode == 0 and "running" in listed.stdout, listed
        assert (folder / STATE_FILE).is_file() and not (folder / "report.html").exists()
    finally:
        result = session.stop()
    assert result.folder == folder  # the final report went into the folder the checkpoints made
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert "incomplete" not in json.loads((folder / "summary.json").read_text())


def test_the_folder_keeps_the_first_profile_s_name_through_a_live_switch(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    body = LONG + '\n[profiles.other]\nusers = 2\nspawn_rate = 50\nrun_time = "2m"\n'
    profile_set = profile_loading.load(
        write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    session = session_for(profile_set, "long", "--checkpoint-interval", "0.5")
    session.start()
    try:
        wait_for(lambda: session.checkpoints.written > 0)
        session.switch_profile(profile_for(profile_set, "other", "--checkpoint-interval", "0.5"))
        written = session.checkpoints.written
        wait_for(lambda: session.checkpoints.written > written)
    finally:
        result = session.stop()
    assert result.folder is not None and result.folder.name.endswith("-long")
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [result.folder.name]
    summary = json.loads((result.folder / "summary.json").read_text())
    assert (summary["initial_profile"], summary["profile"]) == ("long", "other")


def test_a_checkpoint_whose_chart_lags_its_stats_is_recovered(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """The kill can fall after the last chart point and before the last request: Locust's report
    would read "current" figures then (and raise, on stats loaded without their cache)."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, LONG, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    session = session_for(profile_set, "long", "--checkpoint-interval", "0.5")
    session.start()
    try:
        wait_for(lambda: len(session.env.stats.history) >= 1)  # Locust's chart point (one every 5 s)
        copy = copy_after_two_checkpoints(session, tmp_path)
    finally:
        session.stop()
    as_killed(copy)
    chart = (copy / "checkpoint-history.jsonl").read_text().splitlines()
    assert chart
    point = json.loads(chart[0])
    point["time"] = "2026-01-01T00:00:00Z"  # older than the last request, for certain
    (copy / "checkpoint-history.jsonl").write_text(json.dumps(point) + "\n")
    done = recovery.recover(copy)
    assert done.summary["end_reason"] == "killed"
    html = (copy / "report.html").read_text()
    assert html.count('"current_rps": [') >= 2  # the one point kept, and carried to the last request


def test_csv_files_are_brought_up_to_date_while_the_run_goes(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """``--csv PREFIX``: as Locust's writer, stats.csv is rewritten every second and the history
    appended, with no checkpoints at all (``--checkpoint-interval 0``); at the end all four are
    final, equal to the run folder's."""
    write_profiles(tmp_path, LONG, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "long", "--checkpoint-interval", "0",
         "--csv", "out/x", "-t", "30s"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stats = tmp_path / "out" / "x_stats.csv"
    history_csv = tmp_path / "out" / "x_stats_history.csv"

    def aggregated() -> dict[str, str] | None:
        with contextlib.suppress(OSError, IndexError):
            rows = list(csv.DictReader(stats.open()))
            if rows[-1]["Name"] == "Aggregated":
                return rows[-1]
        return None

    def history() -> list[dict[str, str]]:
        with contextlib.suppress(OSError):
            return list(csv.DictReader(history_csv.open()))
        return []

    try:
        wait_for(lambda: (row := aggregated()) is not None and int(row["Request Count"]) > 0)
        first = int(aggregated()["Request Count"])  # type: ignore[index]
        wait_for(lambda: int(aggregated()["Request Count"]) > first)  # type: ignore[index]  # rewritten
        wait_for(lambda: len([r for r in history() if r["Name"] == "Aggregated"]) >= 2)  # appended
        assert proc.poll() is None  # while the run goes
        assert history()[0]["Timestamp"] and "Total Request Count" in history()[0]  # Locust's layout
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    folder = run_folder(tmp_path / "reports")
    summary = json.loads((folder / "summary.json").read_text())
    assert "incomplete" not in summary, stderr
    assert int(aggregated()["Request Count"]) == summary["totals"]["requests"]  # type: ignore[index]
    for name, suffix in (("stats.csv", "_stats.csv"), ("stats_history.csv", "_stats_history.csv")):
        assert (tmp_path / "out" / f"x{suffix}").read_text() == (folder / name).read_text()


RAMP = """
[profiles.ramp]
spawn_rate = 20
ramp = { start = 2, step = 2, every = "2s", max = 200, settle = "0.5s" }
[profiles.ramp.thresholds]
p95_ms = 10000
"""


def test_a_killed_ramp_is_recovered_as_interrupted_with_its_judged_steps(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """A ramp to the limit killed mid-search: its report says the search was interrupted, keeps the
    steps judged so far and their capacity, and is judged as any other run (no capacity verdict)."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, RAMP, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    session = session_for(profile_set, "ramp", "--checkpoint-interval", "0.5")
    session.start()
    try:
        search = session.capacity
        assert search is not None
        wait_for(lambda: len(search.steps) >= 2 and search.steps[0].judged)
        copy = copy_after_two_checkpoints(session, tmp_path)
    finally:
        session.stop()
    checkpointed = json.loads((copy / "summary.json").read_text())["capacity"]
    assert checkpointed["outcome"] == "searching" and checkpointed["steps"][-1]["state"] != "pass"
    as_killed(copy)
    summary = recovery.recover(copy).summary
    capacity = summary["capacity"]
    assert capacity["outcome"] == "interrupted" and "killed" in capacity["detail"]
    assert capacity["verdict"] is None and "verdict_scope" not in summary  # judged as any other run
    assert capacity["steps"] and all(s["state"] in ("pass", "warn", "fail") for s in capacity["steps"])
    assert capacity["steps"] == [s for s in checkpointed["steps"] if s["state"] in ("pass", "warn", "fail")]
    assert capacity["users"] == checkpointed["users"] is not None  # the capacity so far, kept
    text = (copy / "summary.txt").read_text()
    assert "interrupted" in text and "searching" not in text
    assert "searching" not in (copy / "report.html").read_text()
