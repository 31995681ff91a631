"""Per-endpoint stats, sortable, with the Aggregated row pinned below in a one-row table."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical

from loadtui.engine.snapshot import EndpointRow, Snapshot, Totals

from ..formatting import fmt_int, fmt_ms, fmt_pct, fmt_rate
from .cells import Num
from .keyed_table import Cells, KeyedTable, row_key

# (key, label, width). Most telling columns first, so that at 80 columns the ones that fit without
# scrolling right are the ones a person looks at: volume, failures, p95 and throughput.
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("method", "Method", 6),
    ("name", "Name", 24),
    ("requests", "Reqs", 9),
    ("failures", "Fails", 8),
    ("fail_pct", "Fail%", 6),
    ("p95", "p95 ms", 7),
    ("rps", "RPS", 7),
    ("median", "Med ms", 7),
    ("p99", "p99 ms", 7),
    ("avg", "Avg ms", 7),
    ("max", "Max ms", 7),
)
LABELS = {key: label for key, label, _ in COLUMNS}
FIXED_WIDTH = sum(2 + (width or 0) for key, _, width in COLUMNS if key != "name") + 2
"""Everything but the name column: cell padding (1 each side) and the vertical scrollbar."""
MIN_NAME_WIDTH = 16

SORTS: tuple[tuple[str, bool], ...] = (
    ("name", False),
    ("requests", True),
    ("failures", True),
    ("fail_pct", True),
    ("p95", True),
    ("rps", True),
    ("median", True),
    ("p99", True),
    ("avg", True),
    ("max", True),
)
"""The order ``o`` cycles through, each with its natural direction (biggest first for numbers)."""


def endpoint_cells(method: str, name: str, row: EndpointRow | Totals) -> Cells:
    failures = row.failures
    fail_ratio = row.fail_ratio
    bad = "bold red" if failures else ""
    median = row.median_ms if isinstance(row, EndpointRow) else row.p50_ms
    rps = row.current_rps if isinstance(row, EndpointRow) else row.rps
    return {
        "method": Text(method, no_wrap=True),
        "name": Text(name, no_wrap=True, overflow="ellipsis"),
        "requests": Num(row.requests, fmt_int(row.requests)),
        "failures": Num(failures, fmt_int(failures), bad),
        "fail_pct": Num(fail_ratio, fmt_pct(fail_ratio), bad),
        "p95": Num(row.p95_ms, fmt_ms(row.p95_ms)),
        "rps": Num(rps, fmt_rate(rps)),
        "median": Num(median, fmt_ms(median)),
        "p99": Num(row.p99_ms, fmt_ms(row.p99_ms)),
        "avg": Num(row.avg_ms, fmt_ms(row.avg_ms)),
        "max": Num(row.max_ms, fmt_ms(row.max_ms)),
    }


class EndpointTable(Vertical):
    """The stats table. Sorting is by a key (``o`` cycles the column, ``O`` reverses)."""

    DEFAULT_CSS = """
    EndpointTable { height: 1fr; }
    EndpointTable > #endpoints { height: 1fr; }
    EndpointTable > #aggregated {
        height: 2; border-top: solid $primary-muted; overflow: hidden hidden; text-style: bold;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sort_index = 0
        self._row_cache: dict[str, tuple[EndpointRow, Cells]] = {}

    def compose(self) -> ComposeResult:
        table = KeyedTable(COLUMNS, id="endpoints", cursor_type="row", zebra_stripes=True)
        table.sort_columns = ("name", "method")
        yield table
        aggregated = KeyedTable(COLUMNS, id="aggregated", show_header=False, cursor_type="none")
        aggregated.can_focus = False
        yield aggregated

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#endpoints", KeyedTable)

    @property
    def aggregated(self) -> KeyedTable:
        return self.query_one("#aggregated", KeyedTable)

    def on_mount(self) -> None:
        # The pinned row scrolls sideways with the table so its columns stay under their headers.
        self.watch(self.table, "scroll_x", self._follow_scroll, init=False)
        self._show_sort()

    def _follow_scroll(self, scroll_x: float) -> None:
        self.aggregated.scroll_to(x=scroll_x, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        width = max(MIN_NAME_WIDTH, event.size.width - FIXED_WIDTH)
        self.table.set_column_width("name", width)
        self.aggregated.set_column_width("name", width)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        # Cells are rebuilt only for rows whose stats changed; an unchanged row hands the table the
        # very dict it already has, which sync() skips by identity. 3000 names, nothing changed:
        # 57 ms -> 14 ms per tick (3000 rows; 1500 changed: 213 ms -> 83 ms).
        rows: dict[str, Cells] = {}
        cache = self._row_cache
        for r in snapshot.endpoints:
            key = row_key(r.method, r.name)
            cached = cache.get(key)
            if cached is not None and cached[0] == r:
                rows[key] = cached[1]
            else:
                cells = endpoint_cells(r.method, r.name, r)
                cache[key] = (r, cells)
                rows[key] = cells
        if len(cache) > len(rows):
            self._row_cache = {key: cache[key] for key in rows}
        self.table.sync(rows)
        self.aggregated.sync({"aggregated": endpoint_cells("", "Aggregated", snapshot.totals)})

    @property
    def sort_column(self) -> str:
        return SORTS[self.sort_index][0]

    def cycle_sort(self) -> str:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        column, reverse = SORTS[self.sort_index]
        table = self.table
        # Name ties (same path, other method) break on the method, as Locust's reports do.
        table.sort_columns = (column, "method") if column == "name" else (column, "name")
        table.sort_reverse = reverse
        table.apply_sort()
        self._show_sort()
        return column

    def reverse_sort(self) -> bool:
        table = self.table
        table.sort_reverse = not table.sort_reverse
        table.apply_sort()
        self._show_sort()
        return table.sort_reverse

    def _show_sort(self) -> None:
        """The sort column's header gets an arrow: the direction is visible without colour."""
        table = self.table
        for key, label in LABELS.items():
            if key == self.sort_column:
                label = f"{label} {'▼' if table.sort_reverse else '▲'}"
            table.set_column_label(key, label)
