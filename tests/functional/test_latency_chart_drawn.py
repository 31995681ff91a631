"""The latency chart draws plotext's output straight to strips (widgets.runs.Runs): the same cells in
the same colours as PlotextPlot's own drawing (Rich's ANSI decoding, then Textual's Content)."""

from __future__ import annotations

# isort: off
import locust  # noqa: F401  gevent first

# isort: on
import sys
from dataclasses import replace
from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult, RenderResult
from textual.geometry import Region
from textual_plotext import PlotextPlot

from loadtui.engine.snapshot import ProfileSwitch
from loadtui.ui.widgets.latency_chart import LatencyChart

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))
from appdata import make_snapshot


class Reference(LatencyChart):
    def render(self) -> RenderResult:
        return PlotextPlot.render(self)  # textual-plotext's own: Text.from_ansi, then Content


class Pair(App[None]):
    CSS = "LatencyChart { width: 62; height: 16; }"

    def compose(self) -> ComposeResult:
        yield LatencyChart(id="ours")
        yield Reference(id="reference")


def cells(chart: LatencyChart) -> list[list[tuple[str, Style | None]]]:
    """Each cell and its look: selection offsets (Content's, in the meta) left out."""
    chart._styles_cache.clear()
    chart.refresh()
    lines = chart.render_lines(Region(0, 0, chart.size.width, chart.size.height))
    return [
        [(char, seg.style.clear_meta_and_links() if seg.style else None) for seg in line for char in seg.text]
        for line in lines
    ]


async def test_the_chart_draws_what_plotext_plot_draws() -> None:
    app = Pair()
    async with app.run_test(size=(70, 34)) as pilot:
        ours, reference = app.query_one("#ours", LatencyChart), app.query_one("#reference", LatencyChart)
        base = make_snapshot()
        switch = ProfileSwitch(at=0.0, elapsed_s=30.0, from_profile="light", to_profile="heavy", users=20, spawn_rate=5)
        switched = replace(base, switches=(switch,))
        compared = 0
        for theme in ("textual-dark", "textual-light", "nord"):
            app.theme = theme
            for snapshot in (None, base, switched):
                for chart in (ours, reference):
                    if snapshot is None:
                        chart._draw(None)
                    else:
                        chart.update_snapshot(snapshot)
                await pilot.pause()
                drawn = cells(ours)
                assert len(drawn) == 16 and all(len(line) == 62 for line in drawn)
                assert drawn == cells(reference), (theme, snapshot is not None)
                compared += 1
        assert compared == 9


async def test_samples_from_before_the_start_are_not_drawn() -> None:
    """A worker run samples while its workers connect: the axis still starts at 0 s, not below."""
    app = Pair()
    async with app.run_test(size=(70, 34)) as pilot:
        chart = app.query_one("#ours", LatencyChart)
        base = make_snapshot()
        assert base.started_at is not None and base.history.time[0] >= base.started_at
        early = replace(base, started_at=base.history.time[0] + 3.5)  # the first 4 samples came before it
        for snapshot in (base, early):
            chart.update_snapshot(snapshot)
            await pilot.pause()
            lines = ["".join(char for char, _ in line) for line in cells(chart)]
            axis = lines[lines.index(next(line for line in lines if "elapsed s" in line)) - 1]  # the tick labels
            assert "0" in axis and "-" not in axis, axis


async def test_a_hidden_chart_keeps_one_point_a_column() -> None:
    """Hidden (as the dashboard's endpoint panel is between two Enters), a chart has no size until
    it is laid out again: it is drawn at the width it last had, not with every point."""
    from loadtui.ui.widgets.latency_chart import TimeChart

    class One(App[None]):
        CSS = "TimeChart { width: 40; height: 12; }"

        def compose(self) -> ComposeResult:
            yield TimeChart()

    times = [float(t) for t in range(600)]
    series = (("p95", [float(t % 7) for t in times]),)
    async with One().run_test(size=(60, 20)) as pilot:
        chart = pilot.app.query_one(TimeChart)
        assert len(chart.draw("Latency", times, series, 0.0)) == 40
        chart.display = False
        await pilot.pause()
        assert chart.size.width == 0  # off the screen: Textual knows no size for it
        assert len(chart.draw("Latency", times, series, 0.0)) == 40
