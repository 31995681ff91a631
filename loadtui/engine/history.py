"""A bounded time series that keeps the whole run by thinning its past.

When full, neighbouring rows are merged pairwise: the merged row keeps the time of its first
row and the mean of the values (NaN, a gap, left out of it). The resolution halves, evenly,
and a long run keeps its start instead of forgetting it. (Averaging the times too looked
harmless and was not: rows covering unequal spans pulled the first row's time towards the
middle of the run, merge after merge.)
Memory stays at ``capacity`` rows whatever the length of the run.

The rows live in one flat ``array('d')``: 8 bytes a value, where a tuple of floats costs about
35 (and is one more object for the garbage collector). That is what lets every endpoint keep a
series of its own with thousands of names (:mod:`.endpoint_history`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence


def _mean(a: float, b: float) -> float:
    """The mean of two values, where NaN (no value: a window without requests has no latency) is
    left out: a gap merged with a value is that value, and only two gaps make a gap."""
    if a != a:
        return b
    if b != b:
        return a
    return (a + b) / 2


class DownsampledSeries:
    """Rows of equal length (time first), oldest first, at most ``capacity`` of them."""

    __slots__ = ("_values", "_width", "capacity")

    def __init__(self, capacity: int) -> None:
        if capacity < 4:
            raise ValueError("capacity must be at least 4")
        self.capacity = capacity
        self._values = array("d")
        self._width = 0

    def append(self, row: Sequence[float]) -> None:
        if not self._width:
            self._width = len(row)
        elif len(row) != self._width:
            raise ValueError(f"a row of {len(row)} values in a series of rows of {self._width}")
        self._values.extend(float(v) for v in row)
        while len(self) > self.capacity:
            self._halve()

    def resize(self, capacity: int) -> None:
        """A new capacity; a smaller one thins the rows already kept at once."""
        if capacity < 4:
            raise ValueError("capacity must be at least 4")
        self.capacity = capacity
        while len(self) > capacity:
            self._halve()

    def _halve(self) -> None:
        width, values = self._width, self._values
        count = len(values) // width
        merged = array("d")
        for pair in range(count // 2):
            first = pair * 2 * width
            second = first + width
            merged.append(values[first])
            merged.extend(_mean(values[first + i], values[second + i]) for i in range(1, width))
        if count % 2:  # an odd last row is kept as it is
            merged.extend(values[(count - 1) * width :])
        self._values = merged

    def __len__(self) -> int:
        return len(self._values) // self._width if self._width else 0

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        width, values = self._width, self._values
        for start in range(0, len(values), width or 1):
            yield tuple(values[start : start + width])

    def column(self, index: int) -> tuple[float, ...]:
        if not self._width:
            return ()
        return tuple(self._values[index :: self._width])

    @property
    def rows(self) -> list[tuple[float, ...]]:
        return list(self)

    @property
    def nbytes(self) -> int:
        """The memory the values take (the buffer's allocation may be up to an eighth more)."""
        return len(self._values) * self._values.itemsize
