"""Workers lost during a run: noticed, replaced where loadtui started them, and written down.

A distributed run's report must describe the test that happened. When a worker goes (its process
killed, its machine lost), its users go with it; Locust's master notices a missing heartbeat after
a few seconds, and moves users only with ``--enable-rebalancing`` or after a minute. So, once a
tick:

- a **local** worker process (``--workers N``) that exited is restarted (at most
  :data:`RESTARTS` times for the run); its dead client is marked for Locust's own heartbeat check
  at once, so the master neither waits for it nor hands it users, and when the new one says
  ``client_ready`` the master spreads the users over the workers again (Locust's own path);
- a **remote** worker that Locust marks missing is noted, and its users are spread over the others
  (what Locust does with ``--enable-rebalancing``) while any is left;
- every loss, restart and return is an event with its time, and the seconds the run had fewer
  users than asked are counted: the dashboard shows them, and summary.json and summary.txt keep
  them, so the verdict is read knowing it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

from .exit_status import exit_text
from .local_workers import LocalWorkers
from .snapshot import WorkerEvent

logger = logging.getLogger(__name__)

RESTARTS = 5
"""Local worker restarts allowed per run: a worker that keeps dying is a bug to fix, not to loop on."""

LOST, EXITED, RESTARTED, BACK, GAVE_UP = "lost", "exited", "restarted", "back", "gave up"
"""What a :class:`~.snapshot.WorkerEvent` says happened."""


@dataclass(frozen=True)
class Shortfall:
    """A stretch of the run with fewer users than asked, from a worker's loss until the master has
    all of them running again on the workers left."""

    from_s: float
    to_s: float | None
    """None while it lasts."""
    fewest: int
    asked: int
    started: float
    """Epoch seconds (``from_s`` is since the run's start)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_s": round(self.from_s, 1),
            "to_s": None if self.to_s is None else round(self.to_s, 1),
            "fewest_users": self.fewest,
            "asked": self.asked,
        }


