"""A suite written as real ones are: it logs in once in test_start, has options of its own, counts
requests in a request listener and sets the exit code when Locust quits.

Every hook appends a JSON line to ``--hook-log`` (which hook, in which process and kind of runner,
what it saw), so a test can compare what ran under loadtui with what runs under ``locust``.
"""

import json
import logging
import os

import requests
from locust import HttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

TOKEN: dict[str, str | None] = {"value": None}
SEEN = {"requests": 0}


def _kind(environment) -> str:  # type: ignore[no-untyped-def]
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return "master"
    if isinstance(runner, WorkerRunner):
        return "worker"
    return "local"


def record(environment, hook: str, **data: object) -> None:  # type: ignore[no-untyped-def]
    path = environment.parsed_options.hook_log
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"hook": hook, "pid": os.getpid(), "kind": _kind(environment), **data}) + "\n")


@events.init_command_line_parser.add_listener
def add_options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--hook-log", default="", help="where the hooks write what they saw")
    parser.add_argument("--api-user", default="nobody", help="who test_start logs in as")
    parser.add_argument("--exit-code-when-done", type=int, default=None, help="process_exit_code, set at quitting")


ENVIRONMENT: dict[str, object] = {}


@events.init.add_listener
def on_init(environment, runner, **_kw) -> None:  # type: ignore[no-untyped-def]
    ENVIRONMENT["this process"] = environment
    options = environment.parsed_options
    record(environment, "init", api_user=options.api_user, master=options.master, worker=options.worker,
           host=environment.host)  # fmt: skip


@events.test_start.add_listener
def on_test_start(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    if not isinstance(environment.runner, MasterRunner):
        answer = requests.post(
            f"{environment.host}/login", json={"user": environment.parsed_options.api_user}, timeout=5
        )
        TOKEN["value"] = answer.json()["token"]
        logging.getLogger("hooks").info("logged in as %s", environment.parsed_options.api_user)
    record(environment, "test_start", api_user=environment.parsed_options.api_user)


@events.request.add_listener
def on_request(**_kw) -> None:  # type: ignore[no-untyped-def]
    SEEN["requests"] += 1
    if SEEN["requests"] == 1:
        print("first request made", flush=True)  # what user code prints reaches run.log too


@events.test_stop.add_listener
def on_test_stop(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    record(environment, "test_stop", requests_seen=SEEN["requests"])


@events.quitting.add_listener
def on_quitting(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    record(environment, "quitting", failures=environment.stats.total.num_failures)
    code = environment.parsed_options.exit_code_when_done
    if code is not None and not isinstance(environment.runner, WorkerRunner):
        environment.process_exit_code = code


@events.quit.add_listener
def on_quit(exit_code, **_kw) -> None:  # type: ignore[no-untyped-def]
    record(ENVIRONMENT["this process"], "quit", exit_code=exit_code)


class ApiUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self) -> None:
        self.client.get("/api/items", headers={"Authorization": f"Bearer {TOKEN['value']}"})
