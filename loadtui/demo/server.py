"""The bundled demo target: a small httpbin-style API with realistic latency and the odd error.

Run as ``python -m loadtui.demo.server --host 127.0.0.1 --port 0``. It binds loopback only, lets the
OS pick the port, and prints exactly one line, ``LISTENING http://127.0.0.1:<port>``, to stdout so
:class:`loadtui.engine.demo_target.DemoTarget` can read the URL. Nothing else is ever written to
stdout (the parent stops reading after that line); errors go to stderr.

The process is a throwaway child of loadtui, so it takes care never to outlive it: on Linux it asks
the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and on every platform a greenlet
notices within a second that it has been re-parented. SIGTERM and SIGINT stop it with exit code 0.

``GET /__stats`` reports how many requests the server has received, so tests can compare what Locust
counted with what really arrived.
"""

# Patch before anything imports socket, ssl or threading, or they keep the blocking versions and one
# slow request (/delay, /api/v1/search) would stall every other user.
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import ipaddress  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from flask import Flask, Response, jsonify, request  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

PR_SET_PDEATHSIG = 1
"""From <sys/prctl.h>; ctypes has no constant for it."""

DELAY_CAP = 10.0
"""Longest /delay/<seconds> honours, as httpbin does, so a typo cannot hang a user for an hour."""

CATALOGUE_SIZE = 1000
"""Product ids 1..1000 exist; anything above is a 404, which the demo locustfile relies on."""

_rng = random.Random()
"""Latency and error draws. Seeded from the OS per process; --seed makes a run repeatable."""

_request_count = 0
"""Requests received, /__stats excluded. Greenlets only switch on I/O, so += needs no lock."""

_CATEGORIES = ("books", "games", "garden", "kitchen", "music", "outdoor", "toys", "tools")
_ADJECTIVES = ("Classic", "Compact", "Deluxe", "Eco", "Pro", "Smart", "Travel", "Vintage")
_NOUNS = ("Backpack", "Blender", "Chair", "Headphones", "Kettle", "Lamp", "Notebook", "Speaker")


def _build_catalogue() -> list[dict[str, Any]]:
    # A fixed seed, separate from _rng: product 42 is the same product in every run and process.
    rng = random.Random(1000)
    return [
        {
            "id": product_id,
            "name": f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}",
            "category": rng.choice(_CATEGORIES),
            "price": round(rng.uniform(3, 400), 2),
            "in_stock": rng.random() > 0.1,
        }
        for product_id in range(1, CATALOGUE_SIZE + 1)
    ]


CATALOGUE = _build_catalogue()

SAMPLE_JSON: dict[str, Any] = {
    "slideshow": {
        "author": "Yours Truly",
        "date": "date of publication",
        "title": "Sample Slide Show",
        "slides": [
            {"title": "Wake up to WonderWidgets!", "type": "all"},
            {
                "title": "Overview",
                "type": "all",
                "items": ["Why <em>WonderWidgets</em> are great", "Who <em>buys</em> WonderWidgets"],
            },
        ],
    }
}

INDEX_HTML = """<!doctype html>
<html><head><title>loadtui demo shop</title></head>
<body>
<h1>loadtui demo shop</h1>
<p>A local target for trying loadtui. Routes:</p>
<ul>
<li>httpbin-style: /get, /post, /anything, /status/&lt;code&gt;, /delay/&lt;seconds&gt;, /json</li>
<li>API: /api/v1/health, /api/v1/products, /api/v1/products/&lt;id&gt;, /api/v1/search?q=,
POST /api/v1/cart, POST /api/v1/login</li>
<li>/__stats: requests received so far</li>
</ul>
</body></html>
"""

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

app = Flask(__name__)
# Keep documents in the order they were written; sorting keys costs time and reads worse.
app.json.sort_keys = False  # type: ignore[attr-defined]


