"""summary.json and summary.txt: one builder for every kind of run (local, distributed, attached).

A run's figures come as plain dicts of one shape (:data:`ENDPOINT_FIELDS`), whether they were
read from Locust's live stats (:mod:`.reports`) or from the stats.csv a remote Locust served
(:mod:`.attach`); the summary, its verdict and its text are then built the same way for both.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import locust

from .. import __version__
from . import compare as compare_mod
from . import thresholds as thresholds_mod
from .durations import human_duration

SCHEMA_VERSION = 1

ENDPOINT_FIELDS = (
    "method",
    "name",
    "requests",
    "failures",
    "fail_ratio",
    "rps",
    "avg_ms",
    "min_ms",
    "max_ms",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "p999_ms",
    "p9999_ms",
    "avg_size_bytes",
)
"""The keys of one endpoint's figures (and of the Aggregated row before :func:`totals_from`)."""


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def totals_from(aggregated: Mapping[str, Any]) -> dict[str, Any]:
    """The ``totals`` of summary.json from the Aggregated row's figures."""
    return {
        "requests": aggregated["requests"],
        "failures": aggregated["failures"],
        "fail_ratio": aggregated["fail_ratio"],
        "rps": aggregated["rps"],
        "avg_ms": aggregated["avg_ms"],
        "min_ms": aggregated["min_ms"],
        "max_ms": aggregated["max_ms"],
        "p50": aggregated["p50_ms"],
        "p90": aggregated["p90_ms"],
        "p95": aggregated["p95_ms"],
        "p99": aggregated["p99_ms"],
        "p999": aggregated.get("p999_ms"),
        "p9999": aggregated.get("p9999_ms"),
        "status_codes": dict(aggregated.get("status_codes") or {}),
        "latency_histogram": list(aggregated.get("latency_histogram") or []),
    }


