"""Register books (sổ đăng ký văn bản đi / đến) in the layout of Nghị định 30/2020, Phụ lục IV:
printed at the end of each year and bound, closed (khóa sổ) so that nothing new is entered
in the year, and checked later against the database and the audit chain.

A book is a unit's outgoing documents of a calendar year (the issuer's register), or the
documents it received in that year in the order of their incoming numbers. Every print of a
book records in the audit chain the SHA-256 of the file and a digest of its entries, so a
bound paper copy, or the file it came from, can be checked years later.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain import audit, numbering, output, units, vocab
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.numbering import DOC_TYPES
from domain.text import fold
from models import Delivery, Document, RegisterClosure, Unit

BOOKS = ("outgoing", "incoming")
FORMATS = ("docx", "pdf", "xlsx")
OUTGOING_COLUMNS = (
    "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản",
    "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ghi chú",
)
INCOMING_COLUMNS = (
    "Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu văn bản", "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản", "Đơn vị hoặc người nhận", "Ngày chuyển",
    "Ký nhận", "Ghi chú",
)
# Relative widths of the columns on a landscape A4 page (millimetres of 262).
OUTGOING_WIDTHS = (28, 20, 80, 28, 45, 28, 15, 18)
INCOMING_WIDTHS = (20, 11, 28, 26, 20, 70, 31, 20, 16, 20)
MAX_NAMED = 6
TITLES = {"outgoing": "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "incoming": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"}
WITHDRAWN = "Đã thu hồi"  # the note of a withdrawn number; the import reads it back


# ---------------------------------------------------------------- the type name in titles

_NAMES = sorted(((fold(name), code) for code, name in DOC_TYPES.items() if "(" not in name),
                key=lambda pair: -len(pair[0]))


def type_name_at_start(text: str) -> tuple[str | None, str]:
    """Split "Quyết định thành lập ..." into ("QĐ", "thành lập ..."): the type whose name
    opens the text, and the summary after it, exactly as written."""
    folded = fold(text)
    for name, code in _NAMES:
        if folded.startswith(name) and not folded[len(name):len(name) + 1].isalnum():
            words = len(name.split())
            rest = text.split(None, words)
            return code, rest[words].strip(" :,-") if len(rest) > words else ""
    return None, text


def heading(doc_type: str, title: str) -> str:
    """The "Tên loại và trích yếu nội dung" of a register line: the title, after the type's
    name unless the title already opens with it (a công văn's "V/v ..." stands alone)."""
    name = DOC_TYPES.get(doc_type, doc_type)
    code, _rest = type_name_at_start(title)
    return title if code == doc_type or doc_type == "CV" else f"{name} {title}".strip()


# ---------------------------------------------------------------- the book


@dataclass
class Book:
    kind: str
    year: int | None
    unit_code: str
    body: list[str]  # the cover's issuing body: parent, then the unit itself
    columns: tuple[str, ...]
    widths: tuple[int, ...]
    rows: list[list[str]] = field(default_factory=list)
    first: str = ""
    last: str = ""

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    ranges: list[str] = field(default_factory=list)

    def range_lines(self) -> list[str]:
        """"Từ số … đến số …": one line per sequence (a Party body numbers each type)."""
        return self.ranges or ["Từ số …… đến số ……"]

    def digest(self) -> str:
        """SHA-256 of what the book says (not of a file): the same in every format."""
        canonical = json.dumps([self.kind, self.year, self.unit_code, self.rows],
                               ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def check_book(value: str) -> str:
    value = vocab.code("direction", value)
    if value not in BOOKS:
        raise BBTError(_("The book is outgoing or incoming."))
    return value


def check_year(year: int) -> int:
    if not 1900 <= year <= 2999:
        raise BBTError(_("The year {year} is out of range.").format(year=year))
    return year


def vn_day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def withdrawal(doc: Any) -> str | None:
    """The withdrawal note of a withdrawn (thu hồi) document, None for one in force: the
    number stays in the book with its reason, never silently missing."""
    if doc.status != "withdrawn":
        return None
    return f"{WITHDRAWN}: {doc.withdrawn_reason}" if doc.withdrawn_reason else WITHDRAWN


def notes_cell(doc: Any) -> str:
    """The "Ghi chú" of a register line: the withdrawal, then the register's own notes."""
    return "; ".join(t for t in (withdrawal(doc), doc.notes) if t)


def book_unit(session: Session, actor: Actor, unit: str | None) -> Unit:
    if unit:
        return units.visible(session, actor, unit)
    found = session.get(Unit, actor.unit_id) if actor.unit_id else None
    if found is None:
        raise BBTError(_("Name the register's unit with --unit."))
    return found


def build(session: Session, actor: Actor, *, book: str, year: int | None,
          unit: str | None = None, named: int | None = MAX_NAMED) -> Book:
    """The book's lines from the database: every entry of the year (of every year when
    `year` is None: an export), withdrawn ones too."""
    require(actor, "read")
    book = check_book(book)
    if year is not None:
        check_year(year)
    owner = book_unit(session, actor, unit)
    if actor.role == "clerk" and owner.id != actor.unit_id:
        from domain.errors import AuthError

        raise AuthError(_("A unit clerk prints only the registers of its own unit."))
    parent = session.get(Unit, owner.parent_id) if owner.parent_id else None
    body = [n.upper() for n in ((parent.name,) if parent else ()) + (owner.name,)]
    if book == "outgoing":
        result = Book(book, year, owner.code, body, OUTGOING_COLUMNS, OUTGOING_WIDTHS)
        _outgoing(session, result, owner, named)
    else:
        result = Book(book, year, owner.code, body, INCOMING_COLUMNS, INCOMING_WIDTHS)
        _incoming(session, result, owner, named)
    return result


def _outgoing(session: Session, book: Book, owner: Unit, named: int | None) -> None:
    query = select(Document).where(Document.direction == "outgoing",
                                   Document.issuer_id == owner.id)
    if book.year is not None:
        query = query.where(Document.date >= date(book.year, 1, 1),
                            Document.date <= date(book.year, 12, 31))
    query = query.order_by(col(Document.date), col(Document.seq), col(Document.id))
    docs = list(session.exec(query))
    sent_to = _delivery_names(session, [d.id for d in docs])
    for doc in docs:
        book.rows.append([
            doc.number, vn_day(doc.date), heading(doc.doc_type, doc.title), doc.signer,
            doc.recipients_text or _names(sent_to, doc, named), doc.archive_to,
            "" if doc.copies is None else str(doc.copies), notes_cell(doc)])
    if docs:
        book.first, book.last = docs[0].number, docs[-1].number
    by_series: dict[str, list[int]] = defaultdict(list)
    for doc in docs:
        by_series[doc.doc_type if numbering.is_party(owner) else ""].append(doc.seq)
    for series, seqs in sorted(by_series.items()):
        name = f"{DOC_TYPES.get(series, series)} ({series}): t" if series else "T"
        book.ranges.append(f"{name}ừ số {min(seqs):02d} đến số {max(seqs):02d}" if series
                           else f"Từ số {min(seqs)} đến số {max(seqs)}")


def _incoming(session: Session, book: Book, owner: Unit, named: int | None) -> None:
    query = (select(Document, Unit.name).join(Unit, col(Unit.id) == Document.issuer_id).where(
        Document.direction == "incoming", Document.recipient_id == owner.id))
    if book.year is not None:
        query = query.where(Document.incoming_year == book.year)
    query = query.order_by(col(Document.incoming_year), col(Document.incoming_number),
                           col(Document.id))
    pairs = list(session.exec(query))
    docs = [doc for doc, _name in pairs]
    sent_to = _delivery_names(session, [d.id for d in docs])
    passed = _first_sent(session, [d.id for d in docs])
    for doc, author in pairs:
        book.rows.append([
            vn_day(doc.received_on), str(doc.incoming_number or ""), author, doc.number,
            vn_day(doc.date), heading(doc.doc_type, doc.title),
            doc.handled_by or _names(sent_to, doc, named),
            vn_day(doc.passed_on or passed.get(doc.id or 0)), "", notes_cell(doc)])
    if docs:
        book.first, book.last = str(docs[0].incoming_number), str(docs[-1].incoming_number)
        book.ranges.append(f"Từ số {book.first} đến số {book.last}")


def _names(sent_to: dict[int, list[str]], doc: Document, named: int | None) -> str:
    """Where a document went, as a printed line can hold it: a circular to 68 units names
    the first ones and counts the rest (BBT keeps every delivery; an export names all)."""
    names = sent_to.get(doc.id or 0, [])
    if named is None or len(names) <= named:
        return "; ".join(names)
    return "; ".join(names[:named]) + f" và {len(names) - named} đơn vị khác"


def derived(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a book prints from the deliveries where the register's own cell is empty: an
    import of a printed book compares with these (and so changes nothing)."""
    names = _delivery_names(session, ids)
    first = _first_sent(session, ids)
    return {i: {"recipients_text": "; ".join(names.get(i, [])),
                "handled_by": "; ".join(names.get(i, [])), "passed_on": first.get(i)}
            for i in ids}


def _delivery_names(session: Session, ids: list[Any]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        query = (select(Delivery.document_id, Unit.name).join(Unit, col(Unit.id) == Delivery.unit_id)
                 .where(col(Delivery.document_id).in_(ids[start:start + 500]))
                 .order_by(col(Delivery.id)))
        for doc_id, name in session.exec(query):
            names[doc_id].append(name)
    return names


def _first_sent(session: Session, ids: list[Any]) -> dict[int, date]:
    first: dict[int, date] = {}
    for start in range(0, len(ids), 500):
        query = (select(Delivery.document_id, func.min(Delivery.sent_at))
                 .where(col(Delivery.document_id).in_(ids[start:start + 500]))
                 .group_by(col(Delivery.document_id)))
        for doc_id, sent_at in session.exec(query):
            first[doc_id] = sent_at.date() if isinstance(sent_at, datetime) else sent_at
    return first


def export_rows(session: Session, actor: Actor, *, book: str, year: int | None = None,
                unit: str | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """`bbt export documents --layout nd30`: the book's columns and lines, which
    `bbt import documents` reads back (the layout is recognised by its headers)."""
    built = build(session, actor, book=book, year=year, unit=unit, named=None)
    columns = list(built.columns)
    return columns, [dict(zip(columns, row, strict=True)) for row in built.rows]


# ---------------------------------------------------------------- printing


def format_of(path: Path, fmt: str | None = None) -> str:
    chosen = fmt or path.suffix.lower().lstrip(".")
    if chosen not in FORMATS:
        raise BBTError(_("A register book is written as .docx, .pdf or .xlsx, not '{name}'.")
                       .format(name=path.name))
    return chosen


@dataclass
class Printed:
    path: Path
    sha256: str
    entries: int
    book: Book


def print_book(session: Session, actor: Actor, *, book: str, year: int, path: Path,
               unit: str | None = None, force: bool = False) -> Printed:
    """Write the book to `path` and record the file's SHA-256 in the audit chain."""
    from domain import registers_render

    fmt = format_of(path)
    output.check_target(path, force=force)
    built = build(session, actor, book=book, year=year, unit=unit)
    data = registers_render.render(built, fmt)
    sha = hashlib.sha256(data).hexdigest()
    # Recorded first: a file that cannot be written rolls the record back with it.
    audit.record(session, actor, "register.print", "register", _key(built), sha256=sha,
                 content=built.digest(), format=fmt, entries=len(built.rows),
                 first=built.first, last=built.last, closed=is_closed(session, built))
    output.write_private(path, data, force=force)
    return Printed(path, sha, len(built.rows), built)


def _key(book: Book) -> str:
    return f"{book.unit_code}/{book.kind}/{book.year}"


# ---------------------------------------------------------------- closing a year


def closure(session: Session, unit_id: int, year: int) -> RegisterClosure | None:
    return session.exec(select(RegisterClosure).where(
        RegisterClosure.unit_id == unit_id, RegisterClosure.year == year)).first()


def is_closed(session: Session, book: Book) -> bool:
    unit = units.get(session, book.unit_code)
    return unit.id is not None and book.year is not None and \
        closure(session, unit.id, book.year) is not None


def close(session: Session, actor: Actor, *, year: int, unit: str | None = None
          ) -> RegisterClosure:
    """Close a unit's registers of a year: both books' digests go into the audit chain."""
    require(actor, "documents.write")
    check_year(year)
    owner = book_unit(session, actor, unit)
    assert owner.id is not None
    if closure(session, owner.id, year) is not None:
        raise BBTError(_("The registers of {unit} for {year} are already closed.").format(
            unit=owner.code, year=year))
    if year > date.today().year:
        raise BBTError(_("The registers of {year} cannot be closed before the year begins.")
                       .format(year=year))
    done = RegisterClosure(unit_id=owner.id, year=year, closed_by=actor.username)
    session.add(done)
    session.flush()
    books = {kind: build(session, actor, book=kind, year=year, unit=owner.code) for kind in BOOKS}
    audit.record(session, actor, "register.close", "register", f"{owner.code}/{year}",
                 **{kind: {"content": b.digest(), "entries": len(b.rows), "first": b.first,
                           "last": b.last} for kind, b in books.items()})
    return done


def refuse_closed(session: Session, planned: list[Any], existing: Any) -> None:
    """Hook of `bbt import documents`: a new entry in a closed year is refused (its row)."""
    closed = {(unit_id, year) for unit_id, year in session.execute(
        select(RegisterClosure.unit_id, RegisterClosure.year))}  # type: ignore[call-overload]
    if not closed:
        return
    for p in planned:
        v = p.values
        if p.errors or existing(p) is not None:
            continue
        owner, year = (v["recipient_id"], v["incoming_year"]) if v["direction"] == "incoming" \
            else (v["issuer_id"], v["date"].year)
        if (owner, year) in closed:
            p.errors.append("date: " + _("The registers of {year} are closed (khóa sổ); "
                                         "nothing new is entered in them.").format(year=year))


def guard(session: Session, actor: Actor, unit: Unit, day: date, *, historical: bool,
          reopen: bool = False) -> None:
    """Hook of `doc issue` / `doc receive`: nothing new is entered in a closed year; a
    historical entry (an explicit number) only with --reopen, by an admin, audited."""
    assert unit.id is not None
    if closure(session, unit.id, day.year) is None:
        return
    if not historical:
        raise BBTError(_("The registers of {unit} for {year} are closed (khóa sổ); nothing "
                         "new is entered in them.").format(unit=unit.code, year=day.year))
    if not reopen:
        raise BBTError(_("The registers of {unit} for {year} are closed; an admin may enter "
                         "a historical number with --reopen.").format(
                             unit=unit.code, year=day.year))
    if actor.role != "admin":
        from domain.errors import AuthError

        raise AuthError(_("Only an admin may enter a document in a closed register."))
    audit.record(session, actor, "register.reopen", "register", f"{unit.code}/{day.year}",
                 date=day)


# ---------------------------------------------------------------- verifying a printed book


@dataclass
class Verdict:
    ok: bool
    reason: str
    printed_at: str = ""
    printed_by: str = ""
    entries: int = 0


def verify(session: Session, actor: Actor, *, year: int, path: Path) -> Verdict:
    """A book file checked against the audit chain (was it printed by BBT, unaltered?) and
    against the database (does the register still say what the book says?)."""
    require(actor, "read")
    check_year(year)
    data = _read(path)
    sha = hashlib.sha256(data).hexdigest()
    for entry in _prints(session, year):
        detail = json.loads(entry.detail)
        if detail.get("sha256") != sha:
            continue
        if audit.entry_hash(entry.prev_hash, entry) != entry.hash:
            # The record itself was edited behind BBT's back (`bbt audit verify` finds where).
            return Verdict(False, _("The audit record of this book was altered; run `bbt "
                                    "audit verify`."))
        unit_code, kind, _year = entry.entity_key.split("/")
        now = build(session, actor, book=kind, year=year, unit=unit_code)
        when = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if now.digest() != detail.get("content"):
            return Verdict(False, _("This book was printed by {who} on {when}, but the "
                                    "register has changed since ({now} entries now, {then} "
                                    "then).").format(who=entry.actor, when=when,
                                                     now=len(now.rows), then=detail.get("entries")),
                           when, entry.actor, len(now.rows))
        return Verdict(True, _("The book matches the register: printed by {who} on {when}, "
                               "{count} entries.").format(who=entry.actor, when=when,
                                                          count=len(now.rows)),
                       when, entry.actor, len(now.rows))
    return Verdict(False, _("No register book of {year} with this content was printed by BBT: "
                            "the file was altered, or is of another year.").format(year=year))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BBTError(_("The file '{path}' does not exist.").format(path=path)) from None
    except OSError as exc:
        raise BBTError(_("The file '{path}' cannot be read: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None


def _prints(session: Session, year: int) -> list[Any]:
    from models import AuditEntry

    query = (select(AuditEntry).where(AuditEntry.action == "register.print",
                                      col(AuditEntry.entity_key).like(f"%/{year}"))
             .order_by(col(AuditEntry.id).desc()))
    return list(session.exec(query))
