"""Writing a run's reports: its folder, and Locust's own files where its command line asked, from one render.

The run folder (:mod:`.reports`) and the files of ``--csv``, ``--html`` and ``--json-file`` are
written from the same rendered text, so they agree with each other and with the screen. A disk
problem never raises: it comes back as ``RunResult.error`` and the session keeps the data in memory
to try again (another directory, after freeing space).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import reports
from . import summary as summary_mod
from .files import FileText, atomic_write
from .run_plan import Outputs
from .session_contract import RunResult

if TYPE_CHECKING:
    from locust.env import Environment

CSV_FILES = {
    "stats.csv": "_stats.csv",
    "stats_history.csv": "_stats_history.csv",
    "failures.csv": "_failures.csv",
    "exceptions.csv": "_exceptions.csv",
}
"""Run folder file -> the suffix Locust's ``--csv PREFIX`` gives the same file."""


def output_files(outputs: Outputs, files: Mapping[str, FileText], env: Environment) -> dict[Path, FileText]:
    """Where Locust's own options want the rendered files, and what goes in each."""
    wanted: dict[Path, FileText] = {}
    if outputs.csv_prefix:
        for name, suffix in CSV_FILES.items():
            wanted[Path(outputs.csv_prefix + suffix)] = files[name]
    if outputs.html_file:
        wanted[Path(outputs.html_file)] = files["report.html"]
    if outputs.json_file:
        wanted[Path(outputs.json_file + ".json")] = json.dumps(env.stats.serialize_stats(), indent=4)
    return wanted


def write_outputs(wanted: Mapping[Path, FileText]) -> tuple[list[Path], str | None]:
    """Writes each file (its folder made first, as Locust does); (written, the first error or None)."""
    written: list[Path] = []
    error = None
    for path, text in wanted.items():
        try:
            if path.parent != Path():
                os.makedirs(path.parent, exist_ok=True)
            atomic_write(path, text)
            written.append(path)
        except OSError as exc:
            error = error or f"cannot write {exc.filename or path}: {exc.strerror or exc}"
    return written, error


def write(
    env: Environment,
    run: reports.RunInfo,
    report_dir: Path,
    outputs: Outputs,
    *,
    suffix: str = "",
    folder: Path | None = None,
) -> RunResult:
    """The run folder (``folder``, the one its checkpoints went to, when given and still there, else a
    new one under ``report_dir``) and (unless ``suffix``, an export) Locust's own files."""
    summary, files = reports.render(env, run, None)

    def with_folder(folder: Path) -> dict[str, FileText]:
        return {**files, "summary.txt": reports.summary_text(env, run, summary, folder)}

    folder_name = reports.run_folder_name(run.started_at, run.profile.name) + suffix
    written = reports.write_folder(report_dir, folder_name, summary, with_folder, folder=folder)
    extra: list[Path] = []
    output_error = None
    if not suffix:
        extra, output_error = write_outputs(output_files(outputs, files, env))
    return RunResult(
        end_reason=run.end_reason,
        folder=written.folder,
        files=(*written.files, *extra),
        summary=summary,
        error=written.error,
        exit_code=0 if passed(summary, env.stats.total.num_failures) else 1,
        output_error=output_error,
    )


def passed(summary: dict[str, Any], failures: int) -> bool:
    """The run's own verdict: its thresholds (and baseline) when it has them, else no failed request."""
    verdict = summary_mod.exit_verdict(summary)
    if verdict is not None:
        return verdict != "fail"
    return not failures
