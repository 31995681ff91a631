"""The endurance run's load: steady, not flat out, over a fixed set of names, with some failures.

20 users at 20 requests/s each (400 requests/s in all) over 50 names; one request in 50 is marked
failed with one of three fixed messages. The stats' own size therefore stops growing once every
name and response-time bucket has been seen; whatever the process grows after that is loadtui's.
"""

import random

from locust import FastHttpUser, constant_throughput, task

NAMES = 50
ERRORS = ("timeout talking to the cache", "stock service answered 503", "schema mismatch in body")


class SteadyUser(FastHttpUser):
    wait_time = constant_throughput(20)

    @task
    def item(self) -> None:
        with self.client.get(f"/item/{random.randrange(NAMES)}", catch_response=True) as response:
            if random.random() < 0.02:
                response.failure(random.choice(ERRORS))
