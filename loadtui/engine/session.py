"""One run of a load test over a Locust Environment in this process.

Locust is used as a library: its loader, ``Environment``, ``LocalRunner``, dispatcher,
``LoadTestShape`` and stats. What this module adds is what a person at a terminal needs on top:
live profile switching without losing stats, bounded histories for charts, host sampling, one
"run ended" path that always writes the report, and immutable snapshots for the UI.

Everything runs in one OS thread. ``import locust`` monkey-patches the process with gevent; the
runner, the users and this module's ticker are greenlets, and Textual's asyncio loop yields to
gevent's hub whenever it waits. Per-tick work here is kept small so it never starves the users.
"""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
from gevent.event import Event
from locust import runners as locust_runners
from locust.env import Environment
from locust.shape import LoadTestShape
from locust.stats import RequestStats, StatsError, stats_history

from . import reports
from . import thresholds as thresholds_mod
from .demo_target import DemoTarget, DemoTargetError
from .durations import human_duration, parse_duration
from .history import DownsampledSeries
from .host import HostSampler
from .locustfile import LoadedLocustfile, LocustfileError, load_locustfile
from .profile_fields import check_host
from .profiles import Profile, ProfileSet, Stage
from .snapshot import (
    EndpointRow,
    ExceptionRow,
    FailureRow,
    History,
    HostSample,
    ProfileSwitch,
    Snapshot,
    Totals,
    WorkerRow,
)
from .tasks import TAGS_MESSAGE, TaskFilter
from .watch import WatchedState, Watcher

if TYPE_CHECKING:
    from locust.runners import LocalRunner, MasterRunner
    from locust.stats import StatsEntry

logger = logging.getLogger(__name__)

HISTORY_POINTS = 1800
"""Points kept per live series: 30 minutes at one per second. The reports keep everything."""

TICK_SECONDS = 1.0

END_REASONS = ("completed", "stopped", "quit", "interrupted", "terminated", "hangup", "error", "aborted")
"""``aborted``: a failing threshold held for the profile's ``abort_on_fail`` duration."""


