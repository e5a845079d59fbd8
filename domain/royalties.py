"""Royalties and support payments (nhuận bút, task III.6 of the reference report).

A rate is đồng per item of a kind (news, feature, photo, slogan, document) in force from a
month until the next change. A month's sheet pays each author and unit for the articles
published that month at the rates in force that month; the board's chief approves it (the
total is kept, so a later change of the records shows) and the accountant marks it paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from domain import audit, scope, vocab
from domain.articles import check_month, month_bounds
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import today
from domain.vnwords import amount_words
from models import ROYALTY_KINDS, Article, RoyaltyRate, RoyaltySheet, Unit, utcnow

MAX_RATE = 1_000_000_000
# Article kinds and the sheet's columns: a feature is a "bài", a document a posted text.
COLUMNS = {"news": "news", "feature": "features", "photo": "photos", "slogan": "slogans",
           "document": "documents"}


def check_kind(kind: str) -> str:
    kind = vocab.code("royalty_kind", kind)
    if kind not in ROYALTY_KINDS:
        raise BBTError(_("Royalty kind '{kind}' is unknown; use one of {kinds}.").format(
            kind=kind, kinds=", ".join(ROYALTY_KINDS)))
    return kind


def set_rate(session: Session, actor: Actor, kind: str, amount: int,
             valid_from: str | None = None) -> RoyaltyRate:
    """Set the rate of a kind from a month on (this month when none is named)."""
    require(actor, "settings.write")
    kind = check_kind(kind)
    if not 0 <= amount <= MAX_RATE:
        raise BBTError(_("A rate is between 0 and {maximum} đồng.").format(
            maximum=f"{MAX_RATE:,}"))
    month = check_month(valid_from) if valid_from else today().strftime("%Y-%m")
    row = session.get(RoyaltyRate, (kind, month))
    previous = row.amount if row else None
    row = row or RoyaltyRate(kind=kind, valid_from=month, amount=amount)
    row.amount = amount
    session.add(row)
    audit.record(session, actor, "royalty.rate", "royalty_rate", f"{kind}/{month}",
                 amount=amount, previous=previous)
    return row


def rates(session: Session) -> list[RoyaltyRate]:
    return list(session.exec(select(RoyaltyRate).order_by(col(RoyaltyRate.kind),
                                                           col(RoyaltyRate.valid_from))))


def rates_in_force(session: Session, month: str) -> dict[str, int]:
    """Each kind's newest rate that started on or before the month."""
    found: dict[str, int] = {}
    for rate in rates(session):
        if rate.valid_from <= month:
            found[rate.kind] = rate.amount  # ordered by valid_from: the newest wins
    return found


# ---------------------------------------------------------------- the sheet


@dataclass
class Sheet:
    month: str
    rates: dict[str, int]
    lines: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    approved: RoyaltySheet | None = None

    @property
    def total_words(self) -> str:
        return amount_words(self.total)

    def as_json(self) -> dict[str, Any]:
        marks = self.approved
        return {"month": self.month, "lines": self.lines, "total": self.total,
                "total_words": self.total_words, "rates": self.rates,
                "approved_by": marks.approved_by if marks else None,
                "approved_at": marks.approved_at if marks else None,
                "paid_by": marks.paid_by if marks and marks.paid_by else None,
                "paid_at": marks.paid_at if marks else None}


def _counts(session: Session, start: date, end: date) -> list[tuple[Any, ...]]:
    """Items and photos per author and unit of the articles published in [start, end)."""
    def of(kind: str) -> Any:
        return func.sum(case((col(Article.kind) == kind, 1), else_=0))

    query = (select(Article.author, Unit.code, of("news"), of("feature"),  # type: ignore[call-overload]
                    func.sum(Article.photos), of("slogan"), of("document"))
             .join(Unit, col(Unit.id) == Article.unit_id)
             .where(Article.status == "published", col(Article.published) >= start,
                    col(Article.published) < end)
             .group_by(Article.author, Unit.code)
             .order_by(Unit.code, Article.author))
    # A scoped account's sheet holds its subtree's contributors only (domain.scope).
    return list(session.exec(scope.where_units(query, None, Article.unit_id)))


