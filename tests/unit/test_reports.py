"""Report pieces that need no live run: the bounded host series and the HTML companion section."""

from pathlib import Path

from loadtui.engine import reports
from loadtui.engine.snapshot import HostSample


def sample(t: float, cpu: float, mem_used: int = 50) -> HostSample:
    return HostSample(
        time=t,
        cpu_percent=cpu,
        cpu_per_core=(cpu,),
        mem_used=mem_used,
        mem_total=100,
        swap_used=0,
        swap_total=0,
        load_avg=(0.0, 0.0, 0.0),
        process_cpu_percent=cpu,
        process_rss=1,
    )


def test_host_series_stays_bounded_and_keeps_the_whole_run() -> None:
    stats = reports.HostStats()
    total = 3 * reports.HOST_SERIES_POINTS + 7
    for i in range(total):
        stats.add(sample(float(i), cpu=95.0 if i == 10 else 10.0))
    assert len(stats.series) <= reports.HOST_SERIES_POINTS
    # Merged pairs carry their mean time: the first point stays within the first few seconds.
    rows = stats.series.rows
    assert rows[0][0] < 20 and rows[-1][0] > total - 20  # start and end both kept
    summary = stats.to_dict()
    assert summary["samples"] == total and summary["cpu_percent"]["peak"] == 95.0
    assert summary["generator_saturated"] and summary["mem_percent"] == {"avg": 50.0, "peak": 50.0}


def test_companion_section_shows_switches_and_host_chart(tmp_path: Path) -> None:
    from loadtui.engine.locustfile import LoadedLocustfile
    from loadtui.engine.profiles import Profile

    stats = reports.HostStats()
    for i in range(5):
        stats.add(sample(1000.0 + i, cpu=20.0 + i))
    run = reports.RunInfo(
        profile=Profile(name="heavy"),
        initial_profile=Profile(name="light<b>"),
        locustfile=LoadedLocustfile(path=tmp_path / "lf.py", user_classes={}),
        host="http://127.0.0.1:1",
        demo_target=False,
        started_at=1000.0,
        ended_at=1005.0,
        end_reason="stopped",
        host_stats=stats,
    )
    summary = {
        "profile": "heavy",
        "initial_profile": "light<b>",
        "end_reason": "stopped",
        "host_stats": stats.to_dict(),
        "switches": [
            {
                "elapsed_s": 65.0,
                "at": "2026-01-01T00:01:05Z",
                "from": "light<b>",
                "to": "heavy",
                "users": 50,
                "spawn_rate": 5.0,
            }
        ],
    }
    section = reports.companion_section(summary, run.host_stats.series.rows)
    assert "light&lt;b&gt;" in section and "light<b>" not in section  # escaped
    assert "<td>1m5s</td>" in section and "<td>heavy</td>" in section and "<td>5/s</td>" in section
    assert section.count("<polyline") == 2
    page = reports._with_companion("<html><body><div id='root'></div></body></html>", section)
    assert page.index("id='root'") < page.index('id="loadtui"') < page.index("</body>")


def test_past_runs_sort_newest_first_with_broken_ones_in_their_place(tmp_path: Path) -> None:
    import json

    from loadtui.engine.runs import list_runs

    for name, started in (("20261101-100000-a", "2026-11-01T10:00:00Z"), ("20261103-100000-c", "2026-11-03T10:00:00Z")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps({"started_at": started, "totals": {}}))
    broken = tmp_path / "20261102-100000-b"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json")
    assert [run.folder.name for run in list_runs(tmp_path)] == [
        "20261103-100000-c",
        "20261102-100000-b",
        "20261101-100000-a",
    ]


def test_summary_tables_do_not_depend_on_the_terminal_width(tmp_path: Path) -> None:
    from locust import User, task
    from locust import stats as locust_stats
    from locust.env import Environment

    from loadtui.engine.locustfile import LoadedLocustfile
    from loadtui.engine.profiles import Profile

    class OneUser(User):
        @task
        def t(self) -> None:
            pass

    env = Environment(user_classes=[OneUser])
    env.create_local_runner()
    env.stats.log_request("GET", "/a/rather/long/endpoint/name", 12, 100)
    locust_stats.STATS_NAME_WIDTH = 0  # what Locust computes when imported in an 80-column terminal
    run = reports.RunInfo(
        profile=Profile(name="p"), initial_profile=Profile(name="p"),
        locustfile=LoadedLocustfile(path=tmp_path / "lf.py", user_classes={}), host="http://127.0.0.1:1",
        demo_target=False, started_at=1000.0, ended_at=1005.0, end_reason="completed",
    )  # fmt: skip
    summary = reports.build_summary(env, run)
    text = reports.summary_text(env, run, summary, tmp_path)
    header = next(line for line in text.splitlines() if line.startswith("Type "))
    row = next(line for line in text.splitlines() if "/a/rather/long/endpoint/name" in line)
    # The columns line up (before the fix the Name column was 0 wide and every row was shifted).
    assert [i for i, c in enumerate(header) if c == "|"] == [i for i, c in enumerate(row) if c == "|"]
