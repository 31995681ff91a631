"""A Locust worker process started by loadtui for ``--workers N``.

It is Locust's own ``WorkerRunner`` (what ``locust --worker`` runs), plus one message handler so
that a live profile switch can change the tags of a running test on the workers too: plain Locust
workers filter tasks once, at their first spawn. Workers on other machines can still join with
plain ``locust -f FILE --worker --master-host H``; they keep the tags they started with.

Run as ``python -m loadtui.engine.worker -f LOCUSTFILE --master-port P [--tags ...]``.
"""

# isort: off
import locust  # noqa: F401  gevent must patch the process before anything imports ssl

# isort: on
import argparse
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import gevent
from locust import runners as locust_runners
from locust.env import Environment

from .locustfile import LocustfileError, load_locustfile
from .tasks import TAGS_MESSAGE, TaskFilter

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtui.engine.worker")
    parser.add_argument("-f", "--locustfile", required=True)
    parser.add_argument("--master-host", default="127.0.0.1")
    parser.add_argument("--master-port", type=int, required=True)
    parser.add_argument("--tags", nargs="*", default=[])
    parser.add_argument("--exclude-tags", nargs="*", default=[])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[worker %(process)d] %(levelname)s: %(message)s")
    try:
        loaded = load_locustfile(args.locustfile)
    except LocustfileError as exc:
        print(f"loadtui worker: {exc}", file=sys.stderr)
        return 2
    _die_with_parent()
    classes = list(loaded.user_classes.values())
    env = Environment(user_classes=classes, locustfile=os.path.basename(args.locustfile), catch_exceptions=True)
    tasks = TaskFilter(classes)
    tasks.apply(args.tags, args.exclude_tags)
    env._tasks_filtered = True  # Locust must not filter again at the first spawn: done here
    locust_runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL  # read by the stats reporter each loop
    runner = env.create_worker_runner(args.master_host, args.master_port)

    def on_tags(environment: Environment, msg: Any, **_kw: Any) -> None:
        tasks.apply(msg.data.get("tags") or [], msg.data.get("exclude_tags") or [])

    runner.register_message(TAGS_MESSAGE, on_tags)
    gevent.signal_handler(signal.SIGTERM, runner.quit)
    gevent.signal_handler(signal.SIGINT, runner.quit)
    try:
        runner.greenlet.join()
    finally:
        # Locust's worker tells the master it is gone on "quitting" (as `locust --worker` does at exit).
        env.events.quitting.fire(environment=env, reverse=True)
        gevent.sleep(0.2)  # let the message leave
    return 0


if __name__ == "__main__":
    sys.exit(main())
