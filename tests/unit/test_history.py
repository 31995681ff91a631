"""The bounded history: a long run keeps its start, thinned, and never grows past its capacity."""

import pytest

from loadtui.engine.history import DownsampledSeries
from loadtui.engine.snapshot import History


def test_bounded_and_keeps_the_whole_run() -> None:
    series = DownsampledSeries(100)
    for t in range(10_000):  # almost 3 hours at one point a second
        series.append((float(t), float(t % 7)))
        assert len(series) <= 100
    times = series.column(0)
    assert times[0] == 0.0 and times[-1] == 9999.0  # the start is still there, coarser; the end is exact
    assert list(times) == sorted(times)
    assert len(series) >= 50  # never thinner than half the capacity


def test_merged_points_are_means() -> None:
    series = DownsampledSeries(4)
    for row in ((0.0, 10.0), (1.0, 20.0), (2.0, 30.0), (3.0, 40.0), (4.0, 50.0)):
        series.append(row)
    assert series.rows == [(0.0, 15.0), (2.0, 35.0), (4.0, 50.0)]  # time of the first, mean of the values


def test_history_from_rows() -> None:
    series = DownsampledSeries(10)
    series.append((1.0, 5.0, 0.0, 10.0, 20.0, 30.0, 3.0, 50.0, 60.0))
    history = History.from_rows(series)
    assert history.users == (3,) and history.p95_ms == (20.0,) and history.mem_percent == (60.0,)
    assert History.from_rows([]) == History()
    with pytest.raises(ValueError):
        DownsampledSeries(2)
