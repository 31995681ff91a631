"""A latency distribution from Locust's own bucketed response times, in bins a person reads.

Locust keeps each entry's response times as {ms: requests}, rounded (exact below 100 ms, to 10 ms
below 1 s, to 100 ms below 10 s, to the second above). Those buckets are what the histogram
counts, so it agrees with every percentile Locust reports; the bins are 1-2-3-5-7 steps a decade,
which read the same live, in summary.json and in the past-runs screen.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

_STEPS = (1, 2, 3, 5, 7)
EDGES: tuple[float, ...] = (
    *(float(step * 10**decade) for decade in range(5) for step in _STEPS if step * 10**decade < 60_000),
    60_000.0,
)
"""Upper edges of the bins past the first (``[0, 1)``): 1, 2, 3, 5, 7, 10, 20 ... 50 000 ms,
then a minute; slower answers share the open last bin. (Locust counts whole milliseconds, so
no step between 1 and 2 could ever hold a request.)"""

Bin = tuple[float, float | None, int]
"""(from ms, to ms or None for the open last bin, requests in ``[from, to)``)."""


def bins(response_times: Mapping[int, int]) -> tuple[Bin, ...]:
    """The bins from the first with a request to the last with one (the empty ones between kept)."""
    counts = [0] * (len(EDGES) + 1)
    for ms, count in response_times.items():
        counts[bisect.bisect_right(EDGES, ms)] += count
    used = [i for i, count in enumerate(counts) if count]
    if not used:
        return ()
    lows = (0.0, *EDGES)
    return tuple((lows[i], EDGES[i] if i < len(EDGES) else None, counts[i]) for i in range(used[0], used[-1] + 1))


def to_json(histogram: Sequence[Bin]) -> list[list[float | int | None]]:
    """summary.json's ``latency_histogram``: ``[[from_ms, to_ms, requests], ...]``."""
    return [[low, high, count] for low, high, count in histogram]


def from_json(data: object) -> tuple[Bin, ...]:
    """What :func:`to_json` wrote, or () for anything else (an older or hand-edited summary)."""
    if not isinstance(data, list):
        return ()
    found: list[Bin] = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 3):
            return ()
        low, high, count = item
        if (
            not isinstance(low, int | float)
            or not isinstance(count, int)
            or not (high is None or isinstance(high, int | float))
        ):
            return ()
        found.append((float(low), None if high is None else float(high), count))
    return tuple(found)
