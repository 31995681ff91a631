"""After the run: what happened, and where the report went."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from loadtui.engine.snapshot import Snapshot

from ..formatting import fmt_clock, fmt_int, fmt_ms, fmt_pct, fmt_rate

END_REASONS = {
    "completed": "the run time elapsed",
    "stopped": "stopped from the keyboard",
    "quit": "quit",
    "interrupted": "interrupted (Ctrl+C)",
    "terminated": "terminated (SIGTERM)",
    "hangup": "the terminal hung up",
    "error": "an error ended it",
}


def ended_text(result: Any, snapshot: Snapshot | None) -> Text:
    """``result`` is the engine's RunResult (duck-typed so that test doubles need no engine)."""
    text = Text()
    reason = getattr(result, "end_reason", "stopped")
    text.append("■ RUN ENDED", style="bold")
    text.append(f"  {END_REASONS.get(reason, reason)}\n\n")
    if snapshot is not None:
        totals = snapshot.totals

        def field(label: str, value: str, style: str = "") -> None:
            text.append(f"{label:<14}", style="dim")
            text.append(f"{value}\n", style=style)

        if snapshot.switches:
            route = [snapshot.switches[0].from_profile, *(s.to_profile for s in snapshot.switches)]
            field("profiles", " → ".join(route))
        else:
            field("profile", snapshot.profile)
        field("host", f"demo target {snapshot.host}" if snapshot.demo_target else snapshot.host)
        field("duration", fmt_clock(snapshot.elapsed_s))
        field("requests", fmt_int(totals.requests))
        failed = totals.failures > 0
        field(
            "failures",
            f"{'! ' if failed else ''}{fmt_int(totals.failures)} ({fmt_pct(totals.fail_ratio)})",
            "bold red" if failed else "",
        )
        field("avg RPS", fmt_rate(totals.avg_rps))
        field("p50/p95/p99", f"{fmt_ms(totals.p50_ms)} / {fmt_ms(totals.p95_ms)} / {fmt_ms(totals.p99_ms)} ms")
        field("max users", fmt_int(max(snapshot.history.users, default=snapshot.users)))
        text.append("\n")
    error = getattr(result, "error", None)
    folder = getattr(result, "folder", None)
    if error:
        text.append("! The report could not be written: ", style="bold reverse red")
        text.append(f" {error}\n")
    if folder is not None:
        text.append("Report folder\n", style="bold")
        text.append(f"  {folder}\n")
    files = getattr(result, "files", ()) or ()
    if files:
        text.append("Files\n", style="bold")
        for path in files:
            text.append(f"  {path}\n")
    return text


class EndedScreen(Screen[None]):
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="ended-quit"),
        Binding("n", "app.new_run", "New run", id="ended-new-run"),
        Binding("escape,d", "back", "Dashboard", id="ended-back"),
    ]

    def __init__(self, result: Any, snapshot: Snapshot | None) -> None:
        super().__init__()
        self.result = result
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ended-body"):
            yield Static(ended_text(self.result, self.snapshot), id="ended-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ended-body").border_title = "Run ended"
        self.query_one("#ended-body").focus()

    def action_back(self) -> None:
        """Back to the (now frozen) dashboard, to read the final tables."""
        self.dismiss(None)
