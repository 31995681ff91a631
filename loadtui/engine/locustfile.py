"""Loading a locustfile with Locust's own loader, turning every way it can fail into one clear line.

A locustfile is user code: it can fail to parse, fail to import a module, raise at import time or
define no User class. Each of those is bad input (exit 2, never a traceback), and the message names
the file and line so the person can go straight there.

``-f`` takes what Locust's takes: one file, a comma-separated list, or a directory of them. Each
file is imported once per process and its import recorded with the event hooks it added
(:mod:`.locust_events`); asking again for a file that did not change returns the same classes, so
the picker's previews never import a locustfile twice (its module-level hooks would fire twice).
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from locust.shape import LoadTestShape
from locust.util.directory import get_abspaths_in
from locust.util.load_locustfile import load_locustfile as _locust_load
from locust.util.url import is_url

from .locust_events import registry

if TYPE_CHECKING:
    from locust import User

    from .profiles import Profile


class LocustfileError(ValueError):
    """The locustfile cannot be used. ``str()`` is the message to show; ``line`` where known."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


DEMO_LOCUSTFILE = (Path(__file__).resolve().parent.parent / "defaults" / "locustfiles" / "demo.py").resolve()
"""The bundled demo load test: it only ever runs against the bundled demo target."""


@dataclass(frozen=True)
class LoadedLocustfile:
    path: Path
    """The first file (the only one, mostly)."""
    user_classes: Mapping[str, type[User]]
    """In definition order, every file's."""
    shape_classes: tuple[LoadTestShape, ...] = ()
    """Instances, as Locust's loader makes them; a profile's ``stages`` take precedence."""
    extra_paths: tuple[Path, ...] = ()
    """The other files of ``-f a.py,b.py`` or of a directory."""

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.path, *self.extra_paths)

    @property
    def keys(self) -> tuple[str, ...]:
        """The files as absolute paths: what a worker's ``-f`` gets, and what the hooks are kept by."""
        return tuple(str(p.resolve()) for p in self.paths)

    @property
    def is_demo(self) -> bool:
        return any(p.resolve() == DEMO_LOCUSTFILE for p in self.paths)

    @property
    def label(self) -> str:
        """The file name(s), as Locust puts them in its report."""
        return ",".join(p.name for p in self.paths)

    def class_weights(self) -> dict[str, int]:
        """The weights the locustfile itself gives (``weight`` attribute, 1 by default)."""
        return {name: int(getattr(cls, "weight", 1)) for name, cls in self.user_classes.items()}

    def weights(self, profile: Profile) -> dict[str, int]:
        """What ``profile`` will run: the locustfile's weights with the profile's on top."""
        return {**self.class_weights(), **dict(profile.weights)}

    def check_weights(self, profile: Profile, source: str = "profiles.toml") -> None:
        """A weight naming a class the locustfile does not define is bad input."""
        for name in profile.weights:
            if name not in self.user_classes:
                known = ", ".join(self.user_classes)
                raise LocustfileError(
                    f"{source}: [profiles.{profile.name}.weights] {name}: {self.path.name} defines no User "
                    f"class {name!r} (it defines: {known})",
                    path=self.path,
                )
        if profile.weights and not any(self.weights(profile).values()):
            raise LocustfileError(
                f"{source}: [profiles.{profile.name}.weights]: every User class has weight 0, nothing would run",
                path=self.path,
            )


def _frame_in(path: Path, tb: Any) -> int | None:
    """The last line of ``path`` in a traceback, to point at the user's code, not Locust's."""
    line = None
    target = os.path.realpath(path)
    for frame in traceback.extract_tb(tb):
        if frame.filename and os.path.realpath(frame.filename) == target:
            line = frame.lineno
    return line


