"""The live comparison with a baseline: each endpoint's p95 and RPS against a saved run, as the run goes."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from loadtui.engine import profile_loading
from loadtui.engine.compare import LATENCY_FLOOR_MS
from loadtui.engine.snapshot import Baseline, BaselineFigures
from loadtui.ui.app import LoadTuiApp
from loadtui.ui.widgets.endpoint_table import endpoint_cells
from loadtui.ui.widgets.keyed_table import KeyedTable
from loadtui.ui.widgets.latency_chart import LatencyChart
from tests.helpers import LOCUSTFILES, session_for, wait_for, write_profiles

pytestmark = pytest.mark.slow

PROFILES = """
[profiles.first]
users = 3
spawn_rate = 50
run_time = "3s"

[profiles.second]
users = 3
spawn_rate = 50
run_time = "1m"
"""


def test_the_live_changes_are_against_a_real_first_run(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """Two real runs; the second names the first with ``baseline =`` in its profile. Each cell's
    change is worked out here from the two runs' own figures, with the tolerance's rule."""
    profile_set = profile_loading.load(
        write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    first = session_for(profile_set, "first")
    first.start()
    result = first.wait(30)
    assert result is not None and result.folder is not None
    saved = {(e["method"], e["name"]): e for e in json.loads((result.folder / "summary.json").read_text())["endpoints"]}

    body = PROFILES + f'\n[profiles.against]\nusers = 3\nspawn_rate = 50\nbaseline = "{result.folder}"\n'
    profile_set = profile_loading.load(
        write_profiles(tmp_path, body, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    )
    second = session_for(profile_set, "against", "--tolerance", "50%")
    second.start()
    try:
        wait_for(lambda: len(second.snapshot().endpoints) >= 2 and second.snapshot().totals.requests > 20)
        snap = second.snapshot()
        baseline = snap.baseline
        assert baseline is not None and baseline.tolerance == 0.5 and baseline.folder == str(result.folder)
        for row in snap.endpoints:
            base = baseline.endpoints[(row.method, row.name)]
            assert (base.p95_ms, base.rps) == (saved[row.key]["p95_ms"], saved[row.key]["rps"])
            cells = endpoint_cells(row.method, row.name, row, baseline=baseline)
            p95, rps = cells["p95_vs"].text, cells["rps_vs"].text  # type: ignore[attr-defined]
            # p95 so far against the first run's; worse (or better) past 50% and the latency floor
            assert p95.startswith(f"{100 * (row.p95_ms - base.p95_ms) / base.p95_ms:+.0f}%"), (p95, row, base)
            grew, fell = row.p95_ms - base.p95_ms, base.p95_ms - row.p95_ms
            assert p95.endswith(" !") == (row.p95_ms > 1.5 * base.p95_ms and grew >= LATENCY_FLOOR_MS)
            assert p95.endswith(" ✓") == (base.p95_ms > 1.5 * row.p95_ms and fell >= LATENCY_FLOOR_MS)
            # the last seconds' RPS against the first run's average; worse below half of it
            assert rps.startswith(f"{100 * (row.current_rps - base.rps) / base.rps:+.0f}%"), (rps, row, base)
            assert rps.endswith(" !") == (row.current_rps < 0.5 * base.rps)
            assert rps.endswith(" ✓") == (base.rps < 0.5 * row.current_rps)
    finally:
        second.stop()


async def test_a_change_beyond_the_tolerance_is_marked_and_the_chart_draws_the_baseline_s_p95(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "snapshots"))
    from appdata import FakeSession, make_snapshot, planner

    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "summary.json").write_text(json.dumps({"totals": {"p95": 40, "rps": 100}, "endpoints": []}))
    app = LoadTuiApp(
        planner(None, "--baseline", str(tmp_path / "base")), profile="light", refresh=3600, session_factory=FakeSession
    )
    if True:
        async with app.run_test(size=(160, 40)) as pilot:
            while app.refresh_in_flight:
                await pilot.pause()
            base = Baseline(
                folder=str(tmp_path / "base"),
                tolerance=0.2,
                totals=BaselineFigures(p95_ms=40.0, rps=100.0),
                endpoints={("GET", "/"): BaselineFigures(p95_ms=10.0, rps=20.0)},
            )
            app.session.next_snapshot = replace(make_snapshot(), baseline=base)  # type: ignore[union-attr]
            app.refresh_snapshot()
            await pilot.pause()
            assert app.screen.query_one(TabbedContent).active == "tab-endpoints"
            table = app.screen.query_one("#endpoints", KeyedTable)
            row = table.row_cells(table.row_keys[0])
            assert row["p95_vs"].text == "+20%" and row["rps_vs"].text == "+0%"  # 12 ms vs 10: within 20%
            others = [table.row_cells(k) for k in table.row_keys[1:]]
            assert all(o["p95_vs"].text == "-" for o in others)  # not in the baseline
            aggregated = app.screen.query_one("#aggregated", KeyedTable)
            total = aggregated.row_cells(aggregated.row_keys[0])
            assert total["p95_vs"].text == "+78% !" and "red" in total["p95_vs"].style  # 71 ms vs 40
            assert "baseline p95 40" in app.screen.query_one(LatencyChart).plt.build()
