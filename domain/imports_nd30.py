"""Registers in the layout of Nghị định 30/2020, Phụ lục IV, through `bbt import documents`:
what e-office systems (IDOC, iOffice) and clerks' spreadsheets export, and what
`bbt register print` and `bbt export documents --layout nd30` write.

The layout is told by its headers ("Tên loại và trích yếu nội dung văn bản"); the book by its
columns ("Số đến", "Ngày đến": incoming). "Số, ký hiệu" is split by the numbering rules
(`N-TYPE/ISSUER`, `N/TYPE-ISSUER`, or a state công văn's `N/ISSUER-DEPT` without a type);
"Tên loại và trích yếu" into the type's name and the summary. Recipients ("Nơi nhận") are
matched to units by name, accents ignored: matched ones become (finished) deliveries, the
others stay in the register's text and are listed in the import's report.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from domain import numbering, registers
from domain.errors import BBTError
from domain.i18n import _
from domain.imports_base import (
    Cells,
    Column,
    Handler,
    Plan,
    Planned,
    Progress,
    bulk_insert,
    bulk_update,
    header_key,
)
from domain.imports_records import DELIVERY, DOCUMENT, Documents
from domain.text import fold

MAX_COPIES = 1_000_000_000
MAX_LIST_CHARS = 10_000  # a circular to every grassroots organisation names 68 of them
EXTRA = ("signer", "recipients_text", "archive_to", "copies", "notes", "handled_by",
         "passed_on", "status", "withdrawn_reason")
# "156/UBND-VP": a state body's công văn carries no type in its number.
_UNTYPED = re.compile(r"^\s*(\d{1,6})\s*/\s*([^\W_][\w.&]{0,39}?)(?:\s*-\s*(\S{1,40}))?\s*$")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
_NOT_RECIPIENTS = ("luu", "nhu tren", "nhu kinh gui", "noi nhan")


class RegisterBook(Documents):
    """A Phụ lục IV register (outgoing or incoming) read into the documents."""

    columns = (  # type: ignore[assignment]
        Column("number", ("Số, ký hiệu văn bản", "Số, ký hiệu", "Số và ký hiệu văn bản"),
               required=True),
        Column("date", ("Ngày tháng văn bản", "Ngày tháng", "Ngày văn bản"), required=True,
               text=False),
        Column("heading", ("Tên loại và trích yếu nội dung văn bản",
                           "Tên loại và trích yếu nội dung", "Trích yếu nội dung"),
               required=True),
        Column("signer", ("Người ký",)),
        Column("recipients", ("Nơi nhận văn bản", "Nơi nhận")),
        Column("archive_to", ("Đơn vị, người nhận bản lưu", "Nơi lưu")),
        Column("copies", ("Số lượng bản", "Số bản"), text=False),
        Column("notes", ("Ghi chú",)),
        Column("received_on", ("Ngày đến",), text=False),
        Column("incoming_number", ("Số đến",), text=False),
        Column("author", ("Tác giả", "Cơ quan ban hành")),
        Column("handled_by", ("Đơn vị hoặc người nhận", "Đơn vị, người nhận")),
        Column("passed_on", ("Ngày chuyển",), text=False),
        Column("acknowledged", ("Ký nhận",)),  # handwritten signatures: nothing to keep
    )

    def load(self) -> None:
        super().load()
        self.incoming_book = bool({"incoming_number", "received_on"} & self.present)
        d = DOCUMENT.c
        query = select(d.id, d.doc_type, *(d[name] for name in EXTRA))
        self.extra = {r.id: r for r in self.session.execute(query)}
        self.by_name: dict[str, int] = {}
        for unit in self.units.values():
            self.by_name.setdefault(fold(unit.name), unit.id)  # type: ignore[arg-type]
            self.by_name.setdefault(fold(unit.code), unit.id)  # type: ignore[arg-type]
        self.unmatched: set[str] = set()

    def skip(self, raw: list[Any]) -> bool:
        # Printed registers number their columns "(1) (2) ..." under the header: not a row.
        return _column_numbers(raw)

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        day = cells.date("date", required=True)
        text = cells.text("heading", required=True)
        parsed, title = self._number_and_title(cells, text or "")
        direction = "incoming" if self.incoming_book else "outgoing"
        values: dict[str, Any] = {"date": day, "title": title, "heading": text,
                                  "direction": direction, "urgency": "normal"}
        self._extra(cells, values)
        unit = self._issuer(cells, parsed, None, "")
        if unit is None or parsed is None or day is None or text is None:
            return None, values
        party = numbering.is_party(unit) if direction == "outgoing" else parsed.party
        values.update(
            number=str(replace(parsed, issuer=unit.code)) if parsed.untyped else
            numbering.format_number(parsed.seq, parsed.doc_type, unit.code, party),
            seq=parsed.seq, doc_type=parsed.doc_type, issuer_id=unit.id, party=party,
            period=numbering.period_for(unit, day))
        self._incoming(cells, values)
        return (unit.id, values["number"], values["period"]), values

    def _number_and_title(self, cells: Cells, text: str) -> tuple[Any, str]:
        """The number read by the numbering rules, and the title without the type's name
        when the name says the same as the number (or says what the number does not)."""
        raw = cells.text("number", required=True, limit=80)
        if raw is None:
            return None, text
        named, summary = registers.type_name_at_start(text)
        try:
            parsed = numbering.parse(raw)
        except BBTError as exc:
            untyped = _UNTYPED.match(raw)
            if untyped is None or int(untyped[1]) < 1:
                cells.fail("number", str(exc))
                return None, text
            parsed = numbering.Number(int(untyped[1]), "CV", untyped[2].upper(), False,
                                      untyped=True, drafter=(untyped[3] or "").upper())
        if parsed.untyped and named:  # "Tờ trình ..." numbered as a công văn: the name types it
            return replace(parsed, doc_type=named), summary or text
        return parsed, summary if named == parsed.doc_type and summary else text

    def _extra(self, cells: Cells, values: dict[str, Any]) -> None:
        recipients = cells.text("recipients", limit=MAX_LIST_CHARS) or ""
        cell = cells.text("notes", limit=2000) or ""
        notes, status, reason = split_withdrawal(cell)
        values.update(status=status, withdrawn_reason=reason, notes_cell=cell)
        values.update(
            signer=cells.text("signer", limit=255) or "", recipients_text=recipients,
            archive_to=cells.text("archive_to", limit=255) or "",
            copies=cells.integer("copies", minimum=0), notes=notes,
            handled_by=cells.text("handled_by", limit=MAX_LIST_CHARS) or "",
            passed_on=cells.date("passed_on"), recipient_units=[])
        if values["copies"] is not None and values["copies"] > MAX_COPIES:
            cells.fail("copies", _("At most {limit}.").format(limit=f"{MAX_COPIES:,}"))
        for name in recipient_names(recipients):
            unit_id = self.by_name.get(fold(name))
            if unit_id is None:
                self.unmatched.add(name)
            elif unit_id not in values["recipient_units"]:
                values["recipient_units"].append(unit_id)

    def resolve(self, planned: list[Planned]) -> None:
        super().resolve(planned)
        stored = [current.id for p in planned if (current := self.existing(p)) is not None]
        self.derived = registers.derived(self.session, stored)

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        stored = self.extra.get(current.id)
        if super().changed(planned, current) or stored is None:
            return True
        if v["title"] != current.title and \
                registers.heading(stored.doc_type, current.title) != v["heading"]:
            return True
        if "notes" in self.present and registers.notes_cell(stored) != v["notes_cell"]:
            return True  # "Đã thu hồi: a; b" splits two ways: compare as the book prints
        names = [n for n in EXTRA if _column_of(n) in self.present and _column_of(n) != "notes"]
        printed = self.derived.get(current.id, {})
        # An empty cell of the register prints what the deliveries say (registers.derived).
        return any(v[n] != getattr(stored, n) and not (getattr(stored, n) in ("", None)
                                                       and v[n] == printed.get(n))
                   for n in names)

    def write(self, plan: Plan, progress: Progress | None) -> None:
        for p in plan.updates:  # a title that prints as the file says is kept as stored
            stored = self.extra[p.current.id]
            if registers.heading(stored.doc_type, p.current.title) == p.values["heading"]:
                p.values["title"] = p.current.title
        super().write(plan, progress)
        names = [n for n in EXTRA if _column_of(n) in self.present]
        if names:
            bulk_update(self.session, DOCUMENT, [
                {"id": p.current.id, **{n: p.values[n] for n in names}} for p in plan.updates])
        self._deliveries(plan.inserts)

    def _row(self, p: Planned, now: Any) -> dict[str, Any]:
        row = super()._row(p, now)
        row.update({n: p.values[n] for n in EXTRA})
        return row

    def _deliveries(self, inserts: list[Planned]) -> None:
        """Recipients found among the units: deliveries long finished, dated the document's
        day, so they are never overdue and never wait in a unit's inbox."""
        wanted = [p for p in inserts if p.values["recipient_units"]]
        if not wanted:
            return
        d = DOCUMENT.c
        ids: dict[tuple[Any, ...], int] = {}
        numbers = sorted({p.values["number"] for p in wanted})
        for start in range(0, len(numbers), 500):
            query = select(d.id, d.issuer_id, d.number, d.period).where(
                d.number.in_(numbers[start:start + 500]))
            for r in self.session.execute(query):
                ids[(r.issuer_id, r.number, r.period)] = r.id
        rows = []
        for p in wanted:
            moment = datetime(p.values["date"].year, p.values["date"].month,
                              p.values["date"].day, tzinfo=UTC)
            rows += [{"document_id": ids[p.key], "unit_id": unit_id, "purpose": "inform",
                      "due": None, "status": "done", "sent_at": moment, "received_at": moment,
                      "done_at": moment, "note": "", "version": 1}
                     for unit_id in p.values["recipient_units"] if unit_id != p.values["issuer_id"]]
        bulk_insert(self.session, DELIVERY, rows)

    def report(self) -> dict[str, Any]:
        """What the import's report adds: the recipients that name no unit."""
        return {"unmatched_recipients": sorted(self.unmatched)}

    def export(self) -> Iterator[dict[str, Any]]:
        raise BBTError(_("Export this layout with `bbt export documents --layout nd30`."))


