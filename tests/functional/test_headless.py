"""``loadtui --headless`` as CI runs it: a real subprocess, real signals, exit codes, run folders."""

import csv
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from loadtui.engine.reports import FILES
from tests.helpers import LOCUSTFILES, ROOT, run_loadtui, wait_for_requests, write_profiles

pytestmark = pytest.mark.slow

QUICK = """
[profiles.quick]
users = 5
spawn_rate = 50
run_time = "3s"

[profiles.long]
users = 5
spawn_rate = 50
run_time = "60s"
"""


def only_run_folder(reports: Path) -> Path:
    folders = [p for p in reports.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def check_consistent(folder: Path) -> dict:  # type: ignore[type-arg]
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(FILES), names
    summary = json.loads((folder / "summary.json").read_text())
    aggregated = list(csv.DictReader((folder / "stats.csv").open()))[-1]
    assert aggregated["Name"] == "Aggregated"
    assert int(aggregated["Request Count"]) == summary["totals"]["requests"]
    assert int(aggregated["Failure Count"]) == summary["totals"]["failures"]
    return summary


def test_demo_run_without_any_configuration(tmp_path: Path) -> None:
    """From an empty directory: the packaged profiles, the bundled demo target, a report."""
    done = run_loadtui("--headless", "-t", "4s", "-u", "5", "-r", "50", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert "using the packaged profiles" in done.stderr and "bundled demo target" in done.stderr
    summary = check_consistent(only_run_folder(tmp_path / "reports"))
    assert summary["demo_target"] and summary["profile"] == "light" and summary["end_reason"] == "completed"
    assert summary["totals"]["requests"] > 10
    assert done.returncode == (1 if summary["totals"]["failures"] else 0)
    assert "Aggregated" in done.stderr and "Response time percentiles" in done.stderr  # as Locust prints them
    assert "Aggregated" not in done.stdout  # standard output is the locustfile's, as with locust


def test_exit_1_when_requests_fail_and_failures_are_reported(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = run_loadtui("--headless", "-p", "quick", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    folder = only_run_folder(tmp_path / "reports")
    summary = check_consistent(folder)
    assert summary["totals"]["failures"] > 0
    failures = list(csv.DictReader((folder / "failures.csv").open()))
    assert failures[0]["Name"] == "/status/503" and "503" in failures[0]["Error"]


def test_exit_0_when_nothing_fails(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = run_loadtui("--headless", "-p", "quick", "--tags", "read", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = check_consistent(only_run_folder(tmp_path / "reports"))
    assert summary["totals"]["failures"] == 0 and summary["settings"]["tags"] == ["read"]


def test_refused_connections_are_failures_not_bad_input(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=f"http://127.0.0.1:{port}")
    done = run_loadtui("--headless", "-p", "quick", "-t", "2s", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    summary = check_consistent(only_run_folder(tmp_path / "reports"))
    assert summary["totals"]["requests"] == summary["totals"]["failures"] > 0
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "profiles_text", "expected"),
    [
        (["-p", "nope"], QUICK, "unknown profile 'nope'. Known profiles: quick, long"),
        (
            ["-p", "quick"],
            '[profiles.quick]\nusers = "x"\n',
            'profiles.toml:7: [profiles.quick] users: expected a positive integer, got "x"',
        ),
        (["-p", "quick", "-H", "localhost:8000"], QUICK, "malformed host URL 'localhost:8000'"),
        (["-p", "quick", "-u", "-1"], QUICK, "-u/--users: expected a number of users, got -1"),
        (["-p", "quick", "-t", "soon"], QUICK, "argument -t/--run-time: Invalid time span format"),
        (["-p", "quick", "-f", "missing.py"], QUICK, "missing.py: locustfile not found"),
        (["-p", "quick", "-f", "broken.py"], QUICK, "broken.py:2: syntax error"),
        (["-p", "quick", "-f", "imports.py"], QUICK, "cannot import module 'no_such_module_for_loadtui'"),
        (
            ["-p", "quick", "--tags", "nothing-has-this"],
            QUICK,
            "no task in tagged.py matches tags=['nothing-has-this']",
        ),
        (["--profiles", "absent.toml"], QUICK, "absent.toml: profiles file not found"),
        (["--refresh", "0"], QUICK, "--refresh: expected a positive number"),
        (["-u", "many"], QUICK, "argument -u/--users: invalid int value: 'many'"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(
    tmp_path: Path, args: list[str], profiles_text: str, expected: str
) -> None:
    write_profiles(tmp_path, profiles_text, locustfile=LOCUSTFILES / "tagged.py", host="http://127.0.0.1:9")
    (tmp_path / "broken.py").write_text("from locust import HttpUser\nclass U(HttpUser\n")
    (tmp_path / "imports.py").write_text("import no_such_module_for_loadtui\n")
    done = run_loadtui("--headless", *args, cwd=tmp_path, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@pytest.mark.parametrize(
    ("sig", "reason"),
    [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated"), (signal.SIGHUP, "hangup")],
)
def test_signals_end_the_run_with_a_complete_report_and_no_child_left(
    tmp_path: Path, sig: signal.Signals, reason: str
) -> None:
    """No host: the demo target child is started, and must be gone when loadtui exits."""
    write_profiles(tmp_path, QUICK)
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "long"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 20
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and not children:
        children = parent.children(recursive=True)
        time.sleep(0.2)
    assert children, "the demo target child never started"
    wait_for_requests(parent)  # the demo target has answered some: the run is under way
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode in (0, 1), stderr
    summary = check_consistent(only_run_folder(tmp_path / "reports"))
    assert summary["end_reason"] == reason
    assert summary["totals"]["requests"] > 0 and summary["duration_s"] < 20
    assert "Aggregated" in stderr
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"left behind: {alive}"


def test_run_from_the_checkout_uses_its_profiles(tmp_path: Path) -> None:
    """`--profiles` pointing at the repository's file: its relative locustfile resolves next to it."""
    done = run_loadtui(
        "--headless",
        "--profiles",
        str(ROOT / "profiles.toml"),
        "-p",
        "heavy",
        "-u",
        "4",
        "-r",
        "50",
        "-t",
        "3s",
        "--report-dir",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), done.stderr
    summary = check_consistent(only_run_folder(tmp_path / "out"))
    assert summary["settings"]["weights"] == {"BrowsingUser": 3, "ApiUser": 2}
    assert summary["settings"]["users"] == 4 and summary["profile"] == "heavy"


def test_reports_lists_past_runs_newest_first(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    first = run_loadtui("--headless", "-p", "quick", "-t", "2s", "--tags", "read", cwd=tmp_path)
    # (their folders' timestamps differ: the first run's 2 s are over before the second starts)
    second = run_loadtui("--headless", "-p", "quick", "-t", "2s", cwd=tmp_path)
    assert (first.returncode, second.returncode) == (0, 1)
    (tmp_path / "reports" / "not-a-run").mkdir()  # ignored: no summary, no CSV
    broken = tmp_path / "reports" / "broken-run"
    broken.mkdir()
    (broken / "stats.csv").write_text("Type,Name\n")
    (broken / "summary.json").write_text("{not json")

    listed = run_loadtui("reports", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["started", "profile", "host", "duration"]
    runs = [line for line in lines[1:] if "quick" in line]
    assert len(runs) == 2 and "completed" in runs[0]
    assert runs[0].split()[-1].endswith(only_run_names(tmp_path)[-1])  # newest first
    assert "0.00" in runs[1] and "0.00" not in runs[0].split()[7]  # the older one had no failures
    assert any("unreadable summary.json" in line for line in lines)

    empty = run_loadtui("reports", str(tmp_path / "nothing-here"), cwd=tmp_path)
    assert empty.returncode == 0 and "No runs in" in empty.stderr


def only_run_names(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "reports").iterdir() if p.name.endswith("-quick"))


def test_unwritable_report_dir_exits_2_and_says_where_the_report_went(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    (tmp_path / "not-a-dir").write_text("a file where the report directory should be")
    done = run_loadtui("--headless", "-p", "quick", "-t", "2s", "--report-dir", "not-a-dir/reports", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "cannot write the report to" in done.stderr and "the report was saved to" in done.stderr
    rescued = Path(done.stderr.split("the report was saved to ")[1].split(" instead")[0])
    assert sorted(p.name for p in rescued.iterdir()) == sorted(FILES)
    assert "Aggregated" in done.stderr


def test_a_second_signal_while_the_report_is_written_does_not_corrupt_it(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "long"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # its first progress line: the run is going and its signal handlers are set
        if "req/s" in line:
            break
    proc.send_signal(signal.SIGTERM)
    for _ in range(5):  # an impatient operator
        time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    summary = check_consistent(only_run_folder(tmp_path / "reports"))
    assert summary["end_reason"] == "terminated"
    assert not list((tmp_path / "reports").glob("*/.*.tmp"))


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_report_files_get_the_mode_the_umask_gives(tmp_path: Path, demo_target, umask: int, expected: int) -> None:  # type: ignore[no-untyped-def]
    """Not mkstemp's 0600 under 022: a teammate on the same jump box reads the report."""
    write_profiles(tmp_path, QUICK, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = subprocess.run(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "quick", "-t", "1s",
         "--html", "out/x.html", "--csv", "out/x"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, umask=umask, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    folder = only_run_folder(tmp_path / "reports")
    written = [*folder.iterdir(), *(tmp_path / "out").iterdir()]
    assert len(written) >= len(FILES) + 5
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in written}
    assert set(modes.values()) == {oct(expected)}, modes
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask
