"""The run folder: Locust's HTML report and CSVs, plus summary.json and summary.txt.

Every file is produced from the same stopped Environment at the same moment, so their totals agree
with each other and with the screen. Locust's ``--csv`` file writer is not used for the final
stats: it rewrites its files once a second from a greenlet, and its last rewrite can come before
the last requests are counted (seen 12-15% short on short runs). Here the CSVs are written once,
after the users have stopped, by Locust's own row writers (``StatsCSV``), so the columns are
Locust's and existing tooling reads them.

Each file is written to a temporary name in the folder and renamed into place, so a reader (or a
second signal) never sees half a file.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from locust import stats as locust_stats
from locust.html import get_html_report

from . import latency_histogram
from . import summary as summary_mod
from .durations import human_duration
from .files import FileText, Spliced, atomic_write
from .history import DownsampledSeries
from .log_book import FILE_NAME as LOG_FILE
from .snapshot import HostSample
from .target_health import Outage
from .thresholds import Result, limit_text
from .watch import WatchedState

if TYPE_CHECKING:
    from locust.env import Environment

    from .locustfile import LoadedLocustfile
    from .profiles import Profile
    from .snapshot import Capacity, ProfileSwitch

FILES = (
    "report.html",
    "stats.csv",
    "stats_history.csv",
    "failures.csv",
    "exceptions.csv",
    "summary.json",
    "summary.txt",
    LOG_FILE,
)


HOST_SERIES_POINTS = 2000
"""Host points kept for the report's chart; older ones are merged pairwise beyond that."""


@dataclass
class HostStats:
    """Peaks and averages of the host samples, and a bounded series of them for the report.

    Bounded so that a run of any length keeps at most HOST_SERIES_POINTS points: when full, pairs
    of neighbours are averaged, halving the resolution of the whole run rather than dropping its
    start.
    """

    samples: int = 0
    cpu_sum: float = 0.0
    cpu_peak: float = 0.0
    mem_sum: float = 0.0
    mem_peak: float = 0.0
    process_cpu_sum: float = 0.0
    process_cpu_peak: float = 0.0
    process_rss_peak: int = 0
    mem_total: int = 0
    cpu_count: int = 0
    series: DownsampledSeries = field(default_factory=lambda: DownsampledSeries(HOST_SERIES_POINTS))
    """(time, cpu %, memory %)."""

    def add(self, sample: HostSample) -> None:
        self.series.append((sample.time, sample.cpu_percent, sample.mem_percent))
        self.samples += 1
        self.cpu_sum += sample.cpu_percent
        self.cpu_peak = max(self.cpu_peak, sample.cpu_percent)
        self.mem_sum += sample.mem_percent
        self.mem_peak = max(self.mem_peak, sample.mem_percent)
        self.process_cpu_sum += sample.process_cpu_percent
        self.process_cpu_peak = max(self.process_cpu_peak, sample.process_cpu_percent)
        self.process_rss_peak = max(self.process_rss_peak, sample.process_rss)
        self.mem_total = sample.mem_total
        self.cpu_count = sample.cpu_count

    def to_dict(self) -> dict[str, Any]:
        n = self.samples or 1
        return {
            "samples": self.samples,
            "cpu_percent": {"avg": round(self.cpu_sum / n, 1), "peak": round(self.cpu_peak, 1)},
            "mem_percent": {"avg": round(self.mem_sum / n, 1), "peak": round(self.mem_peak, 1)},
            "loadtui_cpu_percent": {
                "avg": round(self.process_cpu_sum / n, 1),
                "peak": round(self.process_cpu_peak, 1),
            },
            "loadtui_rss_peak_bytes": self.process_rss_peak,
            "mem_total_bytes": self.mem_total,
            "cpu_count": self.cpu_count,
            "generator_saturated": self.process_cpu_peak > 90.0,
        }


