"""Checking profile values: one small validator per key, looked up in :data:`VALIDATORS`.

Each validator takes a value as TOML gives it and returns the :class:`~.profiles.Profile` field's
value, or raises a ProfileError that names the file, the line, the table and the key:
``profiles.toml:14: [profiles.heavy] users: expected a positive integer, got "x"``.

The same validators check values given on the command line (:func:`resolve`), so a flag gets the
message the file would. Precedence is CLI > profile > ``[defaults]``: :func:`resolve` applies the
first on top of a profile that already inherited the last when the file was loaded.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import thresholds as thresholds_mod
from .compare import CompareError, parse_tolerance
from .durations import format_duration, parse_duration
from .profile_lines import Where
from .profiles import (
    PROFILE_KEYS,
    RAMP_KEYS,
    RAMP_OF,
    STAGE_KEYS,
    STAGE_KEYS_NEEDED,
    Profile,
    ProfileError,
    Ramp,
    Stage,
)
from .thresholds import Thresholds


@dataclass(frozen=True)
class Key:
    """The key being checked and where it is: what a validator's errors name."""

    where: Where
    table: str
    """``"profiles.heavy"``, ``"defaults"``, ``"profiles.heavy.weights"``."""
    name: str
    inherited: Mapping[str, Any] = field(default_factory=dict)
    """The [defaults] fields, for a key whose value merges with what [defaults] gives (thresholds)."""

    def error(self, message: str) -> ProfileError:
        return self.where.error(self.table, self.name, message)


