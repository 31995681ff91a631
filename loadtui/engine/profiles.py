"""profiles.toml -> frozen dataclasses, and back.

Read with :mod:`tomllib`, written with :mod:`tomli_w`. Every validation error names the file, the
line where it can be found, the profile and the key, so a person can fix it without guessing:
``profiles.toml:14: [profiles.heavy] users: expected a positive integer, got "x"``.

Precedence is CLI > profile > ``[defaults]``: :func:`resolve` applies the first two on top of a
profile that already inherited the third when the file was loaded.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from . import thresholds as thresholds_mod
from .durations import format_duration, parse_duration
from .thresholds import Thresholds

PACKAGED_DIR = Path(__file__).resolve().parent.parent / "defaults"
"""Where the copy of profiles.toml and the demo locustfile installed with loadtui live."""

PACKAGED_PROFILES = PACKAGED_DIR / "profiles.toml"

PROFILE_KEYS = (
    "description",
    "locustfile",
    "host",
    "users",
    "spawn_rate",
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
)
DEFAULTS_ONLY_KEYS = ("report_dir",)
STAGE_KEYS = ("duration", "users", "spawn_rate")


class ProfileError(ValueError):
    """Bad input in profiles.toml (or in a value given to override it). The message is final."""


@dataclass(frozen=True)
class Stage:
    """One step of a ramp: hold ``users`` (reached at ``spawn_rate``) until ``duration`` has passed
    since the previous stage ended."""

    duration: str
    """As written (``"30s"``, ``"2m"``); kept so the file round-trips unchanged."""
    users: int
    spawn_rate: float

    @property
    def duration_s(self) -> float:
        return parse_duration(self.duration)


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
    spawn_rate: float = 1.0
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

    @property
    def worker_count(self) -> int:
        if self.workers == "auto":
            return os.cpu_count() or 1
        return int(self.workers or 0)

    @property
    def run_time_s(self) -> float | None:
        if self.run_time is None:
            return None
        return parse_duration(self.run_time)

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
    """The parsed document, so that saving one profile keeps everything else as it was."""
    text: str = ""
    """The file's text when it was read: a save compares it with the disk to catch other edits."""
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


# --- loading -----------------------------------------------------------------------------------