class SessionError(RuntimeError):
    """An action the session refused; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class RunResult:
    """What a run left behind. ``error`` set: the report could not be written (data kept in memory)."""

    end_reason: str
    folder: Path | None
    files: tuple[Path, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    exit_code: int = 0
    """0: no request failed; 1: some failed (the thresholds issue refines this)."""


class StagesShape(LoadTestShape):
    """A profile's ``stages`` as a Locust LoadTestShape: hold each stage's users for its duration."""

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


@dataclass(frozen=True)
class Distribution:
    """Run on Locust's master/worker engine instead of one process.

    ``local_workers`` worker processes are started here and stopped at the end; ``expect_workers``
    more may join from other machines with ``locust -f FILE --worker --master-host HOST``.
    """

    local_workers: int = 0
    expect_workers: int = 0
    """Wait for this many workers in all (local ones included) before starting the users."""
    bind_host: str = "127.0.0.1"
    bind_port: int = 0
    """0: any free port (fine for local workers; remote ones need a known port, Locust's is 5557)."""

    @property
    def workers_needed(self) -> int:
        return max(self.local_workers, self.expect_workers)


WORKER_START_TIMEOUT = 60.0


def drop_entry_caches(stats: RequestStats, checked: tuple[int, int]) -> tuple[int, int]:
    """Stops the per-endpoint response-time caches; the Aggregated row keeps its own.

    Locust copies every entry's response-time dict once a second and keeps 20 copies, for
    "current" percentiles; a master makes every entry that way whatever it is told
    (``on_worker_report``). loadtui reads current percentiles of the total only (as Locust's
    own web UI does), so with 3000 names the copies were 100,000 GC-tracked objects and 3000
    dict copies a second for nothing: each full garbage collection then paused the dashboard
    for 60-190 ms. Entries are checked again only when they were replaced or their number changed
    (``checked``, as returned by the previous call).
    """
    entries = stats.entries
    state = (id(entries), len(entries))
    if state == checked:
        return checked
    for entry in entries.values():
        if entry.use_response_times_cache:
            entry.use_response_times_cache = False
            entry.response_times_cache = None
    return state


PER_SECOND_KEPT = 30
"""Seconds of each entry's per-second request and failure counts kept: Locust reads the last 12
(``current_rps``, ``current_fail_per_sec``) and nothing older."""


def trim_per_second_counts(stats: RequestStats, trimmed_to: int) -> int:
    """Drops the per-second counts older than ``PER_SECOND_KEPT`` seconds; returns the new mark.

    Locust adds a key a second to two dicts of every entry and never removes one. The entries of
    a local runner or a master live for the whole run: 50 names grew the app by 9 MB in 30
    minutes (bench/ENDURANCE.md), 3000 names would by 500 MB. ``trimmed_to`` (0 at first) is
    the second below which all is already gone, so each tick pops about one second's keys.
    """
    total = stats.total
    if total.last_request_timestamp is None:
        return trimmed_to
    cutoff = int(total.last_request_timestamp) - PER_SECOND_KEPT
    start = trimmed_to or int(total.start_time)
    if cutoff <= start:
        return start
    scan = cutoff - start > 120  # a long gap (no requests for a while): scan the keys instead
    for entry in (*stats.entries.values(), total):
        for counts in (entry.num_reqs_per_sec, entry.num_fail_per_sec):
            for second in [t for t in counts if t < cutoff] if scan else range(start, cutoff):
                counts.pop(second, None)
    return cutoff


class LoadSession:
    """Owns one Locust Environment and its runner (local, or a master) for the length of one run."""

    def __init__(
        self,
        profiles: ProfileSet,
        profile: Profile,
        *,
        locustfile: LoadedLocustfile | None = None,
        report_dir: Path | None = None,
        tick_seconds: float = TICK_SECONDS,
        history_points: int = HISTORY_POINTS,
        distribution: Distribution | None = None,
    ) -> None:
        self.profiles = profiles
        self.profile = profile
        self.initial_profile = profile
        self.locustfile = locustfile or load_locustfile(profiles.locustfile_path(profile))
        self.locustfile.check_weights(profile, profiles.path.name)
        if profile.host:
            check_host(profile.host)
        self.report_dir = report_dir if report_dir is not None else profiles.report_dir_path()
        self.tick_seconds = tick_seconds
        self.result: RunResult | None = None
        self.message = ""

        if distribution is None and profile.worker_count:
            distribution = Distribution(local_workers=profile.worker_count)
        self.distribution = distribution if distribution and distribution.workers_needed else None
        self.env: Environment | None = None
        self.runner: LocalRunner | MasterRunner | None = None
        self.master_port: int | None = None
        self._worker_procs: list[subprocess.Popen[bytes]] = []
        self._worker_log: Any = None
        """The workers' stderr (a temporary file, so a pipe nobody reads never blocks them)."""
        self._load_started = False
        self._ramp_greenlet: gevent.Greenlet | None = None
        self.host_url = profile.host
        self._demo: DemoTarget | None = None
        self._started_at: float | None = None
        self._started_mono = 0.0
        self._deadline_mono: float | None = None
        self._ended_at: float | None = None
        self._stop_reason: str | None = None
        self._finishing = False
        self._ended = Event()
        self._listeners: list[Callable[[RunResult], None]] = []
        self._greenlets: list[gevent.Greenlet] = []
        self._cached_entries = (0, 0)
        self._trimmed_to = 0  # trim_per_second_counts: seconds below this are gone
        self._deadline_greenlet: gevent.Greenlet | None = None
        self._switches: list[ProfileSwitch] = []
        self._original_weights: dict[str, int] = {}
        self._series = DownsampledSeries(history_points)
        """Rows in History.COLUMNS order, one per tick, the run's past thinned when it is long."""
        self._history_rows: list[list[Any]] = []
        """stats_history.csv rows, written by Locust's own row writer each tick."""
        # Bad tags are bad input: find out now, before the demo target or any user starts.
        self._tasks = TaskFilter(self.locustfile.user_classes.values())
        self._filter_tags(profile)
        self._restore_classes()
        self._watcher = Watcher(profile.watch)
        self._watched: tuple[WatchedState, ...] = ()
        self._threshold_results: tuple[thresholds_mod.Result, ...] = ()
        self._failing_since: float | None = None
        self._host_sampler = HostSampler()
        self._host_sample: HostSample | None = None
        self._host_peaks = reports.HostStats()

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def demo_target(self) -> bool:
        return self._demo is not None

    def add_run_ended_listener(self, callback: Callable[[RunResult], None]) -> None:
        """``callback(result)`` runs once when the run ends, whatever ended it (in a greenlet)."""
        self._listeners.append(callback)

    def start(self) -> None:
        """Starts the demo target if no host is set, then the users. Returns at once."""
        if self.env is not None:
            raise SessionError("this session has already been started; start a new one for a new run")
        profile = self.profile
        if not self.host_url:
            self._demo = DemoTarget()
            try:
                self.host_url = self._demo.start()
            except DemoTargetError as exc:
                self._demo = None
                raise SessionError(f"could not start the bundled demo target: {exc}") from None

        classes = list(self.locustfile.user_classes.values())
        self._original_weights = {cls.__name__: int(cls.weight) for cls in classes}
        # Environment drops classes whose weight is 0 for good; a later profile may give them a
        # weight, so it is built with every class present and the profile's weights set after.
        for cls in classes:
            cls.weight = max(1, self._original_weights[cls.__name__])
        env = Environment(
            user_classes=classes,
            host=self.host_url,
            tags=list(profile.tags) or None,
            exclude_tags=list(profile.exclude_tags) or None,
            locustfile=self.locustfile.path.name,
            profile=profile.name,
            catch_exceptions=True,
        )
        self.env = env
        self._filter_tags(profile)
        self._apply_weights(profile)
        if self.distribution is None:
            self.runner = env.create_local_runner()
        else:
            self.runner = self._start_master(env, profile)
        env.events.test_stopping.add_listener(self._on_test_stopping)

        self._started_at = time.time()
        self._started_mono = time.monotonic()
        self._greenlets.append(gevent.spawn(stats_history, self.runner))
        self._greenlets.append(gevent.spawn(self._ticker))
        target = f"against {self.host_url}" + (" (bundled demo target)" if self._demo is not None else "")
        if self.distribution is None:
            self._begin_load(profile)
            self.message = f"Started {profile.name} {target}"
        else:
            self._greenlets.append(gevent.spawn(self._begin_when_workers_ready, profile))
            self.message = f"Waiting for {self.distribution.workers_needed} workers to start {profile.name} {target}"

    def _begin_load(self, profile: Profile) -> None:
        self._load_started = True
        self._start_load(profile)
        self._arm_deadline(profile)

    # --- distributed -------------------------------------------------------------------------------

    def _start_master(self, env: Environment, profile: Profile) -> MasterRunner:
        from locust import argument_parser

        dist = self.distribution
        assert dist is not None
        # Plain `locust --worker` processes filter their tasks by the master's parsed_options tags.
        parser = argument_parser.get_empty_argument_parser()
        argument_parser.setup_parser_arguments(parser)
        env.parsed_options = parser.parse_args(args=[])
        env.parsed_options.tags = list(profile.tags) or None
        env.parsed_options.exclude_tags = list(profile.exclude_tags) or None
        try:
            runner = env.create_master_runner(dist.bind_host, dist.bind_port)
        except SystemExit:  # Locust exits when the port is taken
            raise SessionError(
                f"cannot listen for workers on {dist.bind_host}:{dist.bind_port}: the port is in use"
            ) from None
        self.master_port = runner.server.port
        self._worker_log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the workers
        for _ in range(dist.local_workers):
            command = [
                sys.executable,
                "-m",
                "loadtui.engine.worker",
                "-f",
                str(self.locustfile.path.resolve()),
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(self.master_port),
                "--tags",
                *profile.tags,
                "--exclude-tags",
                *profile.exclude_tags,
            ]
            self._worker_procs.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=self._worker_log,
                    start_new_session=True,  # Ctrl+C in the terminal is loadtui's to handle, not theirs
                )
            )
        return runner

    def _begin_when_workers_ready(self, profile: Profile) -> None:
        dist = self.distribution
        runner = self.runner
        assert dist is not None and runner is not None
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while runner.worker_count < dist.workers_needed:
            if self._worker_procs and time.monotonic() > deadline:
                self.message = (
                    f"Only {runner.worker_count} of {dist.workers_needed} workers connected: {self._worker_errors()}"
                )
                self._end_in_greenlet("error")
                return
            dead = [p for p in self._worker_procs if p.poll() is not None]
            if dead:
                self.message = f"A worker process exited before the run started: {self._worker_errors()}"
                self._end_in_greenlet("error")
                return
            gevent.sleep(0.1)
        self._started_at = time.time()
        self._started_mono = time.monotonic()
        self._begin_load(self.profile)
        self.message = f"Started {self.profile.name} on {runner.worker_count} workers against {self.host_url}"

    def _worker_errors(self) -> str:
        if self._worker_log is None:
            return "no output"
        self._worker_log.seek(0)
        tail = self._worker_log.read()[-1500:].decode("utf-8", "replace").strip()
        return tail.splitlines()[-1] if tail else "no output"

    def _quit_workers(self) -> None:
        """Asks every worker to quit and waits for its final stats (Locust's own quit waits 0.5 s)."""
        runner = self.runner
        if runner is None or self.distribution is None:
            return
        from locust.rpc import Message
        from locust.runners import STATE_MISSING

        master = runner  # a MasterRunner here

        def alive() -> list[Any]:
            # A worker gone missing (killed, its machine lost) never answers: not waited for.
            return [c for c in master.clients.all if c.state != STATE_MISSING]  # type: ignore[union-attr]

        for client in alive():
            master.server.send_to_client(Message("quit", None, client.id))  # type: ignore[union-attr]
        deadline = time.monotonic() + 10.0
        while alive() and time.monotonic() < deadline:
            gevent.sleep(0.05)  # each worker sends its last stats, then "quit"

    def _stop_worker_processes(self) -> None:
        for proc in self._worker_procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self._worker_procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._worker_procs = []

    def _start_load(self, profile: Profile) -> None:
        """Applies ``profile``'s users, or its stages, to the runner (which keeps its stats)."""
        runner = self._require_runner()
        env = self._require_env()
        self._stop_shape()
        shape: LoadTestShape | None = None
        if profile.stages:
            shape = StagesShape(profile.stages)
        elif self.locustfile.shape_classes:
            shape = self.locustfile.shape_classes[0]
        if shape is None:
            self._ramp(profile.users, profile.spawn_rate)
            return
        env.shape_class = shape
        shape.runner = runner
        shape.reset_time()
        # Locust's start_shape() first sets the runner back to "ready", and its next start() then
        # clears all stats; running its shape_worker directly keeps the stats of a live switch.
        runner.shape_greenlet = runner.greenlet.spawn(runner.shape_worker)
        runner.shape_greenlet.link_exception(locust_runners.locust_exception_handler(env))

    def _ramp(self, users: int, spawn_rate: float) -> None:
        runner = self._require_runner()
        if self.distribution is None:
            runner.start(users, spawn_rate)
        else:
            # MasterRunner.start() ramps in the caller (LocalRunner's hands it to a greenlet):
            # give it one, so that a key press never waits for a ramp.
            if self._ramp_greenlet is not None:
                self._ramp_greenlet.kill(block=True)
            runner.target_user_count = users
            self._ramp_greenlet = gevent.spawn(runner.start, users, spawn_rate)
        # Let the ramp take the new target now, so that the screen (and a caller) sees it at once.
        gevent.sleep(0)

    def _stop_shape(self) -> None:
        runner = self._require_runner()
        if runner.shape_greenlet is not None:
            runner.shape_greenlet.kill(block=True)
            runner.shape_greenlet = None
            runner.shape_last_tick = None
        self._require_env().shape_class = None

    def _arm_deadline(self, profile: Profile) -> None:
        if self._deadline_greenlet is not None:
            self._deadline_greenlet.kill(block=False)
            self._deadline_greenlet = None
        run_time = profile.effective_run_time_s
        if run_time is None:
            self._deadline_mono = None
            return
        self._deadline_mono = time.monotonic() + run_time
        self._deadline_greenlet = gevent.spawn_later(run_time, self._end_in_greenlet, "completed")

    def _end_in_greenlet(self, reason: str) -> None:
        try:
            self.stop(reason)
        except Exception:  # the report path logs its own errors; never let a greenlet die loudly
            logger.exception("ending the run failed")

    def _on_test_stopping(self, **_kwargs: Any) -> None:
        """Locust is stopping the users by itself: the stages ended (a shape's tick returned None),
        or user code ended the test (``self.environment.runner.quit()``, as Locust's docs show).

        ``test_stopping`` rather than ``test_stop``: when a user greenlet calls ``quit()``, Locust
        kills that very greenlet halfway through ``stop()``, and ``test_stop`` never fires.
        """
        if not self._finishing:
            gevent.spawn(self._end_after_locust_stop)

    def _end_after_locust_stop(self) -> None:
        runner = self._require_runner()
        deadline = time.monotonic() + 3.0
        while runner.state != "stopped" and time.monotonic() < deadline:
            gevent.sleep(0.05)  # let Locust finish its own stop; ours completes it if it was cut short
        if self._finishing:
            return
        shape = self.env.shape_class if self.env else None
        if isinstance(shape, StagesShape):
            reason = "completed" if shape.finished else "stopped"
        else:
            reason = "completed" if shape is not None else "stopped"
        if reason == "stopped":
            self.message = "The locustfile stopped the test (runner.quit() or stop() in user code)"
        self._end_in_greenlet(reason)

    def stop(self, reason: str = "stopped") -> RunResult:
        """Stops the users, writes the run folder, fires the run-ended listeners; returns the result.

        Safe to call more than once and from several places: the first caller does the work,
        the others wait for it and get the same result.
        """
        if reason not in END_REASONS:
            raise ValueError(f"unknown end reason {reason!r}")
        if self.result is not None:
            return self.result
        if self._finishing:
            self._ended.wait()
            assert self.result is not None
            return self.result
        self._finishing = True
        self._stop_reason = reason
        try:
            if self._deadline_greenlet is not None and self._deadline_greenlet is not gevent.getcurrent():
                self._deadline_greenlet.kill(block=False)
            if self._ramp_greenlet is not None:
                self._ramp_greenlet.kill(block=False)
            if self.runner is not None:
                if self.distribution is None:
                    self.runner.stop()
                else:
                    # Locust's own quit() path: no "stop" round trip (MasterRunner.stop() waits up to
                    # 60 s for the workers to report zero users); _quit_workers() sends "quit" and
                    # waits at most 10 s for the final stats of every worker not missing.
                    self.runner.stop(send_stop_to_client=False)  # type: ignore[call-arg]
                self._quit_workers()
            self._ended_at = time.time()
            if self.runner is not None:
                self._sample(host=False)  # CPU over the few ms since the last tick would read ~0
            self.result = self._write_report(reason)
        finally:
            current = gevent.getcurrent()
            for greenlet in self._greenlets:
                if greenlet is not current:
                    greenlet.kill(block=False)
            if self.runner is not None:
                self.runner.greenlet.kill(block=False)
            self._stop_worker_processes()
            self._stop_demo()
            if self.result is None:
                self.result = RunResult(end_reason=reason, folder=None, error="the run ended with an internal error")
            self._ended.set()
        for callback in self._listeners:
            try:
                callback(self.result)
            except Exception:
                logger.exception("run-ended listener failed")
        return self.result

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Blocks (cooperatively) until the run has ended and its report is written."""
        self._ended.wait(timeout)
        return self.result

    def close(self) -> None:
        """Releases what the session holds without writing anything (the demo target, class state)."""
        if self.result is None:
            self._finishing = True  # a runner stopped here is not a run that ended: no report
        self._stop_worker_processes()
        self._stop_demo()
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        if self.runner is not None and self.result is None:
            self.runner.quit()
        self._restore_classes()

    def _stop_demo(self) -> None:
        if self._demo is not None:
            self._demo.stop()

    def _restore_classes(self) -> None:
        self._tasks.restore()
        for cls in self.locustfile.user_classes.values():
            if cls.__name__ in self._original_weights:
                cls.weight = self._original_weights[cls.__name__]

    # --- live control ----------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self.runner is not None and not self._finishing and self.runner.state in ("spawning", "running")

    def switch_profile(self, profile: Profile | str) -> str:
        """Applies another profile's users, spawn rate, weights, tags and stages to the running test.

        Stats collected so far are kept. The new profile's run time counts from the switch. The
        locustfile and host cannot change mid-run (they are the test, not the load).
        """
        if isinstance(profile, str):
            profile = self.profiles.get(profile)
        if not self.live:
            raise SessionError("no run in progress: start one first")
        if self.profiles.locustfile_path(profile).resolve() != self.locustfile.path.resolve():
            raise SessionError(
                f"{profile.name} uses another locustfile ({profile.locustfile}); a live switch changes the "
                f"load, not the test. Stop this run and start {profile.name} from the picker."
            )
        if (profile.host or "") != (self.profile.host or ""):
            raise SessionError(
                f"{profile.name} targets another host ({profile.host or 'the demo target'}); stop this run "
                f"and start {profile.name} from the picker."
            )
        try:
            self.locustfile.check_weights(profile, self.profiles.path.name)
        except LocustfileError as exc:
            raise SessionError(str(exc)) from None
        runner = self._require_runner()
        previous = self.profile
        if (profile.tags, profile.exclude_tags) != (previous.tags, previous.exclude_tags):
            self._filter_tags(profile)
        if self._apply_weights(profile):
            dispatcher = runner._users_dispatcher
            if dispatcher is not None:
                # Locust's own mechanism for redistributing users when workers come and go: it
                # recomputes the per-class split of the current users with the new weights.
                dispatcher._prepare_rebalance()
        self._start_load(profile)
        self._arm_deadline(profile)
        switch = ProfileSwitch(
            at=time.time(),
            elapsed_s=self.elapsed_s,
            from_profile=previous.name,
            to_profile=profile.name,
            users=profile.peak_users if profile.stages else profile.users,
            spawn_rate=profile.spawn_rate,
        )
        self._switches.append(switch)
        self.profile = profile
        if self.env is not None:
            self.env.profile = profile.name
        run_time = profile.effective_run_time_s
        until = f", ends in {human_duration(run_time)}" if run_time else ", runs until stopped"
        load = (
            f"{len(profile.stages)} stages" if profile.stages else f"{profile.users} users at {profile.spawn_rate:g}/s"
        )
        self.message = f"Switched {previous.name} -> {profile.name}: {load}{until}"
        return self.message

    def change_users(self, delta: int) -> int:
        """Adds (or removes, with a negative delta) users; stages give way to manual control."""
        if not self.live:
            raise SessionError("no run in progress")
        runner = self._require_runner()
        if runner.shape_greenlet is not None:
            self._stop_shape()
            self.message = "Stages paused: users are under manual control now"
        target = max(0, runner.target_user_count + delta)
        # A ramp at the profile's spawn rate, but never slower than the change itself per second,
        # so that +10 on a 1/s profile is not a ten-second wait.
        rate = max(self.profile.spawn_rate, float(abs(delta)))
        self._ramp(target, rate)
        self.message = f"Users: {target}"
        return target

    def reset_stats(self) -> None:
        """Zeroes Locust's stats (as its web UI's reset does); the users keep running."""
        runner = self._require_runner()
        runner.stats.reset_all()
        runner.exceptions = {}
        self.message = "Stats reset"

    # --- weights and tags --------------------------------------------------------------------------

    def _apply_weights(self, profile: Profile) -> bool:
        """Sets each class's weight for ``profile``; True if any changed."""
        weights = {**self._original_weights, **dict(profile.weights)}
        for cls in self.locustfile.user_classes.values():
            if not TaskFilter.has_tasks(cls):
                weights[cls.__name__] = 0
        changed = False
        for cls in self.locustfile.user_classes.values():
            new = weights.get(cls.__name__, cls.weight)
            if cls.weight != new:
                cls.weight = new
                changed = True
        return changed

    def _filter_tags(self, profile: Profile) -> None:
        """Filters the tasks for ``profile``'s tags, here and on the workers."""
        empty = self._tasks.apply(profile.tags, profile.exclude_tags)
        if len(empty) == len(self.locustfile.user_classes):
            if profile is not self.profile:
                self._tasks.apply(self.profile.tags, self.profile.exclude_tags)  # the running test's filter back
            else:
                self._tasks.restore()
            raise SessionError(
                f"{profile.name}: no task in {self.locustfile.path.name} matches tags={list(profile.tags)}"
                f" exclude_tags={list(profile.exclude_tags)}"
            )
        if self.env is not None:
            self.env.tags = list(profile.tags) or None
            self.env.exclude_tags = list(profile.exclude_tags) or None
            self.env._tasks_filtered = True  # Locust must not filter again on start: done here
            if self.env.parsed_options is not None:
                self.env.parsed_options.tags = self.env.tags
                self.env.parsed_options.exclude_tags = self.env.exclude_tags
        if self.runner is not None and self.distribution is not None:
            self.runner.send_message(
                TAGS_MESSAGE, {"tags": list(profile.tags), "exclude_tags": list(profile.exclude_tags)}
            )
        if empty:
            self.message = f"{', '.join(empty)}: no task left after tag filtering, not spawned"

    # --- sampling ----------------------------------------------------------------------------------

    def _ticker(self) -> None:
        while True:
            started = time.monotonic()
            try:
                stats = self._require_runner().stats
                self._cached_entries = drop_entry_caches(stats, self._cached_entries)
                self._trimmed_to = trim_per_second_counts(stats, self._trimmed_to)
                self._sample()
                if self._watcher.watches:
                    self._watched = self._watcher.sample()
                self._judge_thresholds()
                if self._demo is not None and not self._demo.alive and not self._finishing:
                    self.message = "The bundled demo target exited unexpectedly; the run was stopped"
                    gevent.spawn(self._end_in_greenlet, "error")
            except Exception:
                logger.exception("sampling failed")
            gevent.sleep(max(0.0, self.tick_seconds - (time.monotonic() - started)))

    def _sample(self, *, host: bool = True) -> None:
        runner = self._require_runner()
        total = runner.stats.total
        now = time.time()
        if host or self._host_sample is None:
            self._host_sample = self._host_sampler.sample()
            self._host_peaks.add(self._host_sample)
        sample = self._host_sample
        percentiles = []
        for pct in (0.5, 0.95, 0.99):
            current = total.get_current_response_time_percentile(pct)
            percentiles.append(float(current if current is not None else total.get_response_time_percentile(pct)))
        self._series.append(
            (
                now,
                total.current_rps or 0.0,
                total.current_fail_per_sec or 0.0,
                *percentiles,
                runner.user_count,
                sample.cpu_percent,
                sample.mem_percent,
            )
        )
        self._history_rows.extend(reports.history_rows(self._require_env(), now))

    # --- thresholds --------------------------------------------------------------------------------

    def _judge_thresholds(self) -> None:
        """Judges the current profile's thresholds on the run so far; aborts if one held failing."""
        limits = self.profile.thresholds
        runner = self.runner
        if not limits or runner is None:
            self._threshold_results = ()
            return
        patterns = [group.pattern for group in limits.endpoints]
        rows = [
            (entry.method or "", entry.name, _figures(entry))
            for entry in list(runner.stats.entries.values())
            if (entry.num_requests or entry.num_failures)
            and any(thresholds_mod.matches(p, entry.method or "", entry.name) for p in patterns)
        ]
        results = thresholds_mod.evaluate(limits, _figures(runner.stats.total), rows, _watch_figures(self._watched))
        self._threshold_results = results
        failing = [r for r in results if r.state == thresholds_mod.FAIL]
        if not failing or limits.abort_on_fail is None:
            self._failing_since = None
            return
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._failing_since >= parse_duration(limits.abort_on_fail) and not self._finishing:
            first = failing[0]
            self.message = (
                f"Aborted: {first.metric} {first.scope} failed its threshold for {limits.abort_on_fail} (abort_on_fail)"
            )
            gevent.spawn(self._end_in_greenlet, "aborted")

    # --- snapshots ---------------------------------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        if self._started_at is None:
            return 0.0
        end = self._ended_at if self._ended_at is not None else time.time()
        return max(0.0, end - self._started_at)

    def state(self) -> str:
        if self.runner is None:
            return "ready"
        if self.distribution is not None and not self._load_started and not self._finishing:
            return "waiting"
        if self.result is not None:
            return "stopped"
        if self._finishing:
            return "stopping"
        state = self.runner.state
        if state in ("ready", "spawning"):
            return "spawning"
        if state in ("cleanup", "stopping"):
            return "stopping"
        return state

    def snapshot(
        self,
        *,
        endpoint_limit: int | None = None,
        sort_by: str = "name",
        descending: bool = False,
        name_filter: str = "",
    ) -> Snapshot:
        """An immutable view of now.

        With ``endpoint_limit``, only the top rows by ``sort_by`` (after ``name_filter``, a
        case-insensitive substring of "METHOD name") are built: percentiles are what a row costs,
        and 3000 names took 42 ms a snapshot in full against 3 ms for the top 200, on the same
        hub as the users. ``endpoint_count`` still says how many names there are.
        """
        runner = self.runner
        run_time = None
        if self._deadline_mono is not None:
            run_time = self.elapsed_s + max(0.0, self._deadline_mono - time.monotonic())
        base = dict(
            taken_at=time.time(),
            state=self.state(),
            profile=self.profile.name,
            host=self.host_url,
            demo_target=self.demo_target,
            locustfile=str(self.locustfile.path),
            started_at=self._started_at,
            elapsed_s=self.elapsed_s,
            run_time_s=run_time if self.result is None else None,
            spawn_rate=self.profile.spawn_rate,
            switches=tuple(self._switches),
            end_reason=self.result.end_reason if self.result else None,
            message=self.message,
            host_sample=self._host_sample,
            thresholds=self._threshold_results,
            watched=self._watched,
            verdict=thresholds_mod.verdict(self._threshold_results) if self.profile.thresholds else None,
        )
        if runner is None:
            return Snapshot(users=0, target_users=self.profile.users, totals=Totals(), **base)  # type: ignore[arg-type]
        stats = runner.stats
        entries = [entry for entry in list(stats.entries.values()) if entry.num_requests or entry.num_failures]
        endpoint_count = len(entries)
        if name_filter:
            needle = name_filter.lower()
            entries = [e for e in entries if needle in f"{e.method or ''} {e.name}".lower()]
        matched = len(entries)
        key = _ENTRY_SORT_KEYS.get(sort_by)
        if key is None:
            raise ValueError(f"unknown sort key {sort_by!r} (known: {', '.join(_ENTRY_SORT_KEYS)})")
        if endpoint_limit is not None and matched > endpoint_limit:
            entries = sorted(entries, key=key, reverse=descending)[:endpoint_limit]
        rows = sorted((_endpoint_row(entry) for entry in entries), key=lambda row: (row.name, row.method))
        endpoints = tuple(rows)
        failures = tuple(
            FailureRow(
                method=error.method or "",
                name=error.name,
                error=StatsError.parse_error(error.error),
                occurrences=error.occurrences,
                first_seen=error.first_seen,
                last_seen=error.last_seen,
            )
            for error in sorted(stats.errors.values(), key=lambda e: -e.occurrences)
        )
        exceptions = tuple(
            ExceptionRow(count=exc["count"], message=exc["msg"], traceback=exc["traceback"], nodes=tuple(exc["nodes"]))
            for exc in sorted(runner.exceptions.values(), key=lambda e: -e["count"])
        )
        history = History.from_rows(self._series)
        return Snapshot(
            users=runner.user_count,
            target_users=runner.target_user_count,
            workers=self._worker_rows(),
            totals=_totals(stats.total),
            endpoints=endpoints,
            endpoint_count=endpoint_count,
            endpoints_matched=matched,
            failures=failures,
            exceptions=exceptions,
            history=history,
            **base,  # type: ignore[arg-type]
        )

    def _worker_rows(self) -> tuple[WorkerRow, ...]:
        clients = getattr(self.runner, "clients", None)
        if clients is None:
            return ()
        return tuple(
            WorkerRow(
                id=node.id,
                state=node.state,
                users=node.user_count,
                cpu_percent=float(node.cpu_usage),
                memory_bytes=int(node.memory_usage),
                heartbeat=int(node.heartbeat),
            )
            for node in sorted(clients.values(), key=lambda n: n.id)
        )

    # --- reports -----------------------------------------------------------------------------------

    def _write_report(self, reason: str, report_dir: Path | None = None, *, suffix: str = "") -> RunResult:
        env = self._require_env() if self.env is not None else None
        if env is None:
            return RunResult(end_reason=reason, folder=None, error="the run never started")
        run = reports.RunInfo(
            profile=self.profile,
            initial_profile=self.initial_profile,
            locustfile=self.locustfile,
            host=self.host_url,
            demo_target=self.demo_target,
            started_at=self._started_at or time.time(),
            ended_at=self._ended_at or time.time(),
            end_reason=reason,
            switches=tuple(self._switches),
            history_rows=tuple(self._history_rows),
            host_stats=self._host_peaks,
            watched=self._watched,
        )
        written = reports.write_run(env, run, report_dir or self.report_dir, suffix=suffix)
        if written.summary.get("verdict") is not None:
            failed = written.summary["verdict"] == "fail"
        else:
            failed = bool(env.stats.total.num_failures)  # no thresholds: any failed request fails, as in Locust
        return RunResult(
            end_reason=reason,
            folder=written.folder,
            files=written.files,
            summary=written.summary,
            error=written.error,
            exit_code=1 if failed else 0,
        )

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        """Writes the ended run's report again: to another directory after a disk error.

        The data stays in memory until this succeeds (or the process exits), so nothing collected
        is lost to a full disk or a missing permission.
        """
        if self.result is None:
            raise SessionError("the run has not ended: use export_report() for the run so far")
        self.result = dataclasses.replace(
            self._write_report(self.result.end_reason, report_dir), exit_code=self.result.exit_code
        )
        return self.result

    def export_report(self, report_dir: Path | None = None) -> RunResult:
        """Writes a report of the run so far, without stopping it (end_reason ``running``).

        Its folder is the run's with ``-partial-<HHMMSS>`` added, so the final report keeps the
        run's own folder name.
        """
        if self.env is None:
            raise SessionError("the run has not started")
        if self.result is not None:
            return self.write_report(report_dir)
        return self._write_report("running", report_dir, suffix=time.strftime("-partial-%H%M%S"))

    # --- helpers -----------------------------------------------------------------------------------

    def _require_runner(self) -> LocalRunner | MasterRunner:
        if self.runner is None:
            raise SessionError("the run has not started")
        return self.runner

    def _require_env(self) -> Environment:
        if self.env is None:
            raise SessionError("the run has not started")
        return self.env


