"""Exceptions raised in user code: a table of (count, message), the traceback of the selected one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from loadtui.engine.snapshot import ExceptionRow, Snapshot

from ..formatting import fmt_int
from . import update_if_changed
from .cells import Num
from .keyed_table import KeyedTable, row_key

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("count", "Count", 8),
    ("message", "Message", 80),
)


class ExceptionsView(Vertical):
    DEFAULT_CSS = """
    ExceptionsView > #exceptions { height: 1fr; min-height: 3; }
    ExceptionsView > #traceback-scroll { height: 1fr; border-top: solid $primary-muted; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._by_key: dict[str, ExceptionRow] = {}

    def compose(self) -> ComposeResult:
        table = KeyedTable(COLUMNS, id="exceptions", cursor_type="row")
        table.sort_columns = ("count",)
        table.sort_reverse = True
        yield table
        with VerticalScroll(id="traceback-scroll"):
            yield Static(Text("Select an exception to see its traceback.", style="dim"), id="traceback")

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self._by_key = {row_key(e.message, e.traceback): e for e in snapshot.exceptions}
        rows = {
            key: {
                "count": Num(e.count, fmt_int(e.count)),
                "message": Text(e.message.replace("\n", " "), overflow="ellipsis", no_wrap=True),
            }
            for key, e in self._by_key.items()
        }
        table = self.query_one("#exceptions", KeyedTable)
        table.sync(rows)
        self._show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def _show_selected(self) -> None:
        table = self.query_one("#exceptions", KeyedTable)
        key = table.selected_key()
        exc = self._by_key.get(key) if key is not None else None
        traceback = self.query_one("#traceback", Static)
        if exc is None:
            update_if_changed(traceback, Text("No exceptions in user code so far.", style="dim"))
            return
        text = Text()
        text.append(f"{exc.count} times: {exc.message}\n", style="bold")
        text.append(exc.traceback)
        update_if_changed(traceback, text)
