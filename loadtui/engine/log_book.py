"""What a run said: the log records and printed output of this process and its workers, kept.

Lines come from three places: this process's ``logging`` records (:meth:`LogBook.handler`), the
stdout and stderr of the worker processes loadtui starts (:mod:`.local_workers`), and the log lines
remote workers forward to the master (Locust's own ``logs`` messages, :meth:`LogBook.add_forwarded`).
The newest :data:`KEEP` lines stay in memory for the Logs tab; every line is also appended to a
spool file, which becomes the run folder's ``run.log``, so a chatty locustfile loses nothing.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

KEEP = 2000
"""Lines kept in memory; the spool file keeps them all."""

SHOWN = 500
"""Lines a snapshot carries (the newest): what the Logs tab appends from, a tick at a time."""

FILE_NAME = "run.log"

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
STDOUT, STDERR = "stdout", "stderr"
"""The "level" of a line a process printed rather than logged."""

THIS_PROCESS = "loadtui"


@dataclass(frozen=True, slots=True)
class LogLine:
    number: int
    """1 for the run's first line: a reader that saw up to N asks for what came after N."""
    time: float
    source: str
    """``loadtui`` (this process), ``worker 1``... (the local workers), or a remote worker's id."""
    level: str
    """A logging level name, or STDOUT / STDERR for printed output."""
    text: str

    def format(self) -> str:
        stamp = datetime.fromtimestamp(self.time).strftime("%Y-%m-%d %H:%M:%S")
        return f"[{stamp}] {self.source} {self.level}: {self.text}"


class LogBook:
    """The run's lines: the newest in memory, every one in a spool file."""

    def __init__(self, keep: int = KEEP, *, mirror: Callable[[LogLine], None] | None = None) -> None:
        self._recent: deque[LogLine] = deque(maxlen=keep)
        self._count = 0
        self._lock = threading.Lock()  # records can come from other threads (gevent's, a library's)
        self.mirror = mirror
        """Called with every line that is not this process's own log record (headless: to stderr)."""
        self._latest: dict[str, list[str]] = {}
        self._spool: IO[str] | None = None
        with contextlib.suppress(OSError):
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - lives with the book

    @property
    def count(self) -> int:
        """Lines so far (also the number of the newest)."""
        return self._count

    def add(self, source: str, level: str, text: str, at: float | None = None, *, mirror: bool = True) -> None:
        text = text.rstrip("\n")
        for part in text.split("\n") if text else [""]:
            with self._lock:
                self._count += 1
                line = LogLine(self._count, time.time() if at is None else at, source, level, part.rstrip("\r"))
                self._recent.append(line)
                if self._spool is not None:
                    try:
                        self._spool.write(line.format() + "\n")
                    except OSError:  # a full disk: the screen keeps the lines, the file stops
                        self._spool = None
            if mirror and self.mirror is not None:
                self.mirror(line)

    def add_latest(self, source: str, lines: Sequence[str]) -> None:
        """The newest lines of a log kept elsewhere (a remote worker's, as its master keeps the last
        500; an attached Locust's ``/logs``), already formatted by Locust: only the new ones are added."""
        seen = self._latest.get(source, [])
        for text in lines[_overlap(seen, lines) :]:
            self.add(source, _level_in(text), text, mirror=False)
        self._latest[source] = list(lines)

    def recent(self, after: int = 0) -> tuple[LogLine, ...]:
        """The lines kept in memory numbered above ``after``, oldest first."""
        with self._lock:
            if after <= 0:
                return tuple(self._recent)
            return tuple(line for line in self._recent if line.number > after)

    def tail(self, lines: int) -> tuple[LogLine, ...]:
        with self._lock:
            return tuple(self._recent)[-lines:] if lines > 0 else ()

    def text(self) -> str:
        """Every line, as ``run.log`` holds them."""
        with self._lock:
            if self._spool is None:
                return "".join(line.format() + "\n" for line in self._recent)
            self._spool.flush()
            self._spool.seek(0)
            text = self._spool.read()
            self._spool.seek(0, 2)
            return text

    def text_after(self, offset: int) -> tuple[str, int]:
        """The lines added since the spool's position ``offset`` (0, or what the last call gave),
        and the new position: what a checkpoint appends to run.log. Without a spool (a full /tmp)
        nothing (the lines in memory go into the final run.log)."""
        with self._lock:
            if self._spool is None:
                return "", offset
            self._spool.flush()
            self._spool.seek(offset)
            text = self._spool.read()
            end = self._spool.tell()
            self._spool.seek(0, 2)
            return text, end

    def handler(self, level: int = logging.NOTSET) -> logging.Handler:
        """A logging handler that puts this process's records here."""
        return _BookHandler(self, level)

    def close(self) -> None:
        if self._spool is not None:
            with contextlib.suppress(OSError):
                self._spool.close()
            self._spool = None


def _overlap(seen: Sequence[str], lines: Sequence[str]) -> int:
    """How many of ``lines`` were in ``seen`` already: the longest end of ``seen`` that ``lines``
    starts with (a buffer that dropped its oldest lines and grew). 0: nothing in common."""
    if not lines:
        return 0
    for start, text in enumerate(seen):
        if text == lines[0] and list(lines[: len(seen) - start]) == list(seen[start:]):
            return len(seen) - start
    return 0


def _level_in(text: str) -> str:
    for level in LEVELS:
        if f"/{level}/" in text or f"[{level}]" in text or text.startswith(level):
            return level
    return STDERR


def parse_worker_line(text: str) -> tuple[str, str]:
    """(level, message) of a line a local worker wrote on stderr (``[LEVEL] logger: message``)."""
    if text.startswith("[") and "] " in text:
        level, _, rest = text[1:].partition("] ")
        if level in LEVELS:
            return level, rest
    return STDERR, text


WORKER_LOG_FORMAT = "[%(levelname)s] %(name)s: %(message)s"
"""How loadtui's worker processes log on stderr; :func:`parse_worker_line` reads it back."""


class _BookHandler(logging.Handler):
    def __init__(self, book: LogBook, level: int) -> None:
        super().__init__(level)
        self.book = book
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.book.add(THIS_PROCESS, record.levelname, self.format(record), record.created, mirror=False)
        except Exception:  # a handler must never raise into the code that logged
            self.handleError(record)


class BookStream:
    """A stream whose lines go into a LogBook only (gevent's hub prints a greenlet that died with
    its traceback there: headless, that goes to run.log, not over the terminal)."""

    def __init__(self, book: LogBook, level: str = "ERROR") -> None:
        self.book = book
        self.level = level
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.book.add(THIS_PROCESS, self.level, line, mirror=False)
        return len(text)

    def flush(self) -> None:
        pass


class StdoutTee:
    """This process's standard output, also line by line into a LogBook (headless: what user code
    prints still goes to the terminal, as with ``locust``, and into run.log)."""

    def __init__(self, book: LogBook) -> None:
        self.book = book
        self._partial = ""
        self._real: Any = None

    def write(self, text: str) -> int:
        written = self._real.write(text)
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.book.add(THIS_PROCESS, STDOUT, line, mirror=False)
        return int(written if written is not None else len(text))

    def flush(self) -> None:
        self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StdoutTee]:
        self._real = sys.stdout
        sys.stdout = self
        try:
            yield self
        finally:
            sys.stdout = self._real
            if self._partial:
                self.book.add(THIS_PROCESS, STDOUT, self._partial, mirror=False)
                self._partial = ""