ROW_PERCENTILES = (0.5, 0.90, 0.95, 0.99)


def response_time_percentiles(entry: StatsEntry, percents: Sequence[float]) -> list[int]:
    """``entry.get_response_time_percentile(p)`` for each of ``percents``, with one sort.

    Locust's formula (``calculate_response_time_percentile``), which sorts an entry's response
    times afresh for each percentile: four sorts a row, the larger part of a snapshot's cost
    with thousands of names. Walking down from the slowest time, the highest percentile is
    reached first, so one walk answers them all. A test compares it with Locust's own."""
    times = entry.response_times
    counted = entry.num_requests - entry.num_none_requests
    allowed = [int(counted * percent) for percent in percents]
    pending = sorted(range(len(percents)), key=lambda i: allowed[i], reverse=True)
    found = [0] * len(percents)  # Locust's answer when no response time qualifies
    processed = 0
    for response_time in sorted(times, reverse=True):
        processed += times[response_time]
        while pending and counted - processed <= allowed[pending[0]]:
            found[pending.pop(0)] = response_time
        if not pending:
            break
    return found


def _median(entry: StatsEntry, p50: int) -> float:
    """``entry.median_response_time`` from its 50th percentile: kept within min and max, as
    Locust keeps it (response times are stored rounded, min and max exact)."""
    if not entry.response_times:
        return 0
    if p50 > entry.max_response_time:
        return entry.max_response_time
    if entry.min_response_time is not None and p50 < entry.min_response_time:
        return entry.min_response_time
    return p50


