"""A unit's inbox: the documents sent to it, oldest due first; acknowledge, mark done,
forward. A unit clerk sees its own unit only (the domain checks it too)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.labels import DELIVERY_STATUS_LABELS, PURPOSE_LABELS, label
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_date
from bbt_tui.widgets.form import FormField, FormScreen
from bbt_tui.widgets.paged_table import Column, ListSource, Record
from domain.i18n import _


def inbox_records(session: Any, actor: Any) -> list[Record]:
    from domain import documents

    return [Record(key=f"{doc.number}@{delivery.id}",
                   cells=(doc.number, vn_date(doc.date), doc.title,
                          label(PURPOSE_LABELS, delivery.purpose),
                          label(DELIVERY_STATUS_LABELS, delivery.status),
                          vn_date(delivery.due), overdue_mark(documents.is_overdue(delivery))),
                   data={"number": doc.number, "status": delivery.status})
            for delivery, doc in documents.inbox(session, actor)]


def overdue_mark(late: bool) -> Text:
    return Text(_("yes"), style="bold red") if late else Text(_("no"), style="dim")


class InboxScreen(ListScreen):
    AREA = "inbox"
    TITLE_TEXT = N_("Inbox")
    HELP = N_("Documents sent to your unit that are not finished yet, the most urgent first. "
              "Enter opens the document with its files, A acknowledges receipt, D marks a "
              "document done (with a note), F forwards it to another unit.")
    PERMISSIONS = {"acknowledge": "deliveries.act", "done": "deliveries.act",
                   "forward": "deliveries.act"}
    BINDINGS = [
        Binding("a", "acknowledge", N_("Acknowledge"), id="inbox.ack"),
        Binding("d", "done", N_("Done"), id="inbox.done"),
        Binding("f", "forward", N_("Forward"), id="inbox.forward"),
    ]

    def make_source(self) -> ListSource:
        columns = [Column("number", _("Number"), 16), Column("date", _("Date"), 11),
                   Column("title", _("Title")), Column("purpose", _("Purpose"), 16, priority=-2),
                   Column("status", _("Status"), 10), Column("due", _("Due"), 11),
                   Column("overdue", _("Overdue"), 8, priority=-1)]
        return ListSource(columns, lambda: read(self.app, inbox_records))

    def open_record(self, record: Record) -> None:
        """The document with its files, signatures and history (opening it is recorded)."""
        from domain import documents

        number = record.data["number"]
        run_db(self, lambda session, actor: documents.show(session, actor, number),
               on_done=self._show_detail)

    def _show_detail(self, doc: dict[str, Any]) -> None:
        from bbt_tui.screens.document_detail import DocumentScreen

        self.app.push_screen(DocumentScreen(doc), lambda _r: self.refresh_data())

    def _unit(self) -> str:
        return self.app.actor.unit_code  # type: ignore[attr-defined,no-any-return]

    def action_acknowledge(self) -> None:
        from domain import documents

        record = self.selected
        if record is None:
            return
        number, unit = record.data["number"], self._unit()
        run_db(self, lambda session, actor: documents.acknowledge(session, actor, number, unit),
               on_done=lambda _d: self.changed(
                   _("Receipt of {number} acknowledged.").format(number=number)))

    def action_done(self) -> None:
        from domain import documents

        record = self.selected
        if record is None:
            return
        number, unit = record.data["number"], self._unit()

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            documents.mark_done(session, actor, number, unit, v["note"])
            return number

        self.app.push_screen(
            FormScreen(_("Mark {number} done").format(number=number),
                       [FormField("note", N_("Note (optional)"))], save),
            when_done(lambda _r: self.changed(_("{number} done.").format(number=number))))

    def action_forward(self) -> None:
        from domain import documents

        record = self.selected
        if record is None:
            return
        number, unit = record.data["number"], self._unit()

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            documents.forward(session, actor, number, unit, v["to"])
            return str(v["to"])

        self.app.push_screen(
            FormScreen(_("Forward {number}").format(number=number),
                       [FormField("to", N_("To unit code"), required=True)], save),
            when_done(lambda to: self.changed(
                _("{number} forwarded to {unit}.").format(number=number, unit=to))))
