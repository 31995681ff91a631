"""The app's asyncio loop: what Textual has ready to do runs before gevent's hub gets a turn.

Locust's gevent patches ``selectors``, so asyncio's loop waits through gevent's selector, and
every pass of the loop gives the hub a turn, even a pass that does not wait (the loop has
callbacks ready). Each hop of a key or a snapshot through Textual's message queues is such a
pass, so the users' greenlets (in this process with ``workers = 0``) or a worker's stats report
(3000 names: about 50 ms to read and merge, under the default worker process) ran inside the
time between a key and the frame that answers it.

Here a pass that does not wait polls the loop's own file descriptors without the hub, so a key
or a snapshot goes through Textual's queues to its frame in one stretch, and the hub runs when
Textual waits. Never for long without it: past :data:`HUB_TURN_S` of passes without a wait the
hub gets its turn anyway (Textual's input reader is a greenlet too, under gevent's patched
threads).
"""

from __future__ import annotations

import asyncio
import selectors
import time
from typing import Any

from gevent import monkey

HUB_TURN_S = 0.2
"""The longest the hub waits for a turn while Textual is busy."""

_poll = monkey.get_original("select", "poll")
_POLLIN, _POLLOUT, _POLLERR, _POLLHUP = (
    monkey.get_original("select", name) for name in ("POLLIN", "POLLOUT", "POLLERR", "POLLHUP")
)


class UiFirstSelector(selectors.DefaultSelector):  # gevent's GeventSelector once patched
    """gevent's selector, except that a poll that must not wait does not give the hub a turn."""

    _hub_turn = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        now = time.monotonic()
        if timeout is None or timeout > 0 or now - self._hub_turn > HUB_TURN_S:
            self._hub_turn = now
            return super().select(timeout)
        return self._ready_now()

    def _ready_now(self) -> list[tuple[selectors.SelectorKey, int]]:
        poller = _poll()
        keys = self.get_map()
        for key in keys.values():
            flags = (_POLLIN if key.events & selectors.EVENT_READ else 0) | (
                _POLLOUT if key.events & selectors.EVENT_WRITE else 0
            )
            poller.register(key.fd, flags)
        ready = []
        for fd, flags in poller.poll(0):
            found = keys.get(fd)
            if found is None:
                continue
            events = 0
            if flags & (_POLLIN | _POLLERR | _POLLHUP):
                events |= selectors.EVENT_READ
            if flags & (_POLLOUT | _POLLERR | _POLLHUP):
                events |= selectors.EVENT_WRITE
            if events & found.events:
                ready.append((found, events & found.events))
        return ready


def new_event_loop() -> asyncio.AbstractEventLoop:
    """An asyncio loop on :class:`UiFirstSelector`, for ``App.run(loop=...)`` or ``asyncio.Runner``."""
    return asyncio.SelectorEventLoop(UiFirstSelector())


def selector_of(loop: Any) -> Any:
    """The selector a loop waits on (for tests: whether the app's loop is this module's)."""
    return getattr(loop, "_selector", None)
