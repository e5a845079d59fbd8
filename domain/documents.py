"""Document routing: registers, attachments, deliveries to units, receipts and tracking."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import and_, case, func, literal_column, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain import (
    audit,
    db,
    files,
    limits,
    numbering,
    registers,
    scope,
    search,
    signatures,
    units,
    vocab,
)
from domain import settings as settings_
from domain.auth import Actor, require, require_own_unit
from domain.errors import BBTError, Conflict, NotFound
from domain.i18n import _
from domain.text import fold, nfc, parse_date, require_date, today
from models import (
    DIRECTIONS,
    PARTY_KINDS,
    PURPOSES,
    URGENCIES,
    Attachment,
    Delivery,
    Document,
    Unit,
    utcnow,
)

MAX_ATTACHMENT_BYTES = files.MAX_FILE_BYTES


# ---------------------------------------------------------------- registers


def check_direction(value: str) -> str:
    value = vocab.code("direction", value)
    if value not in DIRECTIONS:
        raise BBTError(_("Direction is outgoing or incoming."))
    return value


def check_urgency(value: str) -> str:
    value = vocab.code("urgency", value)
    if value not in URGENCIES:
        raise BBTError(_("Urgency '{value}' is unknown; use one of {choices}.").format(
            value=value, choices=", ".join(URGENCIES)))
    return value


def store_attachment(session: Session, path: Path | str | None) -> tuple[str | None, str | None]:
    """Keep a file's bytes once, addressed by their SHA-256 (checked and typed by domain.files)."""
    return files.store_path(session, path)


def issue(
    session: Session,
    actor: Actor,
    doc_type: str,
    issuer: str,
    title: str,
    day: str | date | None = None,
    number: int | None = None,
    file: Path | str | None = None,
    urgency: str = "normal",
    signer: str = "",
    place: str | None = None,
    reopen: bool = False,
) -> Document:
    """Register an outgoing document with the next number of its register (or an explicit
    historical one, refused when taken)."""
    require(actor, "documents.write")
    unit = units.visible(session, actor, issuer)
    type_ = numbering.doc_type(doc_type)
    when = parse_date(day, "date") or today()
    if not limits.text(title, "title"):
        raise BBTError(_("A document needs a title (trích yếu)."))
    registers.guard(session, actor, unit, when, historical=number is not None, reopen=reopen)
    party = numbering.is_party(unit)
    period = numbering.period_in_force(session, unit, when)
    series = type_ if party else "*"
    assert unit.id is not None
    if number is None:
        _check_register_date(session, unit, type_ if party else None, period, when)
        seq = numbering.next_value(session, unit.id, "out", series, period)
        if seq > numbering.MAX_SEQ:  # a full register: the parser reads six digits at most
            raise BBTError(_("A document number has at most six digits."))
    else:
        if number < 1:
            raise BBTError(_("A document number starts at 1."))
        if number > numbering.MAX_SEQ:
            raise BBTError(_("A document number has at most six digits."))
        seq = number
        wanted = numbering.format_number(seq, type_, unit.code, party)
        if holder := _place_holder(session, unit, seq, type_, period):
            raise _already_registered(session, wanted, holder)
        numbering.claim_value(session, unit.id, "out", series, period, seq)
    sha, name = store_attachment(session, file)
    doc = Document(
        number=numbering.format_number(seq, type_, unit.code, party), seq=seq, doc_type=type_,
        issuer_id=unit.id, period=period, date=when,
        place=nfc(place) if place else settings_.get(session, "place"), title=nfc(title),
        title_search=fold(title), urgency=check_urgency(urgency), signer=nfc(signer),
        direction="outgoing", attachment_sha256=sha, attachment_name=name,
    )
    session.add(doc)
    session.flush()
    audit.record_document(session, actor, "document.issue", doc, title=doc.title,
                          date=doc.date, attachment=sha)
    files.register_main(session, actor, doc)
    return doc


def next_number(session: Session, unit: Unit, doc_type: str, day: date) -> str:
    """The number `issue` would give now to a document of this type and day (none is
    taken: the confirmation dialog before a letter is registered shows it)."""
    type_ = numbering.doc_type(doc_type)
    party = numbering.is_party(unit)
    period = numbering.period_in_force(session, unit, day)
    assert unit.id is not None
    seq = numbering.peek_value(session, unit.id, "out", type_ if party else "*", period)
    return numbering.format_number(seq, type_, unit.code, party)


