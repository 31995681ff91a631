"""Number formatting shared by the widgets: short, fixed-width friendly, never colour-only."""

from __future__ import annotations

import math

from loadtui.engine import thresholds


def fmt_ms(value: float | None) -> str:
    """Response times as Locust shows them: whole milliseconds, a decimal below 10 ms."""
    if value is None or math.isnan(value):
        return "-"
    if value < 10:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def fmt_int(value: int) -> str:
    return f"{value:,}"


def fmt_rate(value: float) -> str:
    return f"{value:,.1f}"


def fmt_pct(ratio: float) -> str:
    """A 0..1 ratio as a percentage."""
    return f"{100.0 * ratio:.1f}%"


def fmt_clock(seconds: float | None) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    if seconds is None:
        return "-"
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def fmt_ago(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s ago"
    return f"{fmt_clock(seconds)} ago"


def fmt_bytes(value: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    size = float(value)
    for unit in units:
        if size < 1024 or unit == units[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # unreachable, keeps type checkers content


# --- thresholds ---------------------------------------------------------------------------------

STATE_STYLES = {"ok": "green", "warn": "bold yellow", "fail": "bold red", "no data": "dim"}
"""Threshold states. Always shown with their symbol (thresholds.STATE_SYMBOLS) or word too."""

VERDICTS = {
    "pass": ("✓ PASS", "bold green"),
    "warn": ("! WARN", "bold yellow"),
    "fail": ("✗ FAIL", "bold red"),
}
"""Verdict word and style: the symbol and word read the same in a monochrome terminal."""


def fmt_metric(metric: str, value: float | None) -> str:
    """A threshold figure in its own unit (the engine's own formatting, so screen and summary.txt agree)."""
    return thresholds.format_value(metric, value)


def fmt_limit(metric: str, fail: float, warn: float | None) -> str:
    """``≤ 100 ms (warn 50 ms)``; ``≥ 50.0/s`` for the lower limit ``rps_min``."""
    op = "≥" if metric in thresholds.LOWER_METRICS else "≤"
    text = f"{op} {fmt_metric(metric, fail)}"
    if warn is not None:
        text += f" (warn {fmt_metric(metric, warn)})"
    return text
