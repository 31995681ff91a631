"""One endpoint, asked as fast as each user can: the load for the capacity tests (see
tests/servers/capacity_server.py, whose /work has a known capacity)."""

from locust import HttpUser, constant, task


class Caller(HttpUser):
    wait_time = constant(0)

    @task
    def work(self) -> None:
        self.client.get("/work")
