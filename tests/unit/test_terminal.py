"""The app's terminal output once the terminal has gone: writes are dropped, they never raise."""

import asyncio
import contextlib
from pathlib import Path

import pytest

from loadtui.ui.terminal import DroppingWhenGone, HangupSafeDriver


def test_writes_that_fail_are_dropped_and_so_is_every_write_after(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full, a device every write to fails on (as a hung-up pty's do)")
    file = open("/dev/full", "w", buffering=1)  # noqa: SIM115 (its close fails too, below)
    out = DroppingWhenGone(file)
    assert not out.gone
    assert out.write("frame 1\n") == 8  # ENOSPC here (EIO on a hung-up pty): swallowed
    assert out.gone
    out.flush()
    assert out.write("frame 2\n") == 8
    assert out.fileno() == file.fileno()  # everything else is the file's own
    with contextlib.suppress(OSError):
        file.close()
    with open(tmp_path / "tty", "w") as file:
        out = DroppingWhenGone(file)
        out.write("kept\n")
        out.flush()
        assert not out.gone
    assert (tmp_path / "tty").read_text() == "kept\n"


def test_the_driver_writes_through_the_wrapper() -> None:
    class NoApp:
        pass

    async def make() -> HangupSafeDriver:
        return HangupSafeDriver(NoApp())  # type: ignore[arg-type]

    driver = asyncio.run(make())
    assert isinstance(driver._file, DroppingWhenGone)
