"""Writing a file so that no reader (and no second Ctrl+C) ever sees half of it."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spliced:
    """A file's text as the first ``size`` bytes of the file ``head`` (none: no bytes), then ``tail``.

    What a run's stats_history.csv is at its end: the rows its checkpoints appended to the run
    folder's file, and those that came after (:mod:`.history_file`). Written by copying, in the
    kernel where it can, so a long run's rows never have to be in memory at once."""

    head: Path | None
    size: int
    tail: str

    def text(self) -> str:
        """All of it in memory (for small files and tests)."""
        head = self.head.read_bytes()[: self.size].decode("utf-8") if self.head is not None else ""
        return head + self.tail

    def write_to(self, fd: int) -> None:
        if self.head is not None and self.size:
            with open(self.head, "rb") as source:
                left = self.size
                while left > 0:
                    try:
                        copied = os.copy_file_range(source.fileno(), fd, left)
                    except (AttributeError, OSError):  # no copy_file_range here, or not between these
                        copied = _copy_some(source.fileno(), fd, left)
                    if copied <= 0:
                        raise OSError(0, f"{self.head} is shorter than its {self.size} checkpointed bytes")
                    left -= copied
        data = self.tail.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]


FileText = str | Spliced
"""What a report file is made of: its text, or a file's bytes and then text."""


def _copy_some(source: int, target: int, most: int) -> int:
    chunk = os.read(source, min(most, 1 << 20))
    view = memoryview(chunk)
    while view:
        view = view[os.write(target, view) :]
    return len(chunk)


def atomic_write(path: Path, text: FileText, *, sync: bool = True) -> None:
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
        if isinstance(text, Spliced):
            with os.fdopen(fd, "wb") as binary:
                text.write_to(binary.fileno())
                if sync:
                    os.fsync(binary.fileno())
        else:
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
