"""Each endpoint's status codes, as counted from every response (or what kept a response from coming)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

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


def totals_text(snapshot: Snapshot) -> Text:
    """``All endpoints  200: 5,800 (97.8%)  503: 24 (0.4%)``...: every endpoint's codes together."""
    text = Text("All endpoints", style="bold")
    counted = sum(count for _, count in snapshot.status_totals)
    if not counted:
        return text.append("  no response yet", style="dim")
    for status, count in snapshot.status_totals:
        text.append("  ")
        text.append(status, style=status_style(status) or "bold")
        text.append(f": {fmt_int(count)} ({fmt_pct(count / counted)})")
    return text


class StatusTotals(Static):
    """The line above the Codes table: the run's codes in total."""

    _shown: tuple[tuple[str, int], ...] | None = None

    def update_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.status_totals != self._shown:
            self._shown = snapshot.status_totals
            self.update(totals_text(snapshot))


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
