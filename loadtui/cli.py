"""The ``loadtui`` command: Locust's command line (and config), run headless or under the dashboard.

The way from the command line to the runner goes one way: :mod:`.engine.command_line` parses as
``locust`` does, :mod:`.engine.planning` turns that and profiles.toml into a
:class:`~loadtui.engine.run_plan.RunPlan`, a :class:`~loadtui.engine.session.LoadSession` runs it,
and this module only prints, maps errors to exit codes and ends the process as Locust ends it
(``quitting``, then the exit code, :mod:`.engine.locust_process`).

Exit codes: what ``locust`` would exit with (0; ``--exit-code-on-error``, 1 by default, if a
request failed or user code raised; the locustfile's ``environment.process_exit_code``), with the
profile's threshold verdict where it has thresholds; 2 for bad input (command line, profiles.toml,
a locustfile or its hooks) or a report that could not be written where asked.
"""

# Locust first: it monkey-patches the process with gevent, which must happen before anything
# imports ssl (httpx, textual's dependencies), or gevent warns that ssl was patched too late.
# isort: off

# isort: on
import json
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import gevent

from .engine import command_line, locust_process, recovery, runs
from .engine import compare as compare_mod
from .engine import summary as summary_mod
from .engine.command_line import CommandLineExit
from .engine.durations import human_duration
from .engine.locustfile import LocustfileError
from .engine.log_book import STDOUT, THIS_PROCESS, BookStream, LogBook, LogLine, StdoutTee
from .engine.planning import PlanError, Planner
from .engine.profile_loading import load as load_profiles
from .engine.profiles import ProfileError
from .engine.run_plan import RunPlan
from .engine.session import LoadSession
from .engine.session_contract import RunResult, SessionError

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2
PROGRESS_SECONDS = 3.0

BAD_INPUT = (ProfileError, LocustfileError, SessionError, PlanError, compare_mod.CompareError)
"""Errors whose message is final: printed as one paragraph, exit 2, no traceback."""


def _say(text: str) -> None:
    print(f"[loadtui] {text}", file=sys.stderr, flush=True)


# --- headless ------------------------------------------------------------------------------------


def _progress_line(session: LoadSession) -> str:
    snap = session.snapshot(limit=0)
    t = snap.totals
    p95 = t.current_p95_ms if t.current_p95_ms is not None else t.p95_ms
    verdict = f"  thresholds: {snap.verdict}" if snap.verdict else ""
    remaining = f"/{human_duration(snap.run_time_s)}" if snap.run_time_s else ""
    if snap.workers:
        alive = sum(1 for w in snap.workers if not w.missing)
        verdict_workers = f"  workers {alive}/{len(snap.workers)}"
    else:
        verdict_workers = ""
    if snap.capacity is not None and not snap.capacity.done:
        verdict_workers += f"  ramp {snap.capacity.summary_line()}"
    return (
        f"[loadtui] {human_duration(snap.elapsed_s)}{remaining} {snap.state:<8} users {snap.users}/{snap.target_users}"
        f"  {t.rps:7.1f} req/s  p95 {p95:5.0f} ms  requests {t.requests}  failures {t.failures}"
        f" ({100 * t.fail_ratio:.1f}%){verdict}{verdict_workers}"
        + (f"  {snap.rate.describe()}" if snap.rate is not None else "")
    )


def _echo_workers(line: LogLine, stdout: TextIO) -> None:
    """Headless: what a worker prints goes to standard output and what it logs to stderr (by
    worker), as with ``locust --processes``, whose workers share its terminal."""
    if line.source == THIS_PROCESS:
        return  # this process's own lines are on the terminal already
    if line.level == STDOUT:
        stdout.write(f"{line.text}\n")
        stdout.flush()
    else:
        sys.stderr.write(f"[{line.source}] {line.text}\n")
        sys.stderr.flush()


def run_headless(plan: RunPlan) -> int:
    stdout = sys.stdout  # the terminal's, not the tee below: a worker's line is in the book already
    book = LogBook(mirror=lambda line: _echo_workers(line, stdout))
    session = LoadSession(plan, log_book=book)
    # A user greenlet that died (on_start raised) is printed by gevent with its traceback; Locust
    # has logged it already, condensed on the terminal: the traceback goes to run.log only.
    gevent.get_hub().exception_stream = BookStream(book)
    tee = StdoutTee(book)
    with tee.installed():
        try:
            session.start()
        except SessionError:
            session.close()
            raise
        _say(session.message)
        result = _wait_headless(session, progress=not plan.options.only_summary, print_stats=plan.options.print_stats)
    return finish(session, result)


