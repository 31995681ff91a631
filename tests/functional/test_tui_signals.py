"""The app under a real pseudo-terminal, ended the ways an SSH session ends.

A small driver forks loadtui onto a new pty (as sshd does), drains its output, then either closes
the pty's master side (the connection dropped: the kernel sends SIGHUP to the session) or sends a
signal. Every way must leave a complete run folder with the right end_reason and no child process.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from loadtui.engine.reports import FILES
from tests.helpers import wait_for_requests, write_profiles

pytestmark = pytest.mark.slow

DRIVER = r"""
import fcntl, os, pty, select, signal, struct, sys, termios, time
how, seconds, *args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    os.execvp(sys.executable, [sys.executable, "-m", "loadtui", *args])
print(pid, flush=True)
def drain(until, stop_on_input=False):
    while time.time() < until:
        watched = [fd, sys.stdin] if stop_on_input else [fd]
        ready, _, _ = select.select(watched, [], [], 0.1)
        if sys.stdin in ready:
            sys.stdin.readline()
            return
        if fd in ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return
drain(time.time() + float(seconds), stop_on_input=True)  # until the test says "go"
if how == "hangup":
    os.close(fd)  # the terminal is gone: the kernel sends SIGHUP to the session
elif how == "ctrl-c":
    os.write(fd, b"\x03")  # typed at the terminal: in raw mode a key, not a signal
    drain(time.time() + 20)
else:
    os.kill(pid, getattr(signal, how))
    drain(time.time() + 20)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), flush=True)
"""

PROFILES = """
[profiles.long]
users = 4
spawn_rate = 50
run_time = "2m"
"""


def drive(tmp_path: Path, how: str, *args: str) -> tuple[subprocess.Popen[str], psutil.Process]:
    """The app on a pty of the driver's, its run under way (its demo target has answered); the
    driver ends it ``how`` once the test writes a line to it."""
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, how, "60", *args],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert driver.stdout is not None
    app = psutil.Process(int(driver.stdout.readline()))
    wait_for_requests(app)
    return driver, app


@pytest.mark.parametrize(
    ("how", "reason"), [("hangup", "hangup"), ("SIGTERM", "terminated"), ("ctrl-c", "interrupted")]
)
def test_app_ended_by_the_terminal_writes_its_report_and_leaves_nothing(tmp_path: Path, how: str, reason: str) -> None:
    write_profiles(tmp_path, PROFILES)  # no host: the bundled demo target is a child process
    driver, app = drive(tmp_path, how, "-p", "long")
    children = app.children(recursive=True)
    assert children, "the demo target should be running"
    started = time.monotonic()
    out, _ = driver.communicate("go\n", timeout=40)
    took = time.monotonic() - started
    exit_code = int(out.split()[-1])
    assert exit_code in (0, 1), exit_code  # 0/1 by failures, not a crash
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"left behind: {alive}"
    folders = list((tmp_path / "reports").iterdir())
    assert len(folders) == 1
    names = sorted(p.name for p in folders[0].iterdir())
    assert names == sorted(FILES)
    summary = json.loads((folders[0] / "summary.json").read_text())
    assert summary["end_reason"] == reason and summary["totals"]["requests"] > 0
    assert took < 15, f"took {took:.1f}s to end"


def test_app_killed_with_sigkill_leaves_a_checkpoint_the_next_start_finishes(tmp_path: Path) -> None:
    """No handler runs: the folder's last checkpoint is what is left, and the next run finishes it."""
    write_profiles(tmp_path, PROFILES + '\n[profiles.short]\nusers = 1\nspawn_rate = 10\nrun_time = "1s"\n')
    driver, app = drive(tmp_path, "SIGKILL", "-p", "long", "--checkpoint-interval", "1")
    children = app.children(recursive=True)
    deadline = time.monotonic() + 30
    checkpoint = None
    while checkpoint is None and time.monotonic() < deadline:  # a checkpoint with requests in it
        found = list((tmp_path / "reports").glob("*-long/summary.json"))
        if found and json.loads(found[0].read_text() or "{}").get("totals", {}).get("requests"):
            checkpoint = found[0].parent
        time.sleep(0.1)
    assert checkpoint is not None, "no checkpoint was written"
    out, _ = driver.communicate("go\n", timeout=40)
    assert int(out.split()[-1]) == -9
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"left behind: {alive}"
    assert not (checkpoint / "report.html").exists()

    after = subprocess.run(
        [sys.executable, "-m", "loadtui", "--headless", "-p", "short"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert after.returncode in (0, 1), after.stderr
    assert f"A run was killed before it wrote its report: {checkpoint}" in after.stderr
    assert sorted(p.name for p in checkpoint.iterdir()) == sorted(FILES)
    summary = json.loads((checkpoint / "summary.json").read_text())
    assert summary["end_reason"] == "killed" and summary["totals"]["requests"] > 0
