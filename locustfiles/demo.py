"""The demo load test loadtui runs against its bundled demo shop (``loadtui.demo.server``).

It is also meant to be read as an example of a Locust file. It shows:

* Two kinds of user with different behaviour and pace: ``BrowsingUser``, a person clicking through
  the shop with think time between pages, and ``ApiUser``, an app talking to the API in quick
  succession. A loadtui profile can weight them, e.g. ``[profiles.heavy.weights] BrowsingUser = 3``.
* ``@task(n)`` weights: how often each action is picked relative to the others in its class.
* ``@tag`` on every task (``read``, ``write``, ``search``, ``auth``), so a profile can run a subset,
  e.g. ``tags = ["read"]`` or ``exclude_tags = ["write"]``. Each class has a task with each tag, so
  no class is left without tasks whatever the filter.
* ``name=`` to group parametrised URLs into one row (``/api/v1/products/[id]``) instead of a row per id.
* ``catch_response=True`` to decide what counts as a failure. A 401 for a wrong password is the API
  working, so it is a success; a 404 for a product that was removed is a broken link, reported with a
  readable message; the search backend's occasional 500 shows the server's own error text.

The target's latency is realistic (a few ms for a product, ~100 ms for search, with long tails) and
it fails now and then (search ~2%, cart ~1%), so the charts and the failures table have something
to show. Ten users make a few dozen requests per second.

Run it without loadtui: ``python -m loadtui.demo.server`` prints a URL, then
``locust -f locustfiles/demo.py --headless -u 10 -r 5 -t 30s -H <url>``.
"""

import random

from locust import HttpUser, between, tag, task

CATALOGUE_SIZE = 1000
"""Product ids 1..1000 exist on the demo target."""

DISCONTINUED_IDS = range(1001, 1100)
"""Ids of products that were removed: old links to them get a 404."""

SEARCH_TERMS = ("lamp", "kettle", "chair", "speaker", "travel", "smart", "books", "garden", "toys", "pro")


def _product_id() -> int:
    return random.randint(1, CATALOGUE_SIZE)


class BrowsingUser(HttpUser):
    """A person in a web browser: a page at a time, with a pause to read each one."""

    wait_time = between(0.5, 2)

    @tag("read")
    @task(3)
    def home(self) -> None:
        # A page view is several requests: the HTML, then the data the page shows.
        self.client.get("/")
        self.client.get("/api/v1/products?page=1&per_page=12", name="/api/v1/products?page=[n]")

    @tag("read")
    @task(4)
    def browse_catalogue(self) -> None:
        page = random.randint(1, 50)
        self.client.get(f"/api/v1/products?page={page}&per_page=20", name="/api/v1/products?page=[n]")

    @tag("read")
    @task(6)
    def view_product(self) -> None:
        # 5% of visits come from an old link (a search engine, a bookmark) to a removed product.
        stale_link = random.random() < 0.05
        product_id = random.choice(DISCONTINUED_IDS) if stale_link else _product_id()
        with self.client.get(
            f"/api/v1/products/{product_id}", name="/api/v1/products/[id]", catch_response=True
        ) as response:
            if response.status_code == 404 and stale_link:
                # No id in the message: one row in the failures table, not one per product.
                response.failure("404: stale link to a discontinued product")
            elif response.status_code != 200:
                response.failure(f"unexpected {response.status_code} for a product in the catalogue")
        # Details pages also load related products.
        self.client.get("/api/v1/products?page=1&per_page=4", name="/api/v1/products?page=[n]")

    @tag("search", "read")
    @task(2)
    def search(self) -> None:
        _search(self)

    @tag("write")
    @task(1)
    def add_to_cart(self) -> None:
        _add_to_cart(self, _product_id())

    @tag("auth")
    @task(1)
    def sign_in(self) -> None:
        # People mistype passwords: one try in ten fails first, then they try again.
        if random.random() < 0.1:
            _login_with_wrong_password(self)
        self.client.post("/api/v1/login", json={"username": "shopper", "password": "hunter2"})


class ApiUser(HttpUser):
    """A mobile app or partner integration: signs in once, then calls the API back to back."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        response = self.client.post("/api/v1/login", json={"username": "api-client", "password": "s3cret"})
        if response.ok:
            self.client.headers["Authorization"] = f"Bearer {response.json()['token']}"

    @tag("read")
    @task(2)
    def health(self) -> None:
        self.client.get("/api/v1/health")

    @tag("read")
    @task(5)
    def product(self) -> None:
        self.client.get(f"/api/v1/products/{_product_id()}", name="/api/v1/products/[id]")

    @tag("read")
    @task(2)
    def list_products(self) -> None:
        self.client.get(f"/api/v1/products?page={random.randint(1, 50)}&per_page=50", name="/api/v1/products?page=[n]")

    @tag("search")
    @task(3)
    def search(self) -> None:
        _search(self)

    @tag("write")
    @task(3)
    def add_to_cart(self) -> None:
        _add_to_cart(self, _product_id())

    @tag("write")
    @task(1)
    def add_to_cart_without_quantity(self) -> None:
        # A client bug we know about: the request is invalid, and a 400 is the right answer to it.
        with self.client.post(
            "/api/v1/cart", json={"product_id": 1}, name="/api/v1/cart [invalid]", catch_response=True
        ) as response:
            if response.status_code == 400:
                response.success()
            else:
                response.failure(f"expected 400 for a cart item without quantity, got {response.status_code}")

    @tag("auth")
    @task(1)
    def login_with_wrong_password(self) -> None:
        _login_with_wrong_password(self)


# Shared by both classes. Plain functions rather than a base class, so each class reads on its own.


def _search(user: HttpUser) -> None:
    term = random.choice(SEARCH_TERMS)
    with user.client.get(f"/api/v1/search?q={term}", name="/api/v1/search?q=[term]", catch_response=True) as response:
        if response.status_code >= 500:
            # Show the backend's own reason in the failures table rather than a generic HTTPError.
            try:
                reason = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                reason = response.reason
            response.failure(f"{response.status_code}: {reason}")
        elif response.status_code != 200:
            response.failure(f"unexpected {response.status_code}")


def _add_to_cart(user: HttpUser, product_id: int) -> None:
    # The cart service is briefly unavailable now and then (a 503); Locust counts it as a failure.
    user.client.post("/api/v1/cart", json={"product_id": product_id, "quantity": random.randint(1, 3)})


def _login_with_wrong_password(user: HttpUser) -> None:
    with user.client.post(
        "/api/v1/login",
        json={"username": "shopper", "password": "wrong"},
        name="/api/v1/login [wrong password]",
        catch_response=True,
    ) as response:
        # A 401 is the API doing its job, so it counts as a success; letting the wrong password in is
        # the failure worth reporting.
        if response.status_code == 401:
            response.success()
        elif response.status_code == 200:
            response.failure("a wrong password was accepted")
        else:
            response.failure(f"expected 401 for a wrong password, got {response.status_code}")
