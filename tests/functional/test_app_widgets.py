"""Pilot tests of the app with hand-made snapshots (memray style): only the data source is fake.

The app runs its real timer, message path and widgets; ``FakeSession`` (tests/snapshots/appdata.py)
serves the snapshots a test builds and records what the keys asked of it.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from textual._compositor import Compositor
from textual.pilot import Pilot
from textual.widgets import TabbedContent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))

from appdata import FakeSession, make_snapshot, planner, profile_set

from loadtui.engine.snapshot import EndpointRow, RateState
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.messages import EndpointView, EndpointViewChanged, SnapshotReady
from loadtui.ui.run_controller import ENDPOINT_LIMIT
from loadtui.ui.screens.dashboard import DashboardScreen
from loadtui.ui.screens.ended import EndedScreen
from loadtui.ui.screens.help import HelpScreen, bindings_table
from loadtui.ui.screens.picker import PickerScreen
from loadtui.ui.widgets.dialogs import ConfirmDialog
from loadtui.ui.widgets.endpoint_detail import EndpointDetailPanel
from loadtui.ui.widgets.endpoint_table import EndpointTable
from loadtui.ui.widgets.host_panel import HostPanel, HostReadout
from loadtui.ui.widgets.keyed_table import KeyedTable
from tests.helpers import planner_for, screen_lines, until


def make_app(profile: str | None = "light", *argv: str, made_by: object = None) -> LoadTuiApp:
    """The app over the hand-made profiles, started as ``loadtui ARGV`` would be.

    refresh=3600: the timer never fires on its own; tests call refresh_snapshot() when they want one.
    """
    return LoadTuiApp(made_by or planner(None, *argv), profile=profile, refresh=3600, session_factory=FakeSession)  # type: ignore[arg-type]


async def push(app: LoadTuiApp, pilot: Pilot, **snapshot_kwargs: object) -> None:
    """Serves the next snapshot through the app's own path and waits until it is shown."""
    while app.refresh_in_flight:  # the tick of the start: let it land first, or ours is skipped
        await pilot.pause()
    app.session.next_snapshot = make_snapshot(**snapshot_kwargs)  # type: ignore[arg-type]
    app.refresh_snapshot()
    await pilot.pause()


async def make_busiest(app: LoadTuiApp, pilot: Pilot, key: str | None) -> None:
    """Serves the hand-made snapshot with endpoint ``key`` (a table row key) the busiest by far."""
    snap = make_snapshot()
    rows = tuple(replace(r, requests=99_999) if f"{r.method}\x00{r.name}" == key else r for r in snap.endpoints)
    app.session.next_snapshot = replace(snap, endpoints=rows)  # type: ignore[union-attr]
    app.refresh_snapshot()
    await pilot.pause()


def endpoint_table(app: LoadTuiApp) -> KeyedTable:
    return app.screen.query_one("#endpoints", KeyedTable)


