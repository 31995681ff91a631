"""A profile's ``stages`` as a Locust LoadTestShape: hold each stage's users for its duration."""

from __future__ import annotations

from collections.abc import Sequence

from locust.shape import LoadTestShape

from .profiles import Stage


class StagesShape(LoadTestShape):
    """Runs through ``stages`` in order; ``finished`` once the last has ended (the run completed)."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        super().__init__()
        self.stages = tuple(stages)
        self.finished = False

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        end = 0.0
        for stage in self.stages:
            end += stage.duration_s
            if elapsed < end:
                return (stage.users, stage.spawn_rate)
        self.finished = True
        return None