@dataclass(frozen=True)
class RunInfo:
    """What the engine knows of a run beyond Locust's stats."""

    profile: Profile
    initial_profile: Profile
    locustfile: LoadedLocustfile
    host: str
    demo_target: bool
    started_at: float
    ended_at: float
    end_reason: str
    switches: tuple[ProfileSwitch, ...] = ()
    history: Spliced | None = None
    """stats_history.csv (:meth:`.history_file.HistoryFile.contents`); None: its header alone."""
    history_gaps: dict[str, Any] | None = None
    """When stats_history.csv stopped keeping endpoint rows (:meth:`.history_file.HistoryFile.to_dict`)."""
    host_stats: HostStats = field(default_factory=HostStats)
    watched: tuple[WatchedState, ...] = ()
    log_text: str = ""
    """Everything the run logged and printed (run.log)."""
    weights: dict[str, int] = field(default_factory=dict)
    """The User classes' weights the run ended with (summary.json's settings)."""
    workers_lost: dict[str, Any] | None = None
    """A distributed run's lost workers and how long it was short of users (:mod:`.worker_supervision`)."""
    target_outages: tuple[Outage, ...] = ()
    """Stretches in which every request failed, or none completed (:mod:`.target_health`)."""
    checkpoints: dict[str, Any] | None = None
    """How the run folder's checkpoints went (:meth:`.checkpoint.Checkpoints.to_dict`)."""
    status_codes: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(method, name) -> {status code or error kind: requests} (:mod:`.status_codes`)."""
    capacity: Capacity | None = None
    """The run's ramp to the limit, its steps and the capacity it found (:mod:`.capacity`)."""
    rate: dict[str, Any] | None = None
    """How a profile's target rate held (:meth:`.pacing.RatePacer.to_dict`); None: the users were not paced."""


@dataclass(frozen=True)
class WrittenRun:
    folder: Path | None
    files: tuple[Path, ...]
    summary: dict[str, Any]
    error: str | None = None


class _Rows:
    """A csv-writer-shaped sink, so Locust's row writers can write into memory."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []

    def writerow(self, columns: Iterable[Any]) -> None:
        self.rows.append(list(columns))


def history_header() -> list[str]:
    """Locust's stats_history.csv columns (its writer builds them in a constructor that opens files)."""
    return [
        "Timestamp",
        "User Count",
        "Type",
        "Name",
        "Requests/s",
        "Failures/s",
        *locust_stats.get_readable_percentiles(locust_stats.PERCENTILES_TO_REPORT),
        "Total Request Count",
        "Total Failure Count",
        "Total Median Response Time",
        "Total Average Response Time",
        "Total Min Response Time",
        "Total Max Response Time",
        "Total Average Content Size",
    ]


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _entry_dict(entry: Any) -> dict[str, Any]:
    return {
        "method": entry.method or "",
        "name": entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "fail_ratio": _round(entry.fail_ratio, 6),
        "rps": _round(entry.total_rps),
        "avg_ms": _round(entry.avg_response_time),
        "min_ms": _round(entry.min_response_time or 0),
        "max_ms": _round(entry.max_response_time),
        "p50_ms": entry.median_response_time,
        "p90_ms": entry.get_response_time_percentile(0.90),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "p999_ms": entry.get_response_time_percentile(0.999),
        "p9999_ms": entry.get_response_time_percentile(0.9999),
        "avg_size_bytes": _round(entry.avg_content_length),
        "latency_histogram": latency_histogram.to_json(latency_histogram.bins(entry.response_times)),
    }


def _profile_settings(profile: Profile, weights: dict[str, int]) -> dict[str, Any]:
    return {
        "users": profile.users,
        "spawn_rate": profile.spawn_rate,
        "rate": profile.rate,
        "run_time": profile.run_time,
        "run_time_s": profile.effective_run_time_s,
        "tags": list(profile.tags),
        "exclude_tags": list(profile.exclude_tags),
        "weights": weights,
        "stages": [
            {"duration": s.duration, "duration_s": s.duration_s, "users": s.users, "spawn_rate": s.spawn_rate}
            | ({} if s.rate is None else {"rate": s.rate})
            for s in profile.stages
        ],
        "ramp": profile.ramp.to_toml() if profile.ramp is not None else None,
        "chart_percentiles": list(profile.chart_percentiles),
    }


