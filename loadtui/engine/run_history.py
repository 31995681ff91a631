"""A run over time: the bounded series the charts draw, the host's figures, and stats_history.csv's rows.

One :meth:`RunHistory.sample` per tick. The live series are bounded (thinned evenly when long, see
:mod:`.history`), so the screen's memory never grows with the run; so are each endpoint's
(:mod:`.endpoint_history`), whose rows go to stats_history.csv with the Aggregated row a second
and wait in memory only until a checkpoint has them on disk (:mod:`.history_file`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import reports
from .endpoint_history import EndpointHistory
from .history import DownsampledSeries
from .history_file import HistoryFile
from .host import HostSampler
from .snapshot import History, HostSample

if TYPE_CHECKING:
    from locust.env import Environment

HISTORY_POINTS = 1800
"""Points kept per live series: 30 minutes at one per second. The reports keep everything."""


class RunHistory:
    def __init__(
        self,
        points: int = HISTORY_POINTS,
        *,
        full_history: bool = False,
        chart_percentiles: tuple[float, ...] = (50.0, 95.0, 99.0),
    ) -> None:
        self.chart_percentiles = chart_percentiles
        self._series = DownsampledSeries(points)
        """Rows in History.COLUMNS order, one per tick, the run's past thinned when it is long."""
        self.endpoints = EndpointHistory(every_second=full_history, chart_percentiles=chart_percentiles)
        self.file = HistoryFile()
        """stats_history.csv: every endpoint's rows (in turns) and the Aggregated row, each tick."""
        self.ticks = 0
        """Ticks sampled so far."""
        self._sampler = HostSampler()
        self.host_sample: HostSample | None = None
        self.host_stats = reports.HostStats()

    def sample(self, env: Environment, *, host: bool = True) -> None:
        """Records this tick. ``host=False`` reuses the last host sample (CPU over a few ms reads ~0)."""
        runner = env.runner
        assert runner is not None
        total = runner.stats.total
        now = time.time()
        if host or self.host_sample is None:
            self.host_sample = self._sampler.sample()
            self.host_stats.add(self.host_sample)
        sample = self.host_sample
        current: dict[float, float] = {}
        for pct in {0.5, 0.95, 0.99, *(p / 100 for p in self.chart_percentiles)}:
            now_ms = total.get_current_response_time_percentile(pct)
            current[pct] = float(now_ms if now_ms is not None else total.get_response_time_percentile(pct))
        percentiles = [current[0.5], current[0.95], current[0.99]]
        self._series.append(
            (
                now,
                total.current_rps or 0.0,
                total.current_fail_per_sec or 0.0,
                *percentiles,
                runner.user_count,
                sample.cpu_percent,
                sample.mem_percent,
                *(current[p / 100] for p in self.chart_percentiles),
            )
        )
        self.file.add(self.endpoints.sample(env, now))
        self.ticks += 1

    def history(self) -> History:
        return History.from_rows(self._series, self.chart_percentiles)
