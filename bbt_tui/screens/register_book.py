"""Sổ đăng ký: print the register book (NĐ30, Phụ lục IV) that the highlighted document
belongs to, from the documents screen. The form starts from that document: its register
(outgoing: the issuer's; incoming: the receiving unit's), its year, a file name beside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbt_tui.labels import DIRECTION_LABELS, label, options
from bbt_tui.text import N_
from bbt_tui.widgets.form import FormField, FormScreen, check_int
from domain.i18n import _


def book_defaults(session: Any, actor: Any, doc_id: int) -> dict[str, str]:
    """The register of a document: its book, year and unit (read in a worker)."""
    from domain import units
    from models import Document

    doc = session.get(Document, doc_id)
    codes = units.by_id(session)
    incoming = doc.direction == "incoming"
    unit = codes[doc.recipient_id if incoming and doc.recipient_id else doc.issuer_id].code
    year = doc.incoming_year if incoming and doc.incoming_year else doc.date.year
    name = f"so-{'den' if incoming else 'di'}-{unit}-{year}.pdf"
    return {"book": doc.direction, "year": str(year), "unit": unit,
            "path": str(Path.cwd() / name)}


def book_form(defaults: dict[str, str]) -> FormScreen:
    from domain import registers

    fields = [
        FormField("book", N_("Register book"), defaults["book"], kind="select", required=True,
                  options=options(DIRECTION_LABELS)),
        FormField("year", N_("Year"), defaults["year"], required=True, check=check_int),
        FormField("unit", N_("Unit code"), defaults["unit"], required=True),
        FormField("path", N_("File (.pdf, .docx or .xlsx)"), defaults["path"], required=True),
    ]

    def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
        printed = registers.print_book(session, actor, book=v["book"], year=int(v["year"]),
                                       unit=v["unit"], path=Path(v["path"]).expanduser())
        return _("{book} book of {year}: {count} entries written to {path}.").format(
            book=label(DIRECTION_LABELS, v["book"]), year=v["year"], count=printed.entries,
            path=printed.path)

    return FormScreen(_("Print the register book (NĐ30, Phụ lục IV)"), fields, save)
