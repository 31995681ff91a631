"""Every endpoint over time: its stats_history.csv rows and the series its endpoint view draws.

Locust's ``--csv-full-history`` writes a row per endpoint a second with its *current*
percentiles, which it reads from 20 copies of each entry's response times kept for that
(``response_times_cache``). loadtui stops those copies (:func:`.locust_workarounds.drop_entry_caches`:
with 3000 names they were 100,000 objects the garbage collector walked), so the window is taken
here, with fewer copies: one every :data:`COPY_EVERY_S` seconds at most, and only as many as the
window needs. A row's percentiles are those of the requests of about the last
:data:`WINDOW_S` seconds, Locust's own "current" window, by Locust's own formula
(:func:`.locust_rows.percentiles_of`).

With many names a row a second each would be thousands of rows a second (2 GB an hour at
3000 names), so the endpoints take turns: at most :data:`ROWS_PER_SECOND` endpoint rows a
second, each endpoint every ``interval`` seconds (1 s up to 250 names; 12 s at 3000), unless
``--csv-full-history`` asks for Locust's every second. The Aggregated row is written every second
either way, as Locust writes it.

Each endpoint's series (time, RPS, failures/s, percentiles) is a :class:`.history.DownsampledSeries`
of its own, thinned as the dashboard's series are, within :data:`POINTS_BUDGET` points for all
endpoints together, so memory stays bounded whatever the number of names and the length of the run.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from locust import stats as locust_stats

from .history import DownsampledSeries
from .locust_rows import percentiles_of

if TYPE_CHECKING:
    from locust.env import Environment
    from locust.stats import StatsEntry

ROWS_PER_SECOND = 250
"""Endpoint rows a second at most (without ``--csv-full-history``): about 60 KB/s of CSV, and
8 ms of the app's second with 3000 names (500 rows took 17 ms, which the refresh felt)."""

WINDOW_S = float(locust_stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW)
"""The percentiles of a row are over about this many seconds, as Locust's current ones are."""

TICK_SLACK_S = 0.5
"""How late a tick may come (they are 1 s apart) and still count as on time for a window."""

COPY_EVERY_S = 2.0
"""An endpoint's response times are copied at most this often: a window is 10 to 12 s long."""

POINTS_BUDGET = 540_000
"""Points of all endpoint series together: 1800 each (30 minutes a second) up to 300 names,
180 at 3000; 9 values of 8 bytes a point, about 40 MB at most (the windows' copies of response
times come on top: :attr:`EndpointHistory.nbytes` counts both)."""

MIN_POINTS = 60
MAX_POINTS = 1800

ROW_PERCENTILES = tuple(locust_stats.PERCENTILES_TO_REPORT)
"""The percentile columns of Locust's stats_history.csv, 50% to 100%."""

SERIES_COLUMNS = ("time", "rps", "fail_per_s", "p50_ms", "p95_ms", "p99_ms")
"""A series point: these, then the chart's percentiles (``chart_percentiles``)."""

Key = tuple[str, str]


class _Window:
    """Copies of one entry's response times, oldest first: (time, requests with a time, times)."""

    __slots__ = ("copies",)

    def __init__(self) -> None:
        self.copies: deque[tuple[float, int, dict[int, int]]] = deque()

    def since(self, now: float, window: float) -> tuple[int, dict[int, int]]:
        """The newest copy at least ``window`` old (else the oldest); the older ones go."""
        copies = self.copies
        # Half a tick of slack: a copy taken by a tick that came a few ms late is still a window
        # old at the same tick of the next turn (without it the row took the copy before: twice
        # the window, about every other turn with 3000 names).
        oldest = now - window + TICK_SLACK_S
        while len(copies) > 1 and copies[1][0] <= oldest:
            copies.popleft()
        if not copies:
            return 0, {}
        _, counted, times = copies[0]
        return counted, times

    def keep(self, now: float, counted: int, times: dict[int, int]) -> None:
        if not self.copies or now - self.copies[-1][0] >= COPY_EVERY_S:
            self.copies.append((now, counted, dict(times)))


def window_percentiles(
    entry: StatsEntry, window: _Window, now: float, length: float, percents: Sequence[float]
) -> list[int] | None:
    """``percents`` of the entry's requests in the last ``length`` seconds (None: none came)."""
    counted = entry.num_requests - entry.num_none_requests
    base_counted, base = window.since(now, length)
    if counted < base_counted:  # the stats were reset: the window starts again
        window.copies.clear()
        base_counted, base = 0, {}
    window.keep(now, counted, entry.response_times)
    if counted == base_counted:
        return None
    times = entry.response_times
    if base:
        times = {ms: n - base.get(ms, 0) for ms, n in times.items() if n != base.get(ms, 0)}
    return percentiles_of(times, counted - base_counted, percents)


