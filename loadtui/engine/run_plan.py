"""A run, planned: everything a session needs to start one, decided once and handed down.

:mod:`.planning` builds a :class:`RunPlan` from the command line, profiles.toml and Locust's
config; the session runs it and nothing below it looks at the command line again.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from .locustfile import LoadedLocustfile
from .profiles import Profile


@dataclass(frozen=True)
class Distribution:
    """Run on Locust's master/worker engine instead of one process.

    ``local_workers`` worker processes are started here and stopped at the end; ``expect_workers``
    more may join from other machines with ``locust -f FILE --worker --master-host HOST``.
    """

    local_workers: int = 0
    expect_workers: int = 0
    """Wait for this many workers in all (local ones included) before starting the users."""
    bind_host: str = "127.0.0.1"
    bind_port: int = 0
    """0: any free port (fine for local workers; remote ones need a known port, Locust's is 5557)."""
    max_wait_s: float = 0.0
    """Give up waiting for workers after this long (Locust's --expect-workers-max-wait); 0: local
    workers get a minute, remote ones are waited for as long as it takes, as in Locust."""

    @property
    def workers_needed(self) -> int:
        return max(self.local_workers, self.expect_workers)


@dataclass(frozen=True)
class Outputs:
    """Locust's own output files, asked for on its command line: written at the end of the run
    from the same final stats as the run folder (so they agree with it); the ``--csv`` ones also
    while the run goes, every second as Locust's writer keeps them (:mod:`.live_csv`)."""

    csv_prefix: str | None = None
    """``--csv PREFIX``: PREFIX_stats.csv, _stats_history.csv, _failures.csv, _exceptions.csv."""
    csv_full_history: bool = False
    """``--csv-full-history``: every endpoint's row in stats_history, each second, not only the total."""
    html_file: str | None = None
    """``--html FILE`` (its {u} {r} {t} already filled in, as Locust does)."""
    json_stdout: bool = False
    """``--json``: the final stats as JSON on stdout, instead of the summary tables."""
    json_file: str | None = None
    """``--json-file NAME``: the same JSON in NAME.json."""


@dataclass(frozen=True)
class RunPlan:
    """One run, decided: the load, the test, where it runs and where its reports go."""

    profile: Profile
    """With every layer applied (command line, environment, profiles.toml, Locust's config); its
    ``name`` is the run's label (the folder name, Locust's ``--profile``)."""
    locustfile: LoadedLocustfile
    host: str
    """The target; empty with the demo (the session starts it and fills in its URL) or when the
    User classes bring their own ``host``."""
    options: argparse.Namespace
    """Locust's ``parsed_options`` for this run: what the locustfile's hooks read, sent to every
    worker with its spawn messages. Its users, rate, run time, host and tags are the plan's."""
    report_dir: Path
    user_classes: tuple[str, ...] = ()
    """The User classes named on the command line (empty: all), as ``locust -f F.py A B`` picks."""
    demo: bool = False
    """The bundled demo target is started and is the only host the demo locustfile may reach."""
    distribution: Distribution | None = None
    outputs: Outputs = field(default_factory=Outputs)
    headless: bool = False
    notes: tuple[str, ...] = ()
    """One-line notes to show as the run starts (Locust options that mean nothing here...)."""
    packaged_profiles: bool = False
    """The profile came with loadtui (no profiles.toml of the user's)."""
    checkpoint_seconds: float = 5.0
    """How often the run folder is brought up to date while the run goes (0: only at its end)."""

    @property
    def exit_code_on_error(self) -> int:
        return int(getattr(self.options, "exit_code_on_error", 1))
