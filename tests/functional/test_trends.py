"""The trend sparklines draw straight to strips (trends.bar_lines, drawn by widgets.runs.Runs):
exactly what Textual's own Sparkline draws for the same data, segment by segment, in a real app."""

from __future__ import annotations

import random

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Sparkline

from loadtui.ui.widgets.trends import TrendLine


def noise(seed: int, count: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.random() for _ in range(count)]


SERIES: list[list[float]] = [
    [],
    [5.0],
    [3.0, 3.0, 3.0],  # no extent: every bar the same
    [0.0, 10.0],
    [float(i % 7) for i in range(25)],  # fewer points than cells: buckets repeat
    [100 * value for value in noise(3, 300)],  # more points than cells
    [0.0] * 50 + [1000.0] + [0.0] * 49,  # one spike
    [0.0, 35.0, 70.0, 100.0],  # bars exactly at a line's boundary in a 3-line sparkline
    # Many colours: bar_lines keeps one style per colour, which must be the colour of every bar it is
    # used for.
    *(noise(seed, 200) for seed in range(20)),
]


class Pair(App[None]):
    CSS = "Sparkline { width: 60; height: 1; } .tall { height: 3; }"

    def compose(self) -> ComposeResult:
        yield TrendLine([], summary_function=max, id="ours")
        yield Sparkline([], summary_function=max, id="textual")
        yield TrendLine([], summary_function=max, id="ours-tall", classes="tall")
        yield Sparkline([], summary_function=max, id="textual-tall", classes="tall")


def drawn(widget: Sparkline) -> list[list[Segment]]:
    widget._styles_cache.clear()
    return [list(strip) for strip in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))]


async def test_bars_are_textuals_sparkline() -> None:
    app = Pair()
    async with app.run_test(size=(80, 12)) as pilot:
        compared = 0
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            for data in SERIES:
                for suffix in ("", "-tall"):
                    ours = app.query_one(f"#ours{suffix}", TrendLine)
                    theirs = app.query_one(f"#textual{suffix}", Sparkline)
                    ours.data = theirs.data = data
                    await pilot.pause()
                    assert ours.size == theirs.size
                    lines = drawn(ours)
                    assert lines == drawn(theirs), (theme, len(data), suffix)
                    assert any(segment.text.strip() for line in lines for segment in line)  # bars drawn
                    compared += 1
        assert compared == 2 * len(SERIES) * 2
        # Another background under the same bar colours: the styles kept must follow it too.
        for widget in app.query(Sparkline):
            widget.styles.background = "darkblue"
        for data in SERIES[-3:]:
            for suffix in ("", "-tall"):
                ours, theirs = app.query_one(f"#ours{suffix}", TrendLine), app.query_one(f"#textual{suffix}", Sparkline)
                ours.data = theirs.data = data
                await pilot.pause()
                assert drawn(ours) == drawn(theirs), ("background", suffix)