def figures(env: Environment) -> dict[str, Any]:
    """The summary's figures from Locust's stats: the Aggregated row, each endpoint's, the failures."""
    stats = env.stats
    return {
        "aggregated": _entry_dict(stats.total),
        "endpoints": [_entry_dict(entry) for entry in locust_stats.sort_stats(stats.entries)],
        "failures": [
            {
                "method": error.method or "",
                "name": error.name,
                "error": locust_stats.StatsError.parse_error(error.error),
                "occurrences": error.occurrences,
            }
            for error in locust_stats.sort_stats(stats.errors)
        ],
        "exceptions": sum(exc["count"] for exc in env.runner.exceptions.values()) if env.runner else 0,
    }


def with_status_codes(found: dict[str, Any], codes: dict[tuple[str, str], dict[str, int]]) -> dict[str, Any]:
    """Each endpoint's status codes (the most frequent first) next to its figures, and the total's."""
    total: dict[str, int] = {}
    for counts in codes.values():
        for status, count in counts.items():
            total[status] = total.get(status, 0) + count
    for endpoint in found["endpoints"]:
        counts = codes.get((endpoint["method"], endpoint["name"]), {})
        endpoint["status_codes"] = dict(sorted(counts.items(), key=lambda item: -item[1]))
    found["aggregated"]["status_codes"] = dict(sorted(total.items(), key=lambda item: -item[1]))
    return found


def build_summary(env: Environment, run: RunInfo) -> dict[str, Any]:
    """summary.json from the stopped Environment's stats."""
    return summary_mod.build(
        profile=run.profile.name,
        initial_profile=run.initial_profile.name,
        description=run.profile.description,
        locustfile=",".join(str(p) for p in run.locustfile.paths),
        host=run.host,
        demo_target=run.demo_target,
        started_at=run.started_at,
        ended_at=run.ended_at,
        end_reason=run.end_reason,
        **with_status_codes(figures(env), run.status_codes),
        settings=_profile_settings(run.profile, run.weights),
        switches=[
            {
                "at": summary_mod.iso_time(s.at),
                "elapsed_s": _round(s.elapsed_s, 1),
                "from": s.from_profile,
                "to": s.to_profile,
                "users": s.users,
                "spawn_rate": s.spawn_rate,
            }
            for s in run.switches
        ],
        host_stats=run.host_stats.to_dict(),
        watched=[
            {**w.to_dict(), "rss_series_mb": [round(v, 2) for v in _thin(w.rss_series, 300)]} for w in run.watched
        ],
        thresholds=run.profile.thresholds,
        baseline=run.profile.baseline,
        tolerance=run.profile.baseline_tolerance,
        workers_lost=run.workers_lost,
        target_outages=[o.to_dict() for o in run.target_outages],
        checkpoints=run.checkpoints,
        history_gaps=run.history_gaps,
        capacity=run.capacity.to_dict() if run.capacity is not None else None,
        rate=run.rate,
    )


def _thin(values: tuple[float, ...], most: int) -> list[float]:
    """At most ``most`` evenly spaced values (for the curves kept in summary.json)."""
    if len(values) <= most:
        return list(values)
    step = len(values) / most
    return [values[int(i * step)] for i in range(most)]


def locust_tables(env: Environment) -> list[str]:
    """Locust's own end-of-run tables: stats, percentiles, errors."""
    stats = env.stats
    # Locust sizes its Name column from the terminal it was imported in (0 inside an 80-column
    # app): a report file must not depend on that, so it fits the names themselves.
    longest = max((len(f"{e.name}") for e in stats.entries.values()), default=10)
    # (Locust's Name column is STATS_NAME_WIDTH - STATS_TYPE_WIDTH + 4 wide.)
    locust_stats.STATS_NAME_WIDTH = max(20, min(100, longest + locust_stats.STATS_TYPE_WIDTH - 3))
    lines = list(locust_stats.get_stats_summary(stats, current=False))
    lines.append("")
    if stats.total.num_requests:
        lines.extend(locust_stats.get_percentile_stats_summary(stats))
        lines.append("")
    if stats.errors:
        lines.extend(locust_stats.get_error_report_summary(stats))
        lines.append("")
    return lines


