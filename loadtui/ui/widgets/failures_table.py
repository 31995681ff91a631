"""Failed requests grouped as Locust groups them: method, name and error."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_ago, fmt_int
from .cells import Num
from .keyed_table import KeyedTable, row_key

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("occurrences", "Count", 8),
    ("method", "Method", 6),
    ("name", "Name", 24),
    ("error", "Error", 50),
    ("last_seen", "Last seen", 10),
)


class FailuresTable(KeyedTable):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_columns = ("occurrences",)
        self.sort_reverse = True

    def update_snapshot(self, snapshot: Snapshot) -> None:
        now = snapshot.taken_at  # relative to the snapshot, not the wall clock: deterministic
        rows = {}
        for failure in snapshot.failures:
            ago = None if failure.last_seen is None else now - failure.last_seen
            rows[row_key(failure.method, failure.name, failure.error)] = {
                "occurrences": Num(failure.occurrences, fmt_int(failure.occurrences)),
                "method": Text(failure.method),
                "name": Text(failure.name, overflow="ellipsis", no_wrap=True),
                "error": Text(failure.error.replace("\n", " "), overflow="ellipsis", no_wrap=True),
                "last_seen": Num(-(ago or 0.0), fmt_ago(ago)),
            }
        self.sync(rows)
