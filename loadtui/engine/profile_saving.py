"""Writing profiles.toml: one profile added, changed, renamed or deleted, everything else kept.

The write is atomic (a temporary file renamed into place) and the previous file is kept as
``profiles.toml.bak``. A file changed on disk since it was read is not overwritten unless asked.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomli_w

from .files import atomic_write
from .profile_loading import loads
from .profiles import PROFILE_KEYS, Profile, ProfileConflict, ProfileError, ProfileSet, check_name


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
    target = target.resolve() if target.exists() else target.absolute()
    try:
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        atomic_write(target, text)
    except OSError as exc:
        raise ProfileError(f"{target}: cannot save: {exc.strerror or exc}") from None