# How far ahead an outgoing document may be dated (a letter signed for next month's meeting).
MAX_DAYS_AHEAD = 30


def _check_register_date(session: Session, unit: Unit, series: str | None, period: str,
                         when: date) -> None:
    """A new number is dated no earlier than the newest entry of its register and not far in
    the future: the register runs in date order. A historical entry needs --number."""
    if (when - today()).days > MAX_DAYS_AHEAD:
        raise BBTError(_("The date {date} is more than {days} days ahead; check it, or enter a "
                         "historical number with --number.").format(date=when,
                                                                    days=MAX_DAYS_AHEAD))
    query = select(func.max(Document.date)).where(
        Document.issuer_id == unit.id, Document.direction == "outgoing",
        Document.period == period)
    if series is not None:
        query = query.where(Document.doc_type == series)
    newest = session.exec(query).one()
    if newest is not None and when < newest:
        raise BBTError(_("The register of {unit} already has a document dated {newest}; a new "
                         "number cannot be dated {date} (enter a historical number with "
                         "--number).").format(unit=unit.code, newest=newest, date=when))


def receive(
    session: Session,
    actor: Actor,
    number: str,
    sender: str,
    day: str | date,
    title: str,
    to: str | None = None,
    received: str | date | None = None,
    file: Path | str | None = None,
    urgency: str = "normal",
    reopen: bool = False,
) -> Document:
    """Register an incoming document with the next incoming number (số đến) of the year."""
    require(actor, "documents.write")
    parsed = numbering.parse(number)
    issuer = units.get(session, sender)
    if parsed.issuer != issuer.code:
        raise BBTError(_("The number {number} names issuer {named}, not {sender}.").format(
            number=number, named=parsed.issuer, sender=issuer.code))
    recipient = units.visible(session, actor, to) if to else _actor_unit(session, actor)
    scope.require_in_scope(actor, recipient.id)
    limits.text(title, "title", required=True)
    when = require_date(day, "date")
    received_on = parse_date(received, "received") or today()
    if received_on < when:
        raise BBTError(_("A document cannot be received before its date."))
    registers.guard(session, actor, recipient, received_on, historical=reopen, reopen=reopen)
    period = numbering.period_in_force(session, issuer, when)
    assert issuer.id is not None and recipient.id is not None
    if holder := _place_holder(session, issuer, parsed.seq, parsed.doc_type, period):
        raise _already_registered(session, str(parsed), holder)
    incoming_no = numbering.next_value(session, recipient.id, "in", "*", str(received_on.year))
    sha, name = store_attachment(session, file)
    doc = Document(
        number=str(parsed), seq=parsed.seq, doc_type=parsed.doc_type, issuer_id=issuer.id,
        period=period, date=when, title=nfc(title), title_search=fold(title),
        urgency=check_urgency(urgency), direction="incoming", recipient_id=recipient.id,
        incoming_number=incoming_no, incoming_year=received_on.year, received_on=received_on,
        attachment_sha256=sha, attachment_name=name,
    )
    session.add(doc)
    session.flush()
    audit.record_document(session, actor, "document.receive", doc,
                          incoming_number=incoming_no, recipient=recipient.code,
                          attachment=sha)
    files.register_main(session, actor, doc)
    return doc


def _actor_unit(session: Session, actor: Actor) -> Unit:
    unit = session.get(Unit, actor.unit_id) if actor.unit_id else None
    if unit is None:
        raise BBTError(_("Name the receiving unit with --to."))
    return unit


def _place_holder(session: Session, issuer: Unit, seq: int, doc_type: str, period: str
                  ) -> Document | None:
    """The document holding this place in its issuer's register, however its number was
    spelt. A Party body numbers each type in its own sequence (HD 36), a state body every
    type in one (NĐ 30/2020): 45/QĐ-UBND and 45/TB-UBND cannot both exist, and a công văn
    written 45/UBND-VP is 45/CV-UBND. Writers of one register take turns first, so that two
    at once cannot both find the place free (no unique key spans the types)."""
    db.take_turns(session, "register-place", issuer.id, period)
    query = select(Document).where(Document.issuer_id == issuer.id,
                                   Document.period == period, Document.seq == seq)
    if numbering.is_party(issuer):
        query = query.where(Document.doc_type == doc_type)
    return session.exec(query.order_by(col(Document.id))).first()


