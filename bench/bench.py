"""Does loadtui cost the load generator anything? Requests/s against Locust itself, A/B alternated.

    .venv/bin/python bench/bench.py                 # ~5 minutes, prints the table
    .venv/bin/python bench/bench.py --write         # and writes bench/RESULTS.md
    .venv/bin/python bench/bench.py --reps 5 --seconds 15

Cases, each run ``--reps`` times in rotation (A B C A B C ...) so that the noise of a shared
machine falls on all of them alike; the table reports medians:

1. ``locust --headless`` alone (the reference);
2. ``loadtui --headless``;
3. ``loadtui`` with the full dashboard open, on a pseudo-terminal, as over SSH;
4. the dashboard again with 3000 distinct endpoint names: requests/s; the refresh time, from the
   timer's tick to the end of the frame that draws its snapshot (median, p95), and the CPU time
   the app's main thread used in that time (wall time well above it means the machine, not the
   app, was busy); the time from a key press (``o``, the next sort) to the end of the frame that
   shows the rows by the new sort; and peak RSS. Timed in the app process, under Textual's
   headless driver (no terminal to write to);
   4b. the same with the users in one worker process, as the app runs by default;
5. ``loadtui --headless --workers 2`` against one process;
6. the run folder's checkpoint (every 5 s, the default) against none (``--checkpoint-interval
   0``): headless requests/s with 1 and with 3000 names, and the dashboard's refresh with 3000
   names, with the time one checkpoint takes in the app process (median, max); and (6d) 3000
   names with ``--csv`` too, its files rewritten every second as Locust's writer does.

7. the dashboard with 3000 names as in 4, A/B against the code before "See inside an endpoint"
   (``--before``, a commit run from a ``git archive`` of it): this code, and this code with the
   first endpoint's view open (the key then is Enter and Escape in turn), with the growth of
   peak RSS; 7c again with the users in one worker process, the app's default (7e); with
   ``--view-before REV``, also REV with the view open (7d), for Enter and Escape A/B.
   Enter and Escape are timed to the first frame that shows the panel or the dashboard.

``--only 6`` runs only the cases named (a comma-separated list of 1-7).

The target is nginx on a loopback port when nginx is installed (``apt-get install nginx``), else
loadtui's bundled demo target (much slower: then the target, not the generator, is the limit).
Only 127.0.0.1 is ever contacted.
"""

# isort: off
import locust  # gevent must patch the process before anything imports ssl

# isort: on
import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCUSTFILE = HERE / "locustfile.py"
USERS = 10


# --- the target -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def target() -> Iterator[tuple[str, str]]:
    """(base URL, description) of a fast loopback HTTP server for the run's length."""
    nginx = shutil.which("nginx")
    if nginx is None:
        from loadtui.engine.demo_target import DemoTarget

        with DemoTarget() as demo:
            assert demo.url is not None
            yield demo.url, "loadtui's demo target (nginx not installed: the target may be the limit)"
        return
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"""
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
    server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }}
}}
"""
        )
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", tmp], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}", "nginx (1 worker process) on loopback"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


# --- the cases ------------------------------------------------------------------------------------


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _profiles(directory: Path, url: str, tags: str, workers: int = 0) -> Path:
    path = directory / "profiles.toml"
    path.write_text(
        f'[defaults]\nlocustfile = "{LOCUSTFILE}"\nhost = "{url}"\nreport_dir = "{directory / "reports"}"\n\n'
        f'[profiles.bench]\nusers = {USERS}\nspawn_rate = {USERS}\ntags = ["{tags}"]\nworkers = {workers}\n'
    )
    return path


def _summary(directory: Path) -> dict[str, Any]:
    found = sorted((directory / "reports").glob("*/summary.json"))
    if not found:
        raise RuntimeError(f"no summary.json under {directory}")
    return dict(json.loads(found[-1].read_text()))


def locust_alone(url: str, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        _python(
            "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(USERS), "-r", str(USERS),
            "-t", f"{seconds}s", "-H", url, "--tags", "one", "--json", "--only-summary",
        ),
        capture_output=True, text=True, timeout=seconds + 60, check=False,
    )  # fmt: skip
    entries = json.loads(done.stdout)
    requests = sum(e["num_requests"] for e in entries)
    span = max(e["last_request_timestamp"] for e in entries) - min(e["start_time"] for e in entries)
    return {"rps": requests / span}


