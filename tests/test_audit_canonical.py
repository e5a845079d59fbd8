"""The fast paths of `audit verify` give exactly what the slow, obvious ones gave: the
canonical text is json.dumps's, the time is read as SQLModel's UTCDateTime reads it, and the
Merkle root does not depend on how the leaves were handed in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session
from sqlmodel.sql.sqltypes import UTCDateTime

from domain import audit
from domain.auth import Actor
from tests import rules_support
from tests.rules_support import World

world = rules_support.world

ANY_TEXT = st.text(st.characters(codec=None, categories=None))  # surrogates and controls too
ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=7)),
                         timezone(-timedelta(hours=3, minutes=30, seconds=15))])
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),
                       timezones=ZONES)
# No deadline: the machine running the suite may be busy; the examples themselves are cheap.
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(action=ANY_TEXT, actor=ANY_TEXT, detail=ANY_TEXT, entity=ANY_TEXT, key=ANY_TEXT,
       entry_id=st.integers(min_value=1, max_value=2**63 - 1), at=MOMENTS)
def test_the_canonical_text_is_sorted_compact_json(action: str, actor: str, detail: str,
                                                   entity: str, key: str, entry_id: int,
                                                   at: datetime) -> None:
    as_read = UTCDateTime().process_result_value(at, None)  # type: ignore[arg-type]
    assert as_read is not None
    expected = json.dumps({"action": action, "actor": actor, "at": as_read.isoformat(),
                           "detail": detail, "entity": entity, "entity_key": key,
                           "id": entry_id}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
    assert audit._canonical(entry_id, at, actor, action, entity, key, detail) == expected


@FAST
@given(at=MOMENTS)
def test_the_time_is_read_as_utcdatetime_reads_it(at: datetime) -> None:
    """As an object (PostgreSQL, the ORM) and as SQLite's stored text, which SQLAlchemy
    parses with fromisoformat."""
    as_read = UTCDateTime().process_result_value(at, None)  # type: ignore[arg-type]
    assert as_read is not None and as_read.tzinfo is UTC
    assert audit._utc_text(at) == as_read.isoformat()
    assert audit._utc_text(at.isoformat(" ", "microseconds")) == as_read.isoformat()


def test_a_chain_verifies_in_a_session_on_another_time_zone(world: World) -> None:
    """PostgreSQL hands times back in the session's zone; the hashes were made in UTC."""
    if not world.url.startswith("postgresql"):
        pytest.skip("SQLite stores and returns times without a zone")
    for i in range(3):
        world.run(audit.record, Actor("admin-bbt", "admin"), "test.act", "thing", f"k{i}")

    def in_hanoi_time(session: Session) -> audit.Verdict:
        session.execute(text("SET TIME ZONE 'Asia/Ho_Chi_Minh'"))
        stored = session.execute(text("SELECT at FROM audit_entry LIMIT 1")).scalar_one()
        assert stored.utcoffset() == timedelta(hours=7)
        return audit.verify(session)

    verdict = world.read(in_hanoi_time)
    assert (verdict.ok, verdict.checked) == (True, 4)
