"""The DataTable internals KeyedTable draws and writes through: all in this module, checked at import.

KeyedTable (``keyed_table.py``) draws one-line cells and whole rows itself and writes changed rows
in bulk. Both need names DataTable keeps private: its cell store and update count, its render
caches, the steps of its drawing, and textual's ``line_crop``. loadtui uses them here and nowhere
else. A Textual release is free to rename any of them, and KeyedTable's drawing runs inside
DataTable's: a renamed attribute would crash the app mid-run, in the middle of a frame.

So, at import, :func:`missing_internals` looks for every one of them: the methods on DataTable
(each with the parameters it is called or overridden with, by name and order, since the calls are
positional), the attributes on a DataTable made for the purpose (DataTable sets them in
``__init__``) with their kind, and ``line_crop`` with its parameters. :data:`AVAILABLE` says
whether all were found. If one is not, one warning names what is missing, :class:`HookedDataTable`
overrides none of DataTable's steps, and KeyedTable leaves this module alone: DataTable draws it,
and its rows are written through ``add_row``/``update_cell``/``remove_row``/``clear``. Slower,
still right (tests run both, one in a process whose textual lacks ``line_crop``).

The names are Textual 8.2's; ``tests/functional/test_keyed_table.py`` proves the fast drawing
against DataTable's own, cell by cell and line by line.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import textual
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey

logger = logging.getLogger(__name__)

SEGMENT_TOOLS = "textual._segment_tools"
"""The module that holds ``line_crop`` (DataTable crops its lines with it)."""

METHODS: dict[str, tuple[str, ...]] = {
    "_render_cell": ("self", "row_index", "column_index", "base_style", "width", "cursor", "hover"),
    "_render_line": ("self", "y", "x1", "x2", "base_style"),
    "_get_styles_to_render_cell": (
        "self",
        "is_header_cell",
        "is_row_label_cell",
        "is_fixed_style_cell",
        "hover",
        "cursor",
        "show_cursor",
        "show_hover_cursor",
        "has_css_foreground_priority",
        "has_css_background_priority",
    ),
    "_get_row_style": ("self", "row_index", "base_style"),
    "_get_offsets": ("self", "y"),
    "_clear_caches": ("self",),
}
"""DataTable's methods used here, each with its positional parameters: ``_render_cell``,
``_render_line`` and ``_clear_caches`` are overridden (:class:`HookedDataTable`), the others called
positionally, so a renamed or reordered parameter would pass the wrong value without an error."""

ATTRIBUTES: dict[str, type | tuple[str, ...]] = {
    "_data": dict,
    "_update_count": int,
    "_new_rows": set,
    "_require_update_dimensions": bool,
    "_row_locations": ("get", "get_key"),
    "_column_locations": ("get_key",),
    "_header_row_key": RowKey,
    "_labelled_row_exists": bool,
    "_show_hover_cursor": bool,
    "_pseudo_class_state": Hashable,
    "_line_cache": ("get", "__setitem__", "clear"),
    "_row_render_cache": ("clear",),
    "_row_renderable_cache": ("clear",),
}
"""The attributes a DataTable sets in ``__init__`` that are used here: each with the type its value
must have, or the methods it must have."""

LINE_CROP = ("segments", "start", "end", "total")


def _takes(function: Callable[..., Any], parameters: tuple[str, ...]) -> bool:
    """Whether ``function`` takes exactly these positional parameters (others only with defaults)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = tuple(p.name for p in signature.parameters.values() if p.kind in positional)
    required_keywords = [
        p for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is p.empty
    ]
    return names == parameters and not required_keywords


def _find_line_crop(module_name: str) -> Callable[..., list[Segment]] | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, "line_crop", None)
    return found if callable(found) else None


