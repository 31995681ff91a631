"""Locust's command line and config, as a project's CI job and its developers use them, with ``loadtui``
in the place of ``locust``: the files it names are written, its config files and variables are read,
and what means nothing here says so."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import LOCUSTFILES, run_loadtui

pytestmark = pytest.mark.slow


def aggregated(path: Path) -> dict[str, str]:
    rows = list(csv.DictReader(path.open()))
    assert rows[-1]["Name"] == "Aggregated"
    return rows[-1]


def test_a_ci_command_line_writes_the_html_and_csv_it_names(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    before = token_server.stats()
    done = run_loadtui(
        "-f", str(LOCUSTFILES / "hooks.py"), "--headless", "-u", "4", "-r", "20", "-t", "3s", "-H", token_server.url,
        "--html", "out/report_{u}users.html", "--csv", "out/ci", "--csv-full-history", "--json-file", "out/stats",
        cwd=tmp_path, timeout=90,
    )  # fmt: skip
    after = token_server.stats()
    assert done.returncode == 0, done.stderr
    html = tmp_path / "out" / "report_4users.html"  # {u} filled in, as Locust does
    assert html.is_file() and "<html" in html.read_text().lower()
    for suffix in ("_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv"):
        assert (tmp_path / "out" / f"ci{suffix}").is_file(), suffix
    folder = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir())
    ours = aggregated(tmp_path / "out" / "ci_stats.csv")
    assert ours == aggregated(folder / "stats.csv")  # the same final stats as the run folder
    summary = json.loads((folder / "summary.json").read_text())
    answered = after["answered"] - before["answered"]
    assert int(ours["Request Count"]) == summary["totals"]["requests"]
    assert answered - 8 <= summary["totals"]["requests"] <= answered
    history = list(csv.DictReader((tmp_path / "out" / "ci_stats_history.csv").open()))
    assert {row["Name"] for row in history} >= {"/api/items", "Aggregated"}  # --csv-full-history: every name
    stats_json = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert sum(entry["num_requests"] for entry in stats_json) == summary["totals"]["requests"]


def test_standard_output_is_locusts_json_alone_with_json(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """``--json``: stdout is Locust's JSON and nothing else, so ``loadtui ... --json | jq`` works as
    with ``locust``; the end-of-run tables are on stderr, where Locust prints its own."""
    done = run_loadtui(
        "-f", str(LOCUSTFILES / "tagged.py"), "--headless", "-u", "2", "-r", "20", "-t", "2s", "-H", target.url,
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr  # 1: the 503s of WriterUser
    stats = json.loads(done.stdout)
    folder = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir())
    summary = json.loads((folder / "summary.json").read_text())
    assert sum(entry["num_requests"] for entry in stats) == summary["totals"]["requests"] > 0
    assert "Aggregated" in done.stderr and "Report: " in done.stderr


QUITTING_PRINTS = """
from locust import HttpUser, constant, events, task

@events.test_stop.add_listener
def stopped(**_kw):
    print("TEST_STOP", flush=True)

@events.quitting.add_listener
def quitting(**_kw):
    print("QUITTING", flush=True)

@events.quit.add_listener
def quit(exit_code, **_kw):
    print(f"QUIT {exit_code}", flush=True)

class Reader(HttpUser):
    wait_time = constant(0.1)

    @task
    def read(self):
        self.client.get("/api/v1/health")
