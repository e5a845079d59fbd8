"""Documents (văn bản): the outgoing and incoming registers, issue, receive, send to units
(one by one or a whole kind), and each document's deliveries."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Select

from bbt_tui.callbacks import when_done
from bbt_tui.db import read
from bbt_tui.labels import (
    DIRECTION_LABELS,
    PURPOSE_LABELS,
    URGENCY_LABELS,
    label,
    options,
)
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_date, yes_no
from bbt_tui.widgets.form import FormField, FormScreen, check_date, check_int
from bbt_tui.widgets.paged_table import END, PAGE_SIZE, Column, Query, Record, RowSource
from domain.i18n import _, plural


def file_field() -> FormField:
    from bbt_tui.widgets.files import check_existing_file

    return FormField("file", N_("Main file (optional: PDF, Word, Excel, ODT, image, text)"),
                     check=check_existing_file)


def chosen_file(values: dict[str, Any]) -> Path | None:
    from bbt_tui.widgets.files import expand

    return expand(values["file"]) if values.get("file", "").strip() else None


def title_of(record: Record) -> str:
    """The title cell of a register row (the row's data is its number)."""
    return str(record.cells[3])


def year_of(record: Record) -> int:
    """The year of a register row's date (dd/mm/yyyy): a number repeats across years and
    terms, and the year names the one under the cursor."""
    return int(str(record.cells[1])[-4:])


class DocumentSource(RowSource):
    """The register, newest first, a page at a time from the database (domain.documents
    pages by offset; the cursor is the row's position in the list)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.columns = [Column("number", _("Number"), 16, sortable=False),
                        Column("date", _("Date"), 11, sortable=False),
                        Column("direction", _("Direction"), 9, sortable=False),
                        Column("title", _("Title"), sortable=False),
                        Column("urgency", _("Urgency"), 10, sortable=False, priority=-1),
                        Column("signed", _("Sealed"), 6, sortable=False)]

    @staticmethod
    def filters(query: Query) -> Any:
        from domain.documents import Filters

        return Filters(direction=query.filter("direction") or None,
                       overdue=query.filter("overdue") == "yes",
                       search=query.search.strip() or None)

    def count(self, query: Query) -> int | None:
        from domain import documents

        return read(self.app, lambda s, actor: documents.count(s, actor, self.filters(query)))

    def fetch(self, query: Query, *, after: Any = None, before: Any = None,
              limit: int = PAGE_SIZE) -> list[Record]:
        from domain import documents

        def page(session: Any, actor: Any) -> list[Record]:
            f = self.filters(query)
            if before is END:
                start = max(0, documents.count(session, actor, f) - limit)
            elif before is not None:
                start = max(0, int(before) - limit)
                limit_ = int(before) - start
                return self._records(documents.listing(session, actor, f, limit_, start), start)
            else:
                start = 0 if after is None else int(after) + 1
            return self._records(documents.listing(session, actor, f, limit, start), start)

        return read(self.app, page)

    def around(self, query: Query, key: str, *, limit: int = PAGE_SIZE
               ) -> tuple[list[Record], int] | None:
        from domain import documents

        def page(session: Any, actor: Any) -> tuple[list[Record], int] | None:
            f = self.filters(query)
            at = documents.position(session, actor, int(key), f)
            if at is None:
                return None
            start = max(0, at - limit // 2)
            return self._records(documents.listing(session, actor, f, limit, start), start), start

        return read(self.app, page)

    @staticmethod
    def _records(docs: list[Any], start: int) -> list[Record]:
        return [Record(key=f"{d.id}", cursor=start + i, data=d.number,
                       cells=(d.number, vn_date(d.date), label(DIRECTION_LABELS, d.direction),
                              d.title, label(URGENCY_LABELS, d.urgency),
                              yes_no(d.signature is not None)))
                for i, d in enumerate(docs)]


class DocumentsScreen(ListScreen):
    AREA = "documents"
    TITLE_TEXT = N_("Documents")
    HELP = N_("The document registers, newest first. N issues an outgoing document with the "
              "next number, R registers an incoming one, G sends the selected document to "
              "units (or to a whole kind of unit), K seals it with the issuing unit's key, V "
              "verifies its seal and digital signatures, W withdraws it (thu hồi) with a "
              "reason, Enter shows its deliveries, files, signatures and history. Search takes "
              "a number (117-BC/BBT) or words of the title or of the attached files' text. L "
              "lists the units late with documents; R there sends them a reminder letter.")
    PERMISSIONS = {"issue": "documents.write", "receive": "documents.write",
                   "send": "documents.write", "sign": "documents.sign",
                   "withdraw": "documents.write"}
    BINDINGS = [
        Binding("n", "issue", N_("Issue"), id="documents.issue"),
        Binding("r", "receive", N_("Receive"), id="documents.receive"),
        Binding("g", "send", N_("Send"), id="documents.send"),
        Binding("k", "sign", N_("Seal"), id="documents.sign"),
        Binding("v", "verify", N_("Verify"), id="documents.verify"),
        Binding("w", "withdraw", N_("Withdraw"), id="documents.withdraw", show=False),
        Binding("b", "book", N_("Register book"), id="documents.book"),
        Binding("l", "late_units", N_("Late units"), id="documents.late"),
    ]

    def make_source(self) -> DocumentSource:
        return DocumentSource(self.app)

    def filters(self) -> list[Widget]:
        return [Select(options(DIRECTION_LABELS), prompt=_("Both registers"),
                       id="direction-filter"),
                Select([(_("overdue only"), "yes")], prompt=_("All deliveries"),
                       id="overdue-filter")]

    @on(Select.Changed, "#direction-filter")
    def _direction(self, event: Select.Changed) -> None:
        self.list.set_filter("direction", "" if event.select.is_blank() else str(event.value))

    @on(Select.Changed, "#overdue-filter")
    def _overdue(self, event: Select.Changed) -> None:
        self.list.set_filter("overdue", "" if event.select.is_blank() else "yes")

    def action_late_units(self) -> None:
        from bbt_tui.screens.board import open_late_units

        open_late_units(self)

    def action_issue(self) -> None:
        from domain import documents
        from domain.numbering import DOC_TYPES

        actor: Any = self.app.actor  # type: ignore[attr-defined]
        fields = [
            FormField("doc_type", N_("Type"), kind="select", required=True,
                      options=[(f"{code} — {name}", code) for code, name in DOC_TYPES.items()]),
            FormField("issuer", N_("Issuing unit code"), actor.unit_code, required=True),
            FormField("title", N_("Title (trích yếu)"), required=True),
            FormField("day", N_("Date (dd/mm/yyyy)"), date.today().strftime("%d/%m/%Y"),
                      required=True, check=check_date),
            FormField("urgency", N_("Urgency"), "normal", kind="select",
                      options=options(URGENCY_LABELS), required=True),
            FormField("number", N_("Number (empty: the next one)"), check=check_int),
            file_field(),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> tuple[str, str]:
            # In the form's worker: reading the file and extracting its text never block.
            doc = documents.issue(session, actor, v["doc_type"], v["issuer"], v["title"],
                                  v["day"], int(v["number"]) if v["number"] else None,
                                  urgency=v["urgency"], file=chosen_file(v))
            return doc.number, str(doc.id)

        def confirm(v: dict[str, Any]) -> tuple[str, tuple[str, str]]:
            number = v["number"] or _("the next {kind} number of {issuer}").format(
                kind=v["doc_type"], issuer=v["issuer"])
            return _("Issue this document? Its number is taken for good."), (number, v["title"])

        self.app.push_screen(
            FormScreen(_("Issue a document"), fields, save, save_label=_("Issue"),
                       confirm=confirm),
            when_done(lambda issued: self.changed(
                _("Issued {number}.").format(number=issued[0]), issued[1])))

    def action_receive(self) -> None:
        from domain import documents

        fields = [
            FormField("number", N_("Number and symbol (e.g. 42-KH/TU)"), required=True),
            FormField("sender", N_("Sender unit code"), required=True),
            FormField("day", N_("Document date (dd/mm/yyyy)"), required=True, check=check_date),
            FormField("title", N_("Title (trích yếu)"), required=True),
            FormField("received", N_("Received on (dd/mm/yyyy)"),
                      date.today().strftime("%d/%m/%Y"), check=check_date),
            file_field(),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> tuple[str, str]:
            doc = documents.receive(session, actor, v["number"], v["sender"], v["day"],
                                    v["title"], received=v["received"] or None,
                                    file=chosen_file(v))
            return str(doc.incoming_number), str(doc.id)

        def confirm(v: dict[str, Any]) -> tuple[str, tuple[str, str]]:
            return (_("Register this incoming document? It takes the next incoming number."),
                    (v["number"], v["title"]))

        self.app.push_screen(
            FormScreen(_("Register an incoming document"), fields, save,
                       save_label=_("Register"), confirm=confirm),
            when_done(lambda received: self.changed(
                _("Registered as incoming number {n}.").format(n=received[0]), received[1])))

    def action_send(self) -> None:
        from domain import documents

        record = self.selected
        if record is None:
            return
        number = record.data
        fields = [
            FormField("units", N_("Send to"), [], kind="units", required=True),
            FormField("purpose", N_("Purpose"), "inform", kind="select", required=True,
                      options=options(PURPOSE_LABELS)),
            FormField("due", N_("Due date (dd/mm/yyyy, optional)"), check=check_date),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> int:
            result = documents.send(session, actor, number, v["units"], purpose=v["purpose"],
                                    due=v["due"] or None, year=year_of(record))
            return len(result.sent)

        def confirm(v: dict[str, Any]) -> tuple[str, tuple[str, str]]:
            return (plural(len(v["units"]), N_("Send this document to {n} unit?"),
                           N_("Send this document to {n} units?")).format(n=len(v["units"])),
                    (number, title_of(record)))

        self.app.push_screen(
            FormScreen(_("Send {number}").format(number=number), fields, save,
                       save_label=_("Send"), confirm=confirm),
            when_done(lambda n: self.changed(
                plural(n, N_("{number} sent to {n} unit."), N_("{number} sent to {n} units.")
                       ).format(number=number, n=n), record.key)))

    def open_record(self, record: Record) -> None:
        from domain import documents

        number = record.data
        self.app.run_db(  # type: ignore[attr-defined]
            lambda session, actor: documents.show(session, actor, number),
            on_done=self._show_detail)

    def _show_detail(self, doc: dict[str, Any]) -> None:
        from bbt_tui.screens.document_detail import DocumentScreen

        self.app.push_screen(DocumentScreen(doc), lambda _r: self.refresh_data())

    def action_sign(self) -> None:
        from bbt_tui.screens.document_detail import sign_form

        if (record := self.selected) is None:
            return
        form = sign_form(record.data)
        form.confirm = lambda _v: (_("Seal this document with the issuing unit's key?"),
                                   (record.data, title_of(record)))
        self.app.push_screen(form, when_done(lambda number: self.changed(
            _("{number} sealed.").format(number=number), record.key)))

    def action_withdraw(self) -> None:
        from domain import documents

        if (record := self.selected) is None:
            return
        number, year = record.data, year_of(record)
        fields = [FormField("reason", N_("Reason for withdrawing"), required=True)]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return documents.withdraw(session, actor, number, v["reason"], year).number

        def confirm(_v: dict[str, Any]) -> tuple[str, tuple[str, str]]:
            return (_("Withdraw this document? Its number stays in the register, marked "
                      "withdrawn, and it counts nowhere any more."), (number, title_of(record)))

        self.app.push_screen(
            FormScreen(_("Withdraw {number}").format(number=number), fields, save,
                       save_label=_("Withdraw"), confirm=confirm),
            when_done(lambda _n: self.changed(_("{number} withdrawn.").format(number=number),
                                              record.key)))

    def action_verify(self) -> None:
        from domain import keys

        if (record := self.selected) is None:
            return
        number = record.data
        self.app.run_db(  # type: ignore[attr-defined]
            lambda session, actor: keys.verify(session, actor, number, year=year_of(record)),
            on_done=lambda verdict: self.notify(
                (_("Seal valid: {reason}.") if verdict.valid
                 else _("Seal NOT valid: {reason}.")).format(reason=verdict.reason),
                title=number, severity="information" if verdict.valid else "error",
                timeout=10))

    def action_book(self) -> None:
        from bbt_tui.screens.register_book import book_defaults, book_form

        if (record := self.selected) is None:
            return
        doc_id = int(record.key)
        self.app.run_db(  # type: ignore[attr-defined]
            lambda session, actor: book_defaults(session, actor, doc_id),
            on_done=lambda defaults: self.app.push_screen(
                book_form(defaults), when_done(lambda message: self.notify(
                    message, title=_("Register book"), timeout=10))))
