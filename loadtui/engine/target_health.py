"""Whether the target answers: every request failing, or none completing, said as it happens.

A target that died, hangs or answers only errors shows on the dashboard as a failure rate; what a
person needs is one line: since when, and the newest failure's message. Once a tick this reads
Locust's per-second counts of the Aggregated row for the seconds that have ended, and keeps the
stretches in which every request failed (``all failing``) or none completed while users ran
(``no answer``): the dashboard and the log say when one starts and ends, and summary.json and
summary.txt list them.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from .durations import human_duration

logger = logging.getLogger(__name__)

ALL_FAILING_S = 3
"""Seconds in a row with every request failed before it is said."""
NO_ANSWER_S = 10
"""Seconds in a row with users running and no request completed before it is said."""

SETTLE_S = 2
"""A second is read this long after it ended (in one process, its last requests are counted)."""
SETTLE_DISTRIBUTED_S = 5
"""A master's: its workers report every second (loadtui's) or every 3 s (plain ``locust --worker``)."""
EXPECTED_ANSWERS = 5
"""Silence is said only when the rate before it promised at least this many answers in NO_ANSWER_S
(a few users with long waits, or long polls, are not a hanging target)."""

ALL_FAILING, NO_ANSWER = "all failing", "no answer"


@dataclass(frozen=True)
class Outage:
    kind: str
    """:data:`ALL_FAILING` or :data:`NO_ANSWER`."""
    from_s: float
    to_s: float | None
    """None while it lasts."""
    error: str = ""
    """The newest failure's message when it was said."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "from_s": round(self.from_s, 1),
            "to_s": None if self.to_s is None else round(self.to_s, 1),
            "error": self.error,
        }


class TargetHealth:
    def __init__(self, *, distributed: bool = False) -> None:
        self.outages: list[Outage] = []
        self.settle_s = SETTLE_DISTRIBUTED_S if distributed else SETTLE_S
        self._second: int | None = None
        self._failing = 0
        self._silent = 0
        self._answered: deque[int] = deque(maxlen=30)
        """Requests completed in each of the last seconds that had any: the rate silence breaks."""

    def tick(self, stats: Any, users: int, started_at: float, now: float | None = None) -> str | None:
        """Looks at the seconds ended since the last tick; a message when an outage starts or ends."""
        now = time.time() if now is None else now
        last_whole = int(now) - self.settle_s
        first = self._second + 1 if self._second is not None else last_whole
        message = None
        total = stats.total
        for second in range(max(first, int(started_at) + 1), last_whole + 1):
            completed = total.num_reqs_per_sec.get(second, 0)  # failed requests too
            failures = total.num_fail_per_sec.get(second, 0)
            elapsed = second + 1 - started_at
            self._failing = self._failing + 1 if completed and failures >= completed else 0
            self._silent = self._silent + 1 if users > 0 and not completed else 0
            if completed:
                self._answered.append(completed)
            message = self._follow(stats, elapsed) or message
        self._second = max(last_whole, self._second or last_whole)
        return message

    def _follow(self, stats: Any, elapsed: float) -> str | None:
        current = self.outages[-1] if self.outages and self.outages[-1].to_s is None else None
        if current is not None:
            still = self._failing if current.kind == ALL_FAILING else self._silent
            if still:
                return None
            self.outages[-1] = replace(current, to_s=elapsed - 1)
            took = human_duration(self.outages[-1].to_s - current.from_s)  # type: ignore[operator]
            said = (
                f"Requests succeed again, after {took} in which every request failed"
                if current.kind == ALL_FAILING
                else f"Requests complete again, after {took} in which none did"
            )
            logger.warning(said)
            return said
        if self._failing >= ALL_FAILING_S:
            error = newest_error(stats)
            self.outages.append(Outage(ALL_FAILING, elapsed - self._failing, None, error))
            said = f"Every request has failed for {self._failing}s; the newest failure: {error}"
        elif self._silent >= NO_ANSWER_S and self._expected_answers() >= EXPECTED_ANSWERS:
            self.outages.append(Outage(NO_ANSWER, elapsed - self._silent, None))
            said = (
                f"No request has completed for {self._silent}s while users ran: the target may hang"
                " (HttpUser waits for ever with --request-timeout 0)"
            )
        else:
            return None
        logger.warning(said)
        return said

    def _expected_answers(self) -> float:
        """Answers the last seconds' rate promised in NO_ANSWER_S. None ever, with users running
        since the start: a user's first request comes at once, so that is a target that hangs."""
        if not self._answered:
            return float(EXPECTED_ANSWERS)
        return sum(self._answered) / len(self._answered) * NO_ANSWER_S


def newest_error(stats: Any) -> str:
    """The most recent failure, as Locust's failures table names it."""
    errors = list(stats.errors.values())
    if not errors:
        return "no failure message"
    return str(max(errors, key=lambda e: e.last_seen or 0.0).to_name())
