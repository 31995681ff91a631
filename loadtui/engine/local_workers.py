"""The Locust worker processes loadtui starts on this machine: started, heard, and stopped.

Each is ``python -m loadtui.engine.worker`` (Locust's own WorkerRunner, see :mod:`.worker`). It
gets the run's parsed_options on its standard input (JSON: a custom option may be a secret, and
a command line shows in ``ps``), so its ``init`` hooks see the same options as the master's. What
it prints and logs comes back on two pipes, read by greenlets into the run's :class:`LogBook`
line by line: nothing a locustfile prints is lost, and a pipe nobody reads never blocks a worker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from typing import IO

import gevent

from .log_book import STDERR, STDOUT, LogBook, parse_worker_line

STOP_WAIT_S = 5.0


def options_json(options: argparse.Namespace) -> str:
    """The run's parsed_options as a worker reads them (values JSON cannot hold become strings)."""
    return json.dumps(vars(options), default=str)


CLIENT_ID_LINE = "loadtui-worker-client-id: "
"""The first line a local worker writes on stderr: its Locust client id, so that the master's
view of a worker and the process behind it can be told together (not shown in the Logs tab)."""


class LocalWorkers:
    """``count`` worker processes connected to a master on 127.0.0.1:``master_port``."""

    def __init__(self, log_book: LogBook) -> None:
        self.log_book = log_book
        self.processes: list[subprocess.Popen[bytes]] = []
        """Index ``i`` is worker ``i + 1``'s current process."""
        self._readers: list[gevent.Greenlet] = []
        self._last_errors: deque[str] = deque(maxlen=20)
        """The latest stderr lines of any worker: why one exited, if it did."""
        self._command: list[str] = []
        self._payload = b""
        self._client_ids: dict[int, str] = {}
        """Worker index -> its current process's Locust client id."""
        self._names: dict[str, str] = {}
        self._reported: set[int] = set()
        """Processes (by pid) whose exit :meth:`newly_exited` has reported."""

    def start(self, count: int, *, locustfiles: Sequence[str], master_port: int, options: argparse.Namespace) -> None:
        self._payload = options_json(options).encode("utf-8")
        self._command = [
            sys.executable,
            "-m",
            "loadtui.engine.worker",
            "-f",
            ",".join(locustfiles),
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(master_port),
            "--options-on-stdin",
        ]
        for index in range(1, count + 1):
            self.processes.append(self._spawn(index))

    def restart(self, index: int) -> None:
        """Worker ``index`` (1-based) again, in a new process, after its last one exited."""
        self._client_ids.pop(index, None)
        self.processes[index - 1] = self._spawn(index)

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # what user code prints arrives as it prints it
        proc = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl+C in the terminal is loadtui's to handle, not theirs
        )
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(self._payload)
        proc.stdin.close()
        source = f"worker {index}"
        self._readers.append(gevent.spawn(self._read, proc.stdout, source, index, stderr=False))
        self._readers.append(gevent.spawn(self._read, proc.stderr, source, index, stderr=True))
        return proc

    def client_ids(self) -> dict[str, str]:
        """Locust client id -> ``worker N``, for every process that said its id (a dead one's too)."""
        return dict(self._names)

    def newly_exited(self) -> list[tuple[int, subprocess.Popen[bytes], str | None]]:
        """(index, process, its Locust client id) of each worker whose process exited since the last call."""
        found = []
        for index, proc in enumerate(self.processes, 1):
            if proc.poll() is not None and proc.pid not in self._reported:
                self._reported.add(proc.pid)
                found.append((index, proc, self._client_ids.get(index)))
        return found

    def _read(self, stream: IO[bytes], source: str, index: int, *, stderr: bool) -> None:
        in_traceback = False
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if stderr and text.startswith(CLIENT_ID_LINE) and index not in self._client_ids:
                self._client_ids[index] = text.removeprefix(CLIENT_ID_LINE)
                self._names[self._client_ids[index]] = source
            elif stderr:
                level, message = parse_worker_line(text)
                if level != STDERR:
                    in_traceback = False  # a new log record
                elif text.startswith("Traceback (most recent call last)"):
                    in_traceback = True
                self._last_errors.append(text)
                # A traceback goes to run.log and the Logs tab, not over the terminal (its record's
                # first line does): headless, a worker's user error reads as one line, as here.
                self.log_book.add(source, level, message, mirror=not in_traceback)
            else:
                self.log_book.add(source, STDOUT, text)

    def exited(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.processes if p.poll() is not None]

    def last_error(self) -> str:
        """The last thing a worker wrote on stderr (why it exited), or "no output"."""
        for line in reversed(self._last_errors):
            if line.strip() and not line.startswith(" "):
                return line.strip()
        return "no output"

    def stop(self) -> None:
        """Terminates what is still running (after the master asked them to quit) and waits."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_WAIT_S)
        for reader in self._readers:
            reader.join(timeout=1.0)  # the last lines, after the process closed its pipes
        self.processes = []
        self._readers = []

    def __len__(self) -> int:
        return len(self.processes)
