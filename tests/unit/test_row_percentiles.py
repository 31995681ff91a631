"""The snapshot's rows take all their percentiles from one sort of an entry's response times:
they must be exactly what Locust's own methods give, on Locust's real stats entries."""

from __future__ import annotations

# isort: off
import locust  # noqa: F401  gevent first

# isort: on
import random

from locust.stats import RequestStats, StatsEntry

from loadtui.engine.locust_rows import ROW_PERCENTILES, endpoint_row, response_time_percentiles


def entries() -> list[StatsEntry]:
    """Entries of every shape: empty, one request, requests with no response time, a few slow
    ones among many fast ones, float response times, and thousands of distinct times."""
    rng = random.Random(7)
    stats = RequestStats()
    stats.get("/empty", "GET")
    stats.log_request("GET", "/one", 12.7, 10)
    for _ in range(5):
        stats.log_request("GET", "/none-times", None, 0)  # type: ignore[arg-type]
    stats.log_request("GET", "/none-times", 30, 0)
    for n in range(1, 400):
        stats.log_request("GET", f"/n{n % 37}", rng.choice([1, 2, 3, 250.5, 7000]) * rng.random(), 100)
    for _ in range(5000):
        stats.log_request("POST", "/many", rng.lognormvariate(3, 1.2), 100)
    for _ in range(20):
        stats.log_request("GET", "/slow-tail", 5, 100)
    stats.log_request("GET", "/slow-tail", 9000, 100)
    return [*stats.entries.values(), stats.total]


def test_one_sort_gives_what_locust_gives() -> None:
    checked = 0
    for entry in entries():
        percents = [0.0, 0.01, 0.25, 0.5, 0.66, 0.75, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0]
        assert response_time_percentiles(entry, percents) == [
            entry.get_response_time_percentile(p) for p in percents
        ], entry.name
        row = endpoint_row(entry)
        assert row.median_ms == float(entry.median_response_time), entry.name
        assert (row.p90_ms, row.p95_ms, row.p99_ms) == tuple(
            float(entry.get_response_time_percentile(p)) for p in ROW_PERCENTILES[1:]
        ), entry.name
        checked += 1
    assert checked == 43  # 42 names, /empty included, and the total
