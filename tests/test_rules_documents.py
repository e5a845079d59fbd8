"""The document register: what issuing and receiving store, attachments, search, what a
clerk sees, the inbox and the per-unit summary."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from domain import documents, settings
from domain.auth import SYSTEM, Actor
from domain.errors import BBTError, NotFound
from models import Attachment, Document
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def test_issuing_stores_the_register_fields(world: World, tmp_path: Path) -> None:
    attachment = tmp_path / "ke-hoach.pdf"
    attachment.write_bytes(b"%PDF noi dung")
    doc = world.run(documents.issue, SYSTEM, "qd", "hu", "Quyết định về công tác tuyên truyền",
                    "2022-03-01", file=attachment, urgency="urgent", signer="Nguyễn Văn A")
    assert (doc.number, doc.seq, doc.doc_type, doc.period, doc.date) == (
        "01-QĐ/HU", 1, "QĐ", "2020-10-01", date(2022, 3, 1))
    assert (doc.direction, doc.urgency, doc.signer, doc.place) == (
        "outgoing", "urgent", "Nguyễn Văn A", "Bảo Lâm")
    assert doc.issuer_id == world.unit_ids["HU"] and doc.recipient_id is None
    assert doc.title_search == "quyet dinh ve cong tac tuyen truyen"
    assert doc.attachment_name == "ke-hoach.pdf"
    assert world.read(lambda s: documents.attachment_bytes(s, doc)) == b"%PDF noi dung"
    world.run(settings.set_value, SYSTEM, "place", "Lộc An")
    other = world.run(documents.issue, SYSTEM, "QĐ", "HU", "Quyết định", "2022-03-02")
    assert other.place == "Lộc An" and other.attachment_sha256 is None
    assert world.read(lambda s: documents.attachment_bytes(s, other)) is None
    placed = world.run(documents.issue, SYSTEM, "QĐ", "HU", "Quyết định", "2022-03-02",
                       place="Bảo Lộc")
    assert placed.place == "Bảo Lộc"


def test_issuing_today_by_default(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BBT_TODAY", "2022-05-06")
    assert world.run(documents.issue, SYSTEM, "BC", "BBT", "Báo cáo").date == date(2022, 5, 6)


@pytest.mark.parametrize(("options", "problem"), [
    ({"title": ""}, "A document needs a title (trích yếu)."),
    ({"urgency": "soon"}, "Urgency 'soon' is unknown; use one of normal, urgent, very_urgent, "
                          "flash."),
    ({"file": "/nonexistent/x.pdf"}, "The file '/nonexistent/x.pdf' does not exist."),
])
def test_issuing_refuses(world: World, options: dict, problem: str) -> None:
    values = {"doc_type": "BC", "issuer": "BBT", "title": "Báo cáo", "day": "2022-03-01",
              **options}
    with pytest.raises(BBTError) as refused:
        world.run(documents.issue, SYSTEM, **values)
    assert str(refused.value) == problem
    assert world.audit("document.issue") == []


def test_an_attachment_above_50_mb_is_refused_and_one_file_is_kept_once(world: World,
                                                                        tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as out:  # sparse: no 50 MB actually written
        out.truncate(documents.MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(BBTError) as refused:
        world.run(documents.store_attachment, big)
    assert str(refused.value) == (f"The file '{big}' is larger than 50 MB; BBT keeps files up to that size.")
    limit = tmp_path / "limit.pdf"
    with limit.open("wb") as out:
        out.truncate(documents.MAX_ATTACHMENT_BYTES)
    assert os.path.getsize(limit) == documents.MAX_ATTACHMENT_BYTES
    small = tmp_path / "a.txt"
    small.write_bytes(b"abc")
    first = world.run(documents.store_attachment, small)
    assert first == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "a.txt")
    assert world.run(documents.store_attachment, str(small)) == first
    assert world.run(documents.store_attachment, None) == (None, None)
    stored = world.read(lambda s: s.get(Attachment, first[0]))
    assert (stored.data, stored.size) == (b"abc", 3)


def test_receiving_to_the_actors_own_unit_or_a_named_one(world: World) -> None:
    clerk_of_hu = Actor("op-hu", "operator", world.unit_ids["HU"], "HU")
    doc = world.run(documents.receive, clerk_of_hu, "12-KH/TU", "TU", "2022-03-01", "Kế hoạch",
                    received="2022-03-02", urgency="flash")
    assert (doc.direction, doc.recipient_id, doc.urgency, doc.number, doc.doc_type) == (
        "incoming", world.unit_ids["HU"], "flash", "12-KH/TU", "KH")
    assert (doc.seq, doc.period, doc.issuer_id) == (12, "2020-01-01", world.unit_ids["TU"])
    with pytest.raises(BBTError, match="^Name the receiving unit with --to.$"):
        world.run(documents.receive, SYSTEM, "13-KH/TU", "TU", "2022-03-01", "Kế hoạch")
    with pytest.raises(BBTError, match="^date is required.$|^Date is required.$"):
        world.run(documents.receive, SYSTEM, "13-KH/TU", "TU", None, "Kế hoạch", to="HU")


def test_getting_a_repeated_number_needs_its_year(world: World) -> None:
    old = world.run(documents.issue, SYSTEM, "TB", "UBND", "Cũ", "2021-05-01")
    new = world.run(documents.issue, SYSTEM, "TB", "UBND", "Mới", "2022-05-01")
    assert old.number == new.number == "1/TB-UBND"
    with pytest.raises(BBTError, match="^1/TB-UBND names 2 documents: .*add --year to say which.$"):
        world.read(lambda s: documents.get(s, "1/tb-ubnd"))
    assert world.read(lambda s: documents.get(s, "1/tb-ubnd", year=2022)).title == "Mới"
    assert world.read(lambda s: documents.get(s, "1/TB-UBND", year=2021)).title == "Cũ"
    with pytest.raises(NotFound, match="^There is no document 2/TB-UBND.$"):
        world.read(lambda s: documents.get(s, "2/TB-UBND"))


def seed_register(session: Session) -> None:
    for title, issuer, day in (("Kế hoạch tuyên truyền 50% dân số", "BBT", "2022-03-01"),
                               ("Quyết định khen thưởng", "HU", "2022-03-02"),
                               ("Kế hoạch_đặc biệt", "HU", "2022-03-03")):
        documents.issue(session, SYSTEM, "KH", issuer, title, day)
    documents.send(session, SYSTEM, "02-KH/HU", to=["XA1"], due="2022-03-20")
    documents.send(session, SYSTEM, "01-KH/HU", to=["XA2"])
    documents.receive(session, SYSTEM, "9-CV/TU", "TU", "2022-03-04", "Công văn", to="XA1")


def numbers(world: World, actor: Actor = SYSTEM, **filters: object) -> list[str]:
    found = world.read(lambda s: documents.listing(s, actor, documents.Filters(**filters)))
    return [d.number for d in found]


def test_search_by_number_or_by_words_without_accents(world: World) -> None:
    world.run(seed_register)
    assert numbers(world, search="02-kh/hu") == ["02-KH/HU"]
    assert numbers(world, search="ke hoach") == ["02-KH/HU", "01-KH/BBT"]
    assert numbers(world, search="KẾ tuyên") == ["01-KH/BBT"]
    assert numbers(world, search="50%") == ["01-KH/BBT"]
    # main's full-text search reads "_" as a word break, not as a LIKE wildcard or a letter
    assert sorted(numbers(world, search="hoach_")) == ["01-KH/BBT", "02-KH/HU"]
    assert numbers(world, search="5_%") == []
    assert numbers(world, search="\\") == []


def test_filters_by_direction_and_unit(world: World) -> None:
    world.run(seed_register)
    assert numbers(world, direction="incoming") == ["09-CV/TU"]
    assert numbers(world, direction="outgoing") == ["02-KH/HU", "01-KH/HU", "01-KH/BBT"]
    with pytest.raises(BBTError, match="^Direction is outgoing or incoming.$"):
        numbers(world, direction="sideways")
    assert numbers(world, unit="XA1") == ["09-CV/TU", "02-KH/HU"]
    assert numbers(world, unit="BBT") == ["01-KH/BBT"]
    assert world.read(lambda s: documents.count(s, SYSTEM, documents.Filters(unit="XA1"))) == 2
    page = world.read(lambda s: documents.listing(s, SYSTEM, limit=2, offset=1))
    assert [d.number for d in page] == ["02-KH/HU", "01-KH/HU"]


def test_a_clerk_sees_its_own_units_documents_and_deliveries_only(world: World) -> None:
    world.run(seed_register)
    clerk = world.clerk
    assert numbers(world, clerk) == ["09-CV/TU", "02-KH/HU"]
    assert numbers(world, clerk, unit="XA2") == ["09-CV/TU", "02-KH/HU"]
    shown = world.read(lambda s: documents.show(s, clerk, "02-KH/HU"))
    assert [d["unit"] for d in shown["deliveries"]] == ["XA1"]
    assert world.read(lambda s: documents.show(s, clerk, "09-CV/TU"))["received_by"] == "XA1"
    with pytest.raises(NotFound, match="^There is no document 01-KH/HU.$"):
        world.read(lambda s: documents.show(s, clerk, "01-KH/HU"))
    world.run(documents.send, SYSTEM, "01-KH/BBT", to=["XA1", "XA2"])
    seen = world.read(lambda s: documents.show(s, clerk, "01-KH/BBT"))
    assert [d["unit"] for d in seen["deliveries"]] == ["XA1"]
    everyone = world.read(lambda s: documents.show(s, SYSTEM, "01-KH/BBT"))
    assert [d["unit"] for d in everyone["deliveries"]] == ["XA1", "XA2"]
    own_issue = Actor("clerk-hu", "clerk", world.unit_ids["HU"], "HU")
    assert world.read(lambda s: documents.show(s, own_issue, "01-KH/HU"))["issuer"] == "HU"


def test_the_json_shape_of_a_document(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.run(seed_register)
    world.run(documents.acknowledge, SYSTEM, "02-KH/HU", "XA1")
    monkeypatch.setenv("BBT_TODAY", "2022-03-21")
    shown = world.read(lambda s: documents.show(s, SYSTEM, "02-KH/HU"))
    delivery = shown.pop("deliveries")[0]
    assert shown == {"number": "02-KH/HU", "type": "KH", "issuer": "HU", "date": "2022-03-03",
                     "title": "Kế hoạch_đặc biệt", "direction": "outgoing",
                     "urgency": "normal", "signed": False, "attachment_sha256": None,
                     "incoming_number": None, "received_by": None, "received_on": None,
                     "status": "issued", "period": "2020-10-01", "withdrawn_reason": None,
                     "files": [], "legal_signatures": [], "legally_signed": False}
    assert delivery.pop("received_at") is not None
    assert delivery == {"unit": "XA1", "purpose": "inform", "status": "received",
                        "due": "2022-03-20", "overdue": True, "done_at": None, "note": "",
                        "version": 2}
    incoming = world.read(lambda s: documents.show(s, SYSTEM, "09-CV/TU"))
    assert (incoming["incoming_number"], incoming["received_by"]) == (1, "XA1")
    assert incoming["received_on"] is not None and incoming["deliveries"] == []


def test_the_inbox_lists_pending_deliveries_oldest_due_first(world: World) -> None:
    def seed(session: Session) -> None:
        for title, due in (("A", None), ("B", "2022-03-20"), ("C", "2022-03-10"), ("D", None)):
            doc = documents.issue(session, SYSTEM, "TB", "HU", title, "2022-03-01")
            documents.send(session, SYSTEM, doc.number, to=["XA1"], due=due)
        documents.mark_done(session, SYSTEM, "02-TB/HU", "XA1")
        documents.acknowledge(session, SYSTEM, "04-TB/HU", "XA1")  # received: still pending

    world.run(seed)
    inbox = world.read(lambda s: documents.inbox(s, world.clerk))
    assert [doc.title for _d, doc in inbox] == ["C", "A", "D"]
    everything = world.read(lambda s: documents.inbox(s, SYSTEM, "XA1", pending_only=False))
    assert [doc.title for _d, doc in everything] == ["C", "B", "A", "D"]
    with pytest.raises(BBTError, match="^Name the receiving unit with --to.$"):
        world.read(lambda s: documents.inbox(s, SYSTEM))


def test_the_unit_summary_puts_late_units_first(world: World) -> None:
    def seed(session: Session) -> None:
        doc = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
        documents.send(session, SYSTEM, doc.number, to=["XA1", "XA2", "UBND"], due="2022-03-09")
        documents.mark_done(session, SYSTEM, doc.number, "XA2")
        documents.acknowledge(session, SYSTEM, doc.number, "UBND")
        later = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch 2", "2022-03-02")
        documents.send(session, SYSTEM, later.number, to=["XA2"])

    world.run(seed)
    rows = world.read(lambda s: documents.unit_summary(s, on=date(2022, 3, 10)))
    assert rows == [
        {"unit": "XA1", "name": "Đảng ủy xã Lộc An", "deliveries": 1, "unacknowledged": 1,
         "done": 0, "overdue": 1},
        {"unit": "UBND", "name": "Ủy ban nhân dân huyện", "deliveries": 1, "unacknowledged": 0,
         "done": 0, "overdue": 1},
        {"unit": "XA2", "name": "Đảng ủy xã Lộc Bảo", "deliveries": 2, "unacknowledged": 1,
         "done": 1, "overdue": 0},
    ]
    grassroots = world.read(lambda s: documents.unit_summary(s, on=date(2022, 3, 10),
                                                             kind="grassroots"))
    assert [r["unit"] for r in grassroots] == ["XA1", "XA2"]
    now = datetime.now(UTC).date()
    window = world.read(lambda s: documents.unit_summary(
        s, on=date(2022, 3, 10), start=now, end=date(now.year + 1, 1, 1)))
    assert len(window) == 3
    assert world.read(lambda s: documents.unit_summary(s, start=date(now.year + 1, 1, 1))) == []
    assert world.read(lambda s: documents.unit_summary(s, end=now)) == []
    assert documents._midnight(date(2022, 3, 1)) == datetime(2022, 3, 1, tzinfo=UTC)


def test_deliveries_are_described_for_more_documents_than_one_query_chunk(world: World) -> None:
    from models import Delivery, Document

    def seed(session: Session) -> None:
        for n in range(1, 503):
            session.add(Document(number=f"{n}/TB-UBND", seq=n, doc_type="TB",
                                 issuer_id=world.unit_ids["UBND"], period="2022",
                                 date=date(2022, 1, 1), title="Thông báo", direction="outgoing"))
        session.flush()
        for n in (1, 500, 501, 502):
            doc = session.exec(select(Document).where(Document.seq == n)).one()
            session.add(Delivery(document_id=doc.id, unit_id=world.unit_ids["XA1"]))

    world.run(seed)
    described = world.read(lambda s: documents.describe(
        s, SYSTEM, list(s.exec(select(Document).order_by(Document.id)))))  # type: ignore[arg-type]
    with_deliveries = [(d["number"], len(d["deliveries"])) for d in described if d["deliveries"]]
    assert with_deliveries == [("1/TB-UBND", 1), ("500/TB-UBND", 1), ("501/TB-UBND", 1),
                               ("502/TB-UBND", 1)]


def test_a_delivery_sent_at_midnight_belongs_to_the_day_that_starts(world: World) -> None:
    from sqlalchemy import update

    from models import Delivery

    def seed(session: Session) -> None:
        doc = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
        documents.send(session, SYSTEM, doc.number, to=["XA1"])
        session.execute(update(Delivery).values(sent_at=datetime(2022, 3, 1, tzinfo=UTC)))

    world.run(seed)
    day = date(2022, 3, 1)
    assert [r["unit"] for r in world.read(lambda s: documents.unit_summary(s, start=day))] == [
        "XA1"]
    assert world.read(lambda s: documents.unit_summary(s, end=day)) == []


def test_the_unit_summary_keeps_apart_units_of_the_same_name_and_skips_withdrawn(world: World
                                                                                ) -> None:
    from domain import units

    def seed(session: Session) -> None:
        for code in ("CB1", "CB2"):
            units.add(session, SYSTEM, code, "Chi bộ thôn 1", "grassroots")
        doc = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
        documents.send(session, SYSTEM, doc.number, to=["CB1", "CB2"], due="2022-03-09")
        gone = documents.issue(session, SYSTEM, "KH", "HU", "Rút lại", "2022-03-01")
        documents.send(session, SYSTEM, gone.number, to=["CB1", "XA1"], due="2022-03-09")
        documents.withdraw(session, SYSTEM, gone.number, "Ban hành nhầm")

    world.run(seed)
    rows = world.read(lambda s: documents.unit_summary(s, on=date(2022, 3, 10)))
    assert [(r["unit"], r["name"], r["deliveries"], r["overdue"]) for r in rows] == [
        ("CB1", "Chi bộ thôn 1", 1, 1), ("CB2", "Chi bộ thôn 1", 1, 1)]
    clerk = Actor("clerk-xa1", "clerk", world.unit_ids["XA1"], "XA1")
    assert world.read(lambda s: documents.inbox(s, clerk)) == []  # withdrawn: nothing to do
    everything = world.read(lambda s: documents.inbox(s, clerk, pending_only=False))
    assert [doc.title for _d, doc in everything] == ["Rút lại"]


def test_withdrawing_keeps_the_number_with_its_reason_and_stops_sending(world: World) -> None:
    doc = world.run(documents.issue, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
    world.run(documents.send, SYSTEM, doc.number, to=["XA1"])
    for blank in ("", "  "):
        with pytest.raises(BBTError) as refused:
            world.run(documents.withdraw, SYSTEM, doc.number, blank)
        assert str(refused.value) == "Give the reason for withdrawing with --reason."
    assert world.audit("document.withdraw") == []
    operator = world.actor("operator")
    gone = world.run(documents.withdraw, operator, doc.number, " Ban hành nhầm ")
    assert (gone.status, gone.withdrawn_reason, gone.number) == ("withdrawn", "Ban hành nhầm",
                                                                 "01-KH/HU")
    assert gone.withdrawn_at is not None
    entry = world.audit("document.withdraw")[-1]
    assert (entry.entity, entry.entity_key, entry.actor) == ("document", "01-KH/HU",
                                                             "operator-bbt")  # not "DOCUMENT"
    assert json.loads(entry.detail) == {"date": "2022-03-01", "period": "2020-10-01",
                                        "reason": "Ban hành nhầm", "year": 2022}
    with pytest.raises(BBTError) as again:
        world.run(documents.withdraw, SYSTEM, doc.number, "Lần nữa")
    assert str(again.value) == f"01-KH/HU was already withdrawn on {gone.withdrawn_at.date()}."
    # A document withdrawn without its time (an imported register) still says so.
    world.run(lambda s: s.execute(update(Document).values(withdrawn_at=None)))
    with pytest.raises(BBTError) as untimed:
        world.run(documents.withdraw, SYSTEM, doc.number, "Lần nữa")
    assert str(untimed.value) == "01-KH/HU was already withdrawn on -."
    stopped = "01-KH/HU was withdrawn (Ban hành nhầm); it can no longer be sent."
    with pytest.raises(BBTError) as sending:
        world.run(documents.send, SYSTEM, doc.number, to=["XA2"])
    assert str(sending.value) == stopped
    with pytest.raises(BBTError) as forwarding:
        world.run(documents.forward, SYSTEM, doc.number, "XA1", "XA2")
    assert str(forwarding.value) == stopped
    assert len(world.audit("document.withdraw")) == 1
    shown = world.read(lambda s: documents.show(s, SYSTEM, doc.number))
    assert (shown["status"], shown["withdrawn_reason"]) == ("withdrawn", "Ban hành nhầm")
    # The number stays taken: the register goes on after it.
    assert world.run(documents.issue, SYSTEM, "KH", "HU", "Mới", "2022-03-02").number == \
        "02-KH/HU"


def test_a_new_number_may_be_dated_thirty_days_ahead_not_more(world: World,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.setenv("BBT_TODAY", "2022-03-01")
    assert world.run(documents.issue, SYSTEM, "KH", "HU", "Hội nghị", "2022-03-31").date == \
        date(2022, 3, 31)
    with pytest.raises(BBTError) as refused:
        world.run(documents.issue, SYSTEM, "KH", "XA1", "Hội nghị", "2022-04-01")
    assert str(refused.value) == ("The date 2022-04-01 is more than 30 days ahead; check it, "
                                  "or enter a historical number with --number.")


def test_withdrawing_a_repeated_number_names_the_year(world: World) -> None:
    for title, day in (("Cũ", "2021-05-01"), ("Mới", "2022-05-01")):
        world.run(documents.issue, SYSTEM, "TB", "UBND", title, day)
    with pytest.raises(BBTError, match="add --year to say which"):
        world.run(documents.withdraw, SYSTEM, "1/TB-UBND", "Nhầm")
    assert world.run(documents.withdraw, SYSTEM, "1/TB-UBND", "Nhầm", year=2021).title == "Cũ"
    assert world.run(documents.withdraw, SYSTEM, "1/TB-UBND", "Nhầm", 2022).title == "Mới"
