"""Ramp to the limit: step the users up, judge each step on its own window, find the capacity.

A profile's ``ramp = { start = 2, step = 4, every = "30s", max = 500 }`` runs ``start`` users, then
``step`` more every ``every``. A step's users start first (not judged), then settle (``settle``,
a fifth of ``every`` unless given; not judged either: the new users' first requests), and the
rest of the step is its window. The window's figures are differences of Locust's cumulative
stats (counts, summed times and the bucketed response times Locust keeps, on a master summed
from its workers), so they are the figures of that window alone, judged by the profile's
thresholds at their fail levels (warn levels are shown). The first step that fails ends the run;
the one before it is the capacity. Every step passing up to ``max`` ends the run there too.

The users change through a Locust LoadTestShape (:class:`RampShape`), so that the ramp runs as
stages do, in one process or on workers, and +/- keys pause it the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from locust.shape import LoadTestShape
from locust.stats import calculate_response_time_percentile, diff_response_time_dicts

from . import thresholds as thresholds_mod
from .profiles import Ramp
from .snapshot import JUDGED_STATES, Capacity, CapacityStep
from .thresholds import Figures, Result, Thresholds

if TYPE_CHECKING:
    from locust.stats import RequestStats, StatsEntry

logger = logging.getLogger(__name__)

STALLED_STEPS = 2.0
"""A step whose users are not all running after this many ``every`` is judged with the users it
has (the load generator, not the target, is then the limit: the step says how many ran)."""


@dataclass(frozen=True, slots=True)
class Mark:
    """One stats entry's cumulative figures at the moment a window opened."""

    requests: int
    failures: int
    total_ms: float
    response_times: dict[int, int]


ZERO = Mark(0, 0, 0.0, {})


def mark(entry: StatsEntry) -> Mark:
    return Mark(entry.num_requests, entry.num_failures, entry.total_response_time, dict(entry.response_times))


def window_figures(entry: StatsEntry, since: Mark, seconds: float) -> Figures:
    """The figures of what ``entry`` logged since ``since`` was taken, over ``seconds``."""
    requests = entry.num_requests - since.requests
    times = diff_response_time_dicts(entry.response_times, since.response_times)
    timed = sum(times.values())

    def percentile(percent: float) -> float:
        return float(calculate_response_time_percentile(times, timed, percent)) if timed else 0.0

    return Figures(
        requests=requests,
        failures=entry.num_failures - since.failures,
        rps=requests / seconds if seconds > 0 else 0.0,
        avg_ms=(entry.total_response_time - since.total_ms) / timed if timed else 0.0,
        max_ms=float(max(times)) if times else 0.0,
        p50_ms=percentile(0.5),
        p90_ms=percentile(0.9),
        p95_ms=percentile(0.95),
        p99_ms=percentile(0.99),
    )


def step_limits(limits: Thresholds) -> Thresholds:
    """The thresholds a step is judged by: all but the leak signals of watched processes (which
    judge a whole run) and without an early abort (the ramp ends at the first failing step)."""
    overall = {m: limit for m, limit in limits.overall.items() if m not in thresholds_mod.WATCH_METRICS}
    return Thresholds(overall=overall, endpoints=limits.endpoints)


def overshoot(result: Result) -> float:
    """How far past its fail limit a result is, as a ratio (what picks the limiting threshold)."""
    observed = result.observed or 0.0
    fail = result.limit.fail
    if result.metric in (*thresholds_mod.LOWER_METRICS, "rate"):
        return fail / observed if observed > 0 else float("inf")
    return observed / fail if fail > 0 else float("inf")


class Window:
    """The judged part of one step: the marks it opened with, judged at any moment since."""

    def __init__(self, stats: RequestStats, limits: Thresholds, opened_at: float) -> None:
        self.limits = limits
        self.opened_at = opened_at
        self.patterns = [group.pattern for group in limits.endpoints]
        self.total = mark(stats.total)
        self.entries = {key: mark(entry) for key, entry in list(stats.entries.items()) if self._judged(entry)}

    def _judged(self, entry: StatsEntry) -> bool:
        return any(thresholds_mod.matches(p, entry.method or "", entry.name) for p in self.patterns)

    def judge(self, stats: RequestStats, now: float) -> tuple[Figures, tuple[Result, ...]]:
        seconds = max(0.0, now - self.opened_at)
        overall = window_figures(stats.total, self.total, seconds)
        rows = []
        if self.patterns:
            for key, entry in list(stats.entries.items()):
                if not self._judged(entry):
                    continue
                figures = window_figures(entry, self.entries.get(key, ZERO), seconds)
                if figures.requests or figures.failures:
                    rows.append((entry.method or "", entry.name, figures))
        results = thresholds_mod.evaluate(self.limits, overall, rows)
        if overall.requests == 0:
            # Nothing answered in the whole window (every user stuck waiting): the target did not
            # take this load, whatever a ratio of nothing says.
            nothing = Result("requests", "overall", thresholds_mod.Limit(fail=1.0), 0.0, thresholds_mod.FAIL)
            results = (nothing, *results)
        return overall, results