Validator = Callable[[Key, Any], Any]
"""(the key, its value as TOML gives it) -> the Profile field's value; raises ProfileError."""


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _count(key: Key, value: Any, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        kind = "a non-negative integer" if allow_zero else "a positive integer"
        raise key.error(f"expected {kind}, got {_describe(value)}")
    return value


def _positive_number(key: Key, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
        raise key.error(f"expected a positive number, got {_describe(value)}")
    return float(value)


def _duration(key: Key, value: Any) -> str:
    """As written when a string (``"90s"`` stays ``"90s"``); a number of seconds becomes ``"1m30s"``."""
    try:
        parse_duration(value)
    except (ValueError, TypeError) as exc:
        raise key.error(str(exc)) from None
    return value if isinstance(value, str) else format_duration(float(value))


def _string(key: Key, value: Any) -> str:
    if not isinstance(value, str):
        raise key.error(f"expected a string, got {_describe(value)}")
    return value


def _strings(key: Key, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings; a bare string is a list of one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise key.error(f"expected a list of strings, got {_describe(value)}")
    return tuple(value)


def _host(key: Key, value: Any) -> str:
    """Empty, or a URL :func:`check_host` accepts (kept as written, trailing slash and all)."""
    host = _string(key, value)
    if host:
        check_host(host, key.error)
    return host


def _baseline_tolerance(key: Key, value: Any) -> str:
    text = _string(key, value)
    try:
        parse_tolerance(text)
    except CompareError as exc:
        raise key.error(str(exc).removeprefix("--tolerance: ")) from None
    return text


def _workers(key: Key, value: Any) -> int | str:
    if value == "auto":
        return "auto"
    if isinstance(value, str):
        raise key.error(f'expected a number of worker processes or "auto", got {_describe(value)}')
    return _count(key, value, allow_zero=True)


def _watch(key: Key, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all((isinstance(v, str) and v.strip()) or (isinstance(v, int) and not isinstance(v, bool)) for v in items):
        raise key.error(f"expected a list of PIDs or process names, got {_describe(value)}")
    return tuple(str(v).strip() for v in items)


CHART_PERCENTILES_MOST = 4


def _chart_percentiles(key: Key, value: Any) -> tuple[float, ...]:
    """1 to 4 percentiles between 0 and 100 (``[50, 95, 99.9]``), drawn from the lowest up."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(
        not isinstance(v, bool) and isinstance(v, int | float) and 0 < v < 100 and math.isfinite(v) for v in items
    ):
        raise key.error(
            f"expected a list of percentiles above 0 and below 100 (e.g. [50, 95, 99.9]), got {_describe(value)}"
        )
    found = tuple(sorted({float(v) for v in items}))
    if len(found) > CHART_PERCENTILES_MOST:
        raise key.error(f"at most {CHART_PERCENTILES_MOST} percentiles fit the chart, got {len(found)}")
    return found


def _weights(key: Key, value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise key.error(f"expected a table of User class = weight, got {_describe(value)}")
    table = f"{key.table}.weights"
    return {cls: _count(Key(key.where, table, cls), weight, allow_zero=True) for cls, weight in value.items()}


def _stages(key: Key, value: Any) -> tuple[Stage, ...]:
    if not isinstance(value, list) or not value:
        raise key.error("expected a non-empty list of {duration, users, spawn_rate[, rate]} tables")
    return tuple(_stage(key, f"stages #{index}", item) for index, item in enumerate(value, 1))


def _stage(key: Key, label: str, item: Any) -> Stage:
    if not isinstance(item, dict):
        raise key.error(f"{label}: expected a table, got {_describe(item)}")
    for name in item:
        if name not in STAGE_KEYS:
            raise key.error(f"{label}: unknown key {name!r} (known keys: {', '.join(STAGE_KEYS)})")
    for name in STAGE_KEYS_NEEDED:
        if name not in item:
            raise key.error(f"{label}: missing {name!r}")
    duration = item["duration"]
    try:
        parse_duration(duration)
    except (ValueError, TypeError) as exc:
        raise key.error(f"{label} duration: {exc}") from None
    users = item["users"]
    if isinstance(users, bool) or not isinstance(users, int) or users < 0:
        raise key.error(f"{label} users: expected a non-negative integer, got {_describe(users)}")
    rate = item["spawn_rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
        raise key.error(f"{label} spawn_rate: expected a positive number, got {_describe(rate)}")
    task_rate = None
    if "rate" in item:
        task_rate = item["rate"]
        if (
            isinstance(task_rate, bool)
            or not isinstance(task_rate, int | float)
            or not task_rate > 0
            or not math.isfinite(task_rate)
        ):
            raise key.error(
                f"{label} rate: expected a positive number of task runs a second, got {_describe(task_rate)}"
            )
        task_rate = float(task_rate)
        if users == 0:
            raise key.error(
                f"{label}: rate = {task_rate:g} with users = 0: users is the most users the rate may use, so it"
                " must be at least 1"
            )
    return Stage(
        duration=duration if isinstance(duration, str) else format_duration(float(duration)),
        users=users,
        spawn_rate=float(rate),
        rate=task_rate,
    )


def _ramp(key: Key, value: Any) -> Ramp:
    """``{ start = 2, step = 4, every = "30s", max = 500 }`` (users), with ``settle`` optional."""
    if not isinstance(value, dict):
        raise key.error(
            f'expected a table like {{ start = 2, step = 4, every = "30s", max = 500 }}, got {_describe(value)}'
        )
    for name in value:
        if name not in RAMP_KEYS:
            hint = difflib.get_close_matches(name, RAMP_KEYS, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise key.error(f"unknown key {name!r}{maybe} (known keys: {', '.join(RAMP_KEYS)})")
    for name in ("start", "step", "every", "max"):
        if name not in value:
            raise key.error(f'missing {name!r} (a ramp is {{ start = 2, step = 4, every = "30s", max = 500 }})')

    of = value.get("of", "users")
    if of not in RAMP_OF:
        raise key.error(f'of: expected "users" (the default) or "rate" (task runs a second), got {_describe(of)}')

    def count(name: str) -> float:
        found = value[name]
        if of == "rate":
            if (
                isinstance(found, bool)
                or not isinstance(found, int | float)
                or not found > 0
                or not math.isfinite(found)
            ):
                raise key.error(f"{name}: expected a positive number of task runs a second, got {_describe(found)}")
            return float(found)
        if isinstance(found, bool) or not isinstance(found, int) or found <= 0:
            raise key.error(f"{name}: expected a positive number of users, got {_describe(found)}")
        return found

    def duration(name: str) -> str:
        found = value[name]
        try:
            parse_duration(found)  # refuses 0 too
        except (ValueError, TypeError) as exc:
            raise key.error(f"{name}: {exc}") from None
        return found if isinstance(found, str) else format_duration(float(found))

    start, step, most = count("start"), count("step"), count("max")
    every = duration("every")
    if most < start:
        raise key.error(f"max ({most:g}) is below start ({start:g}): the {of} step up from start to max")
    settle = None
    if "settle" in value:
        settle = duration("settle")
        if parse_duration(settle) >= parse_duration(every):
            raise key.error(
                f"settle ({settle}) must be shorter than every ({every}): nothing of a step would be judged"
            )
    return Ramp(start=start, step=step, every=every, max=most, settle=settle, of=of)


def check_ramp(profile: Profile, error: Callable[[str, str], ProfileError]) -> None:
    """What ``ramp`` cannot say alone: it needs thresholds to judge its steps by, no stages beside
    it, and steps long enough to judge after their users have started. ``error(key, message)``
    names the key."""
    ramp = profile.ramp
    if ramp is None:
        return
    table = f"profiles.{profile.name}"
    if profile.stages:
        raise error("ramp", "a profile has stages or a ramp, not both (both say how the users change)")
    if profile.rate is not None:
        if ramp.of_rate:
            raise error(
                "ramp", f"a ramp of the rate sets the rate from {ramp.start:g}/s up: leave rate = N out of [{table}]"
            )
        raise error(
            "ramp",
            f"rate = {profile.rate:g} and a ramp of users both set the users: a ramp of the rate is"
            ' ramp = { of = "rate", start = 20, step = 20, every = "30s", max = 400 }',
        )
    judged = [m for m in profile.thresholds.overall if m not in thresholds_mod.WATCH_METRICS]
    if not judged and not profile.thresholds.endpoints:
        raise error(
            "ramp",
            f"a ramp ends at the first step that fails the thresholds, and [{table}] has none to judge a step by: "
            f"add a [{table}.thresholds] table (e.g. p95_ms = 500 and fail_ratio = 0.01)",
        )
    starting = 0.0 if ramp.of_rate else ramp.step / profile.spawn_rate  # a rate's users come as it needs them
    if starting + ramp.settle_s >= ramp.every_s:
        raise error(
            "ramp",
            f"a step of {ramp.step} users at spawn_rate {profile.spawn_rate:g}/s takes {starting:g}s to start, and "
            f"then settles for {format_duration(ramp.settle_s)}: that leaves nothing of every = {ramp.every} to judge. "
            "Raise every or spawn_rate, or lower step",
        )


def _rate(key: Key, value: Any) -> float:
    """Task runs a second across all users: a positive number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
        raise key.error(
            f"expected a positive number of task runs a second across all users (e.g. 40), got {_describe(value)}"
        )
    return float(value)


def check_rate(profile: Profile, error: Callable[[str, str], ProfileError]) -> None:
    """The checks of ``rate`` against the profile's other keys; ``error(key, message)`` names the key.

    A rate needs users to run it (each stage's ``users`` is the most its rate may use; a profile's
    ``users`` is never 0, its validator says so), and in a profile with stages, a rate for every
    stage (its own or the profile's)."""
    if profile.rate is not None:
        for number, stage in enumerate(profile.stages, 1):
            if stage.users == 0:
                raise error(
                    "stages",
                    f"stages #{number}: users = 0 in a profile with rate = {profile.rate:g}: each stage's users is"
                    " the most users its rate may use, so it must be at least 1",
                )
    elif any(stage.rate is not None for stage in profile.stages):
        missing = [str(number) for number, stage in enumerate(profile.stages, 1) if stage.rate is None]
        if missing:
            raise error(
                "stages",
                f"stages #{', #'.join(missing)}: no rate, while other stages have one: give every stage a rate,"
                " or the profile a rate = N for the stages without their own",
            )


def _thresholds(key: Key, value: Any) -> Thresholds:
    """Limits on top of those [defaults] gives (see :func:`.thresholds.parse`)."""

    def error(sub_key: str, message: str) -> ProfileError:
        return key.where.error(f"{key.table}.thresholds", sub_key, message)

    return thresholds_mod.parse(value, error, base=key.inherited.get("thresholds", thresholds_mod.NONE))


VALIDATORS: Mapping[str, Validator] = {
    "description": _string,
    "locustfile": _string,
    "host": _host,
    "users": _count,
    "spawn_rate": _positive_number,
    "rate": _rate,
    "run_time": _duration,
    "tags": _strings,
    "exclude_tags": _strings,
    "weights": _weights,
    "stages": _stages,
    "thresholds": _thresholds,
    "baseline": _string,
    "baseline_tolerance": _baseline_tolerance,
    "workers": _workers,
    "watch": _watch,
    "chart_percentiles": _chart_percentiles,
    "ramp": _ramp,
}
"""One validator per key of :data:`~.profiles.PROFILE_KEYS`."""


def profile_fields(
    where: Where, table: str, data: Mapping[str, Any], inherited: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The Profile field values of the profile keys in ``data`` (all known: see :func:`check_keys`).

    ``inherited`` holds the [defaults] fields, for the keys that merge rather than replace.
    """
    return {name: VALIDATORS[name](Key(where, table, name, inherited or {}), value) for name, value in data.items()}


def check_keys(where: Where, table: str, data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Raises on the first key of ``data`` not in ``allowed``, with the closest known one as a hint."""
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise where.error(table, key, f"unknown key{maybe} (known keys: {', '.join(allowed)})")


def check_report_dir(where: Where, value: Any) -> str:
    """[defaults] report_dir: a string (a path relative to the current directory)."""
    return _string(Key(where, "defaults", "report_dir"), value)


def check_host(host: str, error: Callable[[str], Exception] | None = None) -> str:
    """A base URL Locust can use: ``http(s)://name[:port][/path]``. Returns it without a trailing slash."""

    def fail(message: str) -> Exception:
        return error(message) if error else ProfileError(message)

    try:
        parts = urlsplit(host)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise fail(f"malformed host URL {host!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"malformed host URL {host!r}: expected http://host[:port] or https://host[:port]")
    del port
    return host.rstrip("/")


def resolve(profile: Profile, **overrides: Any) -> Profile:
    """Applies CLI values (None means not given) on top of a profile: CLI > profile > [defaults].

    Values are validated with the same messages as the file, naming the flag instead of the key.
    """
    where = Where(Path("command line"), "")
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(PROFILE_KEYS)
    if unknown:
        raise TypeError(f"unknown override(s): {sorted(unknown)}")
    table = f"profiles.{profile.name}"
    resolved = replace(profile, **profile_fields(where, table, given))
    check_rate(resolved, lambda key, message: where.error(table, key, message))
    return resolved
