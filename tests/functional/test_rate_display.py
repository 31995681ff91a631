"""How a target rate reads on the dashboard's status line and in the headless progress, from hand-made
snapshots: a mark and words in every state, so it reads the same without colour."""

from loadtui.engine.snapshot import RateState, Snapshot, Totals
from loadtui.ui.widgets.status_line import status_text


def snapshot(rate: RateState | None) -> Snapshot:
    return Snapshot(
        taken_at=0.0,
        state="running",
        profile="steady",
        host="http://127.0.0.1:9",
        demo_target=False,
        locustfile="paced_work.py",
        started_at=0.0,
        elapsed_s=12.0,
        run_time_s=60.0,
        users=4,
        target_users=4,
        spawn_rate=10.0,
        totals=Totals(),
        rate=rate,
    )


def test_a_held_rate_a_short_one_and_one_still_adding_users() -> None:
    held = RateState(target=40, achieved=40.02, users=4, cap=20, capped=False, held=True)
    short = RateState(target=150, achieved=61.0, users=20, cap=20, capped=True, held=False)
    adding = RateState(target=40, achieved=31.0, users=6, cap=20, capped=False, held=False)
    assert held.describe() == "rate 40.0/s of 40/s ✓ 4 users"
    assert short.describe() == "rate 61.0/s of 150/s ✗ short 59% (cap 20 users)"
    assert adding.describe() == "rate 31.0/s of 40/s … 6 users"
    for state in (held, short, adding):
        line = status_text(snapshot(state)).plain.splitlines()[0]
        assert f"users 4/4  {state.describe()}  elapsed" in line


def test_after_a_switch_away_from_the_rate_the_line_says_what_it_came_to() -> None:
    ended = RateState(target=0, achieved=0, users=0, cap=0, capped=False, held=False, active=False, missed_ratio=0.12)
    assert ended.describe() == "rate ended: 12% short while paced ✗"
    assert "rate " not in status_text(snapshot(None)).plain
