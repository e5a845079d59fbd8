"""Scoped administration (SPEC 7.5): an account limited to one unit's subtree sees and
changes only the units, accounts, documents, deliveries and articles that belong there.

The limits live here and nowhere else: the domain's listings add `where_units` or
`where_documents` to their queries and its changes call `require_in_scope`, so the CLI, the
TUI and `bbt serve` obey the same rules. An unscoped actor (scope None) passes everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from domain.auth import SYSTEM, Actor, outside_scope
from models import Delivery, Document, Unit

# Who the current transaction acts for, set by the front ends' one wrapper around domain work
# (commands.common.acting, bbt_tui.db): a listing called without an actor is still limited
# to this one's scope, so no screen can forget it.
_acting: ContextVar[Actor | None] = ContextVar("bbt_acting", default=None)


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def effective(actor: Actor | None) -> Actor | None:
    """The actor given, else the one the current transaction acts for."""
    return actor if actor is not None else _acting.get()


def subtree(session: Session, root_id: int) -> frozenset[int]:
    """The unit and every unit under it, by walking the parent links once."""
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in session.exec(select(Unit.id, Unit.parent_id)):
        if parent_id is not None and unit_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    found, todo = {root_id}, [root_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:  # a cycle cannot loop forever
                found.add(child)
                todo.append(child)
    return frozenset(found)


def above(session: Session, actor: Actor | None) -> frozenset[int]:
    """The units above the actor's scope root (its parent, the parent's parent...): a
    district sends its reports up to them, though it neither sees nor changes their work."""
    actor = effective(actor)
    if actor is None or actor.scope_unit_id is None:
        return frozenset()
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all())
    found: set[int] = set()
    current = parents.get(actor.scope_unit_id)
    while current is not None and current not in found:  # a cycle cannot loop forever
        found.add(current)
        current = parents.get(current)
    return frozenset(found)


def with_scope(session: Session, actor: Actor) -> Actor:
    """The actor with its subtree computed (once per command or per TUI action)."""
    if actor.scope_unit_id is None:
        return actor
    return dataclasses.replace(actor, scope=subtree(session, actor.scope_unit_id))


def is_scoped(actor: Actor | None) -> bool:
    actor = effective(actor)
    return actor is not None and (actor.scope is not None or actor.scope_unit_id is not None)


def contains(actor: Actor | None, unit_id: int | None) -> bool:
    actor = effective(actor)
    if actor is None or not is_scoped(actor):
        return True
    return unit_id is not None and unit_id in (actor.scope or ())


def require_in_scope(actor: Actor | None, *unit_ids: int | None) -> None:
    """Refuse (exit 3) when any of these units lies outside the actor's subtree."""
    if not all(contains(actor, unit_id) for unit_id in unit_ids):
        raise outside(actor)


def require_unscoped(actor: Actor) -> None:
    """What spans the whole database (imports, copies, settings) is for unscoped accounts."""
    if is_scoped(actor):
        raise outside(actor)


def outside(actor: Actor | None) -> Exception:
    return outside_scope(effective(actor) or SYSTEM)


def _ids(actor: Actor | None) -> list[int]:
    actor = effective(actor)
    return sorted((actor.scope if actor else None) or ())


def where_units(query: Any, actor: Actor | None, column: Any) -> Any:
    """The query restricted to rows whose unit (the column) lies in the actor's subtree
    (no actor given: the one the transaction acts for)."""
    if not is_scoped(actor):
        return query
    return query.where(units_clause(actor, column))


def units_clause(actor: Actor | None, column: Any) -> Any:
    """The condition that the column's unit lies in the (scoped) actor's subtree."""
    return col(column).in_(_ids(actor))


def documents_clause(actor: Actor | None) -> Any:
    """A document is seen when it was issued or received in the subtree, or sent to it."""
    ids = _ids(actor)
    return or_(col(Document.issuer_id).in_(ids), col(Document.recipient_id).in_(ids),
               exists(select(Delivery.id).where(col(Delivery.document_id) == Document.id,
                                                col(Delivery.unit_id).in_(ids))))


def where_documents(query: Any, actor: Actor | None) -> Any:
    if not is_scoped(actor):
        return query
    return query.where(documents_clause(actor))


def require_document_visible(session: Session, actor: Actor, doc: Document) -> None:
    if not is_scoped(actor) or contains(actor, doc.issuer_id) or \
            contains(actor, doc.recipient_id):
        return
    sent_here = session.exec(select(Delivery.id).where(
        Delivery.document_id == doc.id, col(Delivery.unit_id).in_(_ids(actor)))).first()
    if sent_here is None:
        raise outside(actor)


def owner(doc: Document) -> int | None:
    """The unit whose register holds the document: the issuer of an outgoing one, the
    recipient of an incoming one."""
    return doc.recipient_id if doc.direction == "incoming" else doc.issuer_id


def require_document_owned(actor: Actor, doc: Document) -> None:
    """Changing a document (sign, send, withdraw, attach) is for its own register's side."""
    require_in_scope(actor, owner(doc))
