"""Each endpoint's status codes, as counted from every response (or what kept a response from coming)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_int, fmt_pct
from .cells import Num
from .keyed_table import KeyedTable, row_key

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("method", "Method", 6),
    ("name", "Name", 30),
    ("status", "Status", 18),
    ("count", "Count", 9),
    ("share", "Share", 7),
)


def status_style(status: str) -> str:
    """2xx plain, 3xx dim, 4xx yellow, 5xx and no response red (with the word, never colour alone)."""
    if status[:1] == "2" or status == "ok":
        return ""
    if status[:1] == "3":
        return "dim"
    if status[:1] == "4":
        return "yellow"
    return "bold red"


def status_codes_tab_label(snapshot: Snapshot) -> str:
    return f"Codes ({len({row.status for row in snapshot.status_codes})})"


class StatusCodesTable(KeyedTable):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_columns = ("name", "method")  # each endpoint's most frequent first, as the rows come

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.sync(
            {
                row_key(row.method, row.name, row.status): {
                    "method": Text(row.method),
                    "name": Text(row.name, overflow="ellipsis", no_wrap=True),
                    "status": Text(row.status, style=status_style(row.status)),
                    "count": Num(row.count, fmt_int(row.count)),
                    "share": Num(row.share, fmt_pct(row.share)),
                }
                for row in snapshot.status_codes
            }
        )
