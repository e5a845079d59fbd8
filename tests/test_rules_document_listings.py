"""What the listings show a scoped account, which deliveries are late and counted (a
withdrawn document counts nowhere), and the pages a listing is read in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from domain import documents, tracking
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def scoped_to(world: World, code: str) -> Actor:
    unit = world.unit_ids[code]
    return Actor(f"admin-{code.lower()}", "admin", unit, code, scope_unit_id=unit,
                 scope_code=code, scope=frozenset({unit}))


def listed(world: World, actor: Actor = SYSTEM, **filters: Any) -> list[str]:
    docs = world.read(lambda s: documents.listing(s, actor, documents.Filters(**filters)))
    return [d.number for d in docs]


def shown_to(world: World, actor: Actor, number: str) -> list[str]:
    return [d["unit"] for d in world.read(
        lambda s: documents.show(s, actor, number))["deliveries"]]


def test_a_scoped_account_lists_sees_and_sums_its_own_units_only(world: World) -> None:
    scoped = scoped_to(world, "XA1")

    def seed(session: Session) -> None:
        hu = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
        documents.send(session, SYSTEM, hu.number, to=["XA1", "XA2"])
        ubnd = documents.issue(session, SYSTEM, "TB", "UBND", "Thông báo", "2022-03-02")
        documents.send(session, SYSTEM, ubnd.number, to=["XA2"])
        own = documents.issue(session, scoped, "KH", "XA1", "Kế hoạch xã", "2022-03-03")
        documents.send(session, SYSTEM, own.number, to=["XA2"])

    world.run(seed)
    assert listed(world, scoped) == ["01-KH/XA1", "01-KH/HU"]
    assert world.read(lambda s: documents.count(s, scoped)) == 2
    with pytest.raises(AuthError):
        listed(world, scoped, unit="XA2")
    # Another register's document: its deliveries to the scope's units only; a document of
    # its own register: every delivery, wherever it went.
    assert shown_to(world, scoped, "01-KH/HU") == ["XA1"]
    assert shown_to(world, scoped, "01-KH/XA1") == ["XA2"]
    assert shown_to(world, SYSTEM, "01-KH/HU") == ["XA1", "XA2"]
    summary = world.read(lambda s: documents.unit_summary(s, actor=scoped))
    assert [r["unit"] for r in summary] == ["XA1"]
    assert sorted(r["unit"] for r in world.read(lambda s: documents.unit_summary(s))) == \
        ["XA1", "XA2"]


def test_overdue_for_a_unit_means_that_units_own_delivery_is_late(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def seed(session: Session) -> None:
        doc = documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch", "2022-03-01")
        documents.send(session, SYSTEM, doc.number, to=["XA1", "XA2"], due="2022-03-10")
        documents.mark_done(session, SYSTEM, doc.number, "XA2")

    world.run(seed)
    monkeypatch.setenv("BBT_TODAY", "2022-03-20")
    assert listed(world, overdue=True, unit="XA1") == ["01-KH/HU"]
    assert listed(world, overdue=True, unit="XA2") == []


def test_a_delivery_is_overdue_when_late_open_and_of_a_counting_document(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def seed(session: Session) -> None:
        for title, due in (("Không hạn", None), ("Có hạn", "2022-03-10"),
                           ("Thu hồi", "2022-03-10")):
            doc = documents.issue(session, SYSTEM, "KH", "HU", title, "2022-03-01")
            documents.send(session, SYSTEM, doc.number, to=["XA1"], due=due)
        documents.withdraw(session, SYSTEM, "03-KH/HU", "Ban hành nhầm")

    world.run(seed)
    monkeypatch.setenv("BBT_TODAY", "2022-03-20")
    def overdue(number: str) -> bool:
        shown = world.read(lambda s: documents.show(s, SYSTEM, number))
        return bool(shown["deliveries"][0]["overdue"])

    assert [overdue(n) for n in ("01-KH/HU", "02-KH/HU", "03-KH/HU")] == [False, True, False]
    late = world.read(lambda s: tracking.late_units(s, SYSTEM))
    assert [(r["unit"], r["open_due"], r["unacknowledged"], r["overdue"]) for r in late] == [
        ("XA1", 1, 2, 1)]  # the withdrawn document's delivery counts nowhere


def test_a_listing_is_read_in_pages_of_the_size_asked(world: World) -> None:
    def seed(session: Session) -> None:
        for day in ("2022-03-01", "2022-03-02", "2022-03-03", "2022-03-04", "2022-03-05"):
            documents.issue(session, SYSTEM, "KH", "HU", "Kế hoạch tuyên truyền", day)

    world.run(seed)
    def sizes(filters: documents.Filters | None) -> list[int]:
        return world.read(lambda s: [len(page) for page in documents.pages(s, SYSTEM, filters,
                                                                           size=2)])

    assert sizes(None) == sizes(documents.Filters(search="tuyên truyền")) == [2, 2, 1]


def test_equal_matches_of_a_search_come_newest_first(world: World) -> None:
    """The same number and title in two years, then two the same day: they rank equal, and
    the listing's order (newest date, then newest entry) settles it, page by page too."""
    def seed(session: Session) -> None:
        documents.issue(session, SYSTEM, "TB", "UBND", "Tuyên truyền", "2022-05-01")
        documents.issue(session, SYSTEM, "TB", "UBND", "Tuyên truyền", "2021-05-01")
        for _ in range(2):
            documents.issue(session, SYSTEM, "TB", "UBND", "Tuyên truyền", "2022-05-02")

    world.run(seed)
    search = documents.Filters(search="tuyên truyền")
    expected = [("3/TB-UBND", "2022-05-02"), ("2/TB-UBND", "2022-05-02"),
                ("1/TB-UBND", "2022-05-01"), ("1/TB-UBND", "2021-05-01")]
    at_once = world.read(lambda s: [(d.number, d.date.isoformat())
                                    for d in documents.listing(s, SYSTEM, search)])
    paged = world.read(lambda s: [(d.number, d.date.isoformat())
                                  for page in documents.pages(s, SYSTEM, search, size=1)
                                  for d in page])
    assert at_once == paged == expected