class WorkerSupervisor:
    """Watches a master's workers (and the local processes behind some of them) once a tick."""

    def __init__(self, workers: LocalWorkers, *, restarts: int = RESTARTS) -> None:
        self.workers = workers
        self.restarts_left = restarts
        self.events: list[WorkerEvent] = []
        self.shortfalls: list[Shortfall] = []
        self._closed_s = 0.0
        self._missing: set[str] = set()
        self._last_users = 0
        """Users running at the last tick with no loss open: what "whole again" means after one."""
        self._whole_at = 0
        self._heard: dict[str, float] = {}
        """When each worker's heartbeat was last seen fresh: a missing one was lost about then."""
        self._dead: set[str] = set()
        """Client ids of local workers whose process exited, until the master marks them missing
        (it counts their users until then)."""

    @property
    def short_s(self) -> float:
        """Seconds so far with fewer users than asked because a worker was lost."""
        open_s = sum(time.time() - s.started for s in self.shortfalls if s.to_s is None)
        return self._closed_s + open_s

    def tick(self, runner: Any, elapsed_s: float, *, live: bool) -> str | None:
        """One look at the workers; a message for the user when something happened, else None."""
        now = time.time()
        message = None
        if live:
            message = self._restart_exited(runner, elapsed_s, now)
        message = self._note_missing(runner, elapsed_s, now, live=live) or message
        self._follow_shortfall(runner, elapsed_s, now, live=live)
        return message

    def _event(self, now: float, elapsed_s: float, worker: str, what: str, detail: str = "") -> WorkerEvent:
        event = WorkerEvent(now, elapsed_s, worker, what, detail)
        self.events.append(event)
        logger.warning("Worker event at %s", event.describe())
        return event

    def _restart_exited(self, runner: Any, elapsed_s: float, now: float) -> str | None:
        message = None
        for index, proc, client_id in self.workers.newly_exited():
            why = exit_description(proc.returncode, self.workers.last_error())
            client = runner.clients.get(client_id) if client_id else None
            if client_id is not None and client_id in self._missing:
                # Locust had called it missing already (it froze, then exited): that was its loss.
                self._event(now, elapsed_s, f"worker {index}", EXITED, f"{why}; already lost")
            else:
                self._event(now, elapsed_s, f"worker {index}", EXITED, why)
                self._open_shortfall(runner, elapsed_s, now)
                if client is not None:
                    self._dead.add(client.id)
                    client.heartbeat = -1  # Locust's own heartbeat check marks it missing within a second
            if self.restarts_left <= 0:
                self._event(now, elapsed_s, f"worker {index}", GAVE_UP, f"{RESTARTS} restarts used")
                message = f"Worker {index} exited ({why}); not restarted (it has been {RESTARTS} times)"
                continue
            self.restarts_left -= 1
            try:
                self.workers.restart(index)
            except OSError as exc:
                self._event(now, elapsed_s, f"worker {index}", GAVE_UP, str(exc))
                message = f"Worker {index} exited ({why}) and could not be restarted: {exc}"
                continue
            self._event(now, elapsed_s, f"worker {index}", RESTARTED)
            message = f"Worker {index} exited ({why}); restarted it, and its users resume when it connects"
        return message

    def _note_missing(self, runner: Any, elapsed_s: float, now: float, *, live: bool) -> str | None:
        from locust.runners import HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS, STATE_MISSING, STATE_RUNNING

        message = None
        names = self.workers.client_ids()
        rebalance = False
        for client in list(runner.clients.values()):
            name = names.get(client.id, client.id)
            if client.state == STATE_MISSING and client.id not in self._missing:
                self._missing.add(client.id)
                rebalance = True
                if client.id in self._dead:
                    self._dead.discard(client.id)  # its exit was noted, and it is being replaced
                    continue
                # Locust calls a worker missing some HEARTBEAT_LIVENESS + 1 heartbeats after its last one.
                heard = self._heard.get(client.id, now - (HEARTBEAT_LIVENESS + 1) * HEARTBEAT_INTERVAL)
                self._event(now, elapsed_s, name, LOST, f"no heartbeat for {now - heard:.0f}s")
                self._open_shortfall(runner, elapsed_s, now, since=heard)
                left = runner.worker_count
                message = f"Worker {name} is missing (no heartbeat)" + (
                    f": its users move to the other {left}" if left else ""
                )
            elif client.state != STATE_MISSING and client.id in self._missing:
                self._missing.discard(client.id)
                self._event(now, elapsed_s, name, BACK)
            if client.state != STATE_MISSING and client.heartbeat >= HEARTBEAT_LIVENESS - 1:
                self._heard[client.id] = now  # a heartbeat came in the last second or so
        self._dead &= set(runner.clients.keys())  # one the master already forgot counts no users
        if rebalance and live and runner.worker_count and runner.state == STATE_RUNNING:
            # What Locust does with --enable-rebalancing: the users of a missing worker go to the others.
            runner.start(runner.target_user_count, runner.spawn_rate)
        return message

    def _users_running(self, runner: Any) -> int:
        """The users on workers that are there: not missing, and not a process known to be dead."""
        from locust.runners import STATE_MISSING

        return sum(c.user_count for c in runner.clients.values() if c.state != STATE_MISSING and c.id not in self._dead)

    def _open_shortfall(self, runner: Any, elapsed_s: float, now: float, since: float | None = None) -> None:
        """``since``: when the loss began, if before ``now`` (a missing worker was last heard then)."""
        if self.shortfalls and self.shortfalls[-1].to_s is None:
            return
        asked = int(runner.target_user_count or 0)
        began = min(now, since if since is not None else now)
        fewest = self._users_running(runner)
        # Whole again once the users running before the loss are back (during a ramp, not the target).
        self._whole_at = min(asked, max(self._last_users, fewest))
        self.shortfalls.append(Shortfall(max(0.0, elapsed_s - (now - began)), None, fewest, asked, began))

    def _follow_shortfall(self, runner: Any, elapsed_s: float, now: float, *, live: bool) -> None:
        users = self._users_running(runner)
        if not self.shortfalls or self.shortfalls[-1].to_s is not None:
            self._last_users = users
            return
        current = self.shortfalls[-1]
        asked = int(runner.target_user_count or 0)
        if not live or (users >= min(asked, self._whole_at) and not self._dead):
            self.shortfalls[-1] = dataclasses.replace(current, to_s=elapsed_s)
            self._closed_s += now - current.started
        else:
            self.shortfalls[-1] = dataclasses.replace(current, fewest=min(current.fewest, users), asked=asked)

    def to_dict(self) -> dict[str, Any]:
        """summary.json's ``workers_lost``: what happened, and for how long the load was short."""
        return {
            "events": [e.to_dict() for e in self.events],
            "users_short_s": round(self.short_s, 1),
            "short_periods": [s.to_dict() for s in self.shortfalls],
        }


def exit_description(code: int | None, last_error: str) -> str:
    """``killed by SIGKILL`` or ``exit code 1: <its last stderr line>``."""
    said = exit_text(code)
    return said if code is not None and code < 0 else f"{said}: {last_error}"
