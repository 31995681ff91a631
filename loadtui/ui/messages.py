"""Messages of the app: small, past-tense events (toolong style).

Two kinds: the data path (a snapshot was taken, the table's view changed), and what a screen was
asked for by a key (``...Asked``), which the app carries out through its run controller. A screen
never calls the app: it posts one of these and the app, which owns the session, answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from loadtui.engine.endpoint_selection import EndpointView
from loadtui.engine.snapshot import Snapshot

__all__ = ["EndpointView"]


class SnapshotReady(Message):
    """A new snapshot of the run was taken by the app's refresh timer."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot makes a queued older one worthless: if the UI falls behind, it skips
        # straight to the latest instead of replaying every tick it missed.
        return isinstance(message, SnapshotReady)


class EndpointViewChanged(Message):
    """The endpoint table's sort or ``/`` filter changed: the next snapshot must follow it.

    The session builds only the top rows by this sort, after this filter, so thousands of names
    cost the snapshot what a few hundred do.
    """

    def __init__(self, view: EndpointView) -> None:
        super().__init__()
        self.view = view


@dataclass
class EndpointOpened(Message):
    """Enter on a row of the endpoints table: that endpoint's view, in the dashboard's place."""

    method: str
    name: str


class EndpointClosed(Message):
    """Escape on the endpoint's view (or another panel's key): snapshots stop carrying its detail."""


@dataclass
class UsersChangeAsked(Message):
    delta: int


@dataclass
class SwitchAsked(Message):
    """Switch the live run to profile ``number`` (1-9, file order) or ``name``."""

    number: int | None = None
    name: str | None = None


class SwitchPickerAsked(Message):
    """Open the profile picker over the live run."""


class StopAsked(Message):
    """Stop the run (after a confirmation: ``s`` is a key Locust users press to remove a user)."""


class ResetAsked(Message):
    """Zero the stats (after a confirmation)."""


class ExportAsked(Message):
    """A report of the run so far."""


class SaveProfileAsked(Message):
    """Save the live settings as a new profile."""


class RetryReportAsked(Message):
    """Write the ended run's unwritten report again, where it should have gone."""


class ReportElsewhereAsked(Message):
    """Write the ended run's unwritten report to another directory (asked for)."""