"""


def test_the_end_is_in_locusts_order_test_stop_quitting_json_quit(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "order.py").write_text(QUITTING_PRINTS)
    args = ("-f", "order.py", "--headless", "-u", "1", "-r", "10", "-t", "1s", "-H", target.url, "--json")
    outputs = []
    for tool in ("locust", "loadtui"):
        done = subprocess.run(
            [sys.executable, "-m", tool, *args], cwd=tmp_path, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (tool, done.stderr)
        stdout = done.stdout
        json_at = stdout.index("[")
        outputs.append(stdout.index("TEST_STOP") < stdout.index("QUITTING") < json_at < stdout.index("QUIT 0"))
        json.loads(stdout[json_at : stdout.index("QUIT 0")])
    assert outputs == [True, True]


def test_locustfile_py_locust_conf_and_locust_variables_are_found(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(LOCUSTFILES / "hooks.py", tmp_path / "locustfile.py")
    log = tmp_path / "hooks.jsonl"
    # The locustfile's own options can be set in locust.conf too, as with Locust.
    (tmp_path / "locust.conf").write_text(
        f"users = 2\nspawn-rate = 10\nrun-time = 2s\napi-user = carol\nhook-log = {log}\n"
    )
    env = {**os.environ, "LOCUST_HOST": token_server.url, "LOCUST_RESET_STATS": ""}
    done = run_loadtui("--headless", cwd=tmp_path, timeout=90, env=env)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert {r["api_user"] for r in records if "api_user" in r} == {"carol"}
    summary = json.loads(next(p for p in (tmp_path / "reports").iterdir()).joinpath("summary.json").read_text())
    assert summary["settings"]["users"] == 2 and summary["settings"]["run_time"] == "2s"
    assert summary["host"] == token_server.url and not summary["demo_target"]
    assert summary["locustfile"].endswith("locustfile.py")
    assert token_server.stats()["refused"] == 0


def test_demo_traffic_never_reaches_a_host_the_user_gave(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    done = run_loadtui("--headless", "-H", token_server.url, "-t", "2s", cwd=tmp_path)
    assert done.returncode == 2
    assert "only ever runs against the bundled demo target" in done.stderr and "Traceback" not in done.stderr
    assert token_server.stats() == {"answered": 0, "refused": 0, "logins": 0}


def test_a_hook_that_raises_in_init_is_bad_input_naming_its_line(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    locustfile = LOCUSTFILES / "raising_hooks.py"
    done = run_loadtui(
        "-f", str(locustfile), "--headless", "-t", "2s", "-H", token_server.url, "--raise-in", "init", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert f"{locustfile}:14: the event listener on_init() raised KeyError: 'API_TOKEN'" in done.stderr
    assert "Traceback" not in done.stderr
    assert token_server.stats()["answered"] + token_server.stats()["refused"] == 0  # nothing ran


def test_a_hook_that_raises_during_the_run_exits_2_as_locust_does(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """Every request succeeds (the demo target answers /): the raising listener alone decides, as in Locust."""
    locustfile = LOCUSTFILES / "raising_hooks.py"
    done = run_loadtui(
        "-f", str(locustfile), "--headless", "-u", "2", "-r", "10", "-t", "2s", "-H", target.url,
        "--raise-in", "test_start", cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"{locustfile}:20: the event listener on_test_start() raised RuntimeError" in done.stderr
    assert "Traceback" not in done.stderr
    folder = next(p for p in (tmp_path / "reports").iterdir())
    assert "Traceback" in (folder / "run.log").read_text()  # the whole story is kept


def test_what_locust_prints_and_refuses(tmp_path: Path) -> None:
    listed = run_loadtui("-f", str(LOCUSTFILES / "tagged.py"), "--list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.split() == ["Available", "Users:", "ReaderUser", "WriterUser"]
    ratio = run_loadtui("-f", str(LOCUSTFILES / "tagged.py"), "--show-task-ratio", cwd=tmp_path)
    assert ratio.returncode == 0 and "Total task ratio" in ratio.stdout
    unknown = run_loadtui("-f", str(LOCUSTFILES / "tagged.py"), "--headless", "--no-such-flag", cwd=tmp_path)
    assert unknown.returncode == 2 and "unrecognized arguments: --no-such-flag" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    version = run_loadtui("--version", cwd=tmp_path)
    assert version.returncode == 0 and "loadtui" in version.stdout and "locust" in version.stdout
    helped = run_loadtui("-f", str(LOCUSTFILES / "hooks.py"), "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "--api-user" in helped.stdout and "--report-dir" in helped.stdout


def test_a_web_ui_option_is_noted_and_the_run_goes_on(tmp_path: Path, token_server) -> None:  # type: ignore[no-untyped-def]
    done = run_loadtui(
        "-f", str(LOCUSTFILES / "hooks.py"), "--headless", "-u", "1", "-t", "1s", "-H", token_server.url,
        "--web-port", "9999", cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--web-port (command line) is a Locust web UI option: loadtui has no web UI, ignored" in done.stderr
