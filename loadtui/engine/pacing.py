"""A target rate (the open model): ``rate = N`` task runs a second across all users, ``users`` the most
users it may take to get there.

Two parts, one per process kind:

- :class:`Pace` is what runs next to the users (in loadtui's own process, or in each worker): a
  ``wait_time`` put on every User class in place of the locustfile's, which paces each user at one
  task run every ``interval`` seconds (Locust's ``constant_pacing`` arithmetic, with the debt of a late
  run carried for at most one interval, so a slow run is made up for rather than lost) and counts the
  task runs it ends (a task run ends with a ``wait_time()`` call) and how long each took.
- :class:`RatePacer` is the control loop, on the master (or the only process), ticked once a second
  by the session: it reads the counts, picks the users the rate needs by Little's law on the
  measured task duration (never past the cap), sets the interval to ``users / rate`` so that the
  users together make the rate, and counts the shortfall: the task runs the target asked for that
  did not happen while the cap stopped it adding users (k6's dropped iterations).

In a distributed run the master sends the interval to the workers each tick (:data:`PACE_MESSAGE`,
so a worker that joins late is paced within a second) and the workers send their counts back with
each stats report (:data:`REPORT_KEY`), as :mod:`.status_codes` does.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from locust import TaskSet

from .profiles import Profile
from .snapshot import RateState

logger = logging.getLogger(__name__)

PACE_MESSAGE = "loadtui:pace"
"""Master -> loadtui worker: ``{"interval": seconds}`` to pace its users, ``{"interval": None}`` to give
them back the locustfile's own wait_time."""
REPORT_KEY = "loadtui_task_runs"
"""Where a worker's report to its master carries ``[task runs, seconds they took]`` since its last."""

UTILISATION = 0.5
"""The share of its interval a user should spend running its task. Each user starts one run every
``interval``; a run that takes longer falls behind (and makes up at most one interval). Against the
4 x 50 ms test server at 40/s and 70/s (half and 7/8 of its capacity), 0.5, 0.7 and 0.9 all held
within 1%; 0.5 used 8 and 14 users where 0.9 used 5 and 8. Half is headroom for response times
that spread wider than that server's (a run twice the mean still starts on time), paid for in users."""
FIRST_GUESS_S = 0.1
"""The task duration assumed before any run was measured (the first second's users)."""
HOLD_TOLERANCE = 0.05
"""A rate is held while the runs missed (while capped, and overall) stay within this share of the
runs asked for."""
WINDOW_TICKS = 5
"""Ticks the "achieved" rate and the mean task duration are averaged over (about 5 s): one second is
too noisy with workers, whose counts arrive with their stats reports."""
SHRINK_TICKS = 3
"""Ticks in a row the rate must need under half the users before extras are removed (no churn on noise)."""


def users_needed(rate: float, task_s: float, cap: int, utilisation: float = UTILISATION) -> int:
    """The users ``rate`` task runs a second of ``task_s`` seconds each need (Little's law: runs in
    flight = rate x duration), each busy ``utilisation`` of its time; at least 1, at most ``cap``."""
    return max(1, min(cap, math.ceil(rate * max(task_s, 0.0) / utilisation - 1e-9)))


def interval_for(users: int, rate: float) -> float:
    """Seconds between the starts of one user's runs, so that ``users`` of them make ``rate`` a second."""
    return max(users, 1) / rate


@dataclass(frozen=True)
class PacedStage:
    """One stage of a paced profile: ``rate`` with at most ``cap`` users, until ``until_s`` into the profile."""

    until_s: float
    rate: float
    cap: int


def paced_stages(profile: Profile) -> tuple[PacedStage, ...]:
    """The rate plan of ``profile``: one open-ended stage, or one per stage (its rate, else the profile's).

    Empty when the profile sets no rate anywhere (it is not paced)."""
    if not is_paced(profile):
        return ()
    if not profile.stages:
        assert profile.rate is not None
        return (PacedStage(math.inf, profile.rate, profile.users),)
    found, end = [], 0.0
    for stage in profile.stages:
        end += stage.duration_s
        rate = stage.rate if stage.rate is not None else profile.rate
        assert rate is not None  # the loader refuses a stage with no rate in a paced profile
        found.append(PacedStage(end, rate, stage.users))
    return tuple(found)


def is_paced(profile: Profile) -> bool:
    return profile.rate is not None or any(stage.rate is not None for stage in profile.stages)


# --- next to the users ------------------------------------------------------------------------------


