"""The real app over the real engine, against the bundled demo target on loopback.

Each test writes its own profiles.toml (few users, short runs) and its reports into tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.engine import profile_loading
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.ended import EndedScreen
from loadtui.ui.screens.picker import PickerScreen
from loadtui.ui.widgets.dialogs import ConfirmDialog
from loadtui.ui.widgets.keyed_table import KeyedTable
from tests.helpers import planner_for, until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

PROFILES = """
[profiles.one]
description = "two users"
users = 2
spawn_rate = 10
run_time = "30s"

[profiles.two]
description = "four users"
users = 4
spawn_rate = 10
run_time = "30s"

[profiles.short]
description = "ends by itself"
users = 1
spawn_rate = 10
run_time = "2s"

[profiles.brief]
description = "ends by itself, a little later"
users = 1
spawn_rate = 10
run_time = "5s"
"""


def make_app(tmp_path: Path, profile: str | None = "one") -> LoadTuiApp:
    # The shape of the repository's profiles.toml, with few users and short runs; host empty so
    # the engine starts the bundled demo target on loopback.
    path = tmp_path / "profiles.toml"
    demo = ROOT / "locustfiles" / "demo.py"
    path.write_text(f'[defaults]\nlocustfile = "{demo}"\nhost = ""\n{PROFILES}', encoding="utf-8")
    profiles = profile_loading.load(path)
    argv = ("--report-dir", str(tmp_path / "reports"))
    return LoadTuiApp(planner_for(profiles, *argv, dashboard=True), profile=profile, refresh=0.2)


def started(app: LoadTuiApp) -> None:
    """Fails with what the app told the user when the run did not start."""
    assert app.session is not None, [n.message for n in app._notifications]


async def test_keys_drive_the_real_runner(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        started(app)
        session = app.session
        await until(pilot, lambda: session.runner.user_count == 2)
        await until(pilot, lambda: endpoint_rows(app) > 0)

        await pilot.press("2")
        assert session.profile.name == "two"
        assert session.runner.target_user_count == 4
        await until(pilot, lambda: session.runner.user_count == 4)

        await pilot.press("1")
        assert session.profile.name == "one"
        assert session.runner.target_user_count == 2

        await pilot.press("plus")
        assert session.runner.target_user_count == 3
        await pilot.press("minus")
        assert session.runner.target_user_count == 2
        await pilot.press("greater_than_sign")
        assert session.runner.target_user_count == 12
        await pilot.press("less_than_sign")
        assert session.runner.target_user_count == 2

        # The switch keeps the stats: requests made before it are still counted.
        before = session.runner.stats.total.num_requests
        assert before > 0
        await pilot.press("p")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("down", "enter")
        assert session.profile.name == "two"
        assert session.runner.stats.total.num_requests >= before

        await pilot.press("s", "y")  # stop, after the confirmation
        await until(pilot, lambda: isinstance(app.screen, EndedScreen))
        result = app.result
        assert result.end_reason == "stopped"
        assert result.folder is not None and result.folder.is_dir()
        assert result.folder.parent == tmp_path / "reports"
        summary = str(app.screen.query_one("#ended-summary").render())
        assert str(result.folder) in summary
        for path in result.files:
            assert path.exists()


async def test_q_writes_the_report_then_exits(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test() as pilot:
        started(app)
        await until(pilot, lambda: app.session.runner.stats.total.num_requests > 0)
        await pilot.press("q")
    assert app.result is not None
    assert app.result.end_reason == "quit"
    assert app.result.folder is not None and app.result.folder.is_dir()
    assert any(p.suffix == ".html" for p in app.result.files)


async def test_run_time_elapsed_shows_the_run_ended_view(tmp_path: Path) -> None:
    app = make_app(tmp_path, profile="short")
    async with app.run_test() as pilot:
        started(app)
        await until(pilot, lambda: isinstance(app.screen, EndedScreen), timeout=15)
        assert app.result.end_reason == "completed"
        assert app.result.folder.is_dir()
        await pilot.press("q")


@pytest.mark.parametrize("key", ["s", "r"])
async def test_a_question_about_the_run_closes_when_the_run_ends_by_itself(tmp_path: Path, key: str) -> None:
    """s (or r) asked, the run time elapses before the answer: the question goes, and Esc on the
    ended view shows the dashboard, not "Stop the run?" over a stopped run."""
    app = make_app(tmp_path, profile="brief")  # 5 s: the question is asked well before the end
    async with app.run_test() as pilot:
        started(app)
        await until(pilot, lambda: app.session.runner.stats.total.num_requests > 0)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await until(pilot, lambda: isinstance(app.screen, EndedScreen), timeout=15)
        assert not any(isinstance(screen, ConfirmDialog) for screen in app.screen_stack)
        requests = app.result.summary["totals"]["requests"]
        assert requests > 0
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        # The live keys are shown disabled over the ended run (the footer dims them, the palette drops them).
        assert app.screen.check_action("stop_run", ()) is None and app.screen.check_action("change_users", (1,)) is None
        assert app.screen.check_action("cycle_sort", ()) is True
        await pilot.press(key, "y")  # asked again over the ended run: nothing happens, nothing changes
        await pilot.pause()
        assert app.result.summary["totals"]["requests"] == requests
        assert not any(isinstance(screen, ConfirmDialog) for screen in app.screen_stack)


async def test_picker_starts_the_highlighted_profile(tmp_path: Path) -> None:
    app = make_app(tmp_path, profile=None)
    async with app.run_test() as pilot:
        assert isinstance(app.screen, PickerScreen)
        info = str(app.screen.query_one("#picker-info").render())
        # The real locustfile was loaded: its User classes and weights are listed.
        assert "BrowsingUser" in info and "ApiUser" in info
        await pilot.press("down", "enter")
        started(app)
        assert isinstance(app.screen, DashboardScreen)
        assert app.session.profile.name == "two"
        await until(pilot, lambda: app.session.runner.user_count == 4)
        await pilot.press("q")
    assert app.result.folder.is_dir()


def endpoint_rows(app: LoadTuiApp) -> int:
    return app.screen.query_one("#endpoints", KeyedTable).row_count


async def test_a_killed_run_s_report_finished_at_the_start_is_said_on_the_screen(tmp_path: Path) -> None:
    """Not only in the Logs tab: a killed run's folder the start finds (here one killed during its
    first checkpoint, which cannot be made a report) is a notice over the dashboard."""
    import json
    import subprocess
    import sys

    from loadtui.engine.checkpoint import STATE_FILE, writer_identity

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folder = tmp_path / "reports" / "20261203-100000-light"
    folder.mkdir(parents=True)
    (folder / STATE_FILE).write_text(json.dumps({**writer_identity(), "pid": gone.pid, "written_at": 0}))
    app = make_app(tmp_path)
    async with app.run_test() as pilot:
        started(app)
        said = [n.message for n in app._notifications]
        assert any(str(folder) in text and "cannot be made a report" in text for text in said), said
        await pilot.press("q")
