"""Host sampling with psutil: this machine's CPU and memory, and loadtui's own CPU.

A load generator that is itself out of CPU measures its own queueing, not the target: the
process's CPU is what tells a person the numbers have stopped being trustworthy.
"""

from __future__ import annotations

import os
import time

import psutil

from .snapshot import HostSample


class HostSampler:
    """Call :meth:`sample` once per tick; CPU percentages are over the time since the last call."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._cpu_count = psutil.cpu_count() or 1
        # The first cpu_percent(None) call returns 0.0 and starts the interval: prime them now.
        psutil.cpu_percent(percpu=True)
        self._process.cpu_percent(None)
        self.last: HostSample | None = None

    def sample(self) -> HostSample:
        per_core = tuple(psutil.cpu_percent(percpu=True))
        total = sum(per_core) / len(per_core) if per_core else 0.0
        mem = psutil.virtual_memory()
        swap = psutil.swap_memory()
        try:
            load = os.getloadavg()
        except OSError:  # not available on this platform
            load = (0.0, 0.0, 0.0)
        with self._process.oneshot():
            proc_cpu = self._process.cpu_percent(None)
            rss = self._process.memory_info().rss
        self.last = HostSample(
            time=time.time(),
            cpu_percent=total,
            cpu_per_core=per_core,
            mem_used=mem.total - mem.available,
            mem_total=mem.total,
            swap_used=swap.used,
            swap_total=swap.total,
            load_avg=(load[0], load[1], load[2]),
            process_cpu_percent=proc_cpu,
            process_rss=rss,
            cpu_count=self._cpu_count,
        )
        return self.last
