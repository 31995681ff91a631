"""KeyedTable draws one-line cells and header labels itself (a fast path past Rich's layout): it
must draw exactly what DataTable's own ``_render_cell`` draws, cell by cell, style by style, in a
real app.

The fast path goes through DataTable internals (``datatable_internals``), checked at import. When
one is missing, KeyedTable is DataTable's own drawing and public writes: the tests at the end
make the check fail on purpose and run that fallback against the fast path."""

from __future__ import annotations

import ast
import json
import logging
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.strip import Strip
from textual.widgets import DataTable

from loadtui.ui.widgets import datatable_internals as internals
from loadtui.ui.widgets import keyed_table
from loadtui.ui.widgets.cells import Num
from loadtui.ui.widgets.datatable_internals import missing_internals
from loadtui.ui.widgets.keyed_table import SHRINK_BY_CLEARING, KeyedTable
from tests.helpers import ROOT, screen_lines

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


# --- the internals, checked at import; the fallback when one is missing ------------------------


def test_the_installed_textual_has_every_internal() -> None:
    assert missing_internals() == []
    assert internals.MISSING == ()
    assert internals.AVAILABLE


def test_keyed_table_names_no_datatable_internal() -> None:
    """The seam is the only way in: keyed_table.py names none of DataTable's private attributes
    and imports no private textual module."""
    private = {name for name in dir(DataTable()) if name.startswith("_") and not name.startswith("__")}
    tree = ast.parse(Path(keyed_table.__file__).read_text(encoding="utf-8"))
    named = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert (named | defined) & private == set()
    parts = [module.split(".") for module in imported]
    assert [p for p in parts if p[0] in ("textual", "rich") and any(part.startswith("_") for part in p)] == []


class NoUpdateCount(DataTable[Any]):
    def __init__(self) -> None:
        super().__init__()
        del self._update_count


class NewRowsAList(DataTable[Any]):
    def __init__(self) -> None:
        super().__init__()
        self._new_rows = []  # type: ignore[assignment]


class PlainRowLocations(DataTable[Any]):
    def __init__(self) -> None:
        super().__init__()
        self._row_locations = {}  # type: ignore[assignment]


class NoOffsets(DataTable[Any]):
    _get_offsets = None  # type: ignore[assignment]


class CursorBeforeHover(DataTable[Any]):
    def _get_styles_to_render_cell(  # type: ignore[override]
        self,
        is_header_cell: bool,
        is_row_label_cell: bool,
        is_fixed_style_cell: bool,
        cursor: bool,
        hover: bool,
        show_cursor: bool,
        show_hover_cursor: bool,
        has_css_foreground_priority: bool,
        has_css_background_priority: bool,
    ) -> tuple[Style, Style]:
        return Style(), Style()


class RenderLineWithRequiredKeyword(DataTable[Any]):
    def _render_line(self, y: int, x1: int, x2: int, base_style: Style, *, fixed: bool) -> Strip:
        return Strip([])


class NeedsAnApp(DataTable[Any]):
    def __init__(self, app: App[None]) -> None:
        super().__init__()


@pytest.mark.parametrize(
    ("stand_in", "missing"),
    [
        (NoUpdateCount, "NoUpdateCount._update_count"),
        (NewRowsAList, "NewRowsAList._new_rows (set)"),
        (PlainRowLocations, "PlainRowLocations._row_locations.get_key"),
        (NoOffsets, "NoOffsets._get_offsets"),
        (CursorBeforeHover, "CursorBeforeHover._get_styles_to_render_cell("),
        (RenderLineWithRequiredKeyword, "RenderLineWithRequiredKeyword._render_line(y, x1, x2, base_style)"),
        (NeedsAnApp, "NeedsAnApp() (TypeError"),
    ],
)
def test_the_check_names_what_a_changed_datatable_lacks(stand_in: type[DataTable[Any]], missing: str) -> None:
    """A DataTable as a Textual release could change it, one name at a time: the check names that
    one and nothing else."""
    found = missing_internals(stand_in)
    assert len(found) == 1, found
    assert found[0].startswith(missing), found


def test_the_check_finds_line_crop_or_says_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert missing_internals(DataTable, "textual.geometry") == ["textual.geometry.line_crop"]
    changed = types.ModuleType("changed_segment_tools")
    changed.line_crop = lambda segments, start, end: segments  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "changed_segment_tools", changed)
    assert missing_internals(DataTable, "changed_segment_tools") == [
        "changed_segment_tools.line_crop(segments, start, end, total)"
    ]