def shared_places(session: Session, limit: int = 5) -> tuple[int, list[list[str]]]:
    """Places of a state register that hold more than one number (45/QĐ-UBND and
    45/TB-UBND in one year), as documents stored before the one-sequence rule may: how many,
    and the numbers of the first few. `bbt db check` reports them."""
    shared = (sa_select(col(Document.issuer_id), col(Document.period), col(Document.seq))
              .join(Unit, col(Unit.id) == col(Document.issuer_id))
              .where(col(Unit.kind).not_in(PARTY_KINDS))
              .group_by(col(Document.issuer_id), col(Document.period), col(Document.seq))
              .having(func.count() > 1))
    total = session.execute(sa_select(func.count()).select_from(shared.subquery())).scalar_one()
    examples = []
    for issuer_id, period, seq in session.execute(shared.order_by(
            col(Document.period), col(Document.issuer_id), col(Document.seq)).limit(limit)):
        examples.append(list(session.exec(select(Document.number).where(
            Document.issuer_id == issuer_id, Document.period == period, Document.seq == seq)
            .order_by(col(Document.id)))))
    return int(total), examples


def place_taken(wanted: str, existing: str) -> str:
    """Why a number whose place its register already gives to another is refused."""
    return _("The place of {number} in its register is already registered as {existing}: a "
             "state body numbers every type of document in one sequence (Nghị định "
             "30/2020).").format(number=wanted, existing=existing)


def _already_registered(session: Session, wanted: str, holder: Document) -> BBTError:
    if holder.number != wanted:
        return BBTError(place_taken(wanted, holder.number))
    recipient = session.get(Unit, holder.recipient_id) if holder.recipient_id else None
    if holder.incoming_number is None or recipient is None:
        return BBTError(_("{number} is already registered.").format(number=wanted))
    return BBTError(_("{number} is already registered (incoming no. {no} of {unit}).").format(
        number=wanted, no=holder.incoming_number, unit=recipient.code))


def get(session: Session, number: str, year: int | None = None) -> Document:
    """The one document with this number. A number repeats across Party terms and state
    years; then `year` (of the document's date) must say which one is meant."""
    parsed = numbering.parse(number)
    query = select(Document).where(Document.number == str(parsed))
    if year:
        query = query.where(col(Document.date) >= date(year, 1, 1),
                            col(Document.date) <= date(year, 12, 31))
    found = list(session.exec(query.order_by(col(Document.date), col(Document.id)).limit(20)))
    if not found:
        raise NotFound(_("There is no document {number}.").format(number=parsed))
    if len(found) > 1:  # all of them counted, the 20 oldest listed
        count = session.exec(select(func.count()).select_from(query.subquery())).one()
        raise BBTError(_("{number} names {count} documents: {candidates}; add --year to say "
                         "which.").format(number=parsed, count=count, candidates="; ".join(
                             f"{d.number} {d.date.isoformat()} ({d.title[:40]})" for d in found)))
    return found[0]


def visible(session: Session, actor: Actor, number: str, year: int | None = None) -> Document:
    """The document, if the actor's scope sees it (issued, received or sent there)."""
    doc = get(session, number, year)
    scope.require_document_visible(session, actor, doc)
    return doc


def owned(session: Session, actor: Actor, number: str, year: int | None = None) -> Document:
    """The document, if its register lies in the actor's scope: to sign, send or withdraw."""
    doc = get(session, number, year)
    scope.require_document_owned(actor, doc)
    return doc


def withdraw(session: Session, actor: Actor, number: str, reason: str,
             year: int | None = None) -> Document:
    """Thu hồi: the number stays in its register, marked withdrawn with the reason; from
    now on the document counts nowhere (statistics, reports, overdue, late units)."""
    require(actor, "documents.write")
    doc = owned(session, actor, number, year)
    reason = nfc(reason).strip()
    if not reason:
        raise BBTError(_("Give the reason for withdrawing with --reason."))
    if doc.status == "withdrawn":
        raise BBTError(_("{number} was already withdrawn on {date}.").format(
            number=doc.number, date=doc.withdrawn_at.date() if doc.withdrawn_at else "-"))
    doc.status, doc.withdrawn_reason, doc.withdrawn_at = "withdrawn", reason, utcnow()
    session.add(doc)
    session.flush()
    audit.record_document(session, actor, "document.withdraw", doc, date=doc.date,
                          period=doc.period, reason=reason)
    return doc


