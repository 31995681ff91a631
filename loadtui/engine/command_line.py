"""loadtui's command line: Locust's own parser, config files and LOCUST_* variables, plus loadtui's options.

Parsing goes as ``locust.main`` goes: a first pass that only looks for ``-f`` (and loadtui's
``-p``/``--profiles``, which can name the locustfile too), the locustfile imported, then Locust's
full parser built, ``init_command_line_parser`` fired so the locustfile can add its own options,
and the whole command line parsed with Locust's config files (``~/.locust.conf``, ``locust.conf``,
``[tool.locust]`` in pyproject.toml, ``--config FILE``) and environment variables. configargparse
orders those sources itself: command line > environment > config files > defaults. Where each
value came from is kept (:attr:`CommandLine.sources`), so that a profile can sit between the
environment and the config files (:mod:`.planning`).

The parser never exits the process: its errors, ``--help`` and ``--version`` come back as
:class:`CommandLineExit`, so the same code parses for the app's later runs and for the workers.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import configargparse
import locust
from locust import argument_parser as locust_args

from .. import __version__
from .locust_events import registry

try:  # as locust.main does: a plugin package, when installed, adds its options and events
    import locust_plugins  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - depends on what is installed
    if exc.name != "locust_plugins":
        raise

COMMAND_LINE, ENVIRONMENT, CONFIG_FILE, DEFAULT = "command line", "environment", "config file", "default"

WEB_UI_OPTIONS = (
    "web_host",
    "web_host_display_name",
    "web_port",
    "autostart",
    "autoquit",
    "headful",
    "web_login",
    "tls_cert",
    "tls_key",
    "class_picker",
    "build_path",
    "web_base_path",
)
"""Locust's web UI options: loadtui has no web UI, so these are noted and ignored."""

DESCRIPTION = """\
Usage: loadtui [options] [UserClass ...]

Run Locust load tests from the terminal and watch them live. Every option of Locust's own command
line is read (and its config files and LOCUST_* variables), plus loadtui's below. With no host and
no locustfile of yours, a bundled demo target is started so there is something to test."""

EPILOG = """\
Other commands: 'loadtui reports [DIR]' lists past runs; 'loadtui compare RUN_A RUN_B [--tolerance 20%]'
compares two (exit 1 on a regression); 'loadtui attach URL' watches a Locust started elsewhere.

Precedence: command line > LOCUST_* environment > profile > [defaults] > Locust's config files >
built-in defaults; without a profiles.toml of yours, the packaged profiles rank below your config."""


class CommandLineExit(Exception):
    """The parser is done: ``status`` 0 after --help/--version (already printed), 2 for bad input."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _no_exit(parser: argparse.ArgumentParser) -> None:
    """Locust's parser calls ``exit()`` (after ``error()`` has worded the message, with its
    "Did you mean" suggestion): raise instead, so nothing here ends the process."""

    def exit_(status: int = 0, message: str | None = None) -> NoReturn:
        raise CommandLineExit(status, (message or "").strip())

    parser.exit = exit_  # type: ignore[method-assign]


def add_loadtui_arguments(parser: configargparse.ArgumentParser) -> None:
    """loadtui's own options, on top of Locust's. ``-p`` is Locust's ``--profile`` (one dest)."""
    for action in parser._actions:
        if action.dest == "profile":
            action.help = (
                "profile of profiles.toml to run (skips the picker); also the run's profile label in "
                "Locust's report. Short form -p"
            )
        elif isinstance(action, argparse._VersionAction):
            action.version = f"loadtui {__version__} (locust {locust.__version__})"
    parser.add_argument("-p", dest="profile", help=configargparse.SUPPRESS)
    group = parser.add_argument_group("loadtui options")
    group.add_argument("--profiles", metavar="PATH", help="profiles file (default: ./profiles.toml, else the packaged)")
    group.add_argument("--report-dir", metavar="DIR", help="where run folders go (default: [defaults] report_dir)")
    group.add_argument(
        "--baseline", metavar="RUN", help="a saved run folder to compare with at the end (a regression fails the run)"
    )
    group.add_argument("--tolerance", metavar="PCT", help="how much worse than the baseline is fine (default 20%%)")
    group.add_argument(
        "--workers",
        metavar="N",
        help="run N local Locust worker processes under a master ('auto': one per core); like --processes",
    )
    group.add_argument(
        "--watch", action="append", metavar="PID|NAME", help="follow a process of the system under test (repeatable)"
    )
    group.add_argument("--refresh", type=float, default=1.0, help="screen refresh interval in seconds (default 1)")
    group.add_argument(
        "--request-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="HttpUser requests that give no timeout fail after this long instead of waiting for ever, as"
        " FastHttpUser's do (default 60; 0: wait for ever, as Locust)",
    )
    group.add_argument(
        "--checkpoint-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the run folder is brought up to date while the run goes, so a kill -9 loses at most"
        " that much (default 5; 0: only at the end)",
    )