def _endpoint_row(entry: StatsEntry) -> EndpointRow:
    p50, p90, p95, p99 = response_time_percentiles(entry, ROW_PERCENTILES)
    return EndpointRow(
        method=entry.method or "",
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        median_ms=float(_median(entry, p50)),
        avg_ms=float(entry.avg_response_time),
        min_ms=float(entry.min_response_time or 0),
        max_ms=float(entry.max_response_time),
        p90_ms=float(p90),
        p95_ms=float(p95),
        p99_ms=float(p99),
        current_rps=float(entry.current_rps or 0.0),
        current_fail_per_s=float(entry.current_fail_per_sec or 0.0),
        avg_size_bytes=float(entry.avg_content_length),
    )


_ENTRY_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "name": lambda e: (e.name, e.method or ""),
    "method": lambda e: (e.method or "", e.name),
    "requests": lambda e: e.num_requests,
    "failures": lambda e: e.num_failures,
    "fail_ratio": lambda e: e.fail_ratio,
    "median_ms": lambda e: e.median_response_time,
    "p95_ms": lambda e: e.get_response_time_percentile(0.95),
    "p99_ms": lambda e: e.get_response_time_percentile(0.99),
    "avg_ms": lambda e: e.avg_response_time,
    "max_ms": lambda e: e.max_response_time,
    "current_rps": lambda e: e.current_rps or 0.0,
}
"""How to rank Locust's stats entries without building their rows (see snapshot())."""


