"""Sparklines of the run so far: RPS, failures/s, users and p95, one labelled row each."""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, Vertical
from textual.css.styles import RulesMap
from textual.renderables._blend_colors import blend_colors
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual, Visual
from textual.widgets import Label, Sparkline

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_ms, fmt_rate

MAX_POINTS = 300
"""A sparkline shows at most one point per cell, so older points only cost time to summarise."""


BAR_STYLES = 2048
"""Bar styles kept (the widget's style and one colour each; a theme has a few hundred)."""
_BAR_STYLES: dict[tuple[RichStyle, Color | tuple[int, int, int]], RichStyle] = {}


class Bars(Visual):
    """Textual's sparkline drawing, straight to strips.

    Textual draws a Sparkline as a Rich renderable: each bucket's bounds with ``Fraction``s, a
    colour blended and a Style made for every bar, then Rich's console renders it and Textual
    splits the result into lines: 1.2-1.6 ms a sparkline, for four that change every tick. This
    draws the same bars in the same colours (``tests/functional/test_trends.py`` compares them
    with Textual's own, segment by segment) from the renderable Textual's ``render()`` built,
    with integer bucket bounds and each colour's style made once."""

    def __init__(self, widget: Sparkline, drawn: SparklineRenderable[float]) -> None:
        self._widget = widget
        self._drawn = drawn

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        if (self._drawn.width or 0) != width:
            return RichVisual(self._widget, self._drawn).render_strips(width, height, style, options)
        strips = [Strip(line) for line in self._lines(style.rich_style)]
        return strips[:height] if height is not None else strips

    def _lines(self, base: RichStyle) -> list[list[Segment]]:
        """SparklineRenderable.__rich_console__, line by line, with the same arithmetic, each
        segment on the widget's style as RichVisual lays a renderable on it."""
        drawn = self._drawn
        data = list(drawn.data)
        width = drawn.width or 0
        height = drawn.height or 1

        def on_base(own: RichStyle | None) -> RichStyle | None:
            return base + own if base else own

        if not data:
            return [[] for _ in range(height - 1)] + [[Segment("▁" * width, on_base(drawn.min_color))]]
        if len(data) == 1:
            return [[Segment("█" * width, on_base(drawn.max_color))] for _ in range(height)]
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
        blank = on_base(None)
        colored = [self._bar_style(base, min_color, max_color, ratio) for ratio in ratios]
        lines = []
        for row in reversed(range(height)):
            low, high = row * per_line, (row + 1) * per_line
            line = []
            bucket_index = 0.0
            step = len(ratios) / width
            for _ in range(width):
                index = int(bucket_index)
                bar_index = int(ratios[index] * bar_segments)
                if bar_index < low:
                    line.append(Segment(" ", blank))
                else:
                    line.append(Segment("█" if bar_index >= high else bars[bar_index % per_line], colored[index]))
                bucket_index += step
            lines.append(line)
        return lines

    @staticmethod
    def _bar_style(base: RichStyle, low: Color, high: Color, ratio: float) -> RichStyle:
        """``base + Style.from_color(blend_colors(low, high, ratio))``, made once per colour:
        blend_colors rounds each channel down (``Color.from_rgb``), so a few hundred colours
        stand for every ratio."""
        if low.triplet is None or high.triplet is None:
            key: tuple[RichStyle, Color | tuple[int, int, int]] = (base, high)  # blend_colors' own fallback
        else:
            (r1, g1, b1), (r2, g2, b2) = low.triplet, high.triplet
            key = (base, (int(r1 + (r2 - r1) * ratio), int(g1 + (g2 - g1) * ratio), int(b1 + (b2 - b1) * ratio)))
        style = _BAR_STYLES.get(key)
        if style is None:
            if len(_BAR_STYLES) >= BAR_STYLES:
                _BAR_STYLES.clear()
            own = RichStyle.from_color(blend_colors(low, high, ratio))
            style = _BAR_STYLES[key] = base + own if base else own
        return style

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return RichVisual(self._widget, self._drawn).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return RichVisual(self._widget, self._drawn).get_height(rules, width)


class TrendLine(Sparkline):
    """A Sparkline drawn by :class:`Bars`."""

    def render(self) -> RenderResult:
        drawn = super().render()
        return Bars(self, drawn) if isinstance(drawn, SparklineRenderable) else drawn


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
