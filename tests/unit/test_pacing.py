"""The target rate's arithmetic: users by Little's law, the per-user interval, the pacing wait_time,
and the control loop's shortfall (the runs asked for and not made while the cap held it back)."""

import random
from typing import Any

import pytest
from locust import HttpUser, TaskSet, User, between, constant, task

from loadtui.engine.pacing import Pace, RatePacer, interval_for, paced_stages, users_needed
from loadtui.engine.profiles import Profile, Stage


def test_users_needed_is_littles_law_at_half_busy_and_stays_within_the_cap() -> None:
    # 40 runs/s of 50 ms: 2 runs in flight; each user busy half its time: 4 users.
    assert users_needed(40, 0.05, 100) == 4
    assert users_needed(40, 0.051, 100) == 5
    assert users_needed(150, 0.05, 10) == 10  # 15 needed, 10 allowed
    assert users_needed(1, 0.001, 10) == 1  # never fewer than one
    assert users_needed(40, 0.05, 100, utilisation=1.0) == 2


def test_the_interval_makes_the_users_together_give_the_rate() -> None:
    assert interval_for(4, 40) == pytest.approx(0.1)
    assert 8 / interval_for(8, 40) == pytest.approx(40)
    assert interval_for(0, 10) == pytest.approx(0.1)  # as if one user: no division by zero


def test_a_profile_s_rate_plan_is_one_stage_or_one_per_stage() -> None:
    assert paced_stages(Profile(name="p")) == ()
    (only,) = paced_stages(Profile(name="p", rate=40, users=20))
    assert (only.rate, only.cap) == (40, 20) and only.until_s == float("inf")
    staged = Profile(
        name="p",
        rate=10,
        stages=(Stage("10s", 5, 5.0), Stage("20s", 8, 5.0, rate=30.0)),
    )
    assert [(s.until_s, s.rate, s.cap) for s in paced_stages(staged)] == [(10.0, 10.0, 5), (30.0, 30.0, 8)]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Plain(User):
    wait_time = constant(3)

    @task
    def t(self) -> None:
        pass


class Inherits(HttpUser):
    @task
    def t(self) -> None:
        pass


class OwnPace(TaskSet):
    wait_time = between(1, 2)  # wins over the User's: it must be paced too

    @task
    def t(self) -> None:
        pass


class FollowsItsUser(TaskSet):
    @task
    def t(self) -> None:
        pass


class Nested(User):
    tasks = [OwnPace, FollowsItsUser]


def test_a_task_set_with_a_wait_time_of_its_own_is_paced_too_and_put_back() -> None:
    own = OwnPace.__dict__["wait_time"]
    pace = Pace([Nested])
    pace.set_interval(0.5)
    assert OwnPace.__dict__["wait_time"] is Nested.__dict__["wait_time"]
    assert FollowsItsUser.wait_time is TaskSet.wait_time  # it asks the User, which is paced
    pace.set_interval(None)
    assert OwnPace.__dict__["wait_time"] is own and "wait_time" not in Nested.__dict__


class Someone:
    """What the pacing wait_time reads and writes of a user: nothing but its own attribute."""


def test_pacing_replaces_the_locustfile_s_wait_time_and_puts_it_back() -> None:
    own, inherited = Plain.wait_time, Inherits.wait_time
    pace = Pace([Plain, Inherits])
    pace.set_interval(0.5)
    assert Plain.wait_time is not own and "wait_time" in Inherits.__dict__
    pace.set_interval(0.25)  # a new interval, the same wait_time
    pace.set_interval(None)
    assert Plain.__dict__["wait_time"] is own
    assert "wait_time" not in Inherits.__dict__ and Inherits.wait_time is inherited


def test_the_pacing_wait_starts_each_run_an_interval_after_the_last_and_makes_up_for_a_slow_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(random, "random", lambda: 0.0)  # no random phase for the first run
    pace = Pace([], clock=clock)
    pace.set_interval(1.0)
    user = Someone()
    assert pace._wait_time(user) == 0.0  # its first run ended: the next starts now (phase 0)
    clock.now += 0.2  # a run of 200 ms
    assert pace._wait_time(user) == pytest.approx(0.8)
    clock.now += 0.8 + 1.5  # waited, then a run of 1.5 s: late by half an interval
    assert pace._wait_time(user) == 0.0
    clock.now += 0.1  # a quick one: the half interval owed is made up
    assert pace._wait_time(user) == pytest.approx(0.4)
    clock.now += 0.4 + 5.0  # a stall of 5 s: at most one interval is owed, no burst after it
    assert pace._wait_time(user) == 0.0
    clock.now += 0.1
    assert pace._wait_time(user) == pytest.approx(0.0)
    clock.now += 0.1
    assert pace._wait_time(user) == pytest.approx(0.8)
    runs, busy = pace.take()
    assert runs == 7
    assert busy == pytest.approx(0.2 + 1.5 + 0.1 + 5.0 + 0.1 + 0.1)  # the first run's length is unknown
    assert pace.take() == (0, 0.0)


