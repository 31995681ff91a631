"""The bundled demo target: its routes, and that its child process never outlives loadtui.

Everything here is real: real child processes, real HTTP on loopback, real signals.
"""

import locust  # noqa: F401  isort: skip  (gevent must patch before ssl; harmless after conftest)

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from loadtui.engine.demo_target import DemoTarget, DemoTargetError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(demo_target: DemoTarget) -> Iterator[httpx.Client]:
    assert demo_target.url is not None
    with httpx.Client(base_url=demo_target.url, timeout=5.0) as http:
        yield http


def _gone(pid: int) -> bool:
    """True once *pid* has exited. A zombie counts: it runs nothing and holds no port."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, timeout: float) -> float | None:
    """Seconds until *pid* was gone, or None if it was still running after *timeout*."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _gone(pid):
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def _timed_get(client: httpx.Client, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    response = client.get(path)
    return response.status_code, time.perf_counter() - start


# -- the process ----------------------------------------------------------------------------------


def test_start_returns_a_loopback_url_and_listens_on_loopback_only(demo_target: DemoTarget) -> None:
    assert demo_target.url is not None
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", demo_target.url)
    assert demo_target.alive
    assert demo_target.pid is not None
    listening = [c for c in psutil.Process(demo_target.pid).net_connections("inet") if c.status == "LISTEN"]
    assert [(c.laddr.ip, c.laddr.port) for c in listening] == [("127.0.0.1", int(demo_target.url.rsplit(":", 1)[1]))]


def test_stop_terminates_the_child_and_is_idempotent() -> None:
    target = DemoTarget()
    url = target.start()
    pid = target.pid
    assert pid is not None and psutil.pid_exists(pid)
    assert httpx.get(f"{url}/api/v1/health").status_code == 200

    target.stop()

    assert not psutil.pid_exists(pid)  # exited and reaped, not a zombie
    assert not target.alive
    assert target.url is None and target.pid is None
    target.stop()  # a second stop is a no-op


def test_stop_without_start_is_a_no_op() -> None:
    target = DemoTarget()
    target.stop()
    assert not target.alive


def test_context_manager_starts_and_stops() -> None:
    with DemoTarget() as target:
        pid = target.pid
        assert pid is not None and target.alive
    assert not target.alive
    assert not psutil.pid_exists(pid)


def test_start_twice_is_an_error() -> None:
    with DemoTarget() as target, pytest.raises(DemoTargetError, match="already started"):
        target.start()


def test_start_timeout_stops_the_child_and_says_why() -> None:
    target = DemoTarget(startup_timeout=0.01)  # the child needs ~0.3 s to import Flask
    with pytest.raises(DemoTargetError, match="did not start listening within"):
        target.start()
    assert not target.alive
    assert target.url is None


def test_child_that_dies_at_startup_is_reported_with_its_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A real process that fails the way a broken install would: an error on stderr, a non-zero exit.
    broken_python = tmp_path / "python"
    broken_python.write_text("#!/bin/sh\necho 'ModuleNotFoundError: no flask here' >&2\nexit 3\n")
    broken_python.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken_python))

    target = DemoTarget()
    with pytest.raises(DemoTargetError, match=r"exited with code 3 before listening:\nModuleNotFoundError"):
        target.start()
    assert not target.alive


def test_sigterm_stops_the_server_with_exit_code_0() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "loadtui.demo.server", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("LISTENING http://127.0.0.1:")
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=5) == 0
        assert time.monotonic() - start < 2
    finally:
        server.kill()
        server.wait()


def test_server_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loadtui.demo.server", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert result.stdout == ""


