"""Helpers the tests share (fixtures live in conftest.py)."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def run_loadtui(*args: str, cwd: Path, timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``loadtui ARGS`` as a user types it, in a subprocess with no standard input."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "loadtui", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Waits cooperatively (the runner's greenlets keep running) until ``predicate()`` is true."""
    import gevent

    deadline = gevent.get_hub().loop.now() + timeout
    while not predicate():
        if gevent.get_hub().loop.now() > deadline:
            raise AssertionError("condition not met in time")
        gevent.sleep(0.1)


def screen_lines(app: Any) -> list[str]:
    """The text of the screen as the app last composed it, one string a line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
