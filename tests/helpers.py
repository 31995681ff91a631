"""Helpers the tests share (fixtures live in conftest.py)."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psutil

if TYPE_CHECKING:
    from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILES = Path(__file__).resolve().parent / "functional" / "locustfiles"


def write_profiles(directory: Path, body: str, *, locustfile: str | Path = "", host: str = "") -> Path:
    """A profiles.toml for a test: a [defaults] table pointing at ``locustfile`` and ``host``."""
    locustfile = locustfile or ROOT / "locustfiles" / "demo.py"
    path = directory / "profiles.toml"
    path.write_text(
        f'[defaults]\nlocustfile = "{locustfile}"\nhost = "{host}"\nreport_dir = "{directory / "reports"}"\n\n{body}',
        encoding="utf-8",
    )
    return path


def run_loadtui(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``loadtui ARGS`` as a user types it, in a subprocess with no standard input."""
    return subprocess.run(
        [sys.executable, "-m", "loadtui", *args],
        cwd=cwd,
        env={**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Waits cooperatively (the runner's greenlets keep running) until ``predicate()`` is true."""
    import gevent

    deadline = gevent.get_hub().loop.now() + timeout
    while not predicate():
        if gevent.get_hub().loop.now() > deadline:
            raise AssertionError("condition not met in time")
        gevent.sleep(0.1)


async def until(pilot: "Pilot[Any]", predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Lets the app run until ``predicate()`` holds (an event-based wait, not a fixed pause)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)


def screen_lines(app: Any) -> list[str]:
    """The text of the screen as the app last composed it, one string a line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def planner_for(profile_set: Any, *argv: str, dashboard: bool = False, loader: Any = None) -> Any:
    """The engine's Planner over ``profile_set`` for the command line ``argv``, as the CLI builds
    it, without this machine's environment (no LOCUST_* variable of the test runner's leaks in)."""
    from loadtui.engine.command_line import first_pass
    from loadtui.engine.planning import Planner

    extra = {"loader": loader} if loader is not None else {}
    return Planner(
        list(argv), profile_set, first_pass(list(argv), environ={}), dashboard=dashboard, environ={}, **extra
    )


def plan_of(profile_set: Any, name: str | None, *argv: str, dashboard: bool = False, first: bool = True) -> Any:
    """The RunPlan of profile ``name`` for the command line ``argv``."""
    return planner_for(profile_set, *argv, dashboard=dashboard).plan(name, first=first)


def session_for(profile_set: Any, name: str, *argv: str, **kwargs: Any) -> Any:
    """A real LoadSession of profile ``name`` (not started)."""
    from loadtui.engine.session import LoadSession

    return LoadSession(plan_of(profile_set, name, *argv), **kwargs)


def profile_for(profile_set: Any, name: str, *argv: str) -> Any:
    """Profile ``name`` as a live switch gets it from the planner (every layer applied)."""
    return planner_for(profile_set, *argv).profile(name)


def wait_for_requests(app: psutil.Process, timeout: float = 40.0) -> None:
    """Waits until a loopback port that a child of ``app`` listens on (the demo target) counted a request."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in app.children(recursive=True):
            try:
                ports = [c.laddr.port for c in child.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
            except psutil.Error:
                continue
            for port in ports:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/__stats", timeout=1).json().get("requests", 0) > 0:
                        return
                except (httpx.HTTPError, ValueError):
                    pass
        time.sleep(0.2)
    raise AssertionError("the run never sent a request to the demo target")


def locust_history_columns(env: Any, base: Path) -> list[str]:
    """The columns Locust's own ``--csv`` writer gives stats_history.csv (it opens its files under ``base``)."""
    from locust import stats as locust_stats

    writer = locust_stats.StatsCSVFileWriter(env, locust_stats.PERCENTILES_TO_REPORT, str(base), full_history=True)
    writer.close_files()
    return list(writer.stats_history_csv_columns)