def test_module_imports_neither_flask_nor_the_ui() -> None:
    code = (
        "import sys, loadtui.engine.demo_target\n"
        "print(sorted(m for m in ('flask', 'textual', 'rich') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"


# -- the child never outlives its parent ----------------------------------------------------------

# Starts a DemoTarget, prints the child's pid, then waits to be killed. "gevent" patches first, as
# loadtui does by importing Locust; "thread" starts the target from an OS thread that then exits.
_PARENT_SCRIPT = textwrap.dedent(
    """
    import sys
    if sys.argv[1] == "gevent":
        import locust
    import threading, time
    from loadtui.engine.demo_target import DemoTarget

    target = DemoTarget()
    if sys.argv[1] == "thread":
        starter = threading.Thread(target=target.start)
        starter.start()
        starter.join()
    else:
        target.start()
    print(target.pid, flush=True)
    time.sleep(60)
    """
)


def _spawn_parent(mode: str) -> tuple[subprocess.Popen[str], int]:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT_SCRIPT, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert psutil.Process(child_pid).ppid() == parent.pid
    return parent, child_pid


@pytest.mark.parametrize("mode", ["plain", "gevent"])
def test_sigkilled_parent_leaves_no_child(mode: str) -> None:
    parent, child_pid = _spawn_parent(mode)
    try:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=5)
        # PR_SET_PDEATHSIG makes this near-instant on Linux; elsewhere the getppid() watcher takes ~1 s.
        assert _wait_gone(child_pid, timeout=5) is not None, "the demo target outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()
        if not _gone(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_target_started_from_a_thread_survives_the_thread_and_not_the_parent() -> None:
    # PR_SET_PDEATHSIG fires when the forking *thread* exits, so it must not be used here: the target
    # would die as soon as the thread that started it finished.
    parent, child_pid = _spawn_parent("thread")
    try:
        time.sleep(0.5)
        assert not _gone(child_pid), "the demo target died with the thread that started it"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=5)
        # Without PDEATHSIG only the 1 s getppid() watcher is left to notice.
        assert _wait_gone(child_pid, timeout=5) is not None, "the demo target outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()
        if not _gone(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_atexit_stops_a_target_left_running() -> None:
    # Started from an OS thread (no gevent here), so PR_SET_PDEATHSIG is off and only the atexit hook
    # can stop and reap the child this quickly.
    code = textwrap.dedent(
        """
        import threading
        from loadtui.engine.demo_target import DemoTarget
        target = DemoTarget()
        starter = threading.Thread(target=target.start)
        starter.start()
        starter.join()
        print(target.pid)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    # Exited and reaped by the time the parent has: stopped by the hook, not a watcher's second later.
    assert not psutil.pid_exists(int(result.stdout))


# -- routes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "json", "expected"),
    [
        ("GET", "/", None, 200),
        ("GET", "/get?a=1", None, 200),
        ("POST", "/post", {"a": 1}, 200),
        ("GET", "/post", None, 405),
        ("DELETE", "/anything", None, 200),
        ("PUT", "/anything/deep/path", {"x": 1}, 200),
        ("GET", "/status/418", None, 418),
        ("POST", "/status/503", None, 503),
        ("GET", "/status/99", None, 400),
        ("GET", "/json", None, 200),
        ("GET", "/api/v1/health", None, 200),
        ("GET", "/api/v1/products", None, 200),
        ("GET", "/api/v1/products?page=x", None, 400),
        ("GET", "/api/v1/products/1", None, 200),
        ("GET", "/api/v1/products/1000", None, 200),
        ("GET", "/api/v1/products/1001", None, 404),
        ("GET", "/api/v1/search", None, 400),
        ("POST", "/api/v1/cart", {"product_id": 1}, 400),
        ("POST", "/api/v1/cart", {"product_id": 5000, "quantity": 1}, 404),
        ("POST", "/api/v1/login", {"username": "a", "password": "wrong"}, 401),
        ("POST", "/api/v1/login", {"username": "a"}, 400),
        ("GET", "/no/such/route", None, 404),
    ],
)
def test_route_status(client: httpx.Client, method: str, path: str, json: object, expected: int) -> None:
    assert client.request(method, path, json=json).status_code == expected


def test_anything_echoes_the_request(client: httpx.Client) -> None:
    body = client.patch("/anything/a/b?x=1", json={"k": "v"}).json()
    assert body["method"] == "PATCH"
    assert body["path"] == "/anything/a/b"
    assert body["args"] == {"x": "1"}
    assert body["json"] == {"k": "v"}


def test_post_echoes_a_form(client: httpx.Client) -> None:
    assert client.post("/post", data={"a": "1"}).json()["form"] == {"a": "1"}


def test_api_bodies(client: httpx.Client) -> None:
    products = client.get("/api/v1/products?page=2&per_page=5").json()
    assert [p["id"] for p in products["items"]] == [6, 7, 8, 9, 10]
    assert products["total"] == 1000
    assert client.get("/api/v1/products/42").json()["id"] == 42
    login = client.post("/api/v1/login", json={"username": "a", "password": "right"})
    assert login.status_code == 200 and login.json()["token"]
    cart = client.post("/api/v1/cart", json={"product_id": 3, "quantity": 2})
    assert cart.status_code in (201, 503)  # ~1% of carts fail on purpose
    search = client.get("/api/v1/search", params={"q": "lamp"})
    assert search.status_code in (200, 500)  # ~2% of searches fail on purpose
    if search.status_code == 500:
        assert search.json()["error"] == "search backend timeout"


def test_delay_sleeps_for_the_given_seconds(client: httpx.Client) -> None:
    for path, seconds in (("/delay/0.3", 0.3), ("/delay/0", 0.0)):
        status, elapsed = _timed_get(client, path)
        assert status == 200
        assert seconds <= elapsed < seconds + 1.0


def test_latency_is_roughly_what_each_route_promises(client: httpx.Client) -> None:
    # Loose bounds: the floors are the server's own sleeps; the ceilings leave room for a busy CI box.
    health = sorted(_timed_get(client, "/api/v1/health")[1] for _ in range(5))
    assert health[2] < 0.05  # median: no simulated latency at all
    products = [_timed_get(client, "/api/v1/products/7")[1] for _ in range(5)]
    assert all(0.003 <= t < 0.5 for t in products)
    search = [_timed_get(client, "/api/v1/search?q=chair")[1] for _ in range(5)]
    assert all(0.05 <= t < 1.0 for t in search)
    assert sorted(search)[2] > sorted(products)[2]  # search is the slow one


def test_stats_counts_every_request_except_itself(client: httpx.Client) -> None:
    before = client.get("/__stats").json()["requests"]
    assert client.get("/__stats").json()["requests"] == before  # reading stats is not counted

    for path in ("/get", "/status/500", "/no/such/route", "/api/v1/products/1001", "/api/v1/health"):
        client.get(path)
    client.post("/api/v1/login", json={})

    assert client.get("/__stats").json() == {"requests": before + 6}
