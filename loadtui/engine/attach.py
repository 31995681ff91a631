"""Attach to a Locust run that loadtui did not start, through its web UI's JSON endpoints.

``loadtui attach http://master:8089`` polls ``/stats/requests`` (and ``/exceptions``) once a
second, turns each answer into the same :class:`Snapshot` a local run makes, and drives the run
with ``/swarm`` (users), ``/stop`` and ``/stats/reset``. At the end the report is saved in the usual
run-folder layout from what the server itself renders: Locust's HTML report (``/stats/report``) and
its CSV endpoints; summary.json is built from that very stats.csv, so they agree.

Connection problems (refused, timeouts, 401) are shown and retried with backoff; they never end
the app. Basic-auth credentials come from the environment (``LOADTUI_ATTACH_AUTH=user:password``),
never from a flag that would land in the shell history.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import gevent
from gevent.event import Event

from . import reports
from . import summary as summary_mod
from .endpoint_selection import EndpointView, select_rows
from .history import DownsampledSeries
from .host import HostSampler
from .log_book import FILE_NAME as LOG_FILE
from .log_book import SHOWN as LOG_LINES_SHOWN
from .log_book import LogBook
from .profiles import Profile
from .run_history import HISTORY_POINTS
from .session_contract import END_REASONS, RunResult, SessionError
from .snapshot import (
    EndpointDetail,
    EndpointRow,
    ExceptionRow,
    FailureRow,
    History,
    HostSample,
    Snapshot,
    Totals,
    WorkerRow,
    endpoint_row_from,
)

if TYPE_CHECKING:
    import httpx

AUTH_ENV = "LOADTUI_ATTACH_AUTH"
BACKOFF = (1.0, 2.0, 4.0, 8.0, 10.0)
"""Seconds to wait after 1, 2, 3... failed polls in a row."""


def auth_from_env(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    value = environ.get(AUTH_ENV, "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep:
        raise SessionError(f"{AUTH_ENV}: expected user:password")
    return user, password


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SessionError(f"attach: expected the URL of a Locust web UI, like http://127.0.0.1:8089, got {url!r}")
    return url.rstrip("/")


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0  # Locust writes "N/A" for percentiles of rows without requests


class AttachedSession:
    """A :class:`.session_contract.Session` over a remote Locust web UI."""

    def __init__(
        self,
        url: str,
        *,
        report_dir: Path,
        spawn_rate: float = 1.0,
        poll_seconds: float = 1.0,
        timeout: float = 5.0,
        auth: tuple[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        self.report_dir = report_dir
        self.spawn_rate = spawn_rate
        self.poll_seconds = poll_seconds
        self._profile = Profile(name="attached", description=f"Locust web UI at {self.url}", host=self.url)
        self.result: RunResult | None = None
        self.recovered: tuple[str, ...] = ()
        self.message = f"Attaching to {self.url}"
        self.connection = "connecting"
        """``ok``, or what went wrong with the last poll (shown in the header)."""
        # Imported here, not at the top: httpx imports rich (for its own CLI) when rich is installed,
        # and the engine's modules must import without it (tests/unit/test_imports.py).
        import httpx

        self._http_error: type[Exception] = httpx.HTTPError
        self._client = httpx.Client(base_url=self.url, auth=auth, timeout=timeout, transport=transport)
        self._stats: dict[str, Any] = {}
        self._exceptions: list[dict[str, Any]] = []
        self._failed_polls = 0
        self._seen_running = False
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._target: int | None = None
        self._poller: gevent.Greenlet | None = None
        self._listeners: list[Callable[[RunResult], None]] = []
        self._finishing = False
        self._ended = Event()
        self._series = DownsampledSeries(HISTORY_POINTS)
        """Rows in History.COLUMNS order (the web UI charts p50 and p95 only: p99 repeats p95)."""
        self._history_rows: list[list[Any]] = []
        # The load runs elsewhere; this machine's figures still tell whether loadtui itself is busy.
        self._host_sampler = HostSampler()
        self._host_sample: HostSample | None = None
        self.log_book = LogBook()
        """The remote run's log (its web UI's /logs: the master's lines and its workers')."""

    @property
    def profile(self) -> Profile:
        return self._profile

    # --- polling -----------------------------------------------------------------------------------

    def start(self) -> None:
        self._started_at = time.time()
        self._poll_once()
        self._poller = gevent.spawn(self._poll_loop)

    def _poll_loop(self) -> None:
        while True:
            wait = self.poll_seconds if not self._failed_polls else BACKOFF[min(self._failed_polls, len(BACKOFF)) - 1]
            gevent.sleep(wait)
            self._poll_once()

    def _get(self, path: str) -> httpx.Response:
        response = self._client.get(path)
        if response.status_code == 401:
            raise SessionError(f"401 from {self.url}{path}: set {AUTH_ENV}=user:password")
        if "/login" in str(response.url.path) and path != "/login":
            raise SessionError(f"{self.url} asks for a login (--web-login): loadtui cannot log in to it")
        response.raise_for_status()
        return response

    def _poll_once(self) -> None:
        self._host_sample = self._host_sampler.sample()
        try:
            stats = self._get("/stats/requests").json()
            if int(time.time()) % 5 == 0 or not self._exceptions:
                self._exceptions = list(self._get("/exceptions").json().get("exceptions", []))
                self._take_logs()
        except (self._http_error, SessionError, ValueError) as exc:
            self._failed_polls += 1
            retry = BACKOFF[min(self._failed_polls, len(BACKOFF)) - 1]
            self.connection = f"{_describe(exc)} (retrying in {retry:g}s)"
            return
        self._failed_polls = 0
        self.connection = "ok"
        self._stats = stats
        self._record(stats)
        state = stats.get("state")
        if state in ("spawning", "running"):
            self._seen_running = True
        elif state == "stopped" and self._seen_running and self.result is None and not self._finishing:
            self.message = "The run was stopped on the Locust side"
            gevent.spawn(self.stop, "completed")

    def _take_logs(self) -> None:
        """The remote Locust's log lines, as its web UI's Logs tab shows them (older Locusts: none)."""
        try:
            logs = self._get("/logs").json()
        except (self._http_error, SessionError, ValueError):
            return
        self.log_book.add_latest("master", list(logs.get("master") or []))
        for worker, lines in (logs.get("workers") or {}).items():
            self.log_book.add_latest(str(worker), list(lines or []))

    def _record(self, stats: dict[str, Any]) -> None:
        now = time.time()
        total = self._total_row()
        percentiles = stats.get("current_response_time_percentiles") or {}
        p95 = _number(percentiles.get("response_time_percentile_0.95"))
        host = self._host_sample
        self._series.append(
            (
                now,
                _number(stats.get("current_rps")),
                _number(stats.get("current_fail_per_sec")),
                _number(percentiles.get("response_time_percentile_0.5")),
                p95,
                p95,
                _number(stats.get("user_count")),
                host.cpu_percent if host else 0.0,
                host.mem_percent if host else 0.0,
            )
        )
        self._history_rows.append(
            [
                int(now),
                int(_number(stats.get("user_count"))),
                "",
                "Aggregated",
                f"{_number(stats.get('current_rps')):2f}",
                f"{_number(stats.get('current_fail_per_sec')):2f}",
                int(_number(percentiles.get("response_time_percentile_0.5"))),
                *["N/A"] * 4,
                int(_number(percentiles.get("response_time_percentile_0.95"))),
                *["N/A"] * 5,
                total.get("num_requests", 0),
                total.get("num_failures", 0),
                total.get("median_response_time", 0),
                total.get("avg_response_time", 0),
                total.get("min_response_time", 0),
                total.get("max_response_time", 0),
                total.get("avg_content_length", 0),
            ]
        )

    def _total_row(self) -> dict[str, Any]:
        rows = self._stats.get("stats") or []
        return dict(rows[-1]) if rows and rows[-1].get("name") == "Aggregated" else {}

    # --- the snapshot --------------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self._stats.get("state") in ("spawning", "running") and self.result is None

    def endpoint_detail(self, key: tuple[str, str]) -> EndpointDetail | None:
        stats = self._stats
        rows = [_row(entry) for entry in (stats.get("stats") or [])[:-1]]
        return _detail(key, rows, tuple(_failure(e) for e in (stats.get("errors") or [])))

    def snapshot(self, view: EndpointView | None = None, limit: int | None = None) -> Snapshot:
        stats = self._stats
        view = view or EndpointView()
        rows = [_row(entry) for entry in (stats.get("stats") or [])[:-1]]
        chosen = select_rows(rows, view, limit)
        aggregated = _row(self._total_row())  # the Aggregated row, read like every other row
        percentiles = stats.get("current_response_time_percentiles") or {}
        state = str(stats.get("state") or "ready")
        if self.result is not None:
            state = "stopped"
        elif self._finishing:
            state = "stopping"
        elif state in ("cleanup", "missing"):
            state = "stopping" if state == "cleanup" else "ready"
        end = self._ended_at or time.time()
        failures = tuple(_failure(e) for e in (stats.get("errors") or []))
        connection = "" if self.connection == "ok" else self.connection
        return Snapshot(
            taken_at=time.time(),
            state=state,
            profile=self.profile.name,
            host=self.url,
            demo_target=False,
            locustfile=self.url,
            started_at=self._started_at,
            elapsed_s=max(0.0, end - (self._started_at or end)),
            run_time_s=None,
            users=int(_number(stats.get("user_count"))),
            target_users=self._target if self._target is not None else int(_number(stats.get("user_count"))),
            spawn_rate=self.spawn_rate,
            totals=Totals(
                requests=aggregated.requests,
                failures=aggregated.failures,
                rps=_number(stats.get("current_rps")),
                fail_per_s=_number(stats.get("current_fail_per_sec")),
                avg_rps=_number(stats.get("total_rps")),
                p50_ms=aggregated.median_ms,
                p95_ms=aggregated.p95_ms,
                p99_ms=aggregated.p99_ms,
                current_p50_ms=percentiles.get("response_time_percentile_0.5"),
                current_p95_ms=percentiles.get("response_time_percentile_0.95"),
                avg_ms=aggregated.avg_ms,
                min_ms=aggregated.min_ms,
                max_ms=aggregated.max_ms,
            ),
            endpoints=chosen.items,
            endpoint_count=chosen.count,
            endpoints_matched=chosen.matched,
            failures=failures,
            endpoint_detail=None if view.focus is None else _detail(view.focus, rows, failures),
            exceptions=tuple(
                ExceptionRow(
                    count=int(e.get("count", 0)),
                    message=str(e.get("msg", "")),
                    traceback=str(e.get("traceback", "")),
                    nodes=tuple(n for n in str(e.get("nodes", "")).split(", ") if n),
                )
                for e in self._exceptions
            ),
            history=History.from_rows(self._series),
            workers=tuple(
                WorkerRow(
                    id=str(w.get("id", "")),
                    state=str(w.get("state", "")),
                    users=int(_number(w.get("user_count"))),
                    cpu_percent=_number(w.get("cpu_usage")),
                    memory_bytes=int(_number(w.get("memory_usage"))),
                    heartbeat=3 if w.get("state") != "missing" else 0,
                )
                for w in (stats.get("workers") or [])
            ),
            end_reason=self.result.end_reason if self.result else None,
            message=self.message,
            connection=connection,
            host_sample=self._host_sample,
            logs=self.log_book.tail(LOG_LINES_SHOWN),
            log_count=self.log_book.count,
        )

    # --- control -------------------------------------------------------------------------------------

    def _post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self._client.post(path, data=data)
            if response.status_code == 401:
                raise SessionError(f"401 from {self.url}{path}: set {AUTH_ENV}=user:password")
            response.raise_for_status()
            return response
        except self._http_error as exc:
            raise SessionError(f"{self.url}{path}: {_describe(exc)}") from None

    def _swarm(self, users: int, spawn_rate: float) -> None:
        answer = self._post("/swarm", {"user_count": users, "spawn_rate": spawn_rate})
        with_message = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if with_message and not with_message.get("success", True):
            raise SessionError(f"Locust refused: {with_message.get('message')}")
        self._target = users

    def change_users(self, delta: int) -> int:
        if self.result is not None:
            raise SessionError("the run has ended")
        current = self._target if self._target is not None else int(_number(self._stats.get("user_count")))
        target = max(0, current + delta)
        self._swarm(target, max(self.spawn_rate, float(abs(delta))))
        self.message = f"Users: {target}"
        return target

    def switch_profile(self, profile: Profile) -> str:
        self._swarm(profile.users, profile.spawn_rate)
        self.message = f"Users {profile.users} at {profile.spawn_rate:g}/s (weights and tags stay as Locust runs them)"
        return self.message

    def reset_stats(self) -> None:
        self._post("/stats/reset")
        self.message = "Stats reset"

    def live_settings(self, name: str) -> Profile:
        """The remote run's users now, as a profile (its classes and weights are Locust's to know)."""
        users = self._target if self._target is not None else int(_number(self._stats.get("user_count")))
        return dataclasses.replace(self._profile, name=name, users=users, host="", description="")

    def record_output(self, text: str, *, stderr: bool = False) -> None:
        """Nothing runs here that prints: the output of the remote run stays on its machine."""

    # --- ending and reports -----------------------------------------------------------------------------

    def add_run_ended_listener(self, callback: Callable[[RunResult], None]) -> None:
        self._listeners.append(callback)

    def stop(self, reason: str = "stopped") -> RunResult:
        """``stopped`` stops the remote test; any other reason (quit, hangup...) only detaches."""
        if reason not in END_REASONS:
            raise ValueError(f"unknown end reason {reason!r}")
        if self.result is not None:
            return self.result
        if self._finishing:
            self._ended.wait()
            return self.result  # type: ignore[return-value]
        self._finishing = True
        if reason == "stopped":
            try:
                self._post("/stop")
                deadline = time.monotonic() + 10
                while self._stats.get("state") not in ("stopped", None) and time.monotonic() < deadline:
                    gevent.sleep(0.3)
                    self._poll_once()
            except SessionError as exc:
                self.message = f"Could not stop the remote test: {exc}"
        if self._poller is not None and self._poller is not gevent.getcurrent():
            self._poller.kill(block=False)
        self._ended_at = time.time()
        self.result = self._write(reason, self.report_dir)
        self._ended.set()
        for callback in self._listeners:
            callback(self.result)
        return self.result

    def wait(self, timeout: float | None = None) -> RunResult | None:
        self._ended.wait(timeout)
        return self.result

    def export_report(self, report_dir: Path | None = None) -> RunResult:
        if self.result is not None:
            return self.write_report(report_dir)
        return self._write("running", report_dir or self.report_dir, suffix=time.strftime("-partial-%H%M%S"))

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        if self.result is None:
            raise SessionError("the run has not ended: use export_report()")
        self.result = self._write(self.result.end_reason, report_dir or self.report_dir)
        return self.result

    def close(self) -> None:
        if self._poller is not None:
            self._poller.kill(block=False)
        self._client.close()

    def _fetch(self, path: str) -> str | None:
        try:
            return self._get(path).text
        except (self._http_error, SessionError):
            return None

    def _write(self, reason: str, report_dir: Path, *, suffix: str = "") -> RunResult:
        """The run folder from what the server renders; summary.json from the fetched stats.csv."""
        html = self._fetch("/stats/report?theme=light")
        stats_csv = self._fetch("/stats/requests/csv")
        failures_csv = self._fetch("/stats/failures/csv") or ""
        exceptions_csv = self._fetch("/exceptions/csv") or ""
        history_csv = self._fetch("/stats/requests_full_history/csv")
        if stats_csv is None or not stats_csv.startswith("Type,"):
            return RunResult(end_reason=reason, folder=None, error=f"could not fetch the stats from {self.url}")
        if history_csv is None or not history_csv.startswith("Timestamp,"):
            # Only served when that Locust runs with --csv-full-history: use what was polled here.
            header = reports.history_header()
            history_csv = reports.csv_text([header, *self._history_rows])
        summary = self._summary(stats_csv, failures_csv, reason)
        started = self._started_at or time.time()
        name = reports.run_folder_name(started, self.profile.name) + suffix

        def files(folder: Path) -> dict[str, str]:
            return {
                "report.html": html or "<p>The Locust web UI did not serve its report.</p>",
                "stats.csv": stats_csv,
                "stats_history.csv": history_csv,
                "failures.csv": failures_csv,
                "exceptions.csv": exceptions_csv,
                "summary.json": json.dumps(summary, indent=2) + "\n",
                "summary.txt": summary_mod.text(summary, _tables(stats_csv), folder=folder),
                LOG_FILE: self.log_book.text(),
            }

        written = reports.write_folder(report_dir, name, summary, files)
        failed = bool(summary["totals"]["failures"])
        return RunResult(
            end_reason=reason,
            folder=written.folder,
            files=written.files,
            summary=summary,
            error=written.error,
            exit_code=1 if failed else 0,
        )

    def _summary(self, stats_csv: str, failures_csv: str, reason: str) -> dict[str, Any]:
        rows = list(csv.DictReader(io.StringIO(stats_csv)))
        endpoints = [_csv_entry(row) for row in rows if row.get("Name") != "Aggregated"]
        total = next((_csv_entry(row) for row in rows if row.get("Name") == "Aggregated"), _csv_entry({}))
        return summary_mod.build(
            profile=self.profile.name,
            initial_profile=self.profile.name,
            description=self.profile.description,
            locustfile="",
            host=self.url,
            demo_target=False,
            started_at=self._started_at or time.time(),
            ended_at=self._ended_at or time.time(),
            end_reason=reason,
            aggregated=total,
            endpoints=endpoints,
            failures=[
                {
                    "method": r["Method"],
                    "name": r["Name"],
                    "error": r["Error"],
                    "occurrences": int(_number(r["Occurrences"])),
                }
                for r in csv.DictReader(io.StringIO(failures_csv))
            ],
            exceptions=sum(int(e.get("count", 0)) for e in self._exceptions),
            attached_to=self.url,
        )


def _describe(exc: BaseException) -> str:
    import httpx

    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return str(exc) or type(exc).__name__


WEB_UI_FIELDS = {
    "requests": "num_requests",
    "failures": "num_failures",
    "median_ms": "median_response_time",
    "avg_ms": "avg_response_time",
    "min_ms": "min_response_time",
    "max_ms": "max_response_time",
    "p95_ms": "response_time_percentile_0.95",
    "p99_ms": "response_time_percentile_0.99",
    "current_rps": "current_rps",
    "current_fail_per_s": "current_fail_per_sec",
    "avg_size_bytes": "avg_content_length",
}
"""EndpointRow's figures -> the keys of a row of the web UI's /stats/requests."""


def _row(entry: Mapping[str, Any]) -> EndpointRow:
    return endpoint_row_from(entry, WEB_UI_FIELDS, _number)


def _failure(error: Mapping[str, Any]) -> FailureRow:
    return FailureRow(
        method=str(error.get("method") or ""),
        name=str(error.get("name", "")),
        error=str(error.get("error", "")),
        occurrences=int(_number(error.get("occurrences"))),
        first_seen=error.get("first_seen"),
        last_seen=error.get("last_seen"),
    )


def _csv_entry(row: Mapping[str, str]) -> dict[str, Any]:
    requests = int(_number(row.get("Request Count")))
    failures = int(_number(row.get("Failure Count")))
    return {
        "method": row.get("Type", ""),
        "name": row.get("Name", ""),
        "requests": requests,
        "failures": failures,
        "fail_ratio": round(failures / requests, 6) if requests else (1.0 if failures else 0.0),
        "rps": round(_number(row.get("Requests/s")), 2),
        "avg_ms": round(_number(row.get("Average Response Time")), 2),
        "min_ms": round(_number(row.get("Min Response Time")), 2),
        "max_ms": round(_number(row.get("Max Response Time")), 2),
        "p50_ms": _number(row.get("50%")),
        "p90_ms": _number(row.get("90%")),
        "p95_ms": _number(row.get("95%")),
        "p99_ms": _number(row.get("99%")),
        "p999_ms": _number(row.get("99.9%")),
        "p9999_ms": _number(row.get("99.99%")),
        "avg_size_bytes": round(_number(row.get("Average Content Size")), 2),
    }


def _tables(stats_csv: str) -> list[str]:
    """The stats table of summary.txt, from the stats.csv the remote Locust served."""
    lines = [
        f"{'Type':<8} {'Name':<50} {'# reqs':>8} {'# fails':>8} {'Avg':>7} {'Med':>7} {'p95':>7} {'p99':>7}"
        f" {'req/s':>8}",
    ]
    for row in csv.DictReader(io.StringIO(stats_csv)):
        entry = _csv_entry(row)
        lines.append(
            f"{entry['method']:<8} {entry['name'][:50]:<50} {entry['requests']:>8} {entry['failures']:>8}"
            f" {entry['avg_ms']:>7.0f} {entry['p50_ms']:>7.0f} {entry['p95_ms']:>7.0f} {entry['p99_ms']:>7.0f}"
            f" {entry['rps']:>8.2f}"
        )
    lines.append("")
    return lines


def _detail(key: tuple[str, str], rows: list[EndpointRow], failures: tuple[FailureRow, ...]) -> EndpointDetail:
    """What a Locust web UI serves of one endpoint: its row and its failures."""
    return EndpointDetail(
        method=key[0],
        name=key[1],
        row=next((row for row in rows if row.key == key), None),
        failures=tuple(f for f in failures if (f.method, f.name) == key),
        note="attached to a Locust web UI, which serves no history, distribution or status codes of an endpoint",
    )
