"""The profiles model: what one profiles.toml says, as frozen dataclasses.

Reading the file is :mod:`.profile_loading`, checking its values :mod:`.profile_fields`, writing it
:mod:`.profile_saving`. This module imports none of them: everything can depend on the model.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import durations
from . import thresholds as thresholds_mod
from .thresholds import Thresholds


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


PACKAGED_DIR = Path(__file__).resolve().parent.parent / "defaults"
"""Where the copy of profiles.toml and the demo locustfile installed with loadtui live."""

PACKAGED_PROFILES = PACKAGED_DIR / "profiles.toml"
DEMO_LOCUSTFILE = PACKAGED_DIR / "locustfiles" / "demo.py"
"""The demo locustfile installed with loadtui (the packaged profiles' ``locustfiles/demo.py``)."""

PROFILE_KEYS = (
    "description",
    "locustfile",
    "host",
    "users",
    "spawn_rate",
    "rate",
    "run_time",
    "tags",
    "exclude_tags",
    "weights",
    "stages",
    "thresholds",
    "baseline",
    "baseline_tolerance",
    "workers",
    "watch",
    "chart_percentiles",
    "ramp",
)
DEFAULTS_ONLY_KEYS = ("report_dir",)
STAGE_KEYS = ("duration", "users", "spawn_rate", "rate")
STAGE_KEYS_NEEDED = ("duration", "users", "spawn_rate")
RAMP_KEYS = ("of", "start", "step", "every", "max", "settle")
RAMP_OF = ("users", "rate")
"""What a ramp steps: the users (closed model), or the target rate (task runs a second, open model)."""
MERGING_KEYS = ("weights", "thresholds")
"""Keys whose value in a profile adds to what [defaults] gives instead of replacing it."""


class ProfileError(ValueError):
    """Bad input in profiles.toml (or in a value given to override it). The message is final."""


class ProfileConflict(ProfileError):
    """profiles.toml changed on disk since it was read: reload it, or save over it with force."""


PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
"""What a profile name may be: it becomes ``[profiles.NAME]`` and part of the run folder's name."""


def check_name(name: str) -> str:
    """``name`` if it can name a profile; else a ProfileError saying what a name may be."""
    if not PROFILE_NAME_RE.match(name or ""):
        raise ProfileError(
            f"profile name {name!r}: use letters, digits, '_' and '-' (it becomes [profiles.NAME] and part of "
            "the run folder's name)"
        )
    return name


@dataclass(frozen=True)
class Stage:
    """One step of a ramp: hold ``users`` (reached at ``spawn_rate``) until ``duration`` has passed
    since the previous stage ended."""

    duration: str
    """As written (``"30s"``, ``"2m"``); kept so the file round-trips unchanged."""
    users: int
    """In a profile with a rate: the most users the stage may use."""
    spawn_rate: float
    rate: float | None = None
    """Task runs a second across all users in this stage; None: the profile's ``rate`` (if any)."""

    @property
    def duration_s(self) -> float:
        return durations.parse_duration(self.duration)


@dataclass(frozen=True)
class Ramp:
    """Ramp to the limit: ``start`` users, ``step`` more every ``every``, up to ``max``; each step is
    judged on its own window against the profile's thresholds and the run ends at the first that
    fails (see :mod:`loadtui.engine.capacity`). With ``of = "rate"`` the steps are of the target
    rate (task runs a second), the profile's ``users`` the most users it may use."""

    start: float
    step: float
    every: str
    """As written (``"30s"``)."""
    max: float
    settle: str | None = None
    """Not judged after a step's users are all running (their first requests); None: a fifth of ``every``."""
    of: str = "users"
    """``users`` or ``rate`` (:data:`RAMP_OF`)."""

    @property
    def of_rate(self) -> bool:
        return self.of == "rate"

    @property
    def every_s(self) -> float:
        return durations.parse_duration(self.every)

    @property
    def settle_s(self) -> float:
        return durations.parse_duration(self.settle) if self.settle is not None else self.every_s / 5

    @property
    def step_count(self) -> int:
        return 1 + math.ceil((self.max - self.start) / self.step - 1e-9)

    def level_at(self, index: int) -> float:
        """The users (or the rate) of step ``index`` (0 is the first)."""
        return min(self.start + index * self.step, self.max)

    def amount(self, level: float) -> str:
        """``12 users`` or ``40/s``: a level of this ramp in its unit."""
        return f"{level:g}/s" if self.of_rate else f"{level:g} users"

    def describe(self) -> str:
        """``10 users, +10 every 20s up to 300 users`` (or the same in task runs a second)."""
        step = f"+{self.step:g}/s" if self.of_rate else f"+{self.step:g}"
        return f"{self.amount(self.start)}, {step} every {self.every} up to {self.amount(self.max)}"

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.of == "users" else {"of": self.of}
        out.update(start=_num(self.start), step=_num(self.step), every=self.every, max=_num(self.max))
        if self.settle is not None:
            out["settle"] = self.settle
        return out


@dataclass(frozen=True)
class Profile:
    """A load profile with ``[defaults]`` already applied."""

    name: str
    description: str = ""
    locustfile: str = "locustfiles/demo.py"
    """As written; relative paths are relative to the profiles file (see :meth:`ProfileSet.locustfile_path`)."""
    host: str = ""
    """Empty: the bundled demo target is started and used."""
    users: int = 10
    """With ``rate``: the most users it may use (it adds them as responses slow down)."""
    spawn_rate: float = 1.0
    rate: float | None = None
    """Task runs a second across all users (the open model, :mod:`loadtui.engine.pacing`); None: the
    users run as the locustfile's wait_time makes them (the closed model)."""
    run_time: str | None = None
    """None: run until stopped (or until the stages end)."""
    tags: tuple[str, ...] = ()
    """Empty: no tag filter (every task runs), as when Locust is given no ``--tags``."""
    exclude_tags: tuple[str, ...] = ()
    weights: Mapping[str, int] = field(default_factory=dict)
    """Per User class name; classes not named keep the weight their locustfile gives them."""
    stages: tuple[Stage, ...] = ()
    """Non-empty: run through a LoadTestShape; ``users``/``spawn_rate`` are then only the first
    stage's fallbacks."""
    thresholds: Thresholds = thresholds_mod.NONE
    """Limits that give the run its verdict (see :mod:`loadtui.engine.thresholds`)."""
    baseline: str = ""
    """A saved run folder to compare the finished run with (relative to the current directory);
    a regression beyond ``baseline_tolerance`` fails the run."""
    baseline_tolerance: str = "20%"
    watch: tuple[str, ...] = ()
    """Processes of the system under test to follow: PIDs or names (see :mod:`loadtui.engine.watch`)."""
    workers: int | str | None = None
    """Local Locust worker processes (master/worker mode); ``"auto"``: one per core; 0: the users run
    in loadtui's own process. None (not set): in-process headless, one worker under the dashboard,
    so that drawing the screen never competes with the users (bench/RESULTS.md has the figures)."""
    chart_percentiles: tuple[float, ...] = (50.0, 95.0, 99.0)
    """The response-time percentiles the latency chart draws (1 to 4 of them, e.g. 50, 99, 99.9)."""
    ramp: Ramp | None = None
    """Set: the users step up until a step fails the thresholds; the run's result is the capacity."""
    given: frozenset[str] = field(default=frozenset(), compare=False)
    """The profile keys that profiles.toml set for this profile with a non-empty value, in the
    profile's own table or in [defaults], so that a later layer can tell a value the user wrote from
    a built-in default. An empty value (``""``, ``[]``, ``{}``) means unset: it is not given, and in
    the profile's own table it hides what [defaults] says (``host = ""`` there: the demo target),
    except for the keys that add to [defaults] rather than replace it (:data:`MERGING_KEYS`). What
    the file says only: CLI overrides do not change it. Not compared: two profiles with the same
    values are equal however they were written."""

    @property
    def worker_count(self) -> int:
        if self.workers == "auto":
            return os.cpu_count() or 1
        return int(self.workers or 0)

    @property
    def run_time_s(self) -> float | None:
        if self.run_time is None:
            return None
        return durations.parse_duration(self.run_time)

    @property
    def stages_total_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)

    @property
    def effective_run_time_s(self) -> float | None:
        """When the run ends by itself: run_time if set, else the end of the last stage."""
        if self.run_time is not None:
            return self.run_time_s
        if self.stages:
            return self.stages_total_s
        return None

    @property
    def peak_users(self) -> int:
        if self.ramp is not None and not self.ramp.of_rate:
            return int(self.ramp.max)
        return max([self.users, *(stage.users for stage in self.stages)])


