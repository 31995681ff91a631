"""The two header lines: what runs, where, for how long, and the headline numbers.

Figures with an overall threshold are coloured by its state and followed by its symbol
(``p95 71 ms✗``), so the state reads the same without colour.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from loadtui.engine.snapshot import Snapshot
from loadtui.engine.thresholds import Result

from ..formatting import STATE_STYLES, VERDICTS, fmt_clock, fmt_int, fmt_ms, fmt_pct, fmt_rate

# The state is spelled out in words with a symbol, so it reads the same in NO_COLOR.
STATE_LABELS = {
    "ready": ("○ READY", "dim"),
    "waiting": ("◌ WAITING for workers", "bold yellow"),
    "spawning": ("◐ SPAWNING", "bold yellow"),
    "running": ("● RUNNING", "bold green"),
    "stopping": ("◑ STOPPING", "bold yellow"),
    "stopped": ("■ STOPPED", "bold red"),
}


def overall_results(snapshot: Snapshot) -> dict[str, Result]:
    return {r.metric: r for r in snapshot.thresholds if r.scope == "overall"}


def _figure(line: Text, text: str, result: Result | None, style: str = "") -> None:
    """A headline figure; with a threshold, coloured by its state and marked with its symbol."""
    if result is None:
        line.append(text, style=style)
        return
    line.append(text, style=STATE_STYLES.get(result.state, ""))
    line.append(result.symbol, style=STATE_STYLES.get(result.state, ""))


def _rate_style(snapshot: Snapshot) -> str:
    rate = snapshot.rate
    if rate is None or not rate.active:
        return "dim"
    if rate.holding_now:
        return "bold green"
    return "bold red" if rate.capped else "bold yellow"


def status_text(snapshot: Snapshot) -> Text:
    label, style = STATE_LABELS.get(snapshot.state, (snapshot.state.upper(), "bold"))
    line1 = Text(no_wrap=True, overflow="ellipsis")
    line1.append(label, style=style)
    if snapshot.verdict in VERDICTS:
        word, verdict_style = VERDICTS[snapshot.verdict]
        line1.append("  ")
        line1.append(f" {word} ", style=f"{verdict_style} reverse")
    line1.append("  profile ", style="dim")
    line1.append(snapshot.profile, style="bold")
    line1.append("  users ", style="dim")
    line1.append(f"{snapshot.users}/{snapshot.target_users}", style="bold")
    # Next to the users, before the rest: at 80 columns the line is cut after the elapsed time.
    missing = sum(1 for w in snapshot.workers if w.missing)
    if missing:
        line1.append(f"  ✗ {missing} worker{'s' if missing > 1 else ''} MISSING", style="bold red")
    if snapshot.users_short_s > 0:
        line1.append(f"  ⚠ users short {fmt_clock(snapshot.users_short_s)}", style="bold yellow")
    if snapshot.rate is not None:
        # Next to the users it sets: ✓ holding, ✗ short at the cap, … still adding users.
        line1.append("  ")
        line1.append(snapshot.rate.describe(), style=_rate_style(snapshot))
    line1.append("  elapsed ", style="dim")
    line1.append(fmt_clock(snapshot.elapsed_s), style="bold")
    if snapshot.run_time_s is not None:
        line1.append(f" / {fmt_clock(snapshot.run_time_s)}")
    elif snapshot.live:
        line1.append(" / until stopped", style="dim")
    if snapshot.workers:
        line1.append("  workers ", style="dim")
        line1.append(str(len(snapshot.workers) - missing), style="bold")
    line1.append("  host ", style="dim")
    host = snapshot.host or "-"
    line1.append(f"demo target {host}" if snapshot.demo_target else host)
    if snapshot.connection:
        # Attached runs: the Locust web UI did not answer; the figures are from the last answer.
        line1.append(f"  ⚠ {snapshot.connection}", style="bold reverse red")

    judged = overall_results(snapshot)
    totals = snapshot.totals
    line2 = Text(no_wrap=True, overflow="ellipsis")
    line2.append("RPS ", style="dim")
    _figure(line2, fmt_rate(totals.rps), judged.get("rps_min"), "bold")
    line2.append("  failures ", style="dim")
    failed = totals.failures > 0
    # A mark as well as a colour: failures must stand out in a monochrome terminal too.
    mark = "! " if failed and "fail_ratio" not in judged else ""  # a threshold brings its own symbol
    _figure(
        line2,
        f"{mark}{fmt_pct(totals.fail_ratio)} ({fmt_int(totals.failures)})",
        judged.get("fail_ratio"),
        "bold red" if failed else "bold",
    )
    for metric, label, value in (
        ("p50_ms", "p50", totals.p50_ms),
        ("p95_ms", "p95", totals.p95_ms),
        ("p99_ms", "p99", totals.p99_ms),
    ):
        line2.append(f"  {label} ", style="dim")
        _figure(
            line2,
            fmt_ms(value) + (" ms" if label == "p95" else ""),
            judged.get(metric),
            "bold" if label == "p95" else "",
        )
    line2.append("  requests ", style="dim")
    line2.append(fmt_int(totals.requests))
    line2.append("  endpoints ", style="dim")
    line2.append(fmt_int(snapshot.endpoint_count or len(snapshot.endpoints)))
    return Text("\n").join([line1, line2])


class StatusLine(Static):
    """Header of the dashboard. Rebuilt whole each tick: two lines of text cost nothing."""

    DEFAULT_CSS = """
    StatusLine { height: 2; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.update(status_text(snapshot), layout=False)  # always two lines: a repaint, no layout
