"""Widgets of the dashboard, one per panel. Each takes a Snapshot; none knows Locust."""

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def update_if_changed(static: Static, content: VisualType, *, fixed_lines: bool = False) -> None:
    """``static.update(content)`` unless it already shows that.

    Each update lays the whole screen out again (Static's default), and a layout pass repaints
    every panel: about 40 ms for this dashboard on a busy 2-core machine. ``fixed_lines``: the
    widget's width does not follow its content and its text does not wrap, so a new text with as
    many lines as the old one needs only a repaint.
    """
    old = static.content
    if old == content:
        return
    same_height = (
        fixed_lines
        and isinstance(old, Text)
        and isinstance(content, Text)
        and old.plain.count("\n") == content.plain.count("\n")
    )
    static.update(content, layout=not same_height)
