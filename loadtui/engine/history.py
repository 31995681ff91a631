"""A bounded time series that keeps the whole run by thinning its past.

When full, neighbouring rows are merged pairwise: the merged row keeps the time of its first
row and the mean of the values. The resolution halves, evenly, and a long run keeps its start
instead of forgetting it. (Averaging the times too looked harmless and was not: rows covering
unequal spans pulled the first row's time towards the middle of the run, merge after merge.)
Memory stays at ``capacity`` rows whatever the length of the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


class DownsampledSeries:
    """Rows of equal length (time first), oldest first, at most ``capacity`` of them."""

    def __init__(self, capacity: int) -> None:
        if capacity < 4:
            raise ValueError("capacity must be at least 4")
        self.capacity = capacity
        self._rows: list[tuple[float, ...]] = []

    def append(self, row: Sequence[float]) -> None:
        self._rows.append(tuple(float(v) for v in row))
        if len(self._rows) > self.capacity:
            rows = self._rows
            pairs = zip(rows[0::2], rows[1::2], strict=False)  # an odd last row is kept as it is, below
            merged = [(x[0], *((a + b) / 2 for a, b in zip(x[1:], y[1:], strict=True))) for x, y in pairs]
            if len(rows) % 2:
                merged.append(rows[-1])
            self._rows = merged

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        return iter(self._rows)

    def column(self, index: int) -> tuple[float, ...]:
        return tuple(row[index] for row in self._rows)

    @property
    def rows(self) -> list[tuple[float, ...]]:
        return list(self._rows)
