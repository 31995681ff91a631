"""After the run: the verdict first, then each threshold, the baseline comparison, the figures,
and where the report went (or, after a disk error, where it could not go and how to retry)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Footer, Static

from loadtui.engine import summary as summary_mod
from loadtui.engine.snapshot import Snapshot
from loadtui.engine.thresholds import STATE_SYMBOLS, limit_text

from ..formatting import (
    STATE_STYLES,
    VERDICTS,
    fmt_clock,
    fmt_int,
    fmt_limit,
    fmt_metric,
    fmt_ms,
    fmt_pct,
    fmt_rate,
)
from ..messages import ReportElsewhereAsked, RetryReportAsked
from ..run_controller import report_unwritten
from ..widgets.capacity_panel import STEP_STATES, capacity_text

END_REASONS = {
    "completed": "the run time elapsed",
    "stopped": "stopped from the keyboard",
    "quit": "quit",
    "interrupted": "interrupted (Ctrl+C)",
    "terminated": "terminated (SIGTERM)",
    "hangup": "the terminal hung up",
    "error": "an error ended it",
    "aborted": "aborted: a failing threshold held for the profile's abort_on_fail time",
}

VERDICT_MEANING = {
    "pass": "every threshold passed",
    "warn": "no threshold failed, some crossed their warning level",
    "fail": "at least one threshold failed",
}


def _threshold_rows(result: Any, snapshot: Snapshot | None) -> list[dict[str, Any]]:
    """The report's list (summary.json) when there is one, else the last snapshot's."""
    rows = (getattr(result, "summary", None) or {}).get("thresholds")
    if rows:
        return list(rows)
    if snapshot is None:
        return []
    return [r.to_dict() for r in snapshot.thresholds]


def _verdict(result: Any, snapshot: Snapshot | None) -> str | None:
    summary = getattr(result, "summary", None) or {}
    if "verdict" in summary:
        return summary["verdict"]
    return snapshot.verdict if snapshot is not None else None


def ended_text(result: Any, snapshot: Snapshot | None) -> Text:
    """``result`` is the engine's RunResult (duck-typed so that test doubles need no engine)."""
    # No wrapping: the comparison table is wide; the view scrolls sideways instead.
    text = Text(no_wrap=True)
    reason = getattr(result, "end_reason", "stopped")
    verdict = _verdict(result, snapshot)
    if verdict in VERDICTS:
        word, style = VERDICTS[verdict]
        text.append(f"  {word}  ", style=f"{style} reverse")
        summary = getattr(result, "summary", None) or {}
        meaning = VERDICT_MEANING[verdict] if summary.get("thresholds") or verdict != "warn" else "a warning"
        text.append(f"  {meaning}\n", style="bold")
        if summary.get("verdict_note"):
            text.append(f"  ! {summary['verdict_note']}\n", style="bold yellow")
        text.append("\n")
    text.append("■ RUN ENDED", style="bold")
    capacity = snapshot.capacity if snapshot is not None else None
    if reason == "completed" and capacity is not None and capacity.done and capacity.outcome != "interrupted":
        text.append(f"  the ramp to the limit ended: {capacity.outcome}\n\n")
    else:
        text.append(f"  {END_REASONS.get(reason, reason)}\n\n")

    if capacity is not None:
        text.append("Capacity\n", style="bold")
        text.append("  ")
        text.append_text(capacity_text(capacity))
        text.append("\n")
        for step in capacity.steps:
            label, style = STEP_STATES.get(step.state, (step.state, ""))
            text.append(f"  {step.number:>3}  {step.load:<16} {fmt_rate(step.rps):>8} req/s")
            text.append(f"  p95 {fmt_ms(step.p95_ms):>6} ms  {fmt_pct(step.fail_ratio):>6} failed  ")
            text.append(f"{label:<11}", style=style)
            text.append(f" {limit_text(step.limited_by)}" if step.limited_by else "", style="dim")
            text.append("\n")
        text.append("\n")

    rows = _threshold_rows(result, snapshot)
    if rows:
        scope = (getattr(result, "summary", None) or {}).get("verdict_scope")
        text.append("Thresholds", style="bold")
        text.append(f"  judged on the {scope}\n" if scope else "\n", style="dim")
        for row in rows:
            state = row.get("state", "no data")
            style = STATE_STYLES.get(state, "")
            metric = row.get("metric", "")
            # The scope last: on a narrow terminal a long endpoint name is what runs off the edge.
            text.append(f"  {STATE_SYMBOLS.get(state, '?')} {state:<7} ", style=style)
            text.append(f"{metric:<10} ")
            text.append(f"{fmt_metric(metric, row.get('observed')):>9}", style=style)
            text.append(f"  {fmt_limit(metric, row.get('fail', 0), row.get('warn')):<22} ", style="dim")
            text.append(f"{row.get('scope', '')}\n", style="dim" if row.get("scope") == "overall" else "")
        text.append("\n")

    comparison = (getattr(result, "summary", None) or {}).get("comparison")
    if comparison:
        text.append(f"Compared with {comparison.get('baseline', 'the baseline')}\n", style="bold")
        if comparison.get("error"):
            text.append(f"  ! cannot compare: {comparison['error']}\n\n", style="bold yellow")
        else:
            for line in str(comparison.get("text", "")).splitlines():
                regressed = line.rstrip().endswith("REGRESSED") or "regression(s)" in line
                text.append(f"  {line}\n", style="bold red" if regressed else "")
            text.append("\n")

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
        rate = (getattr(result, "summary", None) or {}).get("rate")
        if rate:
            held = bool(rate.get("held"))
            # The mark and the words say it without colour: ✓ held, ✗ NOT HELD.
            field(
                "target rate",
                ("✓ " if held else "✗ ") + summary_mod.rate_text(rate).removeprefix("rate: "),
                "bold green" if held else "bold red",
            )
        text.append("\n")
    error = getattr(result, "error", None)
    folder = getattr(result, "folder", None)
    if error:
        text.append("! THE REPORT WAS NOT WRITTEN", style="bold reverse red")
        text.append(f"\n  {error}\n")
        if folder is None:
            text.append(
                "  The data is kept in memory: r retries, a writes it to another directory.\n"
                "  Quitting now loses it (q asks first).\n",
                style="bold",
            )
        text.append("\n")
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
        Binding("r", "retry_report", "Retry report", id="ended-retry-report"),
        Binding("a", "report_elsewhere", "Another directory", id="ended-report-elsewhere"),
    ]

    def __init__(self, result: Any, snapshot: Snapshot | None) -> None:
        super().__init__()
        self.result = result
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        with ScrollableContainer(id="ended-body"):
            yield Static(ended_text(self.result, self.snapshot), id="ended-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ended-body").border_title = "Run ended"
        self.query_one("#ended-body").focus()

    def show_result(self, result: Any) -> None:
        """A retry wrote the report (or failed again): the view says so."""
        self.result = result
        if not self.is_mounted:
            return  # compose() shows self.result
        self.query_one("#ended-summary", Static).update(ended_text(result, self.snapshot))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The retry keys exist only while the report is unwritten.
        if action in ("retry_report", "report_elsewhere"):
            return report_unwritten(self.result)
        return True

    def action_retry_report(self) -> None:
        self.post_message(RetryReportAsked())

    def action_report_elsewhere(self) -> None:
        self.post_message(ReportElsewhereAsked())

    def action_back(self) -> None:
        """Back to the (now frozen) dashboard, to read the final tables."""
        self.dismiss(None)
