"""The terminal's output when the terminal is gone: writes dropped, never a hang.

When an SSH link drops, the pty's far side closes before the SIGHUP reaches the app, and Textual's
output thread can be writing a frame just then: the write fails with EIO, the thread ends, and
Textual's next writes fill its 30-slot queue and block forever (the app never exits, and the test
of a hangup hung 1 time in 5 on a loaded machine). So the driver writes through
:class:`DroppingWhenGone`, which swallows the failure and every write after it; the SIGHUP then
ends the run with its report as usual (:mod:`.signals`).

Textual's Linux driver keeps its output file in ``_file`` (set in its constructor, read when its
output thread starts); :class:`HangupSafeDriver` wraps it there, and leaves it alone if a later
Textual names it otherwise.
"""

from __future__ import annotations

from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver


class DroppingWhenGone:
    """A text file's write and flush, which stop (silently) at the first OSError."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._file.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._file.flush()
            except OSError:
                self.gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class HangupSafeDriver(LinuxDriver):
    """Textual's Linux driver, its output written through :class:`DroppingWhenGone`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        file = getattr(self, "_file", None)
        if file is not None and not isinstance(file, DroppingWhenGone):
            self._file = DroppingWhenGone(file)  # type: ignore[assignment]
