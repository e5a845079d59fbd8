"""The reminder letter (công văn đôn đốc): every late unit with the documents it owes and by
how many days, in the Party layout. Registered, it takes the next CV number of its issuer,
is kept as that document's file and is sent (purpose `report`) to each unit it names, due in
`reminder.due_days` days; a unit reminded again reads the number of the earlier letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from domain import audit, documents, letters, numbering, scope, settings, units
from domain.auth import Actor, require
from domain.errors import AuthError, BBTError
from domain.i18n import _
from domain.reports_layout import Paragraph, ReportDocument, Table
from domain.text import vn_date
from models import Delivery, Document, ReminderUnit, Unit

SUBJECT = "V/v đôn đốc thực hiện, báo cáo văn bản quá hạn"
TITLE = "Đôn đốc thực hiện, báo cáo văn bản quá hạn"
MAX_DUE_DAYS = 365


@dataclass
class LateUnit:
    code: str
    name: str
    documents: list[dict[str, Any]] = field(default_factory=list)
    earlier: tuple[str, date] | None = None  # the last letter that reminded this unit

    def as_json(self) -> dict[str, Any]:
        return {"unit": self.code, "documents": [
            {"number": d["number"], "due": d["due"].isoformat(), "days_late": d["days_late"]}
            for d in self.documents]}


def late_units(session: Session, as_of: date, kind: str | None = None, *,
               actor: Actor | None = None) -> list[LateUnit]:
    """Active units with deliveries due before `as_of` and not done (nor returned), the
    documents oldest due first; units by code."""
    query = (select(Unit, Document, Delivery)
             .join(Delivery, col(Delivery.unit_id) == Unit.id)
             .join(Document, col(Document.id) == Delivery.document_id)
             .where(col(Delivery.due) < as_of, col(Delivery.status).in_(("sent", "received")),
                    col(Unit.active).is_(True), Document.status == "issued")
             .order_by(col(Unit.code), col(Delivery.due), col(Document.number)))
    if kind:
        query = query.where(Unit.kind == units.check_kind(kind))
    query = scope.where_units(query, actor, Unit.id)
    found: dict[str, LateUnit] = {}
    for unit, doc, delivery in session.exec(query):
        assert delivery.due is not None
        late = found.setdefault(unit.code, LateUnit(unit.code, unit.name))
        late.documents.append({"number": doc.number, "title": doc.title, "due": delivery.due,
                               "days_late": (as_of - delivery.due).days})
    _earlier_letters(session, list(found.values()), as_of)
    return list(found.values())


def _earlier_letters(session: Session, late: list[LateUnit], as_of: date) -> None:
    if not late:
        return
    query = (select(Unit.code, Document.number, Document.date)  # type: ignore[call-overload]
             .join(ReminderUnit, col(ReminderUnit.unit_id) == Unit.id)
             .join(Document, col(Document.id) == ReminderUnit.document_id)
             .where(col(Unit.code).in_([u.code for u in late]), col(Document.date) <= as_of,
                    Document.status == "issued")
             .order_by(col(Document.date), col(Document.id)))
    latest = {code: (number, day) for code, number, day in session.exec(query)}
    for unit in late:
        unit.earlier = latest.get(unit.code)


def due_days(session: Session) -> int:
    value = settings.get(session, "reminder.due_days").strip()
    try:
        days = int(value)
    except ValueError:
        days = -1
    if not 1 <= days <= MAX_DUE_DAYS:
        raise BBTError(_("The setting reminder.due_days ('{value}') must be a number of days "
                         "from 1 to 365.").format(value=value))
    return days


# ---------------------------------------------------------------- the letter


def compose(session: Session, late: list[LateUnit], *, issuer: Unit, number: str | None,
            day: date, answer_by: date) -> ReportDocument:
    # A draft leaves the number blank for the clerk: "Số      -CV/BBT".
    blank = numbering.format_number(0, "CV", issuer.code, numbering.is_party(issuer))
    shown = number or " " * 5 + blank.lstrip("0")
    doc = letters.frame(session, number=f"Số {shown}", day=day, title="", subtitle=SUBJECT,
                        recipients=["Như trên", f"Lưu {issuer.code}"])
    names = [u.name for u in late]
    addressees = "; ".join(names) if len(names) <= 5 else \
        "Các đơn vị có tên trong danh sách dưới đây"
    doc.body.append(Paragraph(f"Kính gửi: {addressees or '(không có đơn vị chậm hạn)'}."))
    earlier = sorted({u.earlier for u in late if u.earlier}, key=lambda e: e[1])
    if earlier:
        cited = ", ".join(f"số {n} ngày {vn_date(d)}" for n, d in earlier)
        doc.body.append(Paragraph(f"Tiếp theo Công văn {cited} về việc đôn đốc thực hiện, "
                                  "báo cáo văn bản quá hạn;"))
    doc.body.append(Paragraph(
        f"Qua theo dõi việc gửi, nhận và xử lý văn bản đến ngày {vn_date(day)}, các đơn vị "
        "sau đây chưa hoàn thành việc thực hiện, báo cáo các văn bản đã quá hạn xử lý:"))
    doc.body.append(_table(late))
    doc.body.append(Paragraph(
        "Đề nghị các đơn vị khẩn trương thực hiện, báo cáo kết quả trước ngày "
        f"{vn_date(answer_by)}; trường hợp có vướng mắc, báo cáo để được hướng dẫn."))
    return doc


def _table(late: list[LateUnit]) -> Table:
    rows = []
    for index, unit in enumerate(late, start=1):
        for position, item in enumerate(unit.documents):
            first = position == 0
            reminded = unit.earlier[0] if first and unit.earlier else ""
            rows.append([str(index) if first else "", unit.name if first else "",
                         item["number"], vn_date(item["due"]), str(item["days_late"]),
                         reminded])
    total = sum(len(u.documents) for u in late)
    return Table(["STT", "Đơn vị", "Văn bản", "Hạn xử lý", "Số ngày quá hạn", "Đã nhắc"], rows,
                 total=["", f"{len(late)} đơn vị", f"{total} văn bản", "", "", ""])


@dataclass
class Reminder:
    late: list[LateUnit]
    content: bytes
    number: str | None = None


def prepare(session: Session, actor: Actor, *, as_of: date, issuer: str | None = None,
            kind: str | None = None, fmt: str = "md", register: bool = False) -> Reminder:
    """The letter as of a day; registered, it is numbered, kept and sent in the caller's
    transaction (which the caller commits only once the file is written)."""
    require(actor, "documents.write" if register else "read")
    if actor.role == "clerk":  # the letter names every unit's documents, not only its own
        raise AuthError(_("A unit clerk can only act on its own unit's documents."))
    source = _issuer(session, actor, issuer)
    late = late_units(session, as_of, kind, actor=actor)
    if register and not late:
        raise BBTError(_("No unit is late on {day}: there is nobody to remind.").format(
            day=vn_date(as_of)))
    answer_by = as_of + timedelta(days=due_days(session))
    doc = _issue(session, actor, source, as_of) if register else None
    content = letters.render(compose(session, late, issuer=source,
                                     number=doc.number if doc else None, day=as_of,
                                     answer_by=answer_by), fmt)
    if doc is not None:
        _send(session, actor, doc, late, content, fmt, answer_by)
    return Reminder(late, content, doc.number if doc else None)


def next_number(session: Session, actor: Actor, *, as_of: date, issuer: str | None = None
                ) -> str:
    """The number registering the letter now would take (nothing is taken)."""
    require(actor, "documents.write")
    return documents.next_number(session, _issuer(session, actor, issuer), "CV", as_of)


def _issuer(session: Session, actor: Actor, code: str | None) -> Unit:
    # A scoped admin writes from the root of its subtree and reminds its own units only.
    return units.visible(session, actor, code or actor.scope_code
                         or settings.get(session, "org.code") or "BBT")


def _issue(session: Session, actor: Actor, source: Unit, day: date) -> Document:
    return documents.issue(session, actor, "CV", source.code, TITLE, day=day,
                           signer=settings.get(session, "signer.name"))


def _send(session: Session, actor: Actor, doc: Document, late: list[LateUnit], content: bytes,
          fmt: str, answer_by: date) -> None:
    letters.attach(session, doc, content, f"{doc.seq}-CV.{fmt}")
    codes = [u.code for u in late]
    documents.send(session, actor, doc.number, to=codes, purpose="report", due=answer_by,
                   year=doc.date.year)
    ids = {u.code: u.id for u in units.listing(session)}
    session.add_all(ReminderUnit(document_id=doc.id, unit_id=ids[c])  # type: ignore[arg-type]
                    for c in codes)
    session.flush()
    audit.record_document(session, actor, "document.remind", doc, units=codes,
                          due=answer_by, attachment=doc.attachment_sha256)
