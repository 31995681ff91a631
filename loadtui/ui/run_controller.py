"""The app's run operations, without Textual: start, switch, users, stop, export, retry, save the live settings.

The app owns the screen; this owns the session. Each method does one operation and returns what
happened (or raises :class:`RunRefused` with the message to show), so the app's job is only to
ask the person and to show the answer. The planner builds every run (a pick from the picker, a
live switch), so nothing here reads the command line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.engine.endpoint_selection import EndpointView
from loadtui.engine.profiles import Profile, ProfileSet
from loadtui.engine.run_plan import RunPlan
from loadtui.engine.session_contract import RunResult, Session, SessionError
from loadtui.engine.snapshot import EndpointDetail, Snapshot

if TYPE_CHECKING:
    from loadtui.engine.planning import Planner

ENDPOINT_LIMIT = 200
"""Endpoint rows per snapshot. 3000 names: the session builds a full snapshot in 42 ms against
3 ms for the top 200; and a person reads the top of a sorted list, or filters with ``/``."""

SessionFactory = Callable[[RunPlan], Session]


class RunRefused(Exception):
    """The operation cannot be done now; ``str()`` is the message for the user."""


def report_unwritten(result: RunResult | None) -> bool:
    """The run ended but its report is nowhere on disk: the data is only in the session's memory."""
    return result is not None and result.folder is None and bool(result.error)


@dataclass(frozen=True)
class Started:
    session: Session
    notes: tuple[str, ...] = ()


class RunController:
    """One session at a time, built from the planner's plans (or handed in: an attached run)."""

    def __init__(self, planner: Planner | None, session_factory: SessionFactory | None = None) -> None:
        self.planner = planner
        """The engine's Planner (None for an attached run, which has no profiles to plan from)."""
        self.session_factory = session_factory or _load_session
        self.session: Session | None = None
        self._first_run = True

    # --- runs --------------------------------------------------------------------------------------

    @property
    def profiles(self) -> ProfileSet | None:
        return self.planner.profiles if self.planner is not None else None

    def start(self, name: str | None) -> Started:
        """Plans and starts profile ``name``; the previous session is closed once this one runs."""
        planner = self._require_planner()
        plan = planner.plan(name, first=self._first_run)
        session = self.session_factory(plan)
        session.start()
        self.adopt(session)
        self._first_run = False
        # The killed runs' reports it finished are said on the screen, not only in the Logs tab.
        return Started(session, (*plan.notes, *session.recovered))

    def adopt(self, session: Session) -> None:
        self.close()
        self.session = session

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(Exception):
                self.session.close()

    def live(self) -> Session:
        session = self.session
        if session is None or session.result is not None:
            raise RunRefused("No run in progress")
        return session

    def snapshot(self, view: EndpointView) -> Snapshot | None:
        if self.session is None:
            return None
        return self.session.snapshot(view, ENDPOINT_LIMIT)

    def endpoint_detail(self, key: tuple[str, str]) -> EndpointDetail | None:
        return None if self.session is None else self.session.endpoint_detail(key)

    def profile_names(self) -> list[str]:
        profiles = self.profiles
        return profiles.names if profiles is not None else []

    def preview(self, name: str) -> Profile:
        """``name`` as a run of it would be (the layers applied), for the picker's details."""
        return self._require_planner().profile(name, first=self._first_run)

    # --- live controls ---------------------------------------------------------------------------

    def switch(self, name: str) -> str:
        session = self.live()
        if session.profile.name == name:
            raise RunRefused(f"Already running {name}")
        profile = self._require_planner().profile(name)
        return session.switch_profile(profile)

    def switch_number(self, number: int) -> str:
        names = self.profile_names()
        if not 1 <= number <= len(names):
            raise RunRefused(f"No profile {number}: profiles.toml has {len(names)}")
        return self.switch(names[number - 1])

    def change_users(self, delta: int) -> int:
        return self.live().change_users(delta)

    def reset(self) -> None:
        try:
            self.live().reset_stats()
        except SessionError:  # it is ending: its report is being made from these stats
            raise RunRefused("No run in progress") from None

    def stop(self, reason: str = "stopped") -> RunResult | None:
        """Ends the run (about a second: users stop, the report is written); its result."""
        session = self.session
        if session is None:
            return None
        return session.result if session.result is not None else session.stop(reason)

    # --- reports ---------------------------------------------------------------------------------

    def export(self, report_dir: Path | None = None) -> RunResult:
        """A report of the run so far, in a ``-partial-`` folder; the run goes on."""
        if self.session is None:
            raise RunRefused("No run to export")
        return self.session.export_report(report_dir)

    def write_report(self, report_dir: Path | None = None) -> RunResult:
        """The ended run's report, written again (None: where it should have gone)."""
        session = self.session
        if session is None or session.result is None:
            raise RunRefused("No ended run to write")
        return session.write_report(report_dir)

    @property
    def report_dir(self) -> Path | None:
        """The run's report directory, else where the planner would put one."""
        if self.session is not None:
            return self.session.report_dir
        return self.planner.report_dir() if self.planner is not None else None

    # --- the live settings as a profile -----------------------------------------------------------

    def live_profile(self, name: str) -> Profile:
        """The running profile with the live users and class weights, as profiles.toml would hold it."""
        live = self.live().live_settings(name)
        profiles = self.profiles
        source = profiles.profiles.get(self.live().profile.name) if profiles is not None else None
        if source is not None:
            # The test as the file writes it (a relative locustfile, the host it names), not as this
            # run resolved it from the command line.
            live = replace(live, locustfile=source.locustfile, host=source.host)
        return live

    def check_new_name(self, name: str) -> str | None:
        from loadtui.engine.profiles import ProfileError, check_name

        try:
            check_name(name)
        except ProfileError as exc:
            return str(exc)
        profiles = self.profiles
        if profiles is not None and name in profiles.profiles:
            return f"{name!r} already exists in {profiles.path.name}: choose another name"
        return None

    def profiles_saved(self, profile_set: ProfileSet) -> None:
        """profiles.toml was written or reloaded: later plans (and the 1-9 keys) use the new set."""
        if self.planner is not None:
            self.planner.profiles = profile_set

    def _require_planner(self) -> Planner:
        if self.planner is None:
            raise RunRefused("An attached run has no profiles of loadtui's: change users with + and -")
        return self.planner


def _load_session(plan: RunPlan) -> Session:
    # Imported on use: the session imports Locust's runners, which the UI's snapshot tests (hand-made
    # snapshots, a fake session) do not need.
    from loadtui.engine.session import LoadSession

    return LoadSession(plan)
