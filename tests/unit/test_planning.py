"""How a run is planned: Locust's config files and variables, profiles.toml, the command line, in that order.

Each test works in a directory of its own (as a person runs loadtui in their project) and gives the
environment explicitly, so nothing of this machine's leaks in.
"""

from pathlib import Path

import pytest

from loadtui.engine.command_line import CommandLineExit, first_pass
from loadtui.engine.locustfile import DEMO_LOCUSTFILE
from loadtui.engine.planning import PlanError, Planner
from loadtui.engine.profile_loading import load as load_profiles
from loadtui.engine.profiles import ProfileError

LOCUSTFILE = """
from locust import HttpUser, events, task

@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--my-option", default="plain")

class ApiUser(HttpUser):
    @task
    def home(self):
        self.client.get("/")

class AdminUser(HttpUser):
    @task
    def admin(self):
        self.client.get("/admin")
"""


def plan_for(  # type: ignore[no-untyped-def]
    argv: list[str], env: dict[str, str] | None = None, *, first: bool = True, name: str | None = None, dashboard=False
):
    env = env or {}
    parsed = first_pass(argv, environ=env)
    profiles = load_profiles(parsed.profiles)
    planner = Planner(argv, profiles, parsed, dashboard=dashboard, environ=env)
    chosen = name if name is not None else (planner.initial_profile() or profiles.names[0])
    return planner.plan(chosen, first=first)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.locust.conf of this machine's
    return tmp_path