def _require_issued(doc: Document) -> None:
    if doc.status == "withdrawn":
        raise BBTError(_("{number} was withdrawn ({reason}); it can no longer be sent.").format(
            number=doc.number, reason=doc.withdrawn_reason))


def attachment_bytes(session: Session, doc: Document) -> bytes | None:
    if doc.attachment_sha256 is None:
        return None
    stored = session.get(Attachment, doc.attachment_sha256)
    return stored.data if stored else None


# ---------------------------------------------------------------- deliveries


def check_purpose(value: str) -> str:
    value = vocab.code("purpose", value)
    if value not in PURPOSES:
        raise BBTError(_("Purpose '{value}' is unknown; use one of {choices}.").format(
            value=value, choices=", ".join(PURPOSES)))
    return value


@dataclass
class SendResult:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def send(
    session: Session,
    actor: Actor,
    number: str,
    to: Sequence[str] = (),
    to_kind: str | None = None,
    purpose: str = "inform",
    due: str | date | None = None,
    year: int | None = None,
) -> SendResult:
    """Send a document to units, or to every active unit of a kind, in one transaction."""
    require(actor, "documents.write")
    doc = owned(session, actor, number, year)
    _require_issued(doc)
    targets = [units.require_active(units.addressable(session, actor, code)) for code in to]
    if to_kind:
        targets += units.listing(session, to_kind, actor=actor)
    unique = {u.id: u for u in targets}  # a unit named twice gets one delivery
    targets = [u for u in unique.values() if u.active and u.id != doc.issuer_id]
    if not targets:
        raise BBTError(_("Name at least one recipient unit (--to CODE or --to-kind KIND)."))
    purpose = check_purpose(purpose)
    due_date = parse_date(due, "due")
    if due_date and due_date < doc.date:
        raise BBTError(_("The due date is before the document's date."))
    have = set(session.exec(select(Delivery.unit_id).where(Delivery.document_id == doc.id)))
    result = SendResult()
    for unit in targets:
        if unit.id in have:
            result.already.append(unit.code)
            continue
        session.add(Delivery(document_id=doc.id, unit_id=unit.id,  # type: ignore[arg-type]
                             purpose=purpose, due=due_date))
        result.sent.append(unit.code)
    session.flush()
    if result.sent:
        audit.record_document(session, actor, "document.send", doc, purpose=purpose,
                              due=due_date, units=result.sent)
    return result


def _delivery(session: Session, doc: Document, unit: Unit) -> Delivery:
    found = session.exec(select(Delivery).where(
        Delivery.document_id == doc.id, Delivery.unit_id == unit.id)).first()
    if found is None:
        raise NotFound(_("{number} was not sent to {unit}.").format(
            number=doc.number, unit=unit.code))
    return found


def _move(session: Session, delivery: Delivery, expected_version: int | None,
          **values: Any) -> None:
    """Write a delivery only if nobody changed it since it was read (no lost updates)."""
    version = delivery.version if expected_version is None else expected_version
    done_ = session.execute(
        update(Delivery).where(col(Delivery.id) == delivery.id, col(Delivery.version) == version)
        .values(version=version + 1, **values)).rowcount  # type: ignore[attr-defined]
    if done_ != 1:
        raise Conflict(_("Someone else changed this delivery first; reload and try again."))
    session.refresh(delivery)


def _acting_delivery(session: Session, actor: Actor, number: str, unit_code: str,
                     year: int | None = None) -> tuple[Document, Unit, Delivery]:
    require(actor, "deliveries.act")
    doc = visible(session, actor, number, year)
    unit = units.visible(session, actor, unit_code)
    assert unit.id is not None
    require_own_unit(actor, unit.id)
    return doc, unit, _delivery(session, doc, unit)


