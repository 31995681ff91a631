"""The locustfile's User classes as a profile wants them: class weights and tag filters that can change mid-run.

Locust reads a class's ``weight`` when it dispatches users, and filters tasks by tags by rewriting
the ``tasks`` lists of the User classes (and nested TaskSets) in place, once per Environment.
Keeping the original weights and lists lets a profile switch set other weights and filter again
with Locust's own :func:`filter_tasks_by_tags`; running users pick their next task from the
class's list, so a new filter takes effect at their next task. Everything is put back at the end
of the run (:meth:`UserClasses.restore`), so the next run starts from the locustfile as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from locust.user.task import filter_tasks_by_tags

TAGS_MESSAGE = "loadtui:tags"
"""Master -> loadtui worker: ``{"tags": [...], "exclude_tags": [...]}``, applied at once."""


def has_tasks(cls: Any) -> bool:
    return bool(getattr(cls, "tasks", None)) or bool(getattr(cls, "functions", None))


class TaskFilter:
    """Remembers every task list of ``user_classes`` as it was, to filter again at will."""

    def __init__(self, user_classes: Iterable[Any]) -> None:
        self.user_classes = list(user_classes)
        self.original: dict[Any, list[Any]] = {}
        pending: list[Any] = list(self.user_classes)
        while pending:
            holder = pending.pop()
            if holder in self.original:
                continue
            tasks = list(getattr(holder, "tasks", []) or [])
            self.original[holder] = tasks
            pending.extend(task for task in tasks if hasattr(task, "tasks"))

    def restore(self) -> None:
        for holder, tasks in self.original.items():
            holder.tasks = list(tasks)

    def apply(self, tags: Sequence[str], exclude_tags: Sequence[str]) -> list[str]:
        """Filters from the original lists; returns the names of the classes left with no task.

        Empty ``tags`` means no tag filter (every task runs), as when Locust is given no --tags.
        """
        self.restore()
        checked: dict[Any, bool] = {}
        include = set(tags) if tags else None
        exclude = set(exclude_tags) if exclude_tags else None
        empty = []
        for cls in self.user_classes:
            filter_tasks_by_tags(cls, include, exclude, checked)
            if not has_tasks(cls):
                empty.append(cls.__name__)
        return empty


class UserClasses:
    """The classes a run uses, their weights and tag filters, and how to put them back."""

    def __init__(self, classes: Sequence[Any]) -> None:
        self.classes = list(classes)
        self.original_weights = {cls.__name__: int(getattr(cls, "weight", 1)) for cls in self.classes}
        self.tasks = TaskFilter(self.classes)

    def keep_all(self) -> None:
        """Every class at least weight 1, so that Environment keeps it: it drops classes of weight
        0 for good, and a later profile may give them a weight. The profile's weights follow."""
        for cls in self.classes:
            cls.weight = max(1, self.original_weights[cls.__name__])

    def apply_weights(self, weights: Mapping[str, int]) -> bool:
        """Sets each class's weight (the locustfile's, with ``weights`` on top); True if any changed.

        A class left with no task after tag filtering gets weight 0: it is not spawned."""
        wanted = {**self.original_weights, **dict(weights)}
        changed = False
        for cls in self.classes:
            new = wanted.get(cls.__name__, cls.weight) if has_tasks(cls) else 0
            if cls.weight != new:
                cls.weight = new
                changed = True
        return changed

    def filter_tags(self, tags: Sequence[str], exclude_tags: Sequence[str]) -> list[str]:
        """Filters every class's tasks; returns the classes left with none."""
        return self.tasks.apply(tags, exclude_tags)

    def weights(self) -> dict[str, int]:
        """The weights in force now (what a saved profile records)."""
        return {cls.__name__: int(cls.weight) for cls in self.classes}

    def restore(self) -> None:
        self.tasks.restore()
        for cls in self.classes:
            cls.weight = self.original_weights[cls.__name__]


def config_users(options: Any) -> list[Any]:
    """Locust's ``--config-users`` values, flattened (each may be a list of user configs)."""
    found = getattr(options, "config_users", None) or []
    return [config for group in found for config in (group if isinstance(group, list) else [group])]
