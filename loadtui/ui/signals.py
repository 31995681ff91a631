"""SIGHUP (the SSH link dropped) and SIGTERM end the app's run the way ``q`` does: report first."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any


def install(app: Any) -> None:
    """Routes the signals to ``app.end_and_exit`` (with the end reason the report will carry)."""
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, hang_up, app)
        loop.add_signal_handler(signal.SIGTERM, app.end_and_exit, "terminated")
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        pass  # not the main thread (tests) or no such signal: Textual's own handling remains


def hang_up(app: Any) -> None:
    """The terminal is gone (SSH dropped): write the report and leave without drawing on it.

    The terminal's file descriptors are pointed at /dev/null first, so whatever Textual still
    writes on the way out (its last frame, the escape codes that restore the terminal) goes
    nowhere instead of failing with EIO on the dead pty.
    """
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
    app.end_and_exit("hangup")
