"""Monthly statistics (SPEC section 4): every figure counted from the records.

A province database holds hundreds of thousands of articles, so each figure is one grouped
query (GROUP BY the month extracted from a date column, which SQLAlchemy renders as
EXTRACT on PostgreSQL and STRFTIME on SQLite) over a date range an index can serve.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import case, extract, func
from sqlmodel import Session, col, select

from domain import scope
from domain.auth import Actor
from domain.documents import counting_delivery, open_delivery
from domain.errors import BBTError
from domain.i18n import _
from models import Article, Delivery, Document, Visit

FIGURES = ("news", "features", "photos", "slogans", "documents", "visitors", "docs_issued",
           "docs_received", "deliveries_overdue")
# Photos counted are those of published news and features (the report's "tin ... và ảnh").
PHOTO_KINDS = ("news", "feature")


def monthly(session: Session, year: int, month: int | None = None, *,
            today: date | None = None, through: date | None = None,
            actor: Actor | None = None) -> dict[str, Any]:
    """{"year", "months": [{"month", <FIGURES>}], "totals": {<FIGURES>}}: all twelve months,
    or only `month`; totals are the sums of the months returned. `today` decides which
    deliveries are overdue (defaults to the real today); `through` counts only records
    dated on or before it (a report "as of" a day), and the visitors of months begun by then.
    Withdrawn documents count nowhere; returned deliveries are never overdue. A scoped
    actor's figures are those of its subtree (the site's visitors are not per unit)."""
    _check(year, month)
    months = {m: dict.fromkeys(FIGURES, 0) for m in ([month] if month else range(1, 13))}
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if through is not None:
        end = max(start, min(end, through + timedelta(days=1)))
    _merge(months, _articles(session, start, end, actor))
    _merge(months, _visitors(session, year, end))
    _merge(months, _documents(session, start, end, actor))
    _merge(months, _overdue(session, start, min(end, today or date.today()), actor))
    return {
        "year": year,
        "months": [{"month": m, **figures} for m, figures in months.items()],
        "totals": {key: sum(figures[key] for figures in months.values()) for key in FIGURES},
    }


def _check(year: int, month: int | None) -> None:
    if not 1900 <= year <= 9998:
        raise BBTError(_("Year {year} is out of range.").format(year=year))
    if month is not None and not 1 <= month <= 12:
        raise BBTError(_("Month {month} must be between 1 and 12.").format(month=month))


def _merge(months: dict[int, dict[str, int]], rows: Iterable[tuple[Any, str, Any]]) -> None:
    """Add (month, figure, value) rows into the months asked for; others are ignored."""
    for number, figure, value in rows:
        target = months.get(int(number))
        if target is not None:
            target[figure] += int(value or 0)


def _articles(session: Session, start: date, end: date, actor: Actor | None
              ) -> list[tuple[Any, str, Any]]:
    month_of = extract("month", col(Article.published))

    def count_kind(kind: str):  # type: ignore[no-untyped-def]
        return func.sum(case((col(Article.kind) == kind, 1), else_=0))

    photos = func.sum(case((col(Article.kind).in_(PHOTO_KINDS), Article.photos), else_=0))
    query = (
        select(month_of, count_kind("news"), count_kind("feature"), photos,  # type: ignore[call-overload]
               count_kind("slogan"), count_kind("document"))
        .where(Article.status == "published", col(Article.published) >= start,
               col(Article.published) < end)
        .group_by(month_of)
    )
    query = scope.where_units(query, actor, Article.unit_id)
    rows = []
    for number, news, features, photo_count, slogans, documents in session.exec(query):
        rows += [(number, "news", news), (number, "features", features),
                 (number, "photos", photo_count), (number, "slogans", slogans),
                 (number, "documents", documents)]
    return rows


def _visitors(session: Session, year: int, end: date) -> list[tuple[Any, str, Any]]:
    """Visits are kept per month: a month counts once it has begun before `end`."""
    if end <= date(year, 1, 1):
        return []
    last = f"{year:04d}-{(end - timedelta(days=1)).month:02d}"
    query = select(Visit).where(col(Visit.month) >= f"{year:04d}-01",
                                col(Visit.month) <= last)
    return [(int(v.month[5:7]), "visitors", v.visitors) for v in session.exec(query)]


def _documents(session: Session, start: date, end: date, actor: Actor | None
               ) -> list[tuple[Any, str, Any]]:
    issued_month = extract("month", col(Document.date))
    issued = (select(issued_month, func.count())  # type: ignore[call-overload]
              .where(Document.direction == "outgoing", col(Document.date) >= start,
                     col(Document.date) < end, col(Document.status) != "withdrawn")
              .group_by(issued_month))
    received_month = extract("month", col(Document.received_on))
    received = (select(received_month, func.count())  # type: ignore[call-overload]
                .where(Document.direction == "incoming", col(Document.received_on) >= start,
                       col(Document.received_on) < end, col(Document.status) != "withdrawn")
                .group_by(received_month))
    issued = scope.where_units(issued, actor, Document.issuer_id)
    received = scope.where_units(received, actor, Document.recipient_id)
    return ([(m, "docs_issued", n) for m, n in session.exec(issued)]
            + [(m, "docs_received", n) for m, n in session.exec(received)])


def overdue_query(start: date, before: date):  # type: ignore[no-untyped-def]
    """Deliveries due in [start, before) that are not finished (done or returned), of
    documents that still count: their due date has passed."""
    due_month = extract("month", col(Delivery.due))
    return (select(due_month, func.count())  # type: ignore[call-overload]
            .where(col(Delivery.due) >= start, col(Delivery.due) < before,
                   open_delivery(),  # reads the partial index of open deliveries
                   counting_delivery())
            .group_by(due_month))


def _overdue(session: Session, start: date, before: date, actor: Actor | None
             ) -> list[tuple[Any, str, Any]]:
    query = scope.where_units(overdue_query(start, before), actor, Delivery.unit_id)
    return [(m, "deliveries_overdue", n) for m, n in session.exec(query)]


# ---------------------------------------------------------------- the table as a file


def table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The column codes and rows every copy of the monthly table shares (the CLI's table,
    its CSV and XLSX, the TUI's files): a row per month, then the totals."""
    from domain.columns import label

    rows = [[m["month"], *(m[key] for key in FIGURES)] for m in data["months"]]
    rows.append([label("total"), *(data["totals"][key] for key in FIGURES)])
    return ["month", *FIGURES], rows


def write_table(data: dict[str, Any], fmt: str, target: IO[bytes]) -> None:
    """The monthly table as CSV or XLSX (`fmt`), headed in the user's language."""
    from domain import imports_io
    from domain.columns import labels

    codes, rows = table(data)
    headers = labels(codes)
    imports_io.write([dict(zip(headers, row, strict=True)) for row in rows], headers, set(),
                     fmt, target, sheet_name=str(data["year"]))