def _wait_headless(session: Any, *, progress: bool = True, print_stats: bool = False) -> RunResult:
    """Progress lines on stderr until the run ends (by itself or by a signal)."""

    def on_signal(reason: str) -> None:
        if session.result is None:
            print(f"\n[loadtui] {reason}: stopping and writing the report...", file=sys.stderr)
            gevent.spawn(session.stop, reason)

    handlers = [
        gevent.signal_handler(signal.SIGINT, on_signal, "interrupted"),
        gevent.signal_handler(signal.SIGTERM, on_signal, "terminated"),
        gevent.signal_handler(signal.SIGHUP, on_signal, "hangup"),
    ]

    def report_progress() -> None:
        while True:
            gevent.sleep(PROGRESS_SECONDS)
            print(_progress_line(session), file=sys.stderr, flush=True)

    printers = []
    if progress:
        printers.append(gevent.spawn(report_progress))
    if print_stats and getattr(session, "runner", None) is not None:
        from locust.stats import stats_printer

        printers.append(gevent.spawn(stats_printer(session.runner.stats)))
    try:
        result = session.wait()
    finally:
        for printer in printers:
            printer.kill(block=False)
        for handler in handlers:
            handler.cancel()
        session.close()
    assert result is not None
    return result


def finish(session: LoadSession, result: RunResult) -> int:
    """Prints the end of the run (it stays in the SSH scrollback), then ends as ``locust`` ends."""
    env = session.env
    if env is None:
        return _report_outcome(session, result)
    exit_code = locust_process.quitting(
        env, verdict=summary_mod.exit_verdict(result.summary), exit_code_on_error=session.plan.exit_code_on_error
    )
    if result.end_reason == "error" and exit_code == 0 and env.process_exit_code is None:
        exit_code = 1  # the run could not go on (workers never came, the target died): as Locust gives up
    code = _report_outcome(session, result)  # the tables and --json, after quitting as in Locust
    locust_process.quit_with(env, exit_code)
    if env.process_exit_code is not None:
        _say(f"exit code {exit_code}, set by the locustfile (environment.process_exit_code)")
    return code if code == EXIT_BAD_INPUT else exit_code


def _report_outcome(session: LoadSession, result: RunResult) -> int:
    """The summary on stderr (and Locust's JSON on stdout with ``--json``); 2 if the report could not
    be written where asked."""
    json_stdout = session.plan.outputs.json_stdout
    code = EXIT_OK
    if result.error:
        _say(result.error)
        fallback = Path(tempfile.mkdtemp(prefix="loadtui-unsaved-"))
        rescued = session.write_report(fallback)
        if rescued.folder is not None:
            _say(f"the report was saved to {rescued.folder} instead")
            result = rescued
        else:
            _say(f"{rescued.error}; the summary follows")
        code = EXIT_BAD_INPUT
    if result.output_error:
        _say(result.output_error)
        code = EXIT_BAD_INPUT
    if result.end_reason == "error" and session.message:
        _say(session.message)
    print_summary(result)
    if json_stdout and session.runner is not None:
        print(json.dumps(session.runner.stats.serialize_stats(), indent=4), flush=True)
    for failure in session.hook_failures:
        _say(f"{failure} (the traceback is in the run's run.log)")
    return code


def print_summary(result: RunResult, stream: Any = None) -> None:
    """The end-of-run tables, on stderr as Locust prints its own: standard output is left to what
    the locustfile prints and to ``--json``, as with ``locust``."""
    stream = stream or sys.stderr
    if result.folder is not None and (result.folder / "summary.txt").is_file():
        stream.write((result.folder / "summary.txt").read_text(encoding="utf-8"))
    else:
        stream.write(json.dumps(result.summary, indent=2) + "\n")
    stream.flush()


# --- logging ------------------------------------------------------------------------------------


def _configure_logging(options: "argparse.Namespace", *, headless: bool, locustfiles: Sequence[str]) -> None:
    if headless:
        if not options.skip_log_setup:
            from locust.log import setup_logging

            setup_logging(options.loglevel, options.logfile)
            handlers = [*logging.getLogger().handlers, *logging.getLogger("locust").handlers]
            consoles = [h for h in handlers if type(h) is logging.StreamHandler]
            locust_process.condense_on(consoles, locustfiles)
        return
    # The screen belongs to the app: log lines written to the terminal would tear it. Keep them
    # in a file for whoever needs to look (and in the Logs tab), and send gevent's own error
    # printing there too.
    path = Path(options.logfile) if options.logfile else Path(tempfile.gettempdir()) / f"loadtui-{os.getuid()}.log"
    try:
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(str(options.loglevel).upper())
    if isinstance(handler, logging.FileHandler):
        gevent.get_hub().exception_stream = handler.stream


