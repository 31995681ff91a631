"""An immutable view of one moment of a run.

The UI reads only these; nothing outside the engine touches Locust. Every field is a plain value
(numbers, strings, tuples), so a snapshot can be built by hand in a test, compared, or serialised.
Times are epoch seconds; response times are milliseconds as Locust records them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .durations import human_duration
from .latency_histogram import Bin
from .log_book import LogLine
from .thresholds import Result as ThresholdResult
from .watch import WatchedState

STATUS_ROWS = 500
"""Status-code rows a snapshot carries at most: the endpoints with the most requests first."""

MANY_NAMES = 500
"""Past this many endpoint names, a locustfile almost always puts ids in URLs: group them with name=."""

STATES = ("ready", "waiting", "spawning", "running", "stopping", "stopped")
"""``ready``: not started; ``waiting``: for workers to connect; ``stopping``: users are being stopped
and the report written."""


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """One line of Locust's stats table: a (method, name) pair, or the Aggregated row."""

    method: str
    name: str
    requests: int
    failures: int
    median_ms: float
    avg_ms: float
    min_ms: float
    max_ms: float
    p95_ms: float
    p99_ms: float
    current_rps: float
    current_fail_per_s: float
    avg_size_bytes: float = 0.0
    p90_ms: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        """Stable identity of the row across snapshots (what the UI keys table rows by)."""
        return (self.method, self.name)

    @property
    def fail_ratio(self) -> float:
        if self.requests:
            return self.failures / self.requests
        return 1.0 if self.failures else 0.0


ROW_FIGURES = ("median_ms", "avg_ms", "min_ms", "max_ms", "p95_ms", "p99_ms", "current_rps", "current_fail_per_s")
"""The figures an EndpointRow cannot be without (0 when the source has none)."""


def endpoint_row_from(entry: Mapping[str, Any], fields: Mapping[str, str], read: Callable[[Any], float]) -> EndpointRow:
    """An EndpointRow from a row of figures read elsewhere (a Locust web UI's JSON, summary.json):
    ``fields`` maps each figure of the row to its key in ``entry``; one left out is 0."""
    figures = {field: read(entry.get(key)) for field, key in fields.items()}
    requests, failures = (figures.pop(key, 0.0) for key in ("requests", "failures"))
    return EndpointRow(
        method=str(entry.get("method") or ""),
        name=str(entry.get("name", "")),
        requests=0 if requests != requests else int(requests),  # NaN: not known
        failures=0 if failures != failures else int(failures),
        **{**dict.fromkeys(ROW_FIGURES, 0.0), **figures},
    )


@dataclass(frozen=True, slots=True)
class Totals:
    """The Aggregated row, plus the sliding-window ("current") percentiles Locust charts."""

    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    """Current requests/s: Locust's sliding window (about the last 10 s)."""
    fail_per_s: float = 0.0
    avg_rps: float = 0.0
    """Requests/s over the whole run, as in Locust's stats.csv."""
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    """Cumulative percentiles, over every request since the start (or the last reset)."""
    current_p50_ms: float | None = None
    current_p95_ms: float | None = None
    current_p99_ms: float | None = None
    """Over about the last 10 s; None until Locust has that much history."""
    avg_ms: float = 0.0
    min_ms: float = 0.0
    max_ms: float = 0.0
    p90_ms: float = 0.0

    @property
    def fail_ratio(self) -> float:
        if self.requests:
            return self.failures / self.requests
        return 1.0 if self.failures else 0.0


@dataclass(frozen=True, slots=True)
class FailureRow:
    method: str
    name: str
    error: str
    occurrences: int
    first_seen: float | None
    last_seen: float | None


@dataclass(frozen=True, slots=True)
class BaselineFigures:
    """What the endpoints table and the latency chart hold a live figure against."""

    p95_ms: float
    rps: float


@dataclass(frozen=True)
class Baseline:
    """A saved run the live one is compared with as it goes (``--baseline``, ``baseline =``)."""

    folder: str
    tolerance: float
    """How much worse than the baseline is fine (0.2: 20%), as at the end of the run."""
    totals: BaselineFigures
    endpoints: Mapping[tuple[str, str], BaselineFigures]
    """(method, name) -> the baseline's figures of that endpoint (:func:`.compare.live_change`
    judges a live figure against them)."""


