"""A DataTable fed whole snapshots of keyed rows: cheap when thousands of names churn.

The table's rows are positional slots: slot ``i`` shows the ``i``-th row of the current order
(sorted here by ``sort_columns``). Each :meth:`sync` writes only the slots whose row changed and
repaints once. Slots are added or removed only when the row count changes.

Why not one DataTable row per key, with ``add_row``/``remove_row``/``update_cell``? With 3000
names the top 200 rows change membership every tick (70 of 200 by requests/s), and
``remove_row`` rebuilds the table's row index and re-runs its cursor watchers each time, while
``update_cell`` repaints once per cell: 66 ms a tick, p95 191 ms, and key presses queued behind
it. Written as slots, the changed rows all at once, it is 2 ms.

The drawing (below) is DataTable's, made cheaper: one-line numbers and texts are drawn without
Rich's general layout, a data row of them in one pass, and the table's styles are looked up once
a drawing. Whatever else (row labels, taller rows, text with spans) DataTable draws.

What it relies on: the bulk writes and the fast drawing need DataTable internals (its cell store
and update count, its render caches, the steps of its drawing, textual's ``line_crop``). They are
all reached through ``datatable_internals.py``: this module calls its functions, subclasses its
``HookedDataTable`` (DataTable's private drawing steps, routed to ``draw_line``/``draw_cell``
here) and names no private attribute of DataTable (a test reads this file to check). That module
checks at import that each internal is there, methods with the parameters they are called with.

When a Textual release changes one, the app does not crash in the middle of a frame: one warning
in the log names what is missing, and the tables leave the internals alone. DataTable draws them
itself and their rows are written by ``add_row``/``update_cell``/``remove_row``/``clear``: the
same rows and cells (tested), slower (30 lines of endpoints drawn in 108 ms instead of 9.4, 200
changed rows written in 48 ms instead of 3.4; CPU medians). Column widths and labels are set the
public way in both. textual is pinned to 8.x (pyproject.toml), and
``tests/functional/test_keyed_table.py`` compares the fast drawing with DataTable's own, cell by
cell and line by line, and runs the fallback against the fast path.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets.data_table import ColumnKey, RowKey

from . import datatable_internals as internals
from .cells import Num
from .datatable_internals import HookedDataTable

Cells = Mapping[str, Any]

CELL_STYLES = 4096
"""Cell styles kept (a screen of slots in each cursor/hover state is a few hundred)."""

SHRINK_BY_CLEARING = 8
"""Shrinking by more rows than this clears and refills: ``remove_row`` is O(rows) per call."""


def sort_value(value: Any) -> Any:
    """What a cell sorts by: a Num's value, a Text's plain string, anything else as it is."""
    if isinstance(value, Num):
        return value.value
    if isinstance(value, Text):
        return value.plain.casefold()
    if isinstance(value, str):
        return value.casefold()
    return value


def _getter(names: tuple[str, ...]) -> Callable[[Cells], tuple[Any, ...]]:
    """The cells of a row (a column name -> cell mapping) in the order of ``names``."""
    if len(names) > 1:
        return itemgetter(*names)
    return lambda cells: tuple(cells[name] for name in names)


def _slot(index: int) -> RowKey:
    return RowKey(str(index))


def _plain_cell(cell: Any) -> tuple[str, str, str, str] | None:
    """(text, style, justify, overflow) of a one-line cell the fast path draws, else None.

    ``justify`` is ``""`` for a Text that sets none: Rich then pads it unstyled, where an
    explicit ``left`` pads it in the text's own style."""
    if isinstance(cell, Num):
        return cell.text, cell.style, cell.justify, "fold"
    if isinstance(cell, Text) and not cell.spans and "\n" not in cell.plain and cell.justify != "full":
        return cell.plain, str(cell.style), cell.justify or "", cell.overflow or "fold"
    return None


def _fit(text: str, width: int, justify: str, overflow: str) -> tuple[str, str]:
    """``text`` laid out in ``width`` cells as Rich lays out one no-wrap line: (the part in
    the text's style, the unstyled padding after it)."""
    length = cell_len(text)
    if length > width:
        if overflow == "ellipsis" and width > 0:
            return set_cell_size(text, width - 1) + "…", ""
        return set_cell_size(text, width), ""
    gap = width - length
    if justify == "right":
        return " " * gap + text, ""
    if justify == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2), ""
    if justify == "left":
        return text + " " * gap, ""
    return text, " " * gap


