"""Locust's global hooks, kept per locustfile: a second locustfile's import never reaches the first's run."""

from pathlib import Path

import locust

from loadtui.engine import locust_events
from loadtui.engine.locustfile import load_locustfile

HOOKED = """
from locust import User, events, task

FIRED = []

@events.test_start.add_listener
def on_start(environment, **kw):
    FIRED.append("{name}")

class U(User):
    @task
    def t(self):
        pass
"""


def test_each_run_sees_only_its_own_locustfiles_listeners(tmp_path: Path) -> None:
    assert locust_events.AVAILABLE
    registry = locust_events.registry()
    before = locust_events.current()
    first = tmp_path / "first.py"
    second = tmp_path / "second.py"
    first.write_text(HOOKED.format(name="first"))
    second.write_text(HOOKED.format(name="second"))
    a = load_locustfile(first)
    b = load_locustfile(second)
    # Importing never changes the hooks in force (a run in progress would fire the new listeners).
    assert locust_events.current() == before

    registry.activate(a.keys)
    locust.events.test_start.fire(environment=None)
    registry.activate(b.keys)
    locust.events.test_start.fire(environment=None)
    fired_a = a.user_classes["U"].__module__
    import sys

    assert sys.modules[fired_a].FIRED == ["first"]
    assert sys.modules[b.user_classes["U"].__module__].FIRED == ["second"]

    # A listener a run added (its Runner's, say) is gone when the next run is activated.
    locust.events.test_start.add_listener(lambda **kw: None)
    registry.activate(a.keys)
    assert len(locust.events.test_start._handlers) == len(registry.base["test_start"]) + 1
    registry.activate(())
    assert locust_events.current() == registry.base


def test_an_unchanged_locustfile_is_imported_once(tmp_path: Path) -> None:
    path = tmp_path / "once.py"
    path.write_text(HOOKED.format(name="once"))
    assert load_locustfile(path) is load_locustfile(path)