@dataclass(frozen=True, slots=True)
class StatusRow:
    """How often one endpoint got one status code (or, with no response, one error kind)."""

    method: str
    name: str
    status: str
    """``"200"``, ``"503"``... or ``timeout``, ``connection refused``... (:mod:`.status_codes`)."""
    count: int
    share: float
    """Of the endpoint's requests, 0 to 1."""


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """An exception raised in user code (not a failed request), grouped by traceback."""

    count: int
    message: str
    traceback: str
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HostSample:
    """What psutil says of this machine and of the loadtui process at one moment."""

    time: float
    cpu_percent: float
    cpu_per_core: tuple[float, ...]
    mem_used: int
    mem_total: int
    swap_used: int
    swap_total: int
    load_avg: tuple[float, float, float]
    process_cpu_percent: float
    """loadtui's own CPU (100 = one core busy). Above 90 the generator is saturated."""
    process_rss: int
    cpu_count: int = 1

    @property
    def mem_percent(self) -> float:
        return 100.0 * self.mem_used / self.mem_total if self.mem_total else 0.0

    @property
    def generator_saturated(self) -> bool:
        """Locust's own threshold (runners.CPU_WARNING_THRESHOLD): numbers stop being trustworthy."""
        return self.process_cpu_percent > 90.0


@dataclass(frozen=True, slots=True)
class History:
    """Bounded series, one point per engine tick (1 s), oldest first, all the same length."""

    time: tuple[float, ...] = ()
    rps: tuple[float, ...] = ()
    fail_per_s: tuple[float, ...] = ()
    p50_ms: tuple[float, ...] = ()
    p95_ms: tuple[float, ...] = ()
    p99_ms: tuple[float, ...] = ()
    users: tuple[int, ...] = ()
    cpu_percent: tuple[float, ...] = ()
    mem_percent: tuple[float, ...] = ()

    chart_percentiles: tuple[float, ...] = (50.0, 95.0, 99.0)
    """The percentiles of :attr:`chart`, one series each (the profile's ``chart_percentiles``)."""
    chart: tuple[tuple[float, ...], ...] = ()
    """The latency chart's series; empty: it draws p50, p95 and p99 (an attached Locust's)."""

    COLUMNS = ("time", "rps", "fail_per_s", "p50_ms", "p95_ms", "p99_ms", "users", "cpu_percent", "mem_percent")
    """The order of a row in :meth:`from_rows`; the chart's series follow, one per percentile."""

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[float]], chart_percentiles: Sequence[float] = ()) -> History:
        width = len(cls.COLUMNS) + len(chart_percentiles)
        columns = list(zip(*rows, strict=True)) or [()] * width
        values: dict[str, Any] = dict(zip(cls.COLUMNS, (tuple(c) for c in columns), strict=False))
        values["users"] = tuple(int(u) for u in values["users"])
        if chart_percentiles:
            values["chart_percentiles"] = tuple(chart_percentiles)
            values["chart"] = tuple(tuple(c) for c in columns[len(cls.COLUMNS) :])
        return cls(**values)

    def chart_series(self) -> tuple[tuple[str, tuple[float, ...]], ...]:
        """(label, values) of each series the latency chart draws: ``p50``, ``p99.9``..."""
        if not self.chart:
            return (("p50", self.p50_ms), ("p95", self.p95_ms), ("p99", self.p99_ms))
        return tuple((f"p{p:g}", values) for p, values in zip(self.chart_percentiles, self.chart, strict=True))


@dataclass(frozen=True, slots=True)
class EndpointSeries:
    """An endpoint over time, oldest first; NaN where no request of it came in that window."""

    time: tuple[float, ...] = ()
    """Epoch seconds (live) or seconds since the run's first history row (a report)."""
    rps: tuple[float, ...] = ()
    fail_per_s: tuple[float, ...] = ()
    latency: tuple[tuple[str, tuple[float, ...]], ...] = ()
    """(label, ms) of each percentile drawn: ``p50``, ``p95``, ``p99`` or the profile's
    ``chart_percentiles``."""


