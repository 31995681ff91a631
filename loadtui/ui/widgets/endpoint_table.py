"""Per-endpoint stats, sortable and filterable, with the Aggregated row pinned below.

With thousands of names only the top rows by the current sort (after the ``/`` filter) come in
each snapshot: the sort and filter are sent to the app (``EndpointViewChanged``), which passes
them to ``session.snapshot()``. A line above the table says how many names exist and how many
are shown, and warns when there are so many that the locustfile should group them with ``name=``.

Cells of metrics with an endpoint threshold are coloured by its state and carry its symbol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from loadtui.engine.compare import live_change
from loadtui.engine.snapshot import Baseline, BaselineFigures, EndpointRow, Snapshot, Totals
from loadtui.engine.thresholds import Result

from ..formatting import STATE_STYLES, fmt_int, fmt_ms, fmt_pct, fmt_rate
from ..messages import EndpointOpened, EndpointView, EndpointViewChanged
from . import update_if_changed
from .cells import Num
from .keyed_table import Cells, KeyedTable, key_parts, row_key

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

BASELINE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("p95_vs", "vs base", 9),
    ("rps_vs", "vs base", 9),
)
"""With a baseline: each figure's change against it, right after the figure (p95, RPS)."""


def columns_for(baseline: bool) -> tuple[tuple[str, str, int | None], ...]:
    if not baseline:
        return COLUMNS
    out: list[tuple[str, str, int | None]] = []
    for column in COLUMNS:
        out.append(column)
        if column[0] == "p95":
            out.append(BASELINE_COLUMNS[0])
        elif column[0] == "rps":
            out.append(BASELINE_COLUMNS[1])
    return tuple(out)


def fixed_width(columns: Sequence[tuple[str, str, int | None]]) -> int:
    """Everything but the name column: cell padding (1 each side) and the vertical scrollbar."""
    return sum(2 + (width or 0) for key, _, width in columns if key != "name") + 2


FIXED_WIDTH = fixed_width(COLUMNS)
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

SNAPSHOT_SORT_KEYS = {
    "name": "name",
    "method": "method",
    "requests": "requests",
    "failures": "failures",
    "fail_pct": "fail_ratio",
    "p95": "p95_ms",
    "rps": "current_rps",
    "median": "median_ms",
    "p99": "p99_ms",
    "avg": "avg_ms",
    "max": "max_ms",
}
"""Table column -> ``snapshot.SORT_KEYS``: the session picks the top rows by the same figure."""

COLUMN_METRICS = {
    "fail_pct": "fail_ratio",
    "p95": "p95_ms",
    "median": "p50_ms",
    "p99": "p99_ms",
    "avg": "avg_ms",
    "max": "max_ms",
    "rps": "rps_min",
}
"""Table column -> the threshold metric it shows (p90 has no column: the thresholds panel has it)."""

Judged = Mapping[str, Result]
"""metric -> threshold result, for one row's scope."""


def _judged(cell: Num, metric: str, judged: Judged) -> Num:
    result = judged.get(COLUMN_METRICS.get(metric, ""))
    if result is None:
        return cell
    return Num(cell.value, f"{cell.text}{result.symbol}", STATE_STYLES.get(result.state, ""))


CHANGE_STYLES = {"worse": "bold red", "better": "green", "same": ""}
CHANGE_MARKS = {"worse": " !", "better": " ✓", "same": ""}
"""Colour is never the only signal: a change beyond the tolerance has a mark too, ``!`` worse,
``✓`` as much better."""


def change_cell(baseline: Baseline, figure: str, base: BaselineFigures | None, now: float) -> Num:
    """``+12%`` (``+32% !`` beyond the tolerance, in red; ``-40% ✓`` in green when as much better),
    ``-`` when the baseline has no such endpoint."""
    before = None if base is None else (base.p95_ms if figure == "p95" else base.rps)
    ratio, state = live_change(baseline, figure, before, now)
    if ratio is None:
        return Num(0.0, "-", "dim")
    return Num(ratio, f"{100 * ratio:+.0f}%{CHANGE_MARKS[state]}", CHANGE_STYLES[state])


