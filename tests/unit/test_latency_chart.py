"""The latency chart gives plotext at most one point per column, without losing a spike, and
decodes its ANSI output to the very styles Rich would."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual_plotext.plotext_plot import Plot

from loadtui.ui.widgets.latency_chart import SERIES, ansi_lines, per_column, time_ticks


def test_short_series_pass_through() -> None:
    assert per_column([0.0, 1.0], [[3.0, 4.0]], 60) == ([0.0, 1.0], [[3.0, 4.0]])


def test_long_series_fit_the_width_and_keep_their_peaks() -> None:
    xs = [float(i) for i in range(600)]
    p95 = [10.0] * 600
    p95[437] = 900.0  # one slow second in ten minutes
    p50 = [float(i % 7) for i in range(600)]
    merged_xs, (merged_p50, merged_p95) = per_column(xs, [p50, p95], 57)
    assert len(merged_xs) == len(merged_p50) == len(merged_p95) == 57
    assert merged_xs[0] == 0.0 and merged_xs == sorted(merged_xs)
    assert max(merged_p95) == 900.0 and merged_p95.count(900.0) == 1
    assert set(merged_p50) == {6.0}  # every bucket of 10-11 seconds holds a 6
    # The peak is drawn in the column that covers its time.
    column = merged_p95.index(900.0)
    assert merged_xs[column] <= 437.0 < (merged_xs[column + 1] if column + 1 < 57 else 600.0)


def per_char(lines: list[list[tuple[str, Style | None]]]) -> list[list[tuple[str, Style | None]]]:
    return [[(char, style) for text, style in line for char in text] for line in lines]


def rich_lines(text: Text) -> list[list[tuple[str, Style | None]]]:
    console = Console(width=200, color_system="truecolor")
    lines = console.render_lines(text, console.options.update(width=200), pad=False)
    while lines and not lines[-1]:
        lines.pop()  # the Text's own end of line
    return per_char([[(segment.text, segment.style) for segment in line] for line in lines])


@pytest.mark.parametrize("theme", ["default", "dark", "pro"])
def test_the_charts_ansi_decodes_as_rich_decodes_it(theme: str) -> None:
    plot = Plot()
    xs = list(range(60))
    for (label, marker, color), shift in zip(SERIES, (3, 7, 11), strict=True):
        plot.plot(xs, [float((x * shift) % 13) for x in xs], label=label, marker=marker, color=color)
    plot.vline(20, "gray")
    plot.title("Latency (ms)")
    plot.xlabel("elapsed s")
    plot.theme(theme)
    plot.plotsize(62, 16)
    ansi = plot.build()
    assert ansi.count("\x1b[") > 500  # a real chart: hundreds of coloured runs
    ours = per_char(ansi_lines(ansi))
    assert len(ours) == 16 and all(len(line) == 62 for line in ours)
    assert ours == rich_lines(Text.from_ansi(ansi))


def test_the_time_axis_reads_as_seconds_then_minutes_then_the_time_of_day() -> None:
    import time

    positions, labels, title = time_ticks(90, started_at=None)
    assert positions[0] == 0 and title == "elapsed s" and labels == ["0", "20", "40", "60", "80"]
    for span in (1, 3, 5, 14, 59, 60, 119):  # round labels, each where it is drawn, 0 first
        positions, labels, _ = time_ticks(span, started_at=None)
        assert labels == [f"{p:g}" for p in positions] and positions[0] == 0 and positions[-1] <= span
        assert 2 <= len(labels) <= 5
    assert time_ticks(600, started_at=None)[1] == ["0:00", "5:00", "10:00"]
    positions, labels, title = time_ticks(30 * 60, started_at=None)
    assert title == "elapsed min:s" and labels[0] == "0:00" and labels[-1] == "30:00"
    start = time.mktime((2026, 12, 3, 14, 0, 0, 0, 0, -1))
    positions, labels, title = time_ticks(2 * 3600, started_at=start)
    assert title == "time of day" and labels == ["14:00", "14:30", "15:00", "15:30", "16:00"]
    later = start + 7 * 60  # 14:07: the labels stay on the clock's round times
    positions, labels, _ = time_ticks(5 * 3600, started_at=later)
    assert labels == ["15:00", "16:00", "17:00", "18:00", "19:00"] and positions[0] == 53 * 60
    midnight = time.mktime((2026, 12, 3, 0, 0, 0, 0, 0, -1))  # a Thursday
    assert time_ticks(86400, started_at=midnight)[1] == [
        "Thu 00:00",
        "Thu 06:00",
        "Thu 12:00",
        "Thu 18:00",
        "Fri 00:00",
    ]
    assert time_ticks(25 * 86400, started_at=midnight)[1] == ["03 Dec", "10 Dec", "17 Dec", "24 Dec"]  # weeks: dates
    for odd in (float("nan"), float("inf"), -5.0, 0.0):  # never raises: the shortest axis
        assert time_ticks(odd, started_at=None)[1] == ["0", "1"]
    assert time_ticks(2 * 3600, started_at=None)[2] == "elapsed min:s"  # no start known: still from 0
