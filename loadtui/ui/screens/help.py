"""``?``: every key of the app, generated from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SECTIONS_NOTE = (
    "Tab / Shift+Tab move between panels; arrows and PgUp/PgDn scroll the focused one. "
    "Ctrl+P opens the command palette with every action."
)


def bindings_table(sections: Iterable[tuple[str, Iterable[BindingType]]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Key", no_wrap=True)
    table.add_column("Action", ratio=1)  # the room left goes to what each key does
    table.add_column("Id", style="dim", no_wrap=True)
    for title, bindings in sections:
        table.add_row("", Text(title, style="bold underline"), "")  # not under Key: it would widen it
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = binding.key_display or ", ".join(
                {
                    "plus": "+",
                    "equals_sign": "=",
                    "minus": "-",
                    "greater_than_sign": ">",
                    "less_than_sign": "<",
                    "underscore": "_",
                    "question_mark": "?",
                }.get(k, k)
                for k in binding.key.split(",")
            )
            # 2..9 are folded into the "1-9" line.
            if (binding.id or "").startswith("switch-profile-") and binding.key != "1":
                continue
            action = Text(binding.description)
            if binding.tooltip:  # what it does, where the name alone is short (+1 cap: under a rate)
                action.append(f"  {binding.tooltip}", style="dim")
            table.add_row(keys, action, binding.id or "")
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss_help", "Close help", id="close-help")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(SECTIONS_NOTE), id="help-note")
            yield Static(bindings_table(self.sections), id="help-table")

    def on_mount(self) -> None:
        body = self.query_one("#help-body")
        body.border_title = "Keys"
        body.border_subtitle = "Esc to close"
        body.focus()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
