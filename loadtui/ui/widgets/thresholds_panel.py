"""Every threshold of the running profile: metric, scope, limit, observed value and state.

The state is a symbol and a word (``✗ fail``) as well as a colour. Rows are keyed by
(metric, scope) and updated in place; failing ones sort first so they are seen at 80x24.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from loadtui.engine.snapshot import Snapshot
from loadtui.engine.thresholds import Result

from ..formatting import STATE_STYLES, fmt_limit, fmt_metric
from .cells import Num
from .keyed_table import KeyedTable, row_key

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("state", "State", 9),
    ("metric", "Metric", 10),
    ("observed", "Observed", 10),
    ("limit", "Limit", 22),
    ("scope", "Scope", 40),
)
"""Scope last: at 80 columns a long endpoint name is what gets cut, never the state or limit."""

SEVERITY = {"fail": 3, "warn": 2, "no data": 1, "ok": 0}


def threshold_cells(result: Result) -> dict[str, Any]:
    style = STATE_STYLES.get(result.state, "")
    observed = -1.0 if result.observed is None else result.observed
    return {
        "state": Num(SEVERITY.get(result.state, 0), f"{result.symbol} {result.state}", style, justify="left"),
        "metric": Text(result.metric),
        "scope": Text(result.scope, no_wrap=True, overflow="ellipsis"),
        "observed": Num(observed, fmt_metric(result.metric, result.observed), style),
        "limit": Text(fmt_limit(result.metric, result.limit.fail, result.limit.warn), no_wrap=True),
    }


def thresholds_tab_label(snapshot: Snapshot) -> str:
    """``Thresholds ✗ 2 fail`` : the worst state in the tab itself, noticed while another tab is open."""
    states = [r.state for r in snapshot.thresholds]
    for state, symbol in (("fail", "✗"), ("warn", "!")):
        if state in states:
            return f"Thresholds {symbol} {states.count(state)} {state}"
    return f"Thresholds ✓ {len(states)}" if states else "Thresholds"


class ThresholdsTable(KeyedTable):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_columns = ("state",)
        self.sort_reverse = True

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.sync({row_key(r.metric, r.scope): threshold_cells(r) for r in snapshot.thresholds})
