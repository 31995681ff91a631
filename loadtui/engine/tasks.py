"""Tag filtering that can be changed during a run.

Locust filters tasks by tags by rewriting the ``tasks`` lists of the User classes (and nested
TaskSets) in place, once per Environment. Keeping the original lists lets a profile switch put
them back and filter again with Locust's own :func:`filter_tasks_by_tags`. Running users pick
their next task from the class's list, so the change takes effect at their next task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from locust.user.task import filter_tasks_by_tags

TAGS_MESSAGE = "loadtui:tags"
"""Master -> loadtui worker: ``{"tags": [...], "exclude_tags": [...]}``, applied at once."""


def _has_tasks(cls: Any) -> bool:
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
            if not _has_tasks(cls):
                empty.append(cls.__name__)
        return empty

    @staticmethod
    def has_tasks(cls: Any) -> bool:
        return _has_tasks(cls)
