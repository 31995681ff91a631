"""One request a task to the capacity server's ``/work``, with a wait_time a rate profile must override.

On its own (no ``rate``), each user waits 2 s between tasks: a run paced at 40/s by 20 users cannot be
this locustfile's own wait_time.
"""

from locust import HttpUser, constant, task


class WorkUser(HttpUser):
    wait_time = constant(2)

    @task
    def work(self) -> None:
        self.client.get("/work")
