"""A Locust worker process: Locust's own WorkerRunner, started by loadtui or by ``loadtui --worker``.

It is what ``locust --worker`` runs, as ``locust.main`` builds it: the global ``locust.events``,
``parsed_options`` set, ``events.init`` fired once the runner exists, ``quitting`` at the end. One
message handler is added, so that a live profile switch can change the tags of a running test on
the workers too (plain Locust workers filter tasks once, at their first spawn); workers on other
machines can still join with plain ``locust -f FILE --worker --master-host H``.

Started by loadtui (:mod:`.local_workers`) it reads the master's parsed_options as JSON on its
standard input, logs to stderr in a form the master reads back, and exits when loadtui does.
"""

# isort: off
import locust  # gevent must patch the process before anything imports ssl

# isort: on
import argparse
import ctypes
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import gevent
from locust import runners as locust_runners
from locust.env import Environment

from .command_line import CommandLineExit, build_parser
from .local_workers import CLIENT_ID_LINE
from .locust_events import registry
from .locust_process import HookError, fire_init, shut_down
from .locust_workarounds import default_request_timeout
from .locustfile import LoadedLocustfile, LocustfileError, load_locustfile
from .log_book import WORKER_LOG_FORMAT
from .pacing import Pace
from .status_codes import StatusCodes
from .user_classes import TAGS_MESSAGE, UserClasses, config_users

REPORT_INTERVAL = 1.0
"""Seconds between stats reports to the master (Locust's default is 3): the dashboard shows what
the workers did at most this long ago. A report is one small message: cheap at this rate."""


def _die_with_parent() -> None:
    """A worker whose loadtui died (even by SIGKILL) must not keep generating load."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            gevent.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    gevent.spawn(watch)


def as_locust_processes_child(options: argparse.Namespace) -> None:
    """The master's options as a worker of ``locust --processes`` sees them: a worker, without
    what means nothing there (Locust's main clears the same in each forked child)."""
    options.worker, options.master = True, False
    options.expect_workers = 1  # the parser's default: a child is forked before its master sets it
    options.run_time = options.autostart = options.csv_prefix = options.html_file = options.print_stats = None
    options.stats_history_enabled = False


def serve(
    loaded: LoadedLocustfile, options: argparse.Namespace, master_host: str, master_port: int, *, local: bool
) -> int:
    """Runs a worker until the master tells it to quit (or a signal). Returns the exit code."""
    registry().activate(loaded.keys)  # the locustfile's listeners on Locust's events, as after its import
    classes = list(loaded.user_classes.values())
    user_classes = UserClasses(classes)
    # A profile may give weight to a class the locustfile left at 0 (the master spawns it by name):
    # Environment would drop it, and the worker die on the master's first spawn (KeyError).
    user_classes.keep_all()
    env = Environment(
        user_classes=classes,
        host=options.host,
        events=locust.events,
        parsed_options=options,
        locustfile=loaded.label,
        reset_stats=bool(getattr(options, "reset_stats", False)),
        parsed_locustfiles=list(loaded.keys),
        available_user_classes=dict(loaded.user_classes),  # type: ignore[arg-type]
        available_shape_classes={type(s).__name__: s for s in loaded.shape_classes},
        available_user_tasks={name: cls.tasks for name, cls in loaded.user_classes.items()},
        catch_exceptions=True,
    )
    for user_config in config_users(options):
        env.update_user_class(user_config)
    if local:
        # The master's tags are in the options it sent: filter now, and never again at the first
        # spawn (Locust would, from the same tags).
        user_classes.filter_tags(options.tags or [], options.exclude_tags or [])
        env._tasks_filtered = True
    if getattr(options, "equal_weights", False):
        env.events.init.add_listener(lambda environment, **_kw: environment.assign_equal_weights())
    locust_runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL  # read by the stats reporter each loop
    default_request_timeout(float(getattr(options, "request_timeout", 0) or 0))
    runner = env.create_worker_runner(master_host, master_port)
    if local:
        print(f"{CLIENT_ID_LINE}{runner.client_id}", file=sys.stderr, flush=True)

    def on_tags(environment: Environment, msg: Any, **_kw: Any) -> None:
        user_classes.filter_tags(msg.data.get("tags") or [], msg.data.get("exclude_tags") or [])

    runner.register_message(TAGS_MESSAGE, on_tags)
    Pace(classes).serve_master(runner, env.events)  # paced as the master says, task runs sent back
    codes = StatusCodes()  # counted here, sent with each stats report (the master adds them up)
    codes.listen(env.events)
    codes.send_with_reports(env.events)
    try:
        fire_init(env, runner, loaded.keys)
    except HookError as exc:
        print(f"loadtui worker: {exc}", file=sys.stderr, flush=True)
        runner.quit()
        return 2
    gevent.signal_handler(signal.SIGTERM, runner.quit)
    gevent.signal_handler(signal.SIGINT, runner.quit)
    try:
        runner.greenlet.join()
    finally:
        # As `locust --worker` ends: quitting (its worker tells the master it is gone), the exit
        # code (a quitting listener may set it), then quit with it.
        code = shut_down(env, verdict=None, exit_code_on_error=int(getattr(options, "exit_code_on_error", 1)))
        gevent.sleep(0.2)  # let the message leave
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m loadtui.engine.worker -f FILES --master-port P --options-on-stdin`` (loadtui starts it)."""
    parser = argparse.ArgumentParser(prog="python -m loadtui.engine.worker")
    parser.add_argument("-f", "--locustfile", required=True)
    parser.add_argument("--master-host", default="127.0.0.1")
    parser.add_argument("--master-port", type=int, required=True)
    parser.add_argument("--options-on-stdin", action="store_true")
    args = parser.parse_args(argv)
    given = json.loads(sys.stdin.read() or "{}") if args.options_on_stdin else {}
    logging.basicConfig(
        level=str(given.get("loglevel") or "INFO").upper(), format=WORKER_LOG_FORMAT, stream=sys.stderr, force=True
    )
    _die_with_parent()
    try:
        loaded = load_locustfile(args.locustfile)
        # The locustfile's own options exist only once its init_command_line_parser has run.
        options = build_parser(loaded.keys).parse_known_args([], env_vars={}, config_file_contents="")[0]
    except LocustfileError as exc:
        print(f"loadtui worker: {exc}", file=sys.stderr, flush=True)
        return 2
    except CommandLineExit as exc:
        print(f"loadtui worker: {exc.message}", file=sys.stderr, flush=True)
        return 2
    vars(options).update(given)
    as_locust_processes_child(options)
    return serve(loaded, options, args.master_host, args.master_port, local=True)


if __name__ == "__main__":
    sys.exit(main())
