"""Sparklines of the run so far: RPS, failures/s, users and p95, one labelled row each."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_ms, fmt_rate

MAX_POINTS = 300
"""A sparkline shows at most one point per cell, so older points only cost time to summarise."""


class TrendRow(Horizontal):
    """``RPS  123.4 ▁▂▅▇`` : the label carries the current value so the line is never the only clue."""

    DEFAULT_CSS = """
    TrendRow { height: 1fr; min-height: 1; }
    TrendRow > Label { width: 17; height: 1; }
    TrendRow > Sparkline { width: 1fr; height: 1fr; min-height: 1; }
    """

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(f"{self.title:<8} -", classes="trend-label")
        yield Sparkline([], summary_function=max)

    def show(self, values: Sequence[float], text: str) -> None:
        # Fixed size (CSS): no layout pass for a new value, only a repaint.
        self.query_one(Label).update(f"{self.title:<8}{text:>8}", layout=False)
        self.query_one(Sparkline).data = list(values[-MAX_POINTS:])


class TrendsPanel(Vertical):
    """The four headline series; a p95 sparkline stands in for the chart when it is hidden."""

    def compose(self) -> ComposeResult:
        yield TrendRow("RPS", id="trend-rps")
        yield TrendRow("fail/s", id="trend-fail")
        yield TrendRow("users", id="trend-users")
        yield TrendRow("p95 ms", id="trend-p95")

    def update_snapshot(self, snapshot: Snapshot) -> None:
        history = snapshot.history
        totals = snapshot.totals
        self.query_one("#trend-rps", TrendRow).show(history.rps, fmt_rate(totals.rps))
        self.query_one("#trend-fail", TrendRow).show(history.fail_per_s, fmt_rate(totals.fail_per_s))
        self.query_one("#trend-users", TrendRow).show(
            [float(u) for u in history.users], f"{snapshot.users}/{snapshot.target_users}"
        )
        current = totals.current_p95_ms if totals.current_p95_ms is not None else totals.p95_ms
        self.query_one("#trend-p95", TrendRow).show(history.p95_ms, fmt_ms(current))
