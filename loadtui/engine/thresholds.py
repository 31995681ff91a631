"""Thresholds: limits on a run's figures, with a warning level, giving a pass/warn/fail verdict.

Written in profiles.toml next to the load they judge::

    [profiles.light.thresholds]
    fail_ratio = { warn = 0.001, fail = 0.01 }
    p95_ms = 500                      # a bare number is the failing limit
    rps_min = 50                      # a lower limit: the run must reach it
    abort_on_fail = "30s"             # stop early once a failing limit has held this long
    [[profiles.light.thresholds.endpoints]]
    name = "/api/v1/health*"          # fnmatch pattern on the endpoint name ("GET /x" also works)
    p95_ms = { warn = 50, fail = 100 }

Evaluation is on cumulative figures (the whole run so far), the same ones summary.json reports,
so the live state on the screen is the verdict the run would get if it ended now.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .durations import parse_duration

UPPER_METRICS = ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "avg_ms", "fail_ratio")
"""Figures that must stay at or below their limit."""
LOWER_METRICS = ("rps_min",)
"""Figures that must reach their limit (``rps_min`` judges the run's average requests/s)."""
WATCH_METRICS = ("rss_growth_mb", "rss_slope_mb_per_min")
"""Leak signals of the processes given with --watch (or ``watch = [...]``): each is judged per spec."""
METRICS = (*UPPER_METRICS, *LOWER_METRICS, *WATCH_METRICS)
OPTION_KEYS = ("abort_on_fail", "endpoints")

OK, WARN, FAIL, NO_DATA = "ok", "warn", "fail", "no data"
STATE_SYMBOLS = {OK: "✓", WARN: "!", FAIL: "✗", NO_DATA: "·"}
"""Colour is never the only signal: every state has a symbol and a word."""


@dataclass(frozen=True)
class Limit:
    fail: float
    warn: float | None = None

    def to_toml(self) -> Any:
        if self.warn is None:
            return _num(self.fail)
        return {"warn": _num(self.warn), "fail": _num(self.fail)}


@dataclass(frozen=True)
class EndpointLimits:
    pattern: str
    limits: Mapping[str, Limit]


@dataclass(frozen=True)
class Thresholds:
    overall: Mapping[str, Limit]
    endpoints: tuple[EndpointLimits, ...] = ()
    abort_on_fail: str | None = None
    """A duration (``"30s"``); None: never stop early."""

    def __bool__(self) -> bool:
        return bool(self.overall or self.endpoints)

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {metric: limit.to_toml() for metric, limit in self.overall.items()}
        if self.abort_on_fail is not None:
            out["abort_on_fail"] = self.abort_on_fail
        if self.endpoints:
            out["endpoints"] = [
                {"name": e.pattern, **{m: limit.to_toml() for m, limit in e.limits.items()}} for e in self.endpoints
            ]
        return out


NONE = Thresholds(overall={})


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _describe(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


Error = Callable[[str, str], Exception]
"""error(key, message) -> the exception to raise, naming file, line, table and key."""


def _limit(metric: str, value: Any, key: str, error: Error) -> Limit:
    def number(v: Any, what: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise error(key, f"{what}: expected a non-negative number, got {_describe(v)}")
        if metric == "fail_ratio" and v > 1:
            raise error(key, f"{what}: fail_ratio is a fraction between 0 and 1 (1% is 0.01), got {v}")
        return float(v)

    if isinstance(value, dict):
        unknown = set(value) - {"warn", "fail"}
        if unknown:
            raise error(key, f"unknown key(s) {sorted(unknown)}; a limit is a number or {{ warn = N, fail = N }}")
        if "fail" not in value:
            raise error(key, "missing 'fail' (the limit that fails the run)")
        fail = number(value["fail"], "fail")
        warn = number(value["warn"], "warn") if "warn" in value else None
        if warn is not None:
            lower = metric in LOWER_METRICS
            if (lower and warn < fail) or (not lower and warn > fail):
                side = "at or above" if lower else "at or below"
                raise error(key, f"warn ({_num(warn)}) must be {side} fail ({_num(fail)}): it warns before failing")
        return Limit(fail=fail, warn=warn)
    return Limit(fail=number(value, "limit"))


def _limits(table: Mapping[str, Any], error: Error, *, allow: Iterable[str] = ()) -> dict[str, Limit]:
    import difflib

    allowed = (*METRICS, *allow)
    out = {}
    for key, value in table.items():
        if key in allow:
            continue
        if key not in METRICS:
            hint = difflib.get_close_matches(key, allowed, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise error(key, f"unknown threshold{maybe} (known: {', '.join(allowed)})")
        out[key] = _limit(key, value, key, error)
    return out


def parse(data: Any, error: Error, *, base: Thresholds = NONE) -> Thresholds:
    """Validates a thresholds table; ``base`` (from [defaults]) applies where ``data`` is silent."""
    if not isinstance(data, dict):
        raise error("thresholds", f"expected a table, got {_describe(data)}")
    overall = _limits(data, error, allow=OPTION_KEYS)
    abort: Any = data.get("abort_on_fail", base.abort_on_fail)
    if "abort_on_fail" in data:
        try:
            parse_duration(abort)
        except (TypeError, ValueError) as exc:
            raise error("abort_on_fail", str(exc)) from None
        if isinstance(abort, int | float):
            abort = f"{_num(abort)}s"
    endpoints: dict[str, EndpointLimits] = {e.pattern: e for e in base.endpoints}
    raw_endpoints = data.get("endpoints", [])
    if not isinstance(raw_endpoints, list):
        raise error("endpoints", "expected [[...thresholds.endpoints]] tables with a name and limits")
    for index, item in enumerate(raw_endpoints, 1):
        if not isinstance(item, dict):
            raise error("endpoints", f"#{index}: expected a table, got {_describe(item)}")
        pattern = item.get("name")
        if not isinstance(pattern, str) or not pattern:
            raise error("endpoints", f'#{index}: missing name (an endpoint name or pattern, e.g. "/api/*")')

        def endpoint_error(key: str, message: str, pattern: str = pattern) -> Exception:
            return error("endpoints", f"{pattern!r} {key}: {message}")

        limits = _limits({k: v for k, v in item.items() if k != "name"}, endpoint_error)
        for metric in limits:
            if metric in WATCH_METRICS:
                raise error(
                    "endpoints",
                    f"{pattern!r} {metric}: judges a watched process, not an endpoint (put it in the thresholds table)",
                )
        if not limits:
            raise error("endpoints", f"{pattern!r}: no limit given (e.g. p95_ms = 100)")
        endpoints[pattern] = EndpointLimits(pattern=pattern, limits=limits)
    return Thresholds(
        overall={**base.overall, **overall},
        endpoints=tuple(endpoints.values()),
        abort_on_fail=abort,
    )


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What a threshold can judge, for one scope (the whole run or one endpoint)."""

    requests: int
    failures: int
    rps: float
    avg_ms: float
    max_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def fail_ratio(self) -> float:
        if self.requests:
            return self.failures / self.requests
        return 1.0 if self.failures else 0.0

    def value(self, metric: str) -> float:
        if metric == "rps_min":
            return self.rps
        return float(getattr(self, metric))

    @classmethod
    def from_summary(cls, data: Mapping[str, Any]) -> Figures:
        """From a summary.json ``totals`` or ``endpoints`` entry."""

        def pick(*keys: str) -> float:
            for key in keys:
                if key in data and data[key] is not None:
                    return float(data[key])
            return 0.0

        return cls(
            requests=int(pick("requests")),
            failures=int(pick("failures")),
            rps=pick("rps"),
            avg_ms=pick("avg_ms"),
            max_ms=pick("max_ms"),
            p50_ms=pick("p50_ms", "p50"),
            p90_ms=pick("p90_ms", "p90"),
            p95_ms=pick("p95_ms", "p95"),
            p99_ms=pick("p99_ms", "p99"),
        )


@dataclass(frozen=True)
class Result:
    metric: str
    scope: str
    """``overall``, or ``METHOD name`` of the endpoint judged, or the pattern when nothing matched."""
    limit: Limit
    observed: float | None
    state: str

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "scope": self.scope,
            "fail": _num(self.limit.fail),
            "warn": None if self.limit.warn is None else _num(self.limit.warn),
            "observed": None if self.observed is None else round(self.observed, 6),
            "state": self.state,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """From :meth:`to_dict` (summary.json's ``thresholds``)."""
        warn = data.get("warn")
        observed = data.get("observed")
        return cls(
            metric=str(data["metric"]),
            scope=str(data["scope"]),
            limit=Limit(fail=float(data["fail"]), warn=None if warn is None else float(warn)),
            observed=None if observed is None else float(observed),
            state=str(data["state"]),
        )

    def describe(self) -> str:
        """``✗ fail  p95_ms  GET /api/x  observed 140 > fail 100`` (one line for summary.txt)."""
        observed = "-" if self.observed is None else f"{format_value(self.metric, self.observed)}"
        op = ">=" if self.metric in LOWER_METRICS else "<="
        warn = f", warn {op} {format_value(self.metric, self.limit.warn)}" if self.limit.warn is not None else ""
        return (
            f"{self.symbol} {self.state:<7} {self.metric:<10} {self.scope:<40} observed {observed:>10}"
            f"  (fail unless {op} {format_value(self.metric, self.limit.fail)}{warn})"
        )


def format_value(metric: str, value: float | None) -> str:
    """A threshold figure in its own unit: ms (a decimal below 10 ms, as Locust shows them), %, /s,
    MB or MB/min. The dashboard and summary.txt both use it, so they read the same."""
    if value is None:
        return "-"
    if metric == "fail_ratio":
        return f"{100 * value:.2f}%"
    if metric == "rps_min":
        return f"{value:,.1f}/s"
    if metric == "rss_growth_mb":
        return f"{value:.1f} MB"
    if metric == "rss_slope_mb_per_min":
        return f"{value:.2f} MB/min"
    return f"{value:.1f} ms" if value < 10 else f"{value:,.0f} ms"


def limit_text(result: Result) -> str:
    """``p95_ms of GET /work: 152 ms > 100 ms`` (or ``no request answered``)."""
    if result.metric == "requests":
        return "no request answered in the step's window"
    if result.metric == "rate":
        return f"rate not held: {result.observed or 0.0:,.1f} task runs/s of {result.limit.fail:g}/s asked"
    scope = "" if result.scope == "overall" else f" of {result.scope}"
    op = "<" if result.metric in LOWER_METRICS else ">"
    observed = format_value(result.metric, result.observed)
    return f"{result.metric}{scope}: {observed} {op} {format_value(result.metric, result.limit.fail)}"


def judge(metric: str, value: float, limit: Limit) -> str:
    if metric in LOWER_METRICS:
        if value < limit.fail:
            return FAIL
        return WARN if limit.warn is not None and value < limit.warn else OK
    if value > limit.fail:
        return FAIL
    return WARN if limit.warn is not None and value > limit.warn else OK


def matches(pattern: str, method: str, name: str) -> bool:
    """``/api/*`` matches by name; ``GET /api/*`` by method and name."""
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(f"{method} {name}".strip(), pattern)


def evaluate(
    thresholds: Thresholds,
    overall: Figures,
    endpoints: Iterable[tuple[str, str, Figures]],
    watched: Mapping[str, Mapping[str, float | None]] | None = None,
) -> tuple[Result, ...]:
    """Judges every threshold. ``endpoints`` are (method, name, figures); ``watched`` maps each
    --watch spec to its leak figures (``rss_growth_mb``, ``rss_slope_mb_per_min``)."""
    results = []
    for metric, limit in thresholds.overall.items():
        if metric in WATCH_METRICS:
            if not watched:
                results.append(Result(metric, "watch (nothing watched)", limit, None, NO_DATA))
            for spec, leak in (watched or {}).items():
                value = leak.get(metric)
                state = NO_DATA if value is None else judge(metric, value, limit)
                results.append(Result(metric, f"watch {spec}", limit, value, state))
            continue
        no_data = overall.requests == 0 and metric != "fail_ratio"
        state = NO_DATA if no_data else judge(metric, overall.value(metric), limit)
        results.append(Result(metric, "overall", limit, None if no_data else overall.value(metric), state))
    rows = list(endpoints)
    for group in thresholds.endpoints:
        matched = [(m, n, f) for m, n, f in rows if matches(group.pattern, m, n)]
        for metric, limit in group.limits.items():
            if not matched:
                results.append(Result(metric, group.pattern, limit, None, NO_DATA))
            for method, name, figures in matched:
                scope = f"{method} {name}".strip()
                results.append(
                    Result(metric, scope, limit, figures.value(metric), judge(metric, figures.value(metric), limit))
                )
    return tuple(results)


def verdict(results: Iterable[Result]) -> str:
    """``fail`` if any threshold failed, else ``warn`` if any warned, else ``pass``."""
    states = {r.state for r in results}
    if FAIL in states:
        return "fail"
    if WARN in states:
        return "warn"
    return "pass"