class EndpointHistory:
    def __init__(self, *, every_second: bool = False, chart_percentiles: Sequence[float] = ()) -> None:
        self.every_second = every_second
        """``--csv-full-history``: a row per endpoint every second, as Locust writes them."""
        self.chart_percentiles = tuple(chart_percentiles)
        self._percents = tuple(
            dict.fromkeys((*ROW_PERCENTILES, 0.5, 0.95, 0.99, *(p / 100 for p in chart_percentiles)))
        )
        self._series_percents = (0.5, 0.95, 0.99, *(p / 100 for p in chart_percentiles))
        self._series: dict[Key, DownsampledSeries] = {}
        self._windows: dict[Key, _Window] = {}
        self._order: list[Key] = []
        self._order_of: tuple[int, int] = (0, 0)
        self._cursor = 0
        self._capacity = MAX_POINTS

    def interval(self, names: int) -> int:
        """Seconds between two rows of one endpoint with this many names."""
        return 1 if self.every_second else max(1, math.ceil(names / ROWS_PER_SECOND))

    def sample(self, env: Environment, now: float) -> list[list[Any]]:
        """This tick's stats_history.csv rows: the endpoints whose turn it is, then Aggregated."""
        stats = env.stats
        entries = stats.entries
        if (id(entries), len(entries)) != self._order_of:
            self._reorder(entries)
        users = env.runner.user_count if env.runner is not None else 0
        order = self._order
        count = len(order)
        rows: list[list[Any]] = []
        if count:
            interval = self.interval(count)
            batch = math.ceil(count / interval)
            length = max(WINDOW_S, float(interval))
            for step in range(batch):
                key = order[(self._cursor + step) % count]
                entry = entries.get(key)
                if entry is not None:
                    rows.append(self._endpoint_row(entry, key, now, users, length))
            self._cursor = (self._cursor + batch) % count
        rows.append(aggregated_row(stats.total, now, users))
        return rows

    def _reorder(self, entries: Any) -> None:
        self._order = [(entry.name, entry.method) for entry in locust_stats.sort_stats(entries)]
        self._order_of = (id(entries), len(entries))
        known = set(self._order)
        for gone in [key for key in self._windows if key not in known]:  # the stats were cleared
            self._windows.pop(gone, None)
            self._series.pop(gone, None)
        capacity = max(MIN_POINTS, min(MAX_POINTS, POINTS_BUDGET // max(1, len(self._order))))
        if capacity != self._capacity:
            self._capacity = capacity
            for series in self._series.values():
                series.resize(capacity)

    def _endpoint_row(self, entry: StatsEntry, key: Key, now: float, users: int, length: float) -> list[Any]:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window()
        found = window_percentiles(entry, window, now, length, self._percents)
        by_percent = dict(zip(self._percents, found, strict=True)) if found is not None else {}
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = DownsampledSeries(self._capacity)
        rps, fail_per_s = entry.current_rps, entry.current_fail_per_sec  # each a sum over the last seconds
        series.append(
            (
                now,
                rps,
                fail_per_s,
                *(float(by_percent[p]) if found is not None else math.nan for p in self._series_percents),
            )
        )
        if not entry.num_requests:
            percentile_fields: list[Any] = ["N/A"] * len(ROW_PERCENTILES)
        else:
            percentile_fields = [by_percent.get(p, 0) for p in ROW_PERCENTILES]
        return history_row(entry, now, users, percentile_fields, rates=(rps, fail_per_s))

    def series(self, key: Key) -> DownsampledSeries | None:
        """(name, method)'s points so far: :data:`SERIES_COLUMNS`, then the chart's percentiles."""
        return self._series.get(key)

    @property
    def nbytes(self) -> int:
        """The series' values and the windows' copies, roughly (a dict entry: about 40 bytes)."""
        copies = sum(len(times) for window in self._windows.values() for _, _, times in window.copies)
        return sum(series.nbytes for series in self._series.values()) + 40 * copies


def history_row(
    entry: StatsEntry,
    now: float,
    users: int,
    percentile_fields: Sequence[Any],
    *,
    rates: tuple[float, float] | None = None,
) -> list[Any]:
    """A stats_history.csv row as Locust's ``_stats_history_data_rows`` writes it; ``rates``:
    the entry's current RPS and failures/s when already read."""
    rps, fail_per_s = rates if rates is not None else (entry.current_rps, entry.current_fail_per_sec)
    return [
        int(now),
        users,
        entry.method or "",
        entry.name,
        f"{rps:2f}",
        f"{fail_per_s:2f}",
        *percentile_fields,
        entry.num_requests,
        entry.num_failures,
        entry.median_response_time,
        entry.avg_response_time,
        entry.min_response_time or 0,
        entry.max_response_time,
        entry.avg_content_length,
    ]


def aggregated_row(total: StatsEntry, now: float, users: int) -> list[Any]:
    """The Aggregated row with Locust's current percentiles, as ``--csv-full-history`` has it."""
    if not total.num_requests:
        fields: list[Any] = ["N/A"] * len(ROW_PERCENTILES)
    elif total.use_response_times_cache:
        fields = [int(total.get_current_response_time_percentile(p) or 0) for p in ROW_PERCENTILES]
    else:
        fields = [int(total.get_response_time_percentile(p) or 0) for p in ROW_PERCENTILES]
    return history_row(total, now, users, fields)
