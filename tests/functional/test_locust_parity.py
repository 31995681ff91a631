"""A real-world locustfile behaves under loadtui exactly as under ``locust``: hooks, options, exit code.

tests/functional/locustfiles/hooks.py logs in once in test_start (the token server it runs against
refuses every request without that token), reads options of its own, counts requests in a request
listener and sets ``environment.process_exit_code`` when Locust quits. Each hook writes what it saw
to a file. The same command line runs under ``locust`` itself and under loadtui (headless, with
worker processes, and under the dashboard with its users in a worker), and what ran is compared.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import LOCUSTFILES, run_loadtui

pytestmark = pytest.mark.slow

HOOKS = LOCUSTFILES / "hooks.py"
HOOKS_FIRED = ("init", "test_start", "test_stop", "quitting", "quit")
DISTRIBUTED = {(hook, kind) for hook in HOOKS_FIRED for kind in ("master", "worker")}
"""Every hook fires on the master and on each worker, as Locust fires them."""


def hook_lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def seen(records: list[dict]) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    """(hook, kind of process) pairs: what fired where, whatever the pids."""
    return {(r["hook"], r["kind"]) for r in records}


def common_args(url: str, log: Path) -> list[str]:
    return ["-f", str(HOOKS), "-u", "4", "-r", "20", "-t", "3s", "-H", url, "--hook-log", str(log),
            "--api-user", "alice", "--exit-code-when-done", "3"]  # fmt: skip


def run_locust(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "locust", *args],
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


def only_summary(cwd: Path) -> dict:  # type: ignore[type-arg]
    folders = [p for p in (cwd / "reports").iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    return json.loads((folders[0] / "summary.json").read_text())


def run_log(cwd: Path) -> str:
    return next(p for p in (cwd / "reports").iterdir() if p.is_dir()).joinpath("run.log").read_text()


def check_run(records: list[dict], server_before: dict, server_after: dict, requests: int | None) -> None:  # type: ignore[type-arg]
    assert all(r["api_user"] == "alice" for r in records if "api_user" in r)  # the custom option reached every hook
    assert server_after["refused"] == server_before["refused"]  # every request carried test_start's token
    logins = server_after["logins"] - server_before["logins"]
    assert logins == sum(1 for r in records if r["hook"] == "test_start" and r["kind"] != "master")
    answered = server_after["answered"] - server_before["answered"]
    assert answered > 20
    counted = sum(r["requests_seen"] for r in records if r["hook"] == "test_stop")
    assert counted > 0 and answered - 8 <= counted <= answered  # the request listener saw them (less in-flight)
    if requests is not None:  # loadtui's report agrees with the server, less the requests in flight at the stop
        assert answered - 8 <= requests <= answered, (answered, requests)


def test_headless_in_one_process_as_locust(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    locust_log, loadtui_log = tmp_path / "locust.jsonl", tmp_path / "loadtui.jsonl"
    before = token_server.stats()
    locust = run_locust("--headless", *common_args(token_server.url, locust_log), cwd=tmp_path)
    middle = token_server.stats()
    loadtui = run_loadtui("--headless", *common_args(token_server.url, loadtui_log), cwd=tmp_path, timeout=90)
    after = token_server.stats()

    assert locust.returncode == 3, locust.stderr
    assert loadtui.returncode == 3, loadtui.stderr
    expected = {(hook, "local") for hook in HOOKS_FIRED}
    assert seen(hook_lines(locust_log)) == expected
    assert seen(hook_lines(loadtui_log)) == expected
    assert [r["hook"] for r in hook_lines(loadtui_log)] == [r["hook"] for r in hook_lines(locust_log)]
    check_run(hook_lines(locust_log), before, middle, None)
    check_run(hook_lines(loadtui_log), middle, after, only_summary(tmp_path)["totals"]["requests"])
    assert "exit code 3, set by the locustfile" in loadtui.stderr
    # What user code prints and logs: on the terminal as with locust, and in run.log.
    assert "first request made" in loadtui.stdout and "first request made" in locust.stdout
    assert "logged in as alice" in loadtui.stderr and "logged in as alice" in locust.stderr
    assert "first request made" in run_log(tmp_path) and "logged in as alice" in run_log(tmp_path)


def test_with_worker_processes_as_locust_processes(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    locust_log, loadtui_log = tmp_path / "locust.jsonl", tmp_path / "loadtui.jsonl"
    before = token_server.stats()
    locust = run_locust("--headless", "--processes", "2", *common_args(token_server.url, locust_log), cwd=tmp_path)
    middle = token_server.stats()
    loadtui = run_loadtui(
        "--headless", "--workers", "2", *common_args(token_server.url, loadtui_log), cwd=tmp_path, timeout=90
    )
    after = token_server.stats()

    assert locust.returncode == 3, locust.stderr
    assert loadtui.returncode == 3, loadtui.stderr
    expected = DISTRIBUTED
    assert seen(hook_lines(locust_log)) == expected
    assert seen(hook_lines(loadtui_log)) == expected
    for records in (hook_lines(locust_log), hook_lines(loadtui_log)):
        workers = {r["pid"] for r in records if r["kind"] == "worker"}
        assert len(workers) == 2  # init and test_start in each worker
        assert sum(1 for r in records if r["hook"] == "init") == 3  # the master's and each worker's
        inits = [r for r in records if r["hook"] == "init"]  # the options and host each process sees
        assert {(r["kind"], r["master"], r["worker"], r["host"]) for r in inits} == {
            ("master", True, False, token_server.url),
            ("worker", False, True, token_server.url),
        }
    check_run(hook_lines(locust_log), before, middle, None)
    check_run(hook_lines(loadtui_log), middle, after, only_summary(tmp_path)["totals"]["requests"])
    # What each worker prints reaches standard output, as under locust, and run.log; what it logs
    # reaches stderr (by worker) and run.log.
    assert locust.stdout.count("first request made") == loadtui.stdout.count("first request made") == 2
    log = run_log(tmp_path)
    for worker in ("worker 1", "worker 2"):
        assert f"{worker} stdout: first request made" in log and f"{worker} INFO: hooks: logged in as alice" in log
        assert f"[{worker}] hooks: logged in as alice" in loadtui.stderr


DASHBOARD = r"""
import fcntl, os, pty, select, signal, struct, sys, termios, time
log, *args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    os.execvp(sys.executable, [sys.executable, "-m", "loadtui", *args])
def drain(until, done=lambda: False):
    while time.time() < until and not done():
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return
def stopped():
    try:
        return sum('"test_stop"' in line for line in open(log)) >= 2  # the master's and the worker's
    except OSError:
        return False