def test_what_is_missing_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=internals.__name__)
    assert internals.report([]) is True
    assert caplog.records == []
    assert internals.report(missing_internals(NoUpdateCount) + missing_internals(NoOffsets)) is False
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "NoUpdateCount._update_count" in message and "NoOffsets._get_offsets" in message


FAST_PATH = [name for name in internals.__all__ if callable(getattr(internals, name))]
FAST_PATH = [name for name in FAST_PATH if name not in ("HookedDataTable", "missing_internals", "report")]


def leave_internals_alone(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on tables are made as if an internal were missing, and every function of the seam's
    fast path fails if called: the names of those called (there must be none)."""
    monkeypatch.setattr(internals, "AVAILABLE", False)
    called: list[str] = []

    def forbidden(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            called.append(name)
            raise AssertionError(f"the fallback used datatable_internals.{name}")

        return call

    for name in FAST_PATH:
        monkeypatch.setattr(internals, name, forbidden(name))
    return called


def churn_ticks() -> list[dict[str, dict[str, Any]]]:
    """Snapshots whose keys come and go: rows added, a few removed (remove_row), most removed
    (clear), the same row dict kept from one tick to the next, texts longer and shorter."""
    ticks: list[dict[str, dict[str, Any]]] = []
    kept: dict[str, dict[str, Any]] = {}
    for tick, count in enumerate((6, 9, 7, 14, 14 - SHRINK_BY_CLEARING - 3, 10, 12)):
        rows: dict[str, dict[str, Any]] = {}
        for i in range(count):
            key = f"k{(tick * 3 + i * 5) % 23}"
            if key in kept and i % 3 == 0:
                rows[key] = kept[key]  # the very dict shown before: an unchanged row
                continue
            value = (i * 37 + tick * 11) % 50
            rows[key] = {
                "a": Num(value, f"{value:,}", "bold red" if value % 4 == 0 else ""),
                "b": Text(f"{key} t{tick}", style="green" if i % 2 else ""),
                "c": Text("x" * (1 + (i + tick) % 9), overflow="ellipsis"),
                "d": Num(tick, str(tick), justify="left" if i % 2 else "right"),
            }
        kept = rows
        ticks.append(rows)
    return ticks


async def run_churn(ticks: list[dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """What the table holds and shows after each tick, in a real app with a person on a row."""
    app = TableApp()
    seen: list[dict[str, Any]] = []
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        for tick, rows in enumerate(ticks):
            table.sync(rows)
            if tick == 0:
                await pilot.press("down", "down")  # the cursor on a row: it follows that row's key
            if tick == 3:
                table.set_column_width("c", 6)
            if tick == 5:
                table.set_column_label("a", "A*")
            await pilot.pause()
            names = [key for key, _, _ in COLUMNS]
            expected = [[rows[key][name] for name in names] for key in table.row_keys]
            held = [table.get_row_at(i) for i in range(table.row_count)]
            assert len(held) == len(expected) and all(
                a is b for got, want in zip(held, expected, strict=True) for a, b in zip(got, want, strict=True)
            ), tick
            columns_width = sum(column.get_render_width(table) for column in table.ordered_columns)
            assert table.virtual_size.width == columns_width, tick  # column resized: scrolls as far
            seen.append(
                {
                    "uses internals": table.uses_internals,
                    "keys": table.row_keys,
                    "selected": table.selected_key(),
                    "cursor": table.cursor_row,
                    "screen": [" ".join(line.split()) for line in screen_lines(app)],
                    "lines": [list(strip) for strip in table.render_lines(table.size.region)] if tick >= 3 else [],
                }
            )
    return seen


async def test_the_fallback_shows_what_the_fast_path_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same snapshots through the fast path and through DataTable's own drawing and public
    writes: the same rows in the same order, the same cells, the same screen; once no column
    has an automatic width, the same characters in the same styles."""
    ticks = churn_ticks()
    assert sorted(ticks[0]) != sorted(ticks[1])  # the keys do churn
    fast = await run_churn(ticks)
    called = leave_internals_alone(monkeypatch)
    fallback = await run_churn(ticks)
    assert called == []
    assert {tick["uses internals"] for tick in fast} == {True}
    assert {tick["uses internals"] for tick in fallback} == {False}
    for tick, (drawn_fast, drawn_fallback) in enumerate(zip(fast, fallback, strict=True)):
        for aspect in ("keys", "selected", "cursor", "screen"):
            assert drawn_fast[aspect] == drawn_fallback[aspect], (tick, aspect)
        if drawn_fast["lines"]:
            chars_fast = [[(c, seg.style) for seg in line for c in seg.text] for line in drawn_fast["lines"]]
            chars_fallback = [[(c, seg.style) for seg in line for c in seg.text] for line in drawn_fallback["lines"]]
            assert chars_fast == chars_fallback, tick
    assert fast[-1]["selected"] is not None
    assert any("A*" in line for line in fast[-1]["screen"])


async def test_the_fallback_draws_every_part_of_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """DataTable's own drawing of what the fast path would draw: header, cursor and hover rows,
    zebra stripes, a table with no cursor, a new theme, scrolled sideways; nothing raises."""
    called = leave_internals_alone(monkeypatch)
    for cursor_type in ("row", "none"):
        app = TableApp(cursor_type)
        async with app.run_test(size=(30, 12)) as pilot:
            table = app.query_one(KeyedTable)
            assert not table.uses_internals
            table.sync(ROWS)
            table.focus()
            await pilot.press("down")
            await pilot.hover(KeyedTable, offset=(2, 3))
            app.theme = "textual-light"
            await pilot.pause()
            table.scroll_right(animate=False)
            await pilot.pause()
            lines = screen_lines(app)
            assert any("B" in line for line in lines[:1]), lines
            assert table.row_keys == ["wide", "styled", "plain", "long"]
    assert called == []


A_FRESH_PROCESS = """
import asyncio, json, logging, sys

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
if sys.argv[1] == "without line_crop":
    # As a Textual release that renamed it would be: DataTable draws with its own reference.
    import textual._segment_tools
    import textual.widgets._data_table

    del textual._segment_tools.line_crop

from rich.text import Text
from textual.app import App

from loadtui.ui.widgets import datatable_internals as internals
from loadtui.ui.widgets.cells import Num
from loadtui.ui.widgets.keyed_table import KeyedTable


class TableApp(App[None]):
    def compose(self):
        table = KeyedTable((("a", "A", 6), ("b", "B", None)), cursor_type="row", zebra_stripes=True)
        table.sort_columns = ("a",)
        yield table


async def main():
    app = TableApp()
    screens = []
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        for tick in range(4):
            rows = {f"k{(tick + i) % 7}": {"a": Num(i, str(i)), "b": Text(f"t{tick}" * i)} for i in range(tick + 3)}
            table.sync(rows)
            await pilot.pause()
            screens.append([strip.text for strip in app.screen._compositor.render_strips()])
    hooked = vars(internals.HookedDataTable)
    print(json.dumps({"available": internals.AVAILABLE, "overridden": "_render_line" in hooked, "screens": screens}))


asyncio.run(main())
"""


def test_a_textual_without_an_internal_is_caught_at_import() -> None:
    """The real check at a real import, in fresh processes: one with textual as installed, one
    where textual lacks ``line_crop``. The second logs one warning naming it, leaves DataTable's
    drawing steps alone, and shows what the first shows."""
    modes = ("as installed", "without line_crop")
    started = [
        subprocess.Popen(
            [sys.executable, "-c", A_FRESH_PROCESS, mode],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in modes
    ]
    (fast, fast_log), (fallback, fallback_log) = [process.communicate(timeout=90) for process in started]
    assert [process.returncode for process in started] == [0, 0], (fast_log[-2000:], fallback_log[-2000:])
    drawn_fast, drawn_fallback = json.loads(fast), json.loads(fallback)
    assert drawn_fast["available"] and drawn_fast["overridden"]
    assert not drawn_fallback["available"] and not drawn_fallback["overridden"]
    assert "WARNING" not in fast_log
    warnings = [line for line in fallback_log.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "textual._segment_tools.line_crop missing" in warnings[0], fallback_log
    assert drawn_fallback["screens"] == drawn_fast["screens"]
    assert any("t3t3t3" in line for line in drawn_fast["screens"][-1])
