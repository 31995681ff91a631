"""Status codes as counted: a request that got no response counts under its error kind, found
from the exception's types along its causes, as the client libraries raise them (real requests
to loopback sockets); past the names kept, an endpoint's codes go under one row."""

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from geventhttpclient import HTTPClient

from loadtui.engine.status_codes import error_kind


class Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(1.0)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A loopback server of ``handler``, for the test's length: its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def slow_port() -> Iterator[int]:
    with serving(Slow) as port:
        yield port


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Closing(BaseHTTPRequestHandler):
    def handle(self) -> None:  # reads the request, answers nothing, closes
        self.rfile.readline()
        self.connection.close()


@pytest.fixture
def closing_port() -> Iterator[int]:
    with serving(Closing) as port:
        yield port


def raised(call: object) -> BaseException:
    try:
        call()  # type: ignore[operator]
    except Exception as exc:
        return exc
    raise AssertionError("no error")


def test_a_refusal_whose_url_says_timeout_is_a_refusal(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/timeout/ssl/timed-out"
    assert error_kind(raised(lambda: requests.get(url, timeout=2))) == "connection refused"  # HttpUser's client
    fast = HTTPClient.from_url(url, network_timeout=2)  # FastHttpUser's
    assert error_kind(raised(lambda: fast.get("/timeout/refused-not"))) == "connection refused"


def test_a_timeout_whose_url_says_refused_is_a_timeout(slow_port: int) -> None:
    url = f"http://127.0.0.1:{slow_port}/refused/reset"
    assert error_kind(raised(lambda: requests.get(url, timeout=0.2))) == "timeout"
    fast = HTTPClient.from_url(url, network_timeout=0.2)
    assert error_kind(raised(lambda: fast.get("/refused/reset"))) == "timeout"


def test_a_server_that_closes_without_an_answer_is_a_closed_connection(closing_port: int) -> None:
    url = f"http://127.0.0.1:{closing_port}/reset"
    # http.client's RemoteDisconnected is a ConnectionResetError: it must not pass for a reset
    assert error_kind(raised(lambda: requests.get(url, timeout=2))) == "connection closed"
    fast = HTTPClient.from_url(url, network_timeout=2)
    assert error_kind(raised(lambda: fast.get("/reset"))) == "connection closed"


def test_an_oserror_known_by_its_errno_and_an_exception_that_raises_when_read() -> None:
    assert error_kind(OSError(errno.ECONNREFUSED, "refused")) == "connection refused"
    assert error_kind(OSError(errno.EHOSTUNREACH, "No route to host")) == "host unreachable"
    assert error_kind(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")) == "connection reset"

    class Awkward(Exception):
        @property
        def reason(self) -> str:
            raise RuntimeError("a library's property that raises")

        def __str__(self) -> str:
            raise RuntimeError("and a __str__ that raises")

    assert error_kind(Awkward()) == "no response (Awkward)"  # never raises into Locust's request event


def test_an_error_known_by_its_text_alone_is_read_without_its_urls() -> None:
    assert error_kind("ConnectionRefusedError(111, 'Connection refused') url: /timeout") == "connection refused"
    assert error_kind("HTTPConnectionPool(host='refused.example', port=80): Read timed out.") == "timeout"
    assert error_kind("something else at http://127.0.0.1:1/timeout") == "no response"
    assert error_kind(ValueError("nothing known")) == "no response (ValueError)"


def test_past_the_names_kept_an_endpoint_s_codes_are_under_other_and_its_view_says_so() -> None:
    from loadtui.engine.status_codes import NAMES_KEPT, OTHER, StatusCodes

    codes = StatusCodes()
    for i in range(NAMES_KEPT):
        codes.add(("GET", f"/n/{i}"), "200")
    assert codes.missing_note(("GET", "/n/0")) == ""
    codes.add(("GET", "/late"), "503")
    assert ("GET", "/late") not in codes.counts and codes.counts[("GET", OTHER)]["503"] == 1
    assert OTHER in codes.missing_note(("GET", "/late")) and f"{NAMES_KEPT:,}" in codes.missing_note(("GET", "/late"))
    assert dict(codes.totals()) == {"200": NAMES_KEPT, "503": 1}  # the total counts every request
