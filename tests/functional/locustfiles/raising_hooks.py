"""A locustfile whose event listener raises: ``--raise-in init`` or ``--raise-in test_start``."""

from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def add_options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--raise-in", default="", help="the hook that raises")


@events.init.add_listener
def on_init(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    if environment.parsed_options.raise_in == "init":
        raise KeyError("API_TOKEN")  # line 14: what the message must point at


@events.test_start.add_listener
def on_test_start(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    if environment.parsed_options.raise_in == "test_start":
        raise RuntimeError("could not create the test data")  # line 20


class QuietUser(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self) -> None:
        self.client.get("/")
