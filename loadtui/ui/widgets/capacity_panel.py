"""A ramp to the limit as it goes: a line with the capacity so far, and a row per step.

Each step's row shows its users, its window's requests/s, p95, p99 and failures, and its state in
a symbol and a word (``◐ judging``, ``✓ pass``, ``✗ fail``), with the threshold that failed it.
Rows are keyed by step number and updated in place, newest last.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static
from textual.widgets.data_table import ColumnKey

from loadtui.engine.snapshot import Capacity, CapacityStep, Snapshot
from loadtui.engine.thresholds import limit_text

from ..formatting import fmt_int, fmt_ms, fmt_pct, fmt_rate
from .cells import Num
from .keyed_table import KeyedTable

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("step", "Step", 5),
    ("users", "Users", 10),
    ("rps", "Req/s", 8),
    ("p95", "p95 ms", 8),
    ("p99", "p99 ms", 8),
    ("failed", "Failed", 7),
    ("state", "State", 10),
    ("limit", "Limited by", 30),
)
"""The limiting threshold last: at 80 columns it is what gets cut."""

STEP_STATES = {
    "starting": ("○ starting", "dim"),
    "settling": ("◔ settling", "dim"),
    "judging": ("◐ judging", "yellow"),
    "pass": ("✓ pass", "green"),
    "warn": ("! warn", "bold yellow"),
    "fail": ("✗ fail", "bold red"),
}


def step_cells(step: CapacityStep) -> dict[str, Any]:
    label, style = STEP_STATES.get(step.state, (step.state, ""))
    measured = step.state not in ("starting", "settling")
    users = (
        f"{step.users_running}/{step.users}" if measured and step.users_running < step.users else fmt_int(step.users)
    )
    if step.rate is not None:  # a ramp of the rate: its target, with the users the pacer took
        users = f"{step.rate:g}/s {step.users}u"
    return {
        "step": Num(step.number, str(step.number)),
        "users": Num(step.rate if step.rate is not None else step.users, users),
        "rps": Num(step.rps, fmt_rate(step.rps) if measured else "-"),
        "p95": Num(step.p95_ms, fmt_ms(step.p95_ms) if measured and step.requests else "-"),
        "p99": Num(step.p99_ms, fmt_ms(step.p99_ms) if measured and step.requests else "-"),
        "failed": Num(
            step.fail_ratio, fmt_pct(step.fail_ratio) if measured else "-", "bold red" if step.failures else ""
        ),
        "state": Text(label, style=style),
        "limit": Text(limit_text(step.limited_by) if step.limited_by else "", no_wrap=True, overflow="ellipsis"),
    }


def capacity_text(capacity: Capacity) -> Text:
    """``Capacity so far: 6 users, 79.4 req/s (step 3) · step 4: 8 users, judging`` and, once the
    ramp is over, what ended it."""
    text = Text(no_wrap=True, overflow="ellipsis")
    found = capacity.found
    head = "Capacity" if capacity.done else "Capacity so far"
    if found is None:
        text.append(f"{head}: none", style="bold red" if capacity.done else "dim")
    else:
        style = "bold green" if capacity.done and capacity.outcome != "interrupted" else "bold"
        text.append(f"{head}: {found.load}, {fmt_rate(found.rps)} req/s", style=style)
        text.append(f", p95 {fmt_ms(found.p95_ms)} ms (step {found.number})")
    if capacity.done:
        text.append(f" · {capacity.outcome}" + (f": {capacity.detail}" if capacity.detail else ""), style="dim")
    elif capacity.steps:
        step = capacity.steps[-1]
        text.append(f" · step {step.number}: {step.load}, {step.state}", style="dim")
    return text


def capacity_tab_label(snapshot: Snapshot) -> str:
    """``Capacity (step 3)``, ``Capacity ✓ 6 users``, ``Capacity ✗ none``."""
    capacity = snapshot.capacity
    if capacity is None:
        return "Capacity"
    if not capacity.done:
        return f"Capacity (step {len(capacity.steps)})"
    found = capacity.found
    if found is None:
        return "Capacity ✗ none"
    return f"Capacity ✓ {found.rate:g}/s" if found.rate is not None else f"Capacity ✓ {found.users} users"


class CapacityLine(Static):
    """The line above the steps: the capacity found so far, and the step in progress."""

    def update_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.capacity is not None:
            self.update(capacity_text(snapshot.capacity))


class CapacityTable(KeyedTable):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_columns = ("step",)
        self.fill_column = "limit"

    def update_snapshot(self, snapshot: Snapshot) -> None:
        capacity = snapshot.capacity
        steps = capacity.steps if capacity is not None else ()
        label = "Rate, users" if capacity is not None and capacity.ramp.get("of") == "rate" else "Users"
        column = self.columns.get(ColumnKey("users"))
        if column is not None and column.label.plain != label:
            column.label = Text(label)
            self.refresh()
        self.sync({str(step.number): step_cells(step) for step in steps})
