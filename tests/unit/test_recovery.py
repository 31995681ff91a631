"""Telling a killed run's checkpoint from a running or finished one, and the checkpoint's writer child."""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from loadtui.engine import recovery
from loadtui.engine.checkpoint import STATE_FILE, Checkpoints, machine_identity, writer_identity
from loadtui.engine.history_file import HistoryFile
from loadtui.engine.log_book import LogBook


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_the_writer_is_running_when_it_is_this_process_and_not_once_it_has_exited() -> None:
    assert recovery.writer_running(writer_identity())
    assert not recovery.writer_running({**writer_identity(), "pid": dead_pid()})
    reused = {**writer_identity(), "process_started": writer_identity()["process_started"] - 3600}
    assert not recovery.writer_running(reused)  # the pid is someone else's now


def test_a_checkpoint_from_another_container_or_boot_is_judged_by_its_age() -> None:
    if not machine_identity():
        pytest.skip("no boot id or pid namespace to tell machines apart here")
    now = time.time()
    elsewhere = {**writer_identity(), "hostname": socket.gethostname(), "boot_id": "another-boot", "seconds": 5}
    assert recovery.writer_running({**elsewhere, "written_at": now - 10}, now=now)  # its writer may go on
    assert not recovery.writer_running({**elsewhere, "written_at": now - 600}, now=now)  # long silent: gone


def test_a_folder_whose_final_report_is_there_is_not_taken_for_a_killed_run(tmp_path: Path) -> None:
    folder = tmp_path / "20261203-100000-light"
    folder.mkdir()
    final = {"end_reason": "terminated", "totals": {"requests": 12}}
    (folder / "summary.json").write_text(json.dumps(final))
    (folder / STATE_FILE).write_text(json.dumps({**writer_identity(), "pid": dead_pid(), "written_at": 0}))
    assert recovery.orphaned(tmp_path) == [folder]
    assert recovery.recover_all(tmp_path) == []  # nothing to say: the report was whole
    assert json.loads((folder / "summary.json").read_text()) == final
    assert not (folder / STATE_FILE).exists()


def test_a_checkpoint_that_cannot_be_finished_is_reported_once(tmp_path: Path) -> None:
    folder = tmp_path / "20261203-100000-light"
    folder.mkdir()
    (folder / STATE_FILE).write_text(json.dumps({**writer_identity(), "pid": dead_pid(), "written_at": 0}))
    (lines,) = recovery.recover_all(tmp_path)  # no summary.json: killed during its first checkpoint
    assert str(folder) in lines and "cannot be made a report" in lines
    assert recovery.recover_all(tmp_path) == []
    assert (folder / recovery.UNRECOVERABLE).is_file()


def test_a_checkpoint_s_child_that_dies_without_answering_is_a_failed_checkpoint(tmp_path: Path) -> None:
    checkpoints = Checkpoints(tmp_path, "run", LogBook(), HistoryFile())
    with pytest.raises(OSError, match="died \\(killed by SIGKILL\\)"):
        checkpoints._writer.run(lambda: os.kill(os.getpid(), signal.SIGKILL))  # as the OOM killer does
    with pytest.raises(OSError, match="No space left"):
        checkpoints._writer.run(lambda: (_ for _ in ()).throw(OSError(28, "No space left on device", "x")))
    checkpoints._writer.run(lambda: None)  # a child that did its work: no error
