"""This machine as psutil sees it, and loadtui's own CPU: is the generator the bottleneck?"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget

from loadtui.engine.snapshot import HostSample

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


class HostReadout(Widget):
    DEFAULT_CSS = "HostReadout { height: auto; }"

    sample: HostSample | None = None

    def render(self) -> Text:
        return host_text(self.sample, self.size.width or 36)

    def show(self, sample: HostSample | None) -> None:
        self.sample = sample
        self.refresh(layout=True)


class HostPanel(VerticalScroll):
    """Scrolls when a many-core machine does not fit (Tab to it, then arrow keys)."""

    def compose(self):  # type: ignore[override]
        yield HostReadout()

    def update_snapshot(self, sample: HostSample | None) -> None:
        self.query_one(HostReadout).show(sample)
        self.set_class(bool(sample and sample.generator_saturated), "-saturated")
