"""Locust's per-second counts are trimmed to what Locust reads, with Locust's own figures unchanged."""

from __future__ import annotations

# isort: off
import locust  # noqa: F401  gevent first

# isort: on
from locust.stats import RequestStats

from loadtui.engine.locust_workarounds import PER_SECOND_KEPT, trim_per_second_counts


def test_an_hour_of_counts_keeps_the_last_seconds_and_the_current_rates() -> None:
    stats = RequestStats(use_response_times_cache=False)
    start = 1_800_000_000
    stats.total.start_time = start
    mark = 0
    for second in range(3600):  # an hour at 1 s ticks, 3 names, a failure every 4th second
        now = start + second
        for name in ("/a", "/b", "/c"):
            entry = stats.get(name, "GET")
            for _ in range(5):
                entry._log_time_of_request(now)
                stats.total._log_time_of_request(now)
            if second % 4 == 0:  # what StatsEntry.log_error does, at this second
                for failed in (entry, stats.total):
                    failed.num_failures += 1
                    failed.num_fail_per_sec[now] += 1
            entry.num_requests += 5
            stats.total.num_requests += 5
        stats.total.last_request_timestamp = now
        if second in (600, 3599):
            rates = [(e.current_rps, e.current_fail_per_sec) for e in (*stats.entries.values(), stats.total)]
            before = {id(e): dict(e.num_reqs_per_sec) for e in stats.entries.values()}
        mark = trim_per_second_counts(stats, mark)
        if second in (600, 3599):
            # What Locust reads of them is the same after the trim.
            after = [(e.current_rps, e.current_fail_per_sec) for e in (*stats.entries.values(), stats.total)]
            assert after == rates and rates[0][0] == 5.0 and rates[0][1] > 0
            kept = {id(e): dict(e.num_reqs_per_sec) for e in stats.entries.values()}
            assert all(kept[k] == {t: n for t, n in before[k].items() if t >= now - PER_SECOND_KEPT} for k in kept)
    for entry in (*stats.entries.values(), stats.total):
        assert len(entry.num_reqs_per_sec) <= PER_SECOND_KEPT + 1
        assert len(entry.num_fail_per_sec) <= PER_SECOND_KEPT // 4 + 1
        assert min(entry.num_reqs_per_sec) >= start + 3599 - PER_SECOND_KEPT


def test_a_long_pause_is_caught_up_with_and_nothing_runs_before_the_first_request() -> None:
    stats = RequestStats(use_response_times_cache=False)
    assert trim_per_second_counts(stats, 0) == 0  # no request yet
    start = 1_800_000_000
    stats.total.start_time = start
    entry = stats.get("/a", "GET")
    for now in (start, start + 1, start + 5000, start + 5001):  # an hour and more without requests
        entry._log_time_of_request(now)
    stats.total.last_request_timestamp = start + 5001
    mark = trim_per_second_counts(stats, trim_per_second_counts(stats, 0))
    assert mark == start + 5001 - PER_SECOND_KEPT
    assert sorted(entry.num_reqs_per_sec) == [start + 5000, start + 5001]