class _Where:
    """Finds the line of a table or key in the source text, for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str, key: str | None = None) -> int | None:
        # [table], [[table]] or, for a table only known by its prefix, [table.sub].
        header = re.compile(r"^\s*\[+\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*[\].]")
        start = None
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                start = number
                if key is None:
                    return number
                break
        if key is None:
            return None
        # The key may be in its own table ([profiles.x.weights]) or inline (weights = {...}).
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        begin = start or 1
        for number in range(begin, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > begin and start is not None and line.lstrip().startswith("[") and "=" not in line:
                break
            if key_re.match(line):
                return number
        sub = self.line_of(f"{table}.{key}") if start is not None else None
        return sub or start

    def error(self, table: str, key: str | None, message: str) -> ProfileError:
        line = self.line_of(table, key)
        where = f"{self.path.name}:{line}" if line else self.path.name
        scope = f"[{table}]" + (f" {key}" if key else "")
        return ProfileError(f"{where}: {scope}: {message}")


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _positive_int(where: _Where, table: str, key: str, value: Any, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        kind = "a non-negative integer" if allow_zero else "a positive integer"
        raise where.error(table, key, f"expected {kind}, got {_describe(value)}")
    return value


def _positive_float(where: _Where, table: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
        raise where.error(table, key, f"expected a positive number, got {_describe(value)}")
    return float(value)


def _duration(where: _Where, table: str, key: str, value: Any) -> str:
    try:
        parse_duration(value)
    except (ValueError, TypeError) as exc:
        raise where.error(table, key, str(exc)) from None
    return value if isinstance(value, str) else format_duration(float(value))


def _str_list(where: _Where, table: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(table, key, f"expected a list of strings, got {_describe(value)}")
    return tuple(value)


def _string(where: _Where, table: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise where.error(table, key, f"expected a string, got {_describe(value)}")
    return value


def _check_keys(where: _Where, table: str, data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            maybe = f"; did you mean {hint[0]!r}?" if hint else ""
            raise where.error(table, key, f"unknown key{maybe} (known keys: {', '.join(allowed)})")


def _profile_fields(
    where: _Where, table: str, data: Mapping[str, Any], base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Validates the profile keys present in ``data`` and returns them as Profile field values.

    ``base`` holds the [defaults] fields, for the keys that merge rather than replace.
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "thresholds":

            def error(sub_key: str, message: str) -> ProfileError:
                return where.error(f"{table}.thresholds", sub_key, message)

            inherited = (base or {}).get("thresholds", thresholds_mod.NONE)
            out[key] = thresholds_mod.parse(value, error, base=inherited)
            continue
        if key in ("description", "locustfile", "baseline"):
            out[key] = _string(where, table, key, value)
        elif key == "host":
            host = _string(where, table, key, value)
            if host:
                check_host(host, lambda message, k=key: where.error(table, k, message))
            out[key] = host
        elif key == "baseline_tolerance":
            from .compare import CompareError, parse_tolerance

            text = _string(where, table, key, value)
            try:
                parse_tolerance(text)
            except CompareError as exc:
                raise where.error(table, key, str(exc).removeprefix("--tolerance: ")) from None
            out[key] = text
        elif key == "workers":
            if value != "auto":
                value = (
                    _positive_int(where, table, key, value, allow_zero=True) if not isinstance(value, str) else value
                )
            if isinstance(value, str) and value != "auto":
                raise where.error(
                    table, key, f'expected a number of worker processes or "auto", got {_describe(value)}'
                )
            out[key] = value
        elif key == "users":
            out[key] = _positive_int(where, table, key, value)
        elif key == "spawn_rate":
            out[key] = _positive_float(where, table, key, value)
        elif key == "run_time":
            out[key] = _duration(where, table, key, value)
        elif key == "watch":
            items = value if isinstance(value, list) else [value]
            if not all(
                (isinstance(v, str) and v.strip()) or (isinstance(v, int) and not isinstance(v, bool)) for v in items
            ):
                raise where.error(table, key, f"expected a list of PIDs or process names, got {_describe(value)}")
            out[key] = tuple(str(v).strip() for v in items)
        elif key in ("tags", "exclude_tags"):
            out[key] = _str_list(where, table, key, value)
        elif key == "weights":
            if not isinstance(value, dict):
                raise where.error(table, key, f"expected a table of User class = weight, got {_describe(value)}")
            weights = {}
            for cls, weight in value.items():
                weights[cls] = _positive_int(where, f"{table}.weights", cls, weight, allow_zero=True)
            out[key] = weights
        elif key == "stages":
            out[key] = _stages(where, table, value)
    return out


def _stages(where: _Where, table: str, value: Any) -> tuple[Stage, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(table, "stages", "expected a non-empty list of {duration, users, spawn_rate} tables")
    stages = []
    for index, item in enumerate(value, 1):
        label = f"stages #{index}"
        if not isinstance(item, dict):
            raise where.error(table, "stages", f"{label}: expected a table, got {_describe(item)}")
        for key in item:
            if key not in STAGE_KEYS:
                raise where.error(
                    table, "stages", f"{label}: unknown key {key!r} (known keys: duration, users, spawn_rate)"
                )
        for key in STAGE_KEYS:
            if key not in item:
                raise where.error(table, "stages", f"{label}: missing {key!r}")
        try:
            parse_duration(item["duration"])
        except (ValueError, TypeError) as exc:
            raise where.error(table, "stages", f"{label} duration: {exc}") from None
        users = item["users"]
        if isinstance(users, bool) or not isinstance(users, int) or users < 0:
            raise where.error(
                table, "stages", f"{label} users: expected a non-negative integer, got {_describe(users)}"
            )
        rate = item["spawn_rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise where.error(table, "stages", f"{label} spawn_rate: expected a positive number, got {_describe(rate)}")
        duration = item["duration"]
        stages.append(
            Stage(
                duration=duration if isinstance(duration, str) else format_duration(float(duration)),
                users=users,
                spawn_rate=float(rate),
            )
        )
    return tuple(stages)


def check_host(host: str, error: Any = None) -> str:
    """A base URL Locust can use: ``http(s)://name[:port][/path]``. Returns it without a trailing slash."""
    from urllib.parse import urlsplit

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


