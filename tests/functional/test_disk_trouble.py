"""The report disk fills up, or turns read-only, in the middle of a run: nothing collected is lost.

A real tmpfs of a few MB is the report disk (mounting one needs root: elsewhere these are skipped).
The run goes on through it; its checkpoints say so and try again; the final report fails with the
system's reason, and the existing paths work: writing it again once there is room, or elsewhere.
"""

import contextlib
import csv
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtui.engine import profile_loading
from loadtui.engine.checkpoint import Checkpoints
from loadtui.engine.reports import FILES
from loadtui.engine.session import LoadSession
from tests.helpers import LOCUSTFILES, session_for, wait_for, write_profiles

pytestmark = pytest.mark.slow

LONG = """
[profiles.long]
users = 3
spawn_rate = 50
run_time = "2m"
"""


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs for the report disk needs root")
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Writes a file until the disk is full."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def started_on(disk: Path, tmp_path: Path, target) -> tuple[LoadSession, Checkpoints]:  # type: ignore[no-untyped-def]
    """A run whose report dir is on ``disk``, once its first checkpoint is there."""
    profiles = write_profiles(tmp_path, LONG, locustfile=LOCUSTFILES / "tagged.py", host=target.url)
    profile_set = profile_loading.load(profiles)
    session: LoadSession = session_for(
        profile_set, "long", "--report-dir", str(disk / "reports"), "--checkpoint-interval", "0.5"
    )
    session.start()
    checkpoints = session.checkpoints
    assert checkpoints is not None
    wait_for(lambda: checkpoints.written >= 1)
    return session, checkpoints


def requests_so_far(session: LoadSession) -> int:
    return session.snapshot(limit=0).totals.requests


def test_a_full_disk_mid_run_loses_nothing_and_the_report_is_written_once_there_is_room(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    with small_disk(tmp_path / "disk") as disk:
        session, checkpoints = started_on(disk, tmp_path, target)
        filler = fill(disk)
        wait_for(lambda: checkpoints.error is not None)
        assert "No space left on device" in checkpoints.error  # type: ignore[operator]
        going = requests_so_far(session)
        wait_for(lambda: requests_so_far(session) > going)  # the run goes on
        result = session.stop()
        assert result.folder is None and "No space left on device" in (result.error or "")
        kept = result.summary["totals"]["requests"]
        assert kept > going

        filler.unlink()  # room again: the retry writes the same run to its own folder
        again = session.write_report()
        assert again.error is None and again.folder == checkpoints.folder
        assert sorted(p.name for p in again.folder.iterdir()) == sorted(FILES)
        summary = json.loads((again.folder / "summary.json").read_text())
        assert summary["totals"]["requests"] == kept  # nothing lost to the full disk
        assert summary["checkpoints"]["failed_since"] is not None
        assert "No space left on device" in summary["checkpoints"]["error"]
        assert "checkpoints could not be written from" in (again.folder / "summary.txt").read_text()


def test_a_report_dir_turned_read_only_mid_run_can_be_written_elsewhere(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    with small_disk(tmp_path / "disk") as disk:
        session, checkpoints = started_on(disk, tmp_path, target)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        wait_for(lambda: checkpoints.error is not None)
        assert "Read-only file system" in checkpoints.error  # type: ignore[operator]
        result = session.stop()
        assert result.folder is None and "Read-only file system" in (result.error or "")
        elsewhere = session.write_report(tmp_path / "elsewhere")
        assert elsewhere.error is None and elsewhere.folder is not None
        assert elsewhere.folder.parent == tmp_path / "elsewhere"
        assert sorted(p.name for p in elsewhere.folder.iterdir()) == sorted(FILES)
        summary = json.loads((elsewhere.folder / "summary.json").read_text())
        assert summary["totals"]["requests"] == result.summary["totals"]["requests"] > 0


def test_a_checkpoint_that_failed_halfway_leaves_no_row_twice(tmp_path: Path, target) -> None:  # type: ignore[no-untyped-def]
    """The disk fills while a checkpoint appends: once there is room, the next one appends it all, once."""
    with small_disk(tmp_path / "disk") as disk:
        session, checkpoints = started_on(disk, tmp_path, target)
        try:
            filler = fill(disk)
            wait_for(lambda: checkpoints.error is not None)
            filler.unlink()
            wait_for(lambda: checkpoints.error is None)  # written again
            folder = checkpoints.folder
            assert folder is not None
            rows = list(csv.reader((folder / "stats_history.csv").open()))[1:]
            keys = [(row[0], row[2], row[3]) for row in rows]  # (timestamp, method, name)
            assert keys and len(keys) == len(set(keys))  # an endpoint's row a second at most, none twice
        finally:
            session.stop()
