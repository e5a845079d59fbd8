"""A document's access history (NĐ 30/2020, Phụ lục VI): every view, download, action and
verification, with who and when. It is read from the audit chain, where each of these acts
writes an entry, so the history is as tamper-evident as the chain itself."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from domain import files, scope, units
from domain.auth import Actor
from models import AuditEntry


def of_document(session: Session, actor: Actor, number: str, year: int | None = None
                ) -> list[dict[str, Any]]:
    """Oldest first; deliveries (number@UNIT) are part of the document's history. The chain
    names documents by number, which repeats across terms and years: each entry also holds
    the document's year, and only this document's year is shown. Entries written before
    they held it are shown for either document (each entry's time tells them apart)."""
    doc = files.visible_document(session, actor, number, year)
    query = select(AuditEntry).where(or_(
        (col(AuditEntry.entity) == "document") & (col(AuditEntry.entity_key) == doc.number),
        (col(AuditEntry.entity) == "delivery")
        & col(AuditEntry.entity_key).startswith(f"{doc.number}@", autoescape=True),
    )).order_by(col(AuditEntry.id))
    # A scoped account reads the deliveries of its own subtree only (domain.scope).
    mine = {u.code for u in units.listing(session, actor=actor)} if scope.is_scoped(actor) else None
    rows = []
    for entry in session.exec(query):
        if mine is not None and entry.entity == "delivery" and \
                entry.entity_key.rsplit("@", 1)[-1] not in mine:
            continue
        detail = json.loads(entry.detail or "{}")
        if detail.get("year", doc.date.year) != doc.date.year:
            continue  # the same number's other document
        rows.append({"at": entry.at.isoformat(), "who": entry.actor, "action": entry.action,
                     "key": entry.entity_key, "detail": detail, "entry": entry.id})
    return rows
