"""Signing keys (khóa ký): one Ed25519 key pair per issuing unit, the private half sealed
with a passphrase. Admins create (a new key retires the old one) and revoke; seals made
before a revocation stay verifiable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_datetime
from bbt_tui.widgets.dialogs import ConfirmScreen
from bbt_tui.widgets.form import FormField, FormScreen
from bbt_tui.widgets.paged_table import Column, ListSource, Record
from domain.i18n import _


def key_records(session: Any) -> list[Record]:
    from domain import keys

    records = []
    for row in keys.listing(session):
        revoked = row["revoked_at"]
        records.append(Record(
            key=str(row["fingerprint"]),
            cells=(row["unit"], str(row["fingerprint"])[:16],
                   vn_datetime(datetime.fromisoformat(str(row["created_at"]))),
                   Text(vn_datetime(datetime.fromisoformat(str(revoked))), style="red")
                   if revoked else Text(_("in use"), style="green")),
            data={"unit": row["unit"], "active": revoked is None}))
    return records


def passphrase_fields(confirm: bool) -> list[FormField]:
    from domain.keys import MIN_PASSPHRASE

    def long_enough(value: str) -> str | None:
        if len(value) < MIN_PASSPHRASE:
            return _("A key passphrase needs at least {n} characters.").format(n=MIN_PASSPHRASE)
        return None

    fields = [FormField("passphrase", N_("Passphrase"), kind="password", required=True,
                        check=long_enough if confirm else None)]
    if confirm:
        fields.append(FormField("again", N_("Passphrase again"), kind="password",
                                required=True))
    return fields


def same_passphrase(values: dict[str, Any]) -> dict[str, str]:
    if values["passphrase"] != values["again"]:
        return {"again": _("The two passphrases differ.")}
    return {}


class KeysScreen(ListScreen):
    AREA = "keys"
    TITLE_TEXT = N_("Signing keys")
    HELP = N_("One signing key per unit that issues documents. N creates a key for a unit "
              "(an earlier key of that unit is retired), R revokes the selected unit's key. "
              "The passphrase seals the private key: without it nobody can sign, and it "
              "cannot be recovered.")
    PERMISSIONS = {"new": "keys.write", "revoke": "keys.write"}
    BINDINGS = [
        Binding("n", "new", N_("New key"), id="keys.new"),
        Binding("r", "revoke", N_("Revoke"), id="keys.revoke"),
    ]

    def make_source(self) -> ListSource:
        columns = [Column("unit", _("Unit"), 14), Column("fingerprint", _("Fingerprint"), 18),
                   Column("created", _("Created"), 17), Column("revoked", _("Revoked"))]
        return ListSource(columns, lambda: read(self.app, lambda s, _a: key_records(s)))

    def action_new(self) -> None:
        from domain import keys

        record = self.selected
        unit = record.data["unit"] if record is not None else ""
        fields = [FormField("unit", N_("Unit code"), unit, required=True),
                  *passphrase_fields(confirm=True)]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            created = keys.create(session, actor, v["unit"], v["passphrase"])
            return created.fingerprint

        intro = _("Keep the passphrase safe: it is asked at every signature and cannot be "
                  "recovered.")
        self.app.push_screen(
            FormScreen(_("New signing key"), fields, save, intro=intro,
                       cross_check=same_passphrase),
            when_done(lambda fingerprint: self.changed(
                _("Key {fingerprint} created.").format(fingerprint=fingerprint[:16]),
                fingerprint)))

    def action_revoke(self) -> None:
        from domain import keys

        record = self.selected
        if record is None:
            return
        unit = record.data["unit"]
        question = _("Revoke the signing key of {unit}? It can no longer sign; documents "
                     "sealed before stay verifiable.").format(unit=unit)

        def revoke() -> None:
            run_db(self, lambda session, actor: keys.revoke(session, actor, unit),
                   on_done=lambda _n: self.changed(
                       _("The key of {unit} is revoked.").format(unit=unit), record.key))

        self.app.push_screen(ConfirmScreen(question, _("Revoke")), when_done(lambda _r: revoke()))
