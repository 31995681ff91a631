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


@pytest.mark.parametrize(
    ("how", "reason"), [("hangup", "hangup"), ("SIGTERM", "terminated"), ("ctrl-c", "interrupted")]
)
def test_app_ended_by_the_terminal_writes_its_report_and_leaves_nothing(tmp_path: Path, how: str, reason: str) -> None:
    write_profiles(tmp_path, PROFILES)  # no host: the bundled demo target is a child process
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, how, "60", "-p", "long"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert driver.stdout is not None
    app = psutil.Process(int(driver.stdout.readline()))
    wait_for_requests(app)  # the demo target (the app's child) has answered some: the run is under way
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
