"""The ramp's arithmetic on Locust's own RequestStats: windows are differences of its cumulative
figures, each step is judged alone, the first failing step ends the search and names its limit."""

from __future__ import annotations

from locust.stats import RequestStats

from loadtui.engine import thresholds
from loadtui.engine.capacity import CapacitySearch, Window, mark, window_figures
from loadtui.engine.profiles import Ramp

RAMP = Ramp(start=2, step=2, every="10s", max=6, settle="2s")
LIMITS = thresholds.Thresholds(
    overall={"p95_ms": thresholds.Limit(fail=150.0), "rss_growth_mb": thresholds.Limit(fail=1.0)},
    endpoints=(thresholds.EndpointLimits("/slow*", {"p95_ms": thresholds.Limit(fail=200.0, warn=150.0)}),),
    abort_on_fail="5s",
)


def log(stats: RequestStats, name: str, ms: float, count: int, *, failed: int = 0) -> None:
    for index in range(count):
        stats.log_request("GET", name, ms, 10)
        if index < failed:
            stats.log_error("GET", name, "boom")


def test_a_window_is_what_was_logged_since_it_opened() -> None:
    stats = RequestStats()
    log(stats, "/a", 500, 100, failed=50)  # before the window: slow and failing
    since = mark(stats.total)
    log(stats, "/a", 20, 95)
    log(stats, "/a", 40, 5, failed=1)
    figures = window_figures(stats.total, since, 10.0)
    assert (figures.requests, figures.failures, figures.rps) == (100, 1, 10.0)
    # Locust's own percentile: the 95th of 100 is the first of the top 5.
    assert (figures.p50_ms, figures.p95_ms, figures.p99_ms, figures.max_ms) == (20, 40, 40, 40)
    assert figures.avg_ms == (95 * 20 + 5 * 40) / 100


def test_steps_are_judged_alone_and_the_first_that_fails_names_its_endpoint() -> None:
    stats = RequestStats()
    search = CapacitySearch(RAMP, LIMITS, spawn_rate=10, now=0.0, elapsed_s=0.0)
    assert search.shape.tick() == (2, 10)
    assert search.limits.abort_on_fail is None and "rss_growth_mb" not in search.limits.overall
    search.tick(stats, user_count=1, now=1.0, elapsed_s=1.0)
    assert search.steps[-1].state == "starting"
    search.tick(stats, user_count=2, now=2.0, elapsed_s=2.0)  # all running: settle from here
    assert search.steps[-1].state == "settling"
    log(stats, "/slow/1", 900, 50)  # the new users' first requests: never judged
    search.tick(stats, user_count=2, now=4.0, elapsed_s=4.0)
    assert search.steps[-1].state == "judging"
    log(stats, "/fast", 50, 60)
    log(stats, "/slow/1", 120, 20)
    search.tick(stats, user_count=2, now=10.0, elapsed_s=10.0)
    first = search.steps[0]
    assert (first.state, first.requests, first.rps, first.p95_ms) == ("pass", 80, 80 / 6, 120)
    assert search.steps[-1].number == 2 and search.shape.tick() == (4, 10)
    # Step 2: the endpoint's p95 is past its limit, overall's is not (most requests are fast).
    search.tick(stats, user_count=4, now=11.0, elapsed_s=11.0)
    search.tick(stats, user_count=4, now=13.0, elapsed_s=13.0)
    log(stats, "/fast", 50, 400)
    log(stats, "/slow/2", 300, 10)
    search.tick(stats, user_count=4, now=20.0, elapsed_s=20.0)
    failed = search.steps[1]
    assert failed.state == "fail" and search.done and search.outcome == "limit found"
    assert failed.limited_by is not None
    assert (failed.limited_by.metric, failed.limited_by.scope) == ("p95_ms", "GET /slow/2")
    assert thresholds.limit_text(failed.limited_by) == "p95_ms of GET /slow/2: 300 ms > 200 ms"
    state = search.state()
    assert state.found == first and state.verdict == "pass"
    assert state.to_dict()["limited_by"]["users"] == 4
    assert "limited by p95_ms of GET /slow/2" in state.summary_line()


def test_a_window_with_no_answer_fails_the_step() -> None:
    stats = RequestStats()
    window = Window(stats, thresholds.Thresholds(overall={"fail_ratio": thresholds.Limit(fail=0.01)}), 0.0)
    _figures, results = window.judge(stats, 5.0)
    assert results[0].state == "fail" and thresholds.limit_text(results[0]).startswith("no request answered")


def test_users_that_never_all_start_are_judged_with_those_that_did() -> None:
    stats = RequestStats()
    search = CapacitySearch(RAMP, thresholds.Thresholds(overall={"p95_ms": thresholds.Limit(fail=100.0)}),
                            spawn_rate=10, now=0.0, elapsed_s=0.0)  # fmt: skip
    search.tick(stats, user_count=1, now=19.0, elapsed_s=19.0)
    assert search.steps[-1].state == "starting"
    search.tick(stats, user_count=1, now=20.0, elapsed_s=20.0)  # two steps' time: judged as it is
    assert search.steps[-1].state == "settling" and search.steps[-1].users_running == 1


def test_an_interrupted_search_drops_the_step_cut_short_and_gives_no_verdict() -> None:
    stats = RequestStats()
    search = CapacitySearch(RAMP, LIMITS, spawn_rate=10, now=0.0, elapsed_s=0.0)
    search.interrupt("switched to light")
    assert search.steps == [] and search.outcome == "interrupted" and search.state().verdict is None
    search.tick(stats, user_count=2, now=5.0, elapsed_s=5.0)  # ticks after it change nothing
    assert search.steps == []
