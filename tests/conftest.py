"""Shared fixtures. Locust is imported first: gevent must patch the process before ssl is imported."""

# isort: off
import locust  # noqa: F401

# isort: on

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtui.engine.demo_target import DemoTarget
from loadtui.ui import event_loop

_worker_hub_timer: list[object] = []
"""Holds the timer below: a watcher nothing refers to is stopped when it is collected."""


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, keeps the main thread's gevent hub waiting for execnet's thread.

    The worker runs tests on its main thread; execnet's receiver, an OS thread started before the
    patch, hands it each test through ``threading`` objects (xdist's ``TestQueue``, execnet's
    ``WorkerPool``) that wait on gevent locks once the process is patched, however old the objects
    are (``Condition.wait`` allocates its lock when it waits). gevent lets another thread release
    them, but a main-thread hub with nothing else to run raises ``LoopExit`` ("This operation would
    block forever") instead of waiting: every worker died that way before its first test. A timer
    that never fires in practice gives the hub something to wait for. (``patch_all(thread=False)``
    is no way out: Locust patches everything and its runner relies on it.) The cost: in a worker, a
    test that would block forever hangs until pytest-timeout stops it instead of raising at once.
    """
    if hasattr(config, "workerinput"):
        import gevent

        timer = gevent.get_hub().loop.timer(3600.0, 3600.0)
        timer.start(lambda: None)
        _worker_hub_timer.append(timer)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
    """Every async test (each Pilot-driven app) runs on the loop `loadtui` runs the app on."""
    return {"ui-first": event_loop.new_event_loop}


def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """A test that hung past pytest-timeout: every greenlet's stack, not only the threads'.

    pytest-timeout dumps the OS threads, where the main greenlet is only ever seen waiting in the
    asyncio selector; what it waits for is in some other greenlet (Locust's, the session's)."""
    if call.excinfo is not None and "Timeout" in str(call.excinfo.value):
        import gevent.util

        gevent.util.print_run_info(file=sys.stderr)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers a core, at most 8. The suite waits more than it computes (real
    runs for seconds, subprocesses starting): on 2 idle cores its 425 tests took 3m29 with 2
    workers, 2m05 with 4, 2m07 with 6 (2026-12-02)."""
    import os

    return max(2, min(8, 2 * (os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def demo_target() -> Iterator[DemoTarget]:
    """One bundled demo target on a loopback port for the whole test session."""
    target = DemoTarget()
    target.start()
    yield target
    target.stop()


@pytest.fixture
def target() -> Iterator[DemoTarget]:
    """A demo target of its own, so its request count (GET /__stats) belongs to this test alone."""
    with DemoTarget() as started:
        yield started


class ServerProcess:
    """A test server of tests/servers/ in a child process, on a loopback port it prints first.
    :meth:`stop` and :meth:`start` again keep that port (a target that restarts)."""

    SCRIPT = ""

    def __init__(self, *args: object) -> None:
        self.port = 0
        self.args = [str(arg) for arg in args]
        """More arguments of the script, after the port."""
        self.process: subprocess.Popen[str] | None = None
        self.start()

    def start(self) -> None:
        script = Path(__file__).resolve().parent / "servers" / self.SCRIPT
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.port), *self.args],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.port = int(self.url.rsplit(":", 1)[1])

    def get(self, path: str) -> dict[str, int]:
        import httpx

        counts: dict[str, int] = httpx.get(f"{self.url}{path}", timeout=5).json()
        return counts

    def stats(self) -> dict[str, int]:
        """What the server counted (GET /__stats)."""
        return self.get("/__stats")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class TokenServer(ServerProcess):
    """tests/servers/token_server.py: answers only requests with a token it gave."""

    SCRIPT = "token_server.py"


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    """A loopback API of the test's own that refuses requests without test_start's login token."""
    server = TokenServer()
    yield server
    server.stop()


class FaultyServer(ServerProcess):
    """tests/servers/faulty_server.py: a target that dies, hangs, answers huge bodies or a new error
    each time, on demand."""

    SCRIPT = "faulty_server.py"

    def die(self) -> dict[str, int]:
        """The target exits (its port refuses connections); what it had answered until then."""
        counts = self.get("/__die")
        assert self.process is not None
        self.process.wait(timeout=10)
        return counts


@pytest.fixture
def faulty_server() -> Iterator[FaultyServer]:
    server = FaultyServer()
    yield server
    server.stop()


class CapacityServer(ServerProcess):
    """tests/servers/capacity_server.py: ``/work`` takes one of ``workers`` slots for ``latency_ms``,
    so the target takes ``workers * 1000 / latency_ms`` requests a second and queues the rest."""

    SCRIPT = "capacity_server.py"

    def __init__(self, workers: int = 4, latency_ms: float = 50.0) -> None:
        self.workers = workers
        self.latency_ms = latency_ms
        super().__init__(workers, latency_ms)

    @property
    def capacity_rps(self) -> float:
        return self.workers * 1000 / self.latency_ms


@pytest.fixture
def capacity_server() -> Iterator[CapacityServer]:
    """A loopback target of known capacity: 4 slots of 50 ms, so 80 requests a second."""
    server = CapacityServer(4, 50.0)
    yield server
    server.stop()
