"""Two Locust habits that cost long or wide runs memory and pauses, undone each tick (reasons measured).

Both are about data Locust keeps for every stats entry and never reads again. They are undone in
place on Locust's own objects, so what Locust does read stays exactly as it was (tests compare).
"""

from __future__ import annotations

from locust.stats import RequestStats


def drop_entry_caches(stats: RequestStats, checked: tuple[int, int]) -> tuple[int, int]:
    """Stops the per-endpoint response-time caches; the Aggregated row keeps its own.

    Locust copies every entry's response-time dict once a second and keeps 20 copies, for
    "current" percentiles; a master makes every entry that way whatever it is told
    (``on_worker_report``). loadtui reads current percentiles of the total only (as Locust's
    own web UI does), so with 3000 names the copies were 100,000 GC-tracked objects and 3000
    dict copies a second for nothing: each full garbage collection then paused the dashboard
    for 60-190 ms. Entries are checked again only when they were replaced or their number changed
    (``checked``, as returned by the previous call).
    """
    entries = stats.entries
    state = (id(entries), len(entries))
    if state == checked:
        return checked
    for entry in entries.values():
        if entry.use_response_times_cache:
            entry.use_response_times_cache = False
            entry.response_times_cache = None
    return state


PER_SECOND_KEPT = 30
"""Seconds of each entry's per-second request and failure counts kept: Locust reads the last 12
(``current_rps``, ``current_fail_per_sec``) and nothing older."""


def trim_per_second_counts(stats: RequestStats, trimmed_to: int) -> int:
    """Drops the per-second counts older than ``PER_SECOND_KEPT`` seconds; returns the new mark.

    Locust adds a key a second to two dicts of every entry and never removes one. The entries of
    a local runner or a master live for the whole run: 50 names grew the app by 9 MB in 30
    minutes (bench/ENDURANCE.md), 3000 names would by 500 MB. ``trimmed_to`` (0 at first) is
    the second below which all is already gone, so each tick pops about one second's keys.
    """
    total = stats.total
    if total.last_request_timestamp is None:
        return trimmed_to
    cutoff = int(total.last_request_timestamp) - PER_SECOND_KEPT
    start = trimmed_to or int(total.start_time)
    if cutoff <= start:
        return start
    scan = cutoff - start > 120  # a long gap (no requests for a while): scan the keys instead
    for entry in (*stats.entries.values(), total):
        for counts in (entry.num_reqs_per_sec, entry.num_fail_per_sec):
            for second in [t for t in counts if t < cutoff] if scan else range(start, cutoff):
                counts.pop(second, None)
    return cutoff


class LocustHousekeeping:
    """Runs both workarounds on a runner's stats each tick, remembering how far each got."""

    def __init__(self) -> None:
        self._checked = (0, 0)
        self._trimmed_to = 0

    def tidy(self, stats: RequestStats) -> None:
        self._checked = drop_entry_caches(stats, self._checked)
        self._trimmed_to = trim_per_second_counts(stats, self._trimmed_to)
