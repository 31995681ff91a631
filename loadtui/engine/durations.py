"""Durations as people write them (``"1h30m"``, ``"90s"``) to seconds, and back.

The bottom of the engine's import graph: it imports nothing from loadtui, so profiles, thresholds
and reports can all use it without importing one another.
"""

from __future__ import annotations

import math
import re

_DURATION_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$")


def parse_duration(value: str | int | float) -> float:
    """Seconds from ``"1h30m"``, ``"90s"``, ``"5m"``, ``"45"`` or a number (as Locust's -t takes them).

    Raises ValueError on anything else, including zero and negative durations.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '30s', '5m' or '1h30m', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION_RE.match(value)
        if not value.strip() or not match or not any(match.groups()):
            raise ValueError(f"expected a duration like '30s', '5m' or '1h30m', got {value!r}")
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"expected a positive duration, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """``3725`` -> ``"1h2m5s"``; the inverse of :func:`parse_duration` for whole seconds."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def human_duration(seconds: float | None) -> str:
    """``65`` -> ``"1m5s"`` for a person; ``"-"`` for no duration."""
    return "-" if seconds is None else format_duration(seconds)