class _DrawnStyles:
    """A component's styles for the length of one drawing: ``rich_style`` computed once."""

    __slots__ = ("_styles", "rich_style")

    def __init__(self, styles: Any) -> None:
        self._styles = styles
        self.rich_style: Style = styles.rich_style

    def __getattr__(self, name: str) -> Any:
        return getattr(self._styles, name)


class KeyedTable(HookedDataTable):
    """A DataTable fed whole snapshots of keyed rows by :meth:`sync`."""

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], **kwargs: Any) -> None:
        self._drawing: dict[Any, Any] | None = None
        self._cell_styles: dict[tuple[Any, ...], Any] = {}
        """(slot, column, state) -> (padding style, text style, equal), for the fast cells, and
        the style past the last column (set first: DataTable's __init__ already clears caches)."""
        super().__init__(**kwargs)
        self._column_spec: tuple[tuple[str, str, int | None], ...] = tuple(columns)
        self._column_names = tuple(key for key, _, _ in self._column_spec)
        self._column_keys = tuple(ColumnKey(key) for key in self._column_names)
        self._values = _getter(self._column_names)
        """A row's cells in column order (a C-level lookup: the bulk write does 200 rows a tick)."""
        self._auto_columns = frozenset(key for key, _, width in self._column_spec if width is None)
        self._cells: dict[str, Cells] = {}
        self._shown: list[tuple[str, Cells]] = []
        """What each slot shows, in display order."""
        self.sort_columns: tuple[str, ...] = ()
        self.sort_reverse = False
        self.fill_column: str | None = None
        """A column as wide as the table leaves it (at least its own width); None: none grows."""
        self.cursor_chosen = False
        """Whether a person put the cursor on a row (a key or a click): it then follows that row
        as the rows re-sort; until then it stays on the first row, whichever that is."""
        self._placing = False

    def on_mount(self) -> None:
        for key, label, width in self._column_spec:
            self.add_column(label, width=width, key=key)

    def on_resize(self, event: events.Resize) -> None:
        if self.fill_column is None:
            return
        fixed = sum(2 + (width or 0) for key, _, width in self._column_spec if key != self.fill_column)
        least = next(width or 0 for key, _, width in self._column_spec if key == self.fill_column)
        # inside the border and padding; 2 for the cell's padding, 2 for the vertical scrollbar
        self.set_column_width(self.fill_column, max(least, self.content_size.width - fixed - 4))

    @property
    def row_keys(self) -> list[str]:
        """Keys in display order (what the tests and the cursor logic look at)."""
        return [key for key, _ in self._shown]

    def key_at(self, index: int | None = None) -> str | None:
        """The key of the row shown at ``index`` (the cursor's by default); None: no such row."""
        index = self.cursor_row if index is None else index
        return self._shown[index][0] if 0 <= index < len(self._shown) else None

    def row_values(self, key: str) -> list[Any]:
        """One row's cells in column order, by its key."""
        return list(self._values(self._cells[key]))

    def row_cells(self, key: str) -> Cells:
        """One row's cells by column key."""
        return dict(self._cells[key])

    def sync(self, rows: Mapping[str, Cells]) -> None:
        """Brings the table to ``rows`` (key -> column -> cell), in ``sort_columns`` order."""
        self._cells = dict(rows)
        self._show()

    def apply_sort(self) -> None:
        """Re-sorts what is shown (after ``sort_columns`` or ``sort_reverse`` changed)."""
        self._show()

    def watch_cursor_coordinate(self, old_coordinate: Coordinate, new_coordinate: Coordinate) -> None:
        super().watch_cursor_coordinate(old_coordinate, new_coordinate)
        if not self._placing and old_coordinate != new_coordinate:
            self.cursor_chosen = True

    def _show(self) -> None:
        self._placing = True
        try:
            self._place()
        finally:
            self._placing = False

    def _place(self) -> None:
        ordered = list(self._cells.items())
        if self.sort_columns:
            columns = self.sort_columns
            ordered.sort(key=lambda item: tuple(sort_value(item[1][c]) for c in columns), reverse=self.sort_reverse)
        # The cursor stays on the same row (not the same index) while a person is on the table
        # and has put it there.
        selected = self.selected_key() if self.has_focus and self.cursor_chosen else None
        shown = self._shown
        if len(ordered) < len(shown) - SHRINK_BY_CLEARING:
            self.clear()
            shown = []
        while len(shown) > len(ordered):
            shown.pop()
            self.remove_row(_slot(len(shown)))
        replaced: list[tuple[int, Cells, Cells]] = []
        """(slot, the cells it showed, the cells it shows now) for each slot whose row changed."""
        for index, (key, cells) in enumerate(ordered):
            if index >= len(shown):
                self.add_row(*self._values(cells), key=str(index))
                shown.append((key, cells))
                continue
            if shown[index][1] is cells:
                continue  # the very dict already shown: an unchanged row
            replaced.append((index, shown[index][1], cells))
            shown[index] = (key, cells)
        self._shown = shown
        if replaced:
            self._write(replaced)
        if selected is not None and selected in self._cells:
            index = next(i for i, (key, _) in enumerate(shown) if key == selected)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)

    def _write(self, replaced: list[tuple[int, Cells, Cells]]) -> None:
        """Writes the slots whose row changed: (slot, the cells it showed, the cells it shows now)."""
        names, keys = self._column_names, self._column_keys
        if self.uses_internals:
            values = self._values
            rows = {_slot(i): dict(zip(keys, values(now), strict=True)) for i, _, now in replaced}
            internals.write_rows(self, rows, measure=bool(self._auto_columns))
            self.refresh()
            return
        # DataTable's public way: a cell at a time, each counted as an update with a repaint asked.
        for index, before, now in replaced:
            slot = _slot(index)
            for name, column_key in zip(names, keys, strict=True):
                value = now[name]
                if value is not before[name]:
                    self.update_cell(slot, column_key, value, update_width=name in self._auto_columns)

    def draw_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool
    ) -> list[list[Segment]] | None:
        """DataTable's cell drawing, without Rich's general layout for the one-line cells here.

        DataTable lays every cell out through Rich (Styled, Padding, Text wrapping): 150 us a
        cell, 40 ms a frame for a screen of endpoints, and every row's figures change each tick.
        A number or a plain one-line text is drawn here directly, to the same segments
        (``tests/functional/test_keyed_table.py`` compares both), header labels included: they
        are drawn again whenever the table changes, and DataTable keeps each drawing in a cache of
        10,000 cells, which filled 10 MB over the first 15 minutes of a run. Anything else (row
        labels, taller rows, text with spans) is left to DataTable (None).
        """
        if column_index < 0:
            return None
        if row_index == -1:
            plain = _plain_cell(self.ordered_columns[column_index].label) if self.header_height == 1 else None
        else:
            found = internals.cell_at(self, row_index, column_index)
            plain = _plain_cell(found[1]) if found is not None and found[0] == 1 else None
        if plain is None:
            return None
        text, style, justify, overflow = plain
        show_hover, _, pseudo = internals.drawing_state(self)
        looks = (self.show_cursor, show_hover, pseudo)
        pad_style, text_style, _ = self._cell_styles_for(
            row_index, column_index, base_style, cursor, hover, style, looks
        )
        padding = self.cell_padding
        content, after = _fit(text, max(0, width - 2 * padding), justify, overflow)
        return [
            [Segment(" " * padding, pad_style), Segment(content, text_style), Segment(after + " " * padding, pad_style)]
        ]

    def _cell_styles_for(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        cursor: bool,
        hover: bool,
        style: str,
        looks: tuple[bool, bool, Hashable],
    ) -> tuple[Style, Style, bool]:
        """(padding style, text style, whether they are equal) of a fast cell.

        The styles of a slot's cell repeat from tick to tick while its text changes: they are
        combined once per slot and state (Rich's Style additions were most of a cell's cost).
        ``looks``: (show_cursor, whether the hover cursor shows, the pseudo-class state), the
        same for a whole line."""
        style_key = (row_index, column_index, base_style, cursor, hover, style, looks)
        styles = self._cell_styles.get(style_key)
        if styles is None:
            header = row_index == -1
            fixed = not header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
            show_cursor, show_hover, _ = looks
            component_style, post_style = internals.cell_styles(
                self,
                header=header,
                fixed=fixed,
                hover=hover,
                cursor=cursor,
                show_cursor=show_cursor,
                show_hover=show_hover,
                css_foreground=self.cursor_foreground_priority == "css",
                css_background=self.cursor_background_priority == "css",
            )
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
            pad_style, text_style = pre + post_style, pre + Style.parse(style) + post_style
            styles = (pad_style, text_style, pad_style == text_style)
            self._remember_styles(style_key, styles)
        return styles

    def _remember_styles(self, key: tuple[Any, ...], styles: Any) -> None:
        if len(self._cell_styles) >= CELL_STYLES:
            self._cell_styles.clear()
        self._cell_styles[key] = styles

    # --- a line of plain cells, drawn in one pass ----------------------------------------------
    #
    # DataTable draws a line in two steps (_render_line_in_row, then _render_line), each asking
    # again for the columns in order, each column's width, the row's styles and the extension
    # past the last column, then joins, crops, measures and merges the segments: 0.39 ms a line
    # even with the cells above, for the 30 lines of endpoints that all change every tick (0.18
    # ms drawn here, A/B in one run). A data row of the tables here (a row cursor or none, no
    # row labels, no fixed columns, one-line plain cells) is drawn here at once, to the same
    # characters in the same styles (``tests/functional/test_keyed_table.py`` compares whole
    # lines with DataTable's). Anything else, the header included, is DataTable's (None).

    def draw_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip | None:
        cursor_type = self.cursor_type
        if cursor_type not in ("row", "none") or self.fixed_columns or internals.row_labels_shown(self):
            return None
        found = internals.data_row(self, y)
        if found is None:
            return None
        row_index, row, cells = found
        if row.height != 1:
            return None
        width = self.size.width
        cursor_location, hover_location = self.cursor_coordinate, self.hover_coordinate
        show_hover, update_count, pseudo = internals.drawing_state(self)
        cache_key = (
            y,
            x1,
            x2,
            width,
            cursor_location,
            hover_location,
            base_style,
            cursor_type,
            show_hover,
            update_count,
            pseudo,
        )
        strip = internals.cached_line(self, cache_key)
        if strip is not None:
            return strip
        columns, table_width = self._drawn_columns()
        padding = self.cell_padding
        pad = " " * padding
        looks = (self.show_cursor, show_hover, pseudo)
        # DataTable's _should_highlight: a row cursor highlights its row, no cursor nothing.
        row_cursor = cursor_type == "row"
        cursor = row_cursor and cursor_location.row == row_index
        hover = row_cursor and hover_location.row == row_index
        row_style = internals.row_style(self, row_index, base_style)
        segments: list[Segment] = []
        append = segments.append
        for column_index, column_key, render_width in columns:
            plain = _plain_cell(cells.get(column_key))
            if plain is None or render_width < 2 * padding:
                return None
            text, style, justify, overflow = plain
            pad_style, text_style, same = self._cell_styles_for(
                row_index, column_index, row_style, cursor, hover, style, looks
            )
            content, after = _fit(text, render_width - 2 * padding, justify, overflow)
            # The segments DataTable's simplify() leaves, empty ones included: the same picture
            # either way, but the SVG screenshots (the snapshot tests) draw each one.
            if same:
                append(Segment(pad + content + after + pad, pad_style))
            else:
                append(Segment(pad, pad_style))
                append(Segment(content, text_style))
                append(Segment(after + pad, pad_style))
        remaining = max(0, width - table_width)
        extend = (
            self._extend_style(row_index, row_style, cursor, hover, looks)
            if row_cursor
            else self._faded_style(row_index, row_style)
        )
        append(Segment(" " * remaining, extend))
        total = table_width + remaining
        if x1 == 0 and total == width:
            strip = Strip(segments, width)
        else:  # scrolled sideways, or wider than the widget: cropped as DataTable crops
            strip = Strip(internals.crop(segments, x1, x2, width)).adjust_cell_length(width, base_style).simplify()
        internals.cache_line(self, cache_key, strip)
        return strip

    def _drawn_columns(self) -> tuple[list[tuple[int, ColumnKey, int]], int]:
        """(index, key, width) of each column in order, and their total width: once a drawing."""

        def columns() -> tuple[list[tuple[int, ColumnKey, int]], int]:
            found = [(i, column.key, column.get_render_width(self)) for i, column in enumerate(self.ordered_columns)]
            return found, sum(width for _, _, width in found)

        return self._once_a_drawing("columns", columns)

    def _extend_style(
        self, row_index: int, row_style: Style, cursor: bool, hover: bool, looks: tuple[bool, bool, Hashable]
    ) -> Style:
        """The style of the blank past the last column, as DataTable's row cursor draws it."""
        key = ("extend", row_index, row_style, cursor, hover, looks)
        style = self._cell_styles.get(key)
        if style is None:
            show_cursor, show_hover, _ = looks
            extend, _ = internals.cell_styles(
                self,
                header=False,
                fixed=False,
                hover=hover,
                cursor=cursor,
                show_cursor=show_cursor,
                show_hover=show_hover,
                css_foreground=False,
                css_background=False,
            )
            style = row_style + extend + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
            self._remember_styles(key, style)
        return style

    def _faded_style(self, row_index: int, row_style: Style) -> Style:
        """The blank past the last column of a table without a row cursor, as DataTable draws
        it: the row's background faded a quarter into the table's."""
        background = self._drawn_background()
        key = ("faded", row_index, row_style, background)
        style = self._cell_styles.get(key)
        if style is None:
            if row_style.bgcolor is not None:
                faded = Color.from_rich_color(row_style.bgcolor).blend(background, factor=0.25)
                extend = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
            else:
                extend = Style.from_color(row_style.color, row_style.bgcolor)
            style = extend + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
            self._remember_styles(key, style)
        return style

    def _drawn_background(self) -> Color:
        """``background_colors[1]`` (it walks the ancestors): once a drawing."""
        return self._once_a_drawing("background", lambda: self.background_colors[1])

    # --- one drawing: the table's styles looked up once, not per line --------------------------
    #
    # DataTable asks, for every line it draws, for its own rich_style and for two component
    # styles (the header's and the row's), each computed afresh from the CSS of the table and
    # its ancestors: a quarter of a 30-line table's drawing. None of them can change while one
    # drawing runs, so within render_lines each is computed once. A table that leaves DataTable's
    # internals alone (``uses_internals`` false) is drawn as DataTable draws, without this.

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self.uses_internals:
            return super().render_lines(crop)
        self._drawing = {}
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def _once_a_drawing(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, once within a drawing (render_lines); every time outside one."""
        drawing = self._drawing
        if drawing is None:
            return compute()
        value = drawing.get(key)
        if value is None:
            value = drawing[key] = compute()
        return value

    @property
    def rich_style(self) -> Style:
        return self._once_a_drawing("", lambda: super(KeyedTable, self).rich_style)

    def get_component_styles(self, *names: str) -> Any:
        if self._drawing is None:
            return super().get_component_styles(*names)
        return self._once_a_drawing(names, lambda: _DrawnStyles(super(KeyedTable, self).get_component_styles(*names)))

    def caches_cleared(self) -> None:
        self._cell_styles.clear()

    def notify_style_update(self) -> None:
        """CSS or theme changed: the cell styles too (DataTable empties its caches here)."""
        super().notify_style_update()
        self._cell_styles.clear()

    def selected_key(self) -> str | None:
        row = self.cursor_row
        if not self._shown or not 0 <= row < len(self._shown):
            return None
        return self._shown[row][0]

    def set_column_width(self, column: str, width: int) -> None:
        """Fixed width for one column (the name column follows the panel width)."""
        col = self.columns.get(ColumnKey(column))
        if col is None or (col.width == width and not col.auto_width):
            return
        before = col.get_render_width(self)
        col.width = width
        col.auto_width = False
        # DataTable has no public way to resize a column. As its own cell_padding watcher does,
        # the scrollable width moves by the change (rows added later measure it all again), and
        # notify_style_update, where DataTable empties its drawings, drops those at the old width.
        virtual = self.virtual_size
        self.virtual_size = Size(max(0, virtual.width + col.get_render_width(self) - before), virtual.height)
        self.notify_style_update()

    def set_column_label(self, column: str, label: str) -> None:
        col = self.columns.get(ColumnKey(column))
        if col is not None and col.label.plain != label:
            col.label = Text(label)
            self.notify_style_update()  # the header's drawings go (it repaints)


def row_key(*parts: str) -> str:
    """One string key from several fields; NUL never appears in a method, name or error."""
    return "\x00".join(parts)


def key_parts(key: str, count: int = 2) -> tuple[str, ...]:
    """What :func:`row_key` joined, for a key of ``count`` parts (the last may hold anything)."""
    return tuple(key.split("\x00", count - 1))


__all__ = ["Cells", "KeyedTable", "key_parts", "row_key", "sort_value"]
