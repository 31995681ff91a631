"""Per-endpoint history: its window percentiles are Locust's current ones, its rows reach disk
through the checkpoints and nowhere else, and the latency bins agree with Locust's buckets."""

from __future__ import annotations

# isort: off
import locust  # noqa: F401  gevent first

# isort: on
import csv
import io
import itertools
import math
import random
import time
from pathlib import Path

from locust.stats import RequestStats

from loadtui.engine import latency_histogram, reports
from loadtui.engine.endpoint_history import ROW_PERCENTILES, EndpointHistory, _Window, window_percentiles
from loadtui.engine.files import Spliced, atomic_write
from loadtui.engine.history_file import HistoryFile

PERCENTS = (0.5, 0.9, 0.95, 0.99, 0.999, 1.0)


def log_some(stats: RequestStats, name: str, rng: random.Random, n: int, scale: float) -> None:
    for _ in range(n):
        stats.log_request("GET", name, rng.lognormvariate(3, 1) * scale, 10)
    stats.log_request("GET", name, None, 0)  # type: ignore[arg-type]  # no response time: not counted


def test_window_percentiles_are_locusts_current_percentiles() -> None:
    """The same base ten seconds back, the same answer as ``get_current_response_time_percentile``."""
    rng = random.Random(3)
    stats = RequestStats(use_response_times_cache=True)
    log_some(stats, "/a", rng, 500, 1.0)
    entry = stats.entries[("/a", "GET")]
    now = float(int(time.time()))
    window = _Window()
    assert window_percentiles(entry, window, now - 10, 10.0, PERCENTS) is not None  # the copy, ten seconds back
    entry.response_times_cache = {}
    entry._cache_response_times(int(now) - 10)  # Locust's own copy of the same moment
    log_some(stats, "/a", rng, 300, 20.0)  # slower: the window must not see the first 500
    ours = window_percentiles(entry, window, now, 10.0, PERCENTS)
    assert ours == [entry.get_current_response_time_percentile(p) for p in PERCENTS]
    assert ours is not None and ours[0] > entry.get_response_time_percentile(0.5)  # really a window
    assert window_percentiles(entry, window, now + 0.5, 10.0, PERCENTS) is not None  # nothing new, same base
    # Nothing came in the window: no percentiles (the series gets NaN, the CSV "N/A" only before any request).
    later = _Window()
    window_percentiles(entry, later, now, 10.0, PERCENTS)
    assert window_percentiles(entry, later, now + 11, 10.0, PERCENTS) is None


def test_a_stats_reset_starts_the_window_again() -> None:
    rng = random.Random(4)
    stats = RequestStats()
    log_some(stats, "/a", rng, 200, 1.0)
    window = _Window()
    window_percentiles(stats.entries[("/a", "GET")], window, 100.0, 10.0, PERCENTS)
    stats.reset_all()
    log_some(stats, "/a", rng, 50, 5.0)
    entry = stats.entries[("/a", "GET")]
    assert window_percentiles(entry, window, 105.0, 10.0, PERCENTS) == [
        entry.get_response_time_percentile(p) for p in PERCENTS
    ]


def test_a_tick_a_little_late_does_not_double_the_next_window() -> None:
    """With 3000 names an endpoint's turn comes every 12 s and its window is 12 s: the copy its
    last turn took, a few ms late, must still be the base of this turn's window, not the one before."""
    stats = RequestStats()
    stats.log_request("GET", "/a", 5, 10)
    entry = stats.entries[("/a", "GET")]
    window = _Window()
    window_percentiles(entry, window, 100.0, 12.0, PERCENTS)  # turn 1: a copy with one request
    for _ in range(10):
        stats.log_request("GET", "/a", 50, 10)
    window_percentiles(entry, window, 112.004, 12.0, PERCENTS)  # turn 2, 4 ms late: 11 requests
    for _ in range(5):
        stats.log_request("GET", "/a", 500, 10)
    # turn 3, on time: the window is turn 2's copy on, the 5 slow requests alone
    assert window_percentiles(entry, window, 124.0, 12.0, (0.0, 1.0)) == [500, 500]


class _Env:
    """What EndpointHistory.sample reads of an Environment: its stats and its runner's user count."""

    def __init__(self, stats: RequestStats) -> None:
        self.stats = stats
        self.runner = type("Runner", (), {"user_count": 7})()


def test_endpoints_take_turns_and_each_keeps_a_bounded_series() -> None:
    """750 names: 250 endpoint rows a tick, every name within 3 ticks, Aggregated each tick."""
    rng = random.Random(5)
    stats = RequestStats()
    for n in range(750):
        stats.log_request("GET", f"/item/{n}", rng.random() * 50, 10)
    history = EndpointHistory(chart_percentiles=(50.0, 99.9))
    assert history.interval(750) == 3 and EndpointHistory(every_second=True).interval(750) == 1
    seen: list[str] = []
    for tick in range(3):
        rows = history.sample(_Env(stats), 1000.0 + tick)  # type: ignore[arg-type]
        assert rows[-1][3] == "Aggregated" and len(rows) == 251
        seen.extend(row[3] for row in rows[:-1])
    assert sorted(seen) == sorted(f"/item/{n}" for n in range(750))  # each once in three ticks
    series = history.series(("/item/0", "GET"))
    assert series is not None and len(series.rows) == 1 and len(series.rows[0]) == 8  # time ... p99.9
    for tick in range(3, 3000):
        history.sample(_Env(stats), 1000.0 + tick)  # type: ignore[arg-type]
    assert len(history.series(("/item/0", "GET")).rows) <= 720  # type: ignore[union-attr]  # 540 000 / 750 points
    assert history.nbytes < 60 * 1024 * 1024


