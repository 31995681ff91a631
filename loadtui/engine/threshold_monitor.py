"""The profile's thresholds judged live, each tick, and the abort once a failing limit held for ``abort_on_fail``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import thresholds as thresholds_mod
from .durations import parse_duration
from .locust_rows import figures
from .watch import WatchedState

if TYPE_CHECKING:
    from locust.stats import RequestStats


def watch_figures(watched: Sequence[WatchedState]) -> dict[str, dict[str, float | None]]:
    return {w.spec: {"rss_growth_mb": w.growth_mb, "rss_slope_mb_per_min": w.slope_mb_per_min} for w in watched}


class ThresholdMonitor:
    """Judges ``limits`` on the run so far; says when the run should be aborted."""

    def __init__(self, limits: thresholds_mod.Thresholds) -> None:
        self.limits = limits
        self.results: tuple[thresholds_mod.Result, ...] = ()
        self._failing_since: float | None = None

    @property
    def verdict(self) -> str | None:
        return thresholds_mod.verdict(self.results) if self.limits else None

    def judge(self, stats: RequestStats, watched: Sequence[WatchedState]) -> thresholds_mod.Result | None:
        """Judges now; returns the failing result that has held for ``abort_on_fail``, if any."""
        limits = self.limits
        if not limits:
            self.results = ()
            return None
        patterns = [group.pattern for group in limits.endpoints]
        rows = [
            (entry.method or "", entry.name, figures(entry))
            for entry in list(stats.entries.values())
            if (entry.num_requests or entry.num_failures)
            and any(thresholds_mod.matches(p, entry.method or "", entry.name) for p in patterns)
        ]
        self.results = thresholds_mod.evaluate(limits, figures(stats.total), rows, watch_figures(watched))
        failing = [r for r in self.results if r.state == thresholds_mod.FAIL]
        if not failing or limits.abort_on_fail is None:
            self._failing_since = None
            return None
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._failing_since >= parse_duration(limits.abort_on_fail):
            return failing[0]
        return None
