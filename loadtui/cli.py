"""The ``loadtui`` command: flags shaped like Locust's; CLI > profile > [defaults].

Exit codes: 0 the run finished and no request failed, 1 some requests failed, 2 bad input (CLI,
profiles.toml, locustfile) or a report that could not be written where asked.
"""

# Locust first: it monkey-patches the process with gevent, which must happen before anything
# imports ssl (httpx, textual's dependencies), or gevent warns that ssl was patched too late.
# isort: off
import locust

# isort: on
import argparse
import dataclasses
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gevent

from . import __version__
from .engine import compare as compare_mod
from .engine import profile_fields, profile_loading, runs
from .engine.durations import human_duration
from .engine.locustfile import LocustfileError, load_locustfile
from .engine.profiles import Profile, ProfileError, ProfileSet
from .engine.session import Distribution, LoadSession, RunResult, SessionError

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2
PROGRESS_SECONDS = 3.0


class BadInput(Exception):
    """Ends the program with exit 2 and this one-paragraph message, never a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"loadtui: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="loadtui",
        description="Run Locust load tests from the terminal and watch them live. With no host "
        "configured, a bundled demo target is started so there is something to test.",
        epilog="Other commands: 'loadtui reports [DIR]' lists past runs; 'loadtui compare RUN_A RUN_B "
        "[--tolerance 20%%]' compares two (exit 1 on a regression); 'loadtui attach URL' watches a Locust "
        "started elsewhere.",
    )
    parser.add_argument("-f", "--locustfile", help="locustfile to run (default: the profile's, else the demo)")
    parser.add_argument("-p", "--profile", help="profile from profiles.toml to run (skips the picker)")
    parser.add_argument("-H", "--host", help="base URL of the system under test, e.g. http://127.0.0.1:8000")
    parser.add_argument("-u", "--users", type=int, help="peak number of concurrent users")
    parser.add_argument("-r", "--spawn-rate", type=float, help="users started per second")
    parser.add_argument("-t", "--run-time", help="stop after this long, e.g. 90s, 5m, 1h30m")
    parser.add_argument("-T", "--tags", nargs="*", help="only run tasks with any of these tags")
    parser.add_argument("-E", "--exclude-tags", nargs="*", help="do not run tasks with any of these tags")
    parser.add_argument("--profiles", help="profiles file (default: ./profiles.toml, else the packaged one)")
    parser.add_argument("--report-dir", help="where run folders are written (default: [defaults] report_dir)")
    parser.add_argument("--baseline", help="a saved run folder to compare with at the end (regression fails the run)")
    parser.add_argument("--tolerance", help="how much worse than the baseline is still fine (default 20%%)")
    parser.add_argument("--workers", help="run N local Locust worker processes under a master ('auto': one per core)")
    parser.add_argument(
        "--master", action="store_true", help="let workers on other machines join (plain locust --worker)"
    )
    parser.add_argument(
        "--master-bind-host", default="*", help="interface workers connect to, with --master (default all)"
    )
    parser.add_argument("--master-bind-port", type=int, default=5557, help="port workers connect to (default 5557)")
    parser.add_argument("--expect-workers", type=int, default=0, help="with --master: wait for N workers in all")
    parser.add_argument(
        "--watch", action="append", metavar="PID|NAME", help="follow a process of the system under test (repeatable)"
    )
    parser.add_argument("--headless", action="store_true", help="no screen: progress on stderr, for CI")
    parser.add_argument("--refresh", type=float, default=1.0, help="screen refresh interval in seconds (default 1)")
    parser.add_argument("--version", action="version", version=f"loadtui {__version__} (locust {locust.__version__})")
    return parser


def load_profiles(args: argparse.Namespace) -> tuple[ProfileSet, str | None, dict[str, Any]]:
    """Reads profiles.toml and applies the CLI. Returns (profiles, chosen profile, per-run overrides).

    -f, -H and --report-dir define the test, so they apply to every profile (a live switch keeps
    the same test); -u, -r, -t and the tags apply to the profile that is started.
    """
    profiles = profile_loading.load(args.profiles)
    common: dict[str, Any] = {}
    if args.locustfile:
        common["locustfile"] = str(Path(args.locustfile).expanduser().resolve())
    if args.host is not None:
        common["host"] = args.host
    if common:
        profiles = dataclasses.replace(
            profiles,
            profiles={name: profile_fields.resolve(p, **common) for name, p in profiles.profiles.items()},
        )
    if args.report_dir:
        profiles = dataclasses.replace(profiles, report_dir=args.report_dir)
    if args.profile is not None:
        profiles.get(args.profile)  # unknown -> ProfileError listing the known ones
    overrides = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "run_time": args.run_time,
        "tags": args.tags,
        "exclude_tags": args.exclude_tags,
        "baseline": args.baseline,
        "baseline_tolerance": args.tolerance,
        "workers": _workers_arg(args.workers),
        "watch": args.watch,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    # Validate the overrides now, with the messages the file would get.
    first = profiles.get(args.profile) if args.profile else next(iter(profiles.profiles.values()))
    resolved = profile_fields.resolve(first, **overrides)
    if resolved.baseline:
        compare_mod.load_summary(resolved.baseline)  # a baseline that is not there is bad input, now
    return profiles, args.profile, overrides


def _workers_arg(value: str | None) -> int | str | None:
    if value is None or value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise BadInput(f'--workers: expected a number of worker processes or "auto", got {value!r}') from None


def distribution_for(profile: Profile, args: argparse.Namespace, *, dashboard: bool = False) -> Distribution | None:
    """--workers N (or the profile's workers) starts local workers; --master waits for others too.

    Under the dashboard, a profile that does not say (workers unset) gets one worker process: the
    screen's drawing then never shares a hub with the users (in-process it cost the generator up to
    half its requests/s and slowed keys; see bench/RESULTS.md). ``workers = 0`` keeps them in-process.
    """
    if args.master:
        if args.expect_workers < 1 and not profile.worker_count:
            raise BadInput("--master: say how many workers to wait for with --expect-workers N")
        return Distribution(
            local_workers=profile.worker_count,
            expect_workers=args.expect_workers,
            bind_host=args.master_bind_host,
            bind_port=args.master_bind_port,
        )
    if args.expect_workers:
        raise BadInput("--expect-workers goes with --master (workers on other machines)")
    if profile.worker_count:
        return Distribution(local_workers=profile.worker_count)
    if dashboard and profile.workers is None:
        return Distribution(local_workers=1)
    return None


def _progress_line(session: LoadSession) -> str:
    snap = session.snapshot()
    t = snap.totals
    p95 = t.current_p95_ms if t.current_p95_ms is not None else t.p95_ms
    verdict = f"  thresholds: {snap.verdict}" if snap.verdict else ""
    remaining = f"/{human_duration(snap.run_time_s)}" if snap.run_time_s else ""
    if snap.workers:
        alive = sum(1 for w in snap.workers if not w.missing)
        verdict_workers = f"  workers {alive}/{len(snap.workers)}"
    else:
        verdict_workers = ""
    return (
        f"[loadtui] {human_duration(snap.elapsed_s)}{remaining} {snap.state:<8} users {snap.users}/{snap.target_users}"
        f"  {t.rps:7.1f} req/s  p95 {p95:5.0f} ms  requests {t.requests}  failures {t.failures}"
        f" ({100 * t.fail_ratio:.1f}%){verdict}{verdict_workers}"
    )


def run_headless(
    profiles: ProfileSet, profile_name: str | None, overrides: dict[str, Any], args: argparse.Namespace
) -> int:
    if profile_name is None:
        profile_name = profiles.names[0]
        print(f"[loadtui] no --profile given: running the first one, {profile_name!r}", file=sys.stderr)
    if profiles.packaged:
        print(
            f"[loadtui] no ./profiles.toml here: using the packaged profiles ({profiles.path})",
            file=sys.stderr,
        )
    profile = profile_fields.resolve(profiles.get(profile_name), **overrides)
    locustfile = load_locustfile(profiles.locustfile_path(profile))
    session = LoadSession(profiles, profile, locustfile=locustfile, distribution=distribution_for(profile, args))
    try:
        session.start()
    except SessionError:
        session.close()
        raise
    print(f"[loadtui] {session.message}", file=sys.stderr)
    return _wait_headless(session)


def _wait_headless(session: LoadSession) -> int:
    """Progress lines on stderr until the run ends (by itself or by a signal), then the summary."""

    def on_signal(reason: str) -> None:
        if session.result is None:
            print(f"\n[loadtui] {reason}: stopping and writing the report...", file=sys.stderr)
            gevent.spawn(session.stop, reason)

    handlers = [
        gevent.signal_handler(signal.SIGINT, on_signal, "interrupted"),
        gevent.signal_handler(signal.SIGTERM, on_signal, "terminated"),
        gevent.signal_handler(signal.SIGHUP, on_signal, "hangup"),
    ]

    def progress() -> None:
        while True:
            gevent.sleep(PROGRESS_SECONDS)
            print(_progress_line(session), file=sys.stderr, flush=True)

    printer = gevent.spawn(progress)
    try:
        result = session.wait()
    finally:
        printer.kill(block=False)
        for handler in handlers:
            handler.cancel()
        session.close()
    assert result is not None
    return finish(session, result)


def finish(session: LoadSession, result: RunResult) -> int:
    """Prints the end-of-run text (it stays in the SSH scrollback) and picks the exit code."""
    if result.error:
        print(f"[loadtui] {result.error}", file=sys.stderr)
        fallback = Path(tempfile.mkdtemp(prefix="loadtui-unsaved-"))
        rescued = session.write_report(fallback)
        if rescued.folder is not None:
            print(f"[loadtui] the report was saved to {rescued.folder} instead", file=sys.stderr)
            result = rescued
        else:
            print(f"[loadtui] {rescued.error}; the summary follows on stdout", file=sys.stderr)
        _print_summary(result)
        return EXIT_BAD_INPUT
    _print_summary(result)
    return result.exit_code


def _print_summary(result: RunResult) -> None:
    if result.folder is not None and (result.folder / "summary.txt").is_file():
        sys.stdout.write((result.folder / "summary.txt").read_text(encoding="utf-8"))
    else:
        import json

        sys.stdout.write(json.dumps(result.summary, indent=2) + "\n")
    sys.stdout.flush()


def _configure_logging(headless: bool) -> None:
    root = logging.getLogger()
    if headless:
        logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(levelname)s: %(message)s")
        return
    # The screen belongs to the app: log lines written to the terminal would tear it. Keep them
    # in a file for whoever needs to look, and send gevent's own error printing there too.
    path = Path(tempfile.gettempdir()) / f"loadtui-{os.getuid()}.log"
    try:
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    if isinstance(handler, logging.FileHandler):
        gevent.get_hub().exception_stream = handler.stream


def reports_command(argv: Sequence[str]) -> int:
    """``loadtui reports [DIR]``: past runs, newest first, as a table for the terminal."""
    parser = _Parser(prog="loadtui reports", description="List past runs (newest first).")
    parser.add_argument("dir", nargs="?", help="report directory (default: [defaults] report_dir)")
    parser.add_argument("--profiles", help="profiles file whose report_dir to use")
    args = parser.parse_args(argv)
    if args.dir:
        report_dir = Path(args.dir)
    else:
        try:
            report_dir = profile_loading.load(args.profiles).report_dir_path()
        except ProfileError as exc:
            print(f"loadtui: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if report_dir.exists() and not report_dir.is_dir():
        print(f"loadtui: {report_dir}: not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    found = runs.list_runs(report_dir)
    if not found:
        print(f"No runs in {report_dir} yet.", file=sys.stderr)
        return EXIT_OK
    print(runs.format_table(found))
    return EXIT_OK


def compare_command(argv: Sequence[str]) -> int:
    """``loadtui compare RUN_A RUN_B``: exit 1 when B regressed from A beyond the tolerance."""
    parser = _Parser(prog="loadtui compare", description="Compare two saved runs (A is the baseline).")
    parser.add_argument("run_a", help="run folder (or its summary.json): the baseline")
    parser.add_argument("run_b", help="run folder (or its summary.json): the run to judge")
    parser.add_argument("--tolerance", default="20%", help="allowed worsening, e.g. 20%% (default)")
    args = parser.parse_args(argv)
    try:
        tolerance = compare_mod.parse_tolerance(args.tolerance)
        result = compare_mod.compare(
            compare_mod.load_summary(args.run_a), compare_mod.load_summary(args.run_b), tolerance
        )
    except compare_mod.CompareError as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(compare_mod.format_comparison(result))
    return EXIT_FAILURES if result.regressed else EXIT_OK


def attach_command(argv: Sequence[str]) -> int:
    """``loadtui attach URL``: the dashboard over a Locust run that loadtui did not start."""
    from .engine.attach import AttachedSession, auth_from_env

    parser = _Parser(
        prog="loadtui attach",
        description="Watch and drive a running Locust through its web UI (e.g. a master on another box). "
        "Basic-auth credentials, if needed, come from LOADTUI_ATTACH_AUTH=user:password.",
    )
    parser.add_argument("url", help="the Locust web UI, e.g. http://127.0.0.1:8089")
    parser.add_argument("--report-dir", default="reports", help="where the run folder is saved (default: reports)")
    parser.add_argument("-r", "--spawn-rate", type=float, default=1.0, help="spawn rate for +/- user changes")
    parser.add_argument("--refresh", type=float, default=1.0, help="screen refresh interval in seconds")
    parser.add_argument("--headless", action="store_true", help="no screen: progress on stderr until the run stops")
    args = parser.parse_args(argv)
    _configure_logging(args.headless)
    try:
        session = AttachedSession(
            args.url, report_dir=Path(args.report_dir), spawn_rate=args.spawn_rate, auth=auth_from_env()
        )
    except SessionError as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.headless:
        session.start()
        return _wait_headless(session)  # type: ignore[arg-type]
    from .ui.app import LoadTuiApp

    app = LoadTuiApp(
        session.profiles,
        profile="attached",
        refresh=args.refresh,
        session_factory=lambda *_a, **_k: session,
        locustfile_loader=lambda _path: session.locustfile,
    )
    app.run()
    result = app.result or session.result
    if result is None:
        return EXIT_OK
    _print_summary(result)
    return EXIT_BAD_INPUT if result.error else result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["attach"]:
        return attach_command(argv[1:])
    if argv[:1] == ["reports"]:
        return reports_command(argv[1:])
    if argv[:1] == ["compare"]:
        return compare_command(argv[1:])
    args = build_parser().parse_args(argv)
    _configure_logging(args.headless)
    try:
        if args.refresh <= 0:
            raise BadInput(f"--refresh: expected a positive number of seconds, got {args.refresh}")
        profiles, profile_name, overrides = load_profiles(args)
        if args.headless:
            return run_headless(profiles, profile_name, overrides, args)
        from .ui.app import run_app

        def session_factory(profiles: ProfileSet, profile: Profile, **kwargs: Any) -> LoadSession:
            return LoadSession(
                profiles, profile, distribution=distribution_for(profile, args, dashboard=True), **kwargs
            )

        result = run_app(
            profiles, profile=profile_name, overrides=overrides, refresh=args.refresh, session_factory=session_factory
        )
        if result is None:
            return EXIT_OK
        _print_summary(result)
        return EXIT_BAD_INPUT if result.error else result.exit_code
    except (ProfileError, LocustfileError, SessionError, BadInput, compare_mod.CompareError) as exc:
        print(f"loadtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("loadtui: interrupted", file=sys.stderr)
        return 130
    finally:
        time.sleep(0)


if __name__ == "__main__":
    sys.exit(main())
