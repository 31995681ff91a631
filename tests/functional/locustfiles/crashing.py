"""A user whose code raises (an exception, not a failed request), and one that stops the test."""

from locust import HttpUser, constant, task


class CrashingUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def crash(self) -> None:
        self.client.get("/get")
        raise ValueError("bad fixture data")


class StoppingUser(HttpUser):
    wait_time = constant(0.05)
    weight = 0  # only the "stopper" profile gives it a weight

    @task
    def stop_everything(self) -> None:
        self.client.get("/get", name="/before-stop")
        if self.environment.stats.total.num_requests > 20 and self.environment.runner is not None:
            self.environment.runner.quit()  # how Locust's docs say user code ends a test
