"""A loopback target with a known capacity, for the tests of load models (ramp to the limit, rate).

``python tests/servers/capacity_server.py PORT WORKERS LATENCY_MS`` prints its URL and serves until
killed. ``/work`` takes one of WORKERS slots for LATENCY_MS and answers 200; a request that finds
every slot busy waits in line for one. So the service takes WORKERS * 1000 / LATENCY_MS requests a
second: up to WORKERS requests at a time answer in LATENCY_MS, more only queue (the throughput stays
flat and the latency grows with the queue), as a real service behind a fixed pool of workers does.
``/__stats`` says how many ``/work`` requests it answered, and its figures.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from quiet_http import QuietHandler, QuietServer, serve  # beside this script (run by path)

LOCK = threading.Lock()
COUNTS = {"work": 0}
SLOTS = threading.Semaphore(1)
LATENCY_S = 0.05
SETTINGS: dict[str, float] = {}


class Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/work":
            with SLOTS:
                time.sleep(LATENCY_S)
            with LOCK:
                COUNTS["work"] += 1
            self._send(200, b"done")
        elif self.path == "/__stats":
            with LOCK:
                body = json.dumps({**COUNTS, **SETTINGS}).encode()
            self._send(200, body, "application/json")
        else:
            self._send(404, b"not found")


class Server(QuietServer):
    request_queue_size = 256


def main() -> int:
    global SLOTS, LATENCY_S
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    latency_ms = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
    SLOTS = threading.Semaphore(workers)
    LATENCY_S = latency_ms / 1000
    SETTINGS.update(workers=workers, latency_ms=latency_ms, capacity_rps=workers * 1000 / latency_ms)
    return serve(Handler, port, Server)


if __name__ == "__main__":
    sys.exit(main())
