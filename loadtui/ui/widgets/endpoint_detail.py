"""One endpoint up close: its RPS and failures/s and its percentiles over time, its latency
distribution, its percentile table to p99.99, its status codes and its failures.

One widget for both places it shows: a panel of the dashboard (Enter on the endpoints table; it
follows the snapshots the app sends, which carry this endpoint's detail while the panel is open)
and the screen of a past run's endpoint (:class:`..screens.endpoint.EndpointScreen`, drawn once
from what :func:`loadtui.engine.runs.read_endpoint` read back). Escape posts :class:`Closed`; the
host decides what closing means (the dashboard shows its panels again, the screen is dismissed).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Static

from loadtui.engine.snapshot import EndpointDetail, Snapshot

from ..formatting import fmt_bytes, fmt_int, fmt_ms, fmt_pct, fmt_rate
from .cells import Num
from .keyed_table import Cells, KeyedTable, row_key
from .latency_chart import TimeChart
from .latency_histogram import LatencyHistogram
from .status_codes_table import status_style

PERCENTILE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (("pct", "Pctl", 6), ("ms", "ms", 8))
PAIRED_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("pct", "Pctl", 6),
    ("ms", "ms", 7),
    ("pct2", "Pctl", 6),
    ("ms2", "ms", 7),
)
"""The percentiles two to a row, on a short screen (below 32 lines), where one to a row would
put p99.99 and the maximum below the fold at 80x24. 7 wide: ``120,000`` (a 2-minute timeout)."""
CODE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("status", "Status", 18),
    ("count", "Count", 9),
    ("share", "Share", 7),
)
FAILURE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (("occurrences", "Count", 8), ("error", "Error", 20))


def percentile_label(percent: float) -> str:
    """``p50``, ``p99.9``, ``max`` (Locust's 100%)."""
    return "max" if percent >= 1.0 else f"p{100 * percent:g}"


def title_text(detail: EndpointDetail, live: bool) -> Text:
    """``GET /items  1,234 reqs  12 fails (0.97%)  45.2 req/s ...``, the figures of the whole run."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(detail.label, style="bold")
    row = detail.row
    if row is None:
        text.append("  no requests yet" if live else "  not in this report", style="dim")
        return text
    bad = "bold red" if row.failures else ""
    text.append(f"  {fmt_int(row.requests)} reqs  ")
    text.append(f"{fmt_int(row.failures)} fails ({fmt_pct(row.fail_ratio)})", style=bad)
    if live:
        text.append(f"  {fmt_rate(row.current_rps)} req/s now  {fmt_rate(row.current_fail_per_s)} fail/s")
    else:
        text.append(f"  {fmt_rate(row.current_rps)} req/s avg")
    text.append(f"  avg {fmt_ms(row.avg_ms)} ms  min {fmt_ms(row.min_ms)}  max {fmt_ms(row.max_ms)}", style="dim")
    if row.avg_size_bytes and not math.isnan(row.avg_size_bytes):
        text.append(f"  {fmt_bytes(row.avg_size_bytes)} avg size", style="dim")
    return text


class EndpointDetailPanel(Vertical):
    """Layout: a title line, the two charts, then the percentiles beside the distribution, the
    status codes and the failures (which scroll, below 32 lines).

    Mounted once and reused: :meth:`show_endpoint` points it at another endpoint without a
    mount, so opening it is a change of what is displayed and one drawing."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="endpoint-back"),
        # The body's own scroll keys (VerticalScroll's), for when the title line has the focus.
        Binding("up", "scroll_body('scroll_up')", "Scroll up", show=False, id="endpoint-scroll-up"),
        Binding("down", "scroll_body('scroll_down')", "Scroll down", show=False, id="endpoint-scroll-down"),
        Binding("pageup", "scroll_body('page_up')", "Page up", show=False, id="endpoint-page-up"),
        Binding("pagedown", "scroll_body('page_down')", "Page down", show=False, id="endpoint-page-down"),
        Binding("home", "scroll_body('scroll_home')", "Top", show=False, id="endpoint-scroll-home"),
        Binding("end", "scroll_body('scroll_end')", "Bottom", show=False, id="endpoint-scroll-end"),
    ]

    class Closed(Message):
        """Escape on the panel: its host shows what was there before."""

    def __init__(self, *, live: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live = live
        """Follows the run's snapshots; else shows the detail it is given, read from a saved run."""
        self.key: tuple[str, str] | None = None
        """(method, name) of the endpoint shown; None before the first."""
        self.detail: EndpointDetail | None = None
        """What is drawn; None until the shown endpoint has been drawn once."""
        self.started_at: float | None = None
        """Epoch seconds of the run's start: past an hour the time axis reads as clock time."""

    def compose(self) -> ComposeResult:
        title = Static(id="endpoint-title")
        title.can_focus = True  # what has the focus when the panel opens: see focus_target
        yield title
        with Horizontal(id="endpoint-charts"):
            yield TimeChart(id="endpoint-rps")
            yield TimeChart(id="endpoint-latency")
        with VerticalScroll(id="endpoint-body"), Horizontal(id="endpoint-main"):
            table = KeyedTable(PERCENTILE_COLUMNS, id="endpoint-percentiles", cursor_type="none")
            table.can_focus = False
            yield table
            paired = KeyedTable(PAIRED_COLUMNS, id="endpoint-percentiles-paired", cursor_type="none")
            paired.can_focus = False
            yield paired
            with Vertical(id="endpoint-side"):
                yield LatencyHistogram(id="endpoint-histogram")
                yield KeyedTable(CODE_COLUMNS, id="endpoint-codes", cursor_type="row", zebra_stripes=True)
                failures = KeyedTable(FAILURE_COLUMNS, id="endpoint-failures", cursor_type="row", zebra_stripes=True)
                failures.sort_columns = ("occurrences",)
                failures.sort_reverse = True
                failures.fill_column = "error"  # a longer one is cut: the Failures tab has it whole
                yield failures
                yield Static(id="endpoint-note")

    def on_mount(self) -> None:
        self.query_one("#endpoint-percentiles").border_title = "Percentiles"
        self.query_one("#endpoint-percentiles-paired").border_title = "Percentiles"
        self.query_one("#endpoint-histogram").border_title = "Latency distribution"
        self.query_one("#endpoint-codes").border_title = "Status codes"
        self.query_one("#endpoint-failures").border_title = "Failures"
        if self.detail is not None:  # given before the widgets were mounted
            self._draw(self.detail, start=0.0)

    @property
    def body(self) -> VerticalScroll:
        """The percentiles, the distribution, the codes and the failures (they scroll below 32 lines)."""
        return self.query_one("#endpoint-body", VerticalScroll)

    @property
    def focus_target(self) -> Static:
        """What takes the focus when the panel opens: the title line, with the panel's keys
        (Escape, and the arrows and PgUp/PgDn that scroll the body).

        A leaf, not the body: a change of focus restyles the widget focused or blurred and every
        widget inside it (Textual's ``watch_has_focus``), and the body holds the panel's tables.
        With the body focused that restyle was most of what Enter and Escape spent outside their
        frames (cProfile of bench case 7c, 3000 names)."""
        return self.query_one("#endpoint-title", Static)

    def action_scroll_body(self, action: str) -> None:
        getattr(self.body, f"action_{action}")()

    def show_endpoint(
        self, method: str, name: str, *, detail: EndpointDetail | None = None, started_at: float | None = None
    ) -> None:
        """Point the panel at ``(method, name)``. Live (no ``detail``), the next snapshot that
        carries its detail draws it (:meth:`follow`); else ``detail`` is drawn now."""
        self.key = (method, name)
        self.started_at = started_at
        self.detail = detail
        if detail is not None and self.is_mounted:
            self._draw(detail, start=0.0)

    def follow(self, snapshot: Snapshot) -> None:
        """A live snapshot: its detail when it is this endpoint's; an empty view of this endpoint
        when it has none yet, so a previous endpoint's figures never show under this one's name."""
        if self.key is None or not self.is_mounted:
            return
        detail = snapshot.endpoint_detail
        if detail is None or detail.key != self.key:
            if self.detail is not None:
                return  # taken before the app asked for this endpoint: the drawn one stays
            detail = EndpointDetail(*self.key)
        self.started_at = snapshot.started_at
        times = detail.series.time
        start = snapshot.started_at or (times[0] if times else 0.0)
        with contextlib.suppress(NoMatches):  # a tick that lands while the screen is torn down
            self._draw(detail, start=start)

    def _draw(self, detail: EndpointDetail, *, start: float) -> None:
        self.detail = detail
        with self.app.batch_update():
            self.query_one("#endpoint-title", Static).update(title_text(detail, self.live))
            series = detail.series
            self.query_one("#endpoint-rps", TimeChart).draw(
                "Requests/s, failures/s",
                series.time,
                (("req/s", series.rps), ("fail/s", series.fail_per_s)),
                start,
                started_at=self.started_at,
                from_zero=True,
            )
            self.query_one("#endpoint-latency", TimeChart).draw(
                "Latency (ms)", series.time, series.latency, start, started_at=self.started_at, from_zero=True
            )
            cells: list[Cells] = [
                {"pct": Text(percentile_label(p)), "ms": Num(0.0 if math.isnan(ms) else ms, fmt_ms(ms))}
                for p, ms in detail.percentiles
            ]
            self.query_one("#endpoint-percentiles", KeyedTable).sync(
                {percentile_label(p): row for (p, _), row in zip(detail.percentiles, cells, strict=True)}
            )
            # Both are kept drawn (a dozen cells): the screen's height picks one (app.tcss), and
            # a past run's panel is drawn only once.
            half = (len(cells) + 1) // 2
            paired: dict[str, Cells] = {}
            for i, left in enumerate(cells[:half]):
                right = cells[i + half] if i + half < len(cells) else {"pct": Text(""), "ms": Text("")}
                paired[str(i)] = {**left, "pct2": right["pct"], "ms2": right["ms"]}
            self.query_one("#endpoint-percentiles-paired", KeyedTable).sync(paired)
            self.query_one(LatencyHistogram).show(detail.histogram, detail.percentiles)
            total = sum(count for _, count in detail.status_codes) or 1
            codes = self.query_one("#endpoint-codes", KeyedTable)
            codes.display = bool(detail.status_codes)
            codes.sync(
                {
                    status: {
                        "status": Text(status, style=status_style(status)),
                        "count": Num(count, fmt_int(count)),
                        "share": Num(count / total, fmt_pct(count / total)),
                    }
                    for status, count in detail.status_codes
                }
            )
            failures = self.query_one("#endpoint-failures", KeyedTable)
            failures.display = bool(detail.failures)  # "0 fails" is in the title line
            failures.sync(
                {
                    row_key(failure.error): {
                        "occurrences": Num(failure.occurrences, fmt_int(failure.occurrences)),
                        "error": Text(failure.error.replace("\n", " "), no_wrap=True, overflow="ellipsis"),
                    }
                    for failure in detail.failures
                }
            )
            note = self.query_one("#endpoint-note", Static)
            note.display = bool(detail.note)
            note.update(Text(f"! {detail.note}", style="dim") if detail.note else "")

    def action_close(self) -> None:
        self.post_message(self.Closed())
