"""Keeping full garbage collections from stalling the screen: the startup heap frozen once a run shows."""

from __future__ import annotations

import gc

FULL_GC_EVERY = 100
"""Young collections between two full ones (CPython's default is 10)."""


def settle() -> None:
    """Freezes the heap the app started with; makes full collections of the rest rarer.

    A full collection walks every tracked object. Textual, Locust and their modules make 200,000
    of them before a run starts, so each one paused the app 60-130 ms on a 2-core machine, every
    2-3 s with thousands of names: most of the slow key presses (bench/RESULTS.md). Those objects
    live as long as the process, so they leave the collector's reach (``gc.freeze``, as Locust
    does before it forks workers), and full collections of the rest are made rarer. Frozen
    objects are still freed when nothing refers to them; only those of the first run that end
    up in a reference cycle stay, once.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_EVERY)