def sheet(session: Session, month: str) -> Sheet:
    """The payout sheet of a month, from the records; refused when an item has no rate."""
    month = check_month(month)
    start, end = month_bounds(month)
    result = Sheet(month, rates_in_force(session, month))
    for author, unit, *numbers in _counts(session, start, end):
        counts = dict(zip(COLUMNS, (int(n or 0) for n in numbers), strict=True))
        for kind, number in counts.items():
            if number and kind not in result.rates:
                raise BBTError(_("No royalty rate for '{kind}' is in force in {month}; set "
                                 "one with `bbt royalty rate set`.").format(kind=kind,
                                                                            month=month))
        amount = sum(number * result.rates.get(kind, 0) for kind, number in counts.items())
        result.lines.append({"author": author, "unit": unit,
                             **{COLUMNS[k]: n for k, n in counts.items()}, "amount": amount})
        result.total += amount
    result.approved = session.get(RoyaltySheet, month)
    return result


# ---------------------------------------------------------------- approval and payment


def approve(session: Session, actor: Actor, month: str) -> RoyaltySheet:
    """The chief approves the month's sheet as it stands: its total is kept."""
    require(actor, "settings.write")
    current = sheet(session, month)
    row = session.get(RoyaltySheet, current.month, with_for_update=True)
    if row is not None and row.paid_at is not None:
        raise BBTError(_("The royalty sheet of {month} is already paid.").format(
            month=current.month))
    row = row or RoyaltySheet(month=current.month)
    row.total, row.approved_by, row.approved_at = current.total, actor.username, utcnow()
    session.add(row)
    audit.record(session, actor, "royalty.approve", "royalty_sheet", current.month,
                 total=current.total)
    return row


def mark_paid(session: Session, actor: Actor, month: str) -> RoyaltySheet:
    """Record the payment of an approved sheet whose records have not changed since; the
    chief (an admin) approves and records payment: the board has no accountant's role."""
    require(actor, "settings.write")
    current = sheet(session, month)
    row = session.get(RoyaltySheet, current.month, with_for_update=True)
    if row is None or row.approved_at is None:
        raise BBTError(_("The royalty sheet of {month} must be approved before it is "
                         "paid.").format(month=current.month))
    if row.paid_at is not None:
        raise BBTError(_("The royalty sheet of {month} is already paid.").format(
            month=current.month))
    if row.total != current.total:
        raise BBTError(_("The records of {month} changed since the sheet was approved "
                         "({approved} đồng, now {now} đồng); approve it again first.").format(
            month=current.month, approved=f"{row.total:,}", now=f"{current.total:,}"))
    row.paid_by, row.paid_at = actor.username, utcnow()
    session.add(row)
    audit.record(session, actor, "royalty.paid", "royalty_sheet", current.month,
                 total=row.total)
    return row


def year_summary(session: Session, year: int) -> dict[str, Any]:
    """Each month's total with its approval and payment, and the year's totals."""
    if not 2000 <= year <= 2100:
        raise BBTError(_("Year {year} is out of range.").format(year=year))
    months: list[dict[str, Any]] = []
    for number in range(1, 13):
        current = sheet(session, f"{year:04d}-{number:02d}")
        marks = current.approved
        months.append({"month": current.month, "total": current.total,
                       "approved_total": marks.total if marks and marks.approved_at else None,
                       "approved_by": marks.approved_by if marks else None,
                       "paid_by": (marks.paid_by or None) if marks else None,
                       "paid_at": marks.paid_at if marks else None})
    total = sum(m["total"] for m in months)
    paid = sum(m["approved_total"] or 0 for m in months if m["paid_at"])
    return {"year": year, "months": months, "total": total, "paid": paid,
            "total_words": amount_words(total)}
