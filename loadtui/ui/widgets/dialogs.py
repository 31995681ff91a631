"""Small modal dialogs: a one-line prompt, and questions answered with a key.

They return what was chosen (``dismiss``) and know nothing of the session: the app decides what an
answer means. Each key of a question is a Binding with an id, listed in its footer.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

Validator = Callable[[str], str | None]
"""``value -> None`` when valid, else the message to show under the input."""


class PromptDialog(ModalScreen[str | None]):
    """A title, what it is for, one Input validated as you type. Enter returns it; Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt-cancel")]

    def __init__(
        self,
        title: str,
        message: Text | str,
        *,
        value: str = "",
        placeholder: str = "",
        validate: Validator | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.title_text = title
        self.message = message
        self.initial = value
        self.placeholder = placeholder
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.message, classes="dialog-message")
            yield Input(self.initial, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="dialog-error")
            yield Static(Text("Enter to confirm, Esc to cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one(".dialog").border_title = self.title_text
        self.query_one(Input).focus()
        self._check(self.initial)

    def _check(self, value: str) -> str | None:
        error = self.validate(value) if self.validate and value else None
        self.query_one("#prompt-error", Static).update(Text(f"! {error}", style="bold red") if error else "")
        return error

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        self._check(event.value.strip())

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.query_one("#prompt-error", Static).update(Text("! type a value, or Esc to cancel", style="bold red"))
            return
        if self._check(value) is None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuestionDialog(ModalScreen[str | None]):
    """A message and a few keys (the subclass's BINDINGS, each ``choose('x')``); Esc is None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="question-cancel")]

    def __init__(self, title: str, message: Text | str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.message, classes="dialog-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".dialog").border_title = self.title_text

    def action_choose(self, answer: str) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(QuestionDialog):
    """y goes ahead, Esc (or n) does not."""

    BINDINGS = [
        Binding("y", "choose('yes')", "Yes", id="confirm-yes"),
        Binding("escape,n", "cancel", "No", id="confirm-no"),
    ]


class UnwrittenReportDialog(QuestionDialog):
    """Quitting while the run's report is not written anywhere."""

    BINDINGS = [
        Binding("r", "choose('retry')", "Retry", id="unwritten-retry"),
        Binding("a", "choose('another')", "Another directory", id="unwritten-another"),
        Binding("y", "choose('quit')", "Quit anyway", id="unwritten-quit"),
        Binding("escape", "cancel", "Cancel", id="unwritten-cancel"),
    ]


class UnwrittenBeforeNewRunDialog(UnwrittenReportDialog):
    """A new run asked for while the last one's report is not written anywhere: the same ways out,
    and y goes on to the new run (Textual merges these BINDINGS over the parent's)."""

    BINDINGS = [Binding("y", "choose('new')", "New run anyway", id="unwritten-new-anyway")]
