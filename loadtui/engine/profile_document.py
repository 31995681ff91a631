"""Editing profiles.toml's text in place: one [profiles.NAME] table at a time, the rest byte for byte.

tomlkit parses the file keeping its comments, blank lines, key order and inline tables, and writes
it back unchanged; this module makes the edits a save needs on top of that: put a profile's table
(in place of an existing one, keeping the keys the caller says are unchanged as written; or after
the last profile), rename it where it stands, delete it, change the locustfile paths.

Comments are owned this way: the comment lines right above a table's header (no blank line
between) belong to that table, and so do the lines after its last key; the comments above the
first table belong to the file. tomlkit itself keeps the lines above a header at the end of the
table before it, so the first thing done to a document is moving them (:class:`ProfilesDocument`).

New values are written the way the packaged file and the README write them: weights and
thresholds as their own [tables], a limit as ``{ warn = N, fail = N }``, stages as a list of inline
tables, one a line, endpoint limits as [[...endpoints]] tables.

Nothing here knows what a profile means; :mod:`.profile_saving` decides what to write and checks
that the text it gets back means exactly that, so a tomlkit that renders differently can make a
save fail, never write the wrong profiles. Beyond tomlkit's public API this uses the containers'
``body`` lists (it pops keyless lines off their ends) and a table's ``trivia.indent`` (the text
before its header); tests/unit/test_profile_layout.py checks the bytes, and passes on tomlkit
0.13.0 and 0.15.2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AbstractTable, AoT, Comment, InlineTable, Item, Null, Table, Whitespace
from tomlkit.toml_document import TOMLDocument


class LayoutError(ValueError):
    """The file is laid out in a way these edits do not handle (``profiles = { ... }`` on one line)."""


class ProfilesDocument:
    """One profiles.toml text, to edit in place and render again."""

    def __init__(self, text: str) -> None:
        self.source = text
        self.document = tomlkit.parse(text)
        _give_tables_their_leading_comments(self.document)
        if self.document.as_string() != text:  # a layout the move does not know: leave the comments be
            self.document = tomlkit.parse(text)

    def text(self) -> str:
        text = self.document.as_string()
        if text.endswith("\n\n") and not self.source.endswith("\n\n"):
            text = text.rstrip("\n") + "\n"  # the last table deleted: its separator goes too
        return text

    def delete(self, name: str) -> None:
        """Deletes [profiles.NAME] and its sub-tables, with the comment lines that belong to it."""
        with _as_layout_errors():
            del _holding(self.document, name)[name]

    def put(
        self, name: str, table: Mapping[str, Any], *, old_name: str | None = None, keep: Collection[str] = ()
    ) -> None:
        """Writes [profiles.NAME] as ``table`` (plain TOML values) says.

        With ``old_name``, that profile's table is edited where it stands and renamed to ``name``:
        the keys in ``keep`` (their values are unchanged) stay as written, the others are changed,
        added or deleted to match ``table``. Without, a new table goes after the last profile.
        """
        with _as_layout_errors():
            if old_name is None:
                _add(self.document, name, table)
                return
            holder = _holding(self.document, old_name)
            current = holder[old_name]
            if not isinstance(current, AbstractTable):
                raise LayoutError(f"[profiles.{old_name}] is not a table")
            _update(current, table, keep)
            if old_name != name:
                _rename(holder, old_name, name)

    def change_locustfiles(self, change: Callable[[Any], Any]) -> None:
        """Sets every ``locustfile`` (in [defaults] and the profiles) to ``change(value)``, if it differs."""
        tables = [self.document["defaults"]] if "defaults" in self.document else []
        tables += [holder[name] for holder in _profile_tables(self.document) for name in holder]
        for table in tables:
            if isinstance(table, AbstractTable) and "locustfile" in table:
                value = _plain(table["locustfile"])
                changed = change(value)
                if changed != value:
                    table["locustfile"] = changed


@contextlib.contextmanager
def _as_layout_errors() -> Iterator[None]:
    """tomlkit refusing an edit is the layout's doing, not the profile's."""
    try:
        yield
    except TOMLKitError as exc:
        raise LayoutError(str(exc)) from exc


def _profile_tables(document: TOMLDocument) -> list[Table]:
    """The tables that hold [profiles.NAME] tables: one, or more when [defaults] splits them.

    (None when the file writes ``profiles = { ... }`` on one line: such a file is not edited.)
    """
    return [
        item for key, item in document.body if key is not None and key.key == "profiles" and isinstance(item, Table)
    ]


def _holding(document: TOMLDocument, name: str) -> Table:
    for table in _profile_tables(document):
        if name in table:
            return table
    raise LayoutError(f"no [profiles.{name}] table found")


def _last_container(item: Item) -> Container | None:
    """The container whose end is the end of ``item``'s text: where the lines before the next
    header are kept (tomlkit keeps them at the end of the table above)."""
    container = None
    while True:
        if isinstance(item, AoT):
            if not item.body:
                return container
            item = item.body[-1]
        if not isinstance(item, Table):
            return container
        container = item.value
        entries = [(key, value) for key, value in container.body if not isinstance(value, Null)]
        if not entries or entries[-1][0] is None:
            return container
        item = entries[-1][1]


def _trailing_lines(container: Container, *, comments_only: bool) -> list[Item]:
    """Takes the comment (and, unless ``comments_only``, blank) lines off the end of ``container``."""
    taken: list[Item] = []
    body = container.body
    while body and body[-1][0] is None:
        item = body[-1][1]
        if not (isinstance(item, Comment | Null) or (isinstance(item, Whitespace) and not comments_only)):
            break
        body.pop()  # keyless entries at the end: no index in the container's key map points at them
        if not isinstance(item, Null):
            taken.append(item)
    return taken[::-1]


def _give_tables_their_leading_comments(document: TOMLDocument) -> None:
    """Moves the comment lines right above each table header into that table's own text.

    tomlkit keeps them at the end of the table above, so that deleting a table would take the
    next one's comment with it, and adding one would put it between a comment and its table.
    The rendered text is unchanged.
    """
    above: Item | None = None
    for key, item in document.body:
        if key is None:
            above = None
            continue
        children: list[Item]
        if isinstance(item, Table) and item.is_super_table():
            children = [child for _, child in item.value.body if isinstance(child, Table | AoT)]
        else:
            children = [item]
        for child in children:
            header = child.body[0] if isinstance(child, AoT) and child.body else child
            container = _last_container(above) if above is not None else None
            if isinstance(header, Table) and not header.is_super_table() and container is not None:
                lines = _trailing_lines(container, comments_only=True)
                header.trivia.indent = "".join(line.as_string() for line in lines) + header.trivia.indent
            above = child


def _update(table: AbstractTable, new: Mapping[str, Any], keep: Collection[str]) -> None:
    """Edits one profile's table key by key into ``new``; the keys in ``keep`` stay as written."""
    container = _last_container(table) if isinstance(table, Table) else None
    tail = _trailing_lines(container, comments_only=False) if container is not None else []
    for key in list(table):
        if key in keep:
            continue
        if key in new:
            _set(table, key, new[key], top=True)
        else:
            del table[key]
    for key, value in new.items():
        if key not in table:
            _append(table, key, _item(key, value, top=True, inline=isinstance(table, InlineTable)))
    end = _last_container(table) if isinstance(table, Table) else None
    if end is not None:
        if tail and isinstance(tail[0], Whitespace) and _ends_with_blank_line(end):
            tail = tail[1:]  # a sub-table deleted: the blank line above it and the one below are one
        for line in tail:
            end.add(line)


