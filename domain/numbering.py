"""Official document numbers: the two written forms and gapless register counters.

Party bodies (Hướng dẫn 36-HD/VPTW) number each document type from 1 through the
committee's term and write `N-TYPE/ISSUER` (`750-QĐ/HU`, `03-QĐi/HU`, `117-BC/BBT`).
State bodies (Nghị định 30/2020) number all types together from 1 each calendar year and
write `N/TYPE-ISSUER` (`156/QĐ-UBND`). Numbers below 10 are written with a leading zero in
Party documents. A state body's công văn carries no type (Nghị định 30/2020, Phụ lục III):
`N/ISSUER-DRAFTER` (`45/UBND-VP`, the drafting office after the issuer) or `N/ISSUER`; such a
number, received or imported, is kept as written so that it is found again as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from domain.errors import BBTError
from domain.i18n import _
from domain.text import fold, nfc
from domain.units import UNIT_CODE_PATTERN
from models import PARTY_KINDS, Document, RegisterCounter, Unit

DOC_TYPES: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "QĐi": "Quy định", "CT": "Chỉ thị",
    "KL": "Kết luận", "QC": "Quy chế", "KH": "Kế hoạch", "CTr": "Chương trình",
    "HD": "Hướng dẫn", "BC": "Báo cáo", "TB": "Thông báo", "TTr": "Tờ trình",
    "CV": "Công văn", "TT": "Thông tri", "ĐA": "Đề án", "PA": "Phương án", "BB": "Biên bản",
    "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "TC": "Thông cáo", "CĐ": "Công điện",
    "NĐ": "Nghị định", "GP": "Giấy phép", "QyĐ": "Quy định (UBND)",
}
# "qd", "QD", "Qđ" all mean QĐ; matching ignores case and the stroke of Đ.
_TYPE_BY_FOLD = {fold(t).replace(" ", ""): t for t in DOC_TYPES}

# Six digits at most: the parser reads no more, so no register may go past this.
MAX_SEQ = 999_999
_PARTY = re.compile(r"^\s*(\d{1,6})\s*-\s*([^\W\d_]{1,5})\s*/\s*(\S.*?)\s*$")
_STATE = re.compile(r"^\s*(\d{1,6})\s*/\s*([^\W\d_]{1,5})\s*-\s*(\S.*?)\s*$")
_UNTYPED = re.compile(r"^\s*(\d{1,6})\s*/\s*([^\W_][\w]*?)(?:\s*-\s*([^\W_][\w]*))?\s*$")
_ISSUER = re.compile(UNIT_CODE_PATTERN)


@dataclass(frozen=True)
class Number:
    seq: int
    doc_type: str
    issuer: str
    party: bool
    untyped: bool = False  # a state công văn written N/ISSUER[-DRAFTER]
    drafter: str = ""

    def __str__(self) -> str:
        if self.untyped:
            return f"{self.seq}/{self.issuer}" + (f"-{self.drafter}" if self.drafter else "")
        return format_number(self.seq, self.doc_type, self.issuer, self.party)


def _is_type(value: str) -> bool:
    return fold(nfc(value)).replace(" ", "") in _TYPE_BY_FOLD


def doc_type(value: str) -> str:
    canonical = _TYPE_BY_FOLD.get(fold(nfc(value)).replace(" ", ""))
    if canonical is None:
        raise BBTError(_("Document type '{value}' is unknown; use one of {types}.").format(
            value=value, types=", ".join(DOC_TYPES)))
    return canonical


def format_number(seq: int, type_: str, issuer: str, party: bool) -> str:
    return f"{seq:02d}-{type_}/{issuer}" if party else f"{seq}/{type_}-{issuer}"


def parse(text: str) -> Number:
    """Read any of the written forms; refuse anything else with the forms it should take."""
    text = nfc(text)
    for pattern, party in ((_PARTY, True), (_STATE, False)):
        if m := pattern.match(text):
            issuer = m[3].upper().replace(" ", "")
            seq = int(m[1])
            if seq < 1 or not _ISSUER.match(issuer):
                break
            if not party and not _is_type(m[2]):
                break  # 45/UBND-VP: an untyped công văn, read below
            return Number(seq, doc_type(m[2]), issuer, party)
    if (m := _UNTYPED.match(text)) and int(m[1]) >= 1:
        issuer, drafter = m[2].upper(), (m[3] or "").upper()
        if _ISSUER.match(issuer) and (not drafter or _ISSUER.match(drafter)):
            return Number(int(m[1]), "CV", issuer, False, untyped=True, drafter=drafter)
    raise BBTError(_("'{text}' is not a document number; write it as 117-BC/BBT (Party bodies), "
                     "156/QĐ-UBND (state bodies) or 45/UBND-VP (a state body's công văn)."
                     ).format(text=text))


def is_party(unit: Unit) -> bool:
    return unit.kind in PARTY_KINDS


def default_term_start(day: date) -> date:
    """Party congresses sit every five years (2020, 2025, ...) when a unit has no setting."""
    return date(2020 + 5 * ((day.year - 2020) // 5), 1, 1)


def period_for(unit: Unit, day: date) -> str:
    """The numbering period a document of this unit dated `day` belongs to."""
    if not is_party(unit):
        return str(day.year)
    start = unit.term_start or default_term_start(day)
    while start > day:  # a historical document from an earlier term
        start = date(start.year - 5, start.month, start.day)
    return start.isoformat()


def period_in_force(session: Session, unit: Unit, day: date) -> str:
    """The register a document of `unit` dated `day` belongs to: for a Party body, the term
    in force on that day. A document dated before the current term started continues the
    register the earlier term already has (whatever its recorded start), so that moving a
    term's start never opens a second 01-QĐ/HU for the old term."""
    if not is_party(unit) or unit.term_start is None or day >= unit.term_start:
        return period_for(unit, day)
    earlier = session.exec(select(func.max(Document.period)).where(
        Document.issuer_id == unit.id, col(Document.period) <= day.isoformat())).one()
    return str(earlier) if earlier else period_for(unit, day)