def summary_text(env: Environment, run: RunInfo, summary: dict[str, Any], folder: Path | None) -> str:
    """What a person reads at the end, in Locust's own table formats."""
    return summary_mod.text(summary, locust_tables(env), limits=run.profile.thresholds, folder=folder)


def run_folder_name(started_at: float, profile: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started_at))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", profile) or "run"
    return f"{stamp}-{safe}"


def _svg_chart(series: Sequence[tuple[float, ...]], width: int = 900, height: int = 180) -> str:
    """CPU and memory % over the run as an inline SVG (no script, no external asset)."""
    if len(series) < 2:
        return "<p>Not enough host samples for a chart.</p>"
    t0, t1 = series[0][0], series[-1][0]
    span = max(t1 - t0, 1e-9)

    def points(index: int) -> str:
        return " ".join(
            f"{(t - t0) / span * width:.1f},{height - min(max(row[index], 0.0), 100.0) / 100 * height:.1f}"
            for row in series
            for t in (row[0],)
        )

    grid = "".join(
        f'<line x1="0" x2="{width}" y1="{height - p / 100 * height:.0f}" y2="{height - p / 100 * height:.0f}" '
        f'stroke="#ddd"/><text x="2" y="{height - p / 100 * height - 2:.0f}" font-size="10">{p}%</text>'
        for p in (25, 50, 75, 100)
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" height="{height}" role="img" '
        f'aria-label="host CPU and memory over the run">{grid}'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{points(1)}"/>'
        f'<polyline fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 2" points="{points(2)}"/>'
        f'</svg><p><span style="color:#1f77b4">&#9473; CPU %</span> &nbsp; '
        f'<span style="color:#d62728">&#9476; memory %</span> &nbsp; over {human_duration(span)}</p>'
    )


def _svg_line(values: list[float], unit: str, width: int = 900, height: int = 140) -> str:
    """One series as an inline SVG polyline, scaled to its own range (for the watched RSS curves)."""
    if len(values) < 2:
        return "<p>Not enough samples for a chart.</p>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - (v - low) / span * (height - 10) - 5:.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" height="{height}" role="img" '
        f'aria-label="{unit} over the run">'
        f'<polyline fill="none" stroke="#9467bd" stroke-width="1.5" points="{points}"/></svg>'
        f"<p>from {low:.1f} to {high:.1f} {unit}</p>"
    )


def companion_section(summary: dict[str, Any], host_series: Sequence[tuple[float, ...]]) -> str:
    """What Locust's report lacks: the profile switches and the load generator's host over time."""
    esc = html.escape
    host = summary["host_stats"]
    rows = "".join(
        f"<tr><td>{esc(human_duration(s['elapsed_s']))}</td><td>{esc(s['at'])}</td><td>{esc(s['from'])}</td>"
        f"<td>{esc(s['to'])}</td><td>{s['users']}</td><td>{s['spawn_rate']:g}/s</td></tr>"
        for s in summary["switches"]
    )
    switches = (
        "<table><tr><th>after</th><th>at (UTC)</th><th>from</th><th>to</th><th>users</th><th>spawn rate</th></tr>"
        f"{rows}</table>"
        if rows
        else f"<p>No switch: the whole run used profile <b>{esc(summary['profile'])}</b>.</p>"
    )
    saturated = (
        '<p style="color:#b00"><b>Warning:</b> loadtui itself used over 90% of a CPU core at some point: '
        "the response times measured then include the load generator's own queueing.</p>"
        if host["generator_saturated"]
        else ""
    )
    watched = "".join(
        f"<h3>Watched: {esc(w['spec'])} ({esc(w['state'])})</h3><p>RSS {w['rss_mb']} MB, growth "
        f"{w['rss_growth_mb']} MB, slope {w['rss_slope_mb_per_min']} MB/min, CPU {w['cpu_percent']}%, "
        f"{w['threads']} threads, {w['connections']} connections</p>{_svg_line(w['rss_series_mb'], 'MB RSS')}"
        for w in summary.get("watched", [])
    )
    return f"""
    <section id="loadtui" style="font-family:sans-serif;max-width:1150px;margin:2em auto;padding:0 24px">
      <style>#loadtui table{{border-collapse:collapse}}#loadtui td,#loadtui th{{border:1px solid #ccc;
      padding:4px 8px;text-align:left}}</style>
      <h2>loadtui</h2>
      <p>Profile <b>{esc(summary["profile"])}</b> (started as <b>{esc(summary["initial_profile"])}</b>), ended:
      <b>{esc(summary["end_reason"])}</b>. Load generator host: CPU avg {host["cpu_percent"]["avg"]}% /
      peak {host["cpu_percent"]["peak"]}%, memory avg {host["mem_percent"]["avg"]}% / peak
      {host["mem_percent"]["peak"]}%, loadtui's own CPU peak {host["loadtui_cpu_percent"]["peak"]}%.</p>
      {saturated}
      {capacity_section(summary.get("capacity"))}
      {_rate_section(summary.get("rate"))}
      <h3>Profile switches</h3>
      {switches}
      <h3>Load generator host</h3>
      {_svg_chart(host_series)}
      {watched}
    </section>
"""


