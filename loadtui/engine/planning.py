"""From the command line, profiles.toml and Locust's config to a :class:`RunPlan`: the layers, once.

Each setting a profile can hold (locustfile, host, users, spawn rate, run time, tags) is taken
from the first layer that gives it a non-empty value:

1. the command line, 2. a ``LOCUST_*`` environment variable,
3. the profile's own table in the user's profiles.toml, 4. its ``[defaults]``,
5. Locust's config files (``~/.locust.conf``, ``./locust.conf``, ``[tool.locust]``, ``--config``),
6. the profiles that ship with loadtui (only when there is no profiles.toml of the user's: what the
   user wrote always beats what loadtui ships), 7. built-in defaults.

The locustfile falls back further, as ``locust`` looks for one: ``./locustfile.py``, then the
bundled demo, which only ever runs against the bundled demo target. The load settings from the
command line and the environment (users, rate, run time, tags, ``--workers``, ``--watch``...) are
for the first run started; a later pick from the app's picker, or a live switch, runs the other
profile as written. ``-f`` and ``-H`` define the test, so they apply to every run.
"""

from __future__ import annotations

import argparse
import copy
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from locust import FastHttpUser, HttpUser
from locust.html import process_html_filename

from .command_line import COMMAND_LINE, ENVIRONMENT, CommandLine, FirstPass, parse
from .compare import CompareError, load_summary
from .durations import format_duration
from .locustfile import DEMO_LOCUSTFILE, LoadedLocustfile, LocustfileError, load_locustfile
from .profile_fields import check_host
from .profiles import Profile, ProfileError, ProfileSet
from .run_plan import Distribution, Outputs, RunPlan

LOCAL_WORKERS_WAIT_S = 60.0
"""How long local worker processes get to connect before the run is given up."""

LAYERED = {
    "locustfile": "locustfile",
    "host": "host",
    "users": "num_users",
    "spawn_rate": "spawn_rate",
    "run_time": "run_time",
    "tags": "tags",
    "exclude_tags": "exclude_tags",
}
"""Profile key -> Locust's option (its ``dest``) for the settings both can hold."""

COMMON_OPTIONS = {"num_users": "users", "spawn_rate": "spawn-rate", "run_time": "run-time"}
"""What a LoadTestShape ignores unless it says ``use_common_options`` (Locust's ``main.COMMON_OPTIONS``)."""

LOCUST_DEFAULTS = {"users": 1, "spawn_rate": 1.0, "run_time": None}
"""Locust's own load when its command line and config say nothing: one user, until stopped."""

TEST_KEYS = ("locustfile", "host")
"""Given on the command line, these apply to every run (a live switch changes the load, not the test)."""

FIRST_RUN_OVERRIDES = {"baseline": "baseline", "baseline_tolerance": "tolerance", "watch": "watch"}
"""Profile key -> loadtui's own option, applied to the first run only (like the load settings)."""


class PlanError(ValueError):
    """The run cannot be planned; ``str()`` is the one-paragraph message for the user."""


def workers_value(text: str, flag: str = "--workers") -> int | str:
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise PlanError(f'{flag}: expected a number of worker processes or "auto", got {text!r}') from None
    if value < 0:
        raise PlanError(f"{flag}: expected a number of worker processes, got {value}")
    return value


