"""This machine as psutil sees it, and loadtui's own CPU: is the generator the bottleneck?"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget

from loadtui.engine.snapshot import HostSample
from loadtui.engine.watch import WatchedState

from ..formatting import fmt_bytes

BAR = "█"
BAR_EMPTY = "░"


def bar(percent: float, width: int) -> str:
    filled = round(max(0.0, min(100.0, percent)) / 100.0 * width)
    return BAR * filled + BAR_EMPTY * (width - filled)


def level_style(percent: float) -> str:
    return "red" if percent >= 90 else "yellow" if percent >= 70 else "green"


def host_text(sample: HostSample | None, width: int) -> Text:
    """Most telling first: when the panel is short (80x24) it scrolls, and what is cut off is
    the per-core detail, never the generator warning."""
    if sample is None:
        return Text("waiting for the first host sample…", style="dim")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("loadtui ", style="bold")
    text.append(f"{sample.process_cpu_percent:3.0f}% CPU", style=level_style(sample.process_cpu_percent))
    text.append(f"  rss {fmt_bytes(sample.process_rss)}\n")
    if sample.generator_saturated:
        # Reverse video survives NO_COLOR; the words say why it matters.
        text.append("! GENERATOR SATURATED: numbers unreliable\n", style="bold reverse red")
    text.append("CPU  ", style="bold")
    text.append(f"{sample.cpu_percent:5.1f}%", style=level_style(sample.cpu_percent))
    text.append(f" {bar(sample.cpu_percent, 10)}", style=level_style(sample.cpu_percent))
    text.append(f" {len(sample.cpu_per_core) or sample.cpu_count} cores\n", style="dim")
    text.append("mem  ", style="bold")
    text.append(f"{fmt_bytes(sample.mem_used)} / {fmt_bytes(sample.mem_total)}")
    text.append(f" ({sample.mem_percent:.0f}%)\n", style=level_style(sample.mem_percent))
    text.append("swap ", style="bold")
    text.append(f"{fmt_bytes(sample.swap_used)} / {fmt_bytes(sample.swap_total)}\n")
    load1, load5, load15 = sample.load_avg
    text.append("load ", style="bold")
    text.append(f"{load1:.2f} {load5:.2f} {load15:.2f}\n")

    # Cores in as many columns as fit: "  0 ▇▇▇░  71%" is 13 cells wide.
    cell = 13
    columns = max(1, width // cell)
    for index, percent in enumerate(sample.cpu_per_core):
        text.append(f"{index:>3} ", style="dim")
        text.append(bar(percent, 4), style=level_style(percent))
        text.append(f"{percent:4.0f}%")
        text.append("\n" if (index + 1) % columns == 0 else " ")
    text.rstrip()
    return text


SPARK = "▁▂▃▄▅▆▇█"
WATCH_STATES = {
    "running": ("●", "green"),
    "restarted": ("↻", "yellow"),
    "exited": ("✗", "red"),
    "not found": ("·", "dim"),
}
LEAK_SLOPE_MB_PER_MIN = 1.0
"""A slope above this is marked ("↑ growing") even without a threshold: worth a look on a steady load."""


def spark(values: tuple[float, ...], width: int) -> str:
    points = values[-width:]
    if not points:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1)))] for v in points)


def watched_text(watched: tuple[WatchedState, ...], width: int) -> Text:
    """The processes given with --watch: state (symbol and word), CPU, RSS and its trend."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for state in watched:
        symbol, style = WATCH_STATES.get(state.state, ("?", "dim"))
        text.append(f"\n{symbol} {state.spec} ", style=f"bold {style}")
        text.append(f"{state.state}", style=style)
        if state.pids:
            text.append(f" ({len(state.pids)} proc)", style="dim")
        if not state.pids:
            continue
        text.append(f"\n  CPU {state.cpu_percent:4.0f}%  RSS {fmt_bytes(state.rss)}")
        slope = state.slope_mb_per_min
        if slope is not None:
            growing = slope > LEAK_SLOPE_MB_PER_MIN
            text.append(f" {slope:+.1f} MB/min", style="bold yellow" if growing else "")
            if growing:
                text.append(" ↑ growing", style="bold yellow")
        text.append(f"\n  thr {state.threads}  files {state.open_files}  conn {state.connections}")
        line = spark(state.rss_series, max(8, width - 6))
        if line:
            text.append(f"\n  {line}", style=style)
    return text


class HostReadout(Widget):
    DEFAULT_CSS = "HostReadout { height: auto; }"

    sample: HostSample | None = None
    watched: tuple[WatchedState, ...] = ()

    _drawn: tuple[int, Text] | None = None
    """(width, text) of the last readout built: ``show`` builds it to count its lines, the
    paint that follows reuses it."""

    def render(self) -> Text:
        width = self.size.width or 36
        if self._drawn is None or self._drawn[0] != width:
            text = host_text(self.sample, width)
            if self.watched:
                text.append_text(watched_text(self.watched, width))
            self._drawn = (width, text)
        return self._drawn[1]

    def show(self, sample: HostSample | None, watched: tuple[WatchedState, ...] = ()) -> None:
        lines = self.render().plain.count("\n") if self._drawn is not None else -1
        self.sample = sample
        self.watched = watched
        self._drawn = None
        # The height follows the number of lines, which changes only when cores or watched
        # processes come and go: a layout pass then, a repaint on every other tick.
        self.refresh(layout=self.render().plain.count("\n") != lines)


class HostPanel(VerticalScroll):
    """Scrolls when a many-core machine does not fit (Tab to it, then arrow keys)."""

    def compose(self) -> ComposeResult:
        yield HostReadout()

    def update_snapshot(self, sample: HostSample | None, watched: tuple[WatchedState, ...] = ()) -> None:
        self.query_one(HostReadout).show(sample, watched)
        self.set_class(bool(sample and sample.generator_saturated), "-saturated")