def acknowledge(session: Session, actor: Actor, number: str, unit_code: str,
                expected_version: int | None = None, year: int | None = None) -> Delivery:
    doc, unit, delivery = _acting_delivery(session, actor, number, unit_code, year)
    if delivery.status != "sent":
        raise BBTError(_("{unit} already has {number} ({status}).").format(
            unit=unit.code, number=doc.number, status=delivery.status))
    _move(session, delivery, expected_version, status="received", received_at=utcnow())
    audit.record_document(session, actor, "delivery.ack", doc, unit.code)
    return delivery


def mark_done(session: Session, actor: Actor, number: str, unit_code: str, note: str = "",
              expected_version: int | None = None, year: int | None = None) -> Delivery:
    doc, unit, delivery = _acting_delivery(session, actor, number, unit_code, year)
    if delivery.status in ("done", "returned"):
        raise BBTError(_("{unit} has already finished {number} ({status}).").format(
            unit=unit.code, number=doc.number, status=delivery.status))
    now = utcnow()
    _move(session, delivery, expected_version, status="done", done_at=now,
          received_at=delivery.received_at or now, note=nfc(note))
    audit.record_document(session, actor, "delivery.done", doc, unit.code, note=nfc(note))
    return delivery


def give_back(session: Session, actor: Actor, number: str, unit_code: str, reason: str,
              year: int | None = None) -> Delivery:
    """The unit sends the delivery back (trả lại: not its business, wrong addressee...): it
    is `returned`, with the reason, and never overdue."""
    doc, unit, delivery = _acting_delivery(session, actor, number, unit_code, year)
    reason = nfc(reason).strip()
    if not reason:
        raise BBTError(_("Give the reason for returning with --reason."))
    if delivery.status in ("done", "returned"):
        raise BBTError(_("{unit} has already finished {number} ({status}).").format(
            unit=unit.code, number=doc.number, status=delivery.status))
    _move(session, delivery, None, status="returned", note=reason)
    audit.record_document(session, actor, "delivery.return", doc, unit.code, reason=reason)
    return delivery


def forward(session: Session, actor: Actor, number: str, from_code: str, to_code: str,
            purpose: str | None = None, due: str | date | None = None,
            year: int | None = None) -> Delivery:
    """Pass a received document on to another unit, remembering where it came from."""
    doc, unit, source = _acting_delivery(session, actor, number, from_code, year)
    _require_issued(doc)
    target = units.require_active(units.addressable(session, actor, to_code))
    if session.exec(select(Delivery).where(Delivery.document_id == doc.id,
                                           Delivery.unit_id == target.id)).first():
        raise BBTError(_("{number} was already sent to {unit}.").format(
            number=doc.number, unit=target.code))
    if source.status == "sent":
        _move(session, source, None, status="received", received_at=utcnow())
    delivery = Delivery(document_id=doc.id, unit_id=target.id,  # type: ignore[arg-type]
                        purpose=check_purpose(purpose or source.purpose),
                        due=parse_date(due, "due") or source.due, forwarded_from_id=source.id)
    session.add(delivery)
    session.flush()
    audit.record_document(session, actor, "delivery.forward", doc, target.code,
                          source=unit.code)
    return delivery


# ---------------------------------------------------------------- tracking


# A delivery in these states is finished: never overdue (returned: the unit sent it back).
FINISHED = ("done", "returned")


def is_overdue(delivery: Delivery, on: date | None = None) -> bool:
    return bool(delivery.due and delivery.due < (on or today())
                and delivery.status not in FINISHED)


def open_delivery():  # type: ignore[no-untyped-def]
    """Not finished and with a due date, in the very words of the partial index
    ix_delivery_open_due (literal values, not parameters): then both engines read that
    index, never the whole history."""
    return (col(Delivery.status).not_in([literal_column(f"'{s}'") for s in FINISHED])
            & col(Delivery.due).is_not(None))


def _late(on: date):  # type: ignore[no-untyped-def]
    """The SQL of is_overdue, for deliveries of documents that still count."""
    return (col(Delivery.due) < on) & open_delivery()


def _counting_documents():  # type: ignore[no-untyped-def]
    """Documents that count: a withdrawn one stays in the register but nowhere else."""
    return col(Document.status) != "withdrawn"