def _ends_with_blank_line(container: Container) -> bool:
    entries = [item for _, item in container.body if not isinstance(item, Null)]
    return bool(entries) and isinstance(entries[-1], Whitespace)


def _set(table: AbstractTable, key: str, value: Any, *, top: bool = False) -> None:
    """``table[key] = value``, changing as little of what is written as it can."""
    current = table[key]
    if _plain(current) == value:
        return
    if isinstance(value, dict) and isinstance(current, AbstractTable):
        for sub in list(current):
            if sub not in value:
                del current[sub]
        for sub, sub_value in value.items():
            if sub in current:
                _set(current, sub, sub_value)
            else:
                _append(current, sub, _item(sub, sub_value, inline=isinstance(current, InlineTable)))
        return
    item = _item(key, value, top=top, inline=isinstance(table, InlineTable))
    if isinstance(current, Table | AoT) != isinstance(item, Table | AoT):
        del table[key]  # a [table] cannot stand where a key = value line was, nor the other way round
        _append(table, key, item)
    else:
        table[key] = item


def _append(table: AbstractTable, key: str, item: Item) -> None:
    """Adds a new key (a value goes before the table's sub-tables, a sub-table after them).

    Not ``table[key] = item``: for a [table] that copies the indentation of the table's header
    line to the new key, and the text before that header holds the comment lines above it.
    """
    if isinstance(table, Table):
        table.raw_append(key, item)
        return
    # In { a = 1 }, after the last key and its space, spaced like the keys before it.
    body = table.value.body
    closing = body[-1][1] if body and body[-1][0] is None else None
    if isinstance(closing, Whitespace):
        body.pop()
    if len(table):
        item.trivia.indent = " "
    table.append(key, item)
    if isinstance(closing, Whitespace):
        table.add(closing)


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _item(key: str, value: Any, *, top: bool = False, inline: bool = False) -> Item:
    """A value as written for a key of a profile (``top``) or of a table in it.

    Written the way the packaged file and the README write them: weights and thresholds as their
    own [tables], a limit as ``{ warn = N, fail = N }``, stages as a list of inline tables, one a
    line, and endpoint limits as [[...endpoints]] tables.
    """
    if inline:
        return _inline(value)
    if top and key == "ramp":
        return _inline(value)  # ramp = { start = 2, step = 4, every = "30s", max = 500 }, as the README writes it
    if top and key == "stages":
        stages = tomlkit.array()
        stages.extend(_inline(stage) for stage in value)
        return stages.multiline(True)
    if key == "endpoints" and not top and isinstance(value, list):
        endpoints = tomlkit.aot()
        for limits in value:
            element = tomlkit.table()
            for name, limit in limits.items():
                element.raw_append(name, _inline(limit))
            endpoints.append(element)
        return endpoints
    if top and isinstance(value, dict):
        table = tomlkit.table()
        for name, sub_value in value.items():
            table.raw_append(name, _item(name, sub_value))
        return table
    return _inline(value)


