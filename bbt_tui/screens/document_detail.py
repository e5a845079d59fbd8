"""One document: its register entry, every delivery, and its seal (sign with the issuing
unit's key and passphrase, verify)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import run_db
from bbt_tui.labels import (
    DELIVERY_STATUS_LABELS,
    DIRECTION_LABELS,
    PURPOSE_LABELS,
    URGENCY_LABELS,
    label,
)
from bbt_tui.screens.keys import passphrase_fields
from bbt_tui.text import N_, vn_date, yes_no
from bbt_tui.widgets.form import FormScreen
from domain.i18n import _


def detail_text(doc: dict[str, Any]) -> str:
    lines = [doc["title"], "",
             f"{_('Date')}: {vn_date(date.fromisoformat(doc['date']))}    "
             f"{_('Issuing unit code')}: {doc['issuer']}    "
             f"{_('Direction')}: {label(DIRECTION_LABELS, doc['direction'])}    "
             f"{_('Urgency')}: {label(URGENCY_LABELS, doc['urgency'])}",
             f"{_('Signed')}: {yes_no(doc['signed'])}", "",
             _("{n} deliveries:").format(n=len(doc["deliveries"]))]
    for d in doc["deliveries"]:
        due = vn_date(date.fromisoformat(d["due"])) if d["due"] else ""
        late = " ⚠ " + _("overdue") if d["overdue"] else ""
        lines.append(f"  {d['unit']:<14} {label(PURPOSE_LABELS, d['purpose']):<18} "
                     f"{label(DELIVERY_STATUS_LABELS, d['status']):<10} {due}{late}")
    return "\n".join(lines)


def sign_form(number: str) -> FormScreen:
    """The passphrase prompt; dismissed with the number once sealed."""
    from domain import keys

    def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
        return keys.sign(session, actor, number, v["passphrase"]).number

    return FormScreen(_("Sign {number}").format(number=number), passphrase_fields(False), save,
                      save_label=_("Sign"),
                      intro=_("The issuing unit's key seals the document's content and "
                              "attachment; type the key's passphrase."))


class DocumentScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("k", "sign", N_("Sign"), id="document.sign"),
        Binding("v", "verify", N_("Verify"), id="document.verify"),
        Binding("escape,enter", "close", N_("Close"), id="document.close"),
    ]

    def __init__(self, doc: dict[str, Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.doc = doc
        self.verdict: tuple[bool, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-text"):
            yield Label(self.doc["number"], classes="dialog-title")
            with VerticalScroll(classes="detail-body"):
                yield Static(detail_text(self.doc), id="document-body")
            yield Static("", id="verdict")
            with Horizontal(classes="buttons"):
                if self._can_sign():
                    yield Button(_("Sign") + " (k)", id="sign")
                yield Button(_("Verify") + " (v)", id="verify")
                yield Button(_("Close"), variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def _can_sign(self) -> bool:
        actor = self.app.actor  # type: ignore[attr-defined]
        return (actor is not None and actor.can("documents.sign")
                and self.doc["direction"] == "outgoing")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._can_sign() if action == "sign" else True

    def action_sign(self) -> None:
        self.app.push_screen(sign_form(self.doc["number"]), when_done(self._signed))

    def _signed(self, number: str) -> None:
        from domain import documents

        self.notify(_("{number} signed.").format(number=number))
        run_db(self, lambda session, actor: documents.show(session, actor, number),
               on_done=self._reloaded)

    def _reloaded(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.query_one("#document-body", Static).update(detail_text(doc))
        self.action_verify()

    def action_verify(self) -> None:
        from domain import keys

        number = self.doc["number"]
        run_db(self, lambda session, actor: keys.verify(session, actor, number),
               on_done=self._verified)

    def _verified(self, verdict: Any) -> None:
        self.verdict = (verdict.valid, verdict.reason)
        text = (_("Seal valid: {reason}.") if verdict.valid
                else _("Seal NOT valid: {reason}.")).format(reason=verdict.reason)
        self.query_one("#verdict", Static).update(
            Text(text, style="bold green" if verdict.valid else "bold red"))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"sign": self.action_sign, "verify": self.action_verify}
        actions.get(event.button.id or "", self.action_close)()