class Pace:
    """The pacing ``wait_time`` of one process's User classes, and the task runs it counted."""

    def __init__(self, classes: Iterable[Any], *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.classes = list(classes)
        self._clock = clock
        self.interval: float | None = None
        """None: not pacing (the classes have the locustfile's own wait_time)."""
        self.runs = 0
        self.busy_s = 0.0
        self._saved: dict[Any, Any] = {}
        """Class -> its own ``wait_time`` as its __dict__ had it (:data:`_INHERITED` if it inherited one)."""
        self._generation = 0
        """Bumped each time pacing starts, so a user's state from an earlier pacing is not trusted."""

    def set_interval(self, interval: float | None) -> None:
        """Paces every user at one run per ``interval`` seconds from its next wait; None stops pacing."""
        if interval is None:
            self.restore()
            return
        if self.interval is None:
            self._install()
        self.interval = interval

    def _install(self) -> None:
        self._generation += 1
        wait = self._wait_time

        def paced(user: Any) -> float:
            return wait(user)

        for cls in self._holders():
            if cls not in self._saved:
                self._saved[cls] = cls.__dict__.get("wait_time", _INHERITED)
            cls.wait_time = paced

    def _holders(self) -> list[Any]:
        """Every User class, and every TaskSet under them with a wait_time of its own (it would win
        over the User's: Locust's TaskSet.wait_time only asks the User when it has none)."""
        found: list[Any] = []
        pending = list(self.classes)
        seen: set[int] = set()
        while pending:
            holder = pending.pop()
            if id(holder) in seen:
                continue
            seen.add(id(holder))
            if holder in self.classes or getattr(holder, "wait_time", None) is not TaskSet.wait_time:
                found.append(holder)
            pending.extend(
                t for t in (getattr(holder, "tasks", None) or []) if isinstance(t, type) and issubclass(t, TaskSet)
            )
        return found

    def restore(self) -> None:
        """The locustfile's own wait_time back on every class (from each user's next wait on)."""
        for cls, own in self._saved.items():
            if own is _INHERITED:
                if "wait_time" in cls.__dict__:
                    delattr(cls, "wait_time")
            else:
                cls.wait_time = own
        self._saved = {}
        self.interval = None

    def _wait_time(self, user: Any) -> float:
        """Called as a task run ends: counts it, and returns the wait until the user's next run is due."""
        now = self._clock()
        interval = self.interval or 0.0
        self.runs += 1
        state = getattr(user, "_loadtui_pace", None)
        if state is None or state[0] != self._generation:
            # Its first run under this pacing (how long it took is not known). Users spawned
            # together would run in step, a burst of them every interval: a random phase spreads them.
            due = now + random.random() * interval
        else:
            _, started, due = state
            self.busy_s += max(0.0, now - started)
        # Late (the run took longer than its interval): the next starts now, and at most one
        # interval of debt is carried, so a slow run is made up for but a stall is not a burst.
        next_due = max(due, now - interval) + interval
        user._loadtui_pace = (self._generation, max(due, now), next_due)
        return max(0.0, due - now)

    def take(self) -> tuple[int, float]:
        """(task runs, seconds they took) since the last take."""
        found = (self.runs, self.busy_s)
        self.runs, self.busy_s = 0, 0.0
        return found

    # --- a worker's share, from its master and back -----------------------------------------------------

    def serve_master(self, runner: Any, events: Any) -> None:
        """A worker's: paced as its master says, its counts sent with each stats report."""

        def on_pace(environment: Any, msg: Any, **_kw: Any) -> None:
            interval = msg.data.get("interval")
            self.set_interval(float(interval) if interval else None)

        def on_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
            runs, busy = self.take()
            data[REPORT_KEY] = [runs, busy]

        runner.register_message(PACE_MESSAGE, on_pace)
        events.report_to_master.add_listener(on_report)


_INHERITED = object()


class TaskRunCounts:
    """The task runs every worker reported (a master's :class:`Pace` has no users of its own)."""

    def __init__(self, *, paced: Callable[[], bool] = lambda: True) -> None:
        self.runs = 0
        self.busy_s = 0.0
        self._events: Any = None
        self._paced = paced
        """Whether a rate is paced now: only then is a worker that reports no task runs worth a word."""
        self.unpaced: set[str] = set()
        """Workers whose reports carry no task runs: plain ``locust --worker`` processes, which
        keep the locustfile's wait_time (each is said once, in the log)."""

    def take_worker_reports(self, events: Any) -> None:
        events.worker_report.add_listener(self._on_report)
        self._events = events

    def stop(self) -> None:
        if self._events is not None:
            self._events.worker_report.remove_listener(self._on_report)
            self._events = None

    def _on_report(self, client_id: str, data: dict[str, Any], **_kw: Any) -> None:
        found = data.get(REPORT_KEY)
        if found is None:
            if data.get("user_count") and client_id not in self.unpaced and self._paced():
                self.unpaced.add(client_id)
                logger.warning(
                    "Worker %s is not paced: it reports no task runs, as a plain `locust --worker` does. Its users"
                    " keep the locustfile's wait_time and the rate counts only the workers started with"
                    " `loadtui --worker`",
                    client_id,
                )
            return
        self.runs += int(found[0])
        self.busy_s += float(found[1])

    def take(self) -> tuple[int, float]:
        found = (self.runs, self.busy_s)
        self.runs, self.busy_s = 0, 0.0
        return found


# --- the control loop -------------------------------------------------------------------------------


@dataclass
class _Window:
    """One tick's figures, for the averages over :data:`WINDOW_TICKS`."""

    seconds: float
    runs: int
    busy_s: float


class RatePacer:
    """Holds a target rate with as few users as it takes, up to a cap; counts what it could not hold.

    ``pace(interval)`` paces the users (None: stop pacing), ``take()`` gives (task runs, seconds they
    took) since the last call, ``ramp(users, spawn_rate)`` sets the users. ``clock`` gives seconds into
    the run (what ``cap_reached_at`` is counted in).
    """

    def __init__(
        self,
        *,
        pace: Callable[[float | None], None],
        take: Callable[[], tuple[int, float]],
        ramp: Callable[[int, float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pace = pace
        self._take = take
        self._ramp = ramp
        self._clock = clock
        self._stages: tuple[PacedStage, ...] = ()
        self._stage_index = 0
        self._started = 0.0
        self._last = 0.0
        self._spawn_rate = 1.0
        self.target = 0.0
        """Task runs a second asked for now (0 when not pacing)."""
        self.cap = 0
        self.users = 0
        """The users the pacer asked for last."""
        self.wanted = 0
        """The users the rate needs by the last measure, before the cap: above ``cap`` means capped."""
        self._window: deque[_Window] = deque(maxlen=WINDOW_TICKS)
        self._shrink_ticks = 0
        # Over the whole run, across switches (what summary.json reports):
        self.paced_s = 0.0
        self.asked = 0.0
        """Task runs the target asked for while pacing."""
        self.runs = 0
        """Task runs counted while pacing."""
        self.shortfall = 0.0
        """Task runs asked for and not made while the cap kept the pacer from adding users."""
        self.capped_s = 0.0
        self.cap_reached_at: float | None = None
        """Seconds into the run of the first second the cap cost runs: more users wanted than allowed,
        and over 5% of that second's runs missed (None: never)."""
        self.users_max = 0
        self.ever = False
        self._ended = False

    @property
    def active(self) -> bool:
        return bool(self._stages)

    @property
    def capped(self) -> bool:
        return self.active and self.wanted > self.cap

    # --- starting, changing and stopping ---------------------------------------------------------------

    def start(self, profile: Profile) -> None:
        """Paces ``profile``'s rate (or its stages' rates) from now, up to its users."""
        stages = paced_stages(profile)
        if not stages:
            self.stop()
            return
        now = self._clock()
        if self.active:
            # From one rate to another: the old target's last second is the old target's, and the
            # task durations measured so far still tell how many users the new one needs.
            self._account(now)
        else:
            self._window.clear()
            self.users = 0  # whatever the runner has, the pacer sets its own count from here
        self._stages = stages
        self._stage_index = 0
        self._started = self._last = now
        self._spawn_rate = profile.spawn_rate
        self._shrink_ticks = 0
        self.ever = True
        self.target, self.cap = stages[0].rate, stages[0].cap
        self._decide()

    def set_rate(self, rate: float) -> None:
        """A new target while running (the users cap stays); the users follow at the next tick."""
        if not rate > 0:
            raise ValueError(f"a rate must be above 0, got {rate!r}")
        if not self.active:
            raise RuntimeError("not pacing: start a profile with a rate first")
        self._account(self._clock())
        self.target = float(rate)
        self._stages = tuple(
            PacedStage(stage.until_s, float(rate), stage.cap) if i == self._stage_index else stage
            for i, stage in enumerate(self._stages)
        )
        self._decide()

    def set_cap(self, cap: int) -> None:
        """A new most users (the +/- keys of a paced run)."""
        if not self.active:
            raise RuntimeError("not pacing")
        self.cap = max(1, cap)
        self._stages = tuple(
            PacedStage(stage.until_s, stage.rate, self.cap) if i == self._stage_index else stage
            for i, stage in enumerate(self._stages)
        )
        self._decide()

    def stop(self) -> None:
        """No more pacing: the locustfile's wait_time again (the users stay as they are)."""
        if self.active:
            self._account(self._clock())
        self._stages = ()
        self.target = 0.0
        self.cap = self.users = self.wanted = 0
        self._pace(None)

    def end(self) -> None:
        """The users are being stopped: the time paced ends now (the runs still to come, :meth:`settle`)."""
        if self.active and not self._ended:
            self._account(self._clock())
            self._ended = True

    def settle(self) -> None:
        """The task runs counted after :meth:`end` (a worker's last report, sent as it quits)."""
        if self._ended:
            runs, _ = self._take()
            self.runs += runs

    # --- each tick -------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Counts the last second, follows the stages, and picks the users and interval for the next."""
        if not self.active or self._ended:
            return
        now = self._clock()
        self._account(now)
        elapsed = now - self._started
        while self._stage_index < len(self._stages) - 1 and elapsed >= self._stages[self._stage_index].until_s:
            self._stage_index += 1
            stage = self._stages[self._stage_index]
            self.target, self.cap = stage.rate, stage.cap
        self._decide()

    def _account(self, now: float) -> None:
        """The runs since the last call set against what the target asked for in that time."""
        seconds = max(0.0, now - self._last)
        self._last = now
        runs, busy = self._take()
        asked = self.target * seconds
        self.paced_s += seconds
        self.asked += asked
        self.runs += runs
        if self.capped:
            self.capped_s += seconds
            self.shortfall += asked - runs
            if self.cap_reached_at is None and runs < (1 - HOLD_TOLERANCE) * asked:
                # The first second the cap cost runs (wanting more users than the cap, at half busy
                # each, is not yet missing any).
                self.cap_reached_at = now
        self._window.append(_Window(seconds, runs, busy))

    def _decide(self) -> None:
        runs = sum(w.runs for w in self._window)
        busy = sum(w.busy_s for w in self._window)
        task_s = busy / runs if runs else FIRST_GUESS_S
        self.wanted = users_needed(self.target, task_s, 10**9)
        users = min(self.wanted, self.cap)
        if users < self.users:
            # Fewer only when the rate needs under half of them for a while: no churn on noise.
            self._shrink_ticks = self._shrink_ticks + 1 if users <= self.users / 2 else 0
            if self._shrink_ticks < SHRINK_TICKS and self.users <= self.cap:
                users = self.users
            else:
                self._shrink_ticks = 0
        self._set_users(users)

    def _set_users(self, users: int) -> None:
        if users != self.users:
            delta = abs(users - self.users)
            self.users = users
            # At once, as the +/- keys do: a pacer that waits for a slow ramp misses its rate meanwhile.
            self._ramp(users, max(self._spawn_rate, float(delta)))
        self.users_max = max(self.users_max, users)
        self._pace(interval_for(users, self.target))

    # --- what it says ------------------------------------------------------------------------------------

    def achieved(self) -> float:
        """Task runs a second over the last few ticks."""
        seconds = sum(w.seconds for w in self._window)
        return sum(w.runs for w in self._window) / seconds if seconds > 0 else 0.0

    @property
    def shortfall_runs(self) -> int:
        return max(0, round(self.shortfall))

    @property
    def shortfall_ratio(self) -> float:
        return self.shortfall_runs / self.asked if self.asked > 0 else 0.0

    @property
    def missed_ratio(self) -> float:
        """The runs asked for and not made, whatever the reason (the users ramping, a busy load generator)."""
        return max(0.0, self.asked - self.runs) / self.asked if self.asked > 0 else 0.0

    @property
    def held(self) -> bool:
        """Within :data:`HOLD_TOLERANCE` of the runs asked for, over the whole time paced."""
        return max(self.shortfall_ratio, self.missed_ratio) <= HOLD_TOLERANCE

    def state(self) -> RateState | None:
        """For the snapshot: None when the run never paced."""
        if not self.ever:
            return None
        return RateState(
            target=self.target,
            achieved=self.achieved() if self.active else 0.0,
            users=self.users,
            cap=self.cap,
            capped=self.capped,
            held=self.held,
            active=self.active,
            asked_runs=round(self.asked),
            runs=self.runs,
            missed_ratio=self.missed_ratio,
            shortfall_runs=self.shortfall_runs,
            shortfall_ratio=self.shortfall_ratio,
            cap_reached_at_s=self.cap_reached_at,
        )

    def to_dict(self) -> dict[str, Any] | None:
        """summary.json's ``rate``: None when the run never paced."""
        if not self.ever:
            return None
        return {
            "target": self.target if self.active else None,
            "achieved": round(self.runs / self.paced_s, 2) if self.paced_s > 0 else 0.0,
            "held": self.held,
            "asked_runs": round(self.asked),
            "runs": self.runs,
            "shortfall_runs": self.shortfall_runs,
            "shortfall_pct": round(100 * self.shortfall_ratio, 1),
            "missed_pct": round(100 * self.missed_ratio, 1),
            "users_max": self.users_max,
            "cap": self.cap if self.active else None,
            "cap_reached_at_s": None if self.cap_reached_at is None else round(self.cap_reached_at, 1),
            "capped_s": round(self.capped_s, 1),
            "paced_s": round(self.paced_s, 1),
            "tolerance_pct": round(100 * HOLD_TOLERANCE, 1),
        }