HOLD_TOLERANCE = 0.05
"""A step of a ramp of the rate fails when more than this share of the task runs it asked for did
not happen (as :data:`.pacing.HOLD_TOLERANCE` judges a whole run's rate)."""


class RateControl(Protocol):
    """What a ramp of the rate needs of the pacer that holds it (:class:`.pacing.RatePacer`)."""

    asked: float
    """Task runs asked for so far."""
    runs: int
    """Task runs made so far."""
    users: int

    def set_rate(self, rate: float) -> None: ...


class CapacitySearch:
    """One ramp to the limit, ticked by the session each second with Locust's stats.

    A ramp of users changes them through :attr:`shape`; a ramp of the rate through ``pacer``
    (started by the session at the first step's rate), which adds users as the rate needs them:
    its steps are judged from their start (plus ``settle``), and a step whose rate was not held
    (the pacer at its cap, or the load generator short) fails as a threshold would."""

    def __init__(
        self,
        ramp: Ramp,
        limits: Thresholds,
        spawn_rate: float,
        *,
        now: float,
        elapsed_s: float,
        pacer: RateControl | None = None,
    ) -> None:
        if ramp.of_rate and pacer is None:
            raise ValueError("a ramp of the rate needs the pacer that holds it")
        self.ramp = ramp
        self.limits = step_limits(limits)
        self.steps: list[CapacityStep] = []
        self.outcome = "searching"
        self.detail = ""
        self.pacer = pacer if ramp.of_rate else None
        self.shape = None if ramp.of_rate else RampShape(self, spawn_rate)
        self._window: Window | None = None
        self._ready_at: float | None = None
        self._runs_mark = (0.0, 0)
        self._begin_step(0, now, elapsed_s)

    # --- what the shape and the session read ---------------------------------------------------

    @property
    def users(self) -> int:
        """The users the current step asks for (a ramp of users)."""
        return self.steps[-1].users

    @property
    def done(self) -> bool:
        return self.outcome != "searching"

    def state(self) -> Capacity:
        return Capacity(steps=tuple(self.steps), outcome=self.outcome, detail=self.detail, ramp=self.ramp.to_toml())

    @property
    def results(self) -> tuple[Result, ...]:
        """The thresholds as the current step's window judges them (the last judged step's
        before a window opens): what the thresholds panel shows during a ramp."""
        for step in reversed(self.steps):
            if step.results:
                return step.results
        return ()

    # --- the steps -------------------------------------------------------------------------------

    def _begin_step(self, index: int, now: float, elapsed_s: float) -> None:
        level = self.ramp.level_at(index)
        self._step_began = now
        self._ready_at = None
        self._window = None
        if self.pacer is None:
            self.steps.append(CapacityStep(number=index + 1, users=int(level), started_s=elapsed_s, state="starting"))
            return
        if index:
            self.pacer.set_rate(level)  # the first step's rate is the one the pacer starts with
        self._ready_at = now  # no users to wait for: the pacer adds them as the rate needs them
        step = CapacityStep(number=index + 1, users=self.pacer.users, started_s=elapsed_s, state="settling", rate=level)
        self.steps.append(step)

    def _update(self, **changes: object) -> None:
        self.steps[-1] = replace(self.steps[-1], **changes)  # type: ignore[arg-type]

    def tick(self, stats: RequestStats, user_count: int, now: float, elapsed_s: float) -> None:
        if self.done:
            return
        step = self.steps[-1]
        every = self.ramp.every_s
        if self._ready_at is None:
            stalled = now - self._step_began >= STALLED_STEPS * every
            if user_count >= step.users or stalled:
                self._ready_at = now
                self._update(state="settling", users_running=user_count)
                if stalled:
                    logger.warning(
                        "Ramp step %d: only %d of %d users started in %.0f s; judging it with those",
                        step.number, user_count, step.users, now - self._step_began,
                    )  # fmt: skip
        if self._window is None and self._ready_at is not None and now - self._ready_at >= self.ramp.settle_s:
            self._window = Window(stats, self.limits, now)
            if self.pacer is not None:
                self._runs_mark = (self.pacer.asked, self.pacer.runs)
            self._update(state="judging", users_running=min(user_count, step.users))
            return
        window = self._window
        if window is None:
            return
        figures, results = window.judge(stats, now)
        seconds = now - window.opened_at
        changes: dict[str, object] = {}
        if self.pacer is not None:
            held, achieved = self._rate_held(step, seconds)
            results = (*results, held) if held is not None else results
            changes = {"achieved": achieved, "users": max(step.users, self.pacer.users)}
        self._update(
            window_s=seconds,
            requests=figures.requests,
            failures=figures.failures,
            rps=figures.rps,
            p95_ms=figures.p95_ms,
            p99_ms=figures.p99_ms,
            users_running=user_count if self.pacer is not None else min(step.users_running or user_count, user_count),
            results=results,
            **changes,
        )
        # At least half of what a step can judge, even when its users took long to start.
        least = (every - self.ramp.settle_s) / 2
        if now - self._step_began >= every and seconds >= least:
            self._close(results, now, elapsed_s)

    def _rate_held(self, step: CapacityStep, seconds: float) -> tuple[Result | None, float]:
        """(a failing result when the window's task runs fell short of its rate, the runs a second made)."""
        assert self.pacer is not None and step.rate is not None
        asked = self.pacer.asked - self._runs_mark[0]
        runs = self.pacer.runs - self._runs_mark[1]
        achieved = runs / seconds if seconds > 0 else 0.0
        if asked <= 0 or (asked - runs) / asked <= HOLD_TOLERANCE:
            return None, achieved
        limit = thresholds_mod.Limit(fail=step.rate)
        return Result("rate", "overall", limit, achieved, thresholds_mod.FAIL), achieved

    def _close(self, results: tuple[Result, ...], now: float, elapsed_s: float) -> None:
        failing = [r for r in results if r.state == thresholds_mod.FAIL]
        verdict = thresholds_mod.verdict(results)
        step = self.steps[-1]
        limited_by = max(failing, key=overshoot) if failing else None
        self._update(state=verdict, limited_by=limited_by)
        logger.info(
            "Ramp step %d: %s, %.1f req/s, p95 %.0f ms, p99 %.0f ms, %d of %d failed: %s%s",
            step.number, step.load, step.rps, step.p95_ms, step.p99_ms, step.failures, step.requests, verdict,
            f" ({thresholds_mod.limit_text(limited_by)})" if limited_by else "",
        )  # fmt: skip
        level = step.rate if step.rate is not None else step.users
        if limited_by is not None:
            self.outcome = "limit found" if len(self.steps) > 1 else "no step passed"
            self.detail = f"limited by {thresholds_mod.limit_text(limited_by)} at {step.load} (step {step.number})"
        elif level >= self.ramp.max:
            self.outcome = "max reached"
            self.detail = f"every step passed up to the ramp's max of {self.ramp.amount(self.ramp.max)}"
        else:
            self._begin_step(len(self.steps), now, elapsed_s)

    def interrupt(self, why: str) -> None:
        """The ramp was left before it ended (a profile switch, users changed by hand, a stop)."""
        if self.done:
            return
        if self.steps and not self.steps[-1].judged:
            self.steps.pop()  # a step cut short says nothing
        self.outcome = "interrupted"
        self.detail = why


def interrupted(capacity: Mapping[str, Any], why: str) -> dict[str, Any]:
    """summary.json's ``capacity`` of a search that ended, for ``why``, before it was done (a
    killed run's last checkpoint): as :meth:`CapacitySearch.interrupt` leaves a live one, its
    capacity so far kept, its step cut short dropped and no verdict of its own."""
    if capacity.get("outcome") != "searching":
        return dict(capacity)
    steps = list(capacity.get("steps") or ())
    if steps and steps[-1].get("state") not in JUDGED_STATES:
        steps.pop()  # a step cut short says nothing
    return {**capacity, "outcome": "interrupted", "detail": why, "verdict": None, "steps": steps}


class RampShape(LoadTestShape):
    """The users of the search's current step, at the profile's spawn rate (Locust polls it each
    second and starts or stops users to match, on its workers too)."""

    def __init__(self, search: CapacitySearch, spawn_rate: float) -> None:
        super().__init__()
        self.search = search
        self.spawn_rate = spawn_rate

    def tick(self) -> tuple[int, float] | None:
        return (self.search.users, self.spawn_rate)
