"""Lines of styled text runs drawn straight to strips: the latency chart and the sparklines.

Textual draws a Rich Text through its own Content (a style combined and a selection offset for
every run) and any other Rich renderable through Rich's console. For the chart's ~400 runs and
the sparklines' one run per bar, redrawn every second, both cost more than making the runs.
``Runs`` draws them as ``RichVisual`` lays a renderable on a widget: the widget's style under each
run's own, lines cropped to the width, not padded.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import RenderOptions, Visual

Run = tuple[str, Style | None]


class Runs(Visual):
    """Lines of (text, Rich style) runs, as a Visual a widget's ``render()`` returns."""

    def __init__(self, lines: list[list[Run]]) -> None:
        self._lines = lines

    def render_strips(self, width: int, height: int | None, style: VisualStyle, options: RenderOptions) -> list[Strip]:
        base = style.rich_style
        strips = []
        for line in self._lines[:height] if height is not None else self._lines:
            strip = Strip([Segment(text, base + own if base else own) for text, own in line])
            strips.append(strip.crop(0, width) if strip.cell_length > width else strip)
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max((sum(cell_len(text) for text, _ in line) for line in self._lines), default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self._lines)