def capacity_section(capacity: Mapping[str, Any] | None) -> str:
    """The ramp to the limit: the capacity it found and every step, for report.html."""
    if not capacity:
        return ""
    esc = html.escape
    rates = capacity.get("of") == "rate"
    rows = "".join(
        f"<tr><td>{step['step']}</td>"
        + (f"<td>{step['rate']:g}/s</td>" if rates else "")
        + f"<td>{step['users']}</td><td>{step['rps']:,.1f}</td><td>{step['p95_ms']:,.0f}</td>"
        f"<td>{step['p99_ms']:,.0f}</td><td>{100 * step['fail_ratio']:.2f}%</td><td>{esc(step['state'])}</td>"
        f"<td>{esc(limit_text(Result.from_dict(step['limited_by'])) if step['limited_by'] else '')}"
        "</td></tr>"
        for step in capacity["steps"]
    )
    found = (
        f"<b>{esc(summary_mod.capacity_load(capacity))}</b>, {capacity['rps']:,.1f} req/s, "
        f"p95 {capacity['p95_ms']:,.0f} ms, "
        f"p99 {capacity['p99_ms']:,.0f} ms, {100 * capacity['fail_ratio']:.2f}% failed (step {capacity['step']})"
        if capacity.get("users") is not None
        else "<b>none</b>: no step passed"
    )
    outcome = esc(capacity["outcome"]) + (f": {esc(capacity['detail'])}" if capacity["detail"] else "")
    rate_head = "<th>rate asked</th>" if rates else ""
    return f"""<h3>Capacity (ramp to the limit)</h3>
      <p>Capacity: {found}. {outcome}.</p>
      <table><tr><th>step</th>{rate_head}<th>users</th><th>req/s</th><th>p95 ms</th><th>p99 ms</th>
      <th>failed</th><th>verdict</th><th>limited by</th></tr>{rows}</table>"""


def _rate_section(rate: Mapping[str, Any] | None) -> str:
    """The target rate and how it held, in words and figures (a mark and a word, never colour alone)."""
    if not rate:
        return ""
    esc = html.escape
    held = rate.get("held")
    verdict = (
        '<p style="color:#070"><b>&#10003; held</b>: the runs made are within '
        f"{rate.get('tolerance_pct', 5)}% of the runs asked for.</p>"
        if held
        else f'<p style="color:#b00"><b>&#10007; not held</b>: {esc(summary_mod.rate_short_text(rate))}.</p>'
    )
    target = f"{rate['target']:g}/s" if rate.get("target") else "(pacing ended by a switch)"
    cells = [
        ("target", target),
        ("achieved", f"{rate['achieved']:g}/s"),
        ("task runs asked / made", f"{rate['asked_runs']:,} / {rate['runs']:,}"),
        ("short while capped", f"{rate['shortfall_runs']:,} runs ({rate['shortfall_pct']}%)"),
        ("short overall", f"{rate['missed_pct']}%"),
        ("users (most used / cap)", f"{rate['users_max']} / {rate.get('cap') or '-'}"),
        (
            "cap reached",
            "never" if rate.get("cap_reached_at_s") is None else f"at {human_duration(rate['cap_reached_at_s'])}",
        ),
        ("paced for", human_duration(rate["paced_s"])),
    ]
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in cells)
    return f"<h3>Target rate</h3>{verdict}<table>{rows}</table>"


