"""Past runs: the run folders under a report directory, read back for listing and charts.

Everything here reads the files a run left (summary.json, stats_history.csv), never a live
session, so `loadtui reports` and the app's reports screen show exactly what was saved.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from locust import stats as locust_stats

from . import latency_histogram, recovery
from .durations import human_duration
from .endpoint_detail import TABLE_PERCENTILES, number, series_from_rows, sorted_codes
from .endpoint_history import WINDOW_S
from .snapshot import EndpointDetail, FailureRow, endpoint_row_from


@dataclass(frozen=True)
class PastRun:
    folder: Path
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    """Set when summary.json is missing or unreadable; the folder is still listed."""
    checkpoint: dict[str, Any] | None = None
    """checkpoint.json, while the folder has one (the run is going, or its process died)."""

    @property
    def started_at(self) -> str:
        return str(self.summary.get("started_at", ""))

    @property
    def profile(self) -> str:
        return str(self.summary.get("profile", self.folder.name))

    @property
    def host(self) -> str:
        host = str(self.summary.get("host", ""))
        return f"{host} (demo)" if self.summary.get("demo_target") else host

    @property
    def duration_s(self) -> float:
        return float(self.summary.get("duration_s", 0.0))

    @property
    def totals(self) -> dict[str, Any]:
        return dict(self.summary.get("totals", {}))

    @property
    def end_reason(self) -> str:
        """How it ended; a run with a checkpoint still in its folder is ``running`` while its process
        runs, and ``killed (incomplete)`` until its report is recovered (:mod:`.recovery`)."""
        if self.checkpoint is not None:
            return "running" if recovery.writer_running(self.checkpoint) else "killed (incomplete)"
        reason = str(self.summary.get("end_reason", "?"))
        if self.summary.get("incomplete"):
            # a checkpoint with no writer behind it any more: the report went elsewhere
            return "unfinished (incomplete)" if reason == "running" else f"{reason} (incomplete)"
        return reason

    def sort_key(self) -> str:
        """``YYYYmmdd-HHMMSS`` (local time) for every run, broken ones included, so they sort together:
        from the folder's name when it has loadtui's stamp, else from summary.json's started_at."""
        stamp = re.match(r"\d{8}-\d{6}", self.folder.name)
        if stamp:
            return stamp.group(0)
        started = self.started_epoch
        return "" if started is None else datetime.fromtimestamp(started).strftime("%Y%m%d-%H%M%S")

    @property
    def started_epoch(self) -> float | None:
        """summary.json's ``started_at`` as epoch seconds (None: unreadable)."""
        try:
            return datetime.fromisoformat(self.started_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None


def read_run(folder: Path) -> PastRun:
    path = folder / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        return PastRun(folder=folder, error="no summary.json")
    except (OSError, ValueError) as exc:
        return PastRun(folder=folder, error=f"unreadable summary.json: {exc}")
    return PastRun(folder=folder, summary=summary, checkpoint=recovery.checkpoint_of(folder))


def list_runs(report_dir: Path) -> list[PastRun]:
    """Run folders directly under ``report_dir``, newest first. A missing directory has none."""
    if not report_dir.is_dir():
        return []
    runs = [read_run(child) for child in report_dir.iterdir() if child.is_dir() and not child.name.startswith(".")]
    runs = [run for run in runs if run.error != "no summary.json" or any(run.folder.glob("*.csv"))]
    return sorted(runs, key=PastRun.sort_key, reverse=True)


@dataclass(frozen=True)
class RunHistory:
    """The Aggregated rows of stats_history.csv: seconds since the first row, RPS, p95 (ms), users."""

    seconds: tuple[float, ...] = ()
    rps: tuple[float, ...] = ()
    p95_ms: tuple[float, ...] = ()
    users: tuple[int, ...] = ()


def read_history(folder: Path) -> RunHistory:
    rows = _history_rows(folder, "", "Aggregated", ("Timestamp", "Requests/s", "95%", "User Count"))
    if not rows:
        return RunHistory()
    # Locust writes "N/A" for percentiles before the first request: 0 on these charts
    seconds, rps, p95, users = (
        tuple(0.0 if math.isnan(v) else v for v in column) for column in zip(*rows, strict=True)
    )
    return RunHistory(seconds=seconds, rps=rps, p95_ms=p95, users=tuple(int(u) for u in users))


def figure(found: dict[str, Any], key: str) -> float:
    """A number of summary.json (0 where it is missing or not a number)."""
    value = number(found.get(key))
    return 0.0 if math.isnan(value) else value


def _percent_column(percent: float) -> str:
    """Locust's stats.csv header of a percentile: ``50%``, ``99.9%``, ``100%``."""
    return f"{100 * percent:g}%"


def _stats_csv_row(folder: Path, method: str, name: str) -> dict[str, str]:
    try:
        with (folder / "stats.csv").open(encoding="utf-8", newline="") as handle:
            return next((r for r in csv.DictReader(handle) if r.get("Type") == method and r.get("Name") == name), {})
    except (OSError, csv.Error, UnicodeDecodeError):
        return {}


HISTORY_COLUMNS = ("Timestamp", "Requests/s", "Failures/s", "50%", "95%", "99%")
"""What an endpoint's series reads of stats_history.csv (:data:`.endpoint_history.SERIES_COLUMNS`)."""


def _history_rows(
    folder: Path, method: str, name: str, wanted: tuple[str, ...] = HISTORY_COLUMNS
) -> list[tuple[float, ...]]:
    """(method, name)'s stats_history.csv rows, the ``wanted`` columns (Timestamp first, as
    seconds since the file's first row; NaN for Locust's ``N/A``, and for the percentiles of a
    row with no requests in its window, :func:`quiet_window`).

    The file can be hundreds of MB (3000 names for hours): lines that cannot be the endpoint's
    are skipped before the CSV parser sees them."""
    points: list[tuple[float, ...]] = []
    first: float | None = None
    needle = name.replace('"', '""')  # as the csv module writes a name with quotes in it
    try:
        with (folder / "stats_history.csv").open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader([handle.readline()]), [])
            at = {column: i for i, column in enumerate(header)}
            if any(column not in at for column in (*wanted, "Type", "Name")):
                return []
            latencies = [i for i, column in enumerate(wanted) if column.endswith("%")]
            count_at = at.get("Total Request Count") if latencies else None
            earlier: deque[tuple[float, float]] = deque()
            """(time, requests so far) of the endpoint's rows: the window's first is the newest
            at least a window old."""
            for line in handle:
                if first is not None and needle not in line:
                    continue
                row = next(csv.reader([line]), [])
                if len(row) != len(header):
                    continue
                if first is None:
                    first = number(row[at["Timestamp"]])
                if row[at["Type"]] == method and row[at["Name"]] == name:
                    values = [number(row[at[column]]) for column in wanted]
                    values[0] -= first
                    if count_at is not None:
                        quiet_window(values, latencies, number(row[count_at]), earlier)
                    points.append(tuple(values))
    except (OSError, csv.Error, UnicodeDecodeError):
        return points
    return points


