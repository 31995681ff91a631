"""KeyedTable draws one-line cells and header labels itself (a fast path past Rich's layout): it
must draw exactly what DataTable's own ``_render_cell`` draws, cell by cell, style by style, in a
real app."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.strip import Strip
from textual.widgets import DataTable

from loadtui.ui.widgets.cells import Num
from loadtui.ui.widgets.keyed_table import KeyedTable
from tests.helpers import screen_lines

COLUMNS = (("a", "A", 8), ("b", "B", 10), ("c", "C", None), ("d", "D", 5))

ROWS: dict[str, dict[str, Any]] = {
    "plain": {"a": Num(12, "12"), "b": Text("short"), "c": Text("a name", overflow="ellipsis"), "d": Num(1.5, "1.5")},
    "styled": {
        "a": Num(3, "3", "bold red"),
        "b": Text("left", style="green", justify="left"),
        "c": Text("centred", justify="center"),
        "d": Num(0, "ok", "yellow", justify="left"),
    },
    "long": {
        "a": Num(1_234_567, "1,234,567"),
        "b": Text("a much longer text than fits", overflow="ellipsis", no_wrap=True),
        "c": Text("folded and cut", overflow="fold"),
        "d": Num(99_999, "99,999"),
    },
    "wide": {
        "a": Num(1, "二十三"),
        "b": Text("日本語のテキスト", overflow="ellipsis"),
        "c": Text(""),
        "d": Num(2, "-"),
    },
}


class TableApp(App[None]):
    def __init__(self, cursor_type: str = "row") -> None:
        super().__init__()
        self.cursor_type = cursor_type

    def compose(self) -> ComposeResult:
        table = KeyedTable(COLUMNS, cursor_type=self.cursor_type, zebra_stripes=True)
        table.sort_columns = ("a",)
        yield table


def per_cell(lines: list[list[Segment]]) -> list[tuple[str, Style | None]]:
    """Each character with its style: the same drawing however it is cut into segments."""
    return [(char, segment.style) for line in lines for segment in line for char in segment.text]


def compare_every_cell(table: KeyedTable) -> int:
    base = table.rich_style
    compared = 0
    for row in range(-1, table.row_count):  # -1: the header
        for column, col in enumerate(table.ordered_columns):
            for cursor, hover in ((False, False), (True, False), (False, True)):
                width = col.get_render_width(table)
                assert table.draw_cell(row, column, base, width, cursor, hover) is not None  # drawn here
                fast = table._render_cell(row, column, base, width, cursor, hover)
                rich = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                assert per_cell(fast) == per_cell(rich), (row, column, cursor, hover)
                compared += 1
    return compared


async def test_fast_cells_draw_what_datatable_draws() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(ROWS)
        table.focus()
        await pilot.press("down")  # the cursor on a row: cursor styles too
        await pilot.pause()
        assert compare_every_cell(table) == 5 * 4 * 3
        # KeyedTable keeps each slot's styles between frames: a new theme must not draw old ones.
        app.theme = "textual-light"
        await pilot.pause()
        assert compare_every_cell(table) == 5 * 4 * 3
        # The screen shows the table sorted by column a, with the cursor where it was put.
        assert table.row_keys == ["wide", "styled", "plain", "long"]
        assert table.selected_key() == "styled"


async def test_render_caches_hold_one_update_not_a_thousand() -> None:
    """DataTable keys its row and line caches by an update count and bounds them at 1,000
    entries: a table whose figures change every tick would fill them with drawings that can
    never be looked up again. KeyedTable keeps what the current update drew, and draws it right."""
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        for tick in range(50):
            rows = {
                f"n{i}": {"a": Num(i, str(i)), "b": Text(f"t{tick}"), "c": Text("x"), "d": Num(tick, str(tick))}
                for i in range(30)
            }
            table.sync(rows)
            await pilot.pause()  # a frame drawn each tick, as the app draws one a second
        for cache in (table._line_cache, table._row_render_cache, table._row_renderable_cache):
            assert 0 < len(cache) <= table.row_count + 1, cache  # rows and header, one update's
        assert table.row_values("n3")[1].plain == "t49"
        lines = screen_lines(app)
        assert any(line.split()[:2] == ["0", "t49"] for line in lines), lines


def per_char(strip: Strip) -> list[tuple[str, Style | None]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


def compare_every_line(table: KeyedTable, x1: int, x2: int) -> int:
    """Each line as KeyedTable draws it against DataTable's own two steps (which still draw the
    cells through KeyedTable's, compared above)."""
    base = table.rich_style
    compared = 0
    for y in range(table.row_count + 1):  # the header, then each row
        table._line_cache.clear()
        fast = table._render_line(y, x1, x2, base)
        assert (table.draw_line(y, x1, x2, base) is None) == (y == 0), y  # rows drawn in one pass
        table._line_cache.clear()
        table._row_render_cache.clear()
        rich = DataTable._render_line(table, y, x1, x2, base)
        assert fast.cell_length == rich.cell_length == table.size.width, y
        assert per_char(fast) == per_char(rich), (y, x1, x2)
        # Cut into the same segments too: SVG screenshots draw each, empty ones included.
        assert list(fast) == list(rich), (y, x1, x2)
        compared += 1
    return compared


@pytest.mark.parametrize("cursor_type", ["row", "none"])
async def test_fast_lines_draw_what_datatable_draws(cursor_type: str) -> None:
    """Whole lines: cursor row, hover row, zebra stripes, the blank past the last column, and a
    table scrolled sideways in a widget narrower than it; with a row cursor and with none (the
    Aggregated row)."""
    app = TableApp(cursor_type)
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(ROWS)
        table.focus()
        await pilot.press("down")
        table._show_hover_cursor = True
        table.hover_coordinate = Coordinate(2, 1)
        await pilot.pause()
        assert table.size.width > sum(c.get_render_width(table) for c in table.ordered_columns)
        assert compare_every_line(table, 0, table.size.width) == 5
        assert compare_every_cell(table) == 5 * 4 * 3
        table._show_hover_cursor = False  # the mouse left: the kept styles must follow
        assert compare_every_cell(table) == 5 * 4 * 3
        assert compare_every_line(table, 0, table.size.width) == 5
        table._show_hover_cursor = True
        # Exactly as wide as its columns: nothing past the last one.
        columns_width = sum(c.get_render_width(table) for c in table.ordered_columns)
        table.styles.width = columns_width
        await pilot.pause()
        assert table.size.width == columns_width
        assert compare_every_line(table, 0, columns_width) == 5
        # Narrower than the columns: cropped on both sides, as when scrolled sideways.
        table.styles.width = 20
        await pilot.pause()
        assert table.size.width == 20
        assert compare_every_line(table, 0, 20) == 5
        assert compare_every_line(table, 7, 27) == 5
        app.theme = "textual-light"
        await pilot.pause()
        assert compare_every_line(table, 3, 23) == 5