def loadtui_headless(url: str, seconds: int, *extra: str, tags: str = "one") -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-") as tmp:
        profiles = _profiles(Path(tmp), url, tags)
        subprocess.run(
            _python(
                "-m", "loadtui", "--headless", "--profiles", str(profiles), "-p", "bench", "-t", f"{seconds}s", *extra
            ),
            cwd=tmp, capture_output=True, timeout=seconds + 90, check=False,
        )  # fmt: skip
        return {"rps": float(_summary(Path(tmp))["totals"]["rps"])}


PTY_DRIVER = r"""
import fcntl, os, pty, select, struct, sys, termios, time
report_dir, *args = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    os.execvp(sys.executable, [sys.executable, "-m", "loadtui", *args])
print(pid, flush=True)
def done():
    return any(name == "summary.json" for _, _, files in os.walk(report_dir) for name in files)
quit_sent = 0.0
written = []  # (when, bytes) the app wrote to its terminal, until its run ended
while True:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            break
        if not quit_sent:
            written.append((time.monotonic(), len(data)))
    if done() and time.time() - quit_sent > 2:
        os.write(fd, b"q")  # the run ended by itself; leave the run-ended view
        quit_sent = time.time()
os.waitpid(pid, 0)
# Bytes a second sent to the terminal while the run was live, after its first 3 s (start-up
# draws the whole screen): what a dashboard costs a link over SSH.
live = [(when, size) for when, size in written if when >= written[0][0] + 3] if written else []
span = live[-1][0] - live[0][0] if len(live) > 1 else 0.0
print(sum(size for _, size in live[1:]) / span if span else 0.0, flush=True)
"""


def on_pty(directory: Path, profiles: Path, profile: str, seconds: int) -> tuple[subprocess.Popen[str], psutil.Process]:
    """Starts the whole app on a pseudo-terminal in ``directory`` (reports under ``reports``);
    returns the driver, which ends when the app does, and the app's process."""
    driver = subprocess.Popen(
        _python(
            "-c", PTY_DRIVER, str(directory / "reports"),
            "--profiles", str(profiles), "-p", profile, "-t", f"{seconds}s",
        ),
        cwd=directory, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert driver.stdout is not None
    return driver, psutil.Process(int(driver.stdout.readline()))


def loadtui_dashboard(url: str, seconds: int, tags: str = "one", workers: int = 0) -> dict[str, float]:
    """The whole app on a pseudo-terminal (its output drained as a terminal would)."""
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-") as tmp:
        profiles = _profiles(Path(tmp), url, tags, workers)
        driver, app = on_pty(Path(tmp), profiles, "bench", seconds)
        peak = 0
        while driver.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, app.memory_info().rss)
            time.sleep(0.25)
        assert driver.stdout is not None
        tty = float(driver.stdout.read().split()[-1])
        return {
            "rps": float(_summary(Path(tmp))["totals"]["rps"]),
            "peak_rss_mb": peak / 2**20,
            "tty_kb_s": tty / 1024,
        }