def quiet_window(
    values: list[float], latencies: list[int], requests: float, earlier: deque[tuple[float, float]]
) -> None:
    """Makes the percentiles of a row whose window had no request NaN, as the live series has
    them: Locust writes 0 there. A 0 is a gap when the endpoint's request count is the same as a
    window (:data:`.endpoint_history.WINDOW_S`) before, or no row is that old yet; an endpoint
    answering under half a millisecond (0 in Locust's whole milliseconds) while requests come
    keeps its 0. ``earlier`` is this endpoint's (time, requests) so far, kept short here."""
    now = values[0]
    while len(earlier) > 1 and earlier[1][0] <= now - WINDOW_S:
        earlier.popleft()
    base = earlier[0] if earlier and earlier[0][0] <= now - WINDOW_S else None
    earlier.append((now, requests))
    if any(values[i] for i in latencies) or (base is not None and base[1] != requests):
        return
    for i in latencies:
        values[i] = math.nan


SUMMARY_FIELDS = {
    "requests": "requests",
    "failures": "failures",
    "median_ms": "p50_ms",
    "avg_ms": "avg_ms",
    "min_ms": "min_ms",
    "max_ms": "max_ms",
    "p95_ms": "p95_ms",
    "p99_ms": "p99_ms",
    "current_rps": "rps",
    "avg_size_bytes": "avg_size_bytes",
    "p90_ms": "p90_ms",
}
"""EndpointRow's figures -> the keys of an endpoint of summary.json (its RPS is the run's average)."""


