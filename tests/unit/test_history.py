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


def test_a_gap_merged_with_a_value_is_the_value() -> None:
    """A quiet endpoint's latency has gaps (NaN: no request in that second); thinning must not
    spread them over the values next to them, or a long run's line is lost."""
    nan = float("nan")
    series = DownsampledSeries(8)
    for t in range(16):
        series.append((float(t), 5.0 if t % 2 else nan))
    times, values = series.column(0), series.column(1)
    assert times[:4] == (0.0, 4.0, 8.0, 10.0) and values[:4] == (5.0,) * 4  # merged rows: the values
    assert all(v == 5.0 for t, v in zip(times, values, strict=True) if t % 2)  # raw rows as they came
    both = DownsampledSeries(4)
    for row in ((0.0, nan), (1.0, nan), (2.0, 1.0), (3.0, 3.0), (4.0, 9.0)):
        both.append(row)
    merged = both.column(1)
    assert merged[0] != merged[0] and merged[1:] == (2.0, 9.0)  # two gaps stay a gap


def test_history_from_rows() -> None:
    series = DownsampledSeries(10)
    series.append((1.0, 5.0, 0.0, 10.0, 20.0, 30.0, 3.0, 50.0, 60.0))
    history = History.from_rows(series)
    assert history.users == (3,) and history.p95_ms == (20.0,) and history.mem_percent == (60.0,)
    assert History.from_rows([]) == History()
    with pytest.raises(ValueError):
        DownsampledSeries(2)
