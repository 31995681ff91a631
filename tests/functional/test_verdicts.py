"""Thresholds, verdicts and comparisons on real headless runs against the demo target."""

import json
from pathlib import Path

import pytest

from tests.helpers import LOCUSTFILES, run_loadtui, write_profiles

pytestmark = pytest.mark.slow

PROFILES = """
[profiles.passing]
users = 4
spawn_rate = 50
run_time = "5s"  # long enough for a progress line (every 3 s), which carries "thresholds: pass"
tags = ["read"]
[profiles.passing.thresholds]
fail_ratio = { warn = 0.001, fail = 0.01 }
p95_ms = 2000
[[profiles.passing.thresholds.endpoints]]
name = "/anything/*"
p95_ms = { warn = 1000, fail = 2000 }

[profiles.failing]
users = 4
spawn_rate = 50
run_time = "3s"
[profiles.failing.thresholds]
fail_ratio = 0.01
rps_min = 100000

[profiles.aborting]
users = 4
spawn_rate = 50
run_time = "60s"
[profiles.aborting.thresholds]
fail_ratio = 0.01
abort_on_fail = "2s"
"""


def single_summary(directory: Path) -> dict:  # type: ignore[type-arg]
    folders = [p for p in directory.iterdir() if p.is_dir()]
    assert len(folders) == 1
    return json.loads((folders[0] / "summary.json").read_text())


def test_passing_thresholds_exit_0(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = run_loadtui("--headless", "-p", "passing", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = single_summary(tmp_path / "reports")
    assert summary["verdict"] == "pass"
    scopes = {(t["metric"], t["scope"]) for t in summary["thresholds"]}
    assert ("p95_ms", "GET /anything/reader/read") in scopes and ("fail_ratio", "overall") in scopes
    assert all(t["state"] == "ok" for t in summary["thresholds"])
    assert "Verdict: PASS" in done.stderr and "thresholds: pass" in done.stderr


def test_failing_thresholds_exit_1_and_say_which(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = run_loadtui("--headless", "-p", "failing", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    summary = single_summary(tmp_path / "reports")
    states = {t["metric"]: t for t in summary["thresholds"]}
    assert states["rps_min"]["state"] == "fail" and states["rps_min"]["observed"] < 100000
    assert states["fail_ratio"]["state"] == "fail"  # WriterUser's /status/503
    assert summary["verdict"] == "fail"
    assert "Verdict: FAIL" in done.stderr and "✗ fail    rps_min" in done.stderr


def test_abort_on_fail_ends_the_run_early(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    done = run_loadtui("--headless", "-p", "aborting", cwd=tmp_path, timeout=40)
    assert done.returncode == 1, done.stderr
    summary = single_summary(tmp_path / "reports")
    assert summary["end_reason"] == "aborted" and summary["duration_s"] < 15


def test_compare_two_real_runs_and_a_baseline(tmp_path: Path, demo_target) -> None:  # type: ignore[no-untyped-def]
    write_profiles(tmp_path, PROFILES, locustfile=LOCUSTFILES / "tagged.py", host=demo_target.url)
    assert run_loadtui("--headless", "-p", "passing", "--report-dir", "a", cwd=tmp_path).returncode == 0
    # B: the same test with 1 user instead of 4: a quarter of the RPS, a regression.
    assert run_loadtui("--headless", "-p", "passing", "-u", "1", "--report-dir", "b", cwd=tmp_path).returncode == 0
    run_a = next((tmp_path / "a").iterdir())
    run_b = next((tmp_path / "b").iterdir())

    same = run_loadtui("compare", str(run_a), str(run_a), cwd=tmp_path)
    assert same.returncode == 0 and "no regression beyond 20%" in same.stdout

    worse = run_loadtui("compare", str(run_a), str(run_b), "--tolerance", "20%", cwd=tmp_path)
    assert worse.returncode == 1, worse.stdout
    assert "REGRESSED" in worse.stdout and "Aggregated" in worse.stdout

    bad = run_loadtui("compare", str(run_a), str(tmp_path / "nowhere"), cwd=tmp_path)
    assert bad.returncode == 2 and "no such run" in bad.stderr

    # A run with --baseline judges itself against A at the end, in summary.json and the exit code.
    with_baseline = run_loadtui(
        "--headless", "-p", "passing", "-u", "1", "--baseline", str(run_a), "--report-dir", "c", cwd=tmp_path
    )
    assert with_baseline.returncode == 1, with_baseline.stderr
    summary = single_summary(tmp_path / "c")
    assert summary["comparison"]["regressed"] and summary["verdict"] == "fail"
    assert "Compared with the baseline" in with_baseline.stderr

    missing = run_loadtui("--headless", "-p", "passing", "--baseline", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere: no such run" in missing.stderr