def _simulate_latency(median_ms: float, low_ms: float, high_ms: float, sigma: float = 0.5) -> None:
    """Sleep for a lognormal time around *median_ms*, clipped to [low_ms, high_ms].

    Lognormal because real service latency has a long right tail: most requests near the median,
    a few several times slower, which is what makes p95/p99 differ from the median on the charts.
    """
    delay_ms = _rng.lognormvariate(math.log(median_ms), sigma)
    gevent.sleep(min(max(delay_ms, low_ms), high_ms) / 1000)


def _echo() -> dict[str, Any]:
    return {
        "method": request.method,
        "path": request.path,
        "args": request.args.to_dict(flat=True),
        "headers": dict(request.headers),
        "origin": request.remote_addr,
        "url": request.url,
        "form": request.form.to_dict(flat=True),
        "json": request.get_json(silent=True),
        "data": request.get_data(as_text=True) if not request.form else "",
    }


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message, status=status), status


@app.before_request
def _count_request() -> None:
    global _request_count
    if request.path != "/__stats":
        _request_count += 1


@app.get("/__stats")
def stats() -> Response:
    return jsonify(requests=_request_count)


@app.get("/")
def index() -> Response:
    return Response(INDEX_HTML, mimetype="text/html")


# -- httpbin-style -------------------------------------------------------------------------------


@app.get("/get")
def get() -> Response:
    return jsonify(_echo())


@app.post("/post")
def post() -> Response:
    return jsonify(_echo())


@app.route("/anything", methods=ALL_METHODS)
@app.route("/anything/<path:subpath>", methods=ALL_METHODS)
def anything(subpath: str = "") -> Response:
    return jsonify(_echo())


@app.route("/status/<int:code>", methods=ALL_METHODS)
def status(code: int) -> Response | tuple[Response, int]:
    # 1xx are not final responses and WSGI servers cannot send them as one.
    if not 200 <= code <= 599:
        return _error(400, "status code must be between 200 and 599")
    return Response(status=code)


# Werkzeug's float converter does not match "2", so integers get their own rule.
@app.route("/delay/<int:seconds>", methods=ALL_METHODS)
@app.route("/delay/<float:seconds>", methods=ALL_METHODS)
def delay(seconds: float) -> Response:
    gevent.sleep(min(float(seconds), DELAY_CAP))
    return jsonify(_echo())


@app.get("/json")
def sample_json() -> Response:
    return jsonify(SAMPLE_JSON)


# -- a small shop API with realistic latency -----------------------------------------------------


@app.get("/api/v1/health")
def health() -> Response:
    return jsonify(status="ok")


@app.get("/api/v1/products")
def products() -> Response | tuple[Response, int]:
    _simulate_latency(median_ms=18, low_ms=10, high_ms=40, sigma=0.35)
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        return _error(400, "page and per_page must be integers")
    if page < 1 or not 1 <= per_page <= 100:
        return _error(400, "page must be >= 1 and per_page between 1 and 100")
    start = (page - 1) * per_page
    return jsonify(page=page, per_page=per_page, total=len(CATALOGUE), items=CATALOGUE[start : start + per_page])


@app.get("/api/v1/products/<int:product_id>")
def product(product_id: int) -> Response | tuple[Response, int]:
    _simulate_latency(median_ms=8, low_ms=3, high_ms=30)
    if not 1 <= product_id <= CATALOGUE_SIZE:
        return _error(404, f"product {product_id} not found")
    return jsonify(CATALOGUE[product_id - 1])


@app.get("/api/v1/search")
def search() -> Response | tuple[Response, int]:
    query = request.args.get("q", "").strip()
    if not query:
        return _error(400, "missing query parameter q")
    # The slow endpoint: a median near 100 ms with a tail to 300 ms.
    _simulate_latency(median_ms=100, low_ms=50, high_ms=300, sigma=0.45)
    if _rng.random() < 0.02:
        return _error(500, "search backend timeout")
    needle = query.lower()
    hits = [p for p in CATALOGUE if needle in p["name"].lower() or needle == p["category"]]
    return jsonify(query=query, total=len(hits), items=hits[:20])


