"""A loopback target that misbehaves on demand, for the tests of a run against a failing target.

``python tests/servers/faulty_server.py [PORT]`` prints its URL and serves until it is told to die
(or killed). PORT 0 (the default) picks a free one; a test that restarts the target passes the old
one. Paths:

- ``/ok``: 200, a few bytes;
- ``/hang``: accepts the request and never answers (until the server dies);
- ``/huge?mb=N``: 200 with an N MB body;
- ``/error``: 500, "order N rejected: out of stock", N new each time (a locustfile that fails the
  request with the body's text has a new failure message each time);
- ``/status/N``: answers with status N (``status N`` in the counts);
- ``/__stats``: what it has answered, as JSON;
- ``/__die``: answers with the same counts, then closes its port at once (the target died).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

from quiet_http import QuietHandler, serve  # beside this script (run by path)

LOCK = threading.Lock()
COUNTS = {"ok": 0, "error": 0, "huge": 0, "hang": 0}
CHUNK = b"x" * (1 << 20)


class Handler(QuietHandler):
    def _count(self, what: str) -> None:
        with LOCK:
            COUNTS[what] = COUNTS.get(what, 0) + 1

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/ok":
            self._send(200, b"ok")
            self._count("ok")
        elif url.path == "/error":
            with LOCK:
                COUNTS["error"] += 1
                order = 100_000 + COUNTS["error"]
            self._send(500, f"order {order} rejected: out of stock".encode())
        elif url.path == "/huge":
            megabytes = int(parse_qs(url.query).get("mb", ["10"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(megabytes * len(CHUNK)))
            self.end_headers()
            for _ in range(megabytes):
                self.wfile.write(CHUNK)
            self._count("huge")
        elif url.path == "/hang":
            self._count("hang")
            time.sleep(3600)
        elif url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self._send(code, f"status {code}".encode())
            self._count(f"status {code}")
        elif url.path in ("/__stats", "/__die"):
            with LOCK:
                body = json.dumps(COUNTS).encode()
            self._send(200, body, "application/json")
            if url.path == "/__die":
                self.wfile.flush()
                os._exit(0)
        else:
            self._send(404, b"not found")


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    return serve(Handler, port)


if __name__ == "__main__":
    sys.exit(main())
