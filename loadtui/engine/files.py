"""Writing a file so that no reader (and no second Ctrl+C) ever sees half of it."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str, *, sync: bool = True) -> None:
    """Writes ``text`` to a temporary file beside ``path``, fsyncs it, then renames it into place.

    ``sync=False`` leaves out the fsync: the rename still makes the file whole or absent to a
    reader and after a kill (the page cache outlives the process), only not after a power cut; a
    checkpoint every few seconds takes that for not stalling the users on a slow disk.

    The file gets the mode ``path`` has if it exists (a saved profiles.toml keeps its 0640), else
    the one the umask gives a new file (0644 under 022): mkstemp's own 0600 would survive the
    rename, and a teammate on the same jump box could not read the report."""
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~umask()


def umask() -> int:
    """The process's umask, read without changing it (Linux's /proc/self/status has it since 4.7;
    elsewhere it is set and put back at once, as nothing else can read it)."""
    with contextlib.suppress(OSError, ValueError, StopIteration), open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    current = os.umask(0o022)
    os.umask(current)
    return current