@app.post("/api/v1/cart")
def add_to_cart() -> Response | tuple[Response, int]:
    _simulate_latency(median_ms=25, low_ms=10, high_ms=80)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "expected a JSON object")
    missing = [key for key in ("product_id", "quantity") if key not in body]
    if missing:
        return _error(400, f"missing fields: {', '.join(missing)}")
    product_id, quantity = body["product_id"], body["quantity"]
    if not isinstance(product_id, int) or not isinstance(quantity, int) or quantity < 1:
        return _error(400, "product_id and quantity must be positive integers")
    if not 1 <= product_id <= CATALOGUE_SIZE:
        return _error(404, f"product {product_id} not found")
    if _rng.random() < 0.01:
        return _error(503, "cart service unavailable")
    item = CATALOGUE[product_id - 1]
    return jsonify(product_id=product_id, quantity=quantity, subtotal=round(item["price"] * quantity, 2)), 201


@app.post("/api/v1/login")
def login() -> Response | tuple[Response, int]:
    # Password checks are deliberately slow (key stretching), so login is never the fastest row.
    _simulate_latency(median_ms=45, low_ms=25, high_ms=150)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
        return _error(400, "username and password are required")
    if body["password"] == "wrong":
        return _error(401, "invalid username or password")
    return jsonify(token=f"demo-{_rng.getrandbits(64):016x}", username=body["username"])


# -- process lifetime -----------------------------------------------------------------------------


def _ask_for_sigterm_when_parent_dies() -> None:
    """Linux only: have the kernel send SIGTERM when our parent dies, even by SIGKILL.

    Best effort: elsewhere (or without libc) the getppid() watcher below still notices within 1 s.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch_parent(parent_pid: int, stopping: Event) -> None:
    """Stop once we are re-parented (to init or a subreaper), i.e. our parent has died."""
    while not stopping.is_set():
        if os.getppid() != parent_pid:
            stopping.set()
            return
        gevent.sleep(1.0)


def _loopback_host(value: str) -> str:
    try:
        is_loopback = ipaddress.ip_address(value).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise argparse.ArgumentTypeError(f"{value!r} is not a loopback address; the demo binds loopback only")
    return value


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtui.demo.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", type=_loopback_host, default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port")
    parser.add_argument(
        "--parent-pid",
        type=int,
        default=None,
        help="pid to outlive no longer; defaults to the parent at startup. Passing it closes the gap "
        "where the parent dies while we are still importing Flask.",
    )
    parser.add_argument("--no-pdeathsig", action="store_true", help="rely on the getppid() watcher only")
    parser.add_argument("--seed", type=int, default=None, help="seed latency and error draws")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if not args.no_pdeathsig:
        _ask_for_sigterm_when_parent_dies()
    parent_pid = args.parent_pid if args.parent_pid is not None else os.getppid()
    if args.seed is not None:
        _rng.seed(args.seed)

    stopping = Event()
    # Both run in their own greenlet: all they do is wake the main greenlet, which shuts down.
    gevent.signal_handler(signal.SIGTERM, stopping.set)
    gevent.signal_handler(signal.SIGINT, stopping.set)
    # log=None: no access log. A line per request would cost more than most of these handlers.
    server = WSGIServer((args.host, args.port), app, log=None)
    server.start()
    watcher = gevent.spawn(_watch_parent, parent_pid, stopping)

    host, port = server.address[:2]
    url_host = f"[{host}]" if ":" in host else host  # an IPv6 literal needs brackets in a URL
    print(f"LISTENING http://{url_host}:{port}", flush=True)

    stopping.wait()
    # Stop listening, then leave: in-flight requests (even a 10 s /delay) are not worth waiting for,
    # the load test that sent them is over.
    server.stop(timeout=0.5)
    watcher.kill(block=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
