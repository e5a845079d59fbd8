"""Units (đơn vị) and trainings (tập huấn)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from domain import audit, limits, scope, vocab
from domain.auth import Actor, require
from domain.errors import BBTError, NotFound
from domain.i18n import _
from domain.text import nfc, require_date
from models import PARTY_KINDS, UNIT_KINDS, Training, TrainingUnit, Unit

# A code is written inside document numbers (117-BC/BBT, 156/QĐ-UBND), so it holds only
# what a number can carry: capital letters, digits, Đ, &, dot and hyphen.
UNIT_CODE_PATTERN = r"^[A-Z0-9Đ&.\-]{1,40}$"


def check_code(code: str) -> str:
    code = nfc(code).upper()
    if not re.match(UNIT_CODE_PATTERN, code):
        raise BBTError(_("A unit code has 1 to 40 letters, digits, '&', '.' or '-' (e.g. "
                         "DU-LOCAN), not '{code}'.").format(code=code))
    return code


def get(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == nfc(code).upper())).first()
    if unit is None:
        raise NotFound(_("There is no unit with code '{code}'.").format(code=code))
    return unit


def visible(session: Session, actor: Actor | None, code: str) -> Unit:
    """The unit, if it lies in the actor's scope (exit 3 when it does not)."""
    unit = get(session, code)
    scope.require_in_scope(actor, unit.id)
    return unit


def addressable(session: Session, actor: Actor | None, code: str) -> Unit:
    """A unit the actor may send or forward a document to: one in its scope, or one above
    its scope's root (a district reports up to the province); exit 3 for any other."""
    unit = get(session, code)
    # The walk up reads every unit's parent: only for a unit outside the scope (and sending
    # to 70 units inside it reads nothing more).
    if not scope.contains(actor, unit.id) and unit.id not in scope.above(session, actor):
        raise scope.outside(actor)
    return unit


def by_id(session: Session) -> dict[int, Unit]:
    return {u.id: u for u in session.exec(select(Unit))}  # type: ignore[misc]


def check_kind(kind: str) -> str:
    kind = vocab.code("unit_kind", kind)
    if kind not in UNIT_KINDS:
        raise BBTError(_("Unit kind '{kind}' is unknown; use one of {choices}.").format(kind=kind, choices=', '.join(UNIT_KINDS)))
    return kind


def is_party(unit: Unit) -> bool:
    return unit.kind in PARTY_KINDS


def add(
    session: Session, actor: Actor, code: str, name: str, kind: str, parent: str | None = None
) -> Unit:
    require(actor, "units.write")
    if not limits.text(name, "name"):
        raise BBTError(_("A unit needs a code and a name."))
    code = check_code(code)
    if session.exec(select(Unit).where(Unit.code == code)).first():
        raise BBTError(_("A unit with code '{code}' already exists.").format(code=code))
    parent_id = visible(session, actor, parent).id if parent else None
    if parent_id is None:
        scope.require_unscoped(actor)  # a scoped admin adds units inside its subtree only
    unit = Unit(code=code, name=nfc(name), kind=check_kind(kind), parent_id=parent_id)
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.add", "unit", code, name=unit.name, kind=kind, parent=parent)
    return unit


def update(
    session: Session,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    active: bool | None = None,
) -> Unit:
    require(actor, "units.write")
    unit = visible(session, actor, code)
    if unit.id == actor.scope_unit_id and (parent is not None or active is not None):
        raise scope.outside(actor)  # its own root: moving it would move the scope itself
    changes: dict[str, object] = {}
    if name is not None and nfc(name) != unit.name:
        unit.name = changes["name"] = nfc(name)
    if kind is not None and check_kind(kind) != unit.kind:
        unit.kind = changes["kind"] = check_kind(kind)
    if parent is not None:
        parent_id = visible(session, actor, parent).id if parent else None
        if parent_id is None:
            scope.require_unscoped(actor)
        _refuse_cycle(session, unit, parent_id)
        if parent_id != unit.parent_id:
            unit.parent_id, changes["parent"] = parent_id, parent
    if active is not None and active != unit.active:
        unit.active = changes["active"] = active
    if changes:
        session.add(unit)
        audit.record(session, actor, "unit.update", "unit", unit.code, **changes)
    return unit


