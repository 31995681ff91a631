"""Finishing the report of a run whose process died without writing it, from its last checkpoint.

A run folder that still holds ``checkpoint.json`` (:mod:`.checkpoint`) is a run in progress, or one
whose process is gone: killed (``kill -9``, the OOM killer), crashed, or stopped before its final
report could be written. Once that process is no longer running, :func:`recover` turns the folder
into a whole report: report.html rendered by Locust from the checkpointed stats, summary.json and
summary.txt saying ``ended: killed`` and how much is missing (the seconds after the last
checkpoint). What the process did after its last checkpoint is lost; nothing before it is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from . import capacity, reports, thresholds
from . import summary as summary_mod
from .checkpoint import (
    HISTORY_FILE,
    OWN_FILES,
    SECONDS,
    STATE_FILE,
    load_stats,
    machine_identity,
    stopped_environment,
)
from .forked_writer import CHILD_TIMEOUT_S

logger = logging.getLogger(__name__)

UNRECOVERABLE = "checkpoint.unrecoverable.json"

KILLED = "killed"
"""The end reason of a recovered run."""


class RecoveryError(Exception):
    """A checkpoint that cannot be turned into a report; ``str()`` says which file and why."""


@dataclass(frozen=True)
class Recovered:
    folder: Path
    summary: dict[str, Any]
    lost_s: float
    """At most this much of the end of the run is missing (the time between two checkpoints)."""


def checkpoint_of(folder: Path) -> dict[str, Any] | None:
    """The folder's checkpoint.json, None if it has none (a finished run) or it can't be read."""
    return _json_object(folder / STATE_FILE)


def _json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object file; None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


STALE_AFTER_S = 60.0 + CHILD_TIMEOUT_S
"""A checkpoint written by a process this one cannot see (another machine, container or boot) is
taken as its writer's last once it is this much older than its own interval allows."""


def writer_running(state: dict[str, Any], now: float | None = None) -> bool:
    """Whether the process that wrote the checkpoint still runs. When its pid means nothing here
    (another hostname, boot or pid namespace: a shared disk, a container), by the checkpoint's age:
    a running writer rewrites it every few seconds."""
    here = {"hostname": socket.gethostname(), **machine_identity()}
    if any(key in state and state[key] != value for key, value in here.items()):
        age = (time.time() if now is None else now) - float(state.get("written_at") or 0)
        return age <= 3 * float(state.get("seconds") or SECONDS) + STALE_AFTER_S
    try:
        process = psutil.Process(int(state["pid"]))
        started = process.create_time()
        running = process.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False
    return running and abs(started - float(state.get("process_started", 0))) < 1.0  # not a reused pid


def orphaned(report_dir: Path) -> list[Path]:
    """Run folders under ``report_dir`` with a checkpoint whose process is gone, oldest first."""
    if not report_dir.is_dir():
        return []
    found = []
    with contextlib.suppress(OSError):
        for child in sorted(report_dir.iterdir()):
            if (child / STATE_FILE).is_file():
                state = checkpoint_of(child)
                if state is None or not writer_running(state):
                    found.append(child)
    return found


