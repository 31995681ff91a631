"""The profile editor: a form for every profile field, checked by the same code that loads the file.

Every field's text is read as a TOML value would be (``10`` is a number, ``x`` a string) and
handed to :func:`profile_fields.resolve`, so a bad value gets the message loading profiles.toml would
give (``[profiles.heavy] users: expected a positive integer, got "x"``), without the file and
line, which do not exist yet. The whole candidate file is then built and read back with
:func:`profile_loading.loads`, and Save stays disabled until it reads back as the form says: nothing
invalid can be saved.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from loadtui.engine import profile_fields, profile_loading, profile_saving
from loadtui.engine import profiles as profiles_mod
from loadtui.engine import thresholds as thresholds_mod
from loadtui.engine.profile_lines import Where
from loadtui.engine.profiles import Profile, ProfileError, ProfileSet, Stage

from ..profile_saving import save_profiles
from ..widgets import update_if_changed
from ..widgets.dialogs import ConfirmDialog

# --- text <-> values --------------------------------------------------------------------------------


def literal(text: str) -> Any:
    """What ``text`` is as a TOML value: ``10`` -> 10, ``1.5`` -> 1.5, ``x`` -> ``"x"``.

    So that a typed value is judged exactly as the same text written in profiles.toml would be.
    """
    stripped = text.strip()
    try:
        return tomllib.loads(f"v = {stripped}")["v"]
    except tomllib.TOMLDecodeError:
        return stripped


def number_text(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def limit_value(warn: str, fail: str) -> Any:
    """The TOML a warn/fail pair is written as: a bare number with no warning, else a table."""
    if not warn.strip():
        return literal(fail)
    value: dict[str, Any] = {"warn": literal(warn)}
    if fail.strip():
        value["fail"] = literal(fail)
    return value


def file_message(error: ProfileError) -> str:
    """A resolve() message without its "command line: " origin: the file's message minus file:line."""
    return str(error).removeprefix("command line: ")


def unique_name(base: str, taken: Iterable[str]) -> str:
    names = set(taken)
    if base not in names:
        return base
    number = 2
    while f"{base}-{number}" in names:
        number += 1
    return f"{base}-{number}"


METRIC_HINTS = {
    "p50_ms": "ms, at most",
    "p90_ms": "ms, at most",
    "p95_ms": "ms, at most",
    "p99_ms": "ms, at most",
    "max_ms": "ms, at most",
    "avg_ms": "ms, at most",
    "fail_ratio": "fraction, 0.01 = 1%",
    "rps_min": "req/s, at least",
    "rss_growth_mb": "MiB, at most",
    "rss_slope_mb_per_min": "MiB/min, at most",
}


class FormInput(Input):
    """A compact one-line input whose cursor does not blink.

    A blinking cursor repaints twice a second, which over SSH is traffic for nothing (and makes
    screenshots depend on timing).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, compact=True, **kwargs)
        self.cursor_blink = False


# --- rows that can be added and removed --------------------------------------------------------------


class StageRow(Horizontal):
    """One stage: duration, users, spawn rate, its target rate (optional), and a button that removes the row."""

    def __init__(self, stage: Stage | None = None) -> None:
        super().__init__(classes="form-row stage-row")
        self.stage = stage

    def compose(self) -> ComposeResult:
        stage = self.stage
        yield FormInput(stage.duration if stage else "", placeholder="30s", classes="stage-duration")
        yield FormInput(str(stage.users) if stage else "", placeholder="users", classes="stage-users")
        yield FormInput(number_text(stage.spawn_rate) if stage else "", placeholder="rate/s", classes="stage-rate")
        yield FormInput(
            number_text(stage.rate) if stage and stage.rate is not None else "",
            placeholder="runs/s",
            classes="stage-target-rate",
        )
        yield Button("✗ remove", classes="remove-row")

    def value(self) -> dict[str, Any]:
        out = {}
        for key, css in (
            ("duration", ".stage-duration"),
            ("users", ".stage-users"),
            ("spawn_rate", ".stage-rate"),
            ("rate", ".stage-target-rate"),
        ):
            text = self.query_one(css, Input).value
            if text.strip():
                out[key] = literal(text)
        return out


class EndpointLimitRow(Horizontal):
    """One endpoint threshold: name pattern, metric, warn, fail."""

    def __init__(self, pattern: str = "", metric: str = "p95_ms", limit: thresholds_mod.Limit | None = None) -> None:
        super().__init__(classes="form-row endpoint-row")
        self.pattern = pattern
        self.metric = metric
        self.limit = limit

    def compose(self) -> ComposeResult:
        yield FormInput(self.pattern, placeholder="/api/*", classes="endpoint-pattern")
        yield Select(
            [(m, m) for m in thresholds_mod.METRICS],
            value=self.metric,
            allow_blank=False,
            classes="endpoint-metric",
            compact=True,
        )
        warn = self.limit.warn if self.limit else None
        fail = self.limit.fail if self.limit else None
        yield FormInput(number_text(warn), placeholder="warn", classes="endpoint-warn")
        yield FormInput(number_text(fail), placeholder="fail", classes="endpoint-fail")
        yield Button("✗ remove", classes="remove-row")

    def value(self) -> tuple[str, str, str, str]:
        metric = self.query_one(Select).value
        return (
            self.query_one(".endpoint-pattern", Input).value.strip(),
            str(metric),
            self.query_one(".endpoint-warn", Input).value,
            self.query_one(".endpoint-fail", Input).value,
        )


# --- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What the form holds, once checked: the profile to save, or the messages saying why not."""

    profile: Profile | None
    errors: Mapping[str, str]
    """Section (``name``, ``users``, ``weights``, ``stages``, ``thresholds``, ``file``...) -> message."""

    @property
    def valid(self) -> bool:
        return self.profile is not None and not self.errors


