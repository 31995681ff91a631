"""Changing the load of a running test without losing its stats: users, stages, class weights, tags.

Everything goes through Locust's own runner: ``start()`` for a new user count, the runner's
``shape_worker`` for stages, the dispatcher's rebalance for new class weights. Two things are done
around Locust rather than through it, each for a reason measured in a test: a shape is started
without ``start_shape()`` (which sets the runner back to "ready", and the next ``start()`` then
clears every stat), and a master's ramp runs in a greenlet of its own (``MasterRunner.start()``
ramps in its caller, so a key press would wait for the whole ramp).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gevent
from locust import runners as locust_runners
from locust.shape import LoadTestShape

from .capacity import RampShape
from .locustfile import LoadedLocustfile
from .pacing import RatePacer, is_paced
from .profiles import Profile
from .session_contract import SessionError
from .shape import StagesShape
from .user_classes import TAGS_MESSAGE, UserClasses

if TYPE_CHECKING:
    from locust.env import Environment
    from locust.runners import LocalRunner, MasterRunner


class LiveControl:
    """The load of one run: started from a profile, changed by switches and +/- keys."""

    def __init__(
        self,
        env: Environment,
        runner: LocalRunner | MasterRunner,
        classes: UserClasses,
        locustfile: LoadedLocustfile,
        *,
        distributed: bool,
        pacer: RatePacer | None = None,
    ) -> None:
        self.env = env
        self.runner = runner
        self.classes = classes
        self.locustfile = locustfile
        self.distributed = distributed
        self.pacer = pacer
        """Holds a profile's ``rate``: it sets the users itself, up to the profile's (:mod:`.pacing`)."""
        self._ramp_greenlet: gevent.Greenlet | None = None

    # --- users and stages ------------------------------------------------------------------------

    def start_load(self, profile: Profile, ramp: RampShape | None = None) -> None:
        """Applies ``profile``'s users, or its stages, or ``ramp`` (its ramp to the limit), or its rate,
        or the locustfile's shape, keeping the stats. A profile without a rate gives the users back
        the locustfile's own wait_time."""
        self.stop_shape()
        if self.pacer is not None:
            if is_paced(profile):
                self.pacer.start(profile)  # its stages too: each stage's rate and most users
                return
            self.pacer.stop()
        shape: LoadTestShape | None = ramp
        if shape is None and profile.stages:
            shape = StagesShape(profile.stages)
        elif shape is None and self.locustfile.shape_classes:
            shape = self.locustfile.shape_classes[0]
        if shape is None:
            self.ramp(profile.users, profile.spawn_rate)
            return
        runner = self.runner
        self.env.shape_class = shape
        shape.runner = runner
        shape.reset_time()
        # Locust's start_shape() first sets the runner back to "ready", and its next start() then
        # clears all stats; running its shape_worker directly keeps the stats of a live switch.
        runner.shape_greenlet = runner.greenlet.spawn(runner.shape_worker)
        runner.shape_greenlet.link_exception(locust_runners.locust_exception_handler(self.env))

    def ramp(self, users: int, spawn_rate: float) -> None:
        runner = self.runner
        if not self.distributed:
            runner.start(users, spawn_rate)
        else:
            # MasterRunner.start() ramps in the caller (LocalRunner's hands it to a greenlet):
            # give it one, so that a key press never waits for a ramp.
            self.stop_ramp(block=True)
            runner.target_user_count = users
            self._ramp_greenlet = gevent.spawn(runner.start, users, spawn_rate)
        # Let the ramp take the new target now, so that the screen (and a caller) sees it at once.
        gevent.sleep(0)

    def stop_ramp(self, *, block: bool = False) -> None:
        if self._ramp_greenlet is not None:
            self._ramp_greenlet.kill(block=block)

    def stop_shape(self) -> None:
        runner = self.runner
        if runner.shape_greenlet is not None:
            runner.shape_greenlet.kill(block=True)
            runner.shape_greenlet = None
            runner.shape_last_tick = None
        self.env.shape_class = None

    @property
    def shaped(self) -> bool:
        return self.runner.shape_greenlet is not None

    def stages_completed(self) -> bool:
        """The run's stages (or the locustfile's shape) ran to their end."""
        shape = self.env.shape_class
        if isinstance(shape, StagesShape):
            return shape.finished
        if isinstance(shape, RampShape):
            return shape.search.done
        return shape is not None

    def change_users(self, delta: int, spawn_rate: float) -> tuple[int, str]:
        """(new target, message). Stages give way to manual control; a rate keeps its target and
        gets a new most users."""
        pacer = self.pacer
        if pacer is not None and pacer.active:
            pacer.set_cap(pacer.cap + delta)
            return pacer.users, f"Rate {pacer.target:g}/s: at most {pacer.cap} users (using {pacer.users})"
        message = ""
        if self.shaped:
            self.stop_shape()
            message = "Stages paused: users are under manual control now. "
        target = max(0, self.runner.target_user_count + delta)
        # A ramp at the profile's spawn rate, but never slower than the change itself per second,
        # so that +10 on a 1/s profile is not a ten-second wait.
        self.ramp(target, max(spawn_rate, float(abs(delta))))
        return target, f"{message}Users: {target}"

    def reset_stats(self) -> None:
        """Zeroes Locust's stats (as its web UI's reset does); the users keep running."""
        self.runner.stats.reset_all()
        self.runner.exceptions = {}

    # --- weights and tags ------------------------------------------------------------------------

    def apply_weights(self, profile: Profile) -> None:
        if self.classes.apply_weights(profile.weights):
            dispatcher = self.runner._users_dispatcher
            if dispatcher is not None:
                # Locust's own mechanism for redistributing users when workers come and go: it
                # recomputes the per-class split of the current users with the new weights.
                dispatcher._prepare_rebalance()

    def apply_tags(self, profile: Profile, *, fallback: Profile | None) -> str:
        """Filters the tasks for ``profile``'s tags, here and on the workers; returns a notice.

        A filter that leaves no class any task is refused (:class:`SessionError`), and ``fallback``'s
        filter (the running profile's) is put back."""
        empty = self.classes.filter_tags(profile.tags, profile.exclude_tags)
        if len(empty) == len(self.classes.classes):
            if fallback is not None:
                self.classes.filter_tags(fallback.tags, fallback.exclude_tags)
            else:
                self.classes.tasks.restore()
            raise SessionError(
                f"{profile.name}: no task in {self.locustfile.label} matches tags={list(profile.tags)}"
                f" exclude_tags={list(profile.exclude_tags)}"
            )
        env = self.env
        env.tags = list(profile.tags) or None
        env.exclude_tags = list(profile.exclude_tags) or None
        env._tasks_filtered = True  # Locust must not filter again on start: done here
        if env.parsed_options is not None:
            env.parsed_options.tags = env.tags
            env.parsed_options.exclude_tags = env.exclude_tags
        if self.distributed:
            self.runner.send_message(
                TAGS_MESSAGE, {"tags": list(profile.tags), "exclude_tags": list(profile.exclude_tags)}
            )
        return f"{', '.join(empty)}: no task left after tag filtering, not spawned" if empty else ""


def options_follow(options: Any, profile: Profile) -> None:
    """Keeps Locust's parsed_options telling the load in force (hooks may read it mid-run)."""
    if options is None:
        return
    options.num_users = profile.peak_users if profile.stages or profile.ramp else profile.users
    options.spawn_rate = profile.spawn_rate
    options.run_time = int(profile.effective_run_time_s) if profile.effective_run_time_s else None
