"""Known status codes, and requests that get none: what the status-code counts are checked against."""

from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--closed-port", type=int, default=9)


class CodesUser(HttpUser):
    wait_time = constant(0.02)

    @task(3)
    def ok(self) -> None:
        self.client.get("/status/200")

    @task
    def not_found_is_fine_here(self) -> None:
        with self.client.get("/status/404", catch_response=True) as response:
            response.success()  # a success in Locust's table, still a 404

    @task
    def unavailable(self) -> None:
        self.client.get("/status/503")

    @task
    def hangs(self) -> None:
        self.client.get("/hang", timeout=0.2)

    @task
    def refused(self) -> None:
        # A path that reads as another kind: the kind comes from the error, not from its text's URL.
        port = self.environment.parsed_options.closed_port
        self.client.get(f"http://127.0.0.1:{port}/timeout/ssl", name="refused")