@dataclass(frozen=True, slots=True)
class EndpointDetail:
    method: str
    name: str
    row: EndpointRow | None = None
    """None: no request of this endpoint yet (or the stats were reset since)."""
    percentiles: tuple[tuple[float, float], ...] = ()
    """(percent, ms) of every request so far, :data:`.endpoint_detail.TABLE_PERCENTILES`; ms is NaN where unknown."""
    histogram: tuple[Bin, ...] = ()
    status_codes: tuple[tuple[str, int], ...] = ()
    """The most frequent first: ``("200", 1200)``, ``("timeout", 3)``..."""
    failures: tuple[FailureRow, ...] = ()
    series: EndpointSeries = field(default_factory=EndpointSeries)
    note: str = ""
    """What is missing and why (a report without per-endpoint history...)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.name)

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}".strip()


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One Locust worker process, as the master last heard of it."""

    id: str
    state: str
    """Locust's worker states: ready, spawning, running, stopped, missing (no heartbeat)."""
    users: int
    cpu_percent: float
    memory_bytes: int
    heartbeat: int
    """Heartbeats left before the master calls it missing (3 is fresh, 0 or less is gone)."""

    @property
    def missing(self) -> bool:
        return self.state == "missing"


@dataclass(frozen=True, slots=True)
class WorkerEvent:
    """A worker lost, restarted or back during a run (:mod:`.worker_supervision`)."""

    at: float
    elapsed_s: float
    worker: str
    """``worker 2`` (a local process) or Locust's id of a remote one."""
    what: str
    """``lost``, ``exited``, ``restarted``, ``back`` or ``gave up``."""
    detail: str = ""

    @property
    def loss(self) -> bool:
        """A worker lost (one that exited after Locust had called it missing is one loss, not two)."""
        return self.what in ("lost", "exited") and not self.detail.endswith("already lost")

    def describe(self) -> str:
        return f"{human_duration(self.elapsed_s)}: {self.worker} {self.what}" + (
            f" ({self.detail})" if self.detail else ""
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "elapsed_s": round(self.elapsed_s, 1),
            "worker": self.worker,
            "what": self.what,
            "detail": self.detail,
            "loss": self.loss,
        }


@dataclass(frozen=True, slots=True)
class ProfileSwitch:
    at: float
    """Epoch seconds."""
    elapsed_s: float
    """Seconds since the run started."""
    from_profile: str
    to_profile: str
    users: int
    spawn_rate: float


JUDGED_STATES = ("pass", "warn", "fail")
"""A ramp step's states once its window is judged."""


@dataclass(frozen=True, slots=True)
class CapacityStep:
    """One step of a ramp to the limit: its users, and its own window's figures and verdict."""

    number: int
    """1 for the first step."""
    users: int
    started_s: float
    """Seconds into the run when the step began (its users were asked for)."""
    state: str
    """``starting`` (users spawning), ``settling`` (their first seconds, not judged), ``judging``,
    then the verdict: ``pass``, ``warn`` or ``fail``."""
    window_s: float = 0.0
    """The seconds judged so far (or in all, once judged)."""
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    users_running: int = 0
    """Users that ran in the window (fewer than ``users`` when they could not all be started)."""
    results: tuple[ThresholdResult, ...] = ()
    """Every threshold judged on the window (so far, while judging)."""
    limited_by: ThresholdResult | None = None
    """The failing threshold that gave the step its fail (the one furthest past its limit)."""
    rate: float | None = None
    """A ramp of the rate: the task runs a second the step asked for (``users`` is then the most
    users the pacer ran in it)."""
    achieved: float = 0.0
    """A ramp of the rate: the task runs a second made in the window."""

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def load(self) -> str:
        """``8 users``, or ``40/s (8 users)`` for a ramp of the rate."""
        return f"{self.users} users" if self.rate is None else f"{self.rate:g}/s ({self.users} users)"

    @property
    def judged(self) -> bool:
        return self.state in JUDGED_STATES

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.number,
            "users": self.users,
            "started_s": round(self.started_s, 3),
            "state": self.state,
            "window_s": round(self.window_s, 3),
            "requests": self.requests,
            "failures": self.failures,
            "rps": round(self.rps, 3),
            "p95_ms": round(self.p95_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "fail_ratio": round(self.fail_ratio, 6),
            "users_running": self.users_running,
        }
        if self.rate is not None:
            out.update(rate=self.rate, achieved=round(self.achieved, 3))
        out["limited_by"] = self.limited_by.to_dict() if self.limited_by is not None else None
        return out


