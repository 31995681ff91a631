"""Sparklines of the run so far: RPS, failures/s, users and p95, one labelled row each."""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color
from rich.style import Style as RichStyle
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.renderables._blend_colors import blend_colors
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.widgets import Label, Sparkline

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_ms, fmt_rate
from .runs import Run, Runs

MAX_POINTS = 300
"""A sparkline shows at most one point per cell, so older points only cost time to summarise."""


BAR_STYLES = 1024
"""Bar colour styles kept (a pair of theme colours blends to a few hundred)."""
_BAR_STYLES: dict[tuple[int, int, int] | Color, RichStyle] = {}


def bar_lines(drawn: SparklineRenderable[float]) -> list[list[Run]]:
    """What Textual's SparklineRenderable draws, line by line: the same bars in the same colours.

    Textual renders it through Rich's console, with each bucket's bounds computed in
    ``Fraction``s and a colour blended and a Style made for every bar: 1.79 ms for a 100-cell
    sparkline, 0.86 ms drawn from these lines (A/B alternated), four sparklines a tick. The
    arithmetic is Textual's (``tests/functional/test_trends.py`` compares the drawing with
    Textual's own, segment by segment), with integer bucket bounds and each colour's style made
    once."""
    data = list(drawn.data)
    width = drawn.width or 0
    height = drawn.height or 1
    if not data:
        return [[] for _ in range(height - 1)] + [[("▁" * width, drawn.min_color)]]
    if len(data) == 1:
        return [[("█" * width, drawn.max_color)] for _ in range(height)]
    bars = SparklineRenderable.BARS
    per_line = len(bars)
    bar_segments = per_line * height - 1
    minimum, maximum = min(data), max(data)
    extent = maximum - minimum or 1
    min_color, max_color = drawn.min_color.color, drawn.max_color.color
    assert min_color is not None and max_color is not None
    count = len(data)
    # int(Fraction(count, width) * i) is count * i // width: Textual's bucket bounds.
    buckets = [data[count * i // width : count * (i + 1) // width] for i in range(width)]
    ratios = [(drawn.summary_function(bucket) - minimum) / extent for bucket in buckets if bucket]
    colored = [_bar_style(min_color, max_color, ratio) for ratio in ratios]
    lines = []
    for row in reversed(range(height)):
        low, high = row * per_line, (row + 1) * per_line
        line: list[Run] = []
        bucket_index = 0.0
        step = len(ratios) / width
        for _ in range(width):
            index = int(bucket_index)
            bar_index = int(ratios[index] * bar_segments)
            if bar_index < low:
                line.append((" ", None))
            else:
                line.append(("█" if bar_index >= high else bars[bar_index % per_line], colored[index]))
            bucket_index += step
        lines.append(line)
    return lines


def _bar_style(low: Color, high: Color, ratio: float) -> RichStyle:
    """``Style.from_color(blend_colors(low, high, ratio))``, made once per colour: blend_colors
    rounds each channel down (``Color.from_rgb``), so a few hundred colours stand for every ratio."""
    if low.triplet is None or high.triplet is None:
        key: tuple[int, int, int] | Color = high  # blend_colors' own fallback
    else:
        (r1, g1, b1), (r2, g2, b2) = low.triplet, high.triplet
        key = (int(r1 + (r2 - r1) * ratio), int(g1 + (g2 - g1) * ratio), int(b1 + (b2 - b1) * ratio))
    style = _BAR_STYLES.get(key)
    if style is None:
        if len(_BAR_STYLES) >= BAR_STYLES:
            _BAR_STYLES.clear()
        style = _BAR_STYLES[key] = RichStyle.from_color(blend_colors(low, high, ratio))
    return style


class TrendLine(Sparkline):
    """A Sparkline drawn from :func:`bar_lines`."""

    def render(self) -> RenderResult:
        drawn = super().render()
        return Runs(bar_lines(drawn)) if isinstance(drawn, SparklineRenderable) else drawn


class TrendRow(Horizontal):
    """``RPS  123.4 ▁▂▅▇`` : the label carries the current value so the line is never the only clue."""

    DEFAULT_CSS = """
    TrendRow { height: 1fr; min-height: 1; }
    TrendRow > Label { width: 17; height: 1; }
    TrendRow > Sparkline { width: 1fr; height: 1fr; min-height: 1; }
    """

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(f"{self.title:<8} -", classes="trend-label")
        yield TrendLine([], summary_function=max)

    def show(self, values: Sequence[float], text: str) -> None:
        # Fixed size (CSS): no layout pass for a new value, only a repaint.
        self.query_one(Label).update(f"{self.title:<8}{text:>8}", layout=False)
        self.query_one(TrendLine).data = list(values[-MAX_POINTS:])


class TrendsPanel(Vertical):
    """The four headline series; a p95 sparkline stands in for the chart when it is hidden."""

    def compose(self) -> ComposeResult:
        yield TrendRow("RPS", id="trend-rps")
        yield TrendRow("fail/s", id="trend-fail")
        yield TrendRow("users", id="trend-users")
        yield TrendRow("p95 ms", id="trend-p95")

    def update_snapshot(self, snapshot: Snapshot) -> None:
        history = snapshot.history
        totals = snapshot.totals
        self.query_one("#trend-rps", TrendRow).show(history.rps, fmt_rate(totals.rps))
        self.query_one("#trend-fail", TrendRow).show(history.fail_per_s, fmt_rate(totals.fail_per_s))
        self.query_one("#trend-users", TrendRow).show(
            [float(u) for u in history.users], f"{snapshot.users}/{snapshot.target_users}"
        )
        current = totals.current_p95_ms if totals.current_p95_ms is not None else totals.p95_ms
        self.query_one("#trend-p95", TrendRow).show(history.p95_ms, fmt_ms(current))
