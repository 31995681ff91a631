"""Table cells that sort by value and show formatted text."""

from __future__ import annotations

from functools import total_ordering

from rich.text import Text


@total_ordering
class Num:
    """A numeric table cell: KeyedTable sorts by ``value``, the screen shows ``text``.

    Formatting once here (rather than in a sort key) keeps sorting by value cheap and the
    displayed text right-aligned like a spreadsheet.
    """

    __slots__ = ("justify", "style", "text", "value")

    def __init__(self, value: float, text: str, style: str = "", justify: str = "right") -> None:
        self.value = value
        self.text = text
        self.style = style
        self.justify = justify
        """``left`` for a word that sorts by a rank (a threshold state): numbers align right."""

    def __rich__(self) -> Text:
        return Text(self.text, style=self.style, justify=self.justify, no_wrap=True)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Num):
            return (self.value, self.text, self.style) == (other.value, other.text, other.style)
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Num):
            return self.value < other.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.value, self.text))

    def __repr__(self) -> str:
        return f"Num({self.value!r}, {self.text!r})"
