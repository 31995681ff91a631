"""Start and stop the bundled demo target (:mod:`loadtui.demo.server`) in a child process.

When no host is configured loadtui load-tests this target, so a newcomer sees real traffic in the
first minute. It runs in a child process, not in loadtui's own: the target's request handling would
otherwise compete with Locust's users for the one gevent hub and skew every latency on the screen.

The parent never imports Flask: the child is started with ``sys.executable -m loadtui.demo.server``
and announces its URL with one ``LISTENING http://127.0.0.1:<port>`` line on stdout.

Nothing here may leave the child behind. :meth:`DemoTarget.stop` ends it explicitly, an ``atexit``
hook ends any target still running at interpreter exit, and for deaths that run no Python at all
(SIGKILL, a crash) the child watches its parent itself (see :mod:`loadtui.demo.server`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

LISTENING_PREFIX = b"LISTENING "
"""The line the child prints once it accepts connections; the rest of the line is its base URL."""

STDERR_TAIL_CHARS = 2000
"""How much of the child's stderr a :class:`DemoTargetError` quotes: enough for a traceback's end."""

# The directory holding the `loadtui` package. Put on the child's PYTHONPATH so `-m loadtui.demo.server`
# resolves to this very copy whether loadtui is installed, editable, or run from a checkout (where the
# child's working directory may not be the checkout).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

_running: set[DemoTarget] = set()
"""Targets started and not yet stopped, for the atexit hook."""


class DemoTargetError(RuntimeError):
    """The demo target could not be started."""


class DemoTarget:
    """The bundled demo HTTP target, running in a child process on a free loopback port.

    >>> with DemoTarget() as target:  # doctest: +SKIP
    ...     run_load_test(host=target.url)
    """

    def __init__(self, *, startup_timeout: float = 15.0) -> None:
        self.startup_timeout = startup_timeout
        """Seconds to wait for the LISTENING line. Startup takes ~0.5 s; the slack is for cold caches."""
        self.url: str | None = None
        """Base URL, ``http://127.0.0.1:<port>``, while the child runs; None before start and after stop."""
        self.pid: int | None = None
        """The child's pid while it runs; None before start and after stop."""
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def alive(self) -> bool:
        """True while the child process is running."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> str:
        """Start the child and return its base URL once it accepts connections.

        Raises :class:`DemoTargetError`, quoting the end of the child's stderr, if it exits or stays
        silent for :attr:`startup_timeout` seconds. The child is stopped before the error is raised.
        """
        if self._proc is not None:
            raise DemoTargetError("the demo target is already started; stop() it first")

        # stderr goes to a file, not a pipe: nobody reads it while the target runs, and a full pipe
        # would block the child on its next error log. A file also keeps it off a Textual screen.
        # Closed by stop(), which every path out of start() reaches.
        self._stderr = tempfile.TemporaryFile(prefix="loadtui-demo-", suffix=".stderr")  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "loadtui.demo.server",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--parent-pid",
            str(os.getpid()),
        ]
        if threading.get_native_id() != os.getpid():
            # PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process.
            # Started from a worker OS thread, the target would die with that thread, mid-run. The
            # child's getppid() watcher still catches the parent's death within a second.
            # (Under gevent's monkey patching "threads" are greenlets on the main OS thread, so this
            # only triggers for real OS threads; on Linux the main thread's id is the pid.)
            command.append("--no-pdeathsig")
        env = os.environ.copy()
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)

        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,  # the terminal's input belongs to the TUI
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            # A session of its own: Ctrl+C in the terminal reaches loadtui only, so the target keeps
            # answering while loadtui stops the users and writes its report; loadtui then stops it.
            start_new_session=True,
        )
        _running.add(self)
        try:
            self.url = self._read_url(self._proc)
        except BaseException as exc:
            # Read the tail before stop() closes the file.
            tail = self._stderr_tail()
            returncode = self._proc.poll()
            self.stop()
            if not isinstance(exc, (EOFError, TimeoutError, OSError, subprocess.TimeoutExpired)):
                raise  # KeyboardInterrupt, gevent.Timeout, a bug: not a startup failure to report
            if returncode is not None:
                raise DemoTargetError(
                    f"the demo target exited with code {returncode} before listening:\n{tail}"
                ) from None
            raise DemoTargetError(
                f"the demo target did not start listening within {self.startup_timeout:g} s:\n{tail}"
            ) from None
        self.pid = self._proc.pid
        return self.url

    def _read_url(self, proc: subprocess.Popen[bytes]) -> str:
        """Read stdout until the LISTENING line, EOF or the startup timeout.

        select() + os.read() rather than readline(): readline cannot time out. Under gevent's monkey
        patching (loadtui imports Locust, which patches) select() is gevent's and yields to the hub
        instead of blocking it; without patching it is the ordinary blocking call. Both are fine.
        """
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + self.startup_timeout
        buffer = b""
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.startswith(LISTENING_PREFIX):
                    # The child never writes stdout again; closing our end now means a stray print
                    # there fails loudly (EPIPE) instead of filling a pipe nobody drains.
                    proc.stdout.close()
                    return line[len(LISTENING_PREFIX) :].decode().strip()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:  # gevent may make the pipe non-blocking; select can wake early
                continue
            if not chunk:
                proc.wait(timeout=1.0)  # EOF: the child is exiting; let it, so poll() has its code
                raise EOFError
            buffer += chunk

    def _stderr_tail(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL_CHARS))
            return self._stderr.read().decode(errors="replace").strip() or "(no output on stderr)"
        return ""

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child: SIGTERM, up to *timeout* seconds to exit, then SIGKILL.

        Idempotent, and a no-op if the target was never started.
        """
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait()  # SIGKILL cannot be caught; this returns promptly
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
        self._proc = None
        self._stderr = None
        self.url = None
        self.pid = None
        _running.discard(self)

    def __enter__(self) -> DemoTarget:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"url={self.url!r} pid={self.pid}" if self.alive else "stopped"
        return f"<DemoTarget {state}>"


@atexit.register
def _stop_all_at_exit() -> None:
    # Copy: stop() removes each target from the set.
    for target in list(_running):
        with contextlib.suppress(Exception):
            target.stop(timeout=2.0)
