"""Status codes per endpoint, counted from each response as Locust reports it.

Locust counts requests and failures; which codes came back, it does not keep (a 404 marked as a
success by ``catch_response`` and a 200 marked as a failure look alike in its tables). This
counts every request fired on ``events.request``: the response's status code, or for a request
that got no response its error kind (``timeout``, ``connection refused``...). In a distributed
run each worker counts its own and sends them with its stats report (``report_to_master``); the
master adds them up (``worker_report``), as Locust does with its own stats.
"""

from __future__ import annotations

import heapq
import socket
from collections import Counter
from operator import itemgetter
from typing import Any

from .snapshot import StatusRow

Key = tuple[str, str]
"""(method, name), as Locust's stats entries are keyed the other way round."""

REPORT_KEY = "loadtui_status_codes"
"""Where a worker's report to its master carries its counts."""

NAMES_KEPT = 10_000
"""Endpoints counted at most (a locustfile that forgot ``name=`` makes one per URL): the rest are
counted under one ``(other endpoints)`` row, so the counts stay bounded."""
OTHER = "(other endpoints)"


def error_kind(exception: BaseException | str) -> str:
    """What kept a request from getting a response, in the words a person searches logs for."""
    text = exception if isinstance(exception, str) else f"{type(exception).__name__}: {exception}"
    lowered = text.lower()
    if isinstance(exception, (TimeoutError, socket.timeout)) or "timeout" in lowered or "timed out" in lowered:
        return "timeout"
    if isinstance(exception, ConnectionRefusedError) or "refused" in lowered:
        return "connection refused"
    if isinstance(exception, ConnectionResetError) or "reset by peer" in lowered or "connectionreset" in lowered:
        return "connection reset"
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "gaierror" in lowered:
        return "name not resolved"
    if "ssl" in lowered or "certificate" in lowered:
        return "tls error"
    if "remotedisconnected" in lowered or "connection aborted" in lowered or "connectionclosed" in lowered:
        return "connection closed"
    return "no response" if isinstance(exception, str) else f"no response ({type(exception).__name__})"


def status_of(response: Any, exception: Any) -> str:
    """``"200"``, ``"503"``... or the error kind of a request that got no response. A request of
    a non-HTTP client (no status code) counts as ``ok`` or ``error``."""
    code = getattr(response, "status_code", None)
    if isinstance(code, int) and code > 0:
        return str(code)
    if exception is not None:
        # HttpUser gives a response with status 0 and the error that kept it from coming.
        cause = getattr(response, "error", None) or exception
        return error_kind(cause)
    return "ok" if response is None or code is None else "no response"


class StatusCodes:
    """The counts of one run: per endpoint, and a total."""

    def __init__(self) -> None:
        self.counts: dict[Key, Counter[str]] = {}
        self._totals: dict[Key, int] = {}
        """Each endpoint's requests counted, kept as they come: the busiest are picked from these."""
        self._listening: list[tuple[Any, Any]] = []
        """(event hook, listener) pairs added, for :meth:`stop`."""

    def _add(self, hook: Any, listener: Any) -> None:
        hook.add_listener(listener)
        self._listening.append((hook, listener))

    def listen(self, events: Any) -> None:
        """Counts every request of ``events`` until :meth:`stop`; zeroed when Locust's stats are."""
        self._add(events.request, self._on_request)
        self._add(events.reset_stats, self.reset)

    def stop(self) -> None:
        """No more counting (the global ``locust.events`` outlive a run: the next one counts anew)."""
        for hook, listener in self._listening:
            hook.remove_listener(listener)
        self._listening = []

    def reset(self, **_kwargs: Any) -> None:
        self.counts = {}
        self._totals = {}

    def _on_request(
        self, request_type: str = "", name: str = "", response: Any = None, exception: Any = None, **_kw: Any
    ) -> None:
        self.add((str(request_type), str(name)), status_of(response, exception))

    def add(self, key: Key, status: str, count: int = 1) -> None:
        counts = self.counts.get(key)
        if counts is None:
            if len(self.counts) >= NAMES_KEPT:
                key = (key[0], OTHER)
            counts = self.counts.setdefault(key, Counter())
        counts[status] += count
        self._totals[key] = self._totals.get(key, 0) + count

    # --- a worker's share, to its master and back ---------------------------------------------------

    def serialize(self) -> list[list[Any]]:
        return [[method, name, dict(counts)] for (method, name), counts in self.counts.items()]

    def merge(self, data: list[list[Any]]) -> None:
        for method, name, counts in data:
            for status, count in counts.items():
                self.add((method, name), status, int(count))

    def send_with_reports(self, events: Any) -> None:
        """A worker's: its counts go with each stats report to the master, and start again."""

        def on_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
            data[REPORT_KEY] = self.serialize()
            self.reset()

        self._add(events.report_to_master, on_report)

    def take_worker_reports(self, events: Any) -> None:
        """A master's: every worker's counts added in as its reports arrive."""

        def on_worker_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
            self.merge(data.get(REPORT_KEY) or [])

        self._add(events.worker_report, on_worker_report)

    # --- for the screen and summary.json ---------------------------------------------------------------

    def rows(self, most: int) -> tuple[StatusRow, ...]:
        """At most ``most`` rows: the busiest endpoints' codes, each endpoint's most frequent first."""
        found: list[StatusRow] = []
        # Every endpoint has a row at least, so the ``most`` busiest are all that can be shown
        # (3000 names: 0.5 ms, where sorting them all by a sum of their codes took 2.4).
        busiest = heapq.nlargest(most, self._totals.items(), key=itemgetter(1))
        for (method, name), total in busiest:
            for status, count in self.counts[(method, name)].most_common():
                if len(found) >= most:
                    return tuple(found)
                found.append(StatusRow(method, name, status, count, count / (total or 1)))
        return tuple(found)