class TestDataPath:
    async def test_snapshot_fills_every_panel(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            assert isinstance(app.screen, DashboardScreen)
            table = endpoint_table(app)
            assert table.row_count == 8
            # Locust's order: by name, then method.
            assert table.row_keys[0] == "GET\x00/"
            aggregated = app.screen.query_one("#aggregated", KeyedTable)
            assert aggregated.row_values("aggregated")[1].plain == "Aggregated"
            assert aggregated.row_values("aggregated")[2].text == "5,932"
            tabs = app.screen.query_one(TabbedContent)
            assert "Failures (2)" in str(tabs.get_tab("tab-failures").label)
            # A hidden tab's panel is filled when it is shown, from the latest snapshot.
            failures = app.screen.query_one("#failures", KeyedTable)
            assert failures.row_count == 0
            await pilot.press("f")
            assert tabs.active == "tab-failures" and failures.row_count == 2
            one = make_snapshot().failures[0]
            while app.refresh_in_flight:
                await pilot.pause()
            many = tuple(replace(one, name=f"/x/{i}") for i in range(12))
            app.session.next_snapshot = replace(make_snapshot(endpoints=3), failures=many)  # type: ignore[attr-defined]
            app.refresh_snapshot()
            await pilot.pause()
            assert failures.row_count == 12  # the shown panel follows each tick
            assert endpoint_table(app).row_count == 8  # a hidden one keeps what it showed
            await pilot.press("E")
            assert endpoint_table(app).row_count == 3  # until it is shown
            await pilot.press("x")
            assert app.screen.query_one("#exceptions", KeyedTable).row_count == 1

    async def test_tab_counts_are_redrawn_as_they_change(self) -> None:
        """A count of as many digits repaints its tab; a wider one widens it. Both on screen."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:

            def screen_text() -> str:
                return "\n".join(screen_lines(app))

            await push(app, pilot, endpoints=3)
            assert "Endpoints (3)" in screen_text() and "Failures (2)" in screen_text()
            await push(app, pilot, endpoints=8)
            assert "Endpoints (8)" in screen_text()
            one = make_snapshot().failures[0]
            many = tuple(replace(one, name=f"/x/{i}") for i in range(12))
            while app.refresh_in_flight:
                await pilot.pause()
            app.session.next_snapshot = replace(make_snapshot(), failures=many)  # type: ignore[attr-defined]
            app.refresh_snapshot()
            await pilot.pause()
            text = screen_text()
            assert "Failures (12)" in text and "Exceptions (1)" in text, text.splitlines()[:20]

    async def test_a_tick_repaints_what_changed_not_the_screen(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A tick redraws the panels it changed in a partial update, not the whole screen: a
        full update draws every widget and, over SSH, sends all 120x40 cells each second."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot, endpoints=3)
            updates: list[str] = []
            for kind in ("full", "partial"):
                drawn = getattr(Compositor, f"render_{kind}_update")
                monkeypatch.setattr(
                    Compositor,
                    f"render_{kind}_update",
                    lambda self, *a, drawn=drawn, kind=kind, **k: updates.append(kind) or drawn(self, *a, **k),
                )
            await push(app, pilot, endpoints=3, scale=2.0)
            assert updates and set(updates) == {"partial"}, updates
            assert "2,400" in "\n".join(screen_lines(app))  # the new figures are on screen

    async def test_rows_update_in_place(self) -> None:
        """Rows follow their keys across ticks: new ones shown, gone ones dropped, no rebuild."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot, endpoints=3)
            table = endpoint_table(app)
            assert table.row_count == 3
            row_keys_before = {row.key for row in table.ordered_rows}
            await push(app, pilot, endpoints=5, scale=2.0)
            assert table.row_count == 5
            assert row_keys_before <= {row.key for row in table.ordered_rows}
            assert table.row_values("GET\x00/")[2].text == "2,400"
            await push(app, pilot, endpoints=2)
            assert table.row_count == 2

    async def test_thousands_of_endpoints(self) -> None:
        """3000 names: the app asks for the top ENDPOINT_LIMIT rows; the table stays bounded."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            base = make_snapshot()
            rows = tuple(
                EndpointRow("GET", f"/item/{i:05d}", i, 0, 1.0, 1.0, 1.0, 2.0, 1.5, 1.9, 0.5, 0.0) for i in range(3000)
            )
            app.session.next_snapshot = replace(base, endpoints=rows, endpoint_count=3000)
            app.refresh_snapshot()
            await pilot.pause()
            assert app.session.snapshot_args["limit"] == ENDPOINT_LIMIT
            assert endpoint_table(app).row_count == ENDPOINT_LIMIT
            info = str(app.screen.query_one("#endpoint-info").render())
            assert "showing 200 of 3,000 names" in info
            assert "name=" in info  # many_names: group them with name=
            # The second tick changes nothing: every row is compared and skipped.
            app.refresh_snapshot()
            await pilot.pause()
            assert endpoint_table(app).row_count == ENDPOINT_LIMIT
            # Then the top 200 are other names (they churn every tick with thousands): the table
            # keeps its 200 slots and what it draws is the new rows, not a cached old line.
            table = endpoint_table(app)
            assert "/item/00000" in table.render_line(1).text
            churned = tuple(replace(r, name=f"/other/{i:05d}") for i, r in enumerate(rows))
            app.session.next_snapshot = replace(base, endpoints=churned, endpoint_count=3000)
            app.refresh_snapshot()
            await pilot.pause()
            assert table.row_count == ENDPOINT_LIMIT
            assert table.row_keys[:2] == ["GET\x00/other/00000", "GET\x00/other/00001"]
            assert "/other/00000" in table.render_line(1).text
            assert table.row_values("GET\x00/other/00001")[1].plain == "/other/00001"

    async def test_tick_taken_for_the_old_view_does_not_undo_a_filter(self) -> None:
        """A tick that took its snapshot before the app saw a new filter must not show it."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            table = endpoint_table(app)
            assert table.row_count == 8
            app.post_message(EndpointViewChanged(EndpointView(name_filter="login")))
            app.refresh_snapshot()  # the timer's tick, queued behind the filter with the old view
            assert app.session.snapshot_args["view"].name_filter == ""
            await pilot.pause()
            assert app.session.snapshot_args["view"].name_filter == "login"
            assert table.row_keys == ["POST\x00/api/v1/login"]

    async def test_a_tick_while_a_key_is_answered_waits_for_the_keys_frame(self) -> None:
        """A tick that lands between a sort key's new rows and the frame that draws them is taken
        after that frame, not drawn into it."""
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot, users=3)
            app.on_endpoint_view_changed(EndpointViewChanged(EndpointView(sort_by="p95_ms")))
            app.session.next_snapshot = make_snapshot(users=7)
            app.refresh_snapshot()  # the timer's tick, before the key's frame
            assert not app.refresh_in_flight
            assert app.screen.snapshot.users == 3
            await until(pilot, lambda: app.screen.snapshot.users == 7)
            assert app.session.snapshot_args["view"].sort_by == "p95_ms"
            assert app.skipped_refreshes == 0

    async def test_refresh_skipped_while_one_is_pending(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.pause()
            app._refresh_pending = True
            app.refresh_snapshot()
            assert app.skipped_refreshes == 1
            app._refresh_pending = False

    def test_newer_snapshot_replaces_queued_one(self) -> None:
        older, newer = SnapshotReady(make_snapshot()), SnapshotReady(make_snapshot(users=3))
        assert older.can_replace(newer)

    async def test_generator_warning_above_90_percent(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot, process_cpu=95.0)
            panel = app.screen.query_one(HostPanel)
            assert panel.has_class("-saturated")
            assert "GENERATOR SATURATED" in app.screen.query_one(HostReadout).render().plain
            await push(app, pilot, process_cpu=40.0)
            assert not panel.has_class("-saturated")


class TestKeys:
    async def test_number_keys_switch_profile(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("2")
            assert app.session.profile.name == "medium"
            assert app.session.target == 20
            await pilot.press("3")
            assert app.session.profile.name == "heavy"
            await pilot.press("9")  # no 9th profile: refused, nothing changes
            assert app.session.profile.name == "heavy"

    async def test_plus_minus_change_users(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("plus")
            assert app.session.target == 11
            await pilot.press("minus")
            assert app.session.target == 10
            await pilot.press("greater_than_sign")
            assert app.session.target == 20
            await pilot.press("less_than_sign")
            assert app.session.target == 10
            await pilot.press("underscore")
            assert app.session.target == 0

    async def test_reset_stats_asks_first(self) -> None:
        """r asks before it zeroes the stats: n (or Esc) keeps them, y resets."""
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("r")
            assert isinstance(app.screen, ConfirmDialog) and app.screen.id == "reset-dialog"
            await pilot.press("n")
            assert isinstance(app.screen, DashboardScreen) and ("reset_stats", None) not in app.session.calls
            await pilot.press("r", "y")
            await pilot.pause()
            assert ("reset_stats", None) in app.session.calls

    async def test_p_opens_picker_over_the_run(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("p")
            assert isinstance(app.screen, PickerScreen)
            assert app.screen.live
            await pilot.press("down", "down", "enter")
            assert isinstance(app.screen, DashboardScreen)
            assert app.session.profile.name == "heavy"
            await pilot.press("p", "escape")
            assert isinstance(app.screen, DashboardScreen)
            assert app.session.profile.name == "heavy"

    async def test_s_stops_and_shows_report_paths(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await push(app, pilot)
            await pilot.press("s")
            assert isinstance(app.screen, ConfirmDialog) and app.screen.id == "stop-dialog"
            # A Locust user presses s again and again (its console's "one user fewer"): nothing stops.
            await pilot.press("s", "s", "escape")
            assert isinstance(app.screen, DashboardScreen) and app.session.result is None
            await pilot.press("s", "y")
            await until(pilot, lambda: isinstance(app.screen, EndedScreen))
            assert app.session.calls[-1] == ("stop", "stopped")
            summary = str(app.screen.query_one("#ended-summary").render())
            assert "report.html" in summary
            await pilot.press("escape")  # back to the frozen dashboard
            assert isinstance(app.screen, DashboardScreen)

    async def test_q_stops_the_run_then_exits(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("q")
        assert app.session.calls[-1] == ("stop", "quit")
        assert app.result is not None and app.result.end_reason == "quit"
        assert app.return_value is app.result

    async def test_sort_keys(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            table = endpoint_table(app)
            await pilot.press("o")  # -> requests, biggest first
            requests = [row[2].value for row in (table.row_values(k) for k in table.row_keys)]
            assert requests == sorted(requests, reverse=True)
            assert app.screen.query_one(EndpointTable).sort_column == "requests"
            await pilot.press("O")
            requests = [row[2].value for row in (table.row_values(k) for k in table.row_keys)]
            assert requests == sorted(requests)

    async def test_sort_keeps_cursor_on_the_same_endpoint(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            table = endpoint_table(app)
            await pilot.press("o")  # requests
            await pilot.press("down", "down")
            selected = table.selected_key()
            # The selected endpoint becomes the busiest: it moves to the top, the cursor follows.
            await make_busiest(app, pilot, selected)
            assert table.row_keys[0] == selected
            assert table.selected_key() == selected

    async def test_under_a_target_rate_plus_minus_say_they_change_its_cap(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            footer = " ".join(screen_lines(app)[-1:])
            assert "+1 user" in footer and "cap" not in footer
            paced = RateState(target=40, achieved=40.0, users=4, cap=10, capped=False, held=True)
            app.session.next_snapshot = replace(make_snapshot(), rate=paced)
            app.refresh_snapshot()
            await until(pilot, lambda: "+1 cap" in screen_lines(app)[-1])
            assert "+1 user" not in screen_lines(app)[-1]
            await pilot.press("plus")  # the session's change_users: a paced session changes the cap
            assert app.session.target == 11
            await pilot.press("less_than_sign")
            assert app.session.target == 1

    async def test_the_cursor_stays_on_the_first_row_until_a_person_moves_it(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            table = endpoint_table(app)
            await pilot.press("o")  # requests, biggest first
            assert app.focused is table and table.cursor_row == 0
            first, second = table.row_keys[0], table.row_keys[1]
            # Another endpoint becomes the busiest: it is now the first row, and the cursor is on
            # it (Enter opens the first row when nobody has moved the cursor).
            await make_busiest(app, pilot, second)
            assert table.row_keys[0] == second and table.row_keys[1] == first
            assert table.cursor_row == 0 and table.selected_key() == second

    async def test_panel_letters_and_tab(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await push(app, pilot)
            tabs = app.screen.query_one(TabbedContent)
            await pilot.press("f")
            assert tabs.active == "tab-failures"
            assert app.focused is app.screen.query_one("#failures")
            await pilot.press("x")
            assert tabs.active == "tab-exceptions"
            traceback = str(app.screen.query_one("#traceback").render())
            assert "KeyError" in traceback
            await pilot.press("h")
            assert app.focused is app.screen.query_one(HostPanel)
            await pilot.press("E")
            assert tabs.active == "tab-endpoints"
            assert app.focused is endpoint_table(app)
            await pilot.press("tab")
            assert app.focused is not endpoint_table(app)

    async def test_help_lists_every_binding(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            console = Console(width=120, record=True)
            console.print(bindings_table(app.screen.sections))
            text = console.export_text()
            for binding in DashboardScreen.BINDINGS:
                if binding.id and binding.id.startswith("switch-profile-") and binding.id != "switch-profile-1":
                    continue  # 2..9 share the "1-9" line
                assert binding.id in text
            assert "One endpoint up close" in text and "endpoint-back" in text  # the panel's Escape
            await pilot.press("escape")
            assert isinstance(app.screen, DashboardScreen)

    async def test_command_palette_offers_the_actions(self) -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.press("plus", "1", "0")  # the palette's entries are the bindings' own names
            await until(pilot, lambda: "+10 users" in " ".join(screen_lines(app)))
            await pilot.press("enter")
            await until(pilot, lambda: app.session.target == 20)

    def test_every_binding_has_a_description_and_an_id(self) -> None:
        for owner in (LoadTuiApp, DashboardScreen, PickerScreen, EndedScreen, HelpScreen, EndpointDetailPanel):
            for binding in owner.BINDINGS:
                assert binding.description, binding
                assert binding.id, binding


class TestPicker:
    async def test_picker_first_then_enter_starts(self) -> None:
        FakeSession.instances.clear()
        app = make_app(profile=None)
        async with app.run_test() as pilot:
            assert isinstance(app.screen, PickerScreen)
            info = str(app.screen.query_one("#picker-info").render())
            assert "BrowsingUser" in info and "the bundled demo" in info and "demo target" in info
            await pilot.press("down", "enter")
            assert isinstance(app.screen, DashboardScreen)
            assert app.session.profile.name == "medium"
            assert app.session.started

    async def test_overrides_apply_to_the_first_start(self) -> None:
        app = make_app(None, "-u", "3")
        async with app.run_test() as pilot:
            assert "users       3" in str(app.screen.query_one("#picker-info").render())
            await pilot.press("enter")
            assert app.session.profile.users == 3

    async def test_broken_locustfile_is_shown_and_does_not_start(self) -> None:
        def broken(option: str) -> object:
            raise ValueError(f"{Path(option).name}:12: syntax error: invalid syntax")

        FakeSession.instances.clear()
        app = make_app(None, made_by=planner_for(profile_set(), dashboard=True, loader=broken))
        async with app.run_test() as pilot:
            info = str(app.screen.query_one("#picker-info").render())
            assert "demo.py:12: syntax error" in info
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, PickerScreen)
            assert app.is_running
            assert not FakeSession.instances

    async def test_new_run_after_the_end(self) -> None:
        app = make_app()
        async with app.run_test() as pilot:
            await pilot.press("s", "y")
            await until(pilot, lambda: isinstance(app.screen, EndedScreen))
            first = app.session
            await pilot.press("n")
            assert isinstance(app.screen, PickerScreen)
            await pilot.press("enter")
            assert app.session is not first
            assert first.closed
            assert isinstance(app.screen, DashboardScreen)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_resizes_mid_run(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await push(app, pilot)
        for width, height in [(80, 24), (120, 40), (60, 15), (200, 60), size]:
            await pilot.resize_terminal(width, height)
            await push(app, pilot)
        chart = app.screen.query_one("#latency")
        assert chart.display is (size[0] >= 110 and size[1] >= 32)
