"""How documents are read: `show` (and the access history it writes), the listing streamed a
page at a time, a document's place in the listing, who sent each delivery of an inbox, and the
number `issue` would give next."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from domain import documents, units
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError, BBTError, NotFound
from models import Unit
from tests import rules_support
from tests.rules_support import World

world = rules_support.world

GHOST = Actor("ghost", "ghost")


def test_showing_a_document_records_who_read_it(world: World) -> None:
    number = world.run(lambda s: documents.issue(s, SYSTEM, "KH", "HU", "Kế hoạch",
                                                 day="2022-03-01").number)
    world.run(documents.send, SYSTEM, number, to=["XA2", "HU", "UBND", "BBT"])
    before = len(world.audit())
    shown = world.run(documents.show, world.admin, number)
    assert [d["unit"] for d in shown["deliveries"]] == ["BBT", "UBND", "XA2"]  # by code
    assert shown["number"] == number and shown["legally_signed"] is False
    entries = world.audit()[before:]
    assert [(e.action, e.entity, e.entity_key, e.actor) for e in entries] == [
        ("document.view", "document", number, "admin-bbt")]
    # A clerk of a unit it was not sent to is told it does not exist, and nothing is recorded.
    with pytest.raises(NotFound) as caught:
        world.run(documents.show, world.clerk, number)
    assert str(caught.value) == f"There is no document {number}."
    with pytest.raises(AuthError):
        world.run(documents.show, GHOST, number)
    assert len(world.audit()) == before + 1
    clerk_xa2 = world.actor("clerk", "XA2")
    assert world.run(documents.show, clerk_xa2, number)["deliveries"][0]["unit"] == "XA2"
    assert world.audit()[-1].actor == "clerk-xa2"


def test_showing_a_repeated_number_names_the_year(world: World) -> None:
    for title, day in (("Cũ", "2021-05-01"), ("Mới", "2022-05-01")):
        world.run(documents.issue, SYSTEM, "TB", "UBND", title, day)
    with pytest.raises(BBTError, match="add --year to say which"):
        world.run(documents.show, SYSTEM, "1/TB-UBND")
    assert world.run(documents.show, SYSTEM, "1/TB-UBND", 2021)["title"] == "Cũ"
    assert world.run(documents.show, SYSTEM, "1/TB-UBND", year=2022)["title"] == "Mới"
    clerk_ubnd = world.actor("clerk", "UBND")
    assert world.run(documents.show, clerk_ubnd, "1/TB-UBND", 2021)["date"] == "2021-05-01"


def test_a_finished_delivery_shows_when_it_was_done(world: World) -> None:
    number = world.run(lambda s: documents.issue(s, SYSTEM, "KH", "HU", "Kế hoạch",
                                                 day="2022-03-01").number)
    world.run(documents.send, SYSTEM, number, to=["XA1"])
    done = world.run(documents.mark_done, SYSTEM, number, "XA1", note="Xong")
    shown = world.read(lambda s: documents.show(s, SYSTEM, number))["deliveries"][0]
    assert (shown["status"], shown["note"]) == ("done", "Xong")
    assert shown["done_at"] == done.done_at.isoformat() == shown["received_at"]


def register(session: Session) -> list[str]:
    """Six documents over three days, four on the same day (ties across a page's end)."""
    numbers = []
    for day in ("2022-03-01", "2022-03-02", "2022-03-02", "2022-03-02", "2022-03-02",
                "2022-03-05"):
        doc = documents.issue(session, SYSTEM, "KH", "HU", f"Kế hoạch {day}", day=day)
        documents.send(session, SYSTEM, doc.number, to=["XA1", "XA2"], due="2022-03-20")
        numbers.append(doc.number)
    documents.receive(session, SYSTEM, "7-CV/TU", "TU", "2022-03-03", "Công văn", to="XA2")
    return numbers


def listed(world: World, actor: Actor = SYSTEM, **filters: object) -> list[str]:
    docs = world.read(lambda s: documents.listing(s, actor, documents.Filters(**filters)))
    return [d.number for d in docs]


def streamed(world: World, actor: Actor = SYSTEM, filters: documents.Filters | None = None,
             **options: object) -> list[dict]:
    return world.read(lambda s: list(documents.stream(s, actor, filters, **options)))


@pytest.mark.parametrize("page", [1, 2, 3, 500])
def test_the_stream_reads_the_listing_a_page_at_a_time(world: World, page: int) -> None:
    world.run(register)
    everything = listed(world)
    assert len(everything) == 7
    rows = streamed(world, page=page)
    assert [r["number"] for r in rows] == everything
    expected = world.read(lambda s: documents.describe(s, SYSTEM, documents.listing(s, SYSTEM)))
    assert rows == expected
    for limit in (0, 1, 2, 3, 6, 7, 8):
        assert [r["number"] for r in streamed(world, limit=limit, page=page)] == \
            everything[:limit], limit


def test_the_stream_keeps_the_filters_and_what_a_clerk_may_see(world: World) -> None:
    world.run(register)
    incoming = streamed(world, filters=documents.Filters(direction="incoming"), page=1)
    assert [r["number"] for r in incoming] == ["07-CV/TU"]
    clerk = streamed(world, world.clerk, page=2)
    assert [r["number"] for r in clerk] == listed(world, world.clerk)
    assert "07-CV/TU" not in [r["number"] for r in clerk]
    assert {d["unit"] for r in clerk for d in r["deliveries"]} == {"XA1"}
    with pytest.raises(AuthError):
        streamed(world, GHOST)


def test_a_documents_position_is_its_row_in_the_listing(world: World) -> None:
    world.run(register)

    def position(actor: Actor, doc_id: int, **filters: object) -> int | None:
        return world.read(lambda s: documents.position(
            s, actor, doc_id, documents.Filters(**filters) if filters else None))

    ids = world.read(lambda s: [d.id for d in documents.listing(s, SYSTEM)])
    assert [position(SYSTEM, i) for i in ids] == list(range(len(ids)))
    outgoing = world.read(lambda s: [d.id for d in documents.listing(
        s, SYSTEM, documents.Filters(direction="outgoing"))])
    assert [position(SYSTEM, i, direction="outgoing") for i in outgoing] == list(range(6))
    incoming = next(i for i in ids if i not in outgoing)
    assert position(SYSTEM, incoming, direction="outgoing") is None  # filtered out
    assert position(world.clerk, incoming) is None  # received by XA2: not the XA1 clerk's
    assert position(SYSTEM, ids[0], search="Kế hoạch") is None  # ordered by relevance
    assert position(SYSTEM, max(ids) + 100) is None
    with pytest.raises(AuthError):
        position(GHOST, ids[0])


def test_an_inbox_names_who_sent_each_delivery(world: World) -> None:
    world.run(register)
    number = listed(world)[0]
    world.run(documents.forward, SYSTEM, number, "XA1", "BBT")

    def senders(session: Session) -> dict[str, str]:
        rows = documents.inbox(session, SYSTEM, "BBT") + documents.inbox(session, SYSTEM, "XA2")
        by_delivery = documents.senders(session, rows)
        return {f"{doc.number}@{session.get(Unit, d.unit_id).code}":  # type: ignore[union-attr]
                by_delivery[d.id].code for d, doc in rows}

    sent = world.read(senders)
    assert sent.pop(f"{number}@BBT") == "XA1"  # forwarded: the forwarding unit
    assert set(sent.values()) == {"HU"} and len(sent) == 6  # the issuer of the others
    assert world.read(lambda s: documents.senders(s, [])) == {}


def test_the_next_number_is_shown_but_not_taken(world: World) -> None:
    def next_number(code: str, doc_type: str, day: date) -> str:
        return world.read(lambda s: documents.next_number(s, units.get(s, code), doc_type, day))

    day = date(2022, 3, 1)
    assert next_number("HU", "KH", day) == "01-KH/HU"
    assert next_number("HU", "KH", day) == "01-KH/HU"  # peeking takes nothing
    world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", day)
    assert next_number("HU", "kh", day) == "02-KH/HU"
    assert next_number("HU", "QĐ", day) == "01-QĐ/HU"  # a Party body numbers each type apart
    # HU's term started on 2020-10-01: that day belongs to it, the day before to the last term.
    assert next_number("HU", "KH", date(2020, 10, 1)) == "02-KH/HU"
    assert next_number("HU", "KH", date(2020, 9, 30)) == "01-KH/HU"
    assert world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", day).number == "02-KH/HU"
    # A state body numbers all types in one series that starts again on 1 January.
    world.run(documents.issue, SYSTEM, "TB", "UBND", "Thông báo", date(2022, 12, 31))
    assert next_number("UBND", "CV", date(2022, 12, 31)) == "2/CV-UBND"
    assert next_number("UBND", "CV", date(2023, 1, 1)) == "1/CV-UBND"


def test_a_scoped_admin_reaches_its_own_units_only(world: World) -> None:
    """An admin limited to XA1 (SPEC 7.5): every document operation checks the scope itself."""
    xa1 = world.unit_ids["XA1"]
    scoped = Actor("admin-xa1", "admin", unit_id=xa1, unit_code="XA1", scope_unit_id=xa1,
                   scope_code="XA1", scope=frozenset({xa1}))
    hu = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01").number
    world.run(documents.send, SYSTEM, hu, to=["XA2"])
    own = world.run(documents.issue, scoped, "KH", "XA1", "Kế hoạch xã", "2022-03-01").number
    outside = "Your account is limited to the units under XA1; this lies outside them."
    before = len(world.audit())
    for op in (lambda s: documents.withdraw(s, scoped, hu, "Nhầm"),
               lambda s: documents.send(s, scoped, hu, to=["XA1"]),
               lambda s: documents.send(s, scoped, own, to=["XA2"]),
               lambda s: documents.show(s, scoped, hu),
               lambda s: documents.give_back(s, scoped, hu, "XA2", "Nhầm"),
               lambda s: documents.acknowledge(s, scoped, hu, "XA2"),
               lambda s: documents.acknowledge(s, scoped, hu, "XA1"),  # not sent there: unseen
               lambda s: documents.mark_done(s, scoped, hu, "XA2"),
               lambda s: documents.inbox(s, scoped, "XA2"),
               lambda s: documents.issue(s, scoped, "KH", "HU", "Kế hoạch", "2022-03-02"),
               lambda s: documents.receive(s, scoped, "5-CV/TU", "TU", "2022-03-01", "Công văn",
                                           to="XA2")):
        with pytest.raises(AuthError) as refused:
            world.run(op)
        assert str(refused.value) == outside
    world.run(documents.send, SYSTEM, hu, to=["XA1"])  # now the scoped admin sees it
    with pytest.raises(AuthError):
        world.run(documents.forward, scoped, hu, "XA1", "XA2")
    # Seen, but its delivery to XA2 is XA2's to act on.
    for op in (lambda s: documents.acknowledge(s, scoped, hu, "XA2"),
               lambda s: documents.mark_done(s, scoped, hu, "XA2"),
               lambda s: documents.give_back(s, scoped, hu, "XA2", "Nhầm")):
        with pytest.raises(AuthError) as refused:
            world.run(op)
        assert str(refused.value) == outside
    assert len(world.audit()) == before + 1  # the one send
    assert listed(world, scoped) == [own, hu]
    assert [r["number"] for r in streamed(world, scoped)] == [own, hu]
    assert world.read(lambda s: documents.count(s, scoped)) == 2


def test_the_stream_and_positions_filter_by_unit(world: World) -> None:
    world.run(register)
    to_xa2 = documents.Filters(unit="XA2")
    expected = listed(world, unit="XA2")
    assert "07-CV/TU" in expected and len(expected) == 7
    world.run(documents.receive, SYSTEM, "8-CV/TU", "TU", "2022-03-03", "Công văn", to="XA1")
    assert [r["number"] for r in streamed(world, filters=to_xa2, page=2)] == expected
    ids = world.read(lambda s: [d.id for d in documents.listing(s, SYSTEM, to_xa2)])
    assert [world.read(lambda s, i=i: documents.position(s, SYSTEM, i, to_xa2))
            for i in ids] == list(range(7))


def test_an_inbox_outside_the_scope_is_closed_even_the_actors_own_units(world: World) -> None:
    xa1 = world.unit_ids["XA1"]
    elsewhere = Actor("op-hu", "operator", unit_id=world.unit_ids["HU"], unit_code="HU",
                      scope_unit_id=xa1, scope_code="XA1", scope=frozenset({xa1}))
    with pytest.raises(AuthError):
        world.read(lambda s: documents.inbox(s, elsewhere))
    assert world.read(lambda s: documents.inbox(s, elsewhere, "XA1")) == []


def test_senders_of_more_forwards_than_one_query_chunk(world: World) -> None:
    from models import Delivery, Document

    def seed(session: Session) -> None:
        docs = [Document(number=f"{n}/TB-UBND", seq=n, doc_type="TB", period="2022",
                         issuer_id=world.unit_ids["UBND"], date=date(2022, 1, 1),
                         title="Thông báo", direction="outgoing") for n in range(1, 503)]
        session.add_all(docs)
        session.flush()
        firsts = [Delivery(document_id=d.id, unit_id=world.unit_ids["XA1"]) for d in docs]
        session.add_all(firsts)
        session.flush()
        session.add_all(Delivery(document_id=f.document_id, unit_id=world.unit_ids["XA2"],
                                 forwarded_from_id=f.id) for f in firsts)

    world.run(seed)

    def senders(session: Session) -> list[str]:
        rows = documents.inbox(session, SYSTEM, "XA2")
        assert len(rows) == 502
        return sorted({u.code for u in documents.senders(session, rows).values()})

    assert world.read(senders) == ["XA1"]


@pytest.mark.parametrize("page", [1, 2, 500])
def test_a_search_streams_best_matches_first_across_pages(world: World, page: int) -> None:
    """A search is ordered by relevance, not by date: reading it a page at a time must give
    the same rows in the same order as reading it at once (`doc list --search --limit 0`)."""
    def issue(session: Session) -> None:
        for title, day in (("Tuyên truyền tuyên truyền tuyên truyền", "2022-03-01"),
                           ("Tuyên truyền tuyên truyền", "2022-03-03"),
                           ("Báo cáo không liên quan", "2022-03-04"),
                           ("Kế hoạch tuyên truyền về nhiều việc khác nhau trong năm", "2022-03-05")):
            documents.issue(session, SYSTEM, "KH", "HU", title, day=day)
    world.run(issue)
    search = documents.Filters(search="tuyên truyền")
    at_once = listed(world, search="tuyên truyền")
    assert len(at_once) == 3 and at_once != listed(world)[:3]  # relevance, not date
    assert [r["number"] for r in streamed(world, filters=search, page=page)] == at_once
    assert [r["number"] for r in streamed(world, filters=search, page=page, limit=2)] == \
        at_once[:2]
