"""Series over time (the run's p50/p95/p99, an endpoint's RPS...), drawn with textual-plotext's
own figure (no global plotext state)."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import time
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from loadtui.engine.snapshot import Snapshot

from .runs import Run, Runs

TICKS = 5
"""Labels on the time axis."""


SECOND_STEPS = (1, 2, 5, 10, 15, 20, 30)
"""Seconds between two labels, under two minutes: the first that fits :data:`TICKS` labels."""
MINUTE_STEPS = (30, 60, 120, 300, 600, 900, 1200, 1800)
"""... from two minutes to an hour (``min:s`` labels), in seconds."""
CLOCK_STEPS = (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
"""... past an hour: clock times on the quarter, the hour... (in seconds)."""


def _step(span: float, steps: Sequence[int], ticks: int) -> int:
    """The first of ``steps`` with at most ``ticks`` labels over ``span`` (multiples of the last after it)."""
    for step in steps:
        if span // step + 1 <= ticks:
            return step
    return steps[-1] * math.ceil(span / steps[-1] / (ticks - 1))


def time_ticks(span_s: float, started_at: float | None, ticks: int = TICKS) -> tuple[list[float], list[str], str]:
    """Where the time axis is labelled, the labels and the axis title, for a run ``span_s`` long:
    seconds for the first two minutes, then minutes (``12:30``), then past an hour the clock time
    of day (``14:05``) when the start is known, as a person reading a long run thinks of it.
    Labels fall on round values (0, 15, 30 s; 10:00; 14:30), each exactly where it is drawn."""
    span = max(span_s, 1.0) if math.isfinite(span_s) else 1.0
    if span < 120:
        step = _step(span, SECOND_STEPS, ticks)
        positions = [float(p) for p in range(0, int(span) + 1, step)]
        return positions, [f"{p:.0f}" for p in positions], "elapsed s"
    if span < 3600 or started_at is None:
        step = _step(span, MINUTE_STEPS, ticks)
        positions = [float(p) for p in range(0, int(span) + 1, step)]
        return positions, [f"{int(p // 60)}:{int(p % 60):02d}" for p in positions], "elapsed min:s"
    local = started_at + (time.localtime(started_at).tm_gmtoff or 0)  # on the local clock's round times
    positions = []
    for step in (*CLOCK_STEPS, _step(span, CLOCK_STEPS, ticks)):
        first = math.ceil(local / step) * step - local
        positions = [first + i * step for i in range(int((span - first) // step) + 1)]
        if len(positions) <= ticks:
            break
    # From a day on, the day too; from a step of a day, the date alone (weeks: 07 Dec, 14 Dec).
    clock = "%d %b" if step >= 86400 else "%a %H:%M" if span >= 86400 else "%H:%M"
    return positions, [time.strftime(clock, time.localtime(started_at + p)) for p in positions], "time of day"


# Each series has its own marker as well as its own colour, so the legend still tells the lines
# apart in a monochrome terminal.
SERIES = (("p50", "·", "green"), ("p95", "+", "yellow"), ("p99", "x", "red"))
"""The default series; a profile's ``chart_percentiles`` take these markers and colours in turn."""
LOOKS = (("·", "green"), ("+", "yellow"), ("x", "red"), ("o", "magenta"))


