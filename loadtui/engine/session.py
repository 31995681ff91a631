"""One run of a :class:`RunPlan`: its Locust Environment and runner from start to report.

The Environment is made as ``locust`` makes it: the global ``locust.events`` (with only this
locustfile's listeners on it, :mod:`.locust_events`), ``parsed_options`` set, ``events.init``
fired once the runner exists, ``test_start``/``test_stop`` fired by Locust's runner itself. On top
of that: the demo target, local worker processes, a one-second tick (history, host sample,
thresholds, Locust's memory habits undone), one "run ended" path that always writes the report,
and immutable snapshots for the UI. The jobs are in modules of their own; this one sequences them.

Everything runs in one OS thread. ``import locust`` monkey-patches the process with gevent; the
runner, the users and the tick are greenlets, and Textual's asyncio loop yields to gevent's hub
whenever it waits. Per-tick work is kept small so it never starves the users.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
import locust
from gevent.event import Event
from locust import stats as locust_stats
from locust.env import Environment
from locust.stats import stats_history

from . import compare as compare_mod
from . import endpoint_detail, locust_rows, recovery, report_writer, reports
from .capacity import CapacitySearch
from .checkpoint import Checkpoints
from .demo_target import DemoTarget, DemoTargetError
from .durations import human_duration
from .endpoint_selection import EndpointView, select
from .live_control import LiveControl, options_follow
from .live_csv import LiveCsv
from .local_workers import LocalWorkers
from .locust_events import registry
from .locust_process import HookError, HookFailures, fire_init
from .locust_workarounds import LocustHousekeeping, default_request_timeout
from .log_book import SHOWN as LOG_LINES_SHOWN
from .log_book import STDERR, STDOUT, THIS_PROCESS, LogBook
from .pacing import PACE_MESSAGE, Pace, RatePacer, TaskRunCounts
from .profiles import Profile
from .run_history import HISTORY_POINTS, RunHistory
from .run_plan import RunPlan
from .session_contract import END_REASONS, RunResult, SessionError
from .snapshot import STATUS_ROWS, Baseline, Capacity, EndpointDetail, ProfileSwitch, Snapshot, Totals
from .status_codes import StatusCodes
from .target_health import TargetHealth
from .threshold_monitor import ThresholdMonitor
from .user_classes import UserClasses, config_users
from .watch import WatchedState, Watcher
from .worker_supervision import WorkerSupervisor

if TYPE_CHECKING:
    from locust.runners import LocalRunner, MasterRunner

    from .capacity import RampShape

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
WORKER_QUIT_WAIT_S = 10.0


class LoadSession:
    """Owns one Locust Environment and its runner (local, or a master) for the length of one run."""

    def __init__(
        self,
        plan: RunPlan,
        *,
        tick_seconds: float = TICK_SECONDS,
        history_points: int = HISTORY_POINTS,
        log_book: LogBook | None = None,
    ) -> None:
        self.plan = plan
        self._profile = plan.profile
        self.initial_profile = plan.profile
        self.report_dir = plan.report_dir
        self.tick_seconds = tick_seconds
        self.result: RunResult | None = None
        self.recovered: tuple[str, ...] = ()
        self.message = ""
        self.host_url = plan.host
        self.distribution = plan.distribution if plan.distribution and plan.distribution.workers_needed else None
        self.log_book = log_book or LogBook()
        self.checkpoints: Checkpoints | None = None
        self.live_csv: LiveCsv | None = None
        """``--csv PREFIX``'s files while the run goes (the run's end writes them final)."""
        """The run folder while the run goes (made in its first second); None before start."""
        self.env: Environment | None = None
        self.runner: LocalRunner | MasterRunner | None = None
        self.control: LiveControl | None = None
        self.workers = LocalWorkers(self.log_book)
        self.supervisor = WorkerSupervisor(self.workers) if self.distribution is not None else None
        self.target_health = TargetHealth(distributed=self.distribution is not None)
        self.status_codes = StatusCodes()
        self._baseline = self._live_baseline(plan.profile)
        self.master_port: int | None = None
        self.classes = UserClasses(self._chosen_classes())
        self.pace = Pace(self.classes.classes)
        """The pacing wait_time of this process's users (a distributed run's are on the workers)."""
        self._worker_runs = TaskRunCounts(paced=lambda: self.pacer.active)
        self._pace_sent: tuple[Any, ...] | None = None
        """The last interval sent to the workers, and to which (:meth:`_pace_users`)."""
        self.pacer = RatePacer(
            pace=self._pace_users, take=self._take_task_runs, ramp=self._ramp, clock=lambda: self.elapsed_s
        )
        """A profile's target rate (``rate``): started and stopped by ``control.start_load``, ticked here."""
        self.history = RunHistory(
            history_points,
            full_history=plan.outputs.csv_full_history,
            chart_percentiles=plan.profile.chart_percentiles,
        )
        self.thresholds = ThresholdMonitor(plan.profile.thresholds)
        self.capacity: CapacitySearch | None = None
        """The profile's ramp to the limit (the last one, once a switch left it)."""
        self._housekeeping = LocustHousekeeping()
        self._watcher = Watcher(plan.profile.watch)
        self._watched: tuple[WatchedState, ...] = ()
        self._demo: DemoTarget | None = None
        self._log_handlers: list[tuple[logging.Logger, logging.Handler]] = []
        self._hook_failures = HookFailures(plan.locustfile.keys)
        self._load_started = False
        self._started_at: float | None = None
        self._deadline_mono: float | None = None
        self._deadline_greenlet: gevent.Greenlet | None = None
        self._ended_at: float | None = None
        self._finishing = False
        self._ended = Event()
        self._listeners: list[Callable[[RunResult], None]] = []
        self._greenlets: list[gevent.Greenlet] = []
        self._switches: list[ProfileSwitch] = []
        self._final_weights: dict[str, int] | None = None
        # Bad tags are bad input: find out now, before the demo target or any user starts.
        empty = self.classes.filter_tags(plan.profile.tags, plan.profile.exclude_tags)
        self.classes.restore()
        if len(empty) == len(self.classes.classes):
            raise SessionError(
                f"{plan.profile.name}: no task in {plan.locustfile.label} matches tags={list(plan.profile.tags)}"
                f" exclude_tags={list(plan.profile.exclude_tags)}"
            )

    @staticmethod
    def _live_baseline(profile: Profile) -> Baseline | None:
        """The profile's baseline, read once (the planner checked it is there)."""
        if not profile.baseline:
            return None
        try:
            return compare_mod.live_baseline(profile.baseline, profile.baseline_tolerance)
        except compare_mod.CompareError as exc:
            logger.warning("No live comparison with the baseline: %s", exc)
            return None

    def _chosen_classes(self) -> list[Any]:
        classes = self.plan.locustfile.user_classes
        names = self.plan.user_classes or tuple(classes)
        return [classes[name] for name in names]

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def demo_target(self) -> bool:
        return self._demo is not None

    @property
    def locustfile(self) -> Any:
        return self.plan.locustfile

    def add_run_ended_listener(self, callback: Callable[[RunResult], None]) -> None:
        """``callback(result)`` runs once when the run ends, whatever ended it (in a greenlet)."""
        self._listeners.append(callback)

    # --- starting ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the demo target if the plan has it, then the runner and the users. Returns at once."""
        if self.env is not None:
            raise SessionError("this session has already been started; start a new one for a new run")
        plan, profile = self.plan, self.profile
        if plan.demo:
            self._demo = DemoTarget()
            try:
                self.host_url = self._demo.start()
            except DemoTargetError as exc:
                self._demo = None
                raise SessionError(f"could not start the bundled demo target: {exc}") from None
        self._watch_logs()
        default_request_timeout(float(getattr(plan.options, "request_timeout", 0) or 0))
        self.recovered = tuple(recovery.recover_all(self.report_dir))  # the report dir's killed runs first
        for line in self.recovered:
            logger.warning(line)
        try:
            self._create_runner()
        except BaseException:
            self.close()
            raise
        self._started_at = time.time()
        self.checkpoints = Checkpoints(
            self.report_dir,
            reports.run_folder_name(self._started_at, profile.name),
            self.log_book,
            self.history.file,
            seconds=plan.checkpoint_seconds,
        )
        self.checkpoints.open()
        if plan.outputs.csv_prefix:
            self.live_csv = LiveCsv(plan.outputs.csv_prefix, self.history.file)
            self.live_csv.start()
            self._greenlets.append(gevent.spawn(self._csv_every, self.live_csv))
        self._greenlets.append(gevent.spawn(stats_history, self.runner))
        self._greenlets.append(gevent.spawn(self._ticker))
        if self.checkpoints.enabled:
            self._greenlets.append(gevent.spawn(self._checkpoint_every, self.checkpoints))
        target = f"against {self.host_url or 'the User classes own hosts'}" + (
            " (bundled demo target)" if self._demo is not None else ""
        )
        if self.distribution is None:
            self._begin_load()
            self.message = f"Started {profile.name} {target}"
        else:
            self._greenlets.append(gevent.spawn(self._begin_when_workers_ready))
            self.message = f"Waiting for {self.distribution.workers_needed} workers to start {profile.name} {target}"
        for note in plan.notes:
            logger.warning(note)

    def _watch_logs(self) -> None:
        """This process's log records into the run's LogBook, and hook failures noted.

        Locust's own logging setup stops its ``locust`` logger from propagating to the root
        logger: the book's handler goes on that logger too, or the Logs tab would miss Locust's
        own lines (ramping, workers joining)."""
        handler = self.log_book.handler()
        loggers = [logging.getLogger()]
        if not logging.getLogger("locust").propagate:
            loggers.append(logging.getLogger("locust"))
        for target in loggers:
            target.addHandler(handler)
            self._log_handlers.append((target, handler))
        logging.getLogger().addHandler(self._hook_failures)
        self._log_handlers.append((logging.getLogger(), self._hook_failures))

    @property
    def hook_failures(self) -> list[str]:
        """Each event listener of the locustfile that raised during the run, as one line."""
        return list(self._hook_failures.failures)

    def _create_runner(self) -> None:
        """The Environment, its runner and ``init``, as ``locust.main`` makes them."""
        plan, profile = self.plan, self.profile
        options = plan.options
        options.host = self.host_url or None
        registry().activate(plan.locustfile.keys)
        self.classes.keep_all()
        loaded = plan.locustfile
        env = Environment(
            user_classes=self.classes.classes,
            host=self.host_url or None,
            events=locust.events,
            parsed_options=options,
            locustfile=loaded.label,
            reset_stats=bool(getattr(options, "reset_stats", False)),
            profile=profile.name,
            parsed_locustfiles=list(loaded.keys),
            available_user_classes=dict(loaded.user_classes),  # type: ignore[arg-type]
            available_shape_classes={type(s).__name__: s for s in loaded.shape_classes},
            available_user_tasks={name: cls.tasks for name, cls in loaded.user_classes.items()},
            catch_exceptions=True,
        )
        self.env = env
        for user_config in config_users(options):
            try:
                env.update_user_class(user_config)
            except KeyError as exc:
                raise SessionError(f"--config-users: no User class {exc} in {loaded.label}") from None
        if getattr(options, "equal_weights", False):
            env.events.init.add_listener(lambda environment, **_kw: environment.assign_equal_weights())
        if self.distribution is None:
            self.runner = env.create_local_runner()
        else:
            self.runner = self._start_master(env)
        self.control = LiveControl(
            env, self.runner, self.classes, loaded, distributed=self.distribution is not None, pacer=self.pacer
        )
        notice = self.control.apply_tags(profile, fallback=None)
        self.classes.apply_weights(profile.weights)
        if notice:
            self.message = notice
        env.events.test_stopping.add_listener(self._on_test_stopping)
        if self.distribution is None:
            self.status_codes.listen(env.events)
        else:
            self.status_codes.take_worker_reports(env.events)
            self._worker_runs.take_worker_reports(env.events)
        try:
            fire_init(env, self.runner, loaded.keys)
        except HookError as exc:
            raise SessionError(str(exc)) from None

    # The pacer's hands: the users paced here or on the workers, and their task runs counted.

    def _pace_users(self, interval: float | None) -> None:
        if self.distribution is None:
            self.pace.set_interval(interval)
            return
        runner: Any = self.runner
        if runner is None:
            return
        # Sent when the interval or the workers change (a worker that joins or restarts is paced
        # within a tick), not every tick: a plain `locust --worker` logs each message it does not know.
        sent = (interval, tuple(sorted(client.id for client in runner.clients.all)))
        if sent != self._pace_sent:
            runner.send_message(PACE_MESSAGE, {"interval": interval})
            self._pace_sent = sent

    def _take_task_runs(self) -> tuple[int, float]:
        return self.pace.take() if self.distribution is None else self._worker_runs.take()

    def _ramp(self, users: int, spawn_rate: float) -> None:
        if self.control is not None:
            self.control.ramp(users, spawn_rate)

    def _start_master(self, env: Environment) -> MasterRunner:
        dist = self.distribution
        assert dist is not None
        try:
            runner = env.create_master_runner(dist.bind_host, dist.bind_port)
        except SystemExit:  # Locust exits when the port is taken
            raise SessionError(
                f"cannot listen for workers on {dist.bind_host}:{dist.bind_port}: the port is in use"
            ) from None
        self.master_port = runner.server.port
        if dist.local_workers:
            self.workers.start(
                dist.local_workers,
                locustfiles=self.plan.locustfile.keys,
                master_port=self.master_port,
                options=self.plan.options,
            )
        return runner

    def _begin_load(self) -> None:
        assert self.control is not None
        self._load_started = True
        self.control.start_load(*self._start_capacity(self.profile))
        self._arm_deadline(self.profile)

    def _start_capacity(self, profile: Profile) -> tuple[Profile, RampShape | None]:
        """A new ramp to the limit for ``profile`` if it has one (the one running gives way), and
        what to start the load with: the ramp's shape (a ramp of users) or the first step's rate."""
        if self.capacity is not None:
            self.capacity.interrupt(f"switched to {profile.name}")
        ramp = profile.ramp
        if ramp is None:
            return profile, None
        self.capacity = CapacitySearch(
            ramp,
            profile.thresholds,
            profile.spawn_rate,
            now=time.monotonic(),
            elapsed_s=self.elapsed_s,
            pacer=self.pacer if ramp.of_rate else None,
        )
        if ramp.of_rate:
            return dataclasses.replace(profile, rate=ramp.start), None
        return profile, self.capacity.shape

    @property
    def _ramping(self) -> bool:
        """A ramp judges the thresholds step by step (not the run so far)."""
        return self.capacity is not None and self.capacity.outcome != "interrupted"

    def _begin_when_workers_ready(self) -> None:
        dist = self.distribution
        runner = self.runner
        assert dist is not None and runner is not None
        waited_from = time.monotonic()
        while runner.worker_count < dist.workers_needed:
            if dist.max_wait_s and time.monotonic() - waited_from > dist.max_wait_s:
                why = f": {self.workers.last_error()}" if len(self.workers) else ""
                self.message = f"Only {runner.worker_count} of {dist.workers_needed} workers connected{why}"
                self._end_in_greenlet("error")
                return
            if self.workers.exited():
                self.message = f"A worker process exited before the run started: {self.workers.last_error()}"
                self._end_in_greenlet("error")
                return
            gevent.sleep(0.1)
        self._started_at = time.time()
        self._begin_load()
        self.message = f"Started {self.profile.name} on {runner.worker_count} workers against {self.host_url}"

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

    # --- ending --------------------------------------------------------------------------------------

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
        runner, control = self.runner, self.control
        assert runner is not None and control is not None
        deadline = time.monotonic() + 3.0
        while runner.state != "stopped" and time.monotonic() < deadline:
            gevent.sleep(0.05)  # let Locust finish its own stop; ours completes it if it was cut short
        if self._finishing:
            return
        reason = "completed" if control.stages_completed() else "stopped"
        if self.supervisor is not None and self.supervisor.events and runner.worker_count == 0:
            reason = "error"  # Locust stops a test whose last worker went missing
            self.message = "Every worker was lost: " + "; ".join(e.describe() for e in self.supervisor.events[-3:])
        elif reason == "stopped":
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
        try:
            self.result = self._halt_and_write(reason)
        finally:
            self._release(reason)
        for callback in self._listeners:
            try:
                callback(self.result)
            except Exception:
                logger.exception("run-ended listener failed")
        return self.result

    def _halt_and_write(self, reason: str) -> RunResult:
        """The users stopped (the ramp, the runner, the workers' last stats), the run folder written."""
        if self._deadline_greenlet is not None and self._deadline_greenlet is not gevent.getcurrent():
            self._deadline_greenlet.kill(block=False)
        if self.checkpoints is not None:
            self.checkpoints.close()  # a checkpoint being written finishes before the final report
        if self.live_csv is not None:
            self.live_csv.close()
        if self.control is not None:
            self.control.stop_ramp()
        if self.capacity is not None:
            self.capacity.interrupt(f"the run ended ({reason}) before a step failed or the ramp reached its max")
        self.pacer.end()  # the rate asked for ends with the users, not when the report is written
        self._stop_runner()
        self.pacer.settle()  # the workers' last task runs, sent as they quit
        self._ended_at = time.time()
        if self.runner is not None and self.env is not None:
            self.history.sample(self.env, host=False)  # CPU over the few ms since the last tick reads ~0
            self._housekeeping.tidy(self.runner.stats)  # the last second's failure messages grouped too
        return self._write(reason)

    def _release(self, reason: str) -> None:
        """Everything the run holds let go (greenlets, workers, the demo target, the rewritten
        classes), however the stop went; a result there is, an internal error's if none."""
        current = gevent.getcurrent()
        for greenlet in self._greenlets:
            if greenlet is not current:
                greenlet.kill(block=False)
        if self.runner is not None:
            self.runner.greenlet.kill(block=False)
        self.workers.stop()
        self._stop_demo()
        # The locustfile's classes as written again, for the next run in this process (the
        # report keeps the weights this run ended with).
        self._final_weights = self.classes.weights()
        self.classes.restore()
        self.pace.restore()
        self._worker_runs.stop()
        self.status_codes.stop()
        if self.result is None:
            self.result = RunResult(end_reason=reason, folder=None, error="the run ended with an internal error")
        self._ended.set()

    def _stop_runner(self) -> None:
        runner = self.runner
        if runner is None:
            return
        if self.distribution is None:
            runner.stop()
            return
        # Locust's own quit() path: no "stop" round trip (MasterRunner.stop() waits up to 60 s for
        # the workers to report zero users); "quit" makes each worker send its last stats.
        runner.stop(send_stop_to_client=False)  # type: ignore[call-arg]
        self._quit_workers()

    def _quit_workers(self) -> None:
        """Asks every worker to quit and waits for its final stats (Locust's own quit waits 0.5 s)."""
        from locust.rpc import Message
        from locust.runners import STATE_MISSING

        master: Any = self.runner

        def alive() -> list[Any]:
            # A worker gone missing (killed, its machine lost) never answers: not waited for.
            return [c for c in master.clients.all if c.state != STATE_MISSING]

        for client in alive():
            master.server.send_to_client(Message("quit", None, client.id))
        deadline = time.monotonic() + WORKER_QUIT_WAIT_S
        while alive() and time.monotonic() < deadline:
            gevent.sleep(0.05)  # each worker sends its last stats, then "quit"

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Blocks (cooperatively) until the run has ended and its report is written."""
        self._ended.wait(timeout)
        return self.result

    def close(self) -> None:
        """Releases what the session holds without writing anything (the demo target, class state)."""
        if self.result is None:
            self._finishing = True  # a runner stopped here is not a run that ended: no report
            if self.checkpoints is not None:
                self.checkpoints.discard()
        self.workers.stop()
        self._stop_demo()
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        if self.runner is not None and self.result is None:
            self.runner.quit()
        self.classes.restore()
        self.pace.restore()
        self._worker_runs.stop()
        self.status_codes.stop()
        for target, handler in self._log_handlers:
            target.removeHandler(handler)
        self._log_handlers = []

    def _stop_demo(self) -> None:
        if self._demo is not None:
            self._demo.stop()

    # --- live control --------------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self.runner is not None and not self._finishing and self.runner.state in ("spawning", "running")

    def _require_control(self) -> LiveControl:
        if not self.live or self.control is None:
            raise SessionError("no run in progress: start one first")
        return self.control

    def switch_profile(self, profile: Profile) -> str:
        """Applies another profile's users, spawn rate, weights, tags and stages to the running test.

        ``profile`` comes from the planner (its layers applied). Stats collected so far are kept;
        the new profile's run time counts from the switch. The locustfile and host cannot change
        mid-run (they are the test, not the load).
        """
        control = self._require_control()
        if profile.locustfile != self.profile.locustfile:
            raise SessionError(
                f"{profile.name} uses another locustfile ({profile.locustfile}); a live switch changes the "
                f"load, not the test. Stop this run and start {profile.name} from the picker."
            )
        if (profile.host or "") != (self.profile.host or ""):
            raise SessionError(
                f"{profile.name} targets another host ({profile.host or 'the demo target'}); stop this run "
                f"and start {profile.name} from the picker."
            )
        unknown = [name for name in profile.weights if name not in self.plan.locustfile.user_classes]
        if unknown:
            raise SessionError(
                f"{profile.name}: [weights] {', '.join(unknown)}: {self.plan.locustfile.label} defines no such "
                f"User class (it defines: {', '.join(self.plan.locustfile.user_classes)})"
            )
        previous = self.profile
        notice = ""
        if (profile.tags, profile.exclude_tags) != (previous.tags, previous.exclude_tags):
            notice = control.apply_tags(profile, fallback=previous)
        control.apply_weights(profile)
        control.start_load(*self._start_capacity(profile))
        self._arm_deadline(profile)
        self._switches.append(
            ProfileSwitch(
                at=time.time(),
                elapsed_s=self.elapsed_s,
                from_profile=previous.name,
                to_profile=profile.name,
                users=profile.peak_users if profile.stages or profile.ramp else profile.users,
                spawn_rate=profile.spawn_rate,
            )
        )
        if (profile.baseline, profile.baseline_tolerance) != (previous.baseline, previous.baseline_tolerance):
            self._baseline = self._live_baseline(profile)
        self._profile = profile
        self.thresholds = ThresholdMonitor(profile.thresholds)
        assert self.env is not None
        self.env.profile = profile.name
        options_follow(self.env.parsed_options, profile)
        run_time = profile.effective_run_time_s
        until = f", ends in {human_duration(run_time)}" if run_time else ", runs until stopped"
        if profile.stages:
            load = f"{len(profile.stages)} stages"
        elif profile.rate is not None:
            load = f"rate {profile.rate:g}/s with at most {profile.users} users"
        else:
            load = f"{profile.users} users at {profile.spawn_rate:g}/s"
        if profile.ramp is not None:
            ramp = profile.ramp
            load = f"a ramp to the limit: {ramp.describe()}"
        self.message = f"Switched {previous.name} -> {profile.name}: {load}{until}" + (f". {notice}" if notice else "")
        return self.message

    def change_users(self, delta: int) -> int:
        """Adds (or removes, with a negative delta) users; stages give way to manual control."""
        if not self.live or self.control is None:
            raise SessionError("no run in progress")
        target, self.message = self.control.change_users(delta, self.profile.spawn_rate)
        return target

    def reset_stats(self) -> None:
        """Zeroes Locust's stats (as its web UI's reset does); the users keep running. Refused once
        the run is ending: its report is being made from those stats."""
        self._require_control().reset_stats()
        self.message = "Stats reset"

    def live_settings(self, name: str) -> Profile:
        """The running profile with the live users and class weights, under ``name``, no stages."""
        runner = self.runner
        users = runner.target_user_count if runner is not None else self.profile.users
        rate = None
        if self.pacer.active:
            users, rate = self.pacer.cap, self.pacer.target  # the rate's most users, not those it uses now
        return dataclasses.replace(
            self.profile, name=name, users=users, rate=rate, weights=self.classes.weights(), stages=(), ramp=None
        )

    def record_output(self, text: str, *, stderr: bool = False) -> None:
        self.log_book.add(THIS_PROCESS, STDERR if stderr else STDOUT, text)

    # --- the tick --------------------------------------------------------------------------------------

    def _ticker(self) -> None:
        while True:
            started = time.monotonic()
            try:
                self._tick()
            except Exception:
                logger.exception("sampling failed")
            gevent.sleep(max(0.0, self.tick_seconds - (time.monotonic() - started)))

    def _csv_every(self, live_csv: LiveCsv) -> None:
        while True:
            # read each time, as Locust's writer does (a locustfile may set it); never a busy loop
            gevent.sleep(max(0.2, float(locust_stats.CSV_STATS_INTERVAL_SEC)))
            if self._finishing or self.env is None:
                return
            try:
                live_csv.write(self.env)
            except Exception:
                logger.exception("writing the --csv files failed")

    def _checkpoint_every(self, checkpoints: Checkpoints) -> None:
        while True:
            gevent.sleep(checkpoints.seconds)
            if self._finishing or self.env is None:
                return
            try:
                checkpoints.write(self.env, self._run_info("running", checkpoint=True))
            except Exception:
                logger.exception("writing the checkpoint failed")

    def _tick(self) -> None:
        env, runner = self.env, self.runner
        assert env is not None and runner is not None
        self._housekeeping.tidy(runner.stats)
        self.history.sample(env)
        if self._watcher.watches:
            self._watched = self._watcher.sample()
        self._take_forwarded_logs(env)
        aborting = None
        if self._ramping:
            self._tick_capacity(runner)
        else:
            aborting = self.thresholds.judge(runner.stats, self._watched)
        if aborting is not None and not self._finishing:
            limits = self.profile.thresholds
            self.message = (
                f"Aborted: {aborting.metric} {aborting.scope} failed its threshold for {limits.abort_on_fail} "
                "(abort_on_fail)"
            )
            gevent.spawn(self._end_in_greenlet, "aborted")
        if self.supervisor is not None and self._load_started and not self._finishing:
            said = self.supervisor.tick(runner, self.elapsed_s, live=self.live)
            if said:
                self.message = said
        if self._load_started and self.live and self.pacer.active:
            self.pacer.tick()
        if self._load_started and self.live and self._started_at is not None:
            said = self.target_health.tick(runner.stats, runner.user_count, self._started_at)
            if said:
                self.message = said
        if self._demo is not None and not self._demo.alive and not self._finishing:
            self.message = "The bundled demo target exited unexpectedly; the run was stopped"
            gevent.spawn(self._end_in_greenlet, "error")

    def _tick_capacity(self, runner: LocalRunner | MasterRunner) -> None:
        search = self.capacity
        assert search is not None and self.env is not None
        if search.done:
            return
        if search.shape is not None and self.env.shape_class is not search.shape:
            search.interrupt("the users were changed by hand (+/- keys)")
            return
        if search.pacer is not None and not self.pacer.active:
            search.interrupt("the rate is no longer paced")
            return
        search.tick(runner.stats, runner.user_count, time.monotonic(), self.elapsed_s)
        self.thresholds.results = search.results
        if search.done and not self._finishing:
            self.message = f"Ramp ended: {search.state().summary_line()}"
            logger.info(self.message)
            gevent.spawn(self._end_in_greenlet, "completed")

    def _take_forwarded_logs(self, env: Environment) -> None:
        """Remote workers' log lines, which Locust's own log forwarding keeps on the master."""
        for worker, lines in list(env.worker_logs.items()):
            self.log_book.add_latest(worker, lines)

    # --- snapshots -----------------------------------------------------------------------------------

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

    def snapshot(self, view: EndpointView | None = None, limit: int | None = None) -> Snapshot:
        """An immutable view of now, with at most ``limit`` endpoint rows (the top ones by ``view``)."""
        runner = self.runner
        run_time = None
        if self._deadline_mono is not None:
            run_time = self.elapsed_s + max(0.0, self._deadline_mono - time.monotonic())
        capacity = self.capacity.state() if self.capacity is not None else None
        base: dict[str, Any] = dict(
            taken_at=time.time(),
            state=self.state(),
            profile=self.profile.name,
            host=self.host_url,
            demo_target=self.demo_target,
            locustfile=",".join(str(p) for p in self.plan.locustfile.paths),
            started_at=self._started_at,
            elapsed_s=self.elapsed_s,
            run_time_s=run_time if self.result is None else None,
            spawn_rate=self.profile.spawn_rate,
            switches=tuple(self._switches),
            end_reason=self.result.end_reason if self.result else None,
            message=self.message,
            host_sample=self.history.host_sample,
            thresholds=self.thresholds.results,
            watched=self._watched,
            verdict=self._verdict(capacity),
            capacity=capacity,
            baseline=self._baseline,
            logs=self.log_book.tail(LOG_LINES_SHOWN),
            log_count=self.log_book.count,
        )
        if runner is None:
            return Snapshot(users=0, target_users=self.profile.users, totals=Totals(), **base)
        stats = runner.stats
        view = view or EndpointView()
        chosen = select(
            locust_rows.active_entries(stats),
            view,
            limit,
            keys=locust_rows.ENTRY_KEYS,
            label=locust_rows.entry_label,
        )
        return Snapshot(
            users=runner.user_count,
            target_users=runner.target_user_count,
            workers=locust_rows.worker_rows(runner),
            totals=locust_rows.totals(stats.total),
            endpoints=tuple(locust_rows.endpoint_row(entry) for entry in chosen.items),
            endpoint_count=chosen.count,
            endpoints_matched=chosen.matched,
            failures=locust_rows.failure_rows(stats),
            exceptions=locust_rows.exception_rows(runner.exceptions),
            history=self.history.history(),
            status_codes=self.status_codes.rows(STATUS_ROWS),
            status_totals=self.status_codes.totals(),
            worker_events=tuple(self.supervisor.events) if self.supervisor is not None else (),
            users_short_s=self.supervisor.short_s if self.supervisor is not None else 0.0,
            rate=self.pacer.state(),
            endpoint_detail=None if view.focus is None else self.endpoint_detail(view.focus),
            **base,
        )

    def endpoint_detail(self, key: tuple[str, str]) -> EndpointDetail | None:
        runner = self.runner
        if runner is None:
            return None
        codes = self.status_codes
        return endpoint_detail.live_detail(
            runner.stats, key, self.history.endpoints, codes.counts.get(key, {}), codes.missing_note(key)
        )

    def _verdict(self, capacity: Capacity | None) -> str | None:
        """The thresholds' verdict (a finished ramp's: its capacity step's), never a pass for a run
        that had fewer users than asked."""
        verdict = self.thresholds.verdict
        if capacity is not None and capacity.verdict is not None:
            verdict = capacity.verdict
        if verdict == "pass" and self.supervisor is not None and self.supervisor.short_s > 0:
            return "warn"
        return verdict

    # --- reports -------------------------------------------------------------------------------------

    def _run_info(self, reason: str, *, checkpoint: bool = False) -> reports.RunInfo:
        """What the report needs beyond Locust's stats; a checkpoint takes the history rows and
        log lines it has not written yet by itself (copying them all every time would grow with the run)."""
        return reports.RunInfo(
            profile=self.profile,
            initial_profile=self.initial_profile,
            locustfile=self.plan.locustfile,
            host=self.host_url,
            demo_target=self.demo_target,
            started_at=self._started_at or time.time(),
            ended_at=self._ended_at or time.time(),
            end_reason=reason,
            switches=tuple(self._switches),
            history=None if checkpoint else self.history.file.contents(),
            history_gaps=self.history.file.to_dict(),
            host_stats=self.history.host_stats,
            watched=self._watched,
            log_text="" if checkpoint else self.log_book.text(),
            weights=self._final_weights if self._final_weights is not None else self.classes.weights(),
            workers_lost=self.supervisor.to_dict() if self.supervisor is not None else None,
            target_outages=tuple(self.target_health.outages),
            status_codes={key: dict(counts) for key, counts in self.status_codes.counts.items()},
            capacity=self.capacity.state() if self.capacity is not None else None,
            rate=self.pacer.to_dict(),
            checkpoints=self.checkpoints.to_dict()
            if self.checkpoints is not None and self.checkpoints.enabled
            else None,
        )

    def _write(self, reason: str, report_dir: Path | None = None, *, suffix: str = "") -> RunResult:
        """The run folder: the one made at the start unless this is an export or another directory."""
        env = self.env
        if env is None:
            return RunResult(end_reason=reason, folder=None, error="the run never started")
        own = report_dir is None and not suffix and self.checkpoints is not None
        folder = self.checkpoints.folder if own and self.checkpoints is not None else None
        result = report_writer.write(
            env, self._run_info(reason), report_dir or self.report_dir, self.plan.outputs, suffix=suffix, folder=folder
        )
        if self.checkpoints is not None and result.folder is not None and not suffix:
            # The final report is written (here, or elsewhere after a disk error): the run's own
            # folder is not a killed run's, even if its checkpoint stays behind.
            self.checkpoints.finished()
        return result

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        """Writes the ended run's report again: to another directory after a disk error.

        The data stays in memory until this succeeds (or the process exits), so nothing collected
        is lost to a full disk or a missing permission.
        """
        if self.result is None:
            raise SessionError("the run has not ended: use export_report() for the run so far")
        self.result = self._write(self.result.end_reason, report_dir)
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
        return self._write("running", report_dir, suffix=time.strftime("-partial-%H%M%S"))