def chart_percentiles(summary: dict[str, Any]) -> tuple[float, ...]:
    """The run's profile's ``chart_percentiles`` when stats_history.csv has a column of each
    (Locust's percentiles), else none: the chart draws p50, p95 and p99."""
    wanted = (summary.get("settings") or {}).get("chart_percentiles") or ()
    try:
        charted = tuple(float(p) for p in wanted)
    except (TypeError, ValueError):
        return ()
    columns = {round(100 * p, 6) for p in locust_stats.PERCENTILES_TO_REPORT}
    return charted if charted and all(round(p, 6) in columns for p in charted) else ()


def read_endpoint(run: PastRun, method: str, name: str) -> EndpointDetail:
    """One endpoint of a saved run: its figures and codes from summary.json, the percentile
    table from stats.csv (summary.json's where stats.csv has no such row), its series from
    stats_history.csv."""
    found = next(
        (e for e in run.summary.get("endpoints") or [] if e.get("method") == method and e.get("name") == name), None
    )
    failures = tuple(
        FailureRow(method, name, str(f.get("error", "")), int(f.get("occurrences", 0)), None, None)
        for f in run.summary.get("failures") or []
        if f.get("method") == method and f.get("name") == name
    )
    charted = chart_percentiles(run.summary)
    rows = _history_rows(run.folder, method, name, HISTORY_COLUMNS + tuple(f"{p:g}%" for p in charted))
    series = series_from_rows(rows, charted)
    missing = [] if rows else ["stats_history.csv has no rows of it"]
    if found is None:
        return EndpointDetail(method, name, failures=failures, series=series, note="summary.json has no such endpoint")
    csv_row = _stats_csv_row(run.folder, method, name)
    from_summary = {0.5: "p50_ms", 0.9: "p90_ms", 0.95: "p95_ms", 0.99: "p99_ms", 0.999: "p999_ms", 0.9999: "p9999_ms"}
    percentiles = tuple(
        (
            p,
            number(csv_row[_percent_column(p)])
            if _percent_column(p) in csv_row
            else number(found.get(from_summary.get(p, ""))),
        )
        for p in TABLE_PERCENTILES
    )
    row = endpoint_row_from(found, SUMMARY_FIELDS, number)
    histogram = latency_histogram.from_json(found.get("latency_histogram"))
    if not histogram:
        missing.append("summary.json has no latency histogram of it (written by an older loadtui)")
    codes = found.get("status_codes")
    return EndpointDetail(
        method=method,
        name=name,
        row=row,
        percentiles=percentiles,
        histogram=histogram,
        status_codes=sorted_codes({str(k): int(v) for k, v in codes.items()}) if isinstance(codes, dict) else (),
        failures=failures,
        series=series,
        note="; ".join(missing),
    )


COLUMNS = ("started", "profile", "host", "duration", "requests", "req/s", "p95 ms", "fail %", "ended", "folder")


def table_rows(runs: list[PastRun]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for run in runs:
        if run.error:
            rows.append(("?", run.folder.name, "", "", "", "", "", "", run.error, str(run.folder)))
            continue
        totals = run.totals
        started = run.started_at
        with contextlib.suppress(ValueError):
            started = datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            (
                started,
                run.profile,
                run.host,
                human_duration(run.duration_s),
                str(totals.get("requests", "")),
                f"{float(totals.get('rps', 0)):.1f}",
                str(totals.get("p95", "")),
                f"{100 * float(totals.get('fail_ratio', 0)):.2f}",
                run.end_reason,
                str(run.folder),
            )
        )
    return rows


def format_table(runs: list[PastRun]) -> str:
    """A plain-text table for the terminal (the SSH scrollback): one line per run."""
    rows = [COLUMNS, *table_rows(runs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    numeric = {4, 5, 6, 7}
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