def _ensure_counter(session: Session, unit_id: int, book: str, series: str, period: str) -> None:
    values = {"unit_id": unit_id, "book": book, "series": series, "period": period, "value": 0}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(RegisterCounter).values(**values).on_conflict_do_nothing())


def _where(unit_id: int, book: str, series: str, period: str):  # type: ignore[no-untyped-def]
    return (col(RegisterCounter.unit_id) == unit_id, col(RegisterCounter.book) == book,
            col(RegisterCounter.series) == series, col(RegisterCounter.period) == period)


def next_value(session: Session, unit_id: int, book: str, series: str, period: str) -> int:
    """The next number of a sequence, in the caller's transaction.

    UPDATE ... RETURNING locks the counter row until the transaction ends, so concurrent
    issuers wait for each other; a rollback gives the number back: no gaps, no duplicates.
    """
    _ensure_counter(session, unit_id, book, series, period)
    stmt = (update(RegisterCounter).where(*_where(unit_id, book, series, period))
            .values(value=col(RegisterCounter.value) + 1).returning(col(RegisterCounter.value)))
    return int(session.execute(stmt).scalar_one())


def peek_value(session: Session, unit_id: int, book: str, series: str, period: str) -> int:
    """The value next_value would give now, without taking it (a preview: by the time the
    number is really taken, someone else may have taken this one)."""
    current = session.exec(select(RegisterCounter.value).where(
        *_where(unit_id, book, series, period))).first()
    return int(current or 0) + 1


def claim_value(session: Session, unit_id: int, book: str, series: str, period: str,
                value: int) -> None:
    """Record an explicit (historical) number so that new numbers continue after it.

    The counter row is locked even when the number is below it, as next_value locks it:
    whoever takes a number of this register, new or historical, waits for the other (a
    report registered under a historical number is seen by one registered at once under
    the next)."""
    _ensure_counter(session, unit_id, book, series, period)
    session.execute(select(RegisterCounter.value).where(
        *_where(unit_id, book, series, period)).with_for_update())
    session.execute(update(RegisterCounter).where(*_where(unit_id, book, series, period))
                    .where(col(RegisterCounter.value) < value).values(value=value))
