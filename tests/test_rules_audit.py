"""The audit chain: what an entry holds, what its hash covers, what verification finds."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session

from domain import audit, documents
from domain.auth import SYSTEM, Actor
from domain.errors import BBTError
from models import AuditEntry, AuditHead, Unit
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def record(world: World, n: int = 1) -> list[AuditEntry]:
    actor = Actor("admin-bbt", "admin")
    return [world.run(audit.record, actor, "test.act", "thing", f"k{i}", n=i, day="x")
            for i in range(n)]


def test_detail_is_sorted_json_that_keeps_vietnamese_and_dates_readable(world: World) -> None:
    entry = world.run(audit.record, SYSTEM, "a", "b", 7, z="Lộc Bảo", a=date(2022, 1, 1))
    assert entry.entity_key == "7"
    assert entry.detail == '{"a": "2022-01-01", "z": "Lộc Bảo"}'
    assert world.run(audit.record, SYSTEM, "a", "b").entity_key == ""


@pytest.mark.parametrize(("column", "value"), [
    ("detail", '{"n": 99, "day": "x"}'), ("actor", "someone"), ("action", "test.other"),
    ("entity", "other"), ("entity_key", "k9"),
])
def test_the_hash_covers_every_field(world: World, column: str, value: str) -> None:
    record(world, 3)
    world.run(lambda s: s.execute(update(AuditEntry).where(AuditEntry.id == 2)  # type: ignore[arg-type]
                                  .values({column: value})))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 1, 2, "its content was edited")


def test_the_hash_covers_the_time(world: World) -> None:
    entries = record(world, 2)
    world.run(lambda s: s.execute(update(AuditEntry).where(AuditEntry.id == 2)  # type: ignore[arg-type]
                                  .values(at=entries[1].at + timedelta(seconds=1))))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.broken_id, verdict.reason) == (False, 2, "its content was edited")


def test_a_deleted_or_inserted_entry_breaks_the_next_link(world: World) -> None:
    record(world, 4)
    world.run(lambda s: s.execute(delete(AuditEntry).where(AuditEntry.id == 2)))  # type: ignore[arg-type]
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 1, 3, "an entry before it was deleted or inserted")


def test_registering_documents_writes_their_entries(world: World) -> None:
    doc = world.run(documents.issue, SYSTEM, "KH", "BBT", "Kế hoạch tuyên truyền", "2022-03-01")
    issued = world.audit("document.issue")[-1]
    assert (issued.entity, issued.entity_key, issued.actor) == ("document", doc.number, "system")
    assert json.loads(issued.detail) == {"year": 2022, "title": "Kế hoạch tuyên truyền",
                                         "date": "2022-03-01", "attachment": None}
    incoming = world.run(documents.receive, SYSTEM, "12-CV/TU", "TU", "2022-03-01", "Công văn",
                         to="BBT", received="2022-03-02")
    received = world.audit("document.receive")[-1]
    assert (received.entity, received.entity_key) == ("document", incoming.number)
    assert json.loads(received.detail) == {"year": 2022, "incoming_number": 1,
                                           "recipient": "BBT", "attachment": None}
    assert world.read(audit.verify).ok



# main's chain opens with a genesis entry (id 1), so recorded entries start at id 2.

def test_an_intact_chain_verifies_genesis_included(world: World) -> None:
    record(world, 3)
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (True, 4, None, "")
    first = world.read(lambda s: s.get(AuditEntry, 1))
    assert (first.action, first.prev_hash) == (audit.GENESIS_ACTION, audit.GENESIS)


def test_a_head_with_a_forged_hash_is_found(world: World) -> None:
    record(world, 2)
    world.run(lambda s: s.execute(update(AuditHead).values(hash="f" * 64)))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id) == (False, 3, 3)


def test_entries_are_listed_newest_first_a_page_at_a_time(world: World) -> None:
    record(world, 5)
    assert [e.id for e in world.read(lambda s: audit.entries(s, limit=2))] == [6, 5]
    assert [e.id for e in world.read(lambda s: audit.entries(s, 2, before_id=5))] == [4, 3]
    assert [e.id for e in world.read(lambda s: audit.entries(s, before_id=2))] == [1]
    assert len(world.read(audit.entries)) == 6


def test_a_page_holds_200_entries_by_default(world: World) -> None:
    world.run(lambda s: [audit.record(s, SYSTEM, "test.act", "thing", n) for n in range(201)])
    page = world.read(audit.entries)
    assert len(page) == 200 and page[0].id == 202 and page[-1].id == 3


def genesis(world: World) -> AuditEntry:
    entry = world.read(lambda s: s.get(AuditEntry, 1))
    assert entry is not None and entry.action == audit.GENESIS_ACTION
    return entry


def test_an_entry_names_who_did_what_to_which_record_and_chains_to_the_previous(world: World
                                                                               ) -> None:
    first, second = record(world, 2)
    assert (first.id, second.id) == (2, 3)
    assert (first.actor, first.action, first.entity, first.entity_key) == (
        "admin-bbt", "test.act", "thing", "k0")
    assert json.loads(first.detail) == {"n": 0, "day": "x"}
    assert first.prev_hash == genesis(world).hash != audit.GENESIS
    assert second.prev_hash == first.hash
    assert first.hash == hashlib.sha256((first.prev_hash + audit.canonical(first)).encode()
                                        ).hexdigest()
    head = world.read(lambda s: s.get(AuditHead, 1))
    assert (head.last_id, head.hash) == (3, second.hash)


def test_a_renumbered_entry_is_found(world: World) -> None:
    record(world, 3)  # ids 2, 3, 4 after the genesis

    def renumber(session: Session) -> None:  # ids 1, 2, 3, 5: the links still match
        session.execute(update(AuditEntry).where(AuditEntry.id == 4).values(id=5))  # type: ignore[arg-type]

    world.run(renumber)
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 3, 5, "an entry before it was deleted or inserted")


def test_a_deleted_tail_no_longer_matches_the_head(world: World) -> None:
    record(world, 3)
    world.run(lambda s: s.execute(delete(AuditEntry).where(AuditEntry.id == 4)))  # type: ignore[arg-type]
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 3, 4, "entries at the end of the chain were deleted")


def test_the_hash_is_over_the_documented_canonical_form(world: World) -> None:
    """Text stays as written (UTF-8, not \\u escapes): an exported head can be checked by
    anyone with the rows and sha256sum."""
    entry = world.run(audit.record, Actor("lộc", "admin"), "unit.add", "unit", "XÃ", tên="Lộc An")
    spelled = ('{"action":"unit.add","actor":"lộc","at":"' + entry.at.isoformat() + '",'
               '"detail":"{\\"tên\\": \\"Lộc An\\"}","entity":"unit","entity_key":"XÃ","id":2}')
    assert audit.canonical(entry) == spelled
    assert entry.hash == hashlib.sha256((genesis(world).hash + spelled).encode()).hexdigest()


def test_a_chain_verifies_whatever_the_rows_physical_order(world: World) -> None:
    record(world, 3)

    def move_first_to_the_end(session: Session) -> None:
        first = session.get(AuditEntry, 1)
        assert first is not None
        copy = AuditEntry(**first.model_dump())
        session.delete(first)
        session.flush()
        session.add(copy)

    before = world.read(audit.verify)
    world.run(move_first_to_the_end)
    assert world.read(audit.verify) == before and (before.ok, before.checked) == (True, 4)


def test_the_chain_is_read_a_page_at_a_time(world: World, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    record(world, 10)
    whole = world.read(audit.verify)
    monkeypatch.setattr(audit, "PAGE", 3)
    paged = world.read(audit.verify)
    assert (paged.ok, paged.checked, paged.merkle_root, paged.last_hash) == (
        True, 11, whole.merkle_root, whole.last_hash)
    hashes = world.read(lambda s: [e.hash for e in s.exec(
        audit.select(AuditEntry).order_by(AuditEntry.id))])  # type: ignore[arg-type]
    leaves = world.read(lambda s: [h.hex() for h in audit.leaves(s)(2, 9)])
    assert leaves == hashes[2:9]  # entries 3 to 9: leaf i is entry i + 1, 7 of them


def test_a_chain_that_does_not_open_with_its_genesis_is_broken(world: World) -> None:
    record(world, 2)

    def rechain(session: Session) -> None:
        """Entry 1 made an ordinary one, every hash recomputed: the links all hold."""
        session.execute(update(AuditEntry).where(AuditEntry.id == 1).values(action="test.act"))
        prev = audit.GENESIS
        for entry in session.exec(audit.select(AuditEntry).order_by(AuditEntry.id)):  # type: ignore[arg-type]
            entry.prev_hash, entry.hash = prev, audit.entry_hash(prev, entry)
            prev = entry.hash
            session.add(entry)
        session.execute(update(AuditHead).values(hash=prev))

    world.run(rechain)
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 0, 1, "the chain does not start with its genesis entry")


def test_an_anchor_round_trips_and_proves_the_chain_grew_from_it(world: World) -> None:
    record(world, 4)
    anchor = world.read(audit.anchor)
    assert anchor.entries == 5 and anchor.last_hash == world.read(audit.verify).last_hash
    text = json.dumps(anchor.as_json())
    assert json.loads(text)["format"] == "bbt-audit-anchor-1"
    assert audit.Anchor.parse(text) == anchor
    record(world, 6)
    assert world.read(lambda s: audit.verify(s, anchor)).ok
    proof = world.read(lambda s: audit.prove(s, anchor))
    assert (proof.ok, proof.old_size, proof.size, proof.reason) == (True, 5, 11, "")
    assert proof.root == world.read(audit.verify).merkle_root and proof.proof
    assert proof.as_json() == {"consistent": True, "old_size": 5, "old_root": anchor.merkle_root,
                               "size": 11, "root": proof.root, "proof": proof.proof}
    forged = audit.Anchor(5, anchor.last_hash, "ab" * 32)
    verdict = world.read(lambda s: audit.verify(s, forged))
    assert (verdict.ok, verdict.broken_id, verdict.reason) == (
        False, 5, "it differs from the anchor")
    refused = world.read(lambda s: audit.prove(s, forged))
    assert (refused.ok, refused.reason) == (
        False, "the chain is not an extension of the anchored one")
    longer = audit.Anchor(20, anchor.last_hash, anchor.merkle_root)
    verdict = world.read(lambda s: audit.verify(s, longer))
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 11, 20, "the chain is shorter than the anchor")


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"entries": 3, "last_hash": "ab"}',
    '{"entries": -1, "last_hash": "ab", "merkle_root": "cd"}',
    '{"entries": 3, "last_hash": "xyz", "merkle_root": "cd"}',
    '{"entries": 3, "last_hash": "ab", "merkle_root": "not hex"}',
    '{"entries": "three", "last_hash": "ab", "merkle_root": "cd"}',
])
def test_anything_else_is_not_an_anchor(text: str) -> None:
    with pytest.raises(BBTError) as refused:
        audit.Anchor.parse(text)
    assert str(refused.value) == "This file is not an audit anchor written by `bbt audit anchor`."


def test_an_anchor_is_read_as_written_in_any_case() -> None:
    anchor = audit.Anchor.parse('{"entries": 3, "last_hash": "AB", "merkle_root": "CD"}')
    assert anchor == audit.Anchor(3, "ab", "cd", "")


def test_a_broken_chain_is_neither_anchored_nor_proved(world: World) -> None:
    record(world, 3)
    anchor = world.read(audit.anchor)
    world.run(lambda s: s.execute(update(AuditEntry).where(AuditEntry.id == 3)  # type: ignore[arg-type]
                                  .values(action="forged")))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.broken_id) == (False, 3)
    with pytest.raises(BBTError) as refused:
        world.read(audit.anchor)
    assert str(refused.value) == f"Audit chain broken at entry 3: {verdict.reason}."
    proof = world.read(lambda s: audit.prove(s, anchor))
    assert proof == audit.Proof(False, 4, anchor.merkle_root, verdict.checked, "", [],
                                f"audit chain broken at entry 3: {verdict.reason}")


def test_an_anchor_is_timed_and_a_longer_one_is_not_proved(world: World) -> None:
    record(world, 2)
    anchor = world.read(audit.anchor)
    made = datetime.fromisoformat(anchor.time)
    assert abs(made - datetime.now(UTC)) < timedelta(minutes=1)
    assert world.read(lambda s: audit.prove(s, anchor)).ok  # the same size: an empty proof
    longer = audit.Anchor(9, anchor.last_hash, anchor.merkle_root)
    proof = world.read(lambda s: audit.prove(s, longer))
    assert (proof.ok, proof.size, proof.proof, proof.reason) == (
        False, 3, [], "the chain is not an extension of the anchored one")


def test_an_anchor_of_the_empty_chain_is_read() -> None:
    assert audit.Anchor.parse('{"entries": 0, "last_hash": "ab", "merkle_root": "cd"}'
                              ).entries == 0


def test_an_emptied_chain_is_broken_and_an_anchor_of_todays_size_verifies(world: World) -> None:
    record(world, 2)
    anchor = world.read(audit.anchor)
    assert world.read(lambda s: audit.verify(s, anchor)).ok  # as long as the anchor: intact
    world.run(lambda s: s.execute(delete(AuditEntry)))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 0, 1, "the chain is empty although the database is in use")


def test_a_chain_differing_from_its_anchor_counts_the_entries_checked(world: World) -> None:
    record(world, 2)
    anchor = world.read(audit.anchor)
    forged = audit.Anchor(anchor.entries, "ab" * 32, anchor.merkle_root)
    verdict = world.read(lambda s: audit.verify(s, forged))
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 3, 3, "it differs from the anchor")


def test_a_chain_without_its_head_row_lost_its_tail(world: World) -> None:
    record(world, 2)
    world.run(lambda s: s.execute(delete(AuditHead)))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 3, 3, "entries at the end of the chain were deleted")


def test_an_emptied_chain_without_its_head_row_is_broken_in_a_database_in_use(world: World
                                                                              ) -> None:
    record(world, 2)
    world.run(lambda s: (s.execute(delete(AuditEntry)), s.execute(delete(AuditHead))))
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (
        False, 0, 1, "the chain is empty although the database is in use")


def test_a_database_never_initialised_has_an_empty_intact_chain(world: World) -> None:
    world.run(lambda s: s.execute(delete(Unit)))  # no units, no accounts, no audit rows
    verdict = world.read(audit.verify)
    assert (verdict.ok, verdict.checked, verdict.broken_id, verdict.reason) == (True, 0, None, "")
    assert verdict.last_hash == audit.GENESIS


def test_two_transactions_appending_at_once_chain_one_after_the_other(world: World) -> None:
    """The head row is read under a row lock: a second writer waits for the first one's
    commit and chains after its entry, instead of reading the same head and failing on
    (or forking) the next id. PostgreSQL only: SQLite's writers already take turns at
    BEGIN IMMEDIATE."""
    if not world.url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers before they read the head")
    record(world, 1)
    first, entry = rules_support.one_waits_for_the_other(
        world, lambda s: audit.record(s, SYSTEM, "test.first", "thing"),
        lambda s: audit.record(s, SYSTEM, "test.second", "thing"))
    assert (first.id, entry.id, entry.prev_hash) == (3, 4, first.hash)
    assert world.read(audit.verify).checked == 4

