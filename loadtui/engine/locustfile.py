"""Loading a locustfile with Locust's own loader, turning every way it can fail into one clear line.

A locustfile is user code: it can fail to parse, fail to import a module, raise at import time or
define no User class. Each of those is bad input (exit 2, never a traceback), and the message names
the file and line so the person can go straight there.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from locust.shape import LoadTestShape
from locust.util.load_locustfile import load_locustfile as _locust_load

if TYPE_CHECKING:
    from locust import User

    from .profiles import Profile


class LocustfileError(ValueError):
    """The locustfile cannot be used. ``str()`` is the message to show; ``line`` where known."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class LoadedLocustfile:
    path: Path
    user_classes: Mapping[str, type[User]]
    """In definition order."""
    shape_classes: tuple[LoadTestShape, ...] = ()
    """Instances, as Locust's loader makes them; a profile's ``stages`` take precedence."""

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


def load_locustfile(path: str | os.PathLike[str]) -> LoadedLocustfile:
    """Imports the locustfile with Locust's loader (the same import semantics as ``locust -f``)."""
    path = Path(path)
    shown = str(path)
    if not path.exists():
        raise LocustfileError(f"{shown}: locustfile not found", path=path)
    if path.is_dir():
        raise LocustfileError(f"{shown}: is a directory; give the path of a .py locustfile", path=path)
    if path.suffix != ".py":
        raise LocustfileError(f"{shown}: a locustfile must be a .py file", path=path)
    try:
        user_classes, shapes = _locust_load(str(path.resolve()))
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
    return LoadedLocustfile(path=path, user_classes=dict(user_classes), shape_classes=tuple(shapes))
