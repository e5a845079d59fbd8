"""Forms in modal screens. Each field shows its own message right under it; the domain's
refusal (one sentence) is shown at the bottom. Saving runs in a worker thread.

    FormScreen(_("New unit"), [FormField("code", N_("Code"), required=True), ...],
               save=lambda session, actor, values: units.add(session, actor, **values))

The screen is dismissed with whatever `save` returned, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from bbt_tui.db import run_db
from bbt_tui.text import N_
from domain.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor

Check = Callable[[Any], str | None]


@dataclass
class FormField:
    name: str
    label: str  # English msgid, marked with N_()
    value: Any = ""
    kind: str = "text"  # text, password, select, textarea, units
    options: Sequence[tuple[str, str]] = ()  # (label, value) for select
    required: bool = False
    check: Check | None = None  # returns a translated message when the value is wrong
    placeholder: str = ""  # English msgid
    disabled: bool = False


def check_date(value: str) -> str | None:
    from domain.errors import BBTError
    from domain.text import parse_date

    try:
        parse_date(value)
    except BBTError:
        return _("Write the date as dd/mm/yyyy.")
    return None


def check_int(value: str) -> str | None:
    return None if not value or value.strip().isdigit() else _("Write a whole number.")


class FormScreen(ModalScreen[Any]):
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        Binding("f2", "save", N_("Save"), id="form.save"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        save: Callable[[Session, Actor, dict[str, Any]], Any],
        *,
        save_label: str | None = None,
        intro: str = "",
        cross_check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
        failed: Callable[[], object] | None = None,
        confirm: Callable[[dict[str, Any]], tuple[str, tuple[str, str]]] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.fields = list(fields)
        self.save = save
        self.save_label = save_label or _("Save")
        self.intro = intro
        self.cross_check = cross_check
        self.failed = failed  # clean-up when saving failed (a file written before the commit)
        # An official act asks once more, naming the record: (question, (number, title)).
        self.confirm = confirm
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(self.title_text, classes="dialog-title")
            if self.intro:
                yield Static(self.intro, classes="intro")
            with VerticalScroll(classes="fields"):
                for field in self.fields:
                    label = _(field.label) + (" *" if field.required else "")
                    yield Label(label, classes="field-label")
                    yield self._widget(field)
                    error = Static("", id=f"error-{field.name}", classes="field-error")
                    error.display = False
                    yield error
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button(self.save_label + " (F2)", variant="primary", id="save")
                yield Button(_("Cancel") + " (Esc)", id="cancel")

    def _widget(self, field: FormField) -> Widget:
        widget_id = f"field-{field.name}"
        if field.kind == "select":
            # Always start blank when there is no value: a default role or unit picked for
            # the user is a mistake waiting to happen; "required" catches a forgotten choice.
            return Select(list(field.options), value=field.value or Select.NULL,
                          allow_blank=True, id=widget_id, disabled=field.disabled,
                          prompt=_("Choose…"), compact=True)
        if field.kind == "textarea":
            return TextArea(str(field.value or ""), id=widget_id, disabled=field.disabled)
        if field.kind == "units":
            from bbt_tui.widgets.unit_picker import UnitPicker

            return UnitPicker(selected=field.value or [], id=widget_id)
        return Input(str(field.value or ""), id=widget_id, password=field.kind == "password",
                     placeholder=_(field.placeholder) if field.placeholder else "",
                     disabled=field.disabled, compact=True)

    def on_mount(self) -> None:
        for field in self.fields:
            if not field.disabled:
                self.query_one(f"#field-{field.name}").focus()
                break

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, Select):
                values[field.name] = "" if widget.is_blank() else widget.value
            elif isinstance(widget, TextArea):
                values[field.name] = widget.text
            elif isinstance(widget, Input):
                values[field.name] = widget.value
            else:
                values[field.name] = widget.value  # type: ignore[attr-defined]
        return values

    def validate(self, values: dict[str, Any]) -> bool:
        errors: dict[str, str] = {}
        for field in self.fields:
            value = values[field.name]
            empty = not value or (isinstance(value, str) and not value.strip())
            if field.required and empty:
                errors[field.name] = _("This field is required.")
            elif not empty and field.check is not None and (message := field.check(value)):
                errors[field.name] = message
        if not errors and self.cross_check is not None:
            errors = self.cross_check(values)
        for field in self.fields:
            error = self.query_one(f"#error-{field.name}", Static)
            error.update(errors.get(field.name, ""))
            error.display = field.name in errors
        if errors:
            first = next(f for f in self.fields if f.name in errors)
            self.query_one(f"#field-{first.name}").focus()
        return not errors

    def action_save(self) -> None:
        if self.saving:
            return
        values = self.values()
        self.query_one("#form-error", Static).update("")
        if not self.validate(values):
            return
        if self.confirm is not None:
            from bbt_tui.widgets.dialogs import confirm_then

            question, record = self.confirm(values)
            confirm_then(self, question, record, lambda: self._run(values), self.save_label)
            return
        self._run(values)

    def _run(self, values: dict[str, Any]) -> None:
        if self.saving:
            return
        self.saving = True
        run_db(self, lambda session, actor: self.save(session, actor, values),
               on_done=self._saved, on_error=self._refused)

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.dismiss(True if result is None else result)

    def _refused(self, message: str) -> None:
        self.saving = False
        if self.failed is not None:
            self.failed()
        self.query_one("#form-error", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _on_save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _on_cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _next_or_save(self, event: Input.Submitted) -> None:
        """Enter moves to the next field, and saves from the last one."""
        event.stop()
        names = [f.name for f in self.fields if not f.disabled]
        current = (event.input.id or "").removeprefix("field-")
        if current in names and names.index(current) < len(names) - 1:
            self.focus_next()
        else:
            self.action_save()
