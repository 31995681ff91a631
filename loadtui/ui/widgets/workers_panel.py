"""Locust workers of a distributed run, as the master last heard of them.

A worker whose heartbeats stopped is shown as MISSING (in words and reverse video): the run goes
on without it, so it is information, not an error.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from loadtui.engine.snapshot import Snapshot, WorkerRow

from ..formatting import fmt_bytes, fmt_clock, fmt_int
from .cells import Num
from .keyed_table import KeyedTable

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("id", "Worker", 22),
    ("state", "State", 11),
    ("users", "Users", 7),
    ("cpu", "CPU %", 7),
    ("memory", "Memory", 10),
    ("heartbeat", "Heartbeat", 10),
)

WORKER_STATES = {
    "ready": ("○ ready", ""),
    "spawning": ("◐ spawning", "yellow"),
    "running": ("● running", "green"),
    "stopped": ("■ stopped", "dim"),
    "missing": ("✗ MISSING", "bold red reverse"),
}

HEARTBEATS = 3
"""Locust's HEARTBEAT_LIVENESS: heartbeats left when a worker is fresh."""


def short_id(worker_id: str) -> str:
    """Locust ids are ``hostname_<32 hex>``: the host and the first 6 hex tell workers apart."""
    host, sep, tail = worker_id.rpartition("_")
    if sep and len(tail) >= 12 and all(c in "0123456789abcdef" for c in tail):
        return f"{host[:14]}_{tail[:6]}"
    return worker_id[:22]


def heartbeat_text(worker: WorkerRow) -> str:
    if worker.missing or worker.heartbeat <= 0:
        return "lost"
    return "fresh" if worker.heartbeat >= HEARTBEATS else f"late {HEARTBEATS - worker.heartbeat}"


def worker_cells(worker: WorkerRow) -> dict[str, Any]:
    label, style = WORKER_STATES.get(worker.state, (worker.state, ""))
    cpu_style = "bold red" if worker.cpu_percent > 90 else ""
    return {
        "id": Text(short_id(worker.id), no_wrap=True, overflow="ellipsis"),
        "state": Text(label, style=style),
        "users": Num(worker.users, fmt_int(worker.users)),
        "cpu": Num(worker.cpu_percent, f"{worker.cpu_percent:.0f}%", cpu_style),
        "memory": Num(worker.memory_bytes, fmt_bytes(worker.memory_bytes)),
        "heartbeat": Text(heartbeat_text(worker), style="bold" if worker.missing else ""),
    }


def workers_tab_label(snapshot: Snapshot) -> str:
    missing = sum(1 for w in snapshot.workers if w.missing)
    lost = sum(1 for e in snapshot.worker_events if e.loss)
    notes = [f"{missing} MISSING"] * bool(missing) + [f"{lost} lost"] * bool(lost)
    return f"Workers ({', '.join([str(len(snapshot.workers)), *notes])})"


def events_text(snapshot: Snapshot) -> Text:
    """The workers lost, restarted and back during the run, and how long it was short of users."""
    if not snapshot.worker_events:
        return Text("No worker lost so far.", style="dim")
    text = Text()
    if snapshot.users_short_s > 0:
        text.append(f"Fewer users than asked for {fmt_clock(snapshot.users_short_s)}. ", style="bold yellow")
    text.append(" · ".join(e.describe() for e in snapshot.worker_events[-6:]))
    return text


class WorkerEvents(Static):
    """The line under the workers table: what happened to them."""

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.update(events_text(snapshot))


class WorkersTable(KeyedTable):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_columns = ("id",)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.sync({w.id: worker_cells(w) for w in snapshot.workers})
