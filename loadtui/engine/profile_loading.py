"""Reading profiles.toml: which file, parsed with tomllib, checked, into a ProfileSet.

Every profile is built with ``[defaults]`` already applied: nothing later has to merge them, and
:attr:`~.profiles.Profile.given` says which of its values the file wrote.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .profile_fields import check_keys, check_ramp, check_rate, check_report_dir, profile_fields
from .profile_lines import Where
from .profiles import (
    DEFAULTS_ONLY_KEYS,
    MERGING_KEYS,
    PACKAGED_PROFILES,
    PROFILE_KEYS,
    Profile,
    ProfileError,
    ProfileSet,
)


def loads(text: str, path: Path, *, packaged: bool = False) -> ProfileSet:
    """Parses and validates the text of a profiles file."""
    where = Where(path, text)
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
    check_keys(where, "defaults", defaults_data, (*PROFILE_KEYS, *DEFAULTS_ONLY_KEYS))
    report_dir = check_report_dir(where, defaults_data.get("report_dir", "reports"))
    defaults_body = {k: v for k, v in defaults_data.items() if k in PROFILE_KEYS}
    base = profile_fields(where, "defaults", defaults_body)
    defaults_given = _given_keys(defaults_body)

    profiles_data = data.get("profiles", {})
    if not isinstance(profiles_data, dict) or not profiles_data:
        raise ProfileError(f"{path.name}: no profiles: add at least one [profiles.NAME] table")

    profiles: dict[str, Profile] = {}
    for name, body in profiles_data.items():
        table = f"profiles.{name}"
        if not isinstance(body, dict):
            raise where.error(table, None, "expected a table")
        check_keys(where, table, body, PROFILE_KEYS)
        fields = {**base, **profile_fields(where, table, body, base)}
        if "weights" in base and "weights" in fields:
            fields["weights"] = {**base["weights"], **fields["weights"]}
        profile = Profile(name=name, **fields, given=_given_keys(body, defaults_given))
        # Checks across keys, once [defaults] is applied (users = 0 there and rate here is as bad):
        # the key is looked up in the profile's table, else in [defaults] where it came from.
        error = _cross_key_error(where, table, body, defaults_body)
        check_rate(profile, error)
        check_ramp(profile, error)
        profiles[name] = profile
    return ProfileSet(
        path=path,
        packaged=packaged,
        report_dir=report_dir,
        profiles=profiles,
        data=data,
        text=text,
        defaults=Profile(name="[defaults]", **base, given=defaults_given),
    )


def _cross_key_error(
    where: Where, table: str, body: Mapping[str, Any], defaults_body: Mapping[str, Any]
) -> Callable[[str, str], ProfileError]:
    """``error(key, message)`` naming the key where the file wrote it: the profile's table, else [defaults]."""

    def error(key: str, message: str) -> ProfileError:
        found = table if key in body or key not in defaults_body else "defaults"
        return where.error(found, key, message)

    return error


def _given_keys(body: Mapping[str, Any], inherited: Iterable[str] = ()) -> frozenset[str]:
    """The keys of ``body`` (one TOML table) set to a non-empty value, on top of the ``inherited`` ones.

    An empty value in ``body`` unsets an inherited key, but for :data:`~.profiles.MERGING_KEYS`,
    whose value adds to what [defaults] gives.
    """
    given = set(inherited)
    for key, value in body.items():
        if not (isinstance(value, str | list | dict) and not value):
            given.add(key)
        elif key not in MERGING_KEYS:
            given.discard(key)
    return frozenset(given)


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
    """Reads and validates the profiles file :func:`find_profiles` picks."""
    found, packaged = find_profiles(path)
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{found}: cannot read profiles file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{found}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return loads(text, found, packaged=packaged)
