"""The audit chain: what an entry holds, what its hash covers, what verification finds."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, update

from domain import audit, documents
from domain.auth import SYSTEM, Actor
from models import AuditEntry, AuditHead
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
    assert json.loads(issued.detail) == {"title": "Kế hoạch tuyên truyền", "date": "2022-03-01",
                                         "attachment": None}
    incoming = world.run(documents.receive, SYSTEM, "12-CV/TU", "TU", "2022-03-01", "Công văn",
                         to="BBT", received="2022-03-02")
    received = world.audit("document.receive")[-1]
    assert (received.entity, received.entity_key) == ("document", incoming.number)
    assert json.loads(received.detail) == {"incoming_number": 1, "recipient": "BBT",
                                           "attachment": None}
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