def per_column(
    xs: Sequence[float], series: Sequence[Sequence[float]], columns: int
) -> tuple[list[float], list[list[float]]]:
    """At most ``columns`` points: consecutive points merged, each bucket at its first time and
    its highest value (a spike stays visible, as in the sparklines, which keep the max too).

    Plotext draws every point it is given, one marker per cell at most: 600 points cost 33 ms a
    frame to build against 5 ms for 60, for the same picture on a chart 60 cells wide."""
    n = len(xs)
    if columns < 1 or n <= columns:
        return list(xs), [list(ys) for ys in series]
    bounds = [i * n // columns for i in range(columns + 1)]
    spans = list(itertools.pairwise(bounds))
    return [xs[a] for a, _ in spans], [[_highest(ys[a:b]) for a, b in spans] for ys in series]


def _highest(values: Sequence[float]) -> float:
    """The largest value; NaN (no request in that window) only when every one is NaN."""
    return max((v for v in values if not math.isnan(v)), default=math.nan)


_ESCAPES = re.compile(r"((?:\x1b\[[0-9;]*m)+)")
_RESET = "\x1b[0m"


@functools.lru_cache(maxsize=256)
def _style_after(escapes: str) -> Style:
    """The style Rich's own ANSI decoder gives text after ``escapes`` (one per distinct run)."""
    decoded = Text.from_ansi(escapes + "x")
    return Style.combine(span.style for span in decoded.spans if isinstance(span.style, Style))


def ansi_lines(ansi: str) -> list[list[Run]]:
    """Plotext's output as lines of (text, style) runs: the styles Rich's own ANSI decoder gives
    (``Text.from_ansi``), each distinct escape sequence decoded once.

    A chart is a thousand short coloured runs, each decoded by Rich from scratch: 8 ms a frame
    for a 60x16 chart, more than plotext takes to build it. Plotext uses a handful of distinct
    escape sequences. Unstyled text gets the null style, as in a Text without a style."""
    if not ansi:
        return []
    lines: list[list[Run]] = [[]]
    active = ""  # the escapes in force since the last reset
    null = Style.null()
    parts = _ESCAPES.split(ansi)
    for index, part in enumerate(parts):
        if index % 2:  # a run of escape sequences
            reset = part.rfind(_RESET)
            active = part[reset + len(_RESET) :] if reset >= 0 else active + part
            continue
        style = _style_after(active) if active else null
        first, *rest = part.split("\n")
        if first:
            lines[-1].append((first, style))
        for line in rest:
            lines.append([(line, style)] if line else [])
    if ansi.endswith("\n"):
        lines.pop()  # plotext ends its last line too; Text.from_ansi has no line after it
    return lines


class TimeChart(PlotextPlot):
    """Lines over time from 0 (the run's start), at most one point a column, drawn on demand."""

    ALLOW_SELECT = False  # a picture: Runs draws no selection offsets

    _columns = 0
    """The width it was last drawn at while on the screen (see :meth:`draw`)."""

    def render(self) -> RenderResult:
        # PlotextPlot.render, drawn as Runs in place of a Text.from_ansi that Textual converts to
        # Content: 18.9 -> 8.5 ms for a 62x16 chart, plotext's build included (A/B in one run);
        # tests/functional/test_latency_chart_drawn.py compares it with PlotextPlot's drawing.
        plot = self.plt
        plot.plotsize(self.size.width, self.size.height)
        plot._set_size(self.size.width, self.size.height)  # as PlotextPlot does (its issue #5)
        plot.theme(self._get_plotext_theme_name(self.app.theme))
        return Runs(ansi_lines(plot.build()))

    def draw(
        self,
        title: str,
        times: Sequence[float],
        series: Sequence[tuple[str, Sequence[float]]],
        start: float,
        *,
        started_at: float | None = None,
        from_zero: bool = False,
    ) -> list[float]:
        """``series`` (label, values) against ``times`` less ``start``; points before it are not
        drawn (a worker run samples while its workers connect), nor NaN ones (no request then).
        ``from_zero``: the y axis starts at 0, so a steady line reads as steady, not as noise
        blown up. Returns the x of each point drawn (empty: nothing was)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        first = bisect.bisect_left(times, start)
        if first >= len(times):
            plt.xlabel("elapsed s")
            plt.plot([0.0], [0.0], marker=" ")
            self.refresh()
            return []
        # Hidden (the dashboard's endpoint panel between two Enters) a widget has no size until
        # it is laid out again: the width it last had stands in, not 0, which is every point.
        self._columns = self.size.width or self._columns
        span = times[-1] - start  # the axis ends at the last point's time, merged into a column or not
        xs, ys = per_column([t - start for t in times[first:]], [values[first:] for _, values in series], self._columns)
        top = 0.0
        for (label, _), (marker, color), values in zip(series, LOOKS, ys, strict=False):
            drawn = [v for v in values if not math.isnan(v)]
            if drawn:
                plt.plot(xs, values, label=label, marker=marker, color=color)
                top = max(top, *drawn)
        if from_zero:
            plt.ylim(0, top * 1.1 or 1.0)
        positions, labels, axis = time_ticks(span, started_at)
        plt.xticks(positions, labels)
        plt.xlim(0, max(span, 1.0))
        plt.xlabel(axis)
        self.refresh()
        return xs


class LatencyChart(TimeChart):
    """Redrawn from the snapshot's history each tick; vertical lines mark profile switches."""

    def on_mount(self) -> None:
        self._draw(None)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self._draw(snapshot)

    def _draw(self, snapshot: Snapshot | None) -> None:
        history = snapshot.history if snapshot is not None else None
        if snapshot is None or history is None or not history.time:
            self.draw("Latency (ms)", (), (), 0.0)
            return
        # The whole run (its history is thinned evenly when long), from 0.
        start = snapshot.started_at or history.time[0]
        title = "Latency (ms)"
        baseline = snapshot.baseline
        if baseline is not None and baseline.totals.p95_ms > 0:
            title = f"Latency (ms), baseline p95 {baseline.totals.p95_ms:g} —"
        xs = self.draw(title, history.time, history.chart_series(), start, started_at=snapshot.started_at)
        if not xs:
            return
        plt = self.plt
        if baseline is not None and baseline.totals.p95_ms > 0:
            plt.hline(baseline.totals.p95_ms, "gray")  # the baseline's p95, for reference
        for switch in snapshot.switches:
            if switch.elapsed_s >= xs[0]:
                plt.vline(switch.elapsed_s, "gray")