# --- what Locust prints and exits for --------------------------------------------------------------


def _inspect_and_exit(planner: Planner, name: str | None, options: "argparse.Namespace") -> int | None:
    """``-l/--list`` and ``--show-task-ratio[-json]``: print as Locust does, exit 0."""
    if not (options.list_commands or options.show_task_ratio or options.show_task_ratio_json):
        return None
    locustfile = planner.locustfile(name)
    if options.list_commands:
        print("Available Users:")
        for user in locustfile.user_classes:
            print("    " + user)
        return EXIT_OK
    from locust.user.inspectuser import print_task_ratio, print_task_ratio_json

    chosen = options.user_classes or list(locustfile.user_classes)
    classes = [locustfile.user_classes[c] for c in chosen if c in locustfile.user_classes]
    if options.show_task_ratio:
        print("\n Task ratio per User class")
        print("-" * 80)
        print_task_ratio(classes, options.num_users, False)
        print("\n Total task ratio")
        print("-" * 80)
        print_task_ratio(classes, options.num_users, True)
    else:
        print_task_ratio_json(classes, options.num_users)
    return EXIT_OK


def _print_help(planner: Planner, name: str | None) -> int:
    """``--help``: Locust's options, loadtui's, and the locustfile's own when it can be imported."""
    keys: tuple[str, ...] = ()
    try:
        keys = planner.locustfile(name).keys
    except (*BAD_INPUT, OSError):
        pass
    command_line.build_parser(keys).print_help()
    return EXIT_OK


def worker_command(argv: Sequence[str], first: command_line.FirstPass) -> int:
    """``loadtui --worker``: a Locust worker for a master elsewhere (``locust`` or ``loadtui``)."""
    from .engine import worker
    from .engine.locustfile import load_locustfile

    loaded = load_locustfile(first.locustfile)
    options = command_line.parse(argv, loaded.keys).options
    if not options.skip_log_setup:
        from locust.log import setup_logging

        setup_logging(options.loglevel, options.logfile)  # its log reader forwards lines to the master
    processes = int(options.processes or 0)
    if processes == -1:
        processes = os.cpu_count() or 1
    children = []
    for _ in range(max(0, processes)):
        child = gevent.fork()
        if child == 0:
            return worker.serve(loaded, options, options.master_host, options.master_port, local=False)
        children.append(child)
    if not children:
        return worker.serve(loaded, options, options.master_host, options.master_port, local=False)
    code = 0
    for child in children:
        _, status = os.waitpid(child, 0)
        code = max(code, os.waitstatus_to_exitcode(status))
    return code


# --- the other commands -----------------------------------------------------------------------------


