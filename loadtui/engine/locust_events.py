"""Locust's global event hooks, kept per locustfile: a run sees the listeners its locustfile added.

``locust.events`` is one object for the whole process: a locustfile's ``@events.test_start`` adds a
listener to it when the file is imported, and every Runner adds its own (``request``,
``spawning_complete``, ``user_error``...) when it is created. ``locust`` runs one test per process,
so that never matters there. loadtui runs several in one process (the picker's next run, a
profile with another locustfile): without this module a second run would fire the first
locustfile's hooks too, and count every request in the first run's stats as well.

So the listeners on each hook are recorded before and after a locustfile is imported, and before
each run the hooks are set back to what Locust and its plugins had plus what that locustfile added
(:func:`activate`). Listeners added while a run goes (in an ``init`` hook, by the run's Runner) last
until the next run is activated, as they would last until the end of a ``locust`` process.

EventHook keeps its listeners in ``_handlers``, a private list; :data:`AVAILABLE` says whether this
Locust still has it. Without it nothing is reset: loadtui then works as ``locust`` does with one run
per process, and the app warns before a second run in the same process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import locust
from locust.event import EventHook

logger = logging.getLogger(__name__)

Listeners = Mapping[str, tuple[Callable[..., Any], ...]]
"""Hook name -> its listeners, in the order Locust calls them."""


def _check() -> bool:
    hook = EventHook()
    return isinstance(getattr(hook, "_handlers", None), list)


AVAILABLE = _check()
"""Whether EventHook still keeps its listeners in a ``_handlers`` list (Locust 2.x does)."""

if not AVAILABLE:  # pragma: no cover - only with a Locust that changed EventHook
    logger.warning("this Locust's EventHook has no _handlers list: hooks are not reset between runs")


def _hooks(events: Any = None) -> dict[str, EventHook]:
    events = events if events is not None else locust.events
    return {name: hook for name, hook in vars(events).items() if isinstance(hook, EventHook)}


def current(events: Any = None) -> dict[str, tuple[Callable[..., Any], ...]]:
    """The listeners on every hook of ``events`` (``locust.events`` by default), now."""
    if not AVAILABLE:
        return {}
    return {name: tuple(hook._handlers) for name, hook in _hooks(events).items()}


def added(before: Listeners, after: Listeners) -> dict[str, tuple[Callable[..., Any], ...]]:
    """The listeners in ``after`` that were not in ``before``, per hook (in their order)."""
    out: dict[str, tuple[Callable[..., Any], ...]] = {}
    for name, handlers in after.items():
        old = set(map(id, before.get(name, ())))
        new = tuple(h for h in handlers if id(h) not in old)
        if new:
            out[name] = new
    return out


@dataclass
class HookRegistry:
    """What Locust (and its plugins) put on ``locust.events``, and what each locustfile added."""

    events: Any = None
    """The Events object (``locust.events`` unless a test gives its own)."""
    base: dict[str, tuple[Callable[..., Any], ...]] = field(default_factory=dict)
    """The listeners before any locustfile was imported: Locust's own and its plugins'."""
    owners: dict[str, dict[str, tuple[Callable[..., Any], ...]]] = field(default_factory=dict)
    """Locustfile key -> the listeners importing it added."""

    def __post_init__(self) -> None:
        self.base = current(self.events)

    def importing(self, key: str, load: Callable[[], Any]) -> Any:
        """Runs ``load()`` (the import of locustfile ``key``) and records the listeners it adds.

        They are taken off the hooks again at once, so that importing a file (to show its classes
        in the picker, say) never changes what a run in progress fires; :meth:`activate` puts them
        back for a run of that file. A file imported again replaces its record.
        """
        if not AVAILABLE:
            return load()
        before = current(self.events)
        try:
            return load()
        finally:
            new = added(before, current(self.events))
            self.owners[key] = new
            hooks = _hooks(self.events)
            for name, handlers in new.items():
                for handler in handlers:
                    hooks[name].remove_listener(handler)

    @contextmanager
    def only(self, hook_name: str, keys: Iterable[str]) -> Iterator[None]:
        """Just while the block runs, hook ``hook_name`` has Locust's listeners plus those the
        locustfiles ``keys`` added; then it has what it had. For ``init_command_line_parser``:
        parsing for one locustfile must not change what a run in progress fires."""
        if not AVAILABLE:
            yield
            return
        hook = _hooks(self.events)[hook_name]
        saved = list(hook._handlers)
        owned = [self.owners.get(key, {}) for key in keys]
        hook._handlers[:] = [*self.base.get(hook_name, ()), *(h for own in owned for h in own.get(hook_name, ()))]
        try:
            yield
        finally:
            hook._handlers[:] = saved

    def activate(self, keys: Iterable[str]) -> None:
        """Sets every hook back to Locust's own listeners plus those the locustfiles ``keys`` added."""
        if not AVAILABLE:
            return
        owned = [self.owners.get(key, {}) for key in keys]
        for name, hook in _hooks(self.events).items():
            hook._handlers[:] = [*self.base.get(name, ()), *(h for own in owned for h in own.get(name, ()))]


_registry: HookRegistry | None = None


def registry() -> HookRegistry:
    """The process's registry, created (its base recorded) on first use, before any import."""
    global _registry
    if _registry is None:
        _registry = HookRegistry()
    return _registry
