"""Every state move of a delivery: sent -> received -> done, the refusals, forwarding."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest
from sqlmodel import Session, select

from domain import documents
from domain.auth import SYSTEM
from domain.errors import BBTError, Conflict, NotFound
from models import Delivery
from tests import rules_support
from tests.rules_support import World

world = rules_support.world

DOC_DAY = "2022-03-01"


def issue(world: World, issuer: str = "BBT", day: str = DOC_DAY) -> str:
    return world.run(lambda s: documents.issue(s, SYSTEM, "KH", issuer, "Kế hoạch", day=day).number)


def send(world: World, number: str, *to: str, **options: object) -> documents.SendResult:
    return world.run(documents.send, SYSTEM, number, to=list(to), **options)


def delivery(world: World, number: str, unit: str) -> Delivery:
    def find(session: Session) -> Delivery:
        doc = documents.get(session, number)
        found = session.exec(select(Delivery).where(Delivery.document_id == doc.id,
                                                    Delivery.unit_id == world.unit_ids[unit]))
        return found.one()

    return world.read(find)


def refused(world: World, message: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BBTError) as caught:
        world.run(fn, *args, **kwargs)
    assert str(caught.value) == message


def test_a_kind_reaches_its_active_units_only(world: World) -> None:
    number = issue(world, issuer="HU")
    result = send(world, number, to_kind="grassroots")
    assert sorted(result.sent) == ["XA1", "XA2"]
    assert delivery(world, number, "XA1").purpose == "inform"  # the default purpose


def test_a_due_date_may_be_the_documents_day_but_not_before_it(world: World) -> None:
    number = issue(world)
    refused(world, "The due date is before the document's date.", documents.send, SYSTEM,
            number, to=["XA1"], due="2022-02-28")
    assert send(world, number, "XA1", due=DOC_DAY).sent == ["XA1"]


def test_acknowledging_moves_sent_to_received_once(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1")
    world.run(documents.acknowledge, world.clerk, number, "XA1")
    received = delivery(world, number, "XA1")
    assert (received.status, received.version) == ("received", 2)
    assert received.received_at is not None and received.done_at is None
    entry = world.audit("delivery.ack")[-1]
    assert (entry.entity, entry.entity_key, entry.actor) == ("delivery", f"{number}@XA1",
                                                             "clerk-xa1")
    refused(world, f"XA1 already has {number} (received).", documents.acknowledge, world.clerk,
            number, "XA1")
    assert delivery(world, number, "XA1").version == 2
    assert len(world.audit("delivery.ack")) == 1


def test_finishing_records_the_note_and_keeps_the_receipt_time(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1", "XA2")
    world.run(documents.acknowledge, SYSTEM, number, "XA1")
    received_at = delivery(world, number, "XA1").received_at
    world.run(documents.mark_done, world.clerk, number, "XA1", note="Đã triển khai")
    done = delivery(world, number, "XA1")
    assert (done.status, done.note, done.version) == ("done", "Đã triển khai", 3)
    assert done.received_at == received_at and done.done_at is not None
    entry = world.audit("delivery.done")[-1]
    assert (entry.entity_key, entry.actor, entry.detail) == (
        f"{number}@XA1", "clerk-xa1", '{"note": "Đã triển khai", "year": 2022}')
    # Finished straight from sent: it counts as received at the same moment.
    world.run(documents.mark_done, SYSTEM, number, "XA2")
    direct = delivery(world, number, "XA2")
    assert direct.status == "done" and direct.received_at == direct.done_at is not None
    refused(world, f"XA1 has already finished {number} (done).", documents.mark_done, SYSTEM,
            number, "XA1")
    refused(world, f"XA1 already has {number} (done).", documents.acknowledge, SYSTEM, number,
            "XA1")
    assert len(world.audit("delivery.done")) == 2


def test_a_delivery_read_earlier_is_not_overwritten(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1")
    with pytest.raises(Conflict):
        world.run(documents.acknowledge, SYSTEM, number, "XA1", expected_version=2)
    assert delivery(world, number, "XA1").status == "sent"
    world.run(documents.acknowledge, SYSTEM, number, "XA1", expected_version=1)
    with pytest.raises(Conflict):
        world.run(documents.mark_done, SYSTEM, number, "XA1", expected_version=1)
    world.run(documents.mark_done, SYSTEM, number, "XA1", expected_version=2)
    assert delivery(world, number, "XA1").version == 3


def test_acting_on_a_delivery_that_does_not_exist(world: World) -> None:
    number = issue(world)
    with pytest.raises(NotFound) as caught:
        world.run(documents.acknowledge, SYSTEM, number, "XA2")
    assert str(caught.value) == f"{number} was not sent to XA2."


def test_forwarding_receives_the_source_and_inherits_purpose_and_due(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1", purpose="act", due="2022-03-20")
    world.run(documents.forward, world.clerk, number, "XA1", "XA2")
    source, forwarded = delivery(world, number, "XA1"), delivery(world, number, "XA2")
    assert (source.status, source.version) == ("received", 2) and source.received_at
    assert forwarded.forwarded_from_id == source.id
    assert (forwarded.status, forwarded.purpose, forwarded.due) == ("sent", "act",
                                                                    date(2022, 3, 20))
    entry = world.audit("delivery.forward")[-1]
    assert (entry.entity, entry.entity_key, entry.detail, entry.actor) == (
        "delivery", f"{number}@XA2", '{"source": "XA1", "year": 2022}', "clerk-xa1")


def test_forwarding_an_acknowledged_delivery_keeps_it_and_may_set_its_own_terms(world: World
                                                                                ) -> None:
    number = issue(world)
    send(world, number, "XA1", purpose="act", due="2022-03-20")
    world.run(documents.acknowledge, SYSTEM, number, "XA1")
    before = delivery(world, number, "XA1")
    world.run(documents.forward, SYSTEM, number, "XA1", "HU", purpose="report", due="2022-03-10")
    after = delivery(world, number, "XA1")
    assert (after.status, after.version, after.received_at) == ("received", before.version,
                                                                before.received_at)
    forwarded = delivery(world, number, "HU")
    assert (forwarded.purpose, forwarded.due) == ("report", date(2022, 3, 10))


@pytest.mark.parametrize(("due", "status", "overdue"), [
    (None, "sent", False), (date(2022, 3, 10), "sent", False), (date(2022, 3, 9), "sent", True),
    (date(2022, 3, 9), "received", True), (date(2022, 3, 9), "done", False),
    (date(2022, 3, 11), "sent", False),
])
def test_a_delivery_due_today_is_not_overdue_one_due_yesterday_is(
        due: date | None, status: str, overdue: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    item = Delivery(document_id=1, unit_id=1, due=due, status=status)
    assert documents.is_overdue(item, date(2022, 3, 10)) is overdue
    monkeypatch.setenv("BBT_TODAY", "2022-03-10")
    assert documents.is_overdue(item) is overdue


# Main refuses an inactive unit named explicitly (a kind still skips them silently).
INACTIVE = "Unit XA3 is inactive; it receives nothing new."


def test_sending_creates_one_delivery_per_named_unit_other_than_the_issuer(world: World) -> None:
    number = issue(world)
    result = send(world, number, "XA1", "XA1", "BBT", "HU", purpose="act", due=DOC_DAY)
    assert result.sent == ["XA1", "HU"] and result.already == []
    sent = delivery(world, number, "XA1")
    assert (sent.status, sent.purpose, sent.due, sent.version) == ("sent", "act", date(2022, 3, 1), 1)
    assert sent.received_at is None and sent.done_at is None and sent.forwarded_from_id is None
    entry = world.audit("document.send")[-1]
    assert (entry.entity, entry.entity_key, entry.actor) == ("document", number, "system")
    assert '"units": ["XA1", "HU"]' in entry.detail and '"purpose": "act"' in entry.detail
    assert '"due": "2022-03-01"' in entry.detail
    again = send(world, number, "XA1", "XA2")
    assert (again.sent, again.already) == (["XA2"], ["XA1"])
    assert len(world.audit("document.send")) == 2
    nothing_new = send(world, number, "XA1")
    assert (nothing_new.sent, nothing_new.already) == ([], ["XA1"])
    assert len(world.audit("document.send")) == 2  # nothing sent, nothing recorded


def test_nobody_to_send_to_or_an_inactive_unit_is_refused(world: World) -> None:
    number = issue(world)
    message = "Name at least one recipient unit (--to CODE or --to-kind KIND)."
    refused(world, INACTIVE, documents.send, SYSTEM, number, to=["XA1", "XA3"])
    refused(world, message, documents.send, SYSTEM, number, to=["BBT"])  # itself
    refused(world, message, documents.send, SYSTEM, number)
    refused(world, "Purpose 'play' is unknown; use one of report, act, inform, coordinate.",
            documents.send, SYSTEM, number, to=["XA1"], purpose="play")
    assert world.audit("document.send") == []


def test_a_returned_delivery_cannot_be_finished(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1")
    world.run(documents.give_back, SYSTEM, number, "XA1", "Không thuộc thẩm quyền")
    returned = delivery(world, number, "XA1")
    assert (returned.status, returned.note) == ("returned", "Không thuộc thẩm quyền")
    refused(world, f"XA1 has already finished {number} (returned).", documents.mark_done,
            SYSTEM, number, "XA1")


def test_forwarding_where_it_already_is_or_to_an_inactive_unit_is_refused(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1", "XA2")
    refused(world, f"{number} was already sent to XA2.", documents.forward, SYSTEM, number,
            "XA1", "XA2")
    refused(world, f"{number} was already sent to XA1.", documents.forward, SYSTEM, number,
            "XA1", "XA1")
    refused(world, INACTIVE, documents.forward, SYSTEM, number, "XA1", "XA3")
    refused(world, "Purpose 'play' is unknown; use one of report, act, inform, coordinate.",
            documents.forward, SYSTEM, number, "XA1", "HU", purpose="play")
    assert delivery(world, number, "XA1").status == "sent"  # nothing half-done
    assert world.audit("delivery.forward") == []


NOT_OURS = "Không thuộc thẩm quyền"


def test_giving_back_returns_the_delivery_with_its_reason(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1", due="2022-03-09")
    # The reason is stored as typed in NFC (a decomposed "ẩ" from some keyboards) and trimmed.
    world.run(documents.give_back, world.clerk, number, "XA1",
              "  " + unicodedata.normalize("NFD", NOT_OURS) + " ")
    returned = delivery(world, number, "XA1")
    assert (returned.status, returned.note, returned.version) == ("returned", NOT_OURS, 2)
    assert returned.received_at is None and returned.done_at is None
    assert not documents.is_overdue(returned, date(2022, 3, 10))  # returned: never late
    entry = world.audit("delivery.return")[-1]
    assert (entry.entity, entry.entity_key, entry.actor, json.loads(entry.detail)) == (
        "delivery", f"{number}@XA1", "clerk-xa1", {"reason": NOT_OURS, "year": 2022})
    assert world.read(lambda s: documents.inbox(s, world.clerk)) == []
    refused(world, f"XA1 already has {number} (returned).", documents.acknowledge, SYSTEM,
            number, "XA1")


def test_a_received_delivery_may_be_given_back_and_keeps_its_receipt(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1")
    world.run(documents.acknowledge, SYSTEM, number, "XA1")
    received_at = delivery(world, number, "XA1").received_at
    world.run(documents.give_back, SYSTEM, number, "XA1", "Gửi nhầm")
    returned = delivery(world, number, "XA1")
    assert (returned.status, returned.version, returned.received_at) == ("returned", 3,
                                                                         received_at)


def test_giving_back_needs_a_reason_and_an_unfinished_delivery(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1", "XA2")
    for blank in ("", "   "):
        refused(world, "Give the reason for returning with --reason.", documents.give_back,
                SYSTEM, number, "XA1", blank)
    assert delivery(world, number, "XA1").status == "sent"
    world.run(documents.give_back, SYSTEM, number, "XA1", NOT_OURS)
    refused(world, f"XA1 has already finished {number} (returned).", documents.give_back,
            SYSTEM, number, "XA1", "Lần nữa")
    world.run(documents.mark_done, SYSTEM, number, "XA2")
    refused(world, f"XA2 has already finished {number} (done).", documents.give_back,
            SYSTEM, number, "XA2", NOT_OURS)
    assert (delivery(world, number, "XA1").note, delivery(world, number, "XA2").status) == (
        NOT_OURS, "done")
    assert len(world.audit("delivery.return")) == 1
    with pytest.raises(NotFound, match=f"^{number} was not sent to HU.$"):
        world.run(documents.give_back, SYSTEM, number, "HU", NOT_OURS)


def test_acting_on_a_repeated_number_names_the_year(world: World) -> None:
    """UBND numbers restart each year: the delivery acted on is the one of the year named."""
    old, new = issue(world, "UBND", "2021-05-01"), issue(world, "UBND", "2022-05-01")
    assert old == new
    for day in ("2021-05-01", "2022-05-01"):
        world.run(lambda s, day=day: documents.send(
            s, SYSTEM, old, to=["XA1", "XA2"], year=int(day[:4])))
    world.run(documents.give_back, SYSTEM, old, "XA1", NOT_OURS, year=2021)
    world.run(documents.acknowledge, SYSTEM, old, "XA2", year=2022)
    world.run(documents.mark_done, SYSTEM, old, "XA1", year=2022)
    world.run(documents.forward, SYSTEM, old, "XA2", "HU", year=2021)

    def states(session: Session, year: int) -> dict[str, str]:
        doc = documents.get(session, old, year)
        rows = session.exec(select(Delivery).where(Delivery.document_id == doc.id))
        return {world_code(d.unit_id): d.status for d in rows}

    def world_code(unit_id: int) -> str:
        return next(code for code, i in world.unit_ids.items() if i == unit_id)

    assert world.read(lambda s: states(s, 2021)) == {"XA1": "returned", "XA2": "received",
                                                     "HU": "sent"}
    assert world.read(lambda s: states(s, 2022)) == {"XA1": "done", "XA2": "received"}


def test_a_bad_due_date_of_a_forward_is_named_as_the_due_date(world: World) -> None:
    number = issue(world)
    send(world, number, "XA1")
    with pytest.raises(BBTError) as sending:
        world.run(documents.send, SYSTEM, number, to=["XA2"], due="mai")
    with pytest.raises(BBTError) as forwarding:
        world.run(documents.forward, SYSTEM, number, "XA1", "XA2", due="mai")
    assert str(forwarding.value) == str(sending.value) and "mai" in str(sending.value)
    assert delivery(world, number, "XA1").status == "sent"


def test_finishing_without_a_note_leaves_it_empty_and_writes_a_delivery_entry(world: World
                                                                             ) -> None:
    number = issue(world)
    send(world, number, "XA1")
    world.run(documents.mark_done, SYSTEM, number, "XA1")
    assert delivery(world, number, "XA1").note == ""
    entry = world.audit("delivery.done")[-1]
    assert (entry.entity, entry.entity_key, json.loads(entry.detail)) == (
        "delivery", f"{number}@XA1", {"note": "", "year": 2022})


def test_every_entry_about_a_document_or_its_delivery_keeps_the_documents_year(
        world: World) -> None:
    """A number repeats across terms and years: `doc history --year` tells the documents'
    entries apart by the year each one holds (audit.record_document)."""
    number = issue(world)
    send(world, number, "XA1", "HU", "TU", purpose="act", due="2022-07-30")
    world.run(documents.acknowledge, SYSTEM, number, "XA1")
    world.run(documents.mark_done, SYSTEM, number, "XA1", "xong")
    world.run(documents.give_back, SYSTEM, number, "TU", "nhầm nơi nhận")
    world.run(documents.acknowledge, SYSTEM, number, "HU")
    world.run(documents.forward, SYSTEM, number, "HU", "XA2")
    world.run(documents.show, SYSTEM, number)
    world.run(documents.withdraw, SYSTEM, number, "ban hành nhầm")
    entries = [e for e in world.audit() if e.entity in ("document", "delivery")]
    assert sorted({e.action for e in entries}) == [
        "delivery.ack", "delivery.done", "delivery.forward", "delivery.return",
        "document.issue", "document.send", "document.view", "document.withdraw"]
    assert {json.loads(e.detail).get("year") for e in entries} == {2022}
    assert [e.entity_key for e in entries if e.entity == "delivery"] == [
        f"{number}@XA1", f"{number}@XA1", f"{number}@TU", f"{number}@HU", f"{number}@XA2"]
