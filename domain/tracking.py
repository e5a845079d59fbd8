"""Who is late: figures read from the open deliveries only (issue 13).

Every query here carries `documents.open_delivery()`, the condition of the partial index
`ix_delivery_open_due`, so its cost follows the work still open, not the millions of
deliveries finished over the years. A withdrawn document counts nowhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, distinct, func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from domain import scope, units
from domain.auth import Actor, require
from domain.documents import counting_delivery, open_delivery
from domain.text import today
from models import Delivery, Unit


def _open_deliveries(query):  # type: ignore[no-untyped-def]
    return _counting(query).where(open_delivery())


def _counting(query):  # type: ignore[no-untyped-def]
    return query.where(counting_delivery())


def late_units_query(on: date):  # type: ignore[no-untyped-def]
    """Per unit id: open deliveries with a due date, and how many of them are overdue."""
    return _open_deliveries(sa_select(
        col(Delivery.unit_id), func.count(), func.sum(case((col(Delivery.due) < on, 1), else_=0)))
        .select_from(Delivery)).group_by(col(Delivery.unit_id))


def unacknowledged_query():  # type: ignore[no-untyped-def]
    """Per unit id: deliveries not yet received, read from the partial index
    ix_delivery_unacknowledged (its condition literally, as open_delivery's)."""
    return _counting(sa_select(col(Delivery.unit_id), func.count()).select_from(Delivery)
                     .where(col(Delivery.status) == literal_column("'sent'"))
                     ).group_by(col(Delivery.unit_id))


def overdue_documents_query(on: date):  # type: ignore[no-untyped-def]
    return _open_deliveries(sa_select(func.count(distinct(col(Delivery.document_id))))
                            .select_from(Delivery)).where(col(Delivery.due) < on)


def late_units(session: Session, actor: Actor, on: date | None = None,
               kind: str | None = None) -> list[dict[str, Any]]:
    """Per unit with a late or unacknowledged delivery: its open deliveries with a due date
    (`open_due`), how many are not yet acknowledged and how many are overdue; the most late
    first."""
    require(actor, "read")
    if kind:
        kind = units.check_kind(kind)
    figures: dict[int, list[int]] = {}
    for unit_id, open_due, overdue in session.execute(late_units_query(on or today())):
        figures[unit_id] = [int(open_due), 0, int(overdue or 0)]
    for unit_id, unacknowledged in session.execute(unacknowledged_query()):
        figures.setdefault(unit_id, [0, 0, 0])[1] = int(unacknowledged)
    late = [unit_id for unit_id, (_, unacked, overdue) in figures.items() if unacked or overdue]
    names = _names(session, late, kind, actor)
    rows = [{"unit": names[unit_id][0], "name": names[unit_id][1], "open_due": open_due,
             "unacknowledged": unacked, "overdue": overdue}
            for unit_id, (open_due, unacked, overdue) in figures.items() if unit_id in names]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["unacknowledged"], r["unit"]))


def _names(session: Session, unit_ids: list[int], kind: str | None, actor: Actor | None
           ) -> dict[int, tuple[str, str]]:
    """Code and name of the late units only (of that kind and the actor's scope), not of
    every unit."""
    query = scope.where_units(sa_select(col(Unit.id), col(Unit.code), col(Unit.name)).where(
        col(Unit.id).in_(unit_ids)), actor, Unit.id)
    if kind:
        query = query.where(col(Unit.kind) == kind)
    return {unit_id: (code, name) for unit_id, code, name in session.execute(query)}


def overdue_documents(session: Session, actor: Actor, on: date | None = None) -> int:
    """How many documents have at least one unit late to process them."""
    require(actor, "read")
    query = scope.where_units(overdue_documents_query(on or today()), actor, Delivery.unit_id)
    return int(session.execute(query).scalar_one())


def acknowledgement(session: Session, actor: Actor) -> tuple[int, int]:
    """(acknowledged, open): of the open deliveries with a due date, how many units have
    received (the others, without a due date, are for information and stay open)."""
    require(actor, "read")
    query = _open_deliveries(sa_select(
        func.count(), func.sum(case((col(Delivery.status) != "sent", 1), else_=0)))
        .select_from(Delivery))
    query = scope.where_units(query, actor, Delivery.unit_id)
    open_, acknowledged = session.execute(query).one()
    return int(acknowledged or 0), int(open_)
