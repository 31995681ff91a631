"""An endpoint's latency distribution as horizontal bars, one line per bin, sized to the widget.

The bins are the engine's (:mod:`loadtui.engine.latency_histogram`, from Locust's own bucketed
response times); the bins holding the p50, p95 and p99 are marked with those words, so the tail
is found without reading colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from loadtui.engine.latency_histogram import Bin

from ..formatting import fmt_int, fmt_pct

EIGHTHS = " ▏▎▍▌▋▊▉"
MARKED = ((0.5, "p50"), (0.95, "p95"), (0.99, "p99"))


def bin_label(low: float, high: float | None) -> str:
    """``20-30 ms``, ``700-1000 ms``, ``1-2 s``, ``≥60 s``."""
    if high is None:
        return f"≥{low / 1000:g} s" if low >= 1000 else f"≥{low:g} ms"
    if high <= 1000:
        return f"{low:g}-{high:g} ms"
    return f"{low / 1000:g}-{high / 1000:g} s"


def bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` cells long, to an eighth of a cell (a non-zero bin shows)."""
    eighths = max(1, round(fraction * width * 8)) if fraction > 0 else 0
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def marks(histogram: Sequence[Bin], percentiles: Sequence[tuple[float, float]]) -> dict[int, str]:
    """Bin index -> ``p50 p95``: the marked percentiles that fall in it."""
    found = dict(percentiles)
    out: dict[int, list[str]] = {}
    for percent, label in MARKED:
        ms = found.get(percent)
        if ms is None or math.isnan(ms):
            continue
        for index, (low, high, _) in enumerate(histogram):
            if ms >= low and (high is None or ms < high):
                out.setdefault(index, []).append(label)
                break
    return {index: " ".join(labels) for index, labels in out.items()}


def histogram_text(histogram: Sequence[Bin], percentiles: Sequence[tuple[float, float]], width: int) -> Text:
    if not histogram:
        return Text("no response times yet", style="dim")
    total = sum(count for _, _, count in histogram) or 1
    top = max(count for _, _, count in histogram) or 1
    labels = [bin_label(low, high) for low, high, _ in histogram]
    label_width = max(len(label) for label in labels)
    counts = [fmt_int(count) for _, _, count in histogram]
    count_width = max(len(count) for count in counts)
    tags = marks(histogram, percentiles)
    tag_width = max((len(tag) for tag in tags.values()), default=0)
    bar_width = max(4, width - label_width - count_width - tag_width - 10)
    text = Text(no_wrap=True, overflow="crop")
    for index, ((_, _, count), label, shown) in enumerate(zip(histogram, labels, counts, strict=True)):
        if index:
            text.append("\n")
        text.append(label.rjust(label_width), style="dim" if not count else "")
        text.append(" ")
        drawn = bar(count / top, bar_width)
        text.append(drawn.ljust(bar_width), style="cyan")
        text.append(f" {shown.rjust(count_width)} {fmt_pct(count / total).rjust(6)}")
        tag = tags.get(index)
        if tag:
            text.append(f" {tag}", style="bold")
    return text


class LatencyHistogram(Widget):
    """Bins and percentiles are set by :meth:`show`; the bars fit whatever width it is given."""

    DEFAULT_CSS = "LatencyHistogram { height: auto; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.histogram: tuple[Bin, ...] = ()
        self.percentiles: tuple[tuple[float, float], ...] = ()

    def show(self, histogram: tuple[Bin, ...], percentiles: tuple[tuple[float, float], ...]) -> None:
        if (histogram, percentiles) == (self.histogram, self.percentiles):
            return
        grew = len(histogram) != len(self.histogram)
        self.histogram, self.percentiles = histogram, percentiles
        self.refresh(layout=grew)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self.histogram))

    def render(self) -> RenderResult:
        return histogram_text(self.histogram, self.percentiles, self.content_size.width)
