"""Files rendered and written by a forked child, so that this process's users never wait for them.

Rendering a report of 3000 names takes this process's GIL for hundreds of ms (Locust's stats
alone, 90 ms): in a thread it halved the requests/s, inline it stopped the users and the screen
that long. So the process forks (as Redis saves its snapshots) and the child, whose memory is the
very moment of the fork, renders and writes on another core and exits; this side waits for its
answer cooperatively (other greenlets run). Without ``os.fork`` the work is done here.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import warnings
from collections.abc import Callable
from typing import Any

import gevent
import gevent.os

from .exit_status import exit_text

CHILD_TIMEOUT_S = 60.0
"""A child that has not finished by then is killed (and its work counts as failed)."""


class ForkedWriter:
    """Runs one piece of writing at a time in a forked child (:meth:`run`)."""

    def __init__(self) -> None:
        self.child: int | None = None
        """The pid of the child writing, while one does."""

    @property
    def busy(self) -> bool:
        return self.child is not None

    def wait(self) -> None:
        """Until the child writing now (if any) is done."""
        while self.child is not None:
            gevent.sleep(0.01)

    def run(self, work: Callable[[], None]) -> None:
        """``work()`` in a forked child (here without fork). Raises OSError when it failed, died
        without answering (the OOM killer), or took longer than CHILD_TIMEOUT_S."""
        if not hasattr(os, "fork"):
            work()
            return
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that a child of a process with threads may deadlock on a lock one
            # of them held: the child takes none (no logging, no output) and is killed if it hangs.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: no terminal (output, signals), no cleanup of the parent's, no logging
            answer: dict[str, Any] = {"ok": True}
            try:
                os.close(read_end)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                logging.disable(logging.CRITICAL)
                os.setpgid(0, 0)
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                work()
            except OSError as exc:
                answer = {"errno": exc.errno, "strerror": exc.strerror, "filename": exc.filename}
            except BaseException as exc:
                answer = {"errno": None, "strerror": repr(exc), "filename": None}
            finally:
                try:
                    os.write(write_end, json.dumps(answer).encode())
                finally:
                    os._exit(0)
        os.close(write_end)
        self.child = pid
        chunks: list[bytes] = []
        answered = False
        try:
            gevent.os.make_nonblocking(read_end)
            with gevent.Timeout(CHILD_TIMEOUT_S, False):
                while chunk := gevent.os.nb_read(read_end, 65536):
                    chunks.append(chunk)
                answered = True
            if not answered:
                os.kill(pid, signal.SIGKILL)
        finally:
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
            self.child = None
        if not answered:
            raise OSError(None, f"the writer gave no answer in {CHILD_TIMEOUT_S:g}s")
        try:
            answer = json.loads(b"".join(chunks))
        except ValueError:
            answer = {}
        if not answer:  # nothing said: it died before it could (the OOM killer, a crash)
            raise OSError(None, f"the writer died ({exit_text(os.waitstatus_to_exitcode(status))})")
        if not answer.get("ok"):
            raise OSError(answer["errno"], answer["strerror"], answer["filename"])