def build(
    *,
    profile: str,
    initial_profile: str,
    description: str,
    locustfile: str,
    host: str,
    demo_target: bool,
    started_at: float,
    ended_at: float,
    end_reason: str,
    aggregated: Mapping[str, Any],
    endpoints: Sequence[Mapping[str, Any]],
    failures: Sequence[Mapping[str, Any]],
    exceptions: int,
    settings: Mapping[str, Any] | None = None,
    switches: Sequence[Mapping[str, Any]] = (),
    host_stats: Mapping[str, Any] | None = None,
    watched: Sequence[Mapping[str, Any]] = (),
    thresholds: thresholds_mod.Thresholds = thresholds_mod.NONE,
    baseline: str = "",
    tolerance: str = "20%",
    attached_to: str | None = None,
    workers_lost: Mapping[str, Any] | None = None,
    target_outages: Sequence[Mapping[str, Any]] = (),
    checkpoints: Mapping[str, Any] | None = None,
    history_gaps: Mapping[str, Any] | None = None,
    capacity: Mapping[str, Any] | None = None,
    rate: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json document; its verdict judged on its own figures, so it matches the file."""
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "profile": profile,
        "initial_profile": initial_profile,
        "description": description,
    }
    if attached_to is not None:
        summary["attached_to"] = attached_to
    summary.update(
        {
            "locustfile": locustfile,
            "host": host,
            "demo_target": demo_target,
            "started_at": iso_time(started_at),
            "ended_at": iso_time(ended_at),
            "duration_s": round(ended_at - started_at, 3),
            "end_reason": end_reason,
            "totals": totals_from(aggregated),
            "endpoints": [dict(e) for e in endpoints],
            "failures": [dict(f) for f in failures],
            "exceptions": exceptions,
            "settings": dict(settings or {}),
            "switches": [dict(s) for s in switches],
            "host_stats": dict(host_stats or {}),
            "watched": [dict(w) for w in watched],
            "versions": {"loadtui": __version__, "locust": locust.__version__, "python": platform.python_version()},
        }
    )
    if workers_lost is not None:
        summary["workers_lost"] = dict(workers_lost)
    summary["target_outages"] = [dict(o) for o in target_outages]
    if checkpoints is not None:
        summary["checkpoints"] = dict(checkpoints)
    if history_gaps is not None:
        summary["history_gaps"] = dict(history_gaps)
    if rate is not None:
        summary["rate"] = dict(rate)
    if capacity is not None:
        summary["capacity"] = dict(capacity)
    summary.update(judge_summary(summary, thresholds))
    if baseline:
        summary["comparison"] = compare_with_baseline(summary, baseline, tolerance)
        if summary["comparison"].get("regressed"):
            summary["verdict"] = "fail"
    return summary


def compare_with_baseline(summary: dict[str, Any], baseline: str, tolerance: str) -> dict[str, Any]:
    """The comparison with a saved run, for summary.json; a broken baseline never loses the report."""
    try:
        base = compare_mod.load_summary(baseline)
        result = compare_mod.compare(base, summary, compare_mod.parse_tolerance(tolerance))
    except compare_mod.CompareError as exc:
        return {"baseline": baseline, "error": str(exc), "regressed": False}
    data = result.to_dict()
    data["text"] = compare_mod.format_comparison(result)
    return data


def judge(summary: Mapping[str, Any], limits: thresholds_mod.Thresholds) -> tuple[thresholds_mod.Result, ...]:
    """The thresholds judged on the summary's own figures."""
    return thresholds_mod.evaluate(
        limits,
        thresholds_mod.Figures.from_summary(summary["totals"]),
        [(e["method"], e["name"], thresholds_mod.Figures.from_summary(e)) for e in summary["endpoints"]],
        {w["spec"]: {m: w.get(m) for m in thresholds_mod.WATCH_METRICS} for w in summary.get("watched", [])},
    )


def judge_summary(summary: Mapping[str, Any], limits: thresholds_mod.Thresholds) -> dict[str, Any]:
    """The thresholds' results and verdict; never a pass for a run that had fewer users than asked
    (a lost worker): its figures are for less load than the profile's, and ``verdict_note`` says so.

    A target rate that was not held (``rate.held`` false) makes the verdict ``warn`` at best, with
    or without thresholds: the run did not put the load asked for on the target. (To fail such a
    run instead, give it a threshold ``rps_min``.)

    A ramp to the limit that ended by itself is judged on its capacity step (``verdict_scope``):
    its thresholds judged each step alone, and the whole run includes the step that failed."""
    rate = summary.get("rate") or {}
    rate_note = rate_short_text(rate) if rate and not rate.get("held", True) else ""
    capacity = summary.get("capacity") or {}
    judged: dict[str, Any]
    if capacity.get("verdict"):
        step = capacity.get("step")
        judged = {
            "thresholds": list(capacity.get("thresholds") or []),
            "verdict": capacity["verdict"],  # fail when no step passed
            "verdict_scope": f"capacity step {step}" if step else "first step",
        }
    elif not limits:
        if rate_note:
            return {"thresholds": [], "verdict": "warn", "verdict_note": rate_note}
        return {"thresholds": [], "verdict": None}
    else:
        results = judge(summary, limits)
        judged = {"thresholds": [r.to_dict() for r in results], "verdict": thresholds_mod.verdict(results)}
    short = float((summary.get("workers_lost") or {}).get("users_short_s") or 0)
    notes = []
    if short > 0:
        notes.append(
            f"the run had fewer users than asked for {human_duration(short)} (a worker was lost):"
            " its figures are for less load than the profile asks"
        )
    if rate_note:
        notes.append(rate_note)
    if notes:
        judged["verdict_note"] = "; ".join(notes)
        if judged["verdict"] == "pass":
            judged["verdict"] = "warn"
    return judged


def exit_verdict(summary: Mapping[str, Any]) -> str | None:
    """The verdict the exit code follows: the thresholds'. A run without thresholds exits as
    ``locust`` would (its errors decide), even when a rate not held gave it a ``warn``."""
    verdict = summary.get("verdict")
    return None if verdict == "warn" and not summary.get("thresholds") else verdict


def rate_short_text(rate: Mapping[str, Any]) -> str:
    """``the target rate 150/s was not held: 79.1 task runs/s made, 47.5% short; 713 runs missed
    while all 10 users the cap allows were busy (from 1s into the run)``, for a verdict note."""
    users = f"all {rate['cap']} users" if rate.get("cap") else "all the users"
    since = (
        f" (from {human_duration(rate['cap_reached_at_s'])} into the run)"
        if rate.get("cap_reached_at_s") is not None
        else ""
    )
    short = max(rate.get("shortfall_pct") or 0.0, rate.get("missed_pct") or 0.0)
    return (
        f"the target rate{_rate_target(rate)} was not held: {rate['achieved']:.1f} task runs/s made, {short:.1f}%"
        f" short; {rate['shortfall_runs']:,} runs missed while {users} the cap allows were busy{since}"
    )


def _rate_target(rate: Mapping[str, Any]) -> str:
    return f" {rate['target']:g}/s" if rate.get("target") else ""


def rate_text(rate: Mapping[str, Any]) -> str:
    """summary.txt's line: ``rate: 40.0 task runs/s of 40/s, held (0.3% short), 4 users at most``."""
    held = "held" if rate.get("held") else "NOT HELD"
    short = max(rate.get("shortfall_pct") or 0.0, rate.get("missed_pct") or 0.0)
    capped = (
        f"; the users cap was reached at {human_duration(rate['cap_reached_at_s'])},"
        f" {rate['shortfall_runs']:,} task runs short after it"
        if rate.get("cap_reached_at_s") is not None
        else ""
    )
    target = f" of {rate['target']:g}/s" if rate.get("target") else ""
    return (
        f"rate: {rate['achieved']:.1f} task runs/s{target} over {human_duration(rate['paced_s'])}, {held}"
        f" ({short:.1f}% short), {rate['users_max']} users at most{capped}"
    )


def tail_text(totals: Mapping[str, Any]) -> str:
    """``, p99.9 310 ms, p99.99 900 ms`` where the summary has them (older ones do not)."""
    parts = [
        f"{label} {totals[key]:.0f} ms"
        for key, label in (("p999", "p99.9"), ("p9999", "p99.99"))
        if totals.get(key) is not None
    ]
    return "".join(f", {part}" for part in parts)


def codes_text(codes: Mapping[str, int]) -> str:
    """``200: 9,812, 503: 41, timeout: 3``, the most frequent first."""
    return ", ".join(f"{status}: {count:,}" for status, count in sorted(codes.items(), key=lambda item: -item[1]))


def capacity_load(capacity: Mapping[str, Any]) -> str:
    """``8 users``, or ``70/s (8 users)`` for a ramp of the rate: the capacity's load."""
    if capacity.get("of") == "rate" and capacity.get("rate") is not None:
        return f"{capacity['rate']:g}/s ({capacity['users']} users)"
    return f"{capacity['users']} users"


def capacity_text(capacity: Mapping[str, Any] | None) -> list[str]:
    """The ramp to the limit: the capacity line, then a line per step."""
    if not capacity:
        return []
    if capacity.get("users") is not None:
        found = (
            f"{capacity_load(capacity)}, {capacity['rps']:,.1f} req/s, p95 {capacity['p95_ms']:,.0f} ms,"
            f" p99 {capacity['p99_ms']:,.0f} ms, {100 * capacity['fail_ratio']:.2f}% failed (step {capacity['step']})"
        )
    else:
        found = "none: no step passed"
    lines = [
        "",
        f"Capacity: {found}",
        f"  {capacity['outcome']}" + (f": {capacity['detail']}" if capacity["detail"] else ""),
    ]
    rates = capacity.get("of") == "rate"
    lines.append("  step " + (" rate/s" if rates else "") + " users      req/s     p95 ms     p99 ms  failed   verdict")
    for step in capacity["steps"]:
        limited = step.get("limited_by")
        rate = f" {step['rate']:>6g}" if rates else ""
        lines.append(
            f"  {step['step']:>4}{rate}  {step['users']:>5}  {step['rps']:>9,.1f}"
            f"  {step['p95_ms']:>9,.0f}  {step['p99_ms']:>9,.0f}"
            f"  {100 * step['fail_ratio']:>5.2f}%  {step['state']:<7}"
            + (f"  {thresholds_mod.limit_text(thresholds_mod.Result.from_dict(limited))}" if limited else "")
        )
    return lines


def text(
    summary: Mapping[str, Any],
    tables: Sequence[str],
    *,
    limits: thresholds_mod.Thresholds = thresholds_mod.NONE,
    folder: object | None = None,
) -> str:
    """summary.txt: what a person reads at the end (it stays in the SSH scrollback too).

    ``tables`` are the stats tables' lines (Locust's own for a run of this process)."""
    totals = summary["totals"]
    if summary.get("attached_to"):
        lines = [f"loadtui attached to {summary['attached_to']}"]
    else:
        started_as = summary["initial_profile"]
        lines = [
            f"loadtui run: profile {summary['profile']}"
            + (f" (started as {started_as})" if started_as != summary["profile"] else ""),
            f"host {summary['host']}{' (bundled demo target)' if summary['demo_target'] else ''}, "
            f"locustfile {summary['locustfile']}",
        ]
    lines += [
        f"{summary['started_at']} -> {summary['ended_at']} ({human_duration(summary['duration_s'])}),"
        f" ended: {summary['end_reason']}",
        f"{totals['requests']} requests, {totals['failures']} failed ({100 * totals['fail_ratio']:.2f}%),"
        f" {totals['rps']:.1f} req/s, p50 {totals['p50']:.0f} ms, p95 {totals['p95']:.0f} ms,"
        f" p99 {totals['p99']:.0f} ms" + tail_text(totals),
    ]
    if totals.get("status_codes"):
        lines.append("status codes: " + codes_text(totals["status_codes"]))
    recovered = summary.get("recovered")
    if recovered:
        lines.append(f"INCOMPLETE: {recovered['note']} ({recovered['last_checkpoint']}); what came after it is missing")
    elif summary.get("incomplete"):
        lines.append("INCOMPLETE: a checkpoint of the run while it goes; the final report replaces it")
    if summary.get("rate"):
        lines.append(rate_text(summary["rate"]))
    for switch in summary["switches"]:
        lines.append(f"  switched {switch['from']} -> {switch['to']} at {human_duration(switch['elapsed_s'])}")
    lines.extend(capacity_text(summary.get("capacity")))
    if summary.get("verdict"):
        lines.append("")
        scope = f", judged on the {summary['verdict_scope']}" if summary.get("verdict_scope") else ""
        lines.append(f"Verdict: {summary['verdict'].upper()} ({len(summary['thresholds'])} thresholds{scope})")
        results = (
            [thresholds_mod.Result.from_dict(r) for r in summary["thresholds"]]
            if summary.get("verdict_scope")
            else judge(summary, limits)
        )
        lines.extend("  " + result.describe() for result in results)
        if summary.get("verdict_note"):
            lines.append(f"  ! {summary['verdict_note']}")
    checkpoints = summary.get("checkpoints") or {}
    if checkpoints.get("failed_since"):
        still = f": {checkpoints['error']}" if checkpoints.get("error") else " (later ones were written)"
        lines.append(
            f"  ! checkpoints could not be written from {checkpoints['failed_since']}{still};"
            " a kill then would have lost the run"
        )
    if summary.get("exceptions"):
        lines.append(f"  ! {summary['exceptions']} exceptions in user code (exceptions.csv has their tracebacks)")
    for outage in summary.get("target_outages", []):
        what = "every request failed" if outage["kind"] == "all failing" else "no request completed"
        until = "the end" if outage["to_s"] is None else human_duration(outage["to_s"])
        error = f": {outage['error']}" if outage["error"] else ""
        lines.append(f"  ! {what} from {human_duration(outage['from_s'])} to {until}{error}")
    lost = summary.get("workers_lost") or {}
    if lost.get("events"):
        lines.append("")
        lines.append(
            f"Workers: {sum(1 for e in lost['events'] if e.get('loss', True))} lost;"
            f" fewer users than asked for {human_duration(lost['users_short_s'])}"
        )
        for event in lost["events"]:
            detail = f" ({event['detail']})" if event["detail"] else ""
            lines.append(f"  {human_duration(event['elapsed_s'])}: {event['worker']} {event['what']}{detail}")
        for period in lost["short_periods"]:
            until = "the end" if period["to_s"] is None else human_duration(period["to_s"])
            lines.append(
                f"  {period['fewest_users']}/{period['asked']} users from {human_duration(period['from_s'])} to {until}"
            )
    for w in summary.get("watched", []):
        slope = "-" if w["rss_slope_mb_per_min"] is None else f"{w['rss_slope_mb_per_min']:+.2f} MB/min"
        growth = "-" if w["rss_growth_mb"] is None else f"{w['rss_growth_mb']:+.1f} MB"
        lines.append(
            f"  watched {w['spec']}: {w['state']}, RSS {w['rss_mb']} MB (growth {growth}, slope {slope}),"
            f" CPU {w['cpu_percent']}%, {w['threads']} threads, {w['connections']} connections"
            + (f", restarted {w['restarts']}x" if w["restarts"] else "")
        )
    comparison = summary.get("comparison")
    if comparison:
        lines.append("")
        lines.append(f"Compared with the baseline {comparison['baseline']}:")
        lines.append(comparison.get("text") or f"  {comparison.get('error')}")
    lines.append("")
    lines.extend(tables)
    if folder is not None:
        lines.append(f"Report: {folder}")
    return "\n".join(lines) + "\n"
