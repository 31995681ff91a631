"""p50/p95/p99 over time, drawn with textual-plotext's own figure (no global plotext state)."""

from __future__ import annotations

import bisect
import functools
import itertools
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


def time_ticks(span_s: float, started_at: float | None, ticks: int = TICKS) -> tuple[list[float], list[str], str]:
    """Where the time axis is labelled, the labels and the axis title, for a run ``span_s`` long:
    seconds for the first two minutes, then minutes (``12:30``), then past an hour the clock time
    of day (``14:05``) when the start is known, as a person reading a long run thinks of it."""
    span = max(span_s, 1.0)
    positions = [span * i / (ticks - 1) for i in range(ticks)]
    if span < 120:
        return positions, [f"{p:.0f}" for p in positions], "elapsed s"
    if span < 3600 or started_at is None:
        return positions, [f"{int(p // 60)}:{int(p % 60):02d}" for p in positions], "elapsed min:s"
    return positions, [time.strftime("%H:%M", time.localtime(started_at + p)) for p in positions], "time of day"


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
    return [xs[a] for a, _ in spans], [[max(ys[a:b]) for a, b in spans] for ys in series]


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


class LatencyChart(PlotextPlot):
    """Redrawn from the snapshot's history each tick; vertical lines mark profile switches."""

    ALLOW_SELECT = False  # a picture: Runs draws no selection offsets

    def on_mount(self) -> None:
        self._draw(None)

    def render(self) -> RenderResult:
        # PlotextPlot.render, drawn as Runs in place of a Text.from_ansi that Textual converts to
        # Content: 18.9 -> 8.5 ms for a 62x16 chart, plotext's build included (A/B in one run);
        # tests/functional/test_latency_chart_drawn.py compares it with PlotextPlot's drawing.
        plot = self.plt
        plot.plotsize(self.size.width, self.size.height)
        plot._set_size(self.size.width, self.size.height)  # as PlotextPlot does (its issue #5)
        plot.theme(self._get_plotext_theme_name(self.app.theme))
        return Runs(ansi_lines(plot.build()))

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self._draw(snapshot)

    def _draw(self, snapshot: Snapshot | None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Latency (ms)")
        history = snapshot.history if snapshot is not None else None
        start = 0.0
        if history is not None and history.time:
            start = snapshot.started_at if snapshot and snapshot.started_at else history.time[0]
        # The whole run (its history is thinned evenly when long), from 0: samples from before the
        # start (a worker run samples while its workers connect) are not drawn.
        first = bisect.bisect_left(history.time, start) if history else 0
        if history is None or first >= len(history.time):
            plt.xlabel("elapsed s")
            plt.plot([0.0], [0.0], marker=" ")
            self.refresh()
            return
        drawn = history.chart_series()
        xs, ys = per_column(
            [t - start for t in history.time[first:]], [values[first:] for _, values in drawn], self.size.width
        )
        for (label, _), (marker, color), values in zip(drawn, LOOKS, ys, strict=False):
            plt.plot(xs, values, label=label, marker=marker, color=color)
        positions, labels, title = time_ticks(xs[-1], snapshot.started_at if snapshot else None)
        plt.xticks(positions, labels)
        plt.xlim(0, positions[-1])
        plt.xlabel(title)
        if snapshot is not None and snapshot.baseline is not None and snapshot.baseline.totals.p95_ms > 0:
            plt.hline(snapshot.baseline.totals.p95_ms, "gray")  # the baseline's p95, for reference
            plt.title(f"Latency (ms), baseline p95 {snapshot.baseline.totals.p95_ms:g} —")
        if snapshot is not None:
            for switch in snapshot.switches:
                if xs and switch.elapsed_s >= xs[0]:
                    plt.vline(switch.elapsed_s, "gray")
        self.refresh()