def _refuse_cycle(session: Session, unit: Unit, parent_id: int | None) -> None:
    """A unit cannot sit under itself or under one of its own sub-units."""
    ids = by_id(session)
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen:
        if parent_id == unit.id:
            raise BBTError(_("Unit {code} cannot be placed under itself or one of its own "
                             "sub-units.").format(code=unit.code))
        seen.add(parent_id)
        parent_id = ids[parent_id].parent_id


def require_active(unit: Unit) -> Unit:
    """An inactive unit receives nothing new (documents, forwards)."""
    if not unit.active:
        raise BBTError(_("Unit {code} is inactive; it receives nothing new.").format(
            code=unit.code))
    return unit


def set_term(session: Session, actor: Actor, code: str, start: str | date) -> Unit:
    """Start a new Party term: numbering per type restarts from 1 (Hướng dẫn 36-HD/VPTW)."""
    require(actor, "units.write")
    unit = visible(session, actor, code)
    unit.term_start = require_date(start, "term start")
    session.add(unit)
    audit.record(session, actor, "unit.set_term", "unit", unit.code, start=unit.term_start)
    return unit


def listing(session: Session, kind: str | None = None, *, actor: Actor | None = None
            ) -> list[Unit]:
    """Units by kind and code, of the actor's scope (domain.scope)."""
    query = scope.where_units(select(Unit).order_by(col(Unit.kind), col(Unit.code)),
                              actor, Unit.id)
    if kind:
        query = query.where(Unit.kind == check_kind(kind))
    return list(session.exec(query))


def as_row(unit: Unit, codes: dict[int, Unit]) -> dict[str, object]:
    parent = codes.get(unit.parent_id) if unit.parent_id else None
    return {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent": parent.code if parent else None, "active": unit.active}


def add_training(
    session: Session, actor: Actor, when: str | date, topic: str, unit_codes: Iterable[str]
) -> Training:
    require(actor, "trainings.write")
    codes = list(dict.fromkeys(nfc(c).upper() for c in unit_codes))
    if not codes:
        raise BBTError(_("A training needs at least one unit that attended."))
    if not limits.text(topic, "topic"):
        raise BBTError(_("A training needs a topic."))
    attended = [visible(session, actor, code) for code in codes]
    training = Training(date=require_date(when), topic=nfc(topic))
    session.add(training)
    session.flush()
    session.add_all(TrainingUnit(training_id=training.id, unit_id=u.id) for u in attended)  # type: ignore[arg-type]
    audit.record(session, actor, "training.add", "training", training.id,
                 date=training.date, topic=training.topic, units=codes)
    return training


def trainings(session: Session, *, start: date | None = None, end: date | None = None,
              actor: Actor | None = None) -> list[tuple[Training, list[str]]]:
    """Trainings with the codes of the units that attended (of the actor's scope), those
    held in [start, end) only when given (a report reads its period's, not every attendance
    ever recorded)."""
    query = (select(Training, Unit.code)
             .join(TrainingUnit, col(TrainingUnit.training_id) == Training.id)
             .join(Unit, col(Unit.id) == TrainingUnit.unit_id)
             .order_by(col(Training.date), col(Training.id), col(Unit.code)))
    if start is not None:
        query = query.where(col(Training.date) >= start)
    if end is not None:
        query = query.where(col(Training.date) < end)
    rows = session.exec(scope.where_units(query, actor, Unit.id))
    grouped: dict[int, tuple[Training, list[str]]] = {}
    for training, code in rows:
        grouped.setdefault(training.id or 0, (training, []))[1].append(code)
    return list(grouped.values())
