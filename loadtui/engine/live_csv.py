"""Locust's ``--csv PREFIX`` files while the run goes, kept up to date as Locust's own writer keeps them.

Locust's ``StatsCSVFileWriter`` rewrites ``PREFIX_stats.csv``, ``_failures.csv`` and
``_exceptions.csv`` every ``locust.stats.CSV_STATS_INTERVAL_SEC`` (1 s; a locustfile may change
it) and appends to ``_stats_history.csv``; so does this. The three are rendered by Locust's own
row writers (:func:`.reports.stats_files`) in a forked child (:mod:`.forked_writer`: with 3000
names a render is 90 ms, which here would stop the users and the screen each second), and renamed
into place; the history rows each tick makes (:class:`.history_file.HistoryFile`) are appended
here, a few KB. At the end of the run the final files replace all four (:mod:`.report_writer`),
from the same stats as the run folder.

A disk that refuses them never stops the run: said once in the log, tried again next time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import reports
from .files import atomic_write
from .forked_writer import ForkedWriter
from .report_writer import CSV_FILES

if TYPE_CHECKING:
    from locust.env import Environment

    from .history_file import HistoryFile

logger = logging.getLogger(__name__)


class LiveCsv:
    def __init__(self, prefix: str, history: HistoryFile) -> None:
        self.prefix = prefix
        self.written = 0
        """Times the files were brought up to date."""
        self.error: str | None = None
        """The last write's disk error; None once one succeeds again."""
        self._rows: list[str] = []
        """History rows (CSV text, a tick's a chunk) not appended yet."""
        self._writer = ForkedWriter()
        self._closed = False
        history.follow(self._rows.append)

    def path(self, name: str) -> Path:
        """Where the run folder's ``name`` goes under the prefix (``stats.csv`` -> ``PREFIX_stats.csv``)."""
        return Path(self.prefix + CSV_FILES[name])

    def start(self) -> None:
        """``PREFIX_stats_history.csv`` with its header, as Locust's writer opens it at the start."""
        history = self.path("stats_history.csv")
        try:
            if history.parent != Path():
                os.makedirs(history.parent, exist_ok=True)
            atomic_write(history, reports.csv_text([reports.history_header()]), sync=False)
        except OSError as exc:
            self._failed(exc)

    def write(self, env: Environment) -> None:
        """One rewrite: the three files anew (in a child), the history rows since the last one appended."""
        if self._closed or self._writer.busy:
            return
        rows = "".join(self._rows)
        self._rows.clear()  # in place: the history file's follower is this list's append
        try:
            if rows:
                with self.path("stats_history.csv").open("a", encoding="utf-8", newline="") as handle:
                    handle.write(rows)
            rows = ""

            def render_and_write() -> None:
                for name, text in reports.stats_files(env).items():
                    atomic_write(self.path(name), text, sync=False)

            self._writer.run(render_and_write)
        except OSError as exc:
            if rows:
                self._rows.insert(0, rows)  # not appended: the next write tries again
            self._failed(exc)
            return
        self.written += 1
        if self.error is not None:
            logger.warning("The --csv files are written to %s* again", self.prefix)
            self.error = None

    def close(self) -> None:
        """No more rewrites (the run's end writes the files final); waits for one being written."""
        self._closed = True
        self._writer.wait()

    def _failed(self, exc: OSError) -> None:
        error = f"cannot write {exc.filename or self.prefix + '*'}: {exc.strerror or exc}"
        if error != self.error:
            logger.warning("--csv: %s (the run goes on; the files are tried again each second)", error)
        self.error = error
