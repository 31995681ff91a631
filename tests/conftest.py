"""Shared fixtures. Locust is imported first: gevent must patch the process before ssl is imported."""

# isort: off
import locust  # noqa: F401

# isort: on

from collections.abc import Iterator

import pytest

from loadtui.engine.demo_target import DemoTarget


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


class TokenServer:
    """tests/servers/token_server.py in a child process: answers only requests with a token it gave."""

    def __init__(self) -> None:
        import subprocess
        import sys
        from pathlib import Path

        script = Path(__file__).resolve().parent / "servers" / "token_server.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def stats(self) -> dict[str, int]:
        import httpx

        counts: dict[str, int] = httpx.get(f"{self.url}/__stats", timeout=5).json()
        return counts

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    """A loopback API of the test's own that refuses requests without test_start's login token."""
    server = TokenServer()
    yield server
    server.stop()