def recover(folder: Path) -> Recovered:
    """Writes report.html, summary.json and summary.txt of a run killed after ``folder``'s last
    checkpoint, and removes the checkpoint. RecoveryError if the checkpoint can't be read;
    OSError if the folder can't be written."""
    state = checkpoint_of(folder)
    if state is None:
        _give_up(folder)
        raise RecoveryError(f"{folder / STATE_FILE}: missing or not valid JSON (the run cannot be recovered)")
    final = _json_object(folder / "summary.json")
    if final is not None and not final.get("incomplete"):
        # Its final report is there (the kill came after it, before the checkpoint was removed).
        _remove_own_files(folder)
        return Recovered(folder=folder, summary=final, lost_s=0.0)
    try:
        if final is None:
            raise ValueError("no summary.json yet (killed during its first checkpoint)")
        summary = final
        report = state["report"]
        env = stopped_environment(report.get("host"), report.get("locustfile"), report.get("profile"))
        load_stats(env, state["stats"])
        env.stats.history = _chart_points(folder / HISTORY_FILE, env.stats.total.last_request_timestamp)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _give_up(folder)
        raise RecoveryError(
            f"{folder}: the checkpoint cannot be made a report ({exc}); its CSV files are what is left"
        ) from None
    written_at = float(state["written_at"])
    summary.update(
        end_reason=KILLED,
        incomplete=True,
        recovered={
            "at": summary_mod.iso_time(time.time()),
            "last_checkpoint": summary_mod.iso_time(written_at),
            "missing_at_most_s": state.get("seconds"),
            "note": "the process ended without writing its report here (killed, crashed, or its report went"
            " to another directory); this report is its last checkpoint",
        },
    )
    # The figures again from checkpoint.json: summary.json was written a moment after it, or not
    # at all if the kill came between the two, and every file must show the same totals.
    codes = {(e["method"], e["name"]): e.get("status_codes", {}) for e in summary.get("endpoints", [])}
    found = reports.with_status_codes(reports.figures(env), codes)
    summary.update(
        totals=summary_mod.totals_from(found["aggregated"]),
        endpoints=found["endpoints"],
        failures=found["failures"],
        exceptions=found["exceptions"],
    )
    if summary.get("capacity"):
        why = "the run was killed before a step failed or the ramp reached its max"
        summary["capacity"] = capacity.interrupted(summary["capacity"], why)
    limits = thresholds.parse(state.get("thresholds") or {}, _threshold_error)
    if limits:
        summary.update(summary_mod.judge_summary(summary, limits))
    host_series = [tuple(point) for point in state.get("host_series", ())]
    files = {
        **reports.stats_files(env),  # from the same moment as the rest (the running run's may be later)
        "report.html": reports.html_report(env, summary, host_series),
        "summary.txt": summary_mod.text(summary, reports.locust_tables(env), limits=limits, folder=folder),
        "summary.json": json.dumps(summary, indent=2) + "\n",
    }
    reports.write_files(folder, files)
    _remove_own_files(folder)
    return Recovered(folder=folder, summary=summary, lost_s=float(state.get("seconds") or 0))


def recover_all(report_dir: Path) -> list[str]:
    """Recovers every orphaned run under ``report_dir``; one line for the user per folder. Never
    raises: a checkpoint that cannot be finished must not keep the next run from starting."""
    lines = []
    for folder in orphaned(report_dir):
        try:
            done = recover(folder)
        except RecoveryError as exc:
            lines.append(str(exc))
            continue
        except OSError as exc:
            lines.append(f"cannot finish the report of the killed run in {folder}: {exc.strerror or exc}")
            continue
        except Exception as exc:  # a bug here must not stop the run that asked
            logger.exception("recovering %s failed", folder)
            lines.append(f"cannot finish the report of the killed run in {folder}: {exc!r}")
            continue
        if done.summary.get("end_reason") == KILLED:
            lines.append(
                f"A run was killed before it wrote its report: {folder} now holds its report up to its last"
                f" checkpoint (at most {done.lost_s:g}s missing at the end)"
            )
    return lines


def _remove_own_files(folder: Path) -> None:
    for name in OWN_FILES:
        (folder / name).unlink(missing_ok=True)


def _give_up(folder: Path) -> None:
    """A checkpoint that can't be finished is renamed, so that it is reported once, not at every start."""
    with contextlib.suppress(OSError):
        (folder / STATE_FILE).rename(folder / UNRECOVERABLE)


def _threshold_error(key: str, message: str) -> Exception:
    return RecoveryError(f"{STATE_FILE}: thresholds.{key}: {message}")


def _chart_points(path: Path, last_request: float | None) -> list[dict[str, Any]]:
    """The HTML report's chart points; a line cut short by the kill is left out.

    The last point is carried forward to the last request (a second or so later) when it is
    older: Locust's report would otherwise add a point of "current" figures, read now, long after
    the run."""
    from locust.util.date import format_utc_timestamp

    points = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        with contextlib.suppress(ValueError):
            point = json.loads(line)
            if isinstance(point, dict) and "time" in point:
                points.append(point)
    if points and last_request:
        end = format_utc_timestamp(last_request)
        if points[-1]["time"] < end:
            last = points[-1]
            points.append({k: [end, v[1]] if isinstance(v, list) else v for k, v in last.items()} | {"time": end})
    return points