def endpoint_cells(
    method: str,
    name: str,
    row: EndpointRow | Totals,
    judged: Judged | None = None,
    baseline: Baseline | None = None,
    *,
    compared: bool = False,
) -> Cells:
    """One row's cells; ``compared``: with the "vs base" columns (``-`` while there is no baseline)."""
    failures = row.failures
    fail_ratio = row.fail_ratio
    bad = "bold red" if failures else ""
    median = row.median_ms if isinstance(row, EndpointRow) else row.p50_ms
    rps = row.current_rps if isinstance(row, EndpointRow) else row.rps
    cells: dict[str, object] = {
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
    if judged:
        for column in COLUMN_METRICS:
            cells[column] = _judged(cells[column], column, judged)  # type: ignore[arg-type]
    if baseline is not None:
        base = baseline.totals if isinstance(row, Totals) else baseline.endpoints.get((method, name))
        cells["p95_vs"] = change_cell(baseline, "p95", base, row.p95_ms)
        cells["rps_vs"] = change_cell(baseline, "rps", base, rps)
    elif compared:
        cells["p95_vs"] = cells["rps_vs"] = Num(0.0, "-", "dim")
    return cells


def judged_by_scope(snapshot: Snapshot) -> dict[str, dict[str, Result]]:
    """Endpoint thresholds by the row they judged (``"GET /x"``); ``"overall"`` for the Aggregated row."""
    out: dict[str, dict[str, Result]] = {}
    for result in snapshot.thresholds:
        out.setdefault(result.scope, {})[result.metric] = result
    return out


def info_text(snapshot: Snapshot, name_filter: str, sort_label: str) -> Text:
    """``showing 200 of 3,000 names (filter 'item'), top by p95 ▼`` and the ``name=`` warning."""
    text = Text(no_wrap=True, overflow="ellipsis")
    total = snapshot.endpoint_count or len(snapshot.endpoints)
    matched = snapshot.endpoints_matched if (snapshot.endpoints_matched or name_filter) else total
    shown = len(snapshot.endpoints)
    text.append(f"showing {fmt_int(shown)} of {fmt_int(total)} names", style="bold")
    if name_filter:
        text.append(f" (filter '{name_filter}': {fmt_int(matched)} match)")
    if shown < matched:
        text.append(f", top by {sort_label}", style="dim")
    if snapshot.many_names:
        text.append("\n")
        text.append(
            f"! {fmt_int(total)} names: URLs with ids in them? Group them with name= in the locustfile, "
            'e.g. client.get(f"/item/{id}", name="/item/[id]")',
            style="bold yellow",
        )
    return text


class FilterInput(Input):
    """``/`` opens it; typing filters; Enter keeps the filter and goes back to the table; Esc clears it."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="clear-filter")]

    def action_clear_filter(self) -> None:
        self.value = ""
        parent = self.parent
        if isinstance(parent, EndpointTable):
            parent.close_filter()


class EndpointTable(Vertical):
    """The stats table. Sorting is by a key (``o`` cycles the column, ``O`` reverses)."""

    DEFAULT_CSS = """
    EndpointTable { height: 1fr; }
    EndpointTable > #endpoint-info { height: auto; max-height: 2; padding: 0 1; display: none; }
    EndpointTable > #endpoint-info.-shown { display: block; }
    EndpointTable > #filter { height: 1; border: none; padding: 0 1; display: none; }
    EndpointTable > #filter.-shown { display: block; }
    EndpointTable > #endpoints { height: 1fr; }
    EndpointTable > #aggregated {
        height: 2; border-top: solid $primary-muted; overflow: hidden hidden; text-style: bold;
    }
    """

    def __init__(self, *, baseline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = columns_for(baseline)
        """With ``baseline``: the change of p95 and RPS against it, next to each."""
        self.sort_index = 0
        self.name_filter = ""
        self._row_cache: dict[str, tuple[EndpointRow, tuple[Result, ...], Cells, Baseline | None]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="endpoint-info")
        yield FilterInput(placeholder="filter names (Esc clears)", id="filter")
        table = KeyedTable(self.columns, id="endpoints", cursor_type="row", zebra_stripes=True)
        table.sort_columns = ("name", "method")
        yield table
        aggregated = KeyedTable(self.columns, id="aggregated", show_header=False, cursor_type="none")
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
        width = max(MIN_NAME_WIDTH, event.size.width - fixed_width(self.columns))
        self.table.set_column_width("name", width)
        self.aggregated.set_column_width("name", width)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        # Cells are rebuilt only for rows whose stats (or threshold states) changed; an unchanged
        # row hands the table the very dict it already has, which sync() skips by identity. 3000
        # names, nothing changed: 57 ms -> 14 ms per tick (3000 rows; 1500 changed: 213 -> 83 ms).
        # The session sends at most ENDPOINT_LIMIT rows anyway (app.py).
        rows: dict[str, Cells] = {}
        cache = self._row_cache
        compared = self.columns is not COLUMNS
        baseline = snapshot.baseline if compared else None  # no columns for it: none shown
        judged = judged_by_scope(snapshot) if snapshot.thresholds else {}
        for r in snapshot.endpoints:
            key = row_key(r.method, r.name)
            row_judged = judged.get(f"{r.method} {r.name}".strip(), {}) if judged else {}
            results = tuple(row_judged.values())
            cached = cache.get(key)
            if cached is not None and cached[0] == r and cached[1] == results and cached[3] is baseline:
                rows[key] = cached[2]
            else:
                cells = endpoint_cells(r.method, r.name, r, row_judged, baseline, compared=compared)
                cache[key] = (r, results, cells, baseline)
                rows[key] = cells
        if len(cache) > len(rows):
            self._row_cache = {key: cache[key] for key in rows}
        self.table.sync(rows)
        self.aggregated.sync(
            {
                "aggregated": endpoint_cells(
                    "", "Aggregated", snapshot.totals, judged.get("overall"), baseline, compared=compared
                )
            }
        )
        info = self.query_one("#endpoint-info", Static)
        total = snapshot.endpoint_count or len(snapshot.endpoints)
        shown = bool(self.name_filter) or snapshot.many_names or len(snapshot.endpoints) < total
        info.set_class(shown, "-shown")
        if shown:
            update_if_changed(info, info_text(snapshot, self.name_filter, self.sort_label), fixed_lines=True)

    @on(DataTable.RowSelected, "#endpoints")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_row(event.cursor_row)

    def open_row(self, index: int | None = None) -> bool:
        """That row's endpoint (the highlighted one by default) up close: the app opens its view,
        as it asks the session for it. False when the table has no such row."""
        key = self.table.key_at(index)
        if key is None:
            return False
        method, name = key_parts(key)
        self.app.post_message(EndpointOpened(method, name))
        return True

    # --- the / filter ------------------------------------------------------------------------

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one(FilterInput)

    def open_filter(self) -> None:
        self.filter_input.add_class("-shown")
        self.filter_input.focus()

    def close_filter(self) -> None:
        """Hides the input (an empty filter) or leaves it showing what filters; back to the table."""
        self.filter_input.set_class(bool(self.name_filter), "-shown")
        self.table.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.name_filter = event.value.strip()
        self._post_view()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()

    def _post_view(self) -> None:
        # Straight to the app, which owns the session: bubbling up through the tabs would take a
        # loop iteration per container, and with the users in this process each one lets them run.
        self.app.post_message(EndpointViewChanged(self.view))

    @property
    def view(self) -> EndpointView:
        return EndpointView(self.snapshot_sort_key, self.table.sort_reverse, self.name_filter)

    # --- sorting ------------------------------------------------------------------------------

    @property
    def snapshot_sort_key(self) -> str:
        return SNAPSHOT_SORT_KEYS[self.sort_column]

    @property
    def sort_label(self) -> str:
        return f"{LABELS[self.sort_column]} {'▼' if self.table.sort_reverse else '▲'}"

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
        self._post_view()
        return column

    def reverse_sort(self) -> bool:
        table = self.table
        table.sort_reverse = not table.sort_reverse
        table.apply_sort()
        self._show_sort()
        self._post_view()
        return table.sort_reverse

    def _show_sort(self) -> None:
        """The sort column's header gets an arrow: the direction is visible without colour."""
        table = self.table
        for key, label in LABELS.items():
            if key == self.sort_column:
                label = f"{label} {'▼' if table.sort_reverse else '▲'}"
            table.set_column_label(key, label)
