"""A running run's folder: made in the run's first second, brought up to date every few seconds.

A signal ends a run with its whole report (:mod:`.report_writer`); what no handler sees (``kill
-9``, the OOM killer, a container stopped past its grace period) would lose all of it. So while the
run goes, every :data:`SECONDS` the folder gets:

- ``stats_history.csv``, ``run.log`` and ``checkpoint-history.jsonl`` (the HTML report's chart
  points): what came since the last checkpoint, appended;
- ``stats.csv``, ``failures.csv``, ``exceptions.csv``, ``summary.txt`` and ``summary.json``
  (``"incomplete": true``, ``end_reason: "running"``), each rewritten atomically;
- ``checkpoint.json``: Locust's stats as its workers serialize them for a master
  (``StatsEntry.serialize``), the exceptions, and who is writing (pid and process start time),
  which is what :mod:`.recovery` needs to finish the report once that process is gone.

report.html is left to the end (or to recovery): rendering it is the costly part. The files are
renamed into place without an fsync: whole or absent after a kill, as the page cache outlives the
process, and a slow disk never stalls the users. The final report replaces every file and removes
the checkpoint's own two.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from . import reports
from .files import atomic_write
from .log_book import FILE_NAME as LOG_FILE

if TYPE_CHECKING:
    from locust.env import Environment

    from .log_book import LogBook

logger = logging.getLogger(__name__)

SECONDS = 5.0
"""How often the folder is brought up to date: a kill loses at most this much of the run."""

STATE_FILE = "checkpoint.json"
HISTORY_FILE = "checkpoint-history.jsonl"
OWN_FILES = (STATE_FILE, HISTORY_FILE)
"""The checkpoint's own files: gone once the final report (or a recovery) is written."""


def writer_identity() -> dict[str, Any]:
    """Who writes a checkpoint: enough to tell later whether that process is still running."""
    return {"pid": os.getpid(), "process_started": psutil.Process().create_time(), "hostname": socket.gethostname()}


def serialize_stats(env: Environment) -> dict[str, Any]:
    """Locust's stats and exceptions as JSON, as its workers send them to a master (and not
    emptied, as ``get_stripped_report`` would)."""
    stats = env.stats
    runner = env.runner
    return {
        "entries": [entry.serialize() for entry in stats.entries.values()],
        "total": stats.total.serialize(),
        "errors": [error.serialize() for error in stats.errors.values()],
        "exceptions": [
            {**exc, "nodes": sorted(exc.get("nodes", ()))} for exc in (runner.exceptions.values() if runner else ())
        ],
        "user_classes_count": dict(getattr(runner, "user_classes_count", {}) or {}),
    }


class Checkpoints:
    """The run folder under ``report_dir``, named once at the start (a live switch changes the
    profile, not the folder), and kept up to date by :meth:`write`.

    A disk problem never stops the run: it is kept in :attr:`error` (and logged once), the next
    checkpoint tries again, and the final report takes its own paths (retry, another directory).
    """

    def __init__(self, report_dir: Path, name: str, log_book: LogBook, *, seconds: float = SECONDS) -> None:
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
        self._history_rows = 0
        self._chart_points = 0
        self._log_position = 0
        self._identity = writer_identity()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def open(self) -> None:
        """Makes the run folder now, so it exists from the run's first second."""
        if not self.enabled or self.folder is not None:
            return
        try:
            folder = reports.make_folder(self.report_dir, self.name)
            atomic_write(folder / "stats_history.csv", reports.csv_text([reports.history_header()]), sync=False)
        except OSError as exc:
            self._failed(exc)
            return
        self.folder = folder

    def write(self, env: Environment, run: reports.RunInfo) -> None:
        """One checkpoint of the run as it is now (``run.end_reason`` is ``running``)."""
        self.open()
        folder = self.folder
        if folder is None:
            return
        try:
            self._append(folder / "stats_history.csv", reports.csv_text(run.history_rows[self._history_rows :]))
            self._history_rows = len(run.history_rows)
            chart = env.stats.history[self._chart_points :]
            self._append(folder / HISTORY_FILE, "".join(json.dumps(point) + "\n" for point in chart))
            self._chart_points += len(chart)
            text, position = self._log_book.text_after(self._log_position)
            self._append(folder / LOG_FILE, text)
            self._log_position = position
            _, files = reports.render(env, run, folder, checkpoint=True)
            files[STATE_FILE] = json.dumps(
                {
                    **self._identity,
                    "written_at": time.time(),
                    "seconds": self.seconds,
                    "report": {"host": env.host, "locustfile": env.locustfile, "profile": env.profile},
                    "thresholds": run.profile.thresholds.to_toml(),
                    "host_series": list(run.host_stats.series.rows),
                    "stats": serialize_stats(env),
                }
            )
            reports.write_files(folder, files, sync=False)
        except OSError as exc:
            self._failed(exc)
            return
        self.written += 1
        if self.error is not None:
            logger.warning("Checkpoints are written to %s again", folder)
            self.error = None

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
