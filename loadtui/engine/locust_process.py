"""This process as a Locust process: ``init`` per runner, ``quitting`` and the exit code at the end.

``locust.main`` fires ``events.init`` once the runner exists, treats a listener that raises there as
fatal, fires ``quitting`` when it shuts down and then picks the exit code: the locustfile's own
``environment.process_exit_code`` first, then ``--exit-code-on-error`` if any request failed or any
user code raised, then 2 if an event listener raised, else 0. loadtui does the same, with its
threshold verdict (when the profile has thresholds) in the place of "any request failed".

Locust's EventHook logs a listener that raised as "Uncaught exception in event handler" with the
traceback, and goes on. :class:`HookFailures` turns those records into one line naming the
locustfile's line, for the message at the end and for the terminal (the full traceback stays in
the run's log).
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from locust import log as locust_log

if TYPE_CHECKING:
    from locust.env import Environment
    from locust.runners import Runner

HOOK_FAILURE = "Uncaught exception in event handler"
"""How Locust's EventHook.fire logs a listener that raised."""

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')


class HookError(RuntimeError):
    """A locustfile's event listener raised where Locust treats that as fatal (``init``)."""


def describe_failure(text: str, locustfiles: Iterable[str] = ()) -> str:
    """One line for a logged hook failure: the locustfile's file:line, the function, the exception."""
    files = {os.path.realpath(path) for path in locustfiles}
    frames = list(_FRAME.finditer(text))
    mine = [m for m in frames if os.path.realpath(m["file"]) in files] or frames
    lines = [line for line in text.strip().splitlines() if line.strip()]
    error = lines[-1].strip() if lines else "an exception"
    if not mine:
        return f"an event listener raised {error}"
    frame = mine[-1]
    return f"{frame['file']}:{frame['line']}: the event listener {frame['func']}() raised {error}"


class HookFailures(logging.Handler):
    """Collects the hook failures Locust logs, each as one line (see :func:`describe_failure`)."""

    def __init__(self, locustfiles: Iterable[str]) -> None:
        super().__init__(logging.ERROR)
        self.locustfiles = tuple(locustfiles)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(HOOK_FAILURE):
            self.failures.append(describe_failure(record.getMessage(), self.locustfiles))

    @contextmanager
    def watching(self) -> Iterator[HookFailures]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)


def describe_error(text: str, locustfiles: Iterable[str] = ()) -> str:
    """One line for a logged traceback of user code (a task, ``on_start``): where in the locustfile
    it raised, and what."""
    files = {os.path.realpath(path) for path in locustfiles}
    frames = [m for m in _FRAME.finditer(text) if os.path.realpath(m["file"]) in files]
    lines = [line for line in text.strip().splitlines() if line.strip()]
    error = lines[-1].strip() if lines else "an exception"
    if not frames:
        return error
    frame = frames[-1]
    return f"{frame['file']}:{frame['line']} in {frame['func']}(): {error}"


TRACEBACK = "Traceback (most recent call last)"


class CondensedHookFailures(logging.Formatter):
    """A terminal's formatter that shows a hook failure, or any record with a traceback (user code
    that raised), as one line; the run's log keeps the rest."""

    def __init__(self, inner: logging.Formatter | None, locustfiles: Iterable[str] = ()) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.locustfiles = tuple(locustfiles)

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, str) and record.msg.startswith(HOOK_FAILURE):
            return self._one_line(record, self._line(record))
        text = record.getMessage()
        if record.exc_info or TRACEBACK in text:
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))
            first = text.split("\n", 1)[0].strip()
            where = describe_error(text, self.locustfiles)
            line = where if where.endswith(first) or not first or first.startswith(TRACEBACK) else f"{first}: {where}"
            return self._one_line(record, f"{line} (the traceback is in the run's run.log)")
        return self.inner.format(record)

    def _one_line(self, record: logging.LogRecord, line: str) -> str:
        fields = {**record.__dict__, "msg": "%s", "args": (line,), "exc_info": None, "exc_text": None}
        return self.inner.format(logging.makeLogRecord(fields))

    def _line(self, record: logging.LogRecord) -> str:
        return describe_failure(record.getMessage(), self.locustfiles) + " (the traceback is in the run's run.log)"


def fire_init(environment: Environment, runner: Runner, locustfiles: Iterable[str]) -> None:
    """``events.init`` as ``locust`` fires it once the runner exists; a listener that raises is fatal."""
    locust_log.unhandled_greenlet_exception = False  # this run's hooks, not an earlier run's
    watch = HookFailures(locustfiles)
    with watch.watching():
        environment.events.init.fire(environment=environment, runner=runner, web_ui=None)
    if watch.failures:
        raise HookError(watch.failures[0])


def hook_failed() -> bool:
    """An event listener raised during the run (Locust's own flag, which it exits 2 for)."""
    return bool(locust_log.unhandled_greenlet_exception)


def exit_code(environment: Environment, *, verdict: str | None, exit_code_on_error: int) -> int:
    """The exit code ``locust`` would pick, with loadtui's verdict where thresholds judge the run."""
    if environment.process_exit_code is not None:
        return int(environment.process_exit_code)
    runner = environment.runner
    if verdict == "fail":
        return 1
    if verdict is None and runner is not None and (len(runner.errors) or len(runner.exceptions)):
        return exit_code_on_error
    if hook_failed():
        return 2
    return 0


def quitting(environment: Environment, *, verdict: str | None, exit_code_on_error: int) -> int:
    """``quitting``, then the exit code (which a quitting listener may set). Locust's shutdown
    prints its stats and ``--json`` after this and before :func:`quit_with`."""
    environment.events.quitting.fire(environment=environment, reverse=True)
    return exit_code(environment, verdict=verdict, exit_code_on_error=exit_code_on_error)


def quit_with(environment: Environment, code: int) -> int:
    """``quit`` with the exit code; returns it."""
    environment.events.quit.fire(exit_code=code)
    return code


def shut_down(environment: Environment, *, verdict: str | None, exit_code_on_error: int) -> int:
    """:func:`quitting` then :func:`quit_with`, with nothing printed between (a worker, the dashboard)."""
    return quit_with(environment, quitting(environment, verdict=verdict, exit_code_on_error=exit_code_on_error))


def condense_on(handlers: Iterable[logging.Handler], locustfiles: Iterable[str]) -> None:
    """Shows hook failures and tracebacks as one line on these (terminal) handlers."""
    files = tuple(locustfiles)
    for handler in handlers:
        handler.setFormatter(CondensedHookFailures(handler.formatter, files))
