"""The two header lines: what runs, where, for how long, and the headline numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_clock, fmt_int, fmt_ms, fmt_pct, fmt_rate

# The state is spelled out in words with a symbol, so it reads the same in NO_COLOR.
STATE_LABELS = {
    "ready": ("○ READY", "dim"),
    "spawning": ("◐ SPAWNING", "bold yellow"),
    "running": ("● RUNNING", "bold green"),
    "stopping": ("◑ STOPPING", "bold yellow"),
    "stopped": ("■ STOPPED", "bold red"),
}


def status_text(snapshot: Snapshot) -> Text:
    label, style = STATE_LABELS.get(snapshot.state, (snapshot.state.upper(), "bold"))
    line1 = Text(no_wrap=True, overflow="ellipsis")
    line1.append(label, style=style)
    line1.append("  profile ", style="dim")
    line1.append(snapshot.profile, style="bold")
    line1.append("  users ", style="dim")
    line1.append(f"{snapshot.users}/{snapshot.target_users}", style="bold")
    line1.append("  elapsed ", style="dim")
    line1.append(fmt_clock(snapshot.elapsed_s), style="bold")
    if snapshot.run_time_s is not None:
        line1.append(f" / {fmt_clock(snapshot.run_time_s)}")
    elif snapshot.live:
        line1.append(" / until stopped", style="dim")
    line1.append("  host ", style="dim")
    host = snapshot.host or "-"
    line1.append(f"demo target {host}" if snapshot.demo_target else host)

    totals = snapshot.totals
    line2 = Text(no_wrap=True, overflow="ellipsis")
    line2.append("RPS ", style="dim")
    line2.append(fmt_rate(totals.rps), style="bold")
    line2.append("  failures ", style="dim")
    failed = totals.failures > 0
    # A mark as well as a colour: failures must stand out in a monochrome terminal too.
    line2.append(
        f"{'! ' if failed else ''}{fmt_pct(totals.fail_ratio)} ({fmt_int(totals.failures)})",
        style="bold red" if failed else "bold",
    )
    line2.append("  p50 ", style="dim")
    line2.append(fmt_ms(totals.p50_ms))
    line2.append("  p95 ", style="dim")
    line2.append(f"{fmt_ms(totals.p95_ms)} ms", style="bold")
    line2.append("  p99 ", style="dim")
    line2.append(fmt_ms(totals.p99_ms))
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
        self.update(status_text(snapshot))
