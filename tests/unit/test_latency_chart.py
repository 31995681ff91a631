"""The latency chart gives plotext at most one point per column, without losing a spike."""

from __future__ import annotations

from loadtui.ui.widgets.latency_chart import per_column


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
