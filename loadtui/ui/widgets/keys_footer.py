"""Textual's Footer, recomposed only when the keys it shows changed, and not while it is hidden.

Textual's Footer recomposes on every refresh of the screen's bindings, which every change of
focus makes, whether the keys it shows changed or not; each new key restyles itself as it
mounts (its ``compact`` is set twice). For the dashboard's keys that was 80 ms a time in a
profile of bench case 7 (3000 names, cProfile's own cost included), and most of what opening
and closing an endpoint's view took: Enter's median went from 320 ms to 116 ms with this footer
and a footer of its own for the view (the dashboard's is hidden, not recomposed; bench/RESULTS.md,
"endpoint view as a panel").
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    """What a Footer draws from ``screen.active_bindings``: the shown bindings (and the command
    palette's, which it draws whether shown or not), each with its state."""
    app = screen.app
    return tuple(
        (key, binding.action, binding.description, app.get_key_display(binding), binding.group, enabled, tooltip)
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == app.COMMAND_PALETTE_BINDING
    )


class KeysFooter(Footer):
    """A Footer that skips a recompose which would draw the same keys.

    Only ``bindings_changed`` (the Footer's public handler of the screen's bindings signal) is
    overridden: whenever it cannot tell, it leaves the work to Textual's Footer."""

    _composed_for: tuple[tuple[object, ...], ...] | None = None
    """The keys it was last recomposed for; None: not yet."""

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not all(node.display for node in self.ancestors_with_self if isinstance(node, Widget)):
            return  # hidden: the first change after it is shown again decides
        keys = shown_keys(screen)
        if keys == self._composed_for:
            return
        if screen.app.app_focus:  # else Textual's Footer does not recompose (the app is in the background)
            self._composed_for = keys
        super().bindings_changed(screen)