def missing_internals(table_class: type[DataTable[Any]] = DataTable, segment_tools: str = SEGMENT_TOOLS) -> list[str]:
    """What this module needs and ``table_class`` (or ``segment_tools``) lacks; empty if nothing."""
    name = table_class.__name__
    missing: list[str] = []
    for method, parameters in METHODS.items():
        found = getattr(table_class, method, None)
        if not callable(found):
            missing.append(f"{name}.{method}")
        elif not _takes(found, parameters):
            missing.append(f"{name}.{method}({', '.join(parameters[1:])})")
    try:
        table = table_class()
    except Exception as error:  # a DataTable that cannot be made without an app has changed too
        missing.append(f"{name}() ({type(error).__name__}: {error})")
    else:
        for attribute, kind in ATTRIBUTES.items():
            try:
                value = getattr(table, attribute)
            except Exception:  # AttributeError, or a property that fails: either way not there
                missing.append(f"{name}.{attribute}")
                continue
            if isinstance(kind, tuple):
                lacking = [method for method in kind if not hasattr(value, method)]
                if lacking:
                    missing.append(f"{name}.{attribute}.{'/'.join(lacking)}")
            elif not isinstance(value, kind):
                missing.append(f"{name}.{attribute} ({kind.__name__})")
    crop = _find_line_crop(segment_tools)
    if crop is None:
        missing.append(f"{segment_tools}.line_crop")
    elif not _takes(crop, LINE_CROP):
        missing.append(f"{segment_tools}.line_crop({', '.join(LINE_CROP)})")
    return missing


def report(missing: list[str] | tuple[str, ...]) -> bool:
    """True if nothing is missing; else one warning that names all of it, and False."""
    if not missing:
        return True
    logger.warning(
        "textual %s changed what KeyedTable draws through (%s missing): tables are drawn and written by "
        "DataTable's public methods instead, which is slower",
        textual.__version__,
        ", ".join(missing),
    )
    return False


MISSING: tuple[str, ...] = tuple(missing_internals())
"""What the installed textual lacks of what this module uses."""

AVAILABLE: bool = report(MISSING)
"""Whether the internals are all there. A table made while it is false never uses them."""

_line_crop = _find_line_crop(SEGMENT_TOOLS)


class HookedDataTable(DataTable[Any]):
    """A DataTable whose private drawing steps ask public hooks first.

    ``draw_line`` and ``draw_cell`` return a drawing, or None to leave that line or cell to
    DataTable; ``caches_cleared`` follows DataTable emptying its caches. A table made while
    :data:`AVAILABLE` is false (``uses_internals`` false) never calls them: DataTable draws. And
    when the check failed at import, DataTable's steps are not overridden at all: one whose
    parameters changed is called as the new DataTable calls it, by DataTable's own code."""

    def __init__(self, **kwargs: Any) -> None:
        self.uses_internals: bool = AVAILABLE
        """Fixed when the table is made: whether it draws and writes through this module."""
        super().__init__(**kwargs)

    def draw_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip | None:
        return None

    def draw_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool
    ) -> list[list[Segment]] | None:
        return None

    def caches_cleared(self) -> None:
        """DataTable emptied its render caches (theme, cursor, zebra stripes...)."""

    if AVAILABLE:

        def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
            if self.uses_internals:
                strip = self.draw_line(y, x1, x2, base_style)
                if strip is not None:
                    return strip
            return super()._render_line(y, x1, x2, base_style)

        def _render_cell(
            self,
            row_index: int,
            column_index: int,
            base_style: Style,
            width: int,
            cursor: bool = False,
            hover: bool = False,
        ) -> list[list[Segment]]:
            if self.uses_internals:
                lines = self.draw_cell(row_index, column_index, base_style, width, cursor, hover)
                if lines is not None:
                    return lines
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)

        def _clear_caches(self) -> None:
            super()._clear_caches()
            if self.uses_internals:
                self.caches_cleared()


# --- the fast path's reads and writes (only for a table whose uses_internals is true) ----------


def write_rows(table: DataTable[Any], rows: Mapping[RowKey, dict[ColumnKey, Any]], *, measure: bool) -> None:
    """Puts whole rows into existing rows' places as ``update_cell`` puts one cell, and counts one
    update for all (what keys DataTable's render caches). ``measure``: the rows' cells are measured
    on idle for auto-width columns, as ``add_row``'s are. The caller repaints."""
    table._data.update(rows)
    if measure:
        table._new_rows.update(rows)
        table._require_update_dimensions = True
    table._update_count += 1
    forget_old_drawings(table)