@dataclass(frozen=True)
class ProfileSet:
    """Everything one profiles.toml says."""

    path: Path
    packaged: bool
    """True when no ./profiles.toml was found and the copy installed with loadtui is in use."""
    report_dir: str
    profiles: Mapping[str, Profile]
    """In file order: the 1..9 keys of the app follow it."""
    data: Mapping[str, Any]
    """The parsed document as plain data: what a save means, which its edited text is checked against."""
    text: str = ""
    """The file's text when it was read: a save edits it in place, after comparing it with the disk to
    catch other edits. Empty for a set made in code: a save then writes ``data`` anew."""
    defaults: Profile = field(default_factory=lambda: Profile(name="[defaults]"))
    """What [defaults] gives every profile; a saved profile leaves out what equals it."""

    @property
    def names(self) -> list[str]:
        return list(self.profiles)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(self.profiles) or "(none)"
            hint = difflib.get_close_matches(name, list(self.profiles), n=1)
            maybe = f" Did you mean {hint[0]!r}?" if hint else ""
            raise ProfileError(f"{self.path.name}: unknown profile {name!r}.{maybe} Known profiles: {known}.") from None

    def locustfile_path(self, profile: Profile) -> Path:
        path = Path(os.path.expanduser(profile.locustfile))
        return path if path.is_absolute() else (self.path.parent / path)

    def report_dir_path(self) -> Path:
        """Relative to the current directory (it is output, like Locust's --csv and --html)."""
        return Path(os.path.expanduser(self.report_dir))