def reports_command(argv: Sequence[str]) -> int:
    """``loadtui reports [DIR]``: past runs, newest first, as a table for the terminal."""
    import argparse

    parser = argparse.ArgumentParser(prog="loadtui reports", description="List past runs (newest first).")
    parser.add_argument("dir", nargs="?", help="report directory (default: [defaults] report_dir)")
    parser.add_argument("--profiles", help="profiles file whose report_dir to use")
    args = parser.parse_args(argv)
    if args.dir:
        report_dir = Path(args.dir)
    else:
        try:
            report_dir = load_profiles(args.profiles).report_dir_path()
        except ProfileError as exc:
            print(f"loadtui: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if report_dir.exists() and not report_dir.is_dir():
        print(f"loadtui: {report_dir}: not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in recovery.recover_all(report_dir):  # listed as "killed" once its report is finished
        _say(line)
    found = runs.list_runs(report_dir)
    if not found:
        print(f"No runs in {report_dir} yet.", file=sys.stderr)
        return EXIT_OK
    print(runs.format_table(found))
    return EXIT_OK


def compare_command(argv: Sequence[str]) -> int:
    """``loadtui compare RUN_A RUN_B``: exit 1 when B regressed from A beyond the tolerance."""
    import argparse

    parser = argparse.ArgumentParser(prog="loadtui compare", description="Compare two saved runs (A is the baseline).")
    parser.add_argument("run_a", help="run folder (or its summary.json): the baseline")
    parser.add_argument("run_b", help="run folder (or its summary.json): the run to judge")
    parser.add_argument("--tolerance", default="20%", help="allowed worsening, e.g. 20%% (default)")
    args = parser.parse_args(argv)
    try:
        tolerance = compare_mod.parse_tolerance(args.tolerance)
        result = compare_mod.compare(
            compare_mod.load_summary(args.run_a), compare_mod.load_summary(args.run_b), tolerance
        )
    except compare_mod.CompareError as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(compare_mod.format_comparison(result))
    return EXIT_FAILURES if result.regressed else EXIT_OK


def attach_command(argv: Sequence[str]) -> int:
    """``loadtui attach URL``: the dashboard over a Locust run that loadtui did not start."""
    import argparse

    from .engine.attach import AttachedSession, auth_from_env

    parser = argparse.ArgumentParser(
        prog="loadtui attach",
        description="Watch and drive a running Locust through its web UI (e.g. a master on another box). "
        "Basic-auth credentials, if needed, come from LOADTUI_ATTACH_AUTH=user:password.",
    )
    parser.add_argument("url", help="the Locust web UI, e.g. http://127.0.0.1:8089")
    parser.add_argument("--report-dir", default="reports", help="where the run folder is saved (default: reports)")
    parser.add_argument("-r", "--spawn-rate", type=float, default=1.0, help="spawn rate for +/- user changes")
    parser.add_argument("--refresh", type=float, default=1.0, help="screen refresh interval in seconds")
    parser.add_argument("--headless", action="store_true", help="no screen: progress on stderr until the run stops")
    args = parser.parse_args(argv)
    try:
        session = AttachedSession(
            args.url, report_dir=Path(args.report_dir), spawn_rate=args.spawn_rate, auth=auth_from_env()
        )
    except SessionError as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.headless:
        logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(levelname)s: %(message)s")
        session.start()
        result = _wait_headless(session)
        print_summary(result)
        return EXIT_BAD_INPUT if result.error else result.exit_code
    from .ui.app import run_attached

    ended = run_attached(session, refresh=args.refresh)
    if ended is None:
        return EXIT_OK
    print_summary(ended)
    return EXIT_BAD_INPUT if ended.error else ended.exit_code


# --- loadtui itself ------------------------------------------------------------------------------


def run(argv: Sequence[str]) -> int:
    first = command_line.first_pass(argv)
    if first.worker:
        return worker_command(argv, first)
    profiles = load_profiles(first.profiles)
    planner = Planner(argv, profiles, first, dashboard=not first.headless)
    initial = planner.initial_profile()
    if first.help:
        return _print_help(planner, initial)
    if first.headless and initial is None:
        initial = profiles.names[0]
    locustfile = planner.locustfile(initial)
    if first.headless and first.profile is None:
        if planner.locust_defaults_apply() and not locustfile.is_demo:
            _say("no --profile and no profiles.toml: Locust's defaults where its command line and config say nothing")
        else:
            _say(f"no --profile given: running the first one, {initial!r}")
    options = planner.command_line(locustfile).options
    inspected = _inspect_and_exit(planner, initial, options)
    if inspected is not None:
        return inspected
    if options.refresh <= 0:
        raise PlanError(f"--refresh: expected a positive number of seconds, got {options.refresh}")
    _configure_logging(options, headless=first.headless, locustfiles=locustfile.keys)
    if first.headless:
        if profiles.packaged and not (planner.locust_defaults_apply() and not locustfile.is_demo):
            _say(f"no ./profiles.toml here: using the packaged profiles ({profiles.path})")
        return run_headless(planner.plan(initial, first=True))  # its notes are logged as it starts
    from .ui.app import run_app

    ended = run_app(planner, profile=initial, refresh=options.refresh)
    if ended.result is not None:
        print_summary(ended.result)
    session = ended.session
    if not isinstance(session, LoadSession) or session.env is None:
        return EXIT_OK if ended.result is None else (EXIT_BAD_INPUT if ended.result.error else ended.result.exit_code)
    code = locust_process.shut_down(
        session.env,
        verdict=(summary_mod.exit_verdict(ended.result.summary) if ended.result else None),
        exit_code_on_error=session.plan.exit_code_on_error,
    )
    if ended.result is not None and ended.result.error:
        return EXIT_BAD_INPUT
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["attach"]:
        return attach_command(argv[1:])
    if argv[:1] == ["reports"]:
        return reports_command(argv[1:])
    if argv[:1] == ["compare"]:
        return compare_command(argv[1:])
    try:
        return run(argv)
    except CommandLineExit as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.status
    except BAD_INPUT as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("loadtui: interrupted", file=sys.stderr)
        return 130
    finally:
        time.sleep(0)


if __name__ == "__main__":
    sys.exit(main())