def test_rows_are_locusts_full_history_rows() -> None:
    rng = random.Random(6)
    stats = RequestStats(use_response_times_cache=True)
    stats.get("/never", "GET")
    log_some(stats, "/a", rng, 100, 1.0)
    rows = EndpointHistory(every_second=True).sample(_Env(stats), 1234.5)  # type: ignore[arg-type]
    header = reports.history_header()
    by_name = {row[3]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_name["/never"]["50%"] == "N/A" and by_name["/never"]["Total Request Count"] == 0
    entry = stats.entries[("/a", "GET")]
    assert [by_name["/a"][c] for c in header[6 : 6 + len(ROW_PERCENTILES)]] == [
        entry.get_response_time_percentile(p) for p in ROW_PERCENTILES
    ]  # no request older than the window: the window is all of them
    assert by_name["/a"]["Timestamp"] == 1234 and by_name["/a"]["User Count"] == 7
    assert by_name["/a"]["Total Request Count"] == 101 and by_name["Aggregated"]["Type"] == ""


def read_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_checkpointed_rows_leave_memory_and_come_back_spliced(tmp_path: Path) -> None:
    file = HistoryFile()
    header = reports.csv_text([reports.history_header()])
    path = tmp_path / "stats_history.csv"
    path.write_text(header)
    file.started(path, len(header.encode()))
    file.add([[1, 1, "GET", "/é", 1.0], [1, 1, "", "Aggregated", 1.0]])
    text, mark = file.pending()
    with path.open("a", encoding="utf-8", newline="") as handle:  # what a checkpoint appends
        handle.write(text)
    file.add([[2, 1, "", "Aggregated", 2.0]])  # came while the checkpoint was written
    file.written(mark, path.stat().st_size)
    assert file.pending()[0] == reports.csv_text([[2, 1, "", "Aggregated", 2.0]])
    with path.open("a") as handle:
        handle.write("a row a failed checkpoint left behind\n")  # past the checkpointed bytes: not in it
    out = tmp_path / "final.csv"
    atomic_write(out, file.contents())
    rows = read_rows(out.read_text(encoding="utf-8"))
    assert [row[3] for row in rows[1:]] == ["/é", "Aggregated", "Aggregated"]
    assert rows[0] == reports.history_header()
    atomic_write(path, file.contents())  # the report replaces the very file it copies from
    assert read_rows(path.read_text(encoding="utf-8")) == rows
    path.unlink()  # gone: the rows not written yet are still kept, and said to be the only ones
    assert [row[3] for row in read_rows(file.contents().text())[1:]] == ["Aggregated"]


def test_past_the_limit_only_the_aggregated_row_is_kept() -> None:
    file = HistoryFile(limit=1000)
    endpoint = [1, 1, "GET", "/x" * 20, 1.0]
    for second in range(40):
        file.add([endpoint, [second, 1, "", "Aggregated", 1.0]])
    rows = read_rows(file.contents().text())[1:]
    aggregated = [row for row in rows if row[3] == "Aggregated"]
    assert len(aggregated) == 40 and 0 < len(rows) - 40 < 40
    gaps = file.to_dict()
    assert gaps is not None and gaps["endpoint_rows_dropped_from"].endswith("Z")
    assert HistoryFile().to_dict() is None


def test_spliced_text_is_the_heads_bytes_then_the_tail(tmp_path: Path) -> None:
    head = tmp_path / "head"
    head.write_bytes(b"abc\xc3\xa9" + b"x" * 3_000_000)
    spliced = Spliced(head, 5 + 2_500_000, "tail")
    out = tmp_path / "out"
    atomic_write(out, spliced)
    assert out.read_bytes() == b"abc\xc3\xa9" + b"x" * 2_500_000 + b"tail"
    assert spliced.text() == out.read_text(encoding="utf-8")


def test_histogram_bins_count_every_request_where_locust_put_it() -> None:
    rng = random.Random(8)
    stats = RequestStats()
    for _ in range(3000):
        stats.log_request("GET", "/a", rng.lognormvariate(4, 1.5), 10)
    stats.log_request("GET", "/a", 95_000, 10)
    entry = stats.entries[("/a", "GET")]
    bins = latency_histogram.bins(entry.response_times)
    assert sum(count for _, _, count in bins) == entry.num_requests
    assert bins[-1] == (60_000.0, None, 1) and bins[0][2] > 0
    for (low, high, _), (next_low, _, _) in itertools.pairwise(bins):
        assert high == next_low and low < high  # contiguous, empty ones between kept
    for ms, count in entry.response_times.items():
        found = next(b for b in bins if b[0] <= ms and (b[1] is None or ms < b[1]))
        assert found[2] >= count
    assert latency_histogram.from_json(latency_histogram.to_json(bins)) == bins
    assert latency_histogram.from_json([[1, 2]]) == () and latency_histogram.from_json(None) == ()
    assert latency_histogram.bins({}) == ()
    assert not any(math.isnan(low) for low, _, _ in bins)
