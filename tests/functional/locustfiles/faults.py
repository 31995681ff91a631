"""What the target-fault tests run: a class and a tag per way a target misbehaves, named on the command line."""

import itertools

from locust import HttpUser, constant, events, tag, task

SENT = itertools.count()
DISTINCT = 10_000


@events.init_command_line_parser.add_listener
def _(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--huge-mb", type=int, default=20)


class TargetUser(HttpUser):
    wait_time = constant(0.05)

    @tag("ok")
    @task
    def ok(self) -> None:
        self.client.get("/ok")

    @tag("hang")
    @task
    def hang(self) -> None:
        self.client.get("/hang")  # no timeout given: loadtui's --request-timeout applies

    @tag("huge")
    @task
    def huge(self) -> None:
        self.client.get(f"/huge?mb={self.environment.parsed_options.huge_mb}", name="/huge")


class ManyErrorsUser(HttpUser):
    """Fails each request with the target's answer, new each time ("order N rejected"); the
    locustfile ends the test once DISTINCT have been sent."""

    wait_time = constant(0)

    @task
    def error(self) -> None:
        if next(SENT) >= DISTINCT:
            self.environment.runner.quit()
            return
        with self.client.get("/error", catch_response=True) as response:
            if response.status_code == 500:
                response.failure(response.text)


class OwnTimeoutUser(HttpUser):
    """Its own timeout, which loadtui's default must not replace."""

    wait_time = constant(0.05)

    @tag("hang")
    @task
    def hang(self) -> None:
        self.client.get("/hang", timeout=0.3, name="/hang (own timeout)")


class FailingStartUser(HttpUser):
    """on_start raises, as a login against a target that is down does."""

    wait_time = constant(0.05)

    def on_start(self) -> None:
        raise ValueError("login refused: the target gave no token")

    @task
    def ok(self) -> None:
        self.client.get("/ok")