def counting_delivery():  # type: ignore[no-untyped-def]
    """A delivery of a document that counts, without joining its document: the few withdrawn
    ids come once from the partial index ix_document_withdrawn (the literal condition, as in
    open_delivery), and each delivery is checked against that short list. Counts then read
    the deliveries' indexes alone, never one document row per delivery (issue 13)."""
    withdrawn = sa_select(col(Document.id)).where(
        col(Document.status) == literal_column("'withdrawn'"))
    return col(Delivery.document_id).not_in(withdrawn)


@dataclass
class Filters:
    direction: str | None = None
    year: int | None = None
    unit: str | None = None
    overdue: bool = False
    search: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(session: Session, actor: Actor, f: Filters):  # type: ignore[no-untyped-def]
    query = select(Document)
    if f.direction:
        query = query.where(Document.direction == check_direction(f.direction))
    if f.year:
        query = query.where(Document.date >= date(f.year, 1, 1),
                            Document.date <= date(f.year, 12, 31))
    if f.date_from:
        query = query.where(Document.date >= f.date_from)
    if f.date_to:
        query = query.where(Document.date <= f.date_to)
    query = scope.where_documents(query, actor)
    unit_id = units.visible(session, actor, f.unit).id if f.unit else None
    if actor.role == "clerk":
        unit_id = actor.unit_id  # a unit clerk sees its own unit's documents only
    if unit_id is not None:
        sent_to = select(Delivery.document_id).where(Delivery.unit_id == unit_id)
        query = query.where(or_(col(Document.id).in_(sent_to), col(Document.issuer_id) == unit_id,
                                col(Document.recipient_id) == unit_id))
    if f.overdue:
        query = query.where(_counting_documents())
    if f.overdue and unit_id is not None:
        query = query.where(col(Document.id).in_(select(Delivery.document_id).where(
            col(Delivery.unit_id) == unit_id, _late(today()))))
    elif f.overdue:
        # Walk the register newest first and stop at the limit: on a province database most
        # old documents have a late delivery, so this is far cheaper than collecting them all.
        query = query.where(select(Delivery.id).where(
            col(Delivery.document_id) == Document.id, _late(today())).exists())
    if f.search:
        query = search.restrict(session, query, f.search)  # best matches first
    return query