def build_parser(locustfile_keys: Iterable[str] = ()) -> configargparse.ArgumentParser:
    """Locust's parser plus loadtui's options, after the locustfile's ``init_command_line_parser``.

    Only the listeners of the locustfile(s) ``locustfile_keys`` (absolute paths) are on that hook
    while it fires, as in a ``locust`` process that imported just that file; the other hooks (of a
    run in progress) are left alone.
    """
    parser = locust_args.get_empty_argument_parser()
    locust_args.setup_parser_arguments(parser)
    add_loadtui_arguments(parser)
    parser.prog = "loadtui"
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    with registry().only("init_command_line_parser", locustfile_keys):
        locust.events.init_command_line_parser.fire(parser=parser)
    _no_exit(parser)
    return parser


def _environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables as configargparse reads them, an empty value meaning unset."""
    return {key: value for key, value in environ.items() if value != ""}


def _sources(parser: configargparse.ArgumentParser, argv: Sequence[str]) -> dict[str, str]:
    """dest -> where its value came from, after ``parser`` parsed ``argv``."""
    found: dict[str, str] = {}
    for source, settings in parser.get_source_to_settings_dict().items():
        if source == "environment_variables":
            kind = ENVIRONMENT
        elif source.startswith("config_file"):
            kind = f"{CONFIG_FILE} {source.partition('|')[2]}"
        else:
            continue
        for action, _value in settings.values():
            if action is not None:
                found.setdefault(action.dest, kind)
    args = list(argv)
    for action in parser._actions:
        if action.option_strings and configargparse.already_on_command_line(
            args, action.option_strings, parser.prefix_chars
        ):
            found[action.dest] = COMMAND_LINE
    return found


@dataclass(frozen=True)
class CommandLine:
    """The command line parsed as Locust parses it, with where every value came from."""

    argv: tuple[str, ...]
    options: argparse.Namespace
    """Everything, as ``locust`` would see it (command line > environment > config > defaults)."""
    sources: Mapping[str, str]
    """dest -> COMMAND_LINE, ENVIRONMENT or "config file PATH"; absent: Locust's default."""
    configured: argparse.Namespace
    """Config files and defaults only, for a value the command line or environment left empty."""
    configured_sources: Mapping[str, str] = field(default_factory=dict)
    locustfile_keys: tuple[str, ...] = ()
    """The locustfile(s) whose options the parser knew (their init_command_line_parser fired)."""

    def given(self, dest: str) -> bool:
        """Set on the command line or by a LOCUST_* variable (to a non-empty value)."""
        return self.sources.get(dest) in (COMMAND_LINE, ENVIRONMENT) and _set(getattr(self.options, dest, None))

    def configured_value(self, dest: str) -> Any:
        """The value a Locust config file gives ``dest``; None when none does (or it is empty)."""
        if not str(self.configured_sources.get(dest, "")).startswith(CONFIG_FILE):
            return None
        value = getattr(self.configured, dest, None)
        return value if _set(value) else None

    def source(self, dest: str) -> str:
        return self.sources.get(dest, DEFAULT)

    def ignored_notes(self) -> list[str]:
        """One line per Locust option that means nothing in loadtui and was set anyway."""
        notes = []
        for dest in WEB_UI_OPTIONS:
            if dest in self.sources:
                flag = _flag(dest)
                notes.append(f"{flag} ({self.sources[dest]}) is a Locust web UI option: loadtui has no web UI, ignored")
        return notes