RAMP_FIELDS = (("start", "start"), ("step", "step"), ("every", "every 30s"), ("max", "max"), ("settle", "settle"))
"""The ramp's inputs (``#ramp-KEY``) and their placeholders."""

FIELD_KEYS = ("name", "description", "users", "spawn_rate", "rate", "run_time", "tags", "exclude_tags")
"""The one-line fields (each has an input ``#field-KEY`` and a message line ``#error-KEY``)."""


class ProfileEditor(Screen[str | None]):
    """Dismisses with the saved profile's name, or None when left without saving.

    ``original`` is the name of the profile being edited (None for a new one or a copy); a
    save replaces it in place, so a rename keeps the profile's position (and its 1-9 key).
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor-save"),
        Binding("escape", "cancel", "Cancel", id="editor-cancel"),
        # The app's q quits at once; here it would throw the form away unasked: it asks, as Esc does.
        Binding("q", "cancel", "Back", show=False, id="editor-back"),
    ]

    def __init__(
        self,
        profile_set: ProfileSet,
        start: Profile,
        *,
        original: str | None = None,
        locustfile: Any = None,
        heading: str = "",
    ) -> None:
        super().__init__()
        self.profile_set = profile_set
        self.start = start
        self.original = original
        self.locustfile = locustfile
        """The loaded locustfile (its User classes are offered for weights), or None if it does not load."""
        self.heading = heading or (f"Edit profile {original}" if original else "New profile")
        self.checked = Checked(None, {})
        self._initial_form: Any = None

    # --- layout ------------------------------------------------------------------------------

    @property
    def classes_offered(self) -> list[str]:
        names = list(getattr(self.locustfile, "user_classes", {}) or {})
        return names + [name for name in self.start.weights if name not in names]

    def _class_default(self, name: str) -> str:
        if self.locustfile is None or name not in getattr(self.locustfile, "user_classes", {}):
            return "not in the locustfile"
        try:
            weight = self.locustfile.weights(replace(self.start, weights={})).get(name)
        except Exception:  # a test double or an odd locustfile: the hint is optional
            return "locustfile's weight"
        return f"locustfile: {weight}"

    def compose(self) -> ComposeResult:
        start = self.start
        target = profile_saving.save_target(self.profile_set)
        title = Text.assemble((self.heading, "bold"), ("  in ", "dim"), str(self.profile_set.path))
        if self.profile_set.packaged:
            title.append(f"\nPackaged defaults in use: saving creates {target} (a copy plus this change)")
        yield Static(title, id="editor-title")
        with VerticalScroll(id="editor-form"):
            yield from self._field("name", "name", start.name, "letters, digits, _ and -")
            yield from self._field("description", "description", start.description, "")
            yield from self._field("users", "users", str(start.users), "a positive integer")
            yield from self._field(
                "spawn_rate", "spawn rate", number_text(start.spawn_rate), "users started per second"
            )
            yield from self._field(
                "rate",
                "target rate",
                number_text(start.rate) if start.rate is not None else "",
                "task runs/s, all users; empty: not paced",
            )
            yield from self._field("run_time", "run time", start.run_time or "", "30s, 5m, 1h30m; empty: until stopped")
            yield from self._field("tags", "tags", ", ".join(start.tags), "comma-separated; empty: every task")
            yield from self._field("exclude_tags", "exclude tags", ", ".join(start.exclude_tags), "comma-separated")

            yield Static(Text("User class weights", style="bold"), classes="form-section")
            if self.locustfile is None:
                yield Static("! The locustfile does not load: weights are shown as saved", classes="form-note")
            for index, cls in enumerate(self.classes_offered):
                weight = start.weights.get(cls)
                with Horizontal(classes="form-row"):
                    yield Label(cls, classes="form-label")
                    yield FormInput(
                        "" if weight is None else str(weight),
                        placeholder=self._class_default(cls),
                        id=f"weight-{index}",
                        classes="weight-input",
                    )
            if not self.classes_offered:
                yield Static("(no User classes found)", classes="form-note")
            yield Static(classes="field-error", id="error-weights")

            yield Static(
                Text("Stages", style="bold")
                + Text("  duration, users, spawn rate, target rate (task runs/s)", style="dim"),
                classes="form-section",
            )
            with Vertical(id="stage-rows"):
                for stage in start.stages:
                    yield StageRow(stage)
            yield Button("+ stage", id="add-stage")
            yield Static(classes="field-error", id="error-stages")

            yield Static(
                Text("Ramp to the limit", style="bold")
                + Text(
                    "  of users or rate, start, step, every, max, settle: ends at the first failing step", style="dim"
                ),
                classes="form-section",
            )
            ramp = start.ramp
            with Horizontal(classes="form-row ramp-row"):
                yield Select(
                    [("users", "users"), ("rate", "rate")],
                    value="users" if ramp is None else ramp.of,
                    allow_blank=False,
                    id="ramp-of",
                    compact=True,
                )
                for key, placeholder in RAMP_FIELDS:
                    value = None if ramp is None else getattr(ramp, key)
                    yield FormInput(
                        value if isinstance(value, str) else number_text(value),
                        placeholder=placeholder,
                        id=f"ramp-{key}",
                        classes="ramp-input",
                    )
            yield Static(classes="field-error", id="error-ramp")

            yield Static(Text("Thresholds", style="bold") + Text("  warn, fail", style="dim"), classes="form-section")
            overall = start.thresholds.overall
            for metric in thresholds_mod.METRICS:
                limit = overall.get(metric)
                with Horizontal(classes="form-row"):
                    yield Label(metric, classes="form-label")
                    yield FormInput(
                        number_text(limit.warn if limit else None),
                        placeholder="warn",
                        id=f"warn-{metric}",
                        classes="limit-input",
                    )
                    yield FormInput(
                        number_text(limit.fail if limit else None),
                        placeholder="fail",
                        id=f"fail-{metric}",
                        classes="limit-input",
                    )
                    yield Label(METRIC_HINTS.get(metric, ""), classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label("abort_on_fail", classes="form-label")
                yield FormInput(start.thresholds.abort_on_fail or "", placeholder="e.g. 30s", id="field-abort_on_fail")
            yield Static(
                Text("Endpoint thresholds", style="bold") + Text("  pattern, metric, warn, fail", style="dim"),
                classes="form-subsection",
            )
            with Vertical(id="endpoint-rows"):
                for endpoint in start.thresholds.endpoints:
                    for metric, limit in endpoint.limits.items():
                        yield EndpointLimitRow(endpoint.pattern, metric, limit)
            yield Button("+ endpoint threshold", id="add-endpoint")
            yield Static(classes="field-error", id="error-thresholds")
        yield Static(id="editor-status")
        with Horizontal(id="editor-buttons"):
            yield Button("Save (Ctrl+S)", id="editor-save-button", variant="primary")
            yield Button("Cancel (Esc)", id="editor-cancel-button")
        yield Footer()

    def _field(self, key: str, label: str, value: str, hint: str) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(label, classes="form-label")
            yield FormInput(value, placeholder=hint, id=f"field-{key}")
        yield Static(classes="field-error", id=f"error-{key}")

    def on_mount(self) -> None:
        self.query_one("#editor-form").border_title = "Profile"
        self.query_one("#field-name", Input).focus()
        self.validate()
        self._initial_form = self.form_state()

    # --- reading the form --------------------------------------------------------------------------

    def text_of(self, key: str) -> str:
        return self.query_one(f"#field-{key}", Input).value

    def form_state(self) -> tuple[Any, ...]:
        """Everything typed, to tell whether leaving loses anything."""
        return tuple(
            (widget.id, str(widget.value))
            for widget in self.query("Input, Select")
            if isinstance(widget, Input | Select)
        )

    def weights_value(self) -> dict[str, Any]:
        weights = {}
        for index, cls in enumerate(self.classes_offered):
            text = self.query_one(f"#weight-{index}", Input).value
            if text.strip():
                weights[cls] = literal(text)
        return weights

    def stages_value(self) -> list[dict[str, Any]]:
        return [row.value() for row in self.query(StageRow)]

    def ramp_value(self) -> dict[str, Any] | None:
        """The ramp's table, or None with every one of its inputs empty (no ramp)."""
        texts = {key: self.query_one(f"#ramp-{key}", Input).value for key, _ in RAMP_FIELDS}
        if not any(text.strip() for text in texts.values()):
            return None
        of = str(self.query_one("#ramp-of", Select).value)
        return ({"of": of} if of != "users" else {}) | {
            key: literal(text) for key, text in texts.items() if text.strip()
        }

    def thresholds_value(self) -> dict[str, Any]:
        table: dict[str, Any] = {}
        for metric in thresholds_mod.METRICS:
            warn = self.query_one(f"#warn-{metric}", Input).value
            fail = self.query_one(f"#fail-{metric}", Input).value
            if warn.strip() or fail.strip():
                table[metric] = limit_value(warn, fail)
        abort = self.text_of("abort_on_fail")
        if abort.strip():
            table["abort_on_fail"] = literal(abort)
        endpoints: dict[str, dict[str, Any]] = {}
        for row in self.query(EndpointLimitRow):
            pattern, metric, warn, fail = row.value()
            if not (pattern or warn.strip() or fail.strip()):
                continue  # an empty row is not an error: it is ignored
            entry = endpoints.setdefault(pattern, {"name": pattern})
            if warn.strip() or fail.strip():
                entry[metric] = limit_value(warn, fail)
        if endpoints:
            table["endpoints"] = list(endpoints.values())
        return table

    def form_values(self) -> dict[str, Any]:
        """Profile keys as they would be written in profiles.toml."""
        run_time = self.text_of("run_time")
        return {
            "description": self.text_of("description"),
            "users": literal(self.text_of("users")),
            "spawn_rate": literal(self.text_of("spawn_rate")),
            "rate": literal(self.text_of("rate")) if self.text_of("rate").strip() else None,
            "run_time": literal(run_time) if run_time.strip() else None,
            "tags": split_list(self.text_of("tags")),
            "exclude_tags": split_list(self.text_of("exclude_tags")),
            "weights": self.weights_value(),
            "stages": self.stages_value(),
            "thresholds": self.thresholds_value(),
            "ramp": self.ramp_value(),
        }

    # --- checking ---------------------------------------------------------------------------

    def check(self) -> Checked:
        errors: dict[str, str] = {}
        name = self.text_of("name").strip()
        try:
            profiles_mod.check_name(name)
        except ProfileError as exc:
            errors["name"] = str(exc)
        else:
            if name != self.original and name in self.profile_set.profiles:
                target = profile_saving.save_target(self.profile_set)
                errors["name"] = f"{target.name}: a profile named {name!r} already exists"
        base = Profile(name=name if "name" not in errors else "new")
        values: dict[str, Any] = {}
        for key, value in self.form_values().items():
            if key in ("run_time", "rate", "ramp") and value is None:
                values[key] = None  # resolve() skips None: "no limit", "no rate", "no ramp" are set directly
                continue
            if key == "stages" and not value:
                values[key] = ()
                continue
            try:
                values[key] = getattr(profile_fields.resolve(base, **{key: value}), key)
            except ProfileError as exc:
                errors[key] = file_message(exc)
        if errors:
            return Checked(None, errors)
        profile = replace(self.start, name=name, **values)
        where = Where(Path("form"), "")
        try:
            profile_fields.check_ramp(profile, lambda key, message: where.error(f"profiles.{name}", key, message))
        except ProfileError as exc:
            return Checked(None, {"ramp": str(exc).removeprefix("form: ")})
        check_weights = getattr(self.locustfile, "check_weights", None)
        if check_weights is not None:
            try:
                check_weights(profile)
            except Exception as exc:  # LocustfileError: its message names the class and the file
                return Checked(None, {"weights": str(exc)})
        problem = self.read_back_problem(profile)
        if problem:
            return Checked(None, {"file": problem})
        return Checked(profile, {})

    def candidate_text(self, profile: Profile) -> str:
        """profiles.toml as a save would write it (the same steps as :func:`profile_saving.save`)."""
        data = {key: dict(value) if isinstance(value, dict) else value for key, value in self.profile_set.data.items()}
        table: dict[str, Any] = dict(data.get("profiles", {}))
        if self.original is not None and self.original != profile.name:
            table = {(profile.name if name == self.original else name): body for name, body in table.items()}
        table[profile.name] = profile_saving.profile_to_toml(profile, self.profile_set.defaults)
        data["profiles"] = table
        return profile_saving.dumps(data)

    def read_back_problem(self, profile: Profile) -> str | None:
        """Why the file would not read back as the form says (None: it would)."""
        target = profile_saving.save_target(self.profile_set)
        try:
            saved = profile_loading.loads(self.candidate_text(profile), target)
        except ProfileError as exc:
            return str(exc)
        if saved.profiles.get(profile.name) != profile:
            return (
                "this profile would read back differently: a value inherited from [defaults] (a weight or a "
                "threshold) cannot be removed here; edit [defaults] in the file"
            )
        return None

    def validate(self) -> Checked:
        """Checks the form (on every key typed): shows its messages and enables Save.

        Only what changed is redrawn: a message updated to the same text, or the footer's
        bindings refreshed with Save's state unchanged, each laid the whole screen out again (the
        footer rebuilds its keys), 61 ms of CPU a key typed."""
        checked = self.check()
        was_valid = self.checked.valid
        self.checked = checked
        for error in self.query(".field-error").results(Static):
            key = (error.id or "").removeprefix("error-")
            message = checked.errors.get(key)
            error.display = message is not None
            if message is not None:
                # Red for the eye, the symbol and bold text for NO_COLOR (red turns dim grey there).
                update_if_changed(error, Text.assemble(("✗ ", "bold red"), (message, "bold")))
        for key in FIELD_KEYS:
            self.query_one(f"#field-{key}", Input).set_class(key in checked.errors, "-invalid")
        status = self.query_one("#editor-status", Static)
        if checked.valid:
            update_if_changed(status, Text("✓ Valid: Ctrl+S saves", style="bold"))
        else:
            count = len(checked.errors)
            text = Text.assemble(
                ("✗ ", "bold red"), (f"{count} problem{'s' if count != 1 else ''}: Save is disabled", "bold")
            )
            if "file" in checked.errors:
                text.append(f"\n{checked.errors['file']}")
            update_if_changed(status, text)
        self.query_one("#editor-save-button", Button).disabled = not checked.valid
        if checked.valid != was_valid:
            self.refresh_bindings()  # Save's state in the footer (check_action)
        return checked

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.validate()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # --- rows ------------------------------------------------------------------------------

    @on(Button.Pressed, "#add-stage")
    async def add_stage(self) -> None:
        row = StageRow()
        await self.query_one("#stage-rows").mount(row)
        row.query_one(Input).focus()
        self.validate()

    @on(Button.Pressed, "#add-endpoint")
    async def add_endpoint(self) -> None:
        row = EndpointLimitRow()
        await self.query_one("#endpoint-rows").mount(row)
        row.query_one(Input).focus()
        self.validate()

    @on(Button.Pressed, ".remove-row")
    async def remove_row(self, event: Button.Pressed) -> None:
        row = event.button.parent
        if isinstance(row, StageRow | EndpointLimitRow):
            await row.remove()
        self.validate()

    @on(Button.Pressed, "#editor-save-button")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#editor-cancel-button")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # --- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.checked.valid else None  # None: shown, disabled
        return True

    def action_save(self) -> None:
        checked = self.validate()
        if not checked.valid or checked.profile is None:
            self.notify("Fix the fields marked ✗ first", severity="warning", timeout=3)
            return
        self._save(checked.profile)

    @work(exclusive=True, group="profile-save")
    async def _save(self, profile: Profile) -> None:
        outcome, profile_set = await save_profiles(
            self.app, self.profile_set, put=profile, replace_name=self.original, what=f"profile {profile.name}"
        )
        if outcome == "saved":
            self.dismiss(profile.name)
        elif outcome == "reloaded" and profile_set is not None:
            # The other change is now what the form is checked against; the edit stays in the form.
            self.profile_set = profile_set
            self.validate()

    @work(exclusive=True, group="profile-cancel")
    async def action_cancel(self) -> None:
        if self._initial_form is not None and self.form_state() != self._initial_form:
            leave = await self.app.push_screen_wait(
                ConfirmDialog(
                    "Discard the changes?",
                    "The form has changes that are not saved.\n\ny: discard them   n: keep editing",
                )
            )
            if leave != "yes":
                return
        self.dismiss(None)