def _with_companion(report_html: str, section: str) -> str:
    marker = "</body>"
    at = report_html.rfind(marker)
    return report_html + section if at < 0 else report_html[:at] + section + report_html[at:]


def render(
    env: Environment, run: RunInfo, folder: Path | None, *, checkpoint: bool = False
) -> tuple[dict[str, Any], dict[str, FileText]]:
    """Every file's content, from one moment of the stats: (summary, {file name: text}).

    ``checkpoint``: what a running run's folder gets (:mod:`.checkpoint`): summary.json marked
    ``"incomplete": true`` and the CSVs; report.html and summary.txt (the costly ones with many
    names) wait for the end or :mod:`.recovery`, stats_history.csv and run.log are appended to."""
    summary = build_summary(env, run)
    if checkpoint:
        summary["incomplete"] = True
        return summary, {**stats_files(env), "summary.json": json.dumps(summary, indent=2) + "\n"}
    return summary, {
        **stats_files(env),
        "summary.json": json.dumps(summary, indent=2) + "\n",
        "summary.txt": summary_text(env, run, summary, folder),
        "report.html": html_report(env, summary, run.host_stats.series.rows),
        "stats_history.csv": run.history or Spliced(None, 0, csv_text([history_header()])),
        LOG_FILE: run.log_text,
    }


def stats_files(env: Environment) -> dict[str, str]:
    """stats.csv, failures.csv and exceptions.csv, by Locust's own row writers."""
    writer = locust_stats.StatsCSV(env, locust_stats.PERCENTILES_TO_REPORT)
    requests, failures, exceptions = _Rows(), _Rows(), _Rows()
    writer.requests_csv(requests)
    writer.failures_csv(failures)
    writer.exceptions_csv(exceptions)
    return {
        "stats.csv": csv_text(requests.rows),
        "failures.csv": csv_text(failures.rows),
        "exceptions.csv": csv_text(exceptions.rows),
    }


def html_report(env: Environment, summary: dict[str, Any], host_series: Sequence[tuple[float, ...]]) -> str:
    """Locust's own HTML report of ``env``, with loadtui's section before its end."""
    return _with_companion(get_html_report(env, show_download_link=False), companion_section(summary, host_series))


def make_folder(report_dir: Path, name: str) -> Path:
    """Creates ``report_dir/name`` (``name-2``... if taken) and returns it; OSError if it can't."""
    report_dir.mkdir(parents=True, exist_ok=True)
    folder, n = report_dir / name, 1
    while True:
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            n += 1
            folder = report_dir / f"{name}-{n}"


def write_files(folder: Path, files: Mapping[str, FileText], *, sync: bool = True) -> list[Path]:
    """Each file atomically, summary.json last: a run is listed by it, so it appears (or changes)
    only once the rest is there. OSError on the first that fails."""
    written = []
    for file_name in sorted(files, key=lambda f: f == "summary.json"):
        path = folder / file_name
        atomic_write(path, files[file_name], sync=sync)
        written.append(path)
    return written


def disk_error(exc: OSError, where: Path) -> str:
    """ "cannot write the report to PATH: REASON", the path the system named if it named one."""
    return f"cannot write the report to {exc.filename or where}: {exc.strerror or exc}"


def write_folder(
    report_dir: Path,
    name: str,
    summary: dict[str, Any],
    files_for: Callable[[Path], Mapping[str, FileText]],
    *,
    folder: Path | None = None,
) -> WrittenRun:
    """Writes ``files_for(folder)`` into ``folder`` when it is given and still there (the run's own,
    made at its start), else into a new ``report_dir/name``. Disk problems come back as
    ``WrittenRun.error``, never as an exception."""
    try:
        if folder is None or not folder.is_dir():
            folder = make_folder(report_dir, name)
        written = write_files(folder, files_for(folder))
    except OSError as exc:
        return WrittenRun(folder=None, files=(), summary=summary, error=disk_error(exc, report_dir))
    return WrittenRun(folder=folder, files=tuple(written), summary=summary)
