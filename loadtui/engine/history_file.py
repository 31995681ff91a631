"""stats_history.csv on its way to disk: rows stay in memory only until a checkpoint has them on disk.

A row per endpoint per interval (:mod:`.endpoint_history`) is about 60 KB a second with
thousands of names, too much to keep for a whole run. Each checkpoint appends the rows that came
since the last one to the run folder's file (:mod:`.checkpoint`) and, once it has, they are dropped
here; the final report is that file's checkpointed bytes and then the rows not yet written
(:class:`.files.Spliced`), copied into place as one file. Without checkpoints (or while the disk
refuses them) the rows wait here, within :data:`PENDING_LIMIT`: past it, endpoint rows are no
longer kept (the Aggregated row a second always is), and the summary says from when.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import reports
from . import summary as summary_mod
from .files import Spliced

logger = logging.getLogger(__name__)

PENDING_LIMIT = 64 * 1024 * 1024
"""Characters of rows kept in memory before endpoint rows are given up (about 18 minutes of 3000
names' rows when no checkpoint can be written, hours of the Aggregated row alone)."""


class HistoryFile:
    def __init__(self, limit: int = PENDING_LIMIT) -> None:
        self.limit = limit
        self._chunks: list[str] = []
        """The CSV text of the rows not on disk yet, a tick's rows a chunk."""
        self._pending = 0
        self.path: Path | None = None
        """The run folder's stats_history.csv, once a checkpoint has written it."""
        self.size = 0
        """How many of its bytes are checkpointed rows (and the header): what it is cut back to."""
        self.endpoint_rows_dropped_at: float | None = None
        """When endpoint rows stopped being kept (nothing could be written for too long)."""
        self._followers: list[Callable[[str], None]] = []

    def follow(self, follower: Callable[[str], None]) -> None:
        """``follower(text)`` for each tick's rows from now on, as CSV text (``--csv``'s live file)."""
        self._followers.append(follower)

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        """One tick's rows (the Aggregated row last)."""
        if self._pending > self.limit and len(rows) > 1:
            if self.endpoint_rows_dropped_at is None:
                self.endpoint_rows_dropped_at = time.time()
                logger.warning(
                    "stats_history.csv: %d MB of rows could not be written to disk; from now on it keeps "
                    "only the Aggregated row until a checkpoint is written",
                    self.limit // (1024 * 1024),
                )
            rows = rows[-1:]
        text = reports.csv_text(rows)
        self._chunks.append(text)
        self._pending += len(text)
        for follower in self._followers:
            follower(text)

    def pending(self) -> tuple[str, int]:
        """(the rows not on disk yet, as CSV text; a mark for :meth:`written`)."""
        if len(self._chunks) > 1:
            self._chunks = ["".join(self._chunks)]
        return (self._chunks[0] if self._chunks else ""), len(self._chunks)

    def started(self, path: Path, size: int) -> None:
        """The run folder's file was made (its header, ``size`` bytes)."""
        self.path, self.size = path, size

    def written(self, mark: int, size: int) -> None:
        """A checkpoint appended what :meth:`pending` gave with ``mark``; the file is ``size`` bytes now."""
        taken = "".join(self._chunks[:mark])
        del self._chunks[:mark]
        self._pending -= len(taken)
        self.size = size

    def contents(self) -> Spliced:
        """The whole file: its checkpointed bytes, then the rows not written yet."""
        tail = "".join(self._chunks)
        if self.path is not None:
            try:
                on_disk = self.path.stat().st_size
            except OSError:
                on_disk = -1
            if on_disk >= self.size:
                return Spliced(self.path, self.size, tail)
            logger.warning(
                "%s is gone or shorter than the %d bytes checkpointed to it: stats_history.csv has only "
                "the rows not written to it yet",
                self.path,
                self.size,
            )
        return Spliced(None, 0, reports.csv_text([reports.history_header()]) + tail)

    def to_dict(self) -> dict[str, Any] | None:
        """summary.json's ``history_gaps``: None when every row was kept."""
        if self.endpoint_rows_dropped_at is None:
            return None
        return {"endpoint_rows_dropped_from": summary_mod.iso_time(self.endpoint_rows_dropped_at)}
