"""The app's loop: Textual's ready work first, gevent's hub when Textual waits (or has not for long)."""

import asyncio
import socket
import time

import gevent
import pytest

from loadtui.ui import event_loop
from loadtui.ui.event_loop import HUB_TURN_S, UiFirstSelector


@pytest.fixture
def selector():
    chosen = UiFirstSelector()
    yield chosen
    chosen.close()


def _greenlet_that_marks() -> list[str]:
    ran: list[str] = []
    gevent.spawn(ran.append, "ran")
    return ran


def test_a_poll_that_must_not_wait_gives_the_hub_no_turn(selector):
    selector.select(0.01)  # the hub's turn of now: the next ones come after HUB_TURN_S
    ran = _greenlet_that_marks()
    for _ in range(20):
        selector.select(0)
    assert ran == []
    selector.select(0.001)  # a pass that waits: the hub runs
    assert ran == ["ran"]


def test_the_hub_gets_a_turn_when_textual_has_not_waited_for_long(selector):
    selector.select(0.01)
    ran = _greenlet_that_marks()
    deadline = time.monotonic() + 10 * HUB_TURN_S
    while not ran and time.monotonic() < deadline:
        selector.select(0)
    assert ran == ["ran"]


def test_a_poll_without_the_hub_still_sees_what_is_ready(selector):
    reader, writer = socket.socketpair()
    with reader, writer:
        key = selector.register(reader, event_loop.selectors.EVENT_READ)
        selector.select(0.001)
        assert selector.select(0) == []
        writer.send(b"x")
        assert selector.select(0) == [(key, event_loop.selectors.EVENT_READ)]
        selector.unregister(reader)


async def test_the_tests_run_the_app_on_it():
    """tests/conftest.py's loop factory: Pilot's tests drive the app on the loop it runs on."""
    assert isinstance(event_loop.selector_of(asyncio.get_running_loop()), UiFirstSelector)


async def test_asyncio_on_it_answers_io_and_timers():
    loop = asyncio.get_running_loop()
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    with reader, writer:
        later = loop.call_later(0.01, writer.send, b"ping")
        assert await asyncio.wait_for(loop.sock_recv(reader, 4), 5) == b"ping"
        later.cancel()
