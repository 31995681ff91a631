"""Messages of the app: small, past-tense events (toolong style)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from loadtui.engine.snapshot import Snapshot


class SnapshotReady(Message):
    """A new snapshot of the run was taken by the app's refresh timer."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot makes a queued older one worthless: if the UI falls behind, it skips
        # straight to the latest instead of replaying every tick it missed.
        return isinstance(message, SnapshotReady)


class ProfileChosen(Message):
    """The picker's Enter: start (or switch the live run to) this profile."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


@dataclass(frozen=True)
class EndpointView:
    """What the endpoint table shows: every snapshot is built for it (``session.snapshot()``)."""

    sort_by: str = "name"
    """One of ``snapshot.SORT_KEYS``."""
    descending: bool = False
    name_filter: str = ""
    """Case-insensitive substring of ``"METHOD name"``; empty: every name."""


class EndpointViewChanged(Message):
    """The endpoint table's sort or ``/`` filter changed: the next snapshot must follow it.

    The session builds only the top rows (``endpoint_limit``) by this sort, after this filter, so
    thousands of names cost the snapshot what a few hundred do.
    """

    def __init__(self, view: EndpointView) -> None:
        super().__init__()
        self.view = view
