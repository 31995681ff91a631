"""How a child process ended, in the words a message to a person uses."""

from __future__ import annotations

import signal


def exit_text(code: int | None) -> str:
    """``killed by SIGKILL`` for a negative return code (as ``Popen.returncode`` and
    ``os.waitstatus_to_exitcode`` give a signal), else ``exit code N``."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