def _column_of(field: str) -> str:
    return {"recipients_text": "recipients", "status": "notes",
            "withdrawn_reason": "notes"}.get(field, field)


_WITHDRAWN = re.compile(rf"^{registers.WITHDRAWN}(?:\s*:\s*(.*?))?\s*(?:;\s*(.*))?$",
                        re.S | re.I)


def split_withdrawal(notes: str) -> tuple[str, str, str]:
    """"Đã thu hồi: lý do; ghi chú" (how a book notes a withdrawn number) read back into the
    notes, the status and the reason."""
    found = _WITHDRAWN.match(notes)
    if found is None:
        return notes, "issued", ""
    return (found[2] or "").strip(), "withdrawn", (found[1] or "").strip()


def _column_numbers(cells: list[Any]) -> bool:
    filled = [c for c in cells if c not in (None, "")]
    return len(filled) >= 3 and all(_COLUMN_NUMBER.match(str(c).strip()) for c in filled) \
        and any(str(c).startswith("(") for c in filled)


def recipient_names(text: str) -> list[str]:
    """The names in a "Nơi nhận" cell: one per line or between semicolons, without list
    marks, "(b/c)"-style notes, "Như trên" or "Lưu: VT"."""
    names = []
    for part in re.split(r"[\n;]", text):
        name = re.sub(r"\s*\([^)]*\)\s*$", "", part.strip(" \t-+•*.,:")).strip(" .,:")
        if name and not fold(name).startswith(_NOT_RECIPIENTS) and name not in names:
            names.append(name)
    return names


_MARKERS = frozenset(header_key(h) for h in (
    "Tên loại và trích yếu nội dung văn bản", "Tên loại và trích yếu nội dung",
    "Số, ký hiệu văn bản"))


def layout_for(cls: type[Handler], headers: Sequence[str]) -> type[Handler]:
    """The Phụ lục IV handler when a documents sheet has its headers."""
    if cls is Documents and any(header_key(h) in _MARKERS for h in headers):
        return RegisterBook
    return cls


def known_headers() -> set[str]:
    return {header_key(h) for c in RegisterBook.columns for h in c.headers()}
