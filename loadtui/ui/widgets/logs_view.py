"""The Logs tab: what the run logged and printed, this process's and every worker's, newest at the bottom.

Fed from snapshots: each carries the newest lines and how many there have been, and the view
appends only the lines it has not shown (one ``write`` per new line, at most a snapshot's worth a
tick). When more came between two ticks than a snapshot carries, a line says how many were
skipped: they are all in the run folder's run.log.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from loadtui.engine.log_book import STDERR, STDOUT, LogLine
from loadtui.engine.snapshot import Snapshot

KEEP = 2000
"""Lines the view scrolls back through (the run folder's run.log has them all)."""

LEVEL_STYLES = {
    "DEBUG": "dim",
    "INFO": "",
    "WARNING": "yellow",
    "ERROR": "bold red",
    "CRITICAL": "bold red reverse",
    STDOUT: "",
    STDERR: "red",
}


def line_text(line: LogLine) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{line.source:<9} ", style="dim" if line.source == "loadtui" else "cyan")
    level = "" if line.level == STDOUT else f"{line.level:<7} "
    style = LEVEL_STYLES.get(line.level, "")
    text.append(level, style=style)
    text.append(line.text, style=style if line.level not in (STDOUT, "INFO") else "")
    return text


def logs_tab_label(snapshot: Snapshot) -> str:
    return f"Logs ({snapshot.log_count})"


class LogsView(RichLog):
    """A RichLog that follows the run's log lines from snapshots."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=KEEP, wrap=False, markup=False, highlight=False, **kwargs)  # type: ignore[arg-type]
        self.shown = 0
        """The number of the newest line written here."""

    def update_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.log_count < self.shown:  # a new run: its lines start at 1 again
            self.clear()
            self.shown = 0
        new = [line for line in snapshot.logs if line.number > self.shown]
        if not new:
            return
        skipped = new[0].number - self.shown - 1
        if skipped > 0 and self.shown:
            self.write(Text(f"… {skipped} lines not shown here (the run folder's run.log has them)", style="dim"))
        for line in new:
            self.write(line_text(line))
        self.shown = new[-1].number
