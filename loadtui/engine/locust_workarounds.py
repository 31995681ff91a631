"""Locust habits that cost long or wide runs memory or hang them, undone (reasons measured).

Three are about data Locust keeps and never reads again (per-entry caches, per-second counts, every
distinct failure message); they are undone in place on Locust's own objects, so what Locust does
read stays as it was (tests compare). The fourth gives HttpUser's requests a timeout.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from locust.stats import RequestStats, StatsError

logger = logging.getLogger(__name__)


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


DISTINCT_ERRORS = 1000
"""Distinct failure messages kept as they are; past this, messages are grouped (:func:`group_errors`)."""

OTHER_ERRORS = "other failures (more than {limit} distinct messages, grouped by loadtui)"

_VARYING = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # uuids
    r"|0x[0-9a-fA-F]+"  # addresses
    r"|\b\d{4,}\b"  # ids, timestamps (not status codes)
    r"|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b"  # hex ids, hashes
)


def error_pattern(error: object) -> str:
    """A failure message with what varies between occurrences (numbers, ids, uuids) as ``N``."""
    return _VARYING.sub("N", StatsError.parse_error(error))  # type: ignore[arg-type]


def group_errors(stats: RequestStats, limit: int = DISTINCT_ERRORS) -> bool:
    """Keeps Locust's failures table bounded when a target answers with a new message each time.

    Locust keeps one row per distinct (method, name, message) for ever: a target that puts an
    order number or a timestamp in its error answers 10,000 rows after 10,000 failures, and the
    table says nothing. Over ``limit`` rows, rows whose messages differ only in numbers and ids
    become one (``... order N rejected``); if there are still more than ``limit``, the rest of each
    endpoint's go into one "other failures" row. Occurrences are kept, so the failures add up to
    the failed requests as before. Returns whether anything was grouped.
    """
    errors = stats.errors
    if len(errors) <= limit:
        return False
    grouped: dict[str, StatsError] = {}
    for error in sorted(errors.values(), key=lambda e: e.first_seen or 0.0):
        message = error_pattern(error.error)
        key = StatsError.create_key(error.method, error.name, message)
        if key not in grouped and len(grouped) >= limit:
            message = OTHER_ERRORS.format(limit=limit)
            key = StatsError.create_key(error.method, error.name, message)
        into = grouped.get(key)
        if into is None:
            grouped[key] = StatsError(
                error.method, error.name, message, error.occurrences, error.first_seen, error.last_seen
            )
            continue
        into.occurrences += error.occurrences
        into.first_seen = min(filter(None, (into.first_seen, error.first_seen)), default=None)
        into.last_seen = max(filter(None, (into.last_seen, error.last_seen)), default=None)
    errors.clear()
    errors.update(grouped)
    return True


class LocustHousekeeping:
    """Runs the workarounds on a runner's stats each tick, remembering how far each got."""

    def __init__(self) -> None:
        self._checked = (0, 0)
        self._trimmed_to = 0
        self.errors_grouped = False
        """Set once failure messages had to be grouped (the run says so once)."""

    def tidy(self, stats: RequestStats) -> None:
        self._checked = drop_entry_caches(stats, self._checked)
        self._trimmed_to = trim_per_second_counts(stats, self._trimmed_to)
        if group_errors(stats) and not self.errors_grouped:
            self.errors_grouped = True
            logger.warning(
                "More than %d distinct failure messages: further ones are grouped, with the numbers and ids"
                " in them as N (every failure is still counted)",
                DISTINCT_ERRORS,
            )


def default_request_timeout(seconds: float) -> None:
    """Gives HttpUser's requests a timeout when the locustfile gives none.

    Locust's HttpSession (requests) waits for ever by default: a target that hangs holds every
    user in a request that never ends, and the report shows nothing of it. FastHttpUser times out
    after 60 s (its network_timeout); HttpUser now does too (``--request-timeout``). A timeout the
    locustfile passes, even None explicitly in a call, is left alone; 0 turns this off.
    """
    from locust.clients import HttpSession

    current = HttpSession.request
    # Only loadtui's own wrapper is taken off again: one a locustfile or plugin put on is kept.
    original = getattr(current, "_loadtui_wraps", current)
    if seconds <= 0:
        HttpSession.request = original  # type: ignore[method-assign]
        return

    @functools.wraps(original)
    def request(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        if "timeout" not in kwargs:
            kwargs["timeout"] = seconds
        return original(self, method, url, *args, **kwargs)

    request._loadtui_wraps = original  # type: ignore[attr-defined]
    HttpSession.request = request  # type: ignore[method-assign]