class Loop:
    """The pacer's three hands, recorded: what a session gives it."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.runs = 0
        self.busy = 0.0
        self.intervals: list[float | None] = []
        self.ramps: list[tuple[int, float]] = []
        self.pacer = RatePacer(
            pace=self.intervals.append, take=self.take, ramp=lambda u, s: self.ramps.append((u, s)), clock=self.clock
        )

    def take(self) -> tuple[int, float]:
        found = (self.runs, self.busy)
        self.runs, self.busy = 0, 0.0
        return found

    def second(self, runs: int, task_s: float) -> None:
        self.clock.now += 1.0
        self.runs, self.busy = runs, runs * task_s
        self.pacer.tick()


def test_the_pacer_holds_a_rate_the_target_can_take_with_the_users_it_needs() -> None:
    loop = Loop()
    loop.pacer.start(Profile(name="p", rate=40, users=20, spawn_rate=1))
    assert loop.ramps == [(8, 8.0)]  # a first guess of 100 ms a run, at once
    assert loop.intervals[-1] == pytest.approx(8 / 40)
    for _ in range(10):
        loop.second(40, 0.05)
    state = loop.pacer.state()
    assert state is not None
    assert (state.target, state.achieved, state.held, state.capped, state.shortfall_runs) == (40, 40, True, False, 0)
    assert loop.ramps[-1] == (4, 4.0)  # extras removed once it needed half of them for a few seconds
    assert loop.intervals[-1] == pytest.approx(4 / 40)
    summary = loop.pacer.to_dict()
    assert summary is not None
    assert summary["held"] and summary["asked_runs"] == summary["runs"] == 400 and summary["users_max"] == 8


def test_the_pacer_adds_users_as_responses_slow_down_and_counts_the_shortfall_once_capped() -> None:
    loop = Loop()
    loop.pacer.start(Profile(name="p", rate=100, users=10, spawn_rate=1))
    assert loop.ramps == [(10, 10.0)]  # 20 wanted on the first guess, 10 allowed
    loop.pacer.set_cap(30)
    assert loop.ramps[-1] == (20, 10.0)  # 10 more, at once
    loop.second(100, 0.1)  # 100 ms runs: 20 users
    assert loop.pacer.users == 20 and not loop.pacer.capped
    loop.second(100, 0.2)  # slower: 150 ms on average over the last seconds, 30 users
    assert loop.pacer.users == 30 and not loop.pacer.capped
    loop.second(60, 0.5)  # the target takes 60/s, whatever the users: more wanted than allowed
    assert loop.pacer.users == 30 and loop.pacer.capped and loop.pacer.cap_reached_at is None
    loop.second(60, 0.5)  # the first second the cap costs runs
    assert loop.pacer.cap_reached_at == 4.0
    for _ in range(3):
        loop.second(60, 0.5)
    state = loop.pacer.state()
    assert state is not None and state.capped and not state.held
    assert state.shortfall_runs == 4 * 40  # the seconds it ran capped
    assert state.shortfall_ratio == pytest.approx(160 / 700)
    assert state.missed_ratio == pytest.approx(200 / 700)
    loop.pacer.set_rate(50)  # the ramp's hand: a new target, the same cap
    assert loop.pacer.cap == 30 and loop.intervals[-1] == pytest.approx(30 / 50)


def test_a_switch_from_one_rate_to_another_sizes_the_users_from_what_was_measured() -> None:
    loop = Loop()
    loop.pacer.start(Profile(name="a", rate=40, users=20))
    for _ in range(3):
        loop.second(40, 0.2)  # 200 ms a run: 16 users
    assert loop.pacer.users == 16
    loop.pacer.start(Profile(name="b", rate=80, users=50))
    assert loop.pacer.users == 32  # from the 200 ms measured, not the first guess (16)
    assert loop.pacer.asked == 3 * 40 and loop.pacer.cap_reached_at is None


def test_a_rate_ends_with_the_users_and_counts_the_runs_reported_after() -> None:
    loop = Loop()
    loop.pacer.start(Profile(name="p", rate=10, users=5))
    loop.second(10, 0.05)
    loop.clock.now += 0.5
    loop.runs = 5
    loop.pacer.end()
    loop.clock.now += 3.0  # the workers take their time to quit: no rate is asked for meanwhile
    loop.runs = 2
    loop.pacer.settle()
    summary = loop.pacer.to_dict()
    assert summary is not None
    assert (summary["asked_runs"], summary["runs"], summary["paced_s"]) == (15, 17, 1.5)


def test_stopping_gives_the_users_back_their_wait_time_and_keeps_the_figures() -> None:
    loop = Loop()
    assert loop.pacer.state() is None and loop.pacer.to_dict() is None
    loop.pacer.start(Profile(name="p", rate=10, users=5))
    loop.second(10, 0.05)
    loop.pacer.stop()
    assert loop.intervals[-1] is None and not loop.pacer.active
    loop.second(99, 0.05)  # not pacing: not counted
    state: Any = loop.pacer.state()
    assert state.active is False and state.runs == 10


SHORT = {
    "target": 150.0,
    "achieved": 79.1,
    "held": False,
    "asked_runs": 1501,
    "runs": 792,
    "shortfall_runs": 713,
    "shortfall_pct": 47.5,
    "missed_pct": 47.2,
    "users_max": 10,
    "cap": 10,
    "cap_reached_at_s": 1.0,
    "capped_s": 10.0,
    "paced_s": 10.0,
    "tolerance_pct": 5.0,
}


def test_a_rate_not_held_warns_with_or_without_thresholds_and_leaves_the_exit_code_to_locust() -> None:
    from loadtui.engine import summary as summary_mod
    from loadtui.engine import thresholds as thresholds_mod

    plain = {"totals": {}, "endpoints": [], "rate": SHORT}
    judged = summary_mod.judge_summary(plain, thresholds_mod.NONE)
    assert judged["verdict"] == "warn" and "150/s was not held" in judged["verdict_note"]
    # No thresholds: the exit code follows Locust's rules (failed requests), not the warning.
    assert summary_mod.exit_verdict({**plain, **judged}) is None
    assert summary_mod.judge_summary({**plain, "rate": {**SHORT, "held": True}}, thresholds_mod.NONE)["verdict"] is None
    assert "NOT HELD (47.5% short), 10 users at most" in summary_mod.rate_text(SHORT)
    assert "the users cap was reached at 1s, 713 task runs short after it" in summary_mod.rate_text(SHORT)