def locustfile_paths(option: str | os.PathLike[str]) -> list[Path]:
    """The files ``-f`` names: a file, comma-separated files, directories (their ``.py`` files, as
    Locust finds them) or URLs (downloaded by Locust's own code)."""
    text = os.fspath(option)
    items = [item.strip() for item in text.split(",") if item.strip()] if "," in text else [text]
    paths: list[Path] = []
    for item in items:
        if is_url(item):
            from locust.argument_parser import download_locustfile_from_url

            try:
                paths.append(Path(download_locustfile_from_url(item)))
            except SystemExit:  # Locust printed why on stderr
                raise LocustfileError(f"{item}: could not download the locustfile", path=Path(item)) from None
        elif os.path.isdir(item):
            found = sorted(get_abspaths_in(item, extension=".py"))
            if not found:
                raise LocustfileError(f"{item}: no locustfile (.py) in this directory", path=Path(item))
            paths.extend(Path(p) for p in found)
        else:
            paths.append(Path(item))
    return paths


_loaded: dict[tuple[str, float], LoadedLocustfile] = {}
"""(absolute path, mtime) -> what importing it gave: a file is imported again only when it changed."""


def load_locustfile(option: str | os.PathLike[str]) -> LoadedLocustfile:
    """Imports the locustfile(s) with Locust's loader (the same import semantics as ``locust -f``)."""
    paths = locustfile_paths(option)
    loaded = [_load_one(path) for path in paths]
    if len(loaded) == 1:
        return loaded[0]
    classes: dict[str, type[User]] = {}
    shapes: list[LoadTestShape] = []
    for part in loaded:
        for name, cls in part.user_classes.items():
            if name in classes and inspect.getfile(classes[name]) != inspect.getfile(cls):
                raise LocustfileError(
                    f"{part.path}: User class {name} is defined in both {inspect.getfile(classes[name])} and "
                    f"{inspect.getfile(cls)} (Locust refuses duplicate class names too)",
                    path=part.path,
                )
            classes.setdefault(name, cls)
        shapes.extend(part.shape_classes)
    return LoadedLocustfile(
        path=paths[0], user_classes=classes, shape_classes=tuple(shapes), extra_paths=tuple(paths[1:])
    )


def _load_one(path: Path) -> LoadedLocustfile:
    shown = str(path)
    if not path.exists():
        raise LocustfileError(f"{shown}: locustfile not found", path=path)
    if path.is_dir():
        raise LocustfileError(f"{shown}: is a directory; give the path of a .py locustfile", path=path)
    if path.suffix != ".py":
        raise LocustfileError(f"{shown}: a locustfile must be a .py file", path=path)
    absolute = str(path.resolve())
    cache_key = (absolute, path.stat().st_mtime)
    if cache_key in _loaded:
        return _loaded[cache_key]
    try:
        user_classes, shapes = registry().importing(absolute, lambda: _locust_load(absolute))
    except SyntaxError as exc:
        line = exc.lineno
        where = f"{shown}:{line}" if line else shown
        raise LocustfileError(f"{where}: syntax error: {exc.msg}", path=path, line=line) from None
    except ImportError as exc:
        line = _frame_in(path, exc.__traceback__)
        where = f"{shown}:{line}" if line else shown
        module = f" module {exc.name!r}" if exc.name else ""
        raise LocustfileError(
            f"{where}: cannot import{module}: {exc} (is it installed in the environment loadtui runs in: "
            f"{sys.prefix}?)",
            path=path,
            line=line,
        ) from None
    except SystemExit as exc:
        raise LocustfileError(f"{shown}: the locustfile called sys.exit({exc.code}) while loading", path=path) from None
    except Exception as exc:
        line = _frame_in(path, exc.__traceback__)
        where = f"{shown}:{line}" if line else shown
        raise LocustfileError(
            f"{where}: {type(exc).__name__} while loading the locustfile: {exc}", path=path, line=line
        ) from None
    if not user_classes:
        raise LocustfileError(
            f"{shown}: no User class found (define a subclass of locust.HttpUser, FastHttpUser or User "
            f"that is not abstract)",
            path=path,
        )
    loaded = LoadedLocustfile(path=path, user_classes=dict(user_classes), shape_classes=tuple(shapes))
    _loaded[cache_key] = loaded
    return loaded
