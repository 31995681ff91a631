"""Writing profiles.toml: one profile added, changed, renamed or deleted, the rest of the file kept.

The file is edited, not rewritten (:mod:`.profile_document` makes the edit with tomlkit): only
the saved profile's table changes, and in it only the keys whose values changed, so comments,
blank lines, key order, inline tables and the other profiles come out byte for byte, and a
profile saved unchanged gives the very same file. A file with no text of its own yet (a set made
in code) is written anew with tomli-w.

Before anything is written, the new text is read back with :func:`.profile_loading.loads` and must
mean what the plain rewrite means (the file's data with :func:`profile_to_toml` under
[profiles.NAME]): nothing invalid, and nothing else changed, whatever the file's layout. The
write is atomic (a temporary file renamed into place) and the previous file is kept as
``profiles.toml.bak``. A file changed on disk since it was read is not overwritten unless asked.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from .files import atomic_write
from .profile_document import LayoutError, ProfilesDocument
from .profile_loading import loads
from .profiles import PROFILE_KEYS, Profile, ProfileConflict, ProfileError, ProfileSet, check_name

# --- what a saved profile is -------------------------------------------------------------------


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
        if key in ("run_time", "workers", "rate") and value is None:
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
            value = [
                {"duration": s.duration, "users": s.users, "spawn_rate": _num(s.spawn_rate)}
                | ({} if s.rate is None else {"rate": _num(s.rate)})
                for s in value
            ]
        elif key == "ramp":
            if value is None:
                continue
            value = value.to_toml()
        elif key in ("spawn_rate", "rate"):
            value = _num(value)
        elif key == "chart_percentiles":
            if value == Profile.chart_percentiles:
                continue
            value = [_num(v) for v in value]
        elif key == "thresholds":
            if not value:
                continue
            value = value.to_toml()
        out[key] = value
    return out


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def dumps(data: Mapping[str, Any]) -> str:
    """A whole document written anew (tomli-w): for a file that has no text of its own yet."""
    return tomli_w.dumps(dict(data))


# --- saving ------------------------------------------------------------------------------------


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
    ``replace_name``, keeping its place) or deleted, and returns the file as read back.

    Everything else in the file is kept as written (see the module's docstring). When the
    packaged copy is in use, ./profiles.toml is created from its text, comments and all, with its
    relative locustfile paths made absolute (they point inside the installed package). If the file
    changed on disk since ``profile_set`` was read, :class:`ProfileConflict` is raised unless
    ``force``. Nothing invalid is written: the new text is validated before it is.
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
    meant = _edited_data(profile_set, put=put, replace_name=replace_name, delete=delete)
    try:
        text = _edited_text(profile_set, put=put, replace_name=replace_name, delete=delete)
    except LayoutError as exc:
        raise ProfileError(f"{target.name}: cannot edit the file in place ({exc}); nothing was written") from None
    saved = loads(text, target)  # nothing invalid is written
    if _meaning(saved) != _meaning(loads(dumps(meant), target)):
        raise ProfileError(
            f"{target.name}: the file's layout could not be edited without changing more than the profile "
            "saved; nothing was written"
        )
    _write_with_backup(target, _with_line_endings_of(target, text))
    return saved


def _meaning(profile_set: ProfileSet) -> tuple[Any, ...]:
    """What a file says, whatever its layout: the profiles in order, [defaults], report_dir."""
    return list(profile_set.profiles.items()), profile_set.defaults, profile_set.report_dir


def _pinned(locustfile: Any, directory: Path) -> Any:
    """A relative locustfile path made absolute against ``directory``; anything else as it is."""
    if isinstance(locustfile, str) and not Path(locustfile).expanduser().is_absolute():
        return str((directory / locustfile).resolve())
    return locustfile


def _edited_data(
    profile_set: ProfileSet, *, put: Profile | None, replace_name: str | None, delete: str | None
) -> dict[str, Any]:
    """The saved document as plain data: what the new file must mean.

    Also where an edit that cannot be made is refused: a bad name, a rename onto another
    profile, the deletion of a profile that is not there.
    """
    target = save_target(profile_set)
    data = {key: dict(value) if isinstance(value, dict) else value for key, value in profile_set.data.items()}
    profiles_table: dict[str, Any] = dict(data.get("profiles", {}))
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
    if profile_set.packaged:
        # The packaged file's relative paths point inside the installed package: pin them there.
        directory = profile_set.path.parent
        for name, body in profiles_table.items():
            if isinstance(body, dict) and "locustfile" in body:
                profiles_table[name] = {**body, "locustfile": _pinned(body["locustfile"], directory)}
        defaults = dict(data.get("defaults", {}))
        if "locustfile" in defaults:
            defaults["locustfile"] = _pinned(defaults["locustfile"], directory)
            data["defaults"] = defaults
    data["profiles"] = profiles_table
    return data


def _edited_text(profile_set: ProfileSet, *, put: Profile | None, replace_name: str | None, delete: str | None) -> str:
    """The file's text with the one change made in place (the edit was checked by _edited_data)."""
    source = profile_set.text or dumps(profile_set.data)  # a set made in code has no text yet
    as_read = loads(source, profile_set.path).profiles  # not profile_set's: -f and -H may be applied to those
    document = ProfilesDocument(source)
    if delete is not None:
        document.delete(delete)
    if put is not None:
        old = as_read.get(put.name if replace_name is None else replace_name)
        unchanged = [key for key in PROFILE_KEYS if old is not None and getattr(old, key) == getattr(put, key)]
        table = profile_to_toml(put, profile_set.defaults)
        document.put(put.name, table, old_name=old.name if old is not None else None, keep=unchanged)
    if profile_set.packaged:
        directory = profile_set.path.parent
        document.change_locustfiles(lambda locustfile: _pinned(locustfile, directory))
    return document.text()


def _with_line_endings_of(target: Path, text: str) -> str:
    """``text`` with the file's ``\r\n`` line endings if it has them (it was read with ``\n``)."""
    try:
        crlf = b"\r\n" in target.read_bytes()
    except OSError:
        return text
    return text.replace("\n", "\r\n") if crlf else text


def _write_with_backup(target: Path, text: str) -> None:
    target = target.resolve() if target.exists() else target.absolute()
    try:
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        atomic_write(target, text)
    except OSError as exc:
        raise ProfileError(f"{target}: cannot save: {exc.strerror or exc}") from None
