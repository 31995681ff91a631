"""Deterministic data for the UI tests: hand-made snapshots and a session double.

The double replaces only the data source (memray's way): the app under test runs its real timer,
message and widgets; ``FakeSession.snapshot()`` returns what the test built. Nothing here reads
the clock, so screenshots are identical run after run.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from statistics import NormalDist
from typing import Any

from locust import HttpUser, task
from locust.stats import RequestStats

from loadtui.engine import latency_histogram, profile_loading
from loadtui.engine.endpoint_detail import TABLE_PERCENTILES, sorted_codes
from loadtui.engine.endpoint_selection import EndpointView, select_rows
from loadtui.engine.locustfile import DEMO_LOCUSTFILE, LoadedLocustfile
from loadtui.engine.planning import Planner
from loadtui.engine.profiles import Profile, ProfileSet
from loadtui.engine.run_plan import RunPlan
from loadtui.engine.session_contract import RunResult, Session
from loadtui.engine.snapshot import (
    Baseline,
    BaselineFigures,
    EndpointDetail,
    EndpointRow,
    EndpointSeries,
    ExceptionRow,
    FailureRow,
    History,
    HostSample,
    ProfileSwitch,
    Snapshot,
    StatusRow,
    Totals,
    WorkerEvent,
)

T0 = 1_700_000_000.0
"""A fixed epoch for every timestamp (2023-11-14), instead of the clock."""

PROFILES_TOML = """\
[defaults]
locustfile = "locustfiles/demo.py"
host = ""
report_dir = "reports"

[profiles.light]
description = "Smoke testing and development"
users = 10
spawn_rate = 1
run_time = "1m"

[profiles.medium]
description = "Everyday load: a busy afternoon"
users = 20
spawn_rate = 2
run_time = "5m"

[profiles.heavy]
description = "Peak traffic: what a launch day looks like"
users = 50
spawn_rate = 5
run_time = "10m"

[profiles.heavy.weights]
BrowsingUser = 3
ApiUser = 2

[profiles.spike]
description = "Sudden surge: ramp to 100 users, hold, fall back"
users = 100
spawn_rate = 10
run_time = "3m"
stages = [
    { duration = "30s", users = 10, spawn_rate = 2 },
    { duration = "1m", users = 100, spawn_rate = 10 },
    { duration = "1m30s", users = 10, spawn_rate = 10 },
]
"""


def profile_set() -> ProfileSet:
    # A fixed, made-up path: it is shown in the picker's title and must not depend on tmp dirs.
    return profile_loading.loads(PROFILES_TOML, Path("/srv/shop/profiles.toml"))


class BrowsingUser(HttpUser):
    """Stands in for the demo's class: the picker shows its name and weight, nothing runs it."""

    abstract = False
    host = "http://127.0.0.1:1"

    @task
    def browse(self) -> None:  # pragma: no cover - never run
        pass


class ApiUser(BrowsingUser):
    pass


def fake_loader(option: str) -> LoadedLocustfile:
    """The planner's locustfile loader for made-up paths: two classes of weight 1, no import.

    A ``demo.py`` stands for the bundled demo (the planner then plans the demo target for it), as
    the profiles here are the demo's."""
    path = Path(option.split(",")[0])
    if path.name == "demo.py":
        path = DEMO_LOCUSTFILE
    return LoadedLocustfile(path=path, user_classes={"BrowsingUser": BrowsingUser, "ApiUser": ApiUser})


def planner(profiles: ProfileSet | None = None, *argv: str) -> Planner:
    """A real Planner over hand-made profiles, with :func:`fake_loader` (no locustfile imported)."""
    from tests.helpers import planner_for

    made: Planner = planner_for(profiles or profile_set(), *argv, dashboard=True, loader=fake_loader)
    return made


ENDPOINTS = (
    ("GET", "/"),
    ("GET", "/api/v1/products?page=[n]"),
    ("GET", "/api/v1/products/[id]"),
    ("GET", "/api/v1/search?q=[term]"),
    ("POST", "/api/v1/cart"),
    ("POST", "/api/v1/login"),
    ("GET", "/api/v1/orders"),
    ("DELETE", "/api/v1/cart/[id]"),
)


