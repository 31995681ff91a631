"""What the loopback test servers share: a quiet HTTP/1.1 handler that answers in one segment,
and a threading server that does not print a client hanging up (its run ended)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart (delayed ACK)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client gone mid-answer (its run ended) is no news here


def serve(handler: type[BaseHTTPRequestHandler], port: int, server: type[QuietServer] = QuietServer) -> int:
    """Serves ``handler`` on loopback ``port`` (0: a free one) until killed, its URL printed first:
    the line the tests' ServerProcess reads."""
    running = server(("127.0.0.1", port), handler)
    print(f"http://127.0.0.1:{running.server_port}", flush=True)
    running.serve_forever()
    return 0
