"""Saving profiles.toml from the app, with the questions a person must answer first: the one save flow.

The editor's Save, the picker's Delete and the dashboard's ``S`` (the live settings as a new
profile) all come here. A save over a file that changed on disk since it was read asks whether
to reload (keeping what was typed) or overwrite; the first save over the packaged profiles asks
before it creates ./profiles.toml.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from loadtui.engine import profile_loading, profile_saving
from loadtui.engine import profiles as profiles_mod
from loadtui.engine.profiles import Profile, ProfileError, ProfileSet

from .widgets.dialogs import ConfirmDialog, QuestionDialog


class SaveConflictDialog(QuestionDialog):
    """profiles.toml changed on disk since it was read: reload (keeping the form), or overwrite.

    An edit of an existing profile must not be written over another change to the same profile
    without the person seeing that change first; a new profile is saved into the reloaded file.
    """

    BINDINGS = [
        Binding("l", "choose('reload')", "Reload", id="save-conflict-reload"),
        Binding("o", "choose('overwrite')", "Overwrite", id="save-conflict-overwrite"),
        Binding("escape", "cancel", "Cancel", id="save-conflict-cancel"),
    ]


async def save_profiles(
    app: App[Any],
    profile_set: ProfileSet,
    *,
    put: Profile | None = None,
    replace_name: str | None = None,
    delete: str | None = None,
    what: str,
) -> tuple[str, ProfileSet | None]:
    """:func:`profile_saving.save` with the questions a person must answer first.

    Returns ("saved", new set), ("reloaded", the file as now on disk), ("cancelled", None) or
    ("failed", None). Either set is also put in ``app.profiles`` (what the picker and the 1-9
    keys read). Must run in a worker (it waits for dialogs).
    """
    target = profile_saving.save_target(profile_set)
    question: ConfirmDialog | None = None
    if profile_set.packaged:
        question = ConfirmDialog(
            "Create ./profiles.toml?",
            f"The packaged default profiles are in use. Saving {what} creates {target.absolute()}: "
            "a copy of them plus this change, which loadtui reads from then on when started in this directory."
            "\n\ny: create it   n: not now",
        )
    if question is not None and await app.push_screen_wait(question) != "yes":
        return "cancelled", None
    force = False
    while True:
        try:
            saved = profile_saving.save(profile_set, put=put, replace_name=replace_name, delete=delete, force=force)
        except profiles_mod.ProfileConflict as exc:
            # A new profile can go into the file as it is now without overwriting anything; an
            # edit or a delete waits for the person to see the other change first.
            adding = put is not None and replace_name is None and delete is None
            if adding:
                after = "then this new profile is saved into it"
            elif put:
                after = "your changes stay in the form: save again to apply them"
            else:
                after = "nothing is deleted yet"
            message = Text.assemble(
                str(exc),
                "\n\n",
                ("l", "bold"),
                f"  reload: read the file again, keeping the other change; {after}\n",
                ("o", "bold"),
                f"  overwrite: write yours and lose the other change ({target.name}.bak keeps it)",
            )
            choice = await app.push_screen_wait(SaveConflictDialog("profiles.toml changed on disk", message))
            if choice == "overwrite":
                force = True
                continue
            if choice == "reload":
                try:
                    reloaded = profile_loading.load(profile_set.path)
                except ProfileError as load_error:
                    app.notify(str(load_error), title="Cannot reload", severity="error")
                    return "failed", None
                app.profiles = reloaded  # type: ignore[attr-defined]
                if adding and put is not None and put.name not in reloaded.profiles:
                    profile_set = reloaded
                    continue
                app.notify(f"Reloaded {profile_set.path}: {what} is not saved yet", title="Reloaded", timeout=6)
                return "reloaded", reloaded
            return "cancelled", None
        except ProfileError as exc:
            app.notify(str(exc), title="Not saved", severity="error")
            return "failed", None
        app.profiles = saved  # type: ignore[attr-defined]
        verb = "Deleted" if delete is not None and put is None else "Saved"
        created = " (created)" if profile_set.packaged else ""
        number = saved.names.index(put.name) + 1 if put is not None and put.name in saved.names else 0
        key = f", key {number} in a run" if 1 <= number <= 9 else ""
        app.notify(f"{verb} {what}: {target}{created}{key}", timeout=6)
        return "saved", saved
