"""Snapshot rows from Locust's stats: endpoint rows (four percentiles from one sort), totals, failures, workers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from locust.stats import RequestStats, StatsError

from . import thresholds as thresholds_mod
from .snapshot import EndpointRow, ExceptionRow, FailureRow, Totals, WorkerRow

if TYPE_CHECKING:
    from locust.stats import StatsEntry


ROW_PERCENTILES = (0.5, 0.90, 0.95, 0.99)


def response_time_percentiles(entry: StatsEntry, percents: Sequence[float]) -> list[int]:
    """``entry.get_response_time_percentile(p)`` for each of ``percents``, with one sort."""
    return percentiles_of(entry.response_times, entry.num_requests - entry.num_none_requests, percents)


def percentiles_of(times: Mapping[int, int], counted: int, percents: Sequence[float]) -> list[int]:
    """Locust's ``calculate_response_time_percentile(times, counted, p)`` for each of ``percents``.

    Locust's formula sorts the response times afresh for each percentile: four sorts a row, the
    larger part of a snapshot's cost with thousands of names. Walking down from the slowest
    time, the highest percentile is reached first, so one walk answers them all. A test
    compares it with Locust's own."""
    allowed = [int(counted * percent) for percent in percents]
    pending = sorted(range(len(percents)), key=lambda i: allowed[i], reverse=True)
    found = [0] * len(percents)  # Locust's answer when no response time qualifies
    processed = 0
    for response_time in sorted(times, reverse=True):
        processed += times[response_time]
        while pending and counted - processed <= allowed[pending[0]]:
            found[pending.pop(0)] = response_time
        if not pending:
            break
    return found


def median(entry: StatsEntry, p50: int) -> float:
    """``entry.median_response_time`` from its 50th percentile: kept within min and max, as
    Locust keeps it (response times are stored rounded, min and max exact)."""
    if not entry.response_times:
        return 0
    if p50 > entry.max_response_time:
        return entry.max_response_time
    if entry.min_response_time is not None and p50 < entry.min_response_time:
        return entry.min_response_time
    return p50


def endpoint_row(entry: StatsEntry) -> EndpointRow:
    p50, p90, p95, p99 = response_time_percentiles(entry, ROW_PERCENTILES)
    return EndpointRow(
        method=entry.method or "",
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        median_ms=float(median(entry, p50)),
        avg_ms=float(entry.avg_response_time),
        min_ms=float(entry.min_response_time or 0),
        max_ms=float(entry.max_response_time),
        p90_ms=float(p90),
        p95_ms=float(p95),
        p99_ms=float(p99),
        current_rps=float(entry.current_rps or 0.0),
        current_fail_per_s=float(entry.current_fail_per_sec or 0.0),
        avg_size_bytes=float(entry.avg_content_length),
    )


ENTRY_KEYS: dict[str, Callable[[Any], Any]] = {
    "name": lambda e: (e.name, e.method or ""),
    "method": lambda e: (e.method or "", e.name),
    "requests": lambda e: e.num_requests,
    "failures": lambda e: e.num_failures,
    "fail_ratio": lambda e: e.fail_ratio,
    "median_ms": lambda e: e.median_response_time,
    "p95_ms": lambda e: e.get_response_time_percentile(0.95),
    "p99_ms": lambda e: e.get_response_time_percentile(0.99),
    "avg_ms": lambda e: e.avg_response_time,
    "max_ms": lambda e: e.max_response_time,
    "current_rps": lambda e: e.current_rps or 0.0,
}
"""How to rank Locust's stats entries without building their rows (see :func:`.endpoint_selection.select`)."""


def figures(entry: StatsEntry) -> thresholds_mod.Figures:
    return thresholds_mod.Figures(
        requests=entry.num_requests,
        failures=entry.num_failures,
        rps=float(entry.total_rps or 0.0),
        avg_ms=float(entry.avg_response_time),
        max_ms=float(entry.max_response_time),
        p50_ms=float(entry.median_response_time),
        p90_ms=float(entry.get_response_time_percentile(0.90)),
        p95_ms=float(entry.get_response_time_percentile(0.95)),
        p99_ms=float(entry.get_response_time_percentile(0.99)),
    )


def totals(total: StatsEntry) -> Totals:
    def current(pct: float) -> float | None:
        value = total.get_current_response_time_percentile(pct)
        return float(value) if value is not None else None

    return Totals(
        requests=total.num_requests,
        failures=total.num_failures,
        rps=float(total.current_rps or 0.0),
        fail_per_s=float(total.current_fail_per_sec or 0.0),
        avg_rps=float(total.total_rps or 0.0),
        p50_ms=float(total.get_response_time_percentile(0.5)),
        p95_ms=float(total.get_response_time_percentile(0.95)),
        p90_ms=float(total.get_response_time_percentile(0.90)),
        p99_ms=float(total.get_response_time_percentile(0.99)),
        current_p50_ms=current(0.5),
        current_p95_ms=current(0.95),
        current_p99_ms=current(0.99),
        avg_ms=float(total.avg_response_time),
        min_ms=float(total.min_response_time or 0),
        max_ms=float(total.max_response_time),
    )


def entry_label(entry: StatsEntry) -> str:
    """What the endpoint filter matches: "METHOD name"."""
    return f"{entry.method or ''} {entry.name}"


def active_entries(stats: RequestStats) -> list[StatsEntry]:
    """The entries with a request or a failure (Locust keeps some that have none)."""
    return [entry for entry in list(stats.entries.values()) if entry.num_requests or entry.num_failures]


def failure_rows(stats: RequestStats) -> tuple[FailureRow, ...]:
    return tuple(
        FailureRow(
            method=error.method or "",
            name=error.name,
            error=StatsError.parse_error(error.error),
            occurrences=error.occurrences,
            first_seen=error.first_seen,
            last_seen=error.last_seen,
        )
        for error in sorted(stats.errors.values(), key=lambda e: -e.occurrences)
    )


def exception_rows(exceptions: Mapping[Any, Any]) -> tuple[ExceptionRow, ...]:
    return tuple(
        ExceptionRow(count=exc["count"], message=exc["msg"], traceback=exc["traceback"], nodes=tuple(exc["nodes"]))
        for exc in sorted(exceptions.values(), key=lambda e: -e["count"])
    )


def worker_rows(runner: Any) -> tuple[WorkerRow, ...]:
    """A master's workers as it last heard of them; () for a local runner."""
    clients = getattr(runner, "clients", None)
    if clients is None:
        return ()
    return tuple(
        WorkerRow(
            id=node.id,
            state=node.state,
            users=node.user_count,
            cpu_percent=float(node.cpu_usage),
            memory_bytes=int(node.memory_usage),
            heartbeat=int(node.heartbeat),
        )
        for node in sorted(clients.values(), key=lambda n: n.id)
    )
