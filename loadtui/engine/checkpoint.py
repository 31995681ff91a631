"""A running run's folder: made in the run's first second, brought up to date every few seconds.

A signal ends a run with its whole report (:mod:`.report_writer`); what no handler sees (``kill
-9``, the OOM killer, a container stopped past its grace period) would lose all of it. So while the
run goes, every :data:`SECONDS` the folder gets:

- ``stats_history.csv``, ``run.log`` and ``checkpoint-history.jsonl`` (the HTML report's chart
  points): what came since the last checkpoint, appended;
- ``stats.csv``, ``failures.csv``, ``exceptions.csv`` and ``summary.json`` (``"incomplete":
  true``, ``end_reason: "running"``), each rewritten atomically;
- ``checkpoint.json``: Locust's stats as its workers serialize them for a master
  (``StatsEntry.serialize``), the exceptions, and who is writing (pid and process start time),
  which is what :mod:`.recovery` needs to finish the report once that process is gone.

The files are written by a forked child from the moment of the fork (:meth:`Checkpoints.write`),
so the users never wait for them; report.html and summary.txt are left to the end (or to
recovery). They are renamed into place without an fsync: whole or absent after a kill, as the
page cache outlives the process. The final report replaces every file and removes the
checkpoint's own two.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from . import reports
from . import summary as summary_mod
from .files import atomic_write
from .forked_writer import ForkedWriter
from .log_book import FILE_NAME as LOG_FILE

if TYPE_CHECKING:
    from locust.env import Environment

    from .history_file import HistoryFile
    from .log_book import LogBook

logger = logging.getLogger(__name__)

SECONDS = 5.0
"""How often the folder is brought up to date: a kill loses at most this much of the run."""

STATE_FILE = "checkpoint.json"
HISTORY_FILE = "checkpoint-history.jsonl"
OWN_FILES = (STATE_FILE, HISTORY_FILE)
"""The checkpoint's own files: gone once the final report (or a recovery) is written."""


def writer_identity() -> dict[str, Any]:
    """Who writes a checkpoint: enough to tell later whether that process is still running. The
    boot and the pid namespace say whether a pid read later means the same process (a container
    has a pid namespace, and often a hostname, of its own)."""
    return {
        "pid": os.getpid(),
        "process_started": psutil.Process().create_time(),
        "hostname": socket.gethostname(),
        **machine_identity(),
    }


def machine_identity() -> dict[str, Any]:
    """This boot of this machine and this pid namespace (Linux); empty where they can't be read."""
    found: dict[str, Any] = {}
    with contextlib.suppress(OSError):
        found["boot_id"] = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    with contextlib.suppress(OSError):
        found["pid_namespace"] = os.stat("/proc/self/ns/pid").st_ino
    return found


