"""p50/p95/p99 over time, drawn with textual-plotext's own figure (no global plotext state)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from loadtui.engine.snapshot import Snapshot

MAX_POINTS = 600
"""Plotext redraws every point on each render; the chart is a few dozen cells wide, so ten
minutes at 1 s is plenty of detail and keeps a render well under a millisecond per series."""

# Each series has its own marker as well as its own colour, so the legend still tells the lines
# apart in a monochrome terminal.
SERIES = (("p50", "·", "green"), ("p95", "+", "yellow"), ("p99", "x", "red"))


class LatencyChart(PlotextPlot):
    """Redrawn from the snapshot's history each tick; vertical lines mark profile switches."""

    def on_mount(self) -> None:
        self._draw(None)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self._draw(snapshot)

    def _draw(self, snapshot: Snapshot | None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Latency (ms)")
        plt.xlabel("elapsed s")
        history = snapshot.history if snapshot is not None else None
        if history is None or not history.time:
            plt.plot([0.0], [0.0], marker=" ")
            self.refresh()
            return
        start = snapshot.started_at if snapshot and snapshot.started_at else history.time[0]
        xs = [t - start for t in history.time[-MAX_POINTS:]]
        for (label, marker, color), ys in zip(SERIES, (history.p50_ms, history.p95_ms, history.p99_ms), strict=True):
            plt.plot(xs, list(ys[-MAX_POINTS:]), label=label, marker=marker, color=color)
        if snapshot is not None:
            for switch in snapshot.switches:
                if xs and switch.elapsed_s >= xs[0]:
                    plt.vline(switch.elapsed_s, "gray")
        self.refresh()
