"""The audit chain: every change made through the domain layer, chained by SHA-256.

hash_n = SHA-256(hash_{n-1} || canonical(entry_n)). An edited entry no longer matches its
hash, a deleted or inserted one breaks the next entry's link, and a deleted tail no longer
matches the head row. A full rewrite by someone with write access is not detected unless the
head is exported and kept elsewhere (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from domain.auth import Actor
from domain.i18n import _
from models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64


def canonical(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "id": entry.id,
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity": entry.entity,
            "entity_key": entry.entity_key,
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def record(
    session: Session, actor: Actor, action: str, entity: str, key: Any = "", **detail: Any
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with it)."""
    # Locking the head row serialises appends on PostgreSQL so the chain never forks;
    # SQLite writers are already serialised by BEGIN IMMEDIATE.
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_id=0, hash=GENESIS)
        session.add(head)
    entry = AuditEntry(
        id=head.last_id + 1,
        at=utcnow(),
        actor=actor.username,
        action=action,
        entity=entity,
        entity_key=str(key),
        detail=json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(head.hash, entry)
    session.add(entry)
    head.last_id, head.hash = entry.id, entry.hash  # type: ignore[assignment]
    session.flush()
    return entry


@dataclass
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session) -> Verdict:
    prev, expected_id, checked = GENESIS, 1, 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.id != expected_id or entry.prev_hash != prev:
            return Verdict(False, checked, entry.id, _("an entry before it was deleted or inserted"))
        if entry_hash(prev, entry) != entry.hash:
            return Verdict(False, checked, entry.id, _("its content was edited"))
        prev, expected_id, checked = entry.hash, expected_id + 1, checked + 1
    head = session.get(AuditHead, 1)
    last_id = expected_id - 1
    if head is not None and (head.last_id != last_id or head.hash != prev):
        return Verdict(False, checked, head.last_id, _("entries at the end of the chain were deleted"))
    return Verdict(True, checked)


def entries(session: Session, limit: int = 200, before_id: int | None = None) -> list[AuditEntry]:
    """Newest first, a page at a time (keyset pagination on id)."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    return list(session.exec(query))