def listing(session: Session, actor: Actor, filters: Filters | None = None,
            limit: int | None = None, offset: int = 0) -> list[Document]:
    require(actor, "read")
    query = _filtered(session, actor, filters or Filters()).order_by(
        col(Document.date).desc(), col(Document.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def stream(session: Session, actor: Actor, filters: Filters | None = None,
           limit: int | None = None, page: int = 500) -> Iterator[dict[str, Any]]:
    """The listing as JSON-shaped rows, newest first, read a page at a time (`pages`), so
    memory stays flat however many documents match."""
    codes = units.by_id(session)
    for docs in pages(session, actor, filters, limit=limit, size=page):
        grouped = deliveries_of(session, actor, docs)
        yield from (as_dict(d, codes, grouped.get(d.id or 0, [])) for d in docs)


def pages(session: Session, actor: Actor, filters: Filters | None = None, *,
          oldest_first: bool = False, limit: int | None = None, size: int = 500
          ) -> Iterator[list[Document]]:
    """The listing's documents a page at a time, newest first (or oldest first, as the
    register is exported): each page starts after the last row of the one before, by date
    and id (the register's index, no OFFSET), and the session forgets a page's objects
    once the caller asks for the next one."""
    require(actor, "read")
    f = filters or Filters()
    query = _filtered(session, actor, f)
    if f.search:
        chunks = _ranked_pages(session, query, size=size, limit=limit)
    else:
        chunks = db.pages(session, query, (col(Document.date), col(Document.id)),
                          lambda d: (d.date, d.id), size=size, descending=not oldest_first,
                          limit=limit)
    for docs in chunks:
        yield docs
        session.expunge_all()  # the rows are written out; keep the identity map small


def _ranked_pages(session: Session, query: Any, *, size: int, limit: int | None
                  ) -> Iterator[list[Document]]:
    """A search's documents, best matches first, a page at a time. A search is ordered by
    relevance, which no key of the table follows, so paging by (date, id) would skip and
    repeat rows: the matching ids are read once in order (a few bytes each), then their
    documents a page at a time."""
    ids = list(session.exec(query.with_only_columns(col(Document.id)).order_by(
        col(Document.date).desc(), col(Document.id).desc()).limit(limit)))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        found = {d.id: d for d in session.exec(select(Document).where(
            col(Document.id).in_(chunk)))}
        yield [found[i] for i in chunk]


def count(session: Session, actor: Actor, filters: Filters | None = None) -> int:
    query = _filtered(session, actor, filters or Filters()).with_only_columns(
        func.count(col(Document.id))).order_by(None)
    return int(session.exec(query).one())  # type: ignore[call-overload]


def position(session: Session, actor: Actor, doc_id: int,
             filters: Filters | None = None) -> int | None:
    """Where document `doc_id` stands in `listing` (0: the first row), for a screen that
    keeps its cursor on a document after a change; None when the filters leave it out, or
    when a search orders by relevance rather than by date."""
    require(actor, "read")
    f = filters or Filters()
    doc = session.get(Document, doc_id)
    if doc is None or f.search:
        return None

    def counted(query):  # type: ignore[no-untyped-def]
        query = query.with_only_columns(func.count(col(Document.id))).order_by(None)
        return int(session.exec(query).one())

    listed = _filtered(session, actor, f)
    if not counted(listed.where(col(Document.id) == doc_id)):
        return None
    return counted(listed.where(or_(col(Document.date) > doc.date, and_(
        col(Document.date) == doc.date, col(Document.id) > doc_id))))


def deliveries_of(session: Session, actor: Actor, docs: Iterable[Document]
                  ) -> dict[int, list[tuple[Delivery, str]]]:
    """Each document's deliveries with the recipient's code (a clerk sees only its own; a
    scoped account those in its units, and every one of its own register's documents, sent
    up to the province included), as read-only rows with the Delivery's attribute names: a
    listing of 200,000 documents has ten times as many deliveries, and an ORM object each
    cost more than the query."""
    docs = list(docs)
    ids = [d.id for d in docs]
    owned = {d.id for d in docs if scope.contains(actor, scope.owner(d))}
    grouped: dict[int, list[tuple[Delivery, str]]] = {i: [] for i in ids if i is not None}
    table = Delivery.__table__  # type: ignore[attr-defined]
    for start in range(0, len(ids), 500):
        query = (sa_select(table, col(Unit.code)).join(Unit, col(Unit.id) == table.c.unit_id)
                 .where(table.c.document_id.in_(ids[start:start + 500]))
                 .order_by(col(Unit.code)))
        if actor.role == "clerk":
            query = query.where(table.c.unit_id == actor.unit_id)
        if scope.is_scoped(actor):
            query = query.where(or_(scope.units_clause(actor, table.c.unit_id),
                                    table.c.document_id.in_(owned)))
        for row in session.execute(query):  # a row reads like the Delivery (same names)
            grouped[row.document_id].append((cast(Delivery, row), row.code))
    return grouped


def as_dict(doc: Document, codes: dict[int, Unit],
            deliveries: list[tuple[Delivery, str]]) -> dict[str, Any]:
    """The JSON shape of SPEC section 4 (plus incoming-register fields)."""
    recipient = codes.get(doc.recipient_id) if doc.recipient_id else None
    on = today()
    return {
        "number": doc.number,
        "type": doc.doc_type,
        "issuer": codes[doc.issuer_id].code,
        "date": doc.date.isoformat(),
        "title": doc.title,
        "direction": doc.direction,
        "status": doc.status,
        "period": doc.period,
        "withdrawn_reason": doc.withdrawn_reason or None,
        "urgency": doc.urgency,
        "signed": doc.signature is not None,
        "attachment_sha256": doc.attachment_sha256,
        "incoming_number": doc.incoming_number,
        "received_by": recipient.code if recipient else None,
        "received_on": doc.received_on.isoformat() if doc.received_on else None,
        "deliveries": [
            {"unit": code, "purpose": d.purpose, "status": d.status,
             "due": d.due.isoformat() if d.due else None,
             "overdue": doc.status != "withdrawn" and is_overdue(d, on),
             "received_at": d.received_at.isoformat() if d.received_at else None,
             "done_at": d.done_at.isoformat() if d.done_at else None, "note": d.note,
             "version": d.version}
            for d, code in deliveries
        ],
    }


def describe(session: Session, actor: Actor, docs: list[Document]) -> list[dict[str, Any]]:
    codes = units.by_id(session)
    grouped = deliveries_of(session, actor, docs)
    return [as_dict(d, codes, grouped.get(d.id or 0, [])) for d in docs]


def show(session: Session, actor: Actor, number: str, year: int | None = None
         ) -> dict[str, Any]:
    require(actor, "read")
    doc = visible(session, actor, number, year)
    if actor.role == "clerk" and not _visible_to_clerk(session, actor, doc):
        raise NotFound(_("There is no document {number}.").format(number=doc.number))
    audit.record_document(session, actor, "document.view", doc)  # NĐ30 access history
    return describe(session, actor, [doc])[0] | signatures.summary(session, doc)


def _visible_to_clerk(session: Session, actor: Actor, doc: Document) -> bool:
    if actor.unit_id in (doc.issuer_id, doc.recipient_id):
        return True
    return session.exec(select(Delivery.id).where(
        Delivery.document_id == doc.id, Delivery.unit_id == actor.unit_id)).first() is not None


def inbox(session: Session, actor: Actor, unit_code: str | None = None,
          pending_only: bool = True) -> list[tuple[Delivery, Document]]:
    """A unit's deliveries, oldest due first: what its clerk has to acknowledge or finish."""
    require(actor, "read")
    unit = units.visible(session, actor, unit_code) if unit_code else _actor_unit(session, actor)
    assert unit.id is not None
    require_own_unit(actor, unit.id)
    scope.require_in_scope(actor, unit.id)
    query = (select(Delivery, Document).join(Document, col(Document.id) == Delivery.document_id)
             .where(Delivery.unit_id == unit.id))
    if pending_only:
        query = query.where(col(Delivery.status).in_(("sent", "received")),
                            _counting_documents())
    query = query.order_by(col(Delivery.due).is_(None), col(Delivery.due), col(Delivery.id))
    return [(d, doc) for d, doc in session.exec(query)]


def senders(session: Session, rows: list[tuple[Delivery, Document]]) -> dict[int, Unit]:
    """Who sent each delivery (by delivery id) to its unit: the unit that forwarded it to
    them, else the document's issuer."""
    by_id = units.by_id(session)
    sources = [d.forwarded_from_id for d, _doc in rows if d.forwarded_from_id]
    forwarders: dict[int | None, int] = {}
    for start in range(0, len(sources), 500):
        query = sa_select(col(Delivery.id), col(Delivery.unit_id)).where(
            col(Delivery.id).in_(sources[start:start + 500]))
        forwarders.update((row[0], row[1]) for row in session.execute(query))
    return {d.id: by_id[forwarders.get(d.forwarded_from_id, doc.issuer_id)]  # type: ignore[misc]
            for d, doc in rows}


def unit_summary(session: Session, on: date | None = None, kind: str | None = None,
                 start: date | None = None, end: date | None = None, *,
                 actor: Actor | None = None) -> list[dict[str, Any]]:
    """Per unit: deliveries, unacknowledged, done and overdue. The late ones come first:
    these are the units that are "struggling" (lúng túng) with document routing. An actor
    given: the units of its scope only."""
    on = on or today()
    late = case((_late(on), 1), else_=0)
    query = (sa_select(col(Unit.code), col(Unit.name), func.count(col(Delivery.id)),
                    func.sum(case((col(Delivery.status) == "sent", 1), else_=0)),
                    func.sum(case((col(Delivery.status) == "done", 1), else_=0)),
                    func.sum(late))
             .join(Delivery, col(Delivery.unit_id) == Unit.id)
             .join(Document, col(Document.id) == Delivery.document_id)
             .where(_counting_documents())
             .group_by(col(Unit.code), col(Unit.name)))
    if kind:
        query = query.where(col(Unit.kind) == units.check_kind(kind))
    query = scope.where_units(query, actor, Unit.id)
    if start:
        query = query.where(col(Delivery.sent_at) >= _midnight(start))
    if end:
        query = query.where(col(Delivery.sent_at) < _midnight(end))
    rows = [{"unit": code, "name": name, "deliveries": int(total),
             "unacknowledged": int(unacked or 0), "done": int(done_ or 0),
             "overdue": int(overdue or 0)}
            for code, name, total, unacked, done_, overdue in session.execute(query)]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["unacknowledged"], r["unit"]))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
