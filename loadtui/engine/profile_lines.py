"""Finding the line of a table or key in profiles.toml, so that every error names where to look.

tomllib gives values without positions; this looks the header or the key up in the source
text instead. It is only ever asked after a value was found wrong, so a scan per error is cheap.
"""

from __future__ import annotations

import re
from pathlib import Path

from .profiles import ProfileError


class Where:
    """One file's text, to point errors at the line of a table or a key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str, key: str | None = None) -> int | None:
        """The line of ``[table]`` (``key`` None) or of ``key`` in it; None when neither is found."""
        # [table], [[table]] or, for a table only known by its prefix, [table.sub].
        header = re.compile(r"^\s*\[+\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*[\].]")
        start = None
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                start = number
                if key is None:
                    return number
                break
        if key is None:
            return None
        # The key may be in its own table ([profiles.x.weights]) or inline (weights = {...}).
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        begin = start or 1
        for number in range(begin, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > begin and start is not None and line.lstrip().startswith("[") and "=" not in line:
                break
            if key_re.match(line):
                return number
        sub = self.line_of(f"{table}.{key}") if start is not None else None
        return sub or start

    def error(self, table: str, key: str | None, message: str) -> ProfileError:
        """``profiles.toml:14: [profiles.heavy] users: message`` (no line number when none is found)."""
        line = self.line_of(table, key)
        where = f"{self.path.name}:{line}" if line else self.path.name
        scope = f"[{table}]" + (f" {key}" if key else "")
        return ProfileError(f"{where}: {scope}: {message}")
