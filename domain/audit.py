"""The audit chain: every change made through the domain layer, chained by SHA-256, and a
Merkle tree over the chain in the manner of Certificate Transparency (RFC 9162).

hash_n = SHA-256(hash_{n-1} || canonical(entry_n)). An edited entry no longer matches its
hash, a deleted or inserted one breaks the next entry's link, and a deleted tail no longer
matches the head row. The chain starts with a genesis entry (`bbt init`): an initialised
database whose chain is empty or starts elsewhere fails verification.

Someone with write access can still recompute every hash. Against that, an anchor (the
number of entries, the last hash and the Merkle root over every entry's hash) is kept outside
the database: `verify(anchor=...)` fails unless the chain still holds that entry with that
hash and those first entries give that root, and `prove` gives a consistency proof of
logarithmic size that today's tree extends the anchored one (domain/merkle.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Row, String, type_coerce
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from domain import merkle
from domain.auth import SYSTEM, Actor
from domain.errors import BBTError
from domain.i18n import _
from models import Account, AuditEntry, AuditHead, Document, Unit, utcnow

GENESIS = "0" * 64
GENESIS_ACTION = "audit.genesis"
ANCHOR_FORMAT = "bbt-audit-anchor-1"
# Entries are read this many at a time (keyset pages on id): memory stays bounded however
# long the chain (4 MB above the process for 1,000; 13 MB for 5,000, no faster).
PAGE = 1000

# `at` is read as the driver gives it (SQLite's text, PostgreSQL's aware datetime) and
# converted by _utc_text as SQLAlchemy and SQLModel's UTCDateTime would: their per-row
# processing took a quarter of verify's time.
_COLUMNS = [col(AuditEntry.id), type_coerce(col(AuditEntry.at), String)] + [
    col(c) for c in (AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                     AuditEntry.entity_key, AuditEntry.detail, AuditEntry.prev_hash,
                     AuditEntry.hash)]

# The canonical form of an entry is json.dumps of its fields with sort_keys=True,
# ensure_ascii=False and separators=(",", ":"), the form every stored hash was made from.
# It is spelt out here with the string encoder json.dumps itself uses for those options (a
# JSONEncoder builds a new C encoder on every call: most of the cost); a test holds the two
# equal for any text.
_CANONICAL = ('{"action":%s,"actor":%s,"at":%s,"detail":%s,"entity":%s,"entity_key":%s,'
              '"id":%d}')


def canonical(entry: AuditEntry | Row[Any]) -> str:
    return _canonical(entry.id, entry.at, entry.actor, entry.action, entry.entity,
                      entry.entity_key, entry.detail)


def _canonical(entry_id: Any, at: datetime | str, actor: str, action: str, entity: str,
               entity_key: str, detail: str) -> str:
    return _CANONICAL % (encode_basestring(action), encode_basestring(actor),
                         encode_basestring(_utc_text(at)), encode_basestring(detail),
                         encode_basestring(entity), encode_basestring(entity_key), entry_id)


def _utc_text(at: datetime | str) -> str:
    """The time in UTC as isoformat() writes it, read as UTCDateTime reads it: SQLite's text
    with fromisoformat (SQLAlchemy's own conversion), naive is UTC (SQLite keeps no offset),
    aware is converted (a PostgreSQL session may run in another time zone). A naive time's
    text plus "+00:00" is its aware twin's, in half the time."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.utcoffset() is None:
        return at.isoformat() + "+00:00"
    return at.astimezone(UTC).isoformat()


def entry_hash(prev_hash: str, entry: AuditEntry | Row[Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def record(
    session: Session, actor: Actor, action: str, entity: str, key: Any = "", **detail: Any
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with it)."""
    # Locking the head row serialises appends on PostgreSQL so the chain never forks;
    # SQLite writers are already serialised by BEGIN IMMEDIATE.
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:  # the first entry ever: the chain opens with its genesis
        head = start(session)
    return _append(session, head, actor, action, entity, key, detail)


def record_document(session: Session, actor: Actor, action: str, doc: Document,
                    delivered_to: str | None = None, **detail: Any) -> AuditEntry:
    """An entry about a document or, given the unit's code, its delivery to that unit
    (NUMBER@UNIT). The document's year goes in every such entry: a number repeats across
    terms and years, and `doc history NUMBER --year Y` tells them apart by it."""
    if delivered_to is None:
        return record(session, actor, action, "document", doc.number, year=doc.date.year,
                      **detail)
    return record(session, actor, action, "delivery", f"{doc.number}@{delivered_to}",
                  year=doc.date.year, **detail)


def _append(session: Session, head: AuditHead, actor: Actor, action: str, entity: str,
            key: Any, detail: dict[str, Any]) -> AuditEntry:
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


def start(session: Session) -> AuditHead:
    """Open the chain with its genesis entry (a new database, `bbt init`)."""
    head = session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, last_id=0, hash=GENESIS)
        session.add(head)
        _append(session, head, SYSTEM, GENESIS_ACTION, "audit", "", {"format": 1})
    return head


@dataclass(frozen=True)
class Anchor:
    """The chain as it stood: kept outside the database, printed, mailed to the province."""

    entries: int
    last_hash: str
    merkle_root: str
    time: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"format": ANCHOR_FORMAT, "entries": self.entries, "last_hash": self.last_hash,
                "merkle_root": self.merkle_root, "time": self.time}

    @classmethod
    def parse(cls, text: str) -> Anchor:
        try:
            data = json.loads(text)
            anchor = cls(int(data["entries"]), str(data["last_hash"]).lower(),
                         str(data["merkle_root"]).lower(), str(data.get("time", "")))
            bytes.fromhex(anchor.last_hash)
            bytes.fromhex(anchor.merkle_root)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BBTError(_("This file is not an audit anchor written by `bbt audit "
                             "anchor`.")) from None
        if anchor.entries < 0:
            raise BBTError(_("This file is not an audit anchor written by `bbt audit "
                             "anchor`."))
        return anchor


@dataclass
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    merkle_root: str = ""
    last_hash: str = GENESIS


def _pages(session: Session, after: int = 0, upto: int | None = None
           ) -> Iterator[Sequence[Any]]:
    """Entries in id order as plain rows (SQLAlchemy Core, no ORM objects), a keyset page
    of PAGE at a time."""
    connection = session.connection()
    while True:
        query = select_columns(*_COLUMNS).where(col(AuditEntry.id) > after)
        if upto is not None:
            query = query.where(col(AuditEntry.id) <= upto)
        page = connection.execute(query.order_by(col(AuditEntry.id)).limit(PAGE)).all()
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = page[-1].id


def _initialised(session: Session) -> bool:
    return any(session.exec(select(model.id).limit(1)).first() is not None  # type: ignore[attr-defined]
               for model in (Account, Unit))


def verify(session: Session, anchor: Anchor | None = None) -> Verdict:
    """Walk the whole chain once, in bounded memory, and compute its Merkle root.

    Each page's links and hashes are checked entry by entry; the page's entry hashes then go
    into the Merkle tree together (merkle.Accumulator.extend)."""
    prev, checked = GENESIS, 0
    anchored, anchored_hash, anchored_root = (
        (anchor.entries, anchor.last_hash, anchor.merkle_root) if anchor else (-1, "", ""))
    tree = merkle.Accumulator()
    sha256 = hashlib.sha256
    for page in _pages(session):
        hashes = []
        for entry_id, at, actor, action, entity, key, detail, prev_hash, stored in page:
            if entry_id != checked + 1 or prev_hash != prev:
                return _broken(checked, entry_id, _("an entry before it was deleted or inserted"))
            if entry_id == 1 and action != GENESIS_ACTION:
                return _broken(0, 1, _("the chain does not start with its genesis entry"))
            canonical_text = _canonical(entry_id, at, actor, action, entity, key, detail)
            if sha256((prev + canonical_text).encode()).hexdigest() != stored:
                return _broken(checked, entry_id, _("its content was edited"))
            hashes.append(stored)
            prev, checked = stored, entry_id
            if checked == anchored:
                tree.extend(map(bytes.fromhex, hashes))
                hashes = []
                if stored != anchored_hash or tree.root().hex() != anchored_root:
                    return _broken(checked, entry_id, _("it differs from the anchor"))
        tree.extend(map(bytes.fromhex, hashes))
    head = session.get(AuditHead, 1)
    if checked == 0 and (head is not None or _initialised(session)):
        return _broken(0, 1, _("the chain is empty although the database is in use"))
    if checked and (head is None or head.last_id != checked or head.hash != prev):
        return _broken(checked, head.last_id if head else checked,
                       _("entries at the end of the chain were deleted"))
    if anchor is not None and checked < anchor.entries:
        return _broken(checked, anchor.entries, _("the chain is shorter than the anchor"))
    return Verdict(True, checked, merkle_root=tree.root().hex(), last_hash=prev)


def _broken(checked: int, entry_id: int | None, reason: str) -> Verdict:
    return Verdict(False, checked, entry_id, reason)


def anchor(session: Session) -> Anchor:
    """The head of an intact chain, with its Merkle root, to keep outside the database."""
    verdict = verify(session)
    if not verdict.ok:
        raise BBTError(_("Audit chain broken at entry {broken_id}: {reason}.").format(
            broken_id=verdict.broken_id, reason=verdict.reason))
    return Anchor(verdict.checked, verdict.last_hash, verdict.merkle_root,
                  utcnow().isoformat(timespec="seconds"))


def leaves(session: Session) -> merkle.LeafSource:
    """Leaf data for the Merkle tree: entry hashes, leaf i being entry i + 1."""
    def source(start: int, end: int) -> Iterator[bytes]:
        for page in _pages(session, after=start, upto=end):
            yield from (bytes.fromhex(entry.hash) for entry in page)
    return source


@dataclass
class Proof:
    ok: bool
    old_size: int
    old_root: str
    size: int
    root: str
    proof: list[str]
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"consistent": self.ok, "old_size": self.old_size, "old_root": self.old_root,
                "size": self.size, "root": self.root, "proof": self.proof}


def prove(session: Session, old: Anchor) -> Proof:
    """Today's chain must be intact and its Merkle tree an extension of the anchored one:
    checked with an RFC 9162 consistency proof between the two roots."""
    verdict = verify(session)
    if not verdict.ok:
        return Proof(False, old.entries, old.merkle_root, verdict.checked, "", [],
                     _("audit chain broken at entry {broken_id}: {reason}").format(
                         broken_id=verdict.broken_id, reason=verdict.reason))
    size = verdict.checked
    path = merkle.consistency_proof(old.entries, size, leaves(session)) \
        if old.entries <= size else []
    ok = merkle.verify_consistency(old.entries, size, bytes.fromhex(old.merkle_root),
                                   bytes.fromhex(verdict.merkle_root), path)
    reason = "" if ok else _("the chain is not an extension of the anchored one")
    return Proof(ok, old.entries, old.merkle_root, size, verdict.merkle_root,
                 [h.hex() for h in path], reason)


def find_key_entry(session: Session, action: str, fingerprint: str) -> AuditEntry | None:
    """The entry recording a signing key's creation or revocation, if it is intact."""
    entry = session.exec(select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.entity == "signing_key",
        AuditEntry.entity_key == fingerprint).order_by(col(AuditEntry.id))).first()
    if entry is None or entry_hash(entry.prev_hash, entry) != entry.hash:
        return None
    return entry


def document_details(session: Session, doc: Document, actions: Sequence[str]) -> list[str]:
    """The details of the intact entries about a document with these actions (as
    find_key_entry reads a key's): what the chain recorded when a file or a registered
    report was given to it, to check the stored copy against."""
    found = session.exec(select(AuditEntry).where(
        AuditEntry.entity_key == doc.number, AuditEntry.entity == "document",
        col(AuditEntry.action).in_(actions)))
    return [e.detail for e in found if entry_hash(e.prev_hash, e) == e.hash]


def entries(session: Session, limit: int = 200, before_id: int | None = None) -> list[AuditEntry]:
    """Newest first, a page at a time (keyset pagination on id)."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    return list(session.exec(query))