drain(time.time() + 60, stopped)  # the run ends by itself (-t): its ended view stays up
os.write(fd, b"q")
drain(time.time() + 20)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), flush=True)
"""


def test_under_the_dashboard_with_its_users_in_a_worker(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "loadtui.jsonl"
    before = token_server.stats()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", DASHBOARD, str(log), "-p", "light", *common_args(token_server.url, log)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    after = token_server.stats()
    assert int(done.stdout.split()[-1]) == 3, (done.stdout[-2000:], time.monotonic() - started)
    records = hook_lines(log)
    expected = DISTRIBUTED
    assert seen(records) == expected
    check_run(records, before, after, only_summary(tmp_path)["totals"]["requests"])
    assert "worker 1 stdout: first request made" in run_log(tmp_path)  # the Logs tab's lines, kept


def test_a_plain_locust_worker_elsewhere_joins_and_its_log_is_forwarded(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    """``loadtui --master`` with ``locust --worker`` (Locust's own, as on another machine): the hooks
    fire on both, the master's custom options reach the worker with the spawn messages, and the
    worker's log lines come back through Locust's log forwarding into run.log."""
    log = tmp_path / "hooks.jsonl"
    port = str(free_port())
    worker = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(HOOKS), "--worker", "--master-port", port, "--hook-log", str(log)],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Locust's worker forwards its log every 10 s (WORKER_LOG_REPORT_INTERVAL): a run longer than that.
        master = run_loadtui(
            "--headless", "--master", "--expect-workers", "1", "--master-bind-host", "127.0.0.1",
            "--master-bind-port", port, "-f", str(HOOKS), "-u", "2", "-r", "10", "-t", "12s", "-H", token_server.url,
            "--hook-log", str(log), "--api-user", "erin", cwd=tmp_path, timeout=90,
        )  # fmt: skip
    finally:
        worker.wait(timeout=30)
    assert master.returncode == 0, master.stderr
    records = hook_lines(log)
    assert seen(records) >= {("init", "master"), ("test_start", "worker"), ("test_stop", "worker")}
    assert {r["api_user"] for r in records if r["hook"] == "test_start"} == {"erin"}  # sent with the spawn
    run_log = (next(p for p in (tmp_path / "reports").iterdir()) / "run.log").read_text()
    forwarded = [line for line in run_log.splitlines() if "logged in as erin" in line]
    assert forwarded and " loadtui " not in forwarded[0]  # a line from the worker, by its id


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