IN_APP = r"""
import locust  # noqa
import asyncio, json, statistics, sys, time
from pathlib import Path
import psutil
from textual.screen import Screen
from loadtui.engine import command_line, profile_loading
from loadtui.engine.planning import Planner
from loadtui.ui.app import LoadTuiApp

profiles_path, seconds, *extra = sys.argv[1], float(sys.argv[2]), *sys.argv[3:]
argv = ["--profiles", profiles_path, "-p", "bench", *extra]
planner = Planner(argv, profile_loading.load(profiles_path), command_line.first_pass(argv), dashboard=True)
updates, update_cpu, applied, keys, checkpoints, peak = [], [], [], [], [], 0

from loadtui.engine.checkpoint import Checkpoints
write_checkpoint = Checkpoints.write
import os
forks = []
real_fork = os.fork
def timed_fork():  # what the app's loop waits for: the fork itself (the child does the rest)
    started = time.perf_counter()
    pid = real_fork()
    if pid:
        forks.append(1000 * (time.perf_counter() - started))
    return pid
os.fork = timed_fork
def timed_checkpoint(self, *args):
    # until the files are written (the child's work, while the app goes on)
    started = time.perf_counter()
    write_checkpoint(self, *args)
    checkpoints.append((1000 * (time.perf_counter() - started), forks[-1] if forks else 0.0))
Checkpoints.write = timed_checkpoint
waiting = {}  # "tick" or "key" -> [when it started, whether its result is on the screen yet,
#                                    and for a tick the main thread's CPU time then]
pressed = [""]  # the key being timed, and its times by key (Enter and Escape apart)
by_key = {}

# Both are timed to the end of the frame that draws their result: what a person sees. The frame
# is Screen._compositor_refresh (Textual's), wrapped here; the app itself is unchanged.
drawn = Screen._compositor_refresh
def compositor_refresh(self):
    drawn(self)
    now = time.perf_counter()
    for what, (started, shown, *cpu) in list(waiting.items()):
        if shown and (what != "key" or on_screen(self, pressed[0])):
            (updates if what == "tick" else keys).append(1000 * (now - started))
            if what == "key":
                by_key.setdefault(pressed[0], []).append(1000 * (now - started))
            if cpu:
                update_cpu.append(1000 * (time.thread_time() - cpu[0]))
            del waiting[what]
Screen._compositor_refresh = compositor_refresh

# Enter and Escape are done when the frame shows the endpoint's panel or the dashboard (the
# widget in the middle of the table's place), not at the first frame after their handlers: until
# 2026-12-04 Escape's was a frame drawn before the layout that shows the dashboard, so the screen
# still showed the panel, and that layout fell in the next Enter's time.
def on_screen(screen, key):
    if key not in ("enter", "escape"):
        return True
    try:
        widget, _ = screen.get_widget_at(5, 25)
    except Exception:
        return False
    in_panel = any(node.id == "endpoint-panel" for node in widget.ancestors_with_self)
    return in_panel if key == "enter" else not in_panel

def shown(what):
    if what in waiting:
        waiting[what][1] = True

class TimedApp(LoadTuiApp):
    # Textual finds CSS_PATH next to the class's source file, which code run with -c has not.
    CSS_PATH = str(Path(sys.modules[LoadTuiApp.__module__].__file__).parent / LoadTuiApp.CSS_PATH)

    def refresh_snapshot(self):
        if "key" not in waiting:  # a tick while a key is answered times the key's work too
            waiting.setdefault("tick", [time.perf_counter(), False, time.thread_time()])
        super().refresh_snapshot()

# The handlers are wrapped in place, not overridden: Textual calls the handler of every class in
# the app's MRO, so a subclass's handler that called super() would run the app's twice.
show_tick = LoadTuiApp.on_snapshot_ready
def on_snapshot_ready(self, message):
    show_tick(self, message)
    if "tick" in waiting:  # the tick's snapshot is in the widgets; the frame draws it next
        applied.append(1000 * (time.perf_counter() - waiting["tick"][0]))
    shown("tick")
LoadTuiApp.on_snapshot_ready = on_snapshot_ready

show_view = LoadTuiApp.on_endpoint_view_changed
def on_endpoint_view_changed(self, message):
    show_view(self, message)
    shown("key")
LoadTuiApp.on_endpoint_view_changed = on_endpoint_view_changed

# With an endpoint's view open (LOADTUI_BENCH_ENDPOINT=1) the key is Enter then Escape in turn:
# the view opened with its snapshot in it, then the dashboard shown again, with its snapshot
# drawn. The view is a panel of the dashboard: on Escape the dashboard draws its panels from the
# latest snapshot (show_latest), and the first frame after that which shows the dashboard is the
# one timed (on_screen). Until 2026-12-04 the view was a screen of its own, and the frame after
# on_screen_resume was timed.
ENDPOINT_VIEW = os.environ.get("LOADTUI_BENCH_ENDPOINT") == "1"
if ENDPOINT_VIEW:
    from loadtui.ui.screens.dashboard import DashboardScreen
    show_opened = LoadTuiApp.on_endpoint_opened
    def on_endpoint_opened(self, message):
        show_opened(self, message)
        shown("key")
    LoadTuiApp.on_endpoint_opened = on_endpoint_opened
    show_latest = DashboardScreen.show_latest
    def shown_again(self):
        show_latest(self)
        shown("key")
    DashboardScreen.show_latest = shown_again

async def main():
    global peak
    app = TimedApp(planner, profile="bench", refresh=1.0, settle_heap=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.sleep(3)  # the run starts and its names appear
        updates.clear()
        update_cpu.clear()
        applied.clear()
        end = time.monotonic() + seconds
        if ENDPOINT_VIEW:
            app.simulate_key("enter")
            await asyncio.sleep(1.5)
        while time.monotonic() < end:
            await asyncio.sleep(0.7)
            # `o` cycles the endpoint table's sort: from the key event to the frame that shows
            # the rows by the new sort (Pilot's press() waits for an idle app, which a busy one
            # never is). With the view open: Escape, then Enter at once, each timed (the view is
            # open for all but those few milliseconds).
            for key in ("escape", "enter") if ENDPOINT_VIEW else ("o",):
                # Not while a tick is drawn: each is timed alone (the key would wait for it).
                while "tick" in waiting and time.perf_counter() - waiting["tick"][0] < 2:
                    await asyncio.sleep(0.002)
                waiting["key"] = [time.perf_counter(), False]
                pressed[0] = key
                app.simulate_key(key)
                while "key" in waiting and time.perf_counter() - waiting["key"][0] < 10:
                    await asyncio.sleep(0.002)
            peak = max(peak, psutil.Process().memory_info().rss)
        result = app.session.stop("stopped")
    return result

# On the app's own loop (loadtui/ui/event_loop.py), as `loadtui` runs it; code from before it
# had none, and ran on asyncio's default loop.
try:
    from loadtui.ui.event_loop import new_event_loop
except ImportError:
    new_event_loop = None
if os.environ.get("LOADTUI_BENCH_DEFAULT_LOOP") == "1":
    new_event_loop = None
with asyncio.Runner(loop_factory=new_event_loop) as runner:
    result = runner.run(main())
print(json.dumps({"rps": result.summary["totals"]["rps"], "names": len(result.summary["endpoints"]),
                  "updates": updates, "update_cpu": update_cpu, "applied": applied, "keys": keys,
                  "by_key": by_key,
                  "checkpoints": checkpoints,
                  "peak_rss_mb": peak / 2**20}))
"""