def forget_old_drawings(table: DataTable[Any]) -> None:
    """Empties the render caches whose keys hold the update count: after a new count no entry in
    them can be looked up again, yet each would stay until 1,000 newer ones push it out. A table
    refreshed every second filled them to about 8 MB over twenty minutes. Cleared, they hold one
    update's drawing: the lines on screen."""
    table._row_render_cache.clear()
    table._row_renderable_cache.clear()
    table._line_cache.clear()


def cell_at(table: DataTable[Any], row_index: int, column_index: int) -> tuple[int, Any] | None:
    """(the row's height, the cell) at a data row and column; None if there is none."""
    row_key = table._row_locations.get_key(row_index)
    column_key = table._column_locations.get_key(column_index)
    if row_key is None or column_key is None:
        return None
    row = table.rows.get(row_key)
    cells = table._data.get(row_key)
    if row is None or cells is None or column_key not in cells:
        return None
    return row.height, cells[column_key]


def data_row(table: DataTable[Any], y: int) -> tuple[int, Row, Mapping[ColumnKey, Any]] | None:
    """(index, row, cells) of the data row whose first line is line ``y`` of the table; None for the
    header, a later line of a taller row, or past the last row."""
    try:
        row_key, line_no = table._get_offsets(y)
    except LookupError:
        return None
    if line_no or row_key is table._header_row_key:
        return None
    row_index = table._row_locations.get(row_key)
    cells = table._data.get(row_key)
    row = table.rows.get(row_key)
    if row_index is None or cells is None or row is None:
        return None
    return row_index, row, cells


def row_labels_shown(table: DataTable[Any]) -> bool:
    """Whether the table draws a row-label column (a row was added with a label)."""
    return table._labelled_row_exists and table.show_row_labels


def drawing_state(table: DataTable[Any]) -> tuple[bool, int, Hashable]:
    """(whether the mouse's hover cursor shows, the update count, the pseudo-class state): with the
    coordinates and sizes, what DataTable keys its drawings by."""
    return table._show_hover_cursor, table._update_count, table._pseudo_class_state


def cached_line(table: DataTable[Any], key: tuple[Any, ...]) -> Strip | None:
    return table._line_cache.get(key)


def cache_line(table: DataTable[Any], key: tuple[Any, ...], strip: Strip) -> None:
    """Keeps a drawn line where DataTable keeps its own (emptied whenever DataTable empties it)."""
    table._line_cache[key] = strip


def row_style(table: DataTable[Any], row_index: int, base_style: Style) -> Style:
    """A row's style as DataTable draws it (the header's, fixed, zebra stripes, or the base)."""
    return table._get_row_style(row_index, base_style)


def cell_styles(
    table: DataTable[Any],
    *,
    header: bool,
    fixed: bool,
    hover: bool,
    cursor: bool,
    show_cursor: bool,
    show_hover: bool,
    css_foreground: bool,
    css_background: bool,
) -> tuple[Style, Style]:
    """(component style, post style) of a cell that is not a row label, as DataTable styles it."""
    return table._get_styles_to_render_cell(
        header, False, fixed, hover, cursor, show_cursor, show_hover, css_foreground, css_background
    )


def crop(segments: list[Segment], x1: int, x2: int, width: int) -> list[Segment]:
    """A line's segments from cell ``x1`` to ``x2``, as DataTable crops a table scrolled sideways."""
    assert _line_crop is not None  # AVAILABLE says so
    return _line_crop(segments, x1, x2, width)


__all__ = [
    "AVAILABLE",
    "MISSING",
    "HookedDataTable",
    "cache_line",
    "cached_line",
    "cell_at",
    "cell_styles",
    "crop",
    "data_row",
    "drawing_state",
    "forget_old_drawings",
    "missing_internals",
    "report",
    "row_labels_shown",
    "row_style",
    "write_rows",
]
