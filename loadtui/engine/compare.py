"""Run-to-run comparison: did B get worse than A, beyond a tolerance?

Compared per endpoint (matched by method and name) and overall, on what summary.json holds:
requests, RPS, fail %, p50, p95, p99. A regression is a latency or a failure rate that grew by
more than the tolerance, or a throughput that fell by more than it. Request counts are shown, not
judged: they follow the run's length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .snapshot import Baseline, BaselineFigures

FIGURES = ("requests", "rps", "fail_ratio", "p50", "p95", "p99")
HIGHER_IS_WORSE = {"fail_ratio", "p50", "p95", "p99"}
LOWER_IS_WORSE = {"rps"}
FAIL_RATIO_FLOOR = 0.001
"""A failure rate must also grow by at least 0.1 percentage point to count (0 -> 0.0001 is noise)."""
LATENCY_FLOOR_MS = 2.0
"""Latencies must also grow by at least 2 ms (Locust rounds them to a few ms at that scale)."""


class CompareError(ValueError):
    """A run folder that cannot be compared; ``str()`` names it."""


def parse_tolerance(text: str) -> float:
    """``"20%"`` or ``"0.2"`` -> 0.2."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise CompareError(
            f"--tolerance: expected a percentage like 20% (or a fraction like 0.2), got {text!r}"
        ) from None
    if not 0 <= value < 100:
        raise CompareError(f"--tolerance: expected a percentage between 0% and 10000%, got {text!r}")
    return value


def load_summary(run: str | Path) -> dict[str, Any]:
    """A run folder (or its summary.json)."""
    path = Path(run)
    if path.is_dir():
        path = path / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompareError(f"{path}: no such run (expected a run folder with a summary.json)") from None
    except (OSError, ValueError) as exc:
        raise CompareError(f"{path}: unreadable summary.json: {exc}") from None
    if not isinstance(data, dict) or "totals" not in data:
        raise CompareError(f"{path}: not a loadtui summary.json (no totals)")
    data.setdefault("_folder", str(path.parent))
    return data


@dataclass(frozen=True)
class Change:
    figure: str
    a: float | None
    b: float | None
    regressed: bool

    @property
    def ratio(self) -> float | None:
        if self.a is None or self.b is None or self.a == 0:
            return None
        return (self.b - self.a) / self.a


@dataclass(frozen=True)
class Row:
    scope: str
    """``Aggregated`` or ``METHOD name``."""
    changes: tuple[Change, ...]

    @property
    def regressed(self) -> bool:
        return any(change.regressed for change in self.changes)


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    tolerance: float
    rows: tuple[Row, ...]

    @property
    def regressions(self) -> list[tuple[str, Change]]:
        return [(row.scope, change) for row in self.rows for change in row.changes if change.regressed]

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.a,
            "tolerance": self.tolerance,
            "regressed": self.regressed,
            "rows": [
                {
                    "scope": row.scope,
                    "regressed": row.regressed,
                    "figures": {c.figure: {"a": c.a, "b": c.b, "regressed": c.regressed} for c in row.changes},
                }
                for row in self.rows
            ],
        }


def _figures(entry: Mapping[str, Any]) -> dict[str, float]:
    def get(*keys: str) -> float:
        for key in keys:
            if entry.get(key) is not None:
                return float(entry[key])
        return 0.0

    return {
        "requests": get("requests"),
        "rps": get("rps"),
        "fail_ratio": get("fail_ratio"),
        "p50": get("p50", "p50_ms"),
        "p95": get("p95", "p95_ms"),
        "p99": get("p99", "p99_ms"),
    }


def live_change(baseline: Baseline, figure: str, base: float | None, now: float) -> tuple[float | None, str]:
    """(the relative change, ``worse`` / ``better`` / ``same``) of a live ``figure`` (``p95`` or
    ``rps``) from the baseline's ``base``, judged with the tolerance and the floors the end-of-run
    comparison uses."""
    if base is None or base == 0:
        return None, "same"
    ratio = (now - base) / base
    if _regressed(figure, base, now, baseline.tolerance):
        return ratio, "worse"
    if _regressed(figure, now, base, baseline.tolerance):  # as much better as worse would fail
        return ratio, "better"
    return ratio, "same"


def live_baseline(run: str | Path, tolerance: str) -> Baseline:
    """The figures a running run is held against, from a saved run's summary.json."""
    summary = load_summary(run)

    def figures(entry: Mapping[str, Any]) -> BaselineFigures:
        found = _figures(entry)
        return BaselineFigures(p95_ms=found["p95"], rps=found["rps"])

    return Baseline(
        folder=str(summary.get("_folder", run)),
        tolerance=parse_tolerance(tolerance),
        totals=figures(summary["totals"]),
        endpoints={(e.get("method", ""), e["name"]): figures(e) for e in summary.get("endpoints", [])},
    )


def _regressed(figure: str, a: float, b: float, tolerance: float) -> bool:
    if figure in HIGHER_IS_WORSE:
        floor = FAIL_RATIO_FLOOR if figure == "fail_ratio" else LATENCY_FLOOR_MS
        return b > a * (1 + tolerance) and b - a >= floor
    if figure in LOWER_IS_WORSE:
        return b < a * (1 - tolerance)
    return False


def compare(a: Mapping[str, Any], b: Mapping[str, Any], tolerance: float = 0.2) -> Comparison:
    def row(scope: str, fa: dict[str, float] | None, fb: dict[str, float] | None) -> Row:
        changes = []
        for figure in FIGURES:
            va = None if fa is None else fa[figure]
            vb = None if fb is None else fb[figure]
            bad = va is not None and vb is not None and _regressed(figure, va, vb, tolerance)
            changes.append(Change(figure, va, vb, bad))
        return Row(scope, tuple(changes))

    def endpoints(summary: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        return {f"{e.get('method', '')} {e['name']}".strip(): _figures(e) for e in summary.get("endpoints", [])}

    ea, eb = endpoints(a), endpoints(b)
    rows = [row("Aggregated", _figures(a["totals"]), _figures(b["totals"]))]
    rows.extend(row(scope, ea.get(scope), eb.get(scope)) for scope in sorted(set(ea) | set(eb)))
    return Comparison(a=str(a.get("_folder", "A")), b=str(b.get("_folder", "B")), tolerance=tolerance, rows=tuple(rows))


def _cell(figure: str, value: float | None) -> str:
    if value is None:
        return "-"
    if figure == "fail_ratio":
        return f"{100 * value:.2f}%"
    if figure == "rps":
        return f"{value:.1f}"
    return f"{value:.0f}"


def format_comparison(result: Comparison) -> str:
    """One line per endpoint: each figure as ``A -> B (+x%)``, regressions marked ``REGRESSED``."""
    header = ["scope", *(f"{'fail %' if f == 'fail_ratio' else f}: A -> B" for f in FIGURES), ""]
    lines = [header]
    for row in result.rows:
        cells = [row.scope]
        for change in row.changes:
            ratio = change.ratio
            delta = "" if ratio is None else f" ({ratio:+.0%})"
            mark = " !" if change.regressed else ""
            cells.append(f"{_cell(change.figure, change.a)} -> {_cell(change.figure, change.b)}{delta}{mark}")
        cells.append("REGRESSED" if row.regressed else "")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
    verdict = (
        f"{len(result.regressions)} regression(s) beyond {result.tolerance:.0%} (marked !)"
        if result.regressed
        else f"no regression beyond {result.tolerance:.0%}"
    )
    return "\n".join([f"A: {result.a}", f"B: {result.b}", "", *text, "", verdict])
