"""Watching the service under test: its CPU, memory, threads, files and connections, and leaks.

``--watch 1234`` follows one process; ``--watch uvicorn`` follows every process whose name (or
program in its command line) is ``uvicorn``, with their children, so a server and its workers
count as one. A watched process that exits or restarts is shown as such: it is the system under
test doing something worth seeing, not an error of loadtui.

The leak signal is the RSS slope in MB/min, fitted (least squares) over the steady part of the run
(after the first quarter of the samples, when the load has ramped up and caches have warmed), plus
the total growth from the first sample to the last.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psutil

from .history import DownsampledSeries

SERIES_POINTS = 1800
"""Samples kept per watched process: 30 minutes at one a second; older ones are merged pairwise."""


@dataclass(frozen=True, slots=True)
class WatchedState:
    """One watched spec at one moment (summed over its processes)."""

    spec: str
    state: str
    """``running``, ``not found`` (yet), ``exited``, or ``restarted`` (new PIDs appeared)."""
    pids: tuple[int, ...]
    cpu_percent: float
    rss: int
    threads: int
    open_files: int
    connections: int
    rss_series: tuple[float, ...] = ()
    """RSS in MB, oldest first (bounded)."""
    slope_mb_per_min: float | None = None
    growth_mb: float | None = None
    restarts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "state": self.state,
            "pids": list(self.pids),
            "cpu_percent": round(self.cpu_percent, 1),
            "rss_mb": round(self.rss / 2**20, 1),
            "threads": self.threads,
            "open_files": self.open_files,
            "connections": self.connections,
            "rss_slope_mb_per_min": None if self.slope_mb_per_min is None else round(self.slope_mb_per_min, 3),
            "rss_growth_mb": None if self.growth_mb is None else round(self.growth_mb, 2),
            "restarts": self.restarts,
        }


def slope_per_minute(times: Sequence[float], values: Sequence[float]) -> float | None:
    """Least-squares slope of ``values`` over ``times`` (seconds), per minute; None for < 3 points."""
    n = len(times)
    if n < 3:
        return None
    mean_t = sum(times) / n
    mean_v = sum(values) / n
    var = sum((t - mean_t) ** 2 for t in times)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values, strict=True))
    return 60.0 * cov / var


def steady_part(points: Sequence[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """The samples after the first quarter: ramp-up and warm-up excluded from the leak fit."""
    return list(points[len(points) // 4 :])


class ProcessWatch:
    """Follows one ``--watch`` spec: a PID, or a process name with its children."""

    def __init__(self, spec: str, *, series_points: int = SERIES_POINTS) -> None:
        self.spec = spec
        self.pid = int(spec) if spec.isdigit() else None
        self._procs: dict[int, psutil.Process] = {}
        self._seen_pids: set[int] = set()
        self._ever_found = False
        self.restarts = 0
        self._points = DownsampledSeries(series_points)
        """(time, RSS in MB)."""
        self.last: WatchedState | None = None

    def _find(self) -> list[psutil.Process]:
        if self.pid is not None:
            try:
                root = psutil.Process(self.pid)
            except psutil.Error:
                return []
            return [root, *self._children(root)]
        own = os.getpid()
        roots = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            if proc.pid == own:
                continue
            if _matches(self.spec, proc.info.get("name") or "", proc.info.get("cmdline") or []):
                roots.append(proc)
        found: dict[int, psutil.Process] = {}
        for root in roots:
            for proc in (root, *self._children(root)):
                found[proc.pid] = proc
        return list(found.values())

    @staticmethod
    def _children(proc: psutil.Process) -> list[psutil.Process]:
        try:
            return proc.children(recursive=True)
        except psutil.Error:
            return []

    def sample(self, now: float | None = None) -> WatchedState:
        now = time.time() if now is None else now
        current = {proc.pid: proc for proc in self._find()}
        # Keep the Process objects we already have: cpu_percent() measures since their last call.
        procs = {pid: self._procs.get(pid, proc) for pid, proc in current.items()}
        new_pids = set(procs) - self._seen_pids
        if self._ever_found and new_pids and not (set(procs) & set(self._procs)):
            self.restarts += 1  # all the old processes are gone and new ones are there
        cpu = 0.0
        rss = threads = files = conns = 0
        alive: dict[int, psutil.Process] = {}
        for pid, proc in procs.items():
            try:
                with proc.oneshot():
                    cpu += proc.cpu_percent(None) if pid in self._procs else _prime(proc)
                    rss += proc.memory_info().rss
                    threads += proc.num_threads()
                    files += _count(proc.open_files)
                    conns += _count(lambda p=proc: p.net_connections(kind="inet"))
                alive[pid] = proc
            except psutil.Error:
                continue
        self._procs = alive
        self._seen_pids |= set(alive)
        if alive:
            self._ever_found = True
            self._points.append((now, rss / 2**20))
        if alive:
            state = "restarted" if self.restarts else "running"
        else:
            state = "exited" if self._ever_found else "not found"
        points = self._points.rows
        steady = steady_part(points)
        slope = slope_per_minute([t for t, _ in steady], [v for _, v in steady])
        growth = points[-1][1] - points[0][1] if len(points) >= 2 else None
        self.last = WatchedState(
            spec=self.spec,
            state=state,
            pids=tuple(sorted(alive)),
            cpu_percent=cpu,
            rss=rss,
            threads=threads,
            open_files=files,
            connections=conns,
            rss_series=self._points.column(1),
            slope_mb_per_min=slope,
            growth_mb=growth,
            restarts=self.restarts,
        )
        return self.last


def _prime(proc: psutil.Process) -> float:
    proc.cpu_percent(None)  # the first call starts the measurement and returns 0.0
    return 0.0


def _count(call: Any) -> int:
    try:
        return len(call())
    except (psutil.Error, OSError):
        return 0  # another user's process: permission denied for its files/sockets


def _matches(spec: str, name: str, cmdline: Sequence[str]) -> bool:
    if name == spec:
        return True
    # `python -m uvicorn app:app`, `/usr/bin/gunicorn ...`: the program, or the module after -m.
    words = list(cmdline[:3])
    return any(os.path.basename(word) == spec for word in words if not word.startswith("-"))


@dataclass
class Watcher:
    """All the ``--watch`` specs of a run, sampled together each tick."""

    specs: Sequence[str]
    watches: list[ProcessWatch] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.watches = [ProcessWatch(spec) for spec in dict.fromkeys(self.specs)]

    def sample(self) -> tuple[WatchedState, ...]:
        now = time.time()
        return tuple(watch.sample(now) for watch in self.watches)