def test_locustfile_py_here_is_run_not_the_demo(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    plan = plan_for(["-H", "http://127.0.0.1:9"])
    assert plan.locustfile.path.resolve() == (project / "locustfile.py").resolve()
    assert not plan.demo and plan.host == "http://127.0.0.1:9"
    assert plan.profile.weights == {}  # the packaged profiles' weights are the demo's classes
    assert plan.packaged_profiles


def test_headless_without_a_profile_runs_locusts_defaults_not_a_packaged_profile(project: Path) -> None:
    """`loadtui -f mine.py --headless -H ...` loads as `locust` would (1 user, until stopped); a
    profile picked in the dashboard, or named with -p, is that profile."""
    (project / "locustfile.py").write_text(LOCUSTFILE)
    plan = plan_for(["--headless", "-H", "http://127.0.0.1:9"])
    assert (plan.profile.users, plan.profile.spawn_rate, plan.profile.run_time) == (1, 1.0, None)
    plan = plan_for(["--headless", "-H", "http://127.0.0.1:9", "-u", "3", "-t", "5s"])
    assert (plan.profile.users, plan.profile.run_time) == (3, "5s")
    assert plan_for(["--headless", "-H", "http://127.0.0.1:9", "-p", "heavy"]).profile.users == 50
    assert plan_for(["-H", "http://127.0.0.1:9"], name="light", dashboard=True).profile.users == 10
    (project / "locustfile.py").unlink()
    assert plan_for(["--headless"]).profile.users == 10  # the demo keeps its packaged profiles


SHAPED = (
    LOCUSTFILE
    + """
from locust import LoadTestShape

class Steps(LoadTestShape):
    def tick(self):
        return (2, 2) if self.get_run_time() < 6 else None
"""
)


def test_a_locustfiles_shape_decides_the_end_and_run_time_is_ignored_as_locust_does(project: Path) -> None:
    (project / "locustfile.py").write_text(SHAPED)
    plan = plan_for(["--headless", "-H", "http://127.0.0.1:9", "-t", "3s", "-u", "5"])
    assert plan.profile.run_time is None and plan.profile.effective_run_time_s is None
    assert any("Steps (a LoadTestShape) decides the load: --users, --run-time will be ignored" in n for n in plan.notes)
    staged = plan_for(["-H", "http://127.0.0.1:9", "-t", "3s"], name="spike", dashboard=True)
    assert staged.profile.stages and staged.profile.effective_run_time_s  # a profile's stages replace the shape


def test_the_demo_never_goes_to_a_host_the_user_gave(project: Path) -> None:
    with pytest.raises(PlanError, match="only ever runs against the bundled demo target"):
        plan_for(["-H", "http://127.0.0.1:9"])
    with pytest.raises(PlanError, match=r"LOCUST_HOST|environment"):
        plan_for([], {"LOCUST_HOST": "http://127.0.0.1:9"})
    plan = plan_for([])
    assert plan.demo and plan.host == "" and plan.locustfile.path.resolve() == DEMO_LOCUSTFILE


def test_locust_conf_beats_the_packaged_profiles(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    (project / "locust.conf").write_text("users = 7\nrun-time = 10s\nhost = http://127.0.0.1:7\n")
    plan = plan_for([])
    assert (plan.profile.users, plan.profile.run_time, plan.host) == (7, "10s", "http://127.0.0.1:7")
    assert plan.profile.name == "light"  # the packaged profile still gives what the conf does not
    assert plan.profile.spawn_rate == 1.0 and plan.options.num_users == 7


def test_precedence_command_line_environment_profile_config(project: Path) -> None:
    (project / "lf.py").write_text(LOCUSTFILE)
    (project / "locust.conf").write_text("users = 7\nspawn-rate = 3\nhost = http://127.0.0.1:7\n")
    (project / "profiles.toml").write_text(
        '[defaults]\nlocustfile = "lf.py"\nhost = ""\n[profiles.mine]\nusers = 5\nrun_time = "20s"\n'
    )
    plan = plan_for([])
    assert plan.profile.users == 5  # the profile beats locust.conf
    assert plan.profile.spawn_rate == 3.0  # the profile does not say: locust.conf does
    assert plan.host == "http://127.0.0.1:7"  # host = "" is unset: locust.conf's
    assert plan_for([], {"LOCUST_USERS": "9"}).profile.users == 9  # the environment beats the profile
    assert plan_for(["-u", "3"], {"LOCUST_USERS": "9"}).profile.users == 3  # the command line beats both
    assert plan_for([], {"LOCUST_USERS": ""}).profile.users == 5  # an empty variable is unset
    # A later run (the picker, a live switch) runs the profile as written, with the same test.
    later = plan_for(["-u", "3", "-H", "http://127.0.0.1:8"], first=False)
    assert later.profile.users == 5 and later.host == "http://127.0.0.1:8"


def test_pyproject_tool_locust_and_config_file(project: Path) -> None:
    (project / "api.py").write_text(LOCUSTFILE)
    (project / "pyproject.toml").write_text(
        '[tool.locust]\nlocustfile = "api.py"\nusers = 4\nhost = "http://127.0.0.1:4"\n'
    )
    plan = plan_for([])
    assert plan.locustfile.path.name == "api.py" and plan.profile.users == 4
    (project / "ci.conf").write_text("users = 6\n")
    assert plan_for(["--config", "ci.conf"]).profile.users == 6


def test_locustfile_order_f_then_profile_then_config(project: Path) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (project / name).write_text(LOCUSTFILE)
    (project / "locust.conf").write_text("locustfile = c.py\nhost = http://127.0.0.1:1\n")
    assert plan_for([]).locustfile.path.name == "c.py"  # packaged profiles: the conf's locustfile
    (project / "profiles.toml").write_text('[defaults]\nlocustfile = "b.py"\n[profiles.p]\nusers = 1\n')
    assert plan_for([]).locustfile.path.name == "b.py"
    assert plan_for(["-f", "a.py"]).locustfile.path.name == "a.py"
    assert plan_for([], {"LOCUST_LOCUSTFILE": "a.py"}).locustfile.path.name == "a.py"


def test_user_classes_custom_options_and_unknown_flags(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    plan = plan_for(["-H", "http://127.0.0.1:1", "--my-option", "x", "AdminUser"])
    assert plan.user_classes == ("AdminUser",) and plan.options.my_option == "x"
    with pytest.raises(PlanError, match=r"Unknown User class\(es\): Nobody"):
        plan_for(["-H", "http://127.0.0.1:1", "Nobody"])
    # A profile's name where Locust takes User classes: said so, with the flag that runs it.
    with pytest.raises(PlanError, match=r"Unknown User class\(es\): light .*give --profile light$"):
        plan_for(["-H", "http://127.0.0.1:1", "light"])
    with pytest.raises(CommandLineExit) as caught:
        plan_for(["-H", "http://127.0.0.1:1", "--no-such-option"])
    assert caught.value.status == 2 and "unrecognized arguments: --no-such-option" in caught.value.message
    notes = plan_for(["-H", "http://127.0.0.1:1", "--web-port", "9000", "--autostart"]).notes
    assert any("--web-port" in note and "ignored" in note for note in notes) and len(notes) == 2


def test_a_user_class_without_a_host_is_bad_input(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    with pytest.raises(PlanError, match="No host to test: ApiUser, AdminUser"):
        plan_for([])


def test_locusts_output_options_and_html_placeholders(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    plan = plan_for(
        [
            "-H",
            "http://127.0.0.1:1",
            "-u",
            "4",
            "-r",
            "2",
            "-t",
            "30s",
            "--csv",
            "out/x",
            "--csv-full-history",
            "--html",
            "out/r_{u}_{r}_{t}.html",
            "--json-file",
            "out/s",
        ]
    )
    outputs = plan.outputs
    assert outputs.csv_prefix == "out/x" and outputs.csv_full_history and outputs.json_file == "out/s"
    assert outputs.html_file == "out/r_4_2_30.html"
    with pytest.raises(CommandLineExit, match="requires '--csv'"):
        plan_for(["-H", "http://127.0.0.1:1", "--csv-full-history"])


def test_profile_label_with_packaged_profiles_unknown_name_with_the_users(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    plan = plan_for(["-H", "http://127.0.0.1:1", "--profile", "nightly"])
    assert plan.profile.name == "nightly" and plan.profile.users == 1 and plan.profile.run_time is None
    (project / "profiles.toml").write_text('[profiles.mine]\nusers = 2\nhost = "http://127.0.0.1:1"\n')
    with pytest.raises(ProfileError, match="unknown profile 'nightly'"):
        plan_for(["--profile", "nightly"])


def test_where_the_users_run(project: Path) -> None:
    """In-process headless, one worker process under the dashboard, unless the profile or a flag says."""
    (project / "locustfile.py").write_text(LOCUSTFILE)
    host = ["-H", "http://127.0.0.1:1"]
    assert plan_for(host).distribution is None
    dashboard = plan_for(host, dashboard=True).distribution
    assert dashboard is not None and dashboard.local_workers == 1 and dashboard.bind_host == "127.0.0.1"
    (project / "profiles.toml").write_text("[profiles.none]\nworkers = 0\n[profiles.three]\nworkers = 3\n")
    assert plan_for(host, name="none", dashboard=True).distribution is None
    three = plan_for(host, name="three").distribution
    assert three is not None and three.local_workers == 3
    assert plan_for([*host, "--workers", "2"], name="none").distribution.local_workers == 2  # type: ignore[union-attr]
    assert plan_for([*host, "--processes", "2"], name="none").distribution.local_workers == 2  # type: ignore[union-attr]
    with pytest.raises(PlanError, match='--workers: expected a number of worker processes or "auto"'):
        plan_for([*host, "--workers", "many"], name="none")


def test_master_waits_for_workers_as_locust_does(project: Path) -> None:
    (project / "locustfile.py").write_text(LOCUSTFILE)
    host = ["-H", "http://127.0.0.1:1"]
    master = plan_for([*host, "--master"]).distribution
    assert master is not None and master.workers_needed == 1  # Locust's --expect-workers default
    assert (master.bind_host, master.bind_port) == ("*", 5557)
    two = plan_for([*host, "--master", "--expect-workers", "2", "--expect-workers-max-wait", "30"]).distribution
    assert two is not None and two.workers_needed == 2 and two.max_wait_s == 30
    alone = plan_for([*host, "--expect-workers", "2"])
    assert alone.distribution is None and any("--expect-workers" in note for note in alone.notes)
