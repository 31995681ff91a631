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