def _watch_figures(watched: Sequence[WatchedState]) -> dict[str, dict[str, float | None]]:
    return {w.spec: {"rss_growth_mb": w.growth_mb, "rss_slope_mb_per_min": w.slope_mb_per_min} for w in watched}


def _figures(entry: StatsEntry) -> thresholds_mod.Figures:
    return thresholds_mod.Figures(
        requests=entry.num_requests,
        failures=entry.num_failures,
        rps=float(entry.total_rps or 0.0),
        avg_ms=float(entry.avg_response_time),
        max_ms=float(entry.max_response_time),
        p50_ms=float(entry.median_response_time),
        p90_ms=float(entry.get_response_time_percentile(0.90)),
        p95_ms=float(entry.get_response_time_percentile(0.95)),
        p99_ms=float(entry.get_response_time_percentile(0.99)),
    )


def _totals(total: StatsEntry) -> Totals:
    def current(pct: float) -> float | None:
        value = total.get_current_response_time_percentile(pct)
        return float(value) if value is not None else None

    return Totals(
        requests=total.num_requests,
        failures=total.num_failures,
        rps=float(total.current_rps or 0.0),
        fail_per_s=float(total.current_fail_per_sec or 0.0),
        avg_rps=float(total.total_rps or 0.0),
        p50_ms=float(total.get_response_time_percentile(0.5)),
        p95_ms=float(total.get_response_time_percentile(0.95)),
        p90_ms=float(total.get_response_time_percentile(0.90)),
        p99_ms=float(total.get_response_time_percentile(0.99)),
        current_p50_ms=current(0.5),
        current_p95_ms=current(0.95),
        current_p99_ms=current(0.99),
        avg_ms=float(total.avg_response_time),
        min_ms=float(total.min_response_time or 0),
        max_ms=float(total.max_response_time),
    )
