"""Status codes per endpoint, counted from each response as Locust reports it.

Locust counts requests and failures; which codes came back, it does not keep (a 404 marked as a
success by ``catch_response`` and a 200 marked as a failure look alike in its tables). This
counts every request fired on ``events.request``: the response's status code, or for a request
that got no response its error kind (``timeout``, ``connection refused``...). In a distributed
run each worker counts its own and sends them with its stats report (``report_to_master``); the
master adds them up (``worker_report``), as Locust does with its own stats.
"""

from __future__ import annotations

import errno
import heapq
import re
import socket
from collections import Counter
from operator import itemgetter
from typing import Any

from .endpoint_detail import sorted_codes
from .snapshot import StatusRow

Key = tuple[str, str]
"""(method, name), as Locust's stats entries are keyed the other way round."""

REPORT_KEY = "loadtui_status_codes"
"""Where a worker's report to its master carries its counts."""

NAMES_KEPT = 10_000
"""Endpoints counted at most (a locustfile that forgot ``name=`` makes one per URL): the rest are
counted under one ``(other endpoints)`` row, so the counts stay bounded."""
OTHER = "(other endpoints)"


KINDS: tuple[tuple[str, tuple[type[BaseException], ...], frozenset[int], tuple[str, ...]], ...] = (
    # (kind, built-in exception types, OSError errnos, words in the class names of the client
    # libraries' own: requests' ConnectTimeout, urllib3's ReadTimeoutError, httpx's ConnectError...)
    ("connection refused", (ConnectionRefusedError,), frozenset({errno.ECONNREFUSED}), ("refused",)),
    ("timeout", (TimeoutError, socket.timeout), frozenset({errno.ETIMEDOUT}), ("timeout",)),
    # before the reset: http.client's RemoteDisconnected (closed with no answer) is a ConnectionResetError
    (
        "connection closed",
        (ConnectionAbortedError, BrokenPipeError),
        frozenset({errno.ECONNABORTED, errno.EPIPE}),
        ("remotedisconnected", "connectionclosed", "remoteprotocol"),
    ),
    ("connection reset", (ConnectionResetError,), frozenset({errno.ECONNRESET}), ("reset",)),
    ("name not resolved", (socket.gaierror,), frozenset(), ("nameresolution", "gaierror")),
    ("host unreachable", (), frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH}), ()),
    ("tls error", (), frozenset(), ("ssl", "certificate")),  # ssl.SSLError by name: no ssl import before locust's
)
"""The error kinds, in the order they are looked for along an exception's chain of causes."""

_WORDS = (
    ("timeout", ("timeout", "timed out")),
    ("connection refused", ("refused",)),
    ("connection reset", ("reset by peer", "connectionreset")),
    ("name not resolved", ("name or service not known", "nodename nor servname", "gaierror")),
    ("tls error", ("ssl", "certificate")),
    ("connection closed", ("remotedisconnected", "connection aborted", "connectionclosed")),
)
"""For an error known only by its text: words of each kind's messages."""

_WHERE = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\burl: \S+|\bhost='[^']*'", re.IGNORECASE)
"""URLs and hosts in an error's text, where a path such as ``/timeout`` would pass for a kind."""


def _causes(exception: BaseException) -> list[BaseException]:
    """``exception`` and what it wraps: ``__cause__``/``__context__``, urllib3's ``reason``, and
    exceptions given as arguments (requests' ConnectionError holds urllib3's MaxRetryError)."""
    seen: list[BaseException] = []
    todo = [exception]
    while todo and len(seen) < 16:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        try:
            reason = getattr(current, "reason", None)  # a property of a library's own may raise
        except Exception:
            reason = None
        wrapped = [current.__cause__, current.__context__, reason, *current.args]
        todo.extend(w for w in wrapped if isinstance(w, BaseException))
    return seen


def error_kind(exception: BaseException | str) -> str:
    """What kept a request from getting a response, in the words a person searches logs for: from
    the exception's types (and errnos) along its causes, then from its text with URLs and hosts
    left out. Never raises (it runs in Locust's request event)."""
    try:
        return _error_kind(exception)
    except Exception:
        return "no response" if isinstance(exception, str) else f"no response ({type(exception).__name__})"


def _error_kind(exception: BaseException | str) -> str:
    if isinstance(exception, BaseException):
        chain = _causes(exception)
        # Each one's own class name, not its bases': urllib3's NewConnectionError (a refusal, an
        # unknown name) is a ConnectTimeoutError by inheritance.
        names = [type(e).__name__.lower() for e in chain]
        errnos = {e.errno for e in chain if isinstance(e, OSError)}
        for kind, types, codes, words in KINDS:
            if any(isinstance(e, types) for e in chain) or errnos & codes or any(w in n for n in names for w in words):
                return kind
        text = " ".join(f"{type(e).__name__}: {e}" for e in chain)
    else:
        text = exception
    lowered = _WHERE.sub(" ", text).lower()
    for kind, words in _WORDS:
        if any(word in lowered for word in words):
            return kind
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
        self._by_status: Counter[str] = Counter()
        """Every endpoint's codes together, kept as they come (:meth:`totals`)."""
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
        self._by_status = Counter()

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
        self._by_status[status] += count

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

    def missing_note(self, key: Key) -> str:
        """Why ``key`` has no codes of its own, for its endpoint view: "" when it has them."""
        if key in self.counts or len(self.counts) < NAMES_KEPT:
            return ""
        return f"its status codes are counted under {OTHER!r}: codes are kept for the first {NAMES_KEPT:,} names"

    def totals(self) -> tuple[tuple[str, int], ...]:
        """Every endpoint's codes together, the most frequent first."""
        return sorted_codes(self._by_status)

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
