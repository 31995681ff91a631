"""``R``: past runs, read back from their report folders, for a person over SSH with no browser.

Everything here reads the files a run left (summary.json, summary.txt, stats_history.csv) through
:mod:`loadtui.engine.runs` and :mod:`loadtui.engine.compare`, never a live session, so the screen
shows exactly what ``loadtui reports`` and ``loadtui compare`` print.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual_plotext import PlotextPlot

from loadtui.engine import compare as compare_mod
from loadtui.engine import runs as runs_mod
from loadtui.engine.durations import human_duration
from loadtui.engine.endpoint_detail import number

from ..formatting import fmt_int, fmt_ms, fmt_pct, fmt_rate
from ..widgets.cells import Num
from ..widgets.keyed_table import KeyedTable, key_parts, row_key
from .endpoint import EndpointScreen

COLUMNS = (
    ("mark", "", 1),
    ("started", "started", None),
    ("profile", "profile", None),
    ("duration", "time", None),
    ("requests", "reqs", None),
    ("rps", "req/s", None),
    ("p95", "p95 ms", None),
    ("fail", "fail%", None),
    ("ended", "ended", None),
    ("host", "host", None),
)
"""Host comes last (the brief's order puts it third): it is the widest cell and usually the same on
every row, and at 80 columns it would push fail % and the end reason off the screen. Short headers
for the same reason: every column is as wide as its header at least."""

MAX_MARKS = 2


_FOLDER_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})")


def newest_first_key(run: runs_mod.PastRun) -> str:
    """``started_at``, or for a folder without a readable summary the time in its name, as ISO text.

    ``runs.list_runs`` compares ISO times with bare folder names, which puts every broken folder
    ("2023111..." > "2023-11...") above every good run; both forms are made comparable here.
    """
    if run.started_at:
        return run.started_at
    found = _FOLDER_TIME.match(run.folder.name)
    if found is None:
        return run.folder.name
    year, month, day, hour, minute, second = found.groups()
    return f"{year}-{month}-{day}T{hour}:{minute}:{second}Z"


def started_text(run: runs_mod.PastRun) -> str:
    """summary.json's UTC ``started_at`` in local time, to the minute."""
    with contextlib.suppress(ValueError):
        when = datetime.fromisoformat(run.started_at.replace("Z", "+00:00"))
        return when.astimezone().strftime("%Y-%m-%d %H:%M")
    return run.started_at or "?"


def host_text(run: runs_mod.PastRun) -> str:
    if run.summary.get("demo_target"):
        return "demo target"
    host = str(run.summary.get("host", ""))
    return host.removeprefix("http://")


def run_cells(run: runs_mod.PastRun, mark: str) -> tuple[object, ...]:
    """One table row; a broken folder says so in words (and its reason is in the status line)."""
    if run.error:
        # The folder and the reason are in the status line under the table (a long folder name
        # here would widen the profile column for every row).
        return (mark, "?", "?", "", "", "", "", "", Text.assemble(("! ", "bold red"), ("broken", "bold")), "")
    totals = run.totals
    requests = int(totals.get("requests", 0) or 0)
    rps = float(totals.get("rps", 0) or 0)
    p95 = totals.get("p95")
    fail_ratio = float(totals.get("fail_ratio", 0) or 0)
    failed = fail_ratio > 0
    reason = run.end_reason
    calm = reason in ("completed", "stopped", "quit")
    return (
        mark,
        started_text(run),
        run.profile,
        human_duration(run.duration_s),
        Num(requests, fmt_int(requests)),
        Num(rps, fmt_rate(rps)),
        Num(float(p95 or 0), fmt_ms(float(p95)) if p95 is not None else "-"),
        Num(fail_ratio, ("! " if failed else "") + fmt_pct(fail_ratio), "bold red" if failed else ""),
        Text(reason, style="" if calm else "bold"),
        host_text(run),
    )


class ReportsScreen(Screen[None]):
    """The list of run folders under the report directory, newest first."""

    BINDINGS = [
        Binding("enter", "open_run", "Open run", id="reports-open", priority=True),
        Binding("space", "mark", "Mark A/B", id="reports-mark"),
        Binding("c", "compare", "Compare A/B", id="reports-compare"),
        Binding("r", "reload", "Reload", id="reports-reload"),
        Binding("escape", "back", "Back", id="reports-back"),
    ]

    def __init__(self, report_dir: Path, *, tolerance: float | None = None) -> None:
        super().__init__()
        self.report_dir = report_dir
        self._tolerance = tolerance
        self.runs: list[runs_mod.PastRun] = []
        self.marked: list[str] = []
        """Folders marked with Space, at most two, in the order they were marked."""
        self._shown_marks: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="reports-title")
        yield DataTable(id="reports-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="reports-empty")
        yield Static(id="reports-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        table.border_title = "Past runs"
        self.load()
        table.focus()

    @property
    def tolerance(self) -> float:
        """What counts as a regression: as given, else [defaults] baseline_tolerance (20%)."""
        if self._tolerance is not None:
            return self._tolerance
        profile_set = getattr(self.app, "profiles", None)
        text = profile_set.defaults.baseline_tolerance if profile_set is not None else "20%"
        try:
            return compare_mod.parse_tolerance(text)
        except compare_mod.CompareError:
            return 0.2

    # --- data ------------------------------------------------------------------------------------

    def load(self) -> None:
        """(Re)reads the report directory; marks on folders that are still there are kept.

        Synchronous: 500 run folders are read and listed in about 90 ms, less than a worker
        would save, and the list is then complete the moment the screen shows.
        """
        self.runs = sorted(runs_mod.list_runs(self.report_dir), key=newest_first_key, reverse=True)
        folders = {str(run.folder) for run in self.runs}
        self.marked = [key for key in self.marked if key in folders]
        table = self.query_one(DataTable)
        table.clear()
        self._shown_marks = {}
        for run in self.runs:
            table.add_row(*run_cells(run, ""), key=str(run.folder))
        self._show_marks()
        count = len(self.runs)
        broken = sum(1 for run in self.runs if run.error)
        title = Text.assemble(("Past runs", "bold"), ("  in ", "dim"), str(self.report_dir))
        if count:
            title.append(f"  {count} run{'s' if count != 1 else ''}", style="dim")
        if broken:
            title.append(f", {broken} broken", style="dim")
        self.query_one("#reports-title", Static).update(title)
        empty = self.query_one("#reports-empty", Static)
        empty.display = not count
        table.display = bool(count)
        if not count:
            empty.update(
                Text.assemble(
                    ("No runs yet. ", "bold"),
                    f"Each run leaves a folder in {self.report_dir} when it ends; it will be listed here.",
                )
            )
        self._show_status()

    def run_for(self, key: str | None) -> runs_mod.PastRun | None:
        for run in self.runs:
            if str(run.folder) == key:
                return run
        return None

    @property
    def highlighted(self) -> runs_mod.PastRun | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        with contextlib.suppress(Exception):
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            return self.run_for(key)
        return None

    def mark_labels(self) -> dict[str, str]:
        """Marked folder -> "A" (the older run: the baseline) or "B" (the newer one)."""
        runs = [self.run_for(key) for key in self.marked]
        ordered = sorted((run for run in runs if run is not None), key=newest_first_key)
        return {str(run.folder): label for run, label in zip(ordered, "AB", strict=False)}

    def _show_marks(self) -> None:
        # Only the cells whose label changed (three at most), not one update_cell per row: Space
        # handles in 2 ms with 500 runs listed.
        table = self.query_one(DataTable)
        labels = self.mark_labels()
        for key in set(labels) | set(self._shown_marks):
            if labels.get(key) != self._shown_marks.get(key) and key in table.rows:
                table.update_cell(key, "mark", Text(labels.get(key, ""), style="bold reverse"))
        self._shown_marks = labels

    def _show_status(self) -> None:
        if not self.runs:
            self.query_one("#reports-status", Static).update("")
            return
        run = self.highlighted
        status = Text()
        if run is not None:
            if run.error:
                status.append("! ", style="bold red")
                status.append(f"{run.error}: ", style="bold")
            status.append(str(run.folder), style="dim")
        status.append("\n")
        labels = self.mark_labels()
        if len(labels) == MAX_MARKS:
            status.append("c: compare B with A (the older run)", style="bold")
        elif labels:
            status.append("Marked A; mark one more run with Space to compare", style="dim")
        else:
            status.append("Space marks two runs to compare", style="dim")
        self.query_one("#reports-status", Static).update(status)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_status()

    # --- keys ------------------------------------------------------------------------------------

    def action_open_run(self) -> None:
        run = self.highlighted
        if run is None:
            return
        if run.error:
            self.notify(f"{run.folder.name}: {run.error}", title="Broken run folder", severity="warning")
            return
        self.app.push_screen(RunScreen(run))

    def action_mark(self) -> None:
        run = self.highlighted
        if run is None:
            return
        key = str(run.folder)
        if key in self.marked:
            self.marked.remove(key)
        elif run.error:
            self.notify(f"{run.folder.name} cannot be compared: {run.error}", severity="warning", timeout=4)
            return
        elif len(self.marked) >= MAX_MARKS:
            self.notify("Two runs are marked already: Space on one of them unmarks it", severity="warning")
            return
        else:
            self.marked.append(key)
        self._show_marks()
        self._show_status()

    def action_compare(self) -> None:
        labels = self.mark_labels()
        if len(labels) != MAX_MARKS:
            self.notify("Mark two runs with Space first", severity="warning", timeout=3)
            return
        by_label = {label: folder for folder, label in labels.items()}
        try:
            a = compare_mod.load_summary(by_label["A"])
            b = compare_mod.load_summary(by_label["B"])
        except compare_mod.CompareError as exc:
            self.notify(str(exc), title="Cannot compare", severity="error")
            return
        self.app.push_screen(CompareScreen(compare_mod.compare(a, b, self.tolerance)))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)


# --- one run ---------------------------------------------------------------------------------------


def summary_text(folder: Path) -> Text:
    try:
        return Text(folder.joinpath("summary.txt").read_text(encoding="utf-8").rstrip("\n"), no_wrap=True)
    except OSError as exc:
        return Text(f"! No readable summary.txt in {folder}: {exc.strerror or exc}", style="bold")


class HistoryPlot(PlotextPlot):
    """One series of a finished run's stats_history.csv; drawn once, with the widget's own figure."""

    def __init__(self, title: str, xs: tuple[float, ...], ys: tuple[float, ...], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        self.xs = xs
        self.ys = ys

    def on_mount(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("elapsed s")
        if not self.xs:
            plt.title(f"{self.title}: no history recorded")
            plt.plot([0.0], [0.0], marker=" ")
            return
        plt.title(self.title)
        plt.plot(list(self.xs), list(self.ys), marker="braille")
        # From zero: a flat or gently rising line then reads as such, not as noise blown up.
        plt.ylim(0, max(self.ys) * 1.1 or 1.0)


ENDPOINT_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("method", "Method", 6),
    ("name", "Name", 16),
    ("requests", "Reqs", 9),
    ("failures", "Fails", 8),
    ("p95", "p95 ms", 7),
    ("p999", "p99.9 ms", 8),
    ("rps", "req/s", 7),
)


def endpoint_rows(run: runs_mod.PastRun) -> dict[str, dict[str, object]]:
    """summary.json's endpoints as table rows, keyed by (method, name)."""
    rows: dict[str, dict[str, object]] = {}
    for endpoint in run.summary.get("endpoints") or []:
        if not isinstance(endpoint, dict):
            continue
        method, name = str(endpoint.get("method", "")), str(endpoint.get("name", ""))
        figures = {key: runs_mod.figure(endpoint, key) for key in ("requests", "failures", "rps")}
        p95, p999 = (number(endpoint.get(key)) for key in ("p95_ms", "p999_ms"))  # NaN: not in it
        rows[row_key(method, name)] = {
            "method": Text(method),
            "name": Text(name, no_wrap=True, overflow="ellipsis"),
            "requests": Num(figures["requests"], fmt_int(int(figures["requests"]))),
            "failures": Num(
                figures["failures"], fmt_int(int(figures["failures"])), "bold red" if figures["failures"] else ""
            ),
            "p95": Num(-1.0 if math.isnan(p95) else p95, fmt_ms(p95)),
            "p999": Num(-1.0 if math.isnan(p999) else p999, fmt_ms(p999)),
            "rps": Num(figures["rps"], fmt_rate(figures["rps"])),
        }
    return rows


class RunScreen(Screen[None]):
    """Enter on a run: its RPS and p95 over time, its endpoints (Enter: one up close), then
    summary.txt (scrolls both ways)."""

    BINDINGS = [Binding("escape", "back", "Back", id="run-back")]

    def __init__(self, run: runs_mod.PastRun) -> None:
        super().__init__()
        self.run = run
        self.history = runs_mod.read_history(run.folder)

    def compose(self) -> ComposeResult:
        run = self.run
        title = Text.assemble(
            (run.profile, "bold"),
            f"  {started_text(run)}  {human_duration(run.duration_s)}  ",
            ("ended: ", "dim"),
            run.end_reason,
            ("  " + host_text(run), "dim"),
        )
        yield Static(title, id="run-title")
        with Horizontal(id="run-plots"):
            yield HistoryPlot("Requests/s", self.history.seconds, self.history.rps, id="run-rps")
            yield HistoryPlot("p95 (ms)", self.history.seconds, self.history.p95_ms, id="run-p95")
        table = KeyedTable(ENDPOINT_COLUMNS, id="run-endpoints", cursor_type="row", zebra_stripes=True)
        table.sort_columns = ("name", "method")
        table.fill_column = "name"
        yield table
        with VerticalScroll(id="run-summary"):
            yield Static(summary_text(run.folder), id="run-summary-text")
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#run-summary")
        body.border_title = "summary.txt"
        body.border_subtitle = str(self.run.folder)
        table = self.query_one("#run-endpoints", KeyedTable)
        rows = endpoint_rows(self.run)
        table.border_title = "Endpoints (Enter: one up close)"
        table.display = bool(rows)
        table.sync(rows)
        (table if rows else body).focus()

    @on(DataTable.RowSelected, "#run-endpoints")
    def _endpoint_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = self.query_one("#run-endpoints", KeyedTable).key_at(event.cursor_row)
        if key is None:
            return
        method, name = key_parts(key)
        detail = runs_mod.read_endpoint(self.run, method, name)
        self.app.push_screen(EndpointScreen(detail, started_at=self.run.started_epoch))

    def action_back(self) -> None:
        self.dismiss(None)


# --- two runs --------------------------------------------------------------------------------------


def comparison_text(result: compare_mod.Comparison) -> Text:
    """format_comparison's table, the verdict first; regressions in bold red and marked ``!``."""
    text = Text()
    if result.regressed:
        text.append(f"✗ {len(result.regressions)} regression(s) beyond {result.tolerance:.0%}", style="bold red")
    else:
        text.append(f"✓ no regression beyond {result.tolerance:.0%}", style="bold green")
    text.append("\n\n")
    for line in compare_mod.format_comparison(result).splitlines():
        # REGRESSED ends the line, often off screen to the right: a mark in front says it too.
        regressed = line.endswith("REGRESSED")
        row = Text(line, style="bold" if regressed else "")
        row.highlight_regex(r"\S+ -> \S+(?: \([^)]*\))? !", "bold red")
        row.highlight_regex(r"REGRESSED$", "bold reverse red")
        text.append("✗ " if regressed else "  ", style="bold red")
        text.append_text(row)
        text.append("\n")
    text.rstrip()
    text.no_wrap = True
    return text


class CompareScreen(Screen[None]):
    """``c`` with two marked runs: B (the newer) against A (the older), as ``loadtui compare A B``."""

    BINDINGS = [Binding("escape", "back", "Back", id="compare-back")]

    def __init__(self, result: compare_mod.Comparison) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="compare-body"):
            yield Static(comparison_text(self.result), id="compare-text")
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#compare-body")
        body.border_title = "Compare runs"
        body.border_subtitle = "scroll with arrows"
        body.focus()

    def action_back(self) -> None:
        self.dismiss(None)