class Planner:
    """Plans the runs of one loadtui process: the first one from its command line, later ones
    (the picker, live switches) from profiles.toml with the same test."""

    def __init__(
        self,
        argv: Sequence[str],
        profiles: ProfileSet,
        first: FirstPass,
        *,
        dashboard: bool,
        environ: Mapping[str, str] | None = None,
        loader: Callable[[str], LoadedLocustfile] = load_locustfile,
    ) -> None:
        self.argv = tuple(argv)
        self.profiles = profiles
        """Replaced when the app saves or reloads profiles.toml."""
        self.first = first
        self.dashboard = dashboard
        self.environ = environ
        self.loader = loader
        self._command_lines: dict[tuple[str, ...], CommandLine] = {}

    # --- what the app asks --------------------------------------------------------------------------

    @property
    def packaged(self) -> bool:
        return self.profiles.packaged

    def locust_defaults_apply(self) -> bool:
        """Headless, no ``-p`` and no profiles.toml of the user's: a locustfile of theirs runs with
        Locust's defaults where its command line and config are silent, as under ``locust``."""
        return self.packaged and not self.dashboard and self.first.profile is None

    def initial_profile(self) -> str | None:
        """The profile ``-p`` names; None: the picker decides (or, headless, the first profile)."""
        name = self.first.profile
        if name is None or name in self.profiles.profiles:
            return name
        if self.packaged:
            return name  # Locust's --profile is a label: runs with Locust's settings under that name
        self.profiles.get(name)  # unknown -> ProfileError listing the known ones
        return name

    def profile(self, name: str | None, *, first: bool = False) -> Profile:
        """``name`` with every layer applied (``first``: the command line's load settings too)."""
        return self._layered(name, self.locustfile(name), first=first)

    def locustfile(self, name: str | None) -> LoadedLocustfile:
        """The locustfile a run of ``name`` would use, imported (once per process and file)."""
        return self.loader(self._locustfile_option(self._base(name)))

    def command_line(self, locustfile: LoadedLocustfile) -> CommandLine:
        """The command line parsed knowing ``locustfile``'s own options."""
        keys = locustfile.keys
        if keys not in self._command_lines:
            self._command_lines[keys] = parse(self.argv, keys, environ=self.environ)
        return self._command_lines[keys]

    def plan(self, name: str | None, *, first: bool = False) -> RunPlan:
        """The whole run of profile ``name`` (None: no profile, Locust's settings alone)."""
        locustfile = self.locustfile(name)
        cl = self.command_line(locustfile)
        profile = self._layered(name, locustfile, first=first)
        options = self._options(cl, profile, locustfile)
        host = profile.host
        notes = list(cl.ignored_notes())
        if locustfile.is_demo:
            if host:
                raise PlanError(
                    f"The bundled demo locustfile only ever runs against the bundled demo target, and a host was "
                    f"given ({host}, from {self._host_source(cl, name)}). Give your own locustfile with -f (or put "
                    "a locustfile.py here), or leave the host out to try the demo."
                )
        elif not host:
            self._check_classes_have_a_host(locustfile, cl)
        user_classes = tuple(cl.options.user_classes or ())
        missing = [c for c in user_classes if c not in locustfile.user_classes]
        if missing:
            known = ", ".join(locustfile.user_classes)
            hint = ""
            profiles = [c for c in missing if c in self.profiles.profiles]
            if profiles:  # ``loadtui light``: as under ``locust``, a bare word names a User class
                hint = f". To run the profile {profiles[0]}, give --profile {profiles[0]}"
            raise PlanError(f"Unknown User class(es): {', '.join(missing)} ({locustfile.label} defines: {known}){hint}")
        try:
            locustfile.check_weights(profile, self.profiles.path.name)
        except LocustfileError as exc:
            raise PlanError(str(exc)) from None
        if profile.baseline:
            try:
                load_summary(profile.baseline)  # a baseline that is not there is bad input, now
            except CompareError as exc:
                raise PlanError(str(exc)) from None
        if self._shape_in_use(locustfile, profile):
            shape = locustfile.shape_classes[0]
            given = [
                f"--{flag}" for dest, flag in COMMON_OPTIONS.items() if cl.given(dest) or cl.configured_value(dest)
            ]
            if given and not getattr(shape, "use_common_options", False):
                notes.append(
                    f"{type(shape).__name__} (a LoadTestShape) decides the load: {', '.join(given)} will be ignored, "
                    "as Locust ignores them (docs.locust.io/en/stable/custom-load-shape.html#use-common-options)"
                )
        if profile.ramp is not None and not profile.ramp.of_rate and first and cl.given("num_users"):
            notes.append(
                f"-u/--users: profile {profile.name} ramps to the limit, its ramp sets the users "
                f"({profile.ramp.describe()}): ignored"
            )
        distribution = self._distribution(cl, profile, first=first, notes=notes)
        if distribution is not None:  # as `locust --processes N` sets them in its master
            options.master = True
            options.expect_workers = distribution.expect_workers or distribution.local_workers
        return RunPlan(
            profile=profile,
            locustfile=locustfile,
            host=host,
            options=options,
            report_dir=self.report_dir(),
            user_classes=user_classes,
            demo=locustfile.is_demo,
            distribution=distribution,
            outputs=self._outputs(options),
            headless=not self.dashboard,
            notes=tuple(notes),
            packaged_profiles=self.packaged,
            checkpoint_seconds=self._checked_seconds(options),
        )

    # --- the layers ---------------------------------------------------------------------------------

    def _base(self, name: str | None) -> Profile:
        if name is not None and name in self.profiles.profiles:
            return self.profiles.profiles[name]
        # No profile: Locust's own settings, with Locust's defaults (one user, one a second).
        return Profile(name=name or "locust", users=1, spawn_rate=1.0)

    def _locustfile_option(self, base: Profile) -> str:
        first = self.first
        if first.locustfile_given:
            return first.locustfile
        if not self.packaged and "locustfile" in base.given:
            return str(self.profiles.locustfile_path(base))
        if first.locustfile_configured and first.locustfile:
            return first.locustfile
        if Path("locustfile.py").is_file():
            return str(Path("locustfile.py").resolve())
        return str(DEMO_LOCUSTFILE)

    def _layered(self, name: str | None, locustfile: LoadedLocustfile, *, first: bool) -> Profile:
        base = self._base(name)
        cl = self.command_line(locustfile)
        fields: dict[str, Any] = {"locustfile": ",".join(locustfile.keys)}
        for key, dest in LAYERED.items():
            if key == "locustfile":
                continue
            value, found = self._pick(key, dest, base, cl, first=first or key in TEST_KEYS)
            if found:
                fields[key] = value
        if self.packaged and not locustfile.is_demo:
            fields["weights"] = {}  # the packaged profiles' weights are the demo's classes
            if self.locust_defaults_apply():
                # Nobody chose a profile: the load is what `locust` would run, not a packaged one's.
                fields = {**LOCUST_DEFAULTS, "stages": (), "ramp": None, **fields}
        if first:
            for key, flag in FIRST_RUN_OVERRIDES.items():
                value = getattr(cl.options, flag, None)
                if value:
                    fields[key] = tuple(value) if isinstance(value, list) else value
            workers = self._workers_given(cl)
            if workers is not None:
                fields["workers"] = workers
        profile = replace(base, **fields)
        if self._shape_in_use(locustfile, profile) and profile.run_time:
            # The locustfile's LoadTestShape decides when the run ends: Locust ignores --run-time then.
            profile = replace(profile, run_time=None)
        if profile.host:
            try:
                fields["host"] = check_host(profile.host)
            except ProfileError as exc:
                raise PlanError(f"{self._host_source(cl, name)}: {exc}") from None
            profile = replace(profile, host=fields["host"])
        return profile

    def _pick(self, key: str, dest: str, base: Profile, cl: CommandLine, *, first: bool) -> tuple[Any, bool]:
        """(value, True) from the first layer that sets ``key``; (None, False): the profile's own."""
        if first and cl.given(dest):
            return _from_locust(key, getattr(cl.options, dest)), True
        if not self.packaged and key in base.given:
            return None, False
        configured = cl.configured_value(dest)
        if configured is not None:
            return _from_locust(key, configured), True
        return None, False

    @staticmethod
    def _shape_in_use(locustfile: LoadedLocustfile, profile: Profile) -> bool:
        """The locustfile's LoadTestShape runs (a profile's stages would replace it)."""
        return bool(locustfile.shape_classes) and not profile.stages and profile.ramp is None

    def _host_source(self, cl: CommandLine, name: str | None) -> str:
        if cl.given("host"):
            return f"-H/--host on the {cl.source('host')}"
        if cl.configured_value("host"):
            return cl.configured_sources.get("host", "Locust's config")
        return f"profile {name} in {self.profiles.path}"

    def _workers_given(self, cl: CommandLine) -> int | str | None:
        if cl.options.workers is not None:
            return workers_value(str(cl.options.workers))
        processes = getattr(cl.options, "processes", None)
        if processes:
            if processes == -1:
                return "auto"
            if processes < -1:
                raise PlanError(f"--processes: invalid count {processes} (-1 means one per core)")
            return int(processes)
        return None

    def _distribution(self, cl: CommandLine, profile: Profile, *, first: bool, notes: list[str]) -> Distribution | None:
        options = cl.options
        local = profile.worker_count
        if options.master:
            return Distribution(
                local_workers=local,
                expect_workers=int(options.expect_workers or 0),
                bind_host=options.master_bind_host,
                bind_port=int(options.master_bind_port),
                max_wait_s=float(options.expect_workers_max_wait or 0),
            )
        if "expect_workers" in cl.sources:
            notes.append("--expect-workers means something only with --master (workers on other machines): ignored")
        if local:
            return Distribution(local_workers=local, max_wait_s=LOCAL_WORKERS_WAIT_S)
        if self.dashboard and profile.workers is None:
            # Under the dashboard the users run in a worker process unless the profile says
            # workers = 0: drawing the screen then never shares a hub with them (bench/RESULTS.md).
            return Distribution(local_workers=1, max_wait_s=LOCAL_WORKERS_WAIT_S)
        return None

    def _options(self, cl: CommandLine, profile: Profile, locustfile: LoadedLocustfile) -> argparse.Namespace:
        """Locust's parsed_options for the run: the command line's, with the plan's load in it."""
        options = copy.deepcopy(cl.options)
        options.locustfile = ",".join(locustfile.keys)
        options.host = profile.host or None
        options.num_users = profile.peak_users if profile.stages or profile.ramp else profile.users
        options.spawn_rate = profile.spawn_rate
        options.run_time = int(profile.effective_run_time_s) if profile.effective_run_time_s else None
        options.tags = list(profile.tags) or None
        options.exclude_tags = list(profile.exclude_tags) or None
        options.profile = profile.name
        options.headless = not self.dashboard
        if options.html_file:
            process_html_filename(options)  # {u} {r} {t}, as Locust fills them in
        return options

    def _outputs(self, options: argparse.Namespace) -> Outputs:
        return Outputs(
            csv_prefix=options.csv_prefix,
            csv_full_history=bool(options.stats_history_enabled),
            html_file=options.html_file,
            json_stdout=bool(options.json) and not self.dashboard,
            json_file=options.json_file,
        )

    @staticmethod
    def _checked_seconds(options: argparse.Namespace) -> float:
        """--request-timeout and --checkpoint-interval checked (0 or more); the checkpoint interval."""
        for flag in ("request_timeout", "checkpoint_interval"):
            seconds = float(getattr(options, flag, 0.0))
            if not seconds >= 0:
                raise PlanError(f"--{flag.replace('_', '-')}: expected 0 or more seconds, got {seconds:g}")
        return float(getattr(options, "checkpoint_interval", 5.0))

    def report_dir(self) -> Path:
        """Where run folders go: ``--report-dir``, else [defaults] report_dir of the user's
        profiles.toml, else a ``report-dir`` in Locust's config, else ``./reports``."""
        first = self.first
        if first.report_dir and first.report_dir_source in (COMMAND_LINE, ENVIRONMENT):
            return Path(os.path.expanduser(first.report_dir))
        user_set = not self.packaged and "report_dir" in dict(self.profiles.data.get("defaults", {}))
        if not user_set and first.report_dir:
            return Path(os.path.expanduser(first.report_dir))
        return self.profiles.report_dir_path()

    def _check_classes_have_a_host(self, locustfile: LoadedLocustfile, cl: CommandLine) -> None:
        """A User that makes HTTP requests needs a base URL from somewhere, or every request fails."""
        chosen = cl.options.user_classes or list(locustfile.user_classes)
        hostless = [
            name
            for name in chosen
            if (cls := locustfile.user_classes.get(name)) is not None
            and issubclass(cls, HttpUser | FastHttpUser)
            and not getattr(cls, "host", None)
        ]
        if hostless:
            raise PlanError(
                f"No host to test: {', '.join(hostless)} in {locustfile.label} make HTTP requests and nothing gives "
                "them a base URL. Give one with -H http://host:port, host in profiles.toml or locust.conf, "
                "LOCUST_HOST, or a host attribute on the class."
            )


def _from_locust(key: str, value: Any) -> Any:
    """A value of Locust's parser as the Profile field holds it."""
    if key == "run_time":
        return format_duration(float(value)) if value else None
    if key in ("tags", "exclude_tags"):
        return tuple(value or ())
    if key == "users":
        if int(value) < 0:
            raise PlanError(f"-u/--users: expected a number of users, got {value}")
        return int(value)
    if key == "spawn_rate":
        return float(value)
    return value
