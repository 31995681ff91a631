"""A locustfile that forgot name=, over 3000 ids: all 3000 stats rows as fast as the target
answers, then a trickle (one request a second per user) that keeps every row alive and leaves
the app idle enough between its ticks for Pilot, which waits for an idle moment after each key."""

import itertools

from locust import FastHttpUser, task

NAMES = 3000
ids = itertools.count()


class IdUser(FastHttpUser):
    sent = 0

    def wait_time(self) -> float:
        return 0.0 if IdUser.sent < NAMES else 1.0

    @task
    def item(self) -> None:
        IdUser.sent += 1
        self.client.get(f"/anything/item/{next(ids) % NAMES}")