def loads(text: str, path: Path, *, packaged: bool = False) -> ProfileSet:
    """Parses and validates the text of a profiles file."""
    where = _Where(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; its message ends "(at line N, column M)".
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        prefix = f"{path.name}:{line}" if line else path.name
        raise ProfileError(f"{prefix}: not valid TOML: {exc}") from None

    for key in data:
        if key not in ("defaults", "profiles"):
            raise where.error(key, None, "unknown table (expected [defaults] and [profiles.NAME] tables)")

    defaults_data = data.get("defaults", {})
    if not isinstance(defaults_data, dict):
        raise where.error("defaults", None, "expected a table")
    _check_keys(where, "defaults", defaults_data, (*PROFILE_KEYS, *DEFAULTS_ONLY_KEYS))
    report_dir = _string(where, "defaults", "report_dir", defaults_data.get("report_dir", "reports"))
    base = _profile_fields(where, "defaults", {k: v for k, v in defaults_data.items() if k in PROFILE_KEYS})

    profiles_data = data.get("profiles", {})
    if not isinstance(profiles_data, dict) or not profiles_data:
        raise ProfileError(f"{path.name}: no profiles: add at least one [profiles.NAME] table")

    profiles: dict[str, Profile] = {}
    for name, body in profiles_data.items():
        table = f"profiles.{name}"
        if not isinstance(body, dict):
            raise where.error(table, None, "expected a table")
        _check_keys(where, table, body, PROFILE_KEYS)
        fields = {**base, **_profile_fields(where, table, body, base)}
        if "weights" in base and "weights" in fields:
            fields["weights"] = {**base["weights"], **fields["weights"]}
        profiles[name] = Profile(name=name, **fields)
    return ProfileSet(
        path=path,
        packaged=packaged,
        report_dir=report_dir,
        profiles=profiles,
        data=data,
        text=text,
        defaults=Profile(name="[defaults]", **base),
    )


def find_profiles(path: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The file to read: the one given, else ./profiles.toml, else the packaged copy.

    Returns (path, packaged). A path that was asked for by name and is missing is an error.
    """
    if path is not None:
        given = Path(path)
        if not given.is_file():
            raise ProfileError(f"{given}: profiles file not found")
        return given, False
    local = Path("profiles.toml")
    if local.is_file():
        return local, False
    return PACKAGED_PROFILES, True


def load(path: str | os.PathLike[str] | None = None) -> ProfileSet:
    found, packaged = find_profiles(path)
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{found}: cannot read profiles file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{found}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return loads(text, found, packaged=packaged)


# --- CLI overrides ------------------------------------------------------------------------------


def resolve(profile: Profile, **overrides: Any) -> Profile:
    """Applies CLI values (None means not given) on top of a profile: CLI > profile > [defaults].

    Values are validated with the same messages as the file, naming the flag instead of the key.
    """
    where = _Where(Path("command line"), "")
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(PROFILE_KEYS)
    if unknown:
        raise TypeError(f"unknown override(s): {sorted(unknown)}")
    fields = _profile_fields(where, f"profiles.{profile.name}", given)
    return replace(profile, **fields)


# --- saving ------------------------------------------------------------------------------------


def profile_to_toml(profile: Profile, base: Profile | None = None) -> dict[str, Any]:
    """The table that, written under [profiles.NAME], reads back as ``profile``.

    Fields equal to those inherited from ``base`` (the [defaults]) are left out, so that a
    saved profile keeps following the defaults the way a hand-written one does.
    """
    out: dict[str, Any] = {}
    for key in PROFILE_KEYS:
        value = getattr(profile, key)
        if base is not None and value == getattr(base, key):
            continue
        if key in ("run_time", "workers") and value is None:
            continue
        if key in ("tags", "exclude_tags", "watch"):
            if key == "watch" and not value:
                continue
            value = list(value)
        elif key == "weights":
            if not value:
                continue
            value = dict(value)
        elif key == "stages":
            if not value:
                continue
            value = [{"duration": s.duration, "users": s.users, "spawn_rate": _num(s.spawn_rate)} for s in value]
        elif key == "spawn_rate":
            value = _num(value)
        elif key == "thresholds":
            if not value:
                continue
            value = value.to_toml()
        out[key] = value
    return out


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def dumps(data: Mapping[str, Any]) -> str:
    return tomli_w.dumps(dict(data))


class ProfileConflict(ProfileError):
    """profiles.toml changed on disk since it was read: reload it, or save over it with force."""


PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def check_name(name: str) -> str:
    if not PROFILE_NAME_RE.match(name or ""):
        raise ProfileError(
            f"profile name {name!r}: use letters, digits, '_' and '-' (it becomes [profiles.NAME] and part of "
            "the run folder's name)"
        )
    return name


def has_comments(text: str) -> bool:
    """True if the TOML text has a comment (a '#' outside strings): tomli-w would drop it."""
    quote: str | None = None
    triple = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch == "#":
                return True
            if ch in "\"'":
                triple = text.startswith(ch * 3, i)
                quote = ch
                i += 3 if triple else 1
                continue
        else:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if triple and text.startswith(quote * 3, i):
                quote, triple = None, False
                i += 3
                continue
            if not triple and (ch == quote or ch == "\n"):
                quote = None
        i += 1
    return False


def save_target(profile_set: ProfileSet) -> Path:
    """Where a save writes: the file in use, or ./profiles.toml when the packaged copy is in use."""
    return Path("profiles.toml") if profile_set.packaged else profile_set.path


def save(
    profile_set: ProfileSet,
    *,
    put: Profile | None = None,
    replace_name: str | None = None,
    delete: str | None = None,
    force: bool = False,
) -> ProfileSet:
    """Writes profiles.toml with one profile added, changed (``put``, optionally renamed from
    ``replace_name``) or deleted, and returns the file as read back.

    Everything else in the file (other profiles, [defaults]) is kept as parsed. The previous file
    is kept as ``profiles.toml.bak``; the new one is written to a temporary name and renamed. If
    the file changed on disk since ``profile_set`` was read, :class:`ProfileConflict` is raised
    unless ``force``. Nothing invalid is written: the new text is validated before it is.
    """
    target = save_target(profile_set)
    if not profile_set.packaged and not force:
        try:
            on_disk = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            on_disk = None
        except OSError as exc:
            raise ProfileError(f"{target}: cannot read: {exc.strerror or exc}") from None
        if on_disk != profile_set.text:
            raise ProfileConflict(
                f"{target} changed on disk since loadtui read it (another editor or another loadtui?): "
                "reload it to see the other change, or overwrite it"
            )
    data = {key: dict(value) if isinstance(value, dict) else value for key, value in profile_set.data.items()}
    profiles_table: dict[str, Any] = dict(data.get("profiles", {}))
    if profile_set.packaged:
        # The packaged file's relative paths point inside the installed package: pin them there.
        defaults = dict(data.get("defaults", {}))
        locustfile = defaults.get("locustfile")
        if isinstance(locustfile, str) and not Path(locustfile).is_absolute():
            defaults["locustfile"] = str((profile_set.path.parent / locustfile).resolve())
        data["defaults"] = defaults
    if delete is not None:
        if delete not in profiles_table:
            raise ProfileError(f"{target.name}: no profile {delete!r} to delete")
        del profiles_table[delete]
    if put is not None:
        check_name(put.name)
        if replace_name is not None and replace_name != put.name:
            if put.name in profiles_table:
                raise ProfileError(f"{target.name}: a profile named {put.name!r} already exists")
            # Keep the renamed profile where it was in the file (the 1..9 keys follow the order).
            profiles_table = {
                (put.name if name == replace_name else name): body for name, body in profiles_table.items()
            }
        profiles_table[put.name] = profile_to_toml(put, profile_set.defaults)
    data["profiles"] = profiles_table
    text = dumps(data)
    saved = loads(text, target)  # nothing invalid is written
    _write_with_backup(target, text)
    return replace(saved, text=text)


def _write_with_backup(target: Path, text: str) -> None:
    import shutil

    from .files import atomic_write

    target = target.resolve() if target.exists() else target.absolute()
    try:
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        atomic_write(target, text)
    except OSError as exc:
        raise ProfileError(f"{target}: cannot save: {exc.strerror or exc}") from None
