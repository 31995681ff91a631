"""The benchmark's load: FastHttpUser with no wait, as hard as one process can push.

``--tags one`` hits a single URL (one stats row); ``--tags names`` spreads requests over 3000
distinct URLs, a locustfile that forgot ``name=``.
"""

import random

from locust import FastHttpUser, constant, tag, task

NAMES = 3000


class BenchUser(FastHttpUser):
    wait_time = constant(0)

    @tag("one")
    @task
    def one(self) -> None:
        self.client.get("/")

    @tag("names")
    @task
    def names(self) -> None:
        self.client.get(f"/item/{random.randrange(NAMES)}")
