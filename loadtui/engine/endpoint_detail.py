"""One endpoint up close: what its view shows, from a live run or from a saved report.

A live detail comes with a snapshot whose view focuses that endpoint (``EndpointView.focus``):
only then is it built, so the dashboard pays nothing for it. A saved one is read back from the
run's folder (:func:`.runs.read_endpoint`). Both have the same shape, so one screen shows both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from . import latency_histogram, locust_rows
from .endpoint_history import ROW_PERCENTILES, SERIES_COLUMNS
from .snapshot import EndpointDetail, EndpointSeries

if TYPE_CHECKING:
    from locust.stats import RequestStats

    from .endpoint_history import EndpointHistory

TABLE_PERCENTILES = ROW_PERCENTILES
"""The percentile table: Locust's stats.csv columns, 50% to 100% with 99.9% and 99.99%."""


def series_from_rows(rows: Iterable[Sequence[float]], chart_percentiles: Sequence[float] = ()) -> EndpointSeries:
    """From :class:`.endpoint_history.EndpointHistory` rows: :data:`SERIES_COLUMNS`, then the
    chart's percentiles (which are drawn when there are any, else p50, p95 and p99)."""
    columns = [tuple(column) for column in zip(*rows, strict=True)]
    if len(columns) < len(SERIES_COLUMNS):
        return EndpointSeries()
    time, rps, fail_per_s, p50, p95, p99, *charted = columns
    if chart_percentiles and len(charted) == len(chart_percentiles):
        latency = tuple((f"p{p:g}", values) for p, values in zip(chart_percentiles, charted, strict=True))
    else:
        latency = (("p50", p50), ("p95", p95), ("p99", p99))
    return EndpointSeries(time=time, rps=rps, fail_per_s=fail_per_s, latency=latency)


def sorted_codes(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def live_detail(
    stats: RequestStats,
    key: tuple[str, str],
    history: EndpointHistory,
    status_codes: Mapping[str, int],
    note: str = "",
) -> EndpointDetail:
    """(method, name) now, from Locust's stats and loadtui's own per-endpoint series and codes;
    ``note``: what is missing and why."""
    method, name = key
    failures = tuple(f for f in locust_rows.failure_rows(stats) if (f.method, f.name) == key)
    series_rows = history.series((name, method))
    series = series_from_rows(series_rows or (), history.chart_percentiles)
    entry = stats.entries.get((name, method))
    if entry is None or not entry.num_requests:
        return EndpointDetail(
            method, name, failures=failures, series=series, status_codes=sorted_codes(status_codes), note=note
        )
    found = locust_rows.response_time_percentiles(entry, TABLE_PERCENTILES)
    return EndpointDetail(
        method=method,
        name=name,
        row=locust_rows.endpoint_row(entry),
        percentiles=tuple((p, float(ms)) for p, ms in zip(TABLE_PERCENTILES, found, strict=True)),
        histogram=latency_histogram.bins(entry.response_times),
        status_codes=sorted_codes(status_codes),
        failures=failures,
        series=series,
        note=note,
    )


def number(text: object) -> float:
    """A CSV or JSON figure; NaN for Locust's ``N/A`` (no request yet) and anything unreadable."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return value