def _set(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def parse(
    argv: Sequence[str],
    locustfile_keys: Iterable[str] = (),
    *,
    environ: Mapping[str, str] | None = None,
) -> CommandLine:
    """Parses ``argv`` with Locust's parser, knowing the options of the locustfile(s) given."""
    keys = tuple(locustfile_keys)
    env = _environment(os.environ if environ is None else environ)
    parser = build_parser(keys)
    options = parser.parse_args(list(argv), env_vars=env)
    if options.stats_history_enabled and options.csv_prefix is None:
        parser.error("'--csv-full-history' requires '--csv'.")
    sources = _sources(parser, argv)
    configured = parser.parse_known_args(_config_args(argv), env_vars={})[0]
    configured_sources = _sources(parser, [])
    return CommandLine(
        argv=tuple(argv),
        options=options,
        sources=sources,
        configured=configured,
        configured_sources=configured_sources,
        locustfile_keys=keys,
    )


def _config_args(argv: Sequence[str]) -> list[str]:
    """Just the ``--config FILE`` of ``argv``: the config files, without what overrides them."""
    args = list(argv)
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            return ["--config", args[index + 1]]
        if arg.startswith("--config="):
            return [arg]
    return []


@dataclass(frozen=True)
class FirstPass:
    """What the command line says before the locustfile is imported (Locust's first pass)."""

    locustfile: str
    locustfile_source: str
    profile: str | None
    profiles: str | None
    headless: bool
    worker: bool
    help: bool
    report_dir: str | None = None
    report_dir_source: str = DEFAULT

    @property
    def locustfile_given(self) -> bool:
        """``-f`` on the command line or LOCUST_LOCUSTFILE: above any profile."""
        return self.locustfile_source in (COMMAND_LINE, ENVIRONMENT)

    @property
    def locustfile_configured(self) -> bool:
        return self.locustfile_source.startswith(CONFIG_FILE)


def first_pass(argv: Sequence[str], *, environ: Mapping[str, str] | None = None) -> FirstPass:
    """``-f`` (with its source), ``-p``, ``--profiles``, ``--headless``, ``--worker`` and ``-h``."""
    parser = locust_args.get_empty_argument_parser(add_help=False)
    parser.add_argument("-h", "--help", action="store_true", default=False)
    parser.add_argument("-p", "--profile", default=None)
    parser.add_argument("--profiles", default=None)
    parser.add_argument("--report-dir", default=None)
    parser.add_argument("--headless", action="store_true", env_var="LOCUST_HEADLESS")
    parser.add_argument("--worker", action="store_true", env_var="LOCUST_MODE_WORKER")
    parser.add_argument("--master", action="store_true", env_var="LOCUST_MODE_MASTER")
    _no_exit(parser)
    options, _ = parser.parse_known_args(list(argv), env_vars=_environment(os.environ if environ is None else environ))
    sources = _sources(parser, argv)
    return FirstPass(
        locustfile=options.locustfile,
        locustfile_source=sources.get("locustfile", DEFAULT),
        profile=options.profile,
        profiles=options.profiles,
        headless=bool(options.headless),
        worker=bool(options.worker),
        help=bool(options.help),
        report_dir=options.report_dir,
        report_dir_source=sources.get("report_dir", DEFAULT),
    )
