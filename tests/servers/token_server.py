"""A loopback API that answers only requests carrying a token its /login gave out (for the hook tests).

``python tests/servers/token_server.py`` prints its URL and serves until killed. ``GET /__stats``
says how many requests it answered, refused (no or a wrong token) and how many logins it saw, so
a test can hold a run's own count against the server's.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNTS = {"answered": 0, "refused": 0, "logins": 0}
TOKENS: set[str] = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path != "/login":
            self._send(404, {"error": "not found"})
            return
        token = secrets.token_hex(8)
        with LOCK:
            TOKENS.add(token)
            COUNTS["logins"] += 1
        self._send(200, {"token": token})

    def do_GET(self) -> None:
        if self.path == "/__stats":
            with LOCK:
                self._send(200, dict(COUNTS))
            return
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with LOCK:
            known = token in TOKENS
            COUNTS["answered" if known else "refused"] += 1
        if known:
            self._send(200, {"items": [1, 2, 3]})
        else:
            self._send(401, {"error": "log in first"})


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
