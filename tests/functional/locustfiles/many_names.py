"""A locustfile that forgot name=: every request gets a URL (and so a stats row) of its own."""

import itertools

from locust import FastHttpUser, constant, task

counter = itertools.count()


class IdUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def item(self) -> None:
        self.client.get(f"/anything/item/{next(counter)}")
