"""Per-endpoint history at its bound: memory and time with 3000 names over a long run.

    .venv/bin/python bench/endpoint_history_memory.py               # 3000 names, 2 hours simulated
    .venv/bin/python bench/endpoint_history_memory.py --names 300 --hours 1

bench.py's case 7 measures the dashboard with 3000 names over 10 s runs: each endpoint's series
(:mod:`loadtui.engine.endpoint_history`) then holds a point or two, while over a long run it
fills to its share of ``POINTS_BUDGET`` and is thinned from then on. This drives the very objects
a run uses (Locust's ``RequestStats`` with real requests logged and its per-second counts trimmed,
loadtui's ``EndpointHistory`` and ``HistoryFile`` with a checkpoint every 5 s, as the session has
them) one tick a simulated
second, as fast as they go, until every series has been full and thinned twice over, and prints
this process's RSS and the history's own count of its bytes as it goes, and the time a tick's
``sample`` takes (the part of the app's refresh that grows with the run). ``--without`` runs the
same without per-endpoint history (the Aggregated row alone, as before it): the A of an A/B, to
run beside it. No network.
"""

# isort: off
import locust  # noqa: F401  gevent first, as in the app

# isort: on
import argparse
import gc
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from locust.stats import RequestStats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from loadtui.engine import endpoint_history
from loadtui.engine.endpoint_history import EndpointHistory
from loadtui.engine.history_file import HistoryFile
from loadtui.engine.locust_workarounds import drop_entry_caches, trim_per_second_counts

CHECKPOINT_EVERY = 5
"""Ticks between two checkpoints (the default ``--checkpoint-interval`` of 5 s)."""


class Env:
    """What EndpointHistory.sample reads of an Environment: the stats and the runner's users."""

    def __init__(self, stats: RequestStats) -> None:
        self.stats = stats
        self.runner = type("Runner", (), {"user_count": 100})()


def rss_mb() -> float:
    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def log_some(stats: RequestStats, names: list[str], rng: random.Random, count: int) -> None:
    """``count`` requests over random names, lognormal latencies around 40 ms, 1% failed."""
    for _ in range(count):
        name = names[rng.randrange(len(names))]
        ms = 40 * math.exp(0.7 * rng.gauss(0, 1))
        stats.log_request("GET", name, ms, 512)
        if rng.random() < 0.01:
            stats.log_error("GET", name, "HTTPError('503 Server Error')")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=3000)
    parser.add_argument("--hours", type=float, default=2.0, help="simulated run length (one tick a second)")
    parser.add_argument("--rps", type=int, default=2000, help="requests logged a simulated second")
    parser.add_argument(
        "--without", action="store_true", help="the same requests, no per-endpoint history: the A of an A/B"
    )
    args = parser.parse_args()

    rng = random.Random(7)
    names = [f"/api/item/{i}" for i in range(args.names)]
    stats = RequestStats()
    for name in names:  # every name seen once: the entries exist from the start
        stats.log_request("GET", name, 40.0, 512)
    drop_entry_caches(stats, (0, 0))  # as the session runs Locust's stats (no per-entry caches)
    env = Env(stats)
    history = EndpointHistory()
    file = HistoryFile()
    gc.collect()
    start_rss = rss_mb()
    ticks = int(args.hours * 3600)
    interval = history.interval(args.names)
    capacity = max(
        endpoint_history.MIN_POINTS, min(endpoint_history.MAX_POINTS, endpoint_history.POINTS_BUDGET // args.names)
    )
    print(
        f"{args.names} names, {ticks} ticks ({args.hours:g} h simulated), {args.rps} requests a second; an"
        f" endpoint's row every {interval} s, its series bounded at {capacity} points"
        f" (full after {capacity * interval / 60:.0f} min)"
    )
    print(f"RSS before the first tick: {start_rss:.1f} MB")
    print(
        "| simulated | RSS (MB) | growth (MB) | history nbytes (MB) | points a series (min-max)"
        " | sample p50 / p95 (ms) |"
    )
    print("|---|---|---|---|---|---|")
    t0 = 1_800_000_000.0
    times: list[float] = []
    peak = start_rss
    out = Path(tempfile.mkdtemp()) / "stats_history.csv"
    with out.open("w") as disk:
        size = 0
        trimmed_to = 0
        for tick in range(1, ticks + 1):
            log_some(stats, names, rng, args.rps)
            trimmed_to = trim_per_second_counts(stats, trimmed_to)  # as the session does each tick
            began = time.perf_counter()
            if args.without:  # only the Aggregated row a second, as before per-endpoint history
                rows = [endpoint_history.aggregated_row(stats.total, t0 + tick, 100)]
            else:
                rows = history.sample(env, t0 + tick)  # type: ignore[arg-type]
            times.append(time.perf_counter() - began)
            file.add(rows)
            if tick % CHECKPOINT_EVERY == 0:
                text, mark = file.pending()
                disk.write(text)
                size += len(text)
                file.written(mark, size)
            if tick % 300 == 0:
                peak = max(peak, rss_mb())
            if tick % (ticks // 8) == 0 or tick == ticks:
                gc.collect()
                now_rss = rss_mb()
                peak = max(peak, now_rss)
                lengths = [len(s) for s in (history.series((f"/api/item/{i}", "GET")) for i in range(args.names)) if s]
                lengths = lengths or [0]
                recent = sorted(times[-600:])
                p50 = statistics.median(recent) * 1000
                p95 = recent[int(0.95 * (len(recent) - 1))] * 1000
                print(
                    f"| {tick // 60} min | {now_rss:.1f} | {now_rss - start_rss:+.1f} | {history.nbytes / 1e6:.1f} |"
                    f" {min(lengths)}-{max(lengths)} | {p50:.1f} / {p95:.1f} |"
                )
    print(
        f"Peak RSS {peak:.1f} MB: {peak - start_rss:+.1f} MB over the start;"
        f" stats_history.csv {size / 1e6:.0f} MB on disk"
    )
    out.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