def serialize_stats(env: Environment) -> dict[str, Any]:
    """Locust's stats and exceptions, as its workers send them to a master (not emptied, as
    ``get_stripped_report`` would), copied: nothing in it changes as the users go on."""
    stats = env.stats
    runner = env.runner

    def entry(e: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(e.serialize())
        for key in COUNTS:
            data[key] = dict(data[key])
        return data

    return {
        "entries": [entry(e) for e in stats.entries.values()],
        "total": entry(stats.total),
        "errors": [error.serialize() for error in stats.errors.values()],
        "exceptions": [
            {**exc, "nodes": sorted(exc.get("nodes", ()))} for exc in (runner.exceptions.values() if runner else ())
        ],
        "user_classes_count": dict(getattr(runner, "user_classes_count", {}) or {}),
    }


COUNTS = ("response_times", "num_reqs_per_sec", "num_fail_per_sec")
"""A StatsEntry's dicts keyed by an int (ms, or a second), which JSON turns into strings."""


def stopped_environment(host: str | None, locustfile: str | None, profile: str | None) -> Any:
    """A Locust Environment with a stopped runner and events of its own (no listener of this
    process sees it): what stats are loaded into to render Locust's reports from them."""
    from locust.env import Environment
    from locust.event import Events

    env = Environment(events=Events(), host=host, locustfile=locustfile)
    env.profile = profile
    runner: Any = env.create_local_runner()
    runner.greenlet.kill(block=False)  # its CPU monitor: nothing runs here
    runner.state = "stopped"
    return env


def load_stats(env: Any, data: dict[str, Any]) -> None:
    """``env``'s stats and exceptions become those :func:`serialize_stats` gave (or read back from JSON)."""
    from locust.stats import RequestStats, StatsEntry, StatsError

    stats = RequestStats(use_response_times_cache=False)

    def entry(values: dict[str, Any]) -> StatsEntry:
        values = dict(values)
        for key in COUNTS:
            values[key] = {int(k): count for k, count in (values.get(key) or {}).items()}
        return StatsEntry.unserialize(values, stats)  # type: ignore[arg-type]

    for values in data["entries"]:
        found = entry(values)
        stats.entries[(found.name, found.method)] = found
    stats.total = entry(data["total"])
    for values in data["errors"]:
        error = StatsError.unserialize(values)
        stats.errors[StatsError.create_key(error.method, error.name, error.error)] = error
    env.stats = stats
    env.runner.exceptions = {
        index: {**exc, "nodes": set(exc.get("nodes", ()))} for index, exc in enumerate(data["exceptions"])
    }
    env.runner.final_user_classes_count = dict(data.get("user_classes_count") or {})


class Checkpoints:
    """The run folder under ``report_dir``, named once at the start (a live switch changes the
    profile, not the folder), and kept up to date by :meth:`write`.

    A disk problem never stops the run: it is kept in :attr:`error` (and logged once), the next
    checkpoint tries again, and the final report takes its own paths (retry, another directory).
    """

    def __init__(
        self,
        report_dir: Path,
        name: str,
        log_book: LogBook,
        history: HistoryFile,
        *,
        seconds: float = SECONDS,
    ) -> None:
        self.report_dir = report_dir
        self.name = name
        self.seconds = seconds
        self.folder: Path | None = None
        self.written = 0
        """Checkpoints written so far."""
        self.error: str | None = None
        """The last checkpoint's disk error; None once one succeeds again."""
        self.failed_at: float | None = None
        """When the checkpoints first failed (for the report), None if they never did."""
        self._log_book = log_book
        self._history = history
        self._chart_points = 0
        self._log_position = 0
        self._identity = writer_identity()
        self._writer = ForkedWriter()
        self._chart_list: Any = None
        """Locust's chart history list the chart points were taken from (a stats reset makes a new one)."""
        self._rewrite_chart = False
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def open(self) -> None:
        """Makes the run folder now, so it exists from the run's first second."""
        if not self.enabled or self.folder is not None:
            return
        try:
            folder = reports.make_folder(self.report_dir, self.name)
            header = reports.csv_text([reports.history_header()])
            atomic_write(folder / "stats_history.csv", header, sync=False)
        except OSError as exc:
            self._failed(exc)
            return
        self.folder = folder
        self._history.started(folder / "stats_history.csv", len(header.encode()))

    def write(self, env: Environment, run: reports.RunInfo) -> None:
        """One checkpoint of the run as it is now (``run.end_reason`` is ``running``).

        Here, between two of the users' turns, only the new history rows, chart points and log
        lines are taken; a forked child renders and writes the files (:mod:`.forked_writer`: with
        3000 names a thread halved the requests/s, bench/ case 6). A checkpoint that fails leaves
        the appended files as they were before it (cut back), so the next one appends it all once."""
        if self._closed:
            return
        self.open()
        folder = self.folder
        if folder is None:
            return
        history_text, history_mark = self._history.pending()
        chart_list = env.stats.history
        if chart_list is not self._chart_list or len(chart_list) < self._chart_points:
            self._chart_list, self._chart_points = chart_list, 0  # Locust's stats were reset: a new list
            self._rewrite_chart = True
        chart = list(chart_list[self._chart_points :])
        rewrite_chart = self._rewrite_chart
        log_text, log_position = self._log_book.text_after(self._log_position)
        state = {
            **self._identity,
            "written_at": time.time(),
            "seconds": self.seconds,
            "report": {"host": env.host, "locustfile": env.locustfile, "profile": env.profile},
            "thresholds": run.profile.thresholds.to_toml(),
            "host_series": list(run.host_stats.series.rows),
        }
        appended = [folder / "stats_history.csv", folder / HISTORY_FILE, folder / LOG_FILE]
        sizes = {path: _size(path) for path in appended}

        def write_files() -> None:
            self._append(folder / "stats_history.csv", history_text)
            chart_text = "".join(json.dumps(point) + "\n" for point in chart)
            if rewrite_chart:
                atomic_write(folder / HISTORY_FILE, chart_text, sync=False)
            else:
                self._append(folder / HISTORY_FILE, chart_text)
            self._append(folder / LOG_FILE, log_text)
            atomic_write(folder / STATE_FILE, json.dumps({**state, "stats": serialize_stats(env)}), sync=False)
            _, files = reports.render(env, run, folder, checkpoint=True)
            reports.write_files(folder, files, sync=False)

        try:
            self._writer.run(write_files)
        except OSError as exc:
            for path, size in sizes.items():
                with contextlib.suppress(OSError):
                    if size is not None and _size(path) != size:
                        os.truncate(path, size)
            self._failed(exc)
            return
        self._history.written(history_mark, (sizes[appended[0]] or 0) + len(history_text.encode()))
        self._chart_points += len(chart)
        self._rewrite_chart = False
        self._log_position = log_position
        self.written += 1
        if self.error is not None:
            logger.warning("Checkpoints are written to %s again", folder)
            self.error = None

    def close(self) -> None:
        """No more checkpoints; waits for one being written (the final report comes next)."""
        self._closed = True
        self._writer.wait()

    def to_dict(self) -> dict[str, Any]:
        """summary.json's ``checkpoints``: how often, how many, and whether the disk refused them."""
        return {
            "every_s": self.seconds,
            "written": self.written,
            "failed_since": None if self.failed_at is None else summary_mod.iso_time(self.failed_at),
            "error": self.error,
        }

    def discard(self) -> None:
        """The run never ran (closed before it ended, with nothing checkpointed): its folder goes,
        so that no empty run is listed."""
        self.close()
        if self.folder is None or self.written:
            return
        with contextlib.suppress(OSError):
            for path in self.folder.iterdir():
                path.unlink()
            self.folder.rmdir()
        self.folder = None

    def finished(self) -> None:
        """The final report is in the folder: the checkpoint's own files go."""
        if self.folder is None:
            return
        for name in OWN_FILES:
            try:
                (self.folder / name).unlink(missing_ok=True)
            except OSError as exc:
                logger.warning("Could not remove %s: %s", self.folder / name, exc.strerror or exc)

    def _append(self, path: Path, text: str) -> None:
        if text:
            with path.open("a", encoding="utf-8", newline="") as handle:
                handle.write(text)

    def _failed(self, exc: OSError) -> None:
        error = reports.disk_error(exc, self.folder or self.report_dir)
        if self.failed_at is None:
            self.failed_at = time.time()
        if error != self.error:
            logger.warning(
                "%s. The checkpoint of the run is not saved (the run and its data in memory go on; "
                "the next checkpoint tries again in %gs).",
                error[0].upper() + error[1:],
                self.seconds,
            )
        self.error = error


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
