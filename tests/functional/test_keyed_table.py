"""KeyedTable draws one-line cells and header labels itself (a fast path past Rich's layout): it
must draw exactly what DataTable's own ``_render_cell`` draws, cell by cell, style by style, in a
real app."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
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
    def compose(self) -> ComposeResult:
        table = KeyedTable(COLUMNS, cursor_type="row", zebra_stripes=True)
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