def endpoint(index: int, method: str, name: str, scale: float = 1.0) -> EndpointRow:
    requests = int((1200 - index * 131) * scale)
    failures = 0 if index % 3 else int(requests * 0.02)
    base = 4.0 + index * 11.5
    return EndpointRow(
        method=method,
        name=name,
        requests=requests,
        failures=failures,
        median_ms=base,
        avg_ms=base * 1.2,
        min_ms=base / 3,
        max_ms=base * 9,
        p95_ms=base * 3,
        p99_ms=base * 5,
        current_rps=round(20.0 - index * 2.1, 1),
        current_fail_per_s=0.4 if failures else 0.0,
    )


def history(points: int = 60) -> History:
    times = tuple(T0 + i for i in range(points))
    return History(
        time=times,
        rps=tuple(round(80 + 30 * math.sin(i / 6), 1) for i in range(points)),
        fail_per_s=tuple(round(max(0.0, 2 * math.sin(i / 4)), 2) for i in range(points)),
        p50_ms=tuple(round(20 + 5 * math.sin(i / 5), 1) for i in range(points)),
        p95_ms=tuple(round(60 + 20 * math.sin(i / 5), 1) for i in range(points)),
        p99_ms=tuple(round(120 + 40 * math.sin(i / 5), 1) for i in range(points)),
        users=tuple(min(10, i // 2) for i in range(points)),
        cpu_percent=tuple(30.0 for _ in range(points)),
        mem_percent=tuple(40.0 for _ in range(points)),
    )


def host_sample(process_cpu: float = 23.0) -> HostSample:
    return HostSample(
        time=T0 + 60,
        cpu_percent=37.5,
        cpu_per_core=(72.0, 12.0, 45.0, 5.0, 93.0, 30.0, 18.0, 25.0),
        mem_used=6 * 1024**3,
        mem_total=16 * 1024**3,
        swap_used=0,
        swap_total=2 * 1024**3,
        load_avg=(1.25, 0.98, 0.71),
        process_cpu_percent=process_cpu,
        process_rss=142 * 1024**2,
        cpu_count=8,
    )


def make_snapshot(
    *,
    profile: str = "light",
    users: int = 10,
    target_users: int = 10,
    endpoints: int = len(ENDPOINTS),
    state: str = "running",
    process_cpu: float = 23.0,
    scale: float = 1.0,
) -> Snapshot:
    rows = tuple(
        sorted(
            (endpoint(i, m, n, scale) for i, (m, n) in enumerate(ENDPOINTS[:endpoints])),
            key=lambda r: (r.name, r.method),
        )
    )
    requests = sum(r.requests for r in rows)
    failures = sum(r.failures for r in rows)
    return Snapshot(
        taken_at=T0 + 60,
        state=state,
        profile=profile,
        host="http://127.0.0.1:41234",
        demo_target=True,
        locustfile="/srv/shop/locustfiles/demo.py",
        started_at=T0,
        elapsed_s=60.0,
        run_time_s=300.0,
        users=users,
        target_users=target_users,
        spawn_rate=1.0,
        totals=Totals(
            requests=requests,
            failures=failures,
            rps=sum(r.current_rps for r in rows),
            fail_per_s=0.8,
            avg_rps=requests / 60,
            p50_ms=22.0,
            p95_ms=71.0,
            p99_ms=140.0,
            current_p50_ms=21.0,
            current_p95_ms=68.0,
            current_p99_ms=133.0,
            avg_ms=30.5,
            min_ms=1.2,
            max_ms=810.0,
        ),
        endpoints=rows,
        endpoint_count=len(rows),
        failures=(
            FailureRow(
                "GET",
                "/api/v1/search?q=[term]",
                "HTTPError('500 Server Error: search backend timeout')",
                16,  # the endpoint's failures, each a 500 (its codes)
                T0 + 3,
                T0 + 57,
            ),
            FailureRow(
                "GET", "/", "HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: /')", 24, T0 + 10, T0 + 41
            ),
        ),
        exceptions=(
            ExceptionRow(
                2,
                "KeyError: 'token'",
                'Traceback (most recent call last):\n  File "demo.py", '
                "line 88, in login\n    token = r.json()['token']\nKeyError: 'token'\n",
            ),
        ),
        history=history(),
        host_sample=host_sample(process_cpu),
        switches=(ProfileSwitch(T0 + 20, 20.0, "medium", profile, users, 1.0),),
    )


def endpoint_detail(snapshot: Snapshot, key: tuple[str, str]) -> EndpointDetail:
    """One endpoint of ``snapshot`` up close: a minute of series, a spread of latencies, two codes."""
    row = next((r for r in snapshot.endpoints if r.key == key), None)
    if row is None:
        return EndpointDetail(*key)
    points = 60
    base = row.median_ms
    series = EndpointSeries(
        time=tuple(T0 + i for i in range(points)),
        rps=tuple(round(row.current_rps * (1 + 0.3 * math.sin(i / 6)), 2) for i in range(points)),
        fail_per_s=tuple(round(row.current_fail_per_s * (1 + math.sin(i / 4)), 2) for i in range(points)),
        latency=tuple(
            (
                label,
                tuple(
                    math.nan if i in (20, 21) else round(base * k * (1 + 0.2 * math.sin(i / 5)), 1)
                    for i in range(points)
                ),
            )
            for label, k in (("p50", 1.0), ("p95", 2.68), ("p99", 4.04))  # the spread below: e^(0.6 z)
        ),
    )
    # The table and the bins from Locust's own buckets of a lognormal spread around the median,
    # as a real endpoint's are: its requests logged into a RequestStats, read as the live view does.
    stats = RequestStats()
    spread = NormalDist()
    for i in range(row.requests):
        ms = base * math.exp(0.6 * spread.inv_cdf((i + 0.5) / row.requests))
        stats.log_request(row.method, row.name, ms, 0)  # type: ignore[arg-type]  # float ms, as Locust's clients give
    entry = stats.get(row.name, row.method)
    ok = row.requests - row.failures
    return EndpointDetail(
        method=row.method,
        name=row.name,
        row=row,
        percentiles=tuple((p, float(entry.get_response_time_percentile(p))) for p in TABLE_PERCENTILES),
        histogram=latency_histogram.bins(entry.response_times),
        status_codes=(("200", ok), ("500", row.failures)) if row.failures else (("200", ok),),
        failures=tuple(f for f in snapshot.failures if (f.method, f.name) == key),
        series=series,
    )


class FakeSession:
    """Stands in for LoadSession (the Session contract, checked by mypy): records calls, serves
    ``next_snapshot`` through the same endpoint selection as every real session."""

    instances: list[FakeSession] = []

    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        self._profile = plan.profile
        self.report_dir = Path("/srv/shop/reports")
        self.result: RunResult | None = None
        self.recovered: tuple[str, ...] = ()
        self.started = False
        self.closed = False
        self.target = plan.profile.users
        self.calls: list[tuple[str, Any]] = []
        self.next_snapshot: Snapshot | None = None
        self.snapshot_args: dict[str, Any] = {}
        self.output: list[tuple[str, bool]] = []
        FakeSession.instances.append(self)

    @property
    def profile(self) -> Profile:
        return self._profile

    def start(self) -> None:
        self.started = True

    def snapshot(self, view: EndpointView | None = None, limit: int | None = None) -> Snapshot:
        view = view or EndpointView()
        self.snapshot_args = {"view": view, "limit": limit}
        base = self.next_snapshot or make_snapshot()
        state = "stopped" if self.result else base.state
        chosen = select_rows(base.endpoints, view, limit)
        return replace(
            base,
            profile=self.profile.name,
            target_users=self.target,
            state=state,
            end_reason=self.result.end_reason if self.result else None,
            endpoints=chosen.items,
            endpoint_count=base.endpoint_count or chosen.count,
            endpoints_matched=chosen.matched if view.name_filter else (base.endpoints_matched or chosen.count),
            endpoint_detail=None if view.focus is None else endpoint_detail(base, view.focus),
        )

    def endpoint_detail(self, key: tuple[str, str]) -> EndpointDetail | None:
        return endpoint_detail(self.next_snapshot or make_snapshot(), key)

    def switch_profile(self, profile: Profile) -> str:
        previous = self.profile.name
        self._profile = profile
        self.target = profile.users
        self.calls.append(("switch_profile", profile.name))
        return f"Switched {previous} -> {profile.name}"

    def change_users(self, delta: int) -> int:
        self.target = max(0, self.target + delta)
        self.calls.append(("change_users", delta))
        return self.target

    def reset_stats(self) -> None:
        self.calls.append(("reset_stats", None))

    def live_settings(self, name: str) -> Profile:
        weights = {cls_name: int(cls.weight) for cls_name, cls in self.plan.locustfile.user_classes.items()}
        return replace(self.profile, name=name, users=self.target, weights=weights, stages=())

    def record_output(self, text: str, *, stderr: bool = False) -> None:
        self.output.append((text, stderr))

    def stop(self, reason: str = "stopped") -> RunResult:
        if self.result is None:
            folder = self.report_dir / "20231114-221320-light"
            self.result = RunResult(
                reason, folder, (folder / "report.html", folder / "stats.csv", folder / "summary.json")
            )
        self.calls.append(("stop", reason))
        return self.result

    def wait(self, timeout: float | None = None) -> RunResult | None:
        return self.result

    def export_report(self, report_dir: Path | None = None) -> RunResult:
        folder = (report_dir or self.report_dir) / "20231114-221320-light-partial-221420"
        self.calls.append(("export_report", report_dir))
        return RunResult("running", folder, (folder / "report.html",))

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        assert self.result is not None
        folder = (report_dir or self.report_dir) / "20231114-221320-light"
        self.result = RunResult(self.result.end_reason, folder, (folder / "report.html",), self.result.summary)
        self.calls.append(("write_report", report_dir))
        return self.result

    def close(self) -> None:
        self.closed = True


def _conforms(session: FakeSession) -> Session:
    """mypy checks here that the fake keeps to the contract every session keeps to."""
    return session


# --- thresholds, verdicts and workers (dashboard issue 6/7 tests) ---------------------------------

THRESHOLDS_TOML = """\
[thresholds]
p95_ms = { warn = 50, fail = 100 }
fail_ratio = { warn = 0.001, fail = 0.05 }
rps_min = 50
[[thresholds.endpoints]]
name = "/api/v1/search*"
p95_ms = { warn = 80, fail = 100 }
[[thresholds.endpoints]]
name = "/api/v1/login"
p95_ms = 500
[[thresholds.endpoints]]
name = "/api/v2/*"
p99_ms = 300
"""


def threshold_results(snapshot: Snapshot) -> tuple[Any, ...]:
    """The engine's own evaluation of THRESHOLDS_TOML on a hand-made snapshot's figures."""
    import tomllib

    from loadtui.engine import thresholds

    def error(key: str, message: str) -> Exception:
        return ValueError(f"{key}: {message}")

    limits = thresholds.parse(tomllib.loads(THRESHOLDS_TOML)["thresholds"], error)

    def figures(row: Any, rps: float) -> Any:
        p50 = row.median_ms if isinstance(row, EndpointRow) else row.p50_ms
        return thresholds.Figures(
            row.requests, row.failures, rps, row.avg_ms, row.max_ms, p50, row.p95_ms, row.p95_ms, row.p99_ms
        )

    totals = snapshot.totals
    rows = [(r.method, r.name, figures(r, r.current_rps)) for r in snapshot.endpoints]
    return thresholds.evaluate(limits, figures(totals, totals.avg_rps), rows)


def make_threshold_snapshot(**kwargs: Any) -> Snapshot:
    """make_snapshot() with the thresholds above judged: p95 warns, search fails, v2 has no data."""
    from loadtui.engine import thresholds

    snapshot = make_snapshot(**kwargs)
    results = threshold_results(snapshot)
    return replace(snapshot, thresholds=results, verdict=thresholds.verdict(results))


def workers() -> tuple[Any, ...]:
    from loadtui.engine.snapshot import WorkerRow

    return (
        WorkerRow("loadgen-1_0f1e2d3c4b5a69788796a5b4c3d2e1f0", "running", 4, 37.0, 88 * 1024**2, 3),
        WorkerRow("loadgen-1_1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", "running", 3, 95.0, 91 * 1024**2, 2),
        WorkerRow("loadgen-2_9f8e7d6c5b4a39281706f5e4d3c2b1a0", "missing", 3, 0.0, 90 * 1024**2, 0),
    )


BASELINE_RUN = Path(__file__).resolve().parent / "data" / "baseline-run"
"""A saved run's folder for ``--baseline`` (the planner checks that it is there)."""


def make_baseline_snapshot(**kwargs: Any) -> Snapshot:
    """The run compared with a saved one: some endpoints slower beyond 20%, one faster, one new."""
    snapshot = make_snapshot(**kwargs)
    factors = {0: (1.0, 1.0), 1: (0.5, 1.3), 2: (1.5, 0.9), 3: (1.1, 1.0), 4: (2.0, 0.6), 5: (0.9, 1.05)}
    endpoints = {
        row.key: BaselineFigures(p95_ms=row.p95_ms * factors[i][0], rps=row.current_rps * factors[i][1])
        for i, row in enumerate(snapshot.endpoints)
        if i in factors
    }
    base = Baseline(
        folder=str(BASELINE_RUN), tolerance=0.2, totals=BaselineFigures(p95_ms=60.0, rps=95.0), endpoints=endpoints
    )
    return replace(snapshot, baseline=base)


def make_codes_snapshot(**kwargs: Any) -> Snapshot:
    """Status codes as a run against a shop leaves them: mostly 200s, some 404s, 503s and timeouts."""
    rows = (
        StatusRow("GET", "/", "200", 1176, 0.98),
        StatusRow("GET", "/", "503", 24, 0.02),
        StatusRow("GET", "/api/v1/orders", "200", 398, 0.961),
        StatusRow("GET", "/api/v1/orders", "timeout", 8, 0.019),
        StatusRow("GET", "/api/v1/orders", "connection refused", 8, 0.019),
        StatusRow("GET", "/api/v1/products/[id]", "200", 917, 0.978),
        StatusRow("GET", "/api/v1/products/[id]", "404", 21, 0.022),
    )
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.status] = totals.get(row.status, 0) + row.count
    return replace(make_snapshot(**kwargs), status_codes=rows, status_totals=sorted_codes(totals))


def make_workers_snapshot(**kwargs: Any) -> Snapshot:
    """Three workers, one missing: it was lost 41 s in, and the run had fewer users for 4 s."""
    events = (WorkerEvent(T0 + 41, 41.0, "loadgen-2_9f8e7d", "lost", "no heartbeat for 4s"),)
    return replace(make_snapshot(**kwargs), workers=workers(), worker_events=events, users_short_s=4.2)


def ended_summary(verdict: str = "fail") -> dict[str, Any]:
    """A summary.json as a run with thresholds and a baseline leaves it (the parts the ended view reads)."""
    snapshot = make_threshold_snapshot()
    return {
        "verdict": verdict,
        "thresholds": [r.to_dict() for r in snapshot.thresholds],
        "comparison": {
            "baseline": "reports/20231113-101500-light",
            "tolerance": 0.2,
            "regressed": True,
            "rows": [],
            "text": (
                "A: reports/20231113-101500-light\nB: reports/20231114-221320-light\n\n"
                "scope                     p95: A -> B          fail %: A -> B\n"
                "GET /                     20 -> 21 (+5%)       0.00% -> 0.00%\n"
                "GET /api/v1/search?q=...  60 -> 115 (+92%) !   0.50% -> 2.00% (+300%) !  REGRESSED\n\n"
                "2 regression(s) beyond 20% (marked !)"
            ),
        },
    }


def make_capacity_snapshot(**kwargs: Any) -> Snapshot:
    """A ramp to the limit four steps in: three judged (the third warns), the fourth judging."""
    from loadtui.engine import thresholds
    from loadtui.engine.snapshot import Capacity, CapacityStep

    p95 = thresholds.Limit(fail=100.0, warn=80.0)
    ratio = thresholds.Limit(fail=0.01)

    def judged(users: int, rps: float, p95_ms: float, state: str) -> CapacityStep:
        results = (
            thresholds.Result("p95_ms", "overall", p95, p95_ms, thresholds.judge("p95_ms", p95_ms, p95)),
            thresholds.Result("fail_ratio", "overall", ratio, 0.0, "ok"),
        )
        return CapacityStep(
            number=users // 2, users=users, started_s=5.0 * (users // 2 - 1), state=state, window_s=4.0,
            requests=int(rps * 4), rps=rps, p95_ms=p95_ms, p99_ms=p95_ms * 1.1, users_running=users, results=results,
        )  # fmt: skip

    steps = (
        judged(2, 37.2, 56.0, "pass"),
        judged(4, 71.9, 59.0, "pass"),
        judged(6, 78.5, 87.0, "warn"),
        replace(judged(8, 79.6, 98.0, "judging"), window_s=2.0),
    )
    capacity = Capacity(steps=steps, outcome="searching", ramp={"start": 2, "step": 2, "every": "5s", "max": 30})
    snapshot = make_snapshot(**kwargs)
    return replace(snapshot, capacity=capacity, thresholds=steps[-1].results, verdict="pass")
