"""Two User classes with tagged tasks on distinct URLs, so tests can see which ones ran."""

from locust import HttpUser, constant, tag, task


class ReaderUser(HttpUser):
    wait_time = constant(0.05)

    @tag("read")
    @task
    def read(self) -> None:
        self.client.get("/anything/reader/read")

    @tag("write")
    @task
    def write(self) -> None:
        self.client.post("/anything/reader/write", json={"x": 1})


class WriterUser(HttpUser):
    wait_time = constant(0.05)

    @tag("write")
    @task
    def write(self) -> None:
        self.client.post("/anything/writer/write", json={"x": 1})

    @task
    def fail(self) -> None:
        self.client.get("/status/503", name="/status/503")