def _inline(value: Any) -> Item:
    """A value on one line; a table as ``{ key = value, ... }``, spaced as the packaged file's."""
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        if value:
            table.add(tomlkit.ws(" "))
            for name, sub_value in value.items():
                table.append(name, _inline(sub_value))
            table.add(tomlkit.ws(" "))
        return table
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(_inline(v) for v in value)
        return array
    return tomlkit.item(value)


def _add(document: TOMLDocument, name: str, new: Mapping[str, Any]) -> None:
    """A new [profiles.NAME] table after the last profile, one blank line above it."""
    holders = _profile_tables(document)
    if not holders:
        raise LayoutError("no [profiles.NAME] tables to add one after")
    holder = holders[-1]
    table = tomlkit.table()
    for key, value in new.items():
        table.raw_append(key, _item(key, value, top=True))
    above = holder.as_string()  # the text the new table follows
    holder.raw_append(name, table)
    table.trivia.indent = "" if above.endswith("\n\n") else "\n" if above.endswith("\n") else "\n\n"
    if document.body[-1][1] is not holder:  # more tables follow: keep a blank line before them
        closing = _last_container(table)
        if closing is not None:
            closing.add(tomlkit.ws("\n"))


def _rename(holder: Table, old_name: str, new_name: str) -> None:
    """[profiles.old] becomes [profiles.new] where it stands (the 1..9 keys follow file order).

    tomlkit has no public rename: the tables from the renamed one on are taken out and put back
    in order, each keeping the text above its header (which putting it back would reset).
    """
    names = list(holder)
    moved = [(name, holder[name]) for name in names[names.index(old_name) :]]
    for name, _ in moved:
        del holder[name]
    for name, item in moved:
        indent = item.trivia.indent if isinstance(item, Table) else None
        holder.raw_append(new_name if name == old_name else name, item)
        if isinstance(item, Table) and indent is not None:
            item.trivia.indent = indent