@dataclass(frozen=True, slots=True)
class Capacity:
    """A ramp to the limit so far: its steps, and once it is over the capacity it found."""

    steps: tuple[CapacityStep, ...]
    outcome: str
    """``searching``; then ``limit found`` (a step failed), ``max reached`` (every step passed),
    ``no step passed``, or ``interrupted`` (a switch, users changed by hand, the run stopped)."""
    detail: str = ""
    """What ended it, in words: the failing threshold and step, or what interrupted it."""
    ramp: Mapping[str, Any] = field(default_factory=dict)
    """The ramp as the profile gives it (start, step, every, max, settle)."""

    @property
    def found(self) -> CapacityStep | None:
        """The capacity: the last step that passed (or warned) before the first that failed."""
        passed = None
        for step in self.steps:
            if step.state == "fail":
                break
            if step.state in ("pass", "warn"):
                passed = step
        return passed

    @property
    def failed(self) -> CapacityStep | None:
        return next((step for step in self.steps if step.state == "fail"), None)

    @property
    def done(self) -> bool:
        return self.outcome != "searching"

    @property
    def verdict(self) -> str | None:
        """A finished search's verdict: the capacity step's (pass or warn), fail when none passed;
        None while searching or when interrupted (the run is then judged as any other)."""
        if self.outcome in ("searching", "interrupted"):
            return None
        found = self.found
        return "fail" if found is None else found.state

    def summary_line(self) -> str:
        """``capacity 8 users, 79.6 req/s, p95 52 ms; limited by p95_ms (overall) at 12 users``."""
        found = self.found
        if self.outcome == "searching":
            step = self.steps[-1] if self.steps else None
            return "searching" if step is None else f"searching: step {step.number}, {step.load}, {step.state}"
        what = (
            "no step passed"
            if found is None
            else f"{found.load}, {found.rps:,.1f} req/s, p95 {found.p95_ms:,.0f} ms, p99 {found.p99_ms:,.0f} ms"
        )
        return f"capacity {what}" + (f"; {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        """summary.json's ``capacity``."""
        found = self.found
        failed = self.failed
        out: dict[str, Any] = {
            "outcome": self.outcome,
            "detail": self.detail,
            "of": self.ramp.get("of", "users"),
            "users": found.users if found else None,
            "rate": found.rate if found else None,
            "rps": round(found.rps, 3) if found else None,
            "p95_ms": round(found.p95_ms, 3) if found else None,
            "p99_ms": round(found.p99_ms, 3) if found else None,
            "fail_ratio": round(found.fail_ratio, 6) if found else None,
            "step": found.number if found else None,
            "verdict": self.verdict,
            "thresholds": [r.to_dict() for r in found.results] if found else [],
            "limited_by": None,
            "ramp": dict(self.ramp),
            "steps": [step.to_dict() for step in self.steps],
        }
        if failed is not None and failed.limited_by is not None:
            out["limited_by"] = {
                **failed.limited_by.to_dict(),
                "users": failed.users,
                "rate": failed.rate,
                "step": failed.number,
            }
        return out


@dataclass(frozen=True, slots=True)
class RateState:
    """A profile's target rate (``rate = N``) and how it is holding (:mod:`.pacing`)."""

    target: float
    """Task runs a second asked for now (0 once a switch ended the pacing)."""
    achieved: float
    """Task runs a second over the last few seconds."""
    users: int
    """The users the pacer runs now (it adds them as responses slow down)."""
    cap: int
    """The most users it may use (the profile's ``users``)."""
    capped: bool
    """The rate needs more users than the cap allows: what runs short is counted in ``shortfall_runs``."""
    held: bool
    """Over the whole time paced so far, the runs made are within 5% of the runs asked for."""
    active: bool = True
    """False once a switch went to a profile without a rate (the figures are the run's so far)."""
    asked_runs: int = 0
    runs: int = 0
    missed_ratio: float = 0.0
    """The runs asked for and not made, for any reason, as a share of those asked for."""
    shortfall_runs: int = 0
    """Task runs asked for and not made while the cap kept more users from being added (k6's dropped
    iterations)."""
    shortfall_ratio: float = 0.0
    cap_reached_at_s: float | None = None
    """Seconds into the run of the first second the cap cost runs; None: never."""

    @property
    def holding_now(self) -> bool:
        """The last few seconds' rate is within 5% of the target."""
        return self.active and self.achieved >= 0.95 * self.target

    def describe(self) -> str:
        """One line for the status line and the headless progress, with a mark and words (never colour
        alone): ``rate 40.0/s of 40/s ✓``, ``rate 61.0/s of 150/s ✗ short 59% (cap 20 users)``,
        ``rate 31.0/s of 40/s … 6 users`` while it is still adding users."""
        if not self.active:
            return f"rate ended: {100 * self.missed_ratio:.0f}% short while paced" + ("" if self.held else " ✗")
        head = f"rate {self.achieved:.1f}/s of {self.target:g}/s"
        if self.holding_now:
            return f"{head} ✓ {self.users} users"
        if self.capped:
            short = 100 * (1 - self.achieved / self.target) if self.target else 0.0
            return f"{head} ✗ short {short:.0f}% (cap {self.cap} users)"
        return f"{head} … {self.users} users"


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: float
    state: str
    """One of :data:`STATES`."""
    profile: str
    host: str
    demo_target: bool
    """True when the host is the bundled demo target that loadtui started."""
    locustfile: str
    started_at: float | None
    elapsed_s: float
    run_time_s: float | None
    """When the run ends by itself, in seconds since its start; None: runs until stopped."""
    users: int
    target_users: int
    spawn_rate: float
    totals: Totals
    endpoints: tuple[EndpointRow, ...] = ()
    """Sorted by (name, method) as Locust's reports are; the Aggregated row is in ``totals``."""
    endpoint_count: int = 0
    """Every name with a request so far; ``endpoints`` may hold only the top rows of them."""
    endpoints_matched: int = 0
    """Names that pass the snapshot's filter (== endpoint_count without one)."""
    failures: tuple[FailureRow, ...] = ()
    exceptions: tuple[ExceptionRow, ...] = ()
    history: History = field(default_factory=History)
    host_sample: HostSample | None = None
    switches: tuple[ProfileSwitch, ...] = ()
    end_reason: str | None = None
    """Set once the run has ended: completed, stopped, quit, interrupted, terminated, hangup, error."""
    message: str = ""
    """The latest thing the engine wants a person to know (a refused switch, a dead demo target)."""
    thresholds: tuple[ThresholdResult, ...] = ()
    """Every threshold of the current profile, judged on the figures so far."""
    verdict: str | None = None
    """``pass``, ``warn`` or ``fail`` when the profile has thresholds; None when it has none."""
    workers: tuple[WorkerRow, ...] = ()
    """Distributed runs only (``--workers``, ``--master``); empty in a single process."""
    baseline: Baseline | None = None
    """The saved run the live figures are compared with, if the profile (or --baseline) names one."""
    status_codes: tuple[StatusRow, ...] = ()
    """Each endpoint's status codes, the most frequent first (at most STATUS_ROWS rows)."""
    status_totals: tuple[tuple[str, int], ...] = ()
    """Every endpoint's status codes together, the most frequent first: ``("200", 5800)``..."""
    worker_events: tuple[WorkerEvent, ...] = ()
    """Workers lost, restarted or back so far, oldest first."""
    users_short_s: float = 0.0
    """Seconds the run has had fewer users than asked because a worker was lost."""
    watched: tuple[WatchedState, ...] = ()
    """The processes of the system under test given with --watch, one entry per spec."""
    connection: str = ""
    """Attached runs: what went wrong with the last poll of the Locust web UI ("" when all is well)."""
    logs: tuple[LogLine, ...] = ()
    """The newest lines the run logged or printed (this process's and every worker's), oldest first."""
    log_count: int = 0
    """Lines so far: the number of the newest (a reader that showed up to N appends those above N)."""
    endpoint_detail: EndpointDetail | None = None
    """The endpoint the view focuses (``EndpointView.focus``), up close; None without a focus."""
    capacity: Capacity | None = None
    """A ramp to the limit (the profile's ``ramp``): its steps so far and the capacity found."""
    rate: RateState | None = None
    """A profile's target rate and how it holds; None when the run has not paced its users."""

    @property
    def many_names(self) -> bool:
        return self.endpoint_count > MANY_NAMES

    @property
    def live(self) -> bool:
        return self.state in ("spawning", "running")

    @property
    def remaining_s(self) -> float | None:
        if self.run_time_s is None:
            return None
        return max(0.0, self.run_time_s - self.elapsed_s)
