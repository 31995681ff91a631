"""Command palette (Ctrl+P): every key binding of the screen it was opened from, plus one entry per profile.

Generated from the bindings in force (``active_bindings``), so the palette and the keys never
disagree and a new binding shows up in both; a binding's description is the command's name, its
tooltip the help line. The profile switches are the one addition: the 1-9 keys stop at nine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .messages import SwitchAsked

Command = tuple[str, Callable[[], object], str]

HIDDEN = {"interrupt", "command_palette"}
"""Actions the palette leaves out (Ctrl+C is for the terminal; the palette is already open)."""


def binding_commands(active: dict[str, Any]) -> Iterator[Command]:
    """(name, callback, help) for each distinct enabled binding with a description."""
    seen: set[tuple[int, str]] = set()
    for key, (node, binding, enabled, tooltip) in active.items():
        if not enabled or not binding.description or binding.action in HIDDEN:
            continue
        if (binding.id or "").startswith("switch-profile-"):
            continue  # one entry per profile instead, by name
        marker = (id(node), binding.action)
        if marker in seen:
            continue
        seen.add(marker)
        shown = binding.key_display or key
        yield (binding.description, partial(node.run_action, binding.action), f"{tooltip or ''} ({shown})".strip())


class LoadTuiCommands(Provider):
    def _commands(self) -> list[Command]:
        commands = list(binding_commands(dict(self.screen.active_bindings)))
        if getattr(self.screen, "offers_profile_switch", False):
            names: list[str] = getattr(self.app, "profile_names", list)()
            for number, name in enumerate(names, 1):
                key = f" ({number})" if number <= 9 else ""
                commands.append(
                    (f"Switch to profile: {name}{key}", partial(self.app.post_message, SwitchAsked(name=name)), "")
                )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
