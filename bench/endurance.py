"""Does loadtui's memory stay flat over a long run at steady load? (issue 7's endurance run)

    .venv/bin/python bench/endurance.py                  # 30 minutes, prints the table
    .venv/bin/python bench/endurance.py --minutes 5      # a quick look
    .venv/bin/python bench/endurance.py --write          # and writes bench/ENDURANCE.md

The whole app runs on a pseudo-terminal, as over SSH, with its default layout: the dashboard in
one process, the users in one Locust worker process. The load is ``steady_locustfile.py``: 400
requests/s over 50 names with a few failures, against nginx on loopback (or the demo target).
Every 5 s the RSS of the app process and of its worker is sampled, and the app's CPU use; the
table gives them per minute mark (CPU: the mean over the minute before it), then the growth and
fitted slope after the first five minutes, when every name and response-time bucket has been seen
and the stats have stopped growing, and over the last ten. Only 127.0.0.1 is contacted.
"""

# isort: off
import locust  # noqa: F401  gevent must patch the process before anything imports ssl

# isort: on
import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import HERE, _summary, on_pty, target, write_results

LOCUSTFILE = HERE / "steady_locustfile.py"
USERS = 20
SAMPLE_SECONDS = 5.0
SETTLE_MINUTES = 5.0


def _profiles(directory: Path, url: str) -> Path:
    path = directory / "profiles.toml"
    path.write_text(
        f'[defaults]\nlocustfile = "{LOCUSTFILE}"\nhost = "{url}"\nreport_dir = "{directory / "reports"}"\n\n'
        f"[profiles.steady]\nusers = {USERS}\nspawn_rate = {USERS}\n"
    )
    return path


def _rss_mb(process: psutil.Process) -> float:
    with contextlib.suppress(psutil.Error):
        return float(process.memory_info().rss) / 2**20
    return float("nan")


def run(url: str, minutes: float) -> tuple[list[tuple[float, float, float, float]], dict[str, object]]:
    """(elapsed s, app RSS MB, worker RSS MB, app CPU %) samples, and the run's summary.json."""
    samples: list[tuple[float, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="loadtui-endurance-") as tmp:
        profiles = _profiles(Path(tmp), url)
        driver, app = on_pty(Path(tmp), profiles, "steady", int(minutes * 60))
        started = time.monotonic()
        next_print = 60.0
        while driver.poll() is None:
            time.sleep(SAMPLE_SECONDS)
            with contextlib.suppress(psutil.Error):
                children = app.children()
                worker = _rss_mb(children[0]) if children else float("nan")
                elapsed = time.monotonic() - started
                if elapsed <= minutes * 60:
                    samples.append((elapsed, _rss_mb(app), worker, app.cpu_percent(None)))
                if elapsed >= next_print:
                    line = f"  {elapsed / 60:4.1f} min: app {samples[-1][1]:.1f} MB, worker {worker:.1f} MB"
                    print(line, file=sys.stderr)
                    next_print += 60
        return samples, _summary(Path(tmp))


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    xs = [t / 60 for t, _ in points]
    ys = [v for _, v in points]
    return float(statistics.linear_regression(xs, ys).slope)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--write", action="store_true", help="also write bench/ENDURANCE.md")
    args = parser.parse_args()
    with target() as (url, what):
        print(f"target: {what} at {url}", file=sys.stderr)
        samples, summary = run(url, args.minutes)
    totals = summary["totals"]
    assert isinstance(totals, dict)
    marks = sorted({1, 2, 5, 10, 15, 20, 25, 30, int(args.minutes)} & set(range(1, int(args.minutes) + 1)))
    rows = []
    for mark in marks:
        at = min(samples, key=lambda s: abs(s[0] - mark * 60))
        cpu = statistics.mean(s[3] for s in samples if mark * 60 - 60 < s[0] <= at[0])
        rows.append(f"| {mark} | {at[1]:.1f} | {at[2]:.1f} | {cpu:.0f} |")
    settled = [s for s in samples if s[0] >= SETTLE_MINUTES * 60] or samples
    last = [s for s in samples if s[0] >= samples[-1][0] - 600] or samples
    lines = [
        f"Target: {what}. {USERS} users at 20 requests/s each over 50 names, the dashboard on a pty "
        f"(120x40), the users in one worker process; RSS sampled every {SAMPLE_SECONDS:.0f} s.",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores.",
        f"Run: {args.minutes:g} minutes, {totals['requests']:,} requests ({totals['rps']:.0f}/s), "
        f"{totals['failures']:,} failures, {len(summary['endpoints'])} names.",  # type: ignore[arg-type]
        "",
        "| minute | app RSS (MB) | worker RSS (MB) | app CPU (%) |",
        "|---|---|---|---|",
        *rows,
        "",
        f"After minute {SETTLE_MINUTES:g}: app {settled[0][1]:.1f} -> {settled[-1][1]:.1f} MB "
        f"(slope {slope_mb_per_min([(s[0], s[1]) for s in settled]):+.3f} MB/min), "
        f"worker {settled[0][2]:.1f} -> {settled[-1][2]:.1f} MB "
        f"(slope {slope_mb_per_min([(s[0], s[2]) for s in settled]):+.3f} MB/min); "
        f"peak app {max(s[1] for s in samples):.1f} MB.",
        "",
        f"Last {(last[-1][0] - last[0][0]) / 60:.0f} minutes: app {last[0][1]:.1f} -> {last[-1][1]:.1f} MB "
        f"(slope {slope_mb_per_min([(s[0], s[1]) for s in last]):+.3f} MB/min), "
        f"worker {last[0][2]:.1f} -> {last[-1][2]:.1f} MB.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_results(
            HERE / "ENDURANCE.md",
            "# Endurance run\n\n"
            f"Run on {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/endurance.py --minutes {args.minutes:g} "
            f"--write`.\n\n{text}\n",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
