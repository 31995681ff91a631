"""The Logs tab: what the run logged and printed, this process's and every worker's, newest at the bottom.

Fed from snapshots: each carries the newest lines and how many there have been, and the view
appends only the lines it has not shown (one ``write`` per new line, at most a snapshot's worth a
tick). When more came between two ticks than a snapshot carries, a line says how many were
skipped: they are all in the run folder's run.log.
"""

from __future__ import annotations

from rich.table import Table
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


def line_parts(line: LogLine) -> tuple[Text, Text]:
    """Where the line came from (and its level, unless it was printed), and what it says."""
    prefix = Text()
    prefix.append(f"{line.source:<9} ", style="dim" if line.source == "loadtui" else "cyan")
    style = LEVEL_STYLES.get(line.level, "")
    if line.level != STDOUT:
        prefix.append(f"{line.level:<7} ", style=style)
    return prefix, Text(line.text, style=style if line.level not in (STDOUT, "INFO") else "")


def line_renderable(line: LogLine) -> Table:
    """The line, its text wrapped under itself (a hanging indent), not under its source."""
    prefix, text = line_parts(line)
    grid = Table.grid(expand=True)
    grid.add_column(width=prefix.cell_len, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(prefix, text)
    return grid


def logs_tab_label(snapshot: Snapshot) -> str:
    return f"Logs ({snapshot.log_count})"


class LogsView(RichLog):
    """A RichLog that follows the run's log lines from snapshots; a long line wraps (at 80
    columns a Locust log line rarely fits, and its end is often what it says)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=KEEP, wrap=True, markup=False, highlight=False, **kwargs)  # type: ignore[arg-type]
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
            self.write(line_renderable(line))
        self.shown = new[-1].number
