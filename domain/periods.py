"""Which period to show first: the newest month that has records, not the calendar's.

A board that entered 2022 and opens the program in 2026 wants to see 2022, not twelve
empty months; the dashboard, the statistics and the reports open on this month.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.text import today as today_
from models import Article, Document


def latest_month(session: Session, *, today: date | None = None) -> tuple[int, int]:
    """(year, month) of the newest document or article dated on or before `today` (default:
    BBT_TODAY or the real today); today's month when there is none. Records dated ahead
    (a document may be dated up to 30 days ahead) do not move it into the future."""
    until = today or today_()
    newest = [
        session.exec(select(func.max(col(Document.date))).where(col(Document.date) <= until)).one(),
        session.exec(select(func.max(col(Article.submitted)))
                     .where(col(Article.submitted) <= until)).one(),
        session.exec(select(func.max(col(Article.published)))
                     .where(col(Article.published) <= until)).one(),
    ]
    found = max((d for d in newest if d is not None), default=until)
    return found.year, found.month


def next_month(month: date) -> date:
    """The first day of the month after `month`'s."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> date | None:
    """"2022-06" (or "06/2022") as the first day of that month; None when it is not one."""
    text = text.strip()
    parts = text.split("/")[::-1] if "/" in text else text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return date(year, month, 1) if 1900 <= year <= 9998 and 1 <= month <= 12 else None
