"""A DataTable updated in place from keyed rows: the memray way of keeping a live table cheap.

Rows are added with ``add_row``, changed cells with ``update_cell``, vanished rows with
``remove_row``; the table is never ``clear()``ed per tick, which would rebuild every row and lose
the cursor. For a tick where nothing changed the cost is one dict comparison per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from .cells import Num

Cells = Mapping[str, Any]


def sort_value(value: Any) -> Any:
    """What a cell sorts by: a Num's value, a Text's plain string, anything else as it is."""
    if isinstance(value, Num):
        return value.value
    if isinstance(value, Text):
        return value.plain.casefold()
    if isinstance(value, str):
        return value.casefold()
    return value


def sort_key(values: Any) -> Any:
    if isinstance(values, tuple):
        return tuple(sort_value(v) for v in values)
    return sort_value(values)


class KeyedTable(DataTable[Any]):
    """A DataTable fed whole snapshots of keyed rows by :meth:`sync`."""

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._column_spec = tuple(columns)
        self._cells: dict[str, Cells] = {}
        self.sort_columns: tuple[str, ...] = ()
        self.sort_reverse = False

    def on_mount(self) -> None:
        for key, label, width in self._column_spec:
            self.add_column(label, width=width, key=key)

    @property
    def row_keys(self) -> list[str]:
        """Keys in display order (what the tests and the cursor logic look at)."""
        return [str(row.key.value) for row in self.ordered_rows]

    def sync(self, rows: Mapping[str, Cells]) -> bool:
        """Brings the table to ``rows`` (key -> column -> cell). True if the order may have changed."""
        resort = False
        for key in list(self._cells):
            if key not in rows:
                self.remove_row(key)
                del self._cells[key]
        for key, cells in rows.items():
            old = self._cells.get(key)
            if old is cells:
                continue
            if old is None:
                self.add_row(*(cells[c] for c, _, _ in self._column_spec), key=key)
                resort = True
            elif old != cells:
                for column, value in cells.items():
                    if old.get(column) != value:
                        self.update_cell(key, column, value)
                        if column in self.sort_columns:
                            resort = True
            self._cells[key] = cells
        if resort and self.sort_columns:
            self.apply_sort()
        return resort

    def apply_sort(self) -> None:
        """Sorts, keeping the cursor on the same row (not the same index) while the table has focus."""
        if not self.sort_columns or not self.row_count:
            return
        selected = self.selected_key() if self.has_focus else None
        self.sort(*self.sort_columns, key=sort_key, reverse=self.sort_reverse)
        if selected is not None and selected in self._cells:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except CellDoesNotExist:
            return None

    def set_column_width(self, column: str, width: int) -> None:
        """Fixed width for one column (the name column follows the panel width)."""
        col = self.columns.get(ColumnKey(column))
        if col is None or (col.width == width and not col.auto_width):
            return
        col.width = width
        col.auto_width = False
        # DataTable has no public way to resize a column; these two are what add_column triggers.
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def set_column_label(self, column: str, label: str) -> None:
        col = self.columns.get(ColumnKey(column))
        if col is not None and col.label.plain != label:
            col.label = Text(label)
            self._clear_caches()
            self.refresh()


def row_key(*parts: str) -> str:
    """One string key from several fields; NUL never appears in a method, name or error."""
    return "\x00".join(parts)


__all__ = ["Cells", "KeyedTable", "RowKey", "row_key", "sort_key"]
