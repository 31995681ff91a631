"""What the app asks of a session, whatever kind it is (a run here, a run elsewhere attached to, a test's fake).

:class:`Session` is a Protocol: :class:`.session.LoadSession`, :class:`.attach.AttachedSession`
and the tests' ``FakeSession`` all satisfy it, and mypy checks that they do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .endpoint_selection import EndpointView
from .profiles import Profile
from .snapshot import EndpointDetail, Snapshot

END_REASONS = ("completed", "stopped", "quit", "interrupted", "terminated", "hangup", "error", "aborted")
"""``aborted``: a failing threshold held for the profile's ``abort_on_fail`` duration."""


class SessionError(RuntimeError):
    """An action the session refused; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class RunResult:
    """What a run left behind. ``error`` set: the report could not be written (data kept in memory)."""

    end_reason: str
    folder: Path | None
    files: tuple[Path, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    exit_code: int = 0
    """0: the run passed (its thresholds, or no request failed); 1: it failed. The process's exit
    code is decided at its end (:mod:`.locust_process`): the locustfile may still set its own."""
    output_error: str | None = None
    """A file Locust's own options asked for (--csv, --html, --json-file) could not be written."""


class Session(Protocol):
    """One run, as the app drives it: snapshots, the live controls, and its end with a report."""

    result: RunResult | None
    """Set once the run has ended (and its report was written, or could not be)."""
    report_dir: Path
    recovered: tuple[str, ...]
    """What :meth:`start` said of the report dir's killed runs it finished: a line each (also logged)."""

    @property
    def profile(self) -> Profile:
        """The profile the run follows now (it changes with a live switch)."""

    def start(self) -> None: ...

    def snapshot(self, view: EndpointView | None = None, limit: int | None = None) -> Snapshot:
        """An immutable view of now; ``limit`` endpoint rows at most, picked by ``view``."""

    def endpoint_detail(self, key: tuple[str, str]) -> EndpointDetail | None:
        """(method, name) up close now, alone: what a snapshot whose view focuses it carries,
        without the rest of a snapshot (None before the run has started). Enter draws from it:
        the rest is on the screen already, and with 3000 names it is most of a snapshot's cost."""

    def switch_profile(self, profile: Profile) -> str:
        """Applies another profile's load to the running test; returns what it did, for the user."""

    def change_users(self, delta: int) -> int:
        """Adds (or removes) users; returns the new target."""

    def reset_stats(self) -> None: ...

    def live_settings(self, name: str) -> Profile:
        """The running profile as it is now (users, weights), under ``name``: what ``S`` saves."""

    def record_output(self, text: str, *, stderr: bool = False) -> None:
        """What user code printed in this process (the app captures it from the terminal)."""

    def stop(self, reason: str = "stopped") -> RunResult:
        """Ends the run and writes its report; safe to call more than once."""

    def wait(self, timeout: float | None = None) -> RunResult | None: ...

    def export_report(self, report_dir: Path | None = None) -> RunResult:
        """A report of the run so far; the run goes on."""

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        """The ended run's report, written again (another directory after a disk error)."""

    def close(self) -> None:
        """Releases what the session holds without writing anything."""
