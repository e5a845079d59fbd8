"""Settings that reports print (issuing body, place, signer) and the keymap."""

from __future__ import annotations

import json
from typing import Any

from textual.binding import Binding

from bbt_tui.callbacks import when_done
from bbt_tui.db import read
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_
from bbt_tui.widgets.form import FormField, FormScreen, check_int
from bbt_tui.widgets.paged_table import Column, ListSource, Record
from domain.i18n import _

DESCRIPTIONS = {
    "org.parent": N_("Parent body (first line of the header)"),
    "org.name": N_("Issuing body"),
    "org.code": N_("Issuing body's code in document numbers"),
    "place": N_("Place name before the date"),
    "signer.title": N_("Signer's title (one line each)"),
    "signer.name": N_("Signer's name"),
    "report.recipients": N_("Recipients of reports (Nơi nhận), one per line"),
    "visits.opening_balance": N_("Website visitors before the first recorded month"),
    "keymap": N_("Keys: JSON {\"binding id\": \"key\"}, e.g. {\"units.new\": \"f4\"}"),
}
MULTILINE = {"signer.title", "report.recipients", "keymap"}


def check_keymap(value: str) -> str | None:
    try:
        mapping = json.loads(value)
    except ValueError:
        return _("Write a JSON object, e.g. {\"units.new\": \"f4\"}.")
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        return _("Write a JSON object, e.g. {\"units.new\": \"f4\"}.")
    return None


def setting_records(session: Any) -> list[Record]:
    from domain import settings

    return [Record(key=key,
                   cells=(_(DESCRIPTIONS[key]) if key in DESCRIPTIONS else key,
                          value.replace("\n", " / "), key),
                   data=value)
            for key, value in settings.all_settings(session).items()]


class SettingsScreen(ListScreen):
    AREA = "settings"
    TITLE_TEXT = N_("Settings")
    HELP = N_("Texts that reports print (issuing body, place, signer, recipients) and the "
              "keymap. Enter or E edits the selected setting.")
    PERMISSIONS = {"edit": "settings.write"}
    BINDINGS = [Binding("e", "edit", N_("Edit"), id="settings.edit")]

    def make_source(self) -> ListSource:
        columns = [Column("label", _("Setting"), 44), Column("value", _("Value")),
                   Column("key", _("Key"), 24, priority=-1)]
        return ListSource(columns, lambda: read(self.app, lambda s, _a: setting_records(s)))

    def action_edit(self) -> None:
        from domain import settings

        record = self.selected
        if record is None:
            return
        key = record.key
        check = {"keymap": check_keymap, "visits.opening_balance": check_int}.get(key)
        field = FormField("value", DESCRIPTIONS.get(key, key), record.data,
                          kind="textarea" if key in MULTILINE else "text", check=check)

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            settings.set_value(session, actor, key, v["value"])
            return str(v["value"])

        self.app.push_screen(FormScreen(_("Setting {key}").format(key=key), [field], save),
                             when_done(lambda value: self._saved(key, value)))

    def _saved(self, key: str, value: str) -> None:
        if key == "keymap":
            self.app.apply_keymap(value)  # type: ignore[attr-defined]
        self.changed(_("Setting {key} saved.").format(key=key), key)

    def open_record(self, record: Record) -> None:
        if self.app.actor is not None and self.app.actor.can("settings.write"):  # type: ignore[attr-defined]
            self.action_edit()