def dashboard_names_in_app(
    url: str, seconds: int, workers: int = 0, *extra: str, code: Path | None = None, endpoint_view: bool = False
) -> dict[str, float]:
    """The dashboard with 3000 names, timed inside the app process (Textual's headless driver).

    ``code``: a checkout of loadtui to run instead of this one (case 7's "before"); with
    ``endpoint_view`` the first endpoint's view is open, and the key is Enter/Escape in turn."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    if endpoint_view:
        env["LOADTUI_BENCH_ENDPOINT"] = "1"
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-") as tmp:
        profiles = _profiles(Path(tmp), url, "names", workers)
        done = subprocess.run(
            _python("-c", IN_APP, str(profiles), str(seconds), *extra),
            cwd=tmp, env=env, capture_output=True, text=True, timeout=seconds + 90, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"the in-app run failed:\n{done.stderr[-3000:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
        updates = sorted(data["updates"])
        applied = sorted(data["applied"])
        cpu = sorted(data["update_cpu"])
        keys = sorted(data["keys"])
        return {
            "rps": data["rps"],
            "names": data["names"],
            "update_median_ms": statistics.median(updates),
            "update_p95_ms": updates[int(0.95 * (len(updates) - 1))],
            "cpu_median_ms": statistics.median(cpu),
            "cpu_p95_ms": cpu[int(0.95 * (len(cpu) - 1))],
            "applied_median_ms": statistics.median(applied),
            "applied_p95_ms": applied[int(0.95 * (len(applied) - 1))],
            "key_median_ms": statistics.median(keys),
            "key_p95_ms": keys[int(0.95 * (len(keys) - 1))],
            **{
                f"{key}_{what}_ms": figure
                for key, times in data.get("by_key", {}).items()
                for what, figure in (
                    ("median", statistics.median(times)),
                    ("p95", sorted(times)[int(0.95 * (len(times) - 1))]),
                )
            },
            "peak_rss_mb": data["peak_rss_mb"],
            "checkpoint_median_ms": statistics.median(w for w, _ in data["checkpoints"])
            if data["checkpoints"]
            else 0.0,
            "fork_median_ms": statistics.median(f for _, f in data["checkpoints"]) if data["checkpoints"] else 0.0,
            "fork_max_ms": max((f for _, f in data["checkpoints"]), default=0.0),
        }


# --- the table ------------------------------------------------------------------------------------


def rotate(cases: dict[str, Callable[[], dict[str, float]]], reps: int) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for rep in range(reps):
        for name, run in cases.items():
            started = time.monotonic()
            results[name].append(run())
            print(
                f"  rep {rep + 1}/{reps} {name}: {results[name][-1]} ({time.monotonic() - started:.0f}s)",
                file=sys.stderr,
            )
    return results


ANALYSIS = "## What the figures say"


def write_results(path: Path, table: str) -> None:
    """``path`` (bench/RESULTS.md, bench/ENDURANCE.md): the new table; the written analysis below
    it is kept."""
    old = path.read_text() if path.exists() else ""
    kept = old[old.index(ANALYSIS) :] if ANALYSIS in old else ""
    path.write_text(table + ("\n" + kept if kept else ""))


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def names_row(label: str, n: list[dict[str, float]], base: float) -> tuple[str, str, str, str]:
    return (
        f"{label}, {median(n, 'names'):.0f} names (vs locust, 1 name)",
        f"{median(n, 'rps'):,.0f}",
        f"{median(n, 'rps') / base:.2f}",
        f"refresh (tick to drawn) median {median(n, 'update_median_ms'):.0f} ms, "
        f"p95 {median(n, 'update_p95_ms'):.0f} ms (CPU in that time: median {median(n, 'cpu_median_ms'):.0f} ms, "
        f"p95 {median(n, 'cpu_p95_ms'):.0f} ms; in the widgets: median "
        f"{median(n, 'applied_median_ms'):.0f} ms, p95 {median(n, 'applied_p95_ms'):.0f} ms); "
        f"key to drawn median {median(n, 'key_median_ms'):.0f} ms, p95 {median(n, 'key_p95_ms'):.0f} ms; "
        f"peak RSS {median(n, 'peak_rss_mb'):.0f} MB",
    )


def single_rows(url: str, s: int, reps: int) -> list[tuple[str, str, str, str]]:
    single = rotate(
        {
            "locust": lambda: locust_alone(url, s),
            "headless": lambda: loadtui_headless(url, s),
            "dashboard": lambda: loadtui_dashboard(url, s),
            "dashboard_worker": lambda: loadtui_dashboard(url, s, workers=1),
        },
        reps,
    )
    base = median(single["locust"], "rps")
    return [
        ("1. locust --headless", f"{base:,.0f}", "1.00", ""),
        (
            "2. loadtui --headless",
            f"{median(single['headless'], 'rps'):,.0f}",
            f"{median(single['headless'], 'rps') / base:.2f}",
            "",
        ),
        (
            "3. loadtui, dashboard on a pty",
            f"{median(single['dashboard'], 'rps'):,.0f}",
            f"{median(single['dashboard'], 'rps') / base:.2f}",
            f"peak RSS {median(single['dashboard'], 'peak_rss_mb'):.0f} MB; "
            f"to the terminal {median(single['dashboard'], 'tty_kb_s'):.1f} KB/s",
        ),
        (
            "3b. loadtui, dashboard on a pty, users in 1 worker process",
            f"{median(single['dashboard_worker'], 'rps'):,.0f}",
            f"{median(single['dashboard_worker'], 'rps') / base:.2f}",
            f"peak RSS (UI process) {median(single['dashboard_worker'], 'peak_rss_mb'):.0f} MB; "
            f"to the terminal {median(single['dashboard_worker'], 'tty_kb_s'):.1f} KB/s",
        ),
    ]


def names_rows(url: str, s: int, reps: int) -> list[tuple[str, str, str, str]]:
    names = rotate(
        {
            "locust": lambda: locust_alone(url, s),
            "dashboard_names": lambda: dashboard_names_in_app(url, s),
            "dashboard_names_worker": lambda: dashboard_names_in_app(url, s, workers=1),
        },
        reps,
    )
    base = median(names["locust"], "rps")
    return [
        names_row("4. dashboard", names["dashboard_names"], base),
        names_row("4b. dashboard, users in 1 worker process", names["dashboard_names_worker"], base),
    ]


def checkpoint_rows(url: str, s: int, reps: int) -> list[tuple[str, str, str, str]]:
    """Checkpoints every 5 s (the default) against none, in rotation."""
    off = ("--checkpoint-interval", "0")
    runs = rotate(
        {
            "on": lambda: loadtui_headless(url, s),
            "off": lambda: loadtui_headless(url, s, *off),
            "names_on": lambda: loadtui_headless(url, s, tags="names"),
            "names_off": lambda: loadtui_headless(url, s, *off, tags="names"),
            "names_csv": lambda: loadtui_headless(url, s, "--csv", "out/x", tags="names"),
            "app_on": lambda: dashboard_names_in_app(url, s),
            "app_off": lambda: dashboard_names_in_app(url, s, 0, *off),
        },
        reps,
    )

    def ratio(on: str, off: str) -> str:
        return f"{median(runs[on], 'rps') / median(runs[off], 'rps'):.2f}"

    app_on, app_off = runs["app_on"], runs["app_off"]
    return [
        (
            "6. loadtui --headless, checkpoint every 5 s (vs none)",
            f"{median(runs['on'], 'rps'):,.0f}",
            ratio("on", "off"),
            f"none: {median(runs['off'], 'rps'):,.0f} req/s",
        ),
        (
            "6b. the same, 3000 names",
            f"{median(runs['names_on'], 'rps'):,.0f}",
            ratio("names_on", "names_off"),
            f"none: {median(runs['names_off'], 'rps'):,.0f} req/s",
        ),
        (
            "6d. the same, 3000 names, checkpoint every 5 s and --csv every second (vs checkpoints alone)",
            f"{median(runs['names_csv'], 'rps'):,.0f}",
            ratio("names_csv", "names_on"),
            f"checkpoints alone: {median(runs['names_on'], 'rps'):,.0f} req/s",
        ),
        (
            "6c. dashboard, 3000 names, checkpoint every 5 s (vs none)",
            f"{median(app_on, 'rps'):,.0f}",
            ratio("app_on", "app_off"),
            f"refresh p95 {median(app_on, 'update_p95_ms'):.0f} ms (none: {median(app_off, 'update_p95_ms'):.0f} ms), "
            f"key p95 {median(app_on, 'key_p95_ms'):.0f} ms (none: {median(app_off, 'key_p95_ms'):.0f} ms); "
            f"one checkpoint: written in median {median(app_on, 'checkpoint_median_ms'):.0f} ms by a child; "
            f"the app's loop waits only for the fork: median {median(app_on, 'fork_median_ms'):.1f} ms, "
            f"max {max(r['fork_max_ms'] for r in app_on):.1f} ms",
        ),
    ]


BEFORE_ENDPOINT_VIEW = "caefd11"
"""The last commit before "See inside an endpoint" (status codes, tail percentiles, per-endpoint
history, the endpoint view): case 7 measures what they cost against it."""


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """``rev``'s loadtui package in a temporary directory (``git archive``: the repository is untouched)."""
    with tempfile.TemporaryDirectory(prefix=f"loadtui-{rev}-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "loadtui"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)


def endpoint_rows(
    url: str, s: int, reps: int, before: str, view_before: str | None = None
) -> list[tuple[str, str, str, str]]:
    """3000 names on the dashboard: this code, this code with an endpoint's view open, and ``before``;
    with ``view_before``, also that commit with an endpoint's view open (7d: Enter and Escape A/B)."""
    with checkout(before) as old, contextlib.ExitStack() as stack:
        cases = {
            "before": lambda: dashboard_names_in_app(url, s, code=old),
            "now": lambda: dashboard_names_in_app(url, s),
            "view": lambda: dashboard_names_in_app(url, s, endpoint_view=True),
            # The app's default: the users in one worker process (the view's figures as in 7c).
            "view_worker": lambda: dashboard_names_in_app(url, s, 1, endpoint_view=True),
        }
        if view_before is not None:
            older = stack.enter_context(checkout(view_before))
            cases["view_before"] = lambda: dashboard_names_in_app(url, s, code=older, endpoint_view=True)
        runs = rotate(cases, reps)

    def figures(name: str) -> str:
        found = runs[name]
        return (
            f"refresh p95 {median(found, 'update_p95_ms'):.0f} ms (median {median(found, 'update_median_ms'):.0f}), "
            f"key p95 {median(found, 'key_p95_ms'):.0f} ms (median {median(found, 'key_median_ms'):.0f}), "
            f"peak RSS {median(found, 'peak_rss_mb'):.0f} MB"
        )

    def key_figures(key: str, label: str, name: str = "view") -> str:
        view = runs[name]
        return f"{label} p95 {median(view, f'{key}_p95_ms'):.0f} ms (median {median(view, f'{key}_median_ms'):.0f})"

    base = median(runs["before"], "rps")
    grew = median(runs["now"], "peak_rss_mb") - median(runs["before"], "peak_rss_mb")
    grew_view = median(runs["view"], "peak_rss_mb") - median(runs["before"], "peak_rss_mb")
    rows = [
        (
            f"7. dashboard, 3000 names, at {before} (before the endpoint view)",
            f"{base:,.0f}",
            "1.00",
            figures("before"),
        ),
        (
            "7b. the same now (per-endpoint history, codes, tail percentiles)",
            f"{median(runs['now'], 'rps'):,.0f}",
            f"{median(runs['now'], 'rps') / base:.2f}",
            f"{figures('now')}; RSS {grew:+.0f} MB over {before}",
        ),
        (
            "7c. now, with an endpoint's view open (key: Enter / Escape)",
            f"{median(runs['view'], 'rps'):,.0f}",
            f"{median(runs['view'], 'rps') / base:.2f}",
            f"{figures('view')}; RSS {grew_view:+.0f} MB over {before}; {key_figures('enter', 'Enter')}, "
            f"{key_figures('escape', 'Escape')}",
        ),
    ]
    rows.append(
        (
            "7e. 7c with the users in one worker process (the app's default)",
            f"{median(runs['view_worker'], 'rps'):,.0f}",
            f"{median(runs['view_worker'], 'rps') / base:.2f}",
            f"{figures('view_worker')}; {key_figures('enter', 'Enter', 'view_worker')}, "
            f"{key_figures('escape', 'Escape', 'view_worker')}",
        )
    )
    if view_before is not None:
        rows.append(
            (
                f"7d. at {view_before}, with an endpoint's view open (key: Enter / Escape)",
                f"{median(runs['view_before'], 'rps'):,.0f}",
                f"{median(runs['view_before'], 'rps') / base:.2f}",
                f"{figures('view_before')}; {key_figures('enter', 'Enter', 'view_before')}, "
                f"{key_figures('escape', 'Escape', 'view_before')}",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="the cases to run, e.g. 6 or 1,2")
    parser.add_argument("--before", default=BEFORE_ENDPOINT_VIEW, help="case 7's earlier commit")
    parser.add_argument(
        "--view-before", default=None, help="case 7d: this commit with an endpoint's view open too (Enter/Escape A/B)"
    )
    parser.add_argument("--write", action="store_true", help="also write bench/RESULTS.md")
    args = parser.parse_args()
    only = {part.strip() for part in args.only.split(",")}
    s = args.seconds
    rows: list[tuple[str, str, str, str]] = []
    with target() as (url, what):
        print(f"target: {what} at {url}", file=sys.stderr)
        if only & {"1", "2", "3"}:
            rows += single_rows(url, s, args.reps)
        if "4" in only:
            rows += names_rows(url, s, args.reps)
        if "5" in only:
            workers = rotate(
                {
                    "one": lambda: loadtui_headless(url, s),
                    "workers2": lambda: loadtui_headless(url, s, "--workers", "2"),
                },
                args.reps,
            )
            rows.append(
                (
                    "5. loadtui --headless --workers 2 (vs 1 process)",
                    f"{median(workers['workers2'], 'rps'):,.0f}",
                    f"{median(workers['workers2'], 'rps') / median(workers['one'], 'rps'):.2f}",
                    f"1 process: {median(workers['one'], 'rps'):,.0f} req/s",
                )
            )
        if "6" in only:
            rows += checkpoint_rows(url, s, args.reps)
        if "7" in only:
            rows += endpoint_rows(url, s, args.reps, args.before, args.view_before)
    header = ("case", "req/s (median)", "ratio", "notes")
    table = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * len(header)) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    machine = (
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; locust {locust.__version__}"
    )
    text = "\n".join(
        [
            f"Target: {what}. {USERS} users, FastHttpUser with no wait, {s} s per run, "
            f"{args.reps} runs per case in rotation, medians.",
            f"Machine: {machine}.",
            "",
            *table,
        ]
    )
    print(text)
    if args.write:
        write_results(
            HERE / "RESULTS.md",
            "# Benchmark results\n\n"
            f"Run on {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/bench.py --reps {args.reps} "
            f"--seconds {s} --write`.\n\n{text}\n",
        )
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
