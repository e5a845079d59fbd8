"""Date boundaries of document routing: the same day, the day before, today, the first and
last day of a year."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, col, select

from domain import documents
from domain.auth import SYSTEM
from domain.errors import BBTError
from models import Document
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def receive(world: World, number: str, day: str, received: str | None) -> documents.Document:
    return world.run(documents.receive, SYSTEM, number, "TU", day, "Công văn", to="BBT",
                     received=received)


def test_a_document_may_be_received_on_its_own_day_not_before(world: World) -> None:
    doc = receive(world, "1-CV/TU", "2022-03-01", "2022-03-01")
    assert (doc.received_on, doc.incoming_number, doc.incoming_year) == (date(2022, 3, 1), 1,
                                                                         2022)
    with pytest.raises(BBTError) as refused:
        receive(world, "2-CV/TU", "2022-03-01", "2022-02-28")
    assert str(refused.value) == "A document cannot be received before its date."


def test_incoming_numbers_restart_with_the_year_of_receipt(world: World,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert receive(world, "1-CV/TU", "2021-12-30", "2021-12-31").incoming_number == 1
    assert receive(world, "2-CV/TU", "2021-12-31", "2021-12-31").incoming_number == 2
    late = receive(world, "3-CV/TU", "2021-12-31", "2022-01-01")
    assert (late.incoming_number, late.incoming_year) == (1, 2022)
    monkeypatch.setenv("BBT_TODAY", "2022-01-05")
    today = receive(world, "4-CV/TU", "2022-01-05", None)
    assert (today.received_on, today.incoming_number) == (date(2022, 1, 5), 2)


def test_a_number_is_registered_once_per_period(world: World) -> None:
    receive(world, "7-CV/TU", "2022-03-01", "2022-03-02")
    with pytest.raises(BBTError) as refused:
        receive(world, "7-CV/TU", "2022-03-05", "2022-03-06")
    assert str(refused.value) == "07-CV/TU is already registered (incoming no. 1 of BBT)."
    with pytest.raises(BBTError, match="^The number 8-CV/HU names issuer HU, not TU.$"):
        receive(world, "8-CV/HU", "2022-03-05", "2022-03-06")


def test_an_explicit_number_is_refused_when_taken_or_out_of_range(world: World) -> None:
    def issue(number: int) -> str:
        return world.run(lambda s: documents.issue(s, SYSTEM, "BC", "BBT", "Báo cáo",
                                                   day="2022-06-30", number=number).number)

    assert issue(117) == "117-BC/BBT"
    for number, problem in ((117, "117-BC/BBT is already registered."),
                            (0, "A document number starts at 1."),
                            (1_000_000, "A document number has at most six digits.")):
        with pytest.raises(BBTError) as refused:
            issue(number)
        assert str(refused.value) == problem
    assert issue(1) == "01-BC/BBT" and issue(999_999) == "999999-BC/BBT"
    # The register is full: a seventh digit could not be read back (numbering.parse).
    with pytest.raises(BBTError, match="^A document number has at most six digits.$"):
        world.run(documents.issue, SYSTEM, "BC", "BBT", "Báo cáo", "2022-07-01")
    assert issue(500) == "500-BC/BBT"


def test_the_register_of_a_year_runs_from_1_january_to_31_december(world: World) -> None:
    def seed(session: Session) -> None:
        for day in ("2021-12-31", "2022-01-01", "2022-06-15", "2022-12-31", "2023-01-01"):
            documents.issue(session, SYSTEM, "TB", "UBND", f"Thông báo {day}", day=day)

    world.run(seed)

    def titles(**filters: object) -> list[str]:
        found = world.read(lambda s: documents.listing(s, SYSTEM, documents.Filters(**filters)))
        return [d.title.removeprefix("Thông báo ") for d in found]

    assert titles(year=2022) == ["2022-12-31", "2022-06-15", "2022-01-01"]
    assert titles(date_from=date(2022, 1, 1), date_to=date(2022, 6, 15)) == [
        "2022-06-15", "2022-01-01"]
    assert world.read(lambda s: documents.count(s, SYSTEM, documents.Filters(year=2022))) == 3


def test_overdue_means_due_before_today_and_not_done(world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def seed(session: Session) -> None:
        for unit, due in (("XA1", "2022-03-09"), ("XA2", "2022-03-10")):
            doc = documents.issue(session, SYSTEM, "KH", "HU", f"Kế hoạch {unit}", day="2022-03-01")
            documents.send(session, SYSTEM, doc.number, to=[unit], due=due)

    world.run(seed)
    monkeypatch.setenv("BBT_TODAY", "2022-03-10")

    def overdue(unit: str | None = None) -> list[str]:
        filters = documents.Filters(overdue=True, unit=unit)
        return [d.title for d in world.read(lambda s: documents.listing(s, SYSTEM, filters))]

    assert overdue() == ["Kế hoạch XA1"] and overdue("XA1") == ["Kế hoạch XA1"]
    assert overdue("XA2") == []
    summary = world.read(lambda s: documents.unit_summary(s, on=date(2022, 3, 10)))
    assert [(r["unit"], r["overdue"], r["unacknowledged"]) for r in summary] == [
        ("XA1", 1, 1), ("XA2", 0, 1)]
    monkeypatch.setenv("BBT_TODAY", "2022-03-11")
    assert sorted(overdue()) == ["Kế hoạch XA1", "Kế hoạch XA2"]


def _issue(world: World, doc_type: str, issuer: str, number: int | None = None,
           session: Session | None = None) -> str:
    def act(s: Session) -> str:
        return documents.issue(s, SYSTEM, doc_type, issuer, "Văn bản", day="2022-06-30",
                               number=number).number

    return act(session) if session is not None else world.run(act)


def test_a_state_body_spends_each_number_once_whatever_the_type(world: World) -> None:
    """NĐ 30/2020: a state body numbers every type in one sequence a year, so 45/QĐ-UBND
    and 45/TB-UBND cannot both exist; a Party body (HD 36) has a sequence per type."""
    assert _issue(world, "QĐ", "UBND", 45) == "45/QĐ-UBND"
    with pytest.raises(BBTError) as refused:
        _issue(world, "TB", "UBND", 45)
    assert str(refused.value) == (
        "The place of 45/TB-UBND in its register is already registered as 45/QĐ-UBND: a "
        "state body numbers every type of document in one sequence (Nghị định 30/2020).")
    with pytest.raises(BBTError, match=r"^45/QĐ-UBND is already registered\.$"):
        _issue(world, "QĐ", "UBND", 45)
    assert _issue(world, "TB", "UBND") == "46/TB-UBND"  # the sequence goes on after it
    assert _issue(world, "TB", "UBND", 44) == "44/TB-UBND"  # a place still free
    assert (_issue(world, "QĐ", "HU", 45), _issue(world, "TB", "HU", 45)) == (
        "45-QĐ/HU", "45-TB/HU")
    assert world.read(lambda s: sorted(s.exec(select(Document.number).where(
        col(Document.number).like("%UBND"))).all())) == [
        "44/TB-UBND", "45/QĐ-UBND", "46/TB-UBND"]


def test_a_state_number_received_under_another_type_is_the_same_place(world: World) -> None:
    def from_ubnd(number: str, to: str = "BBT") -> documents.Document:
        return world.run(documents.receive, SYSTEM, number, "UBND", "2022-03-01", "Văn bản",
                         to=to, received="2022-03-02")

    assert from_ubnd("12/QĐ-UBND").incoming_number == 1
    with pytest.raises(BBTError, match=r"^The place of 12/TB-UBND in its register is already "
                                       r"registered as 12/QĐ-UBND: "):
        from_ubnd("12/TB-UBND")
    # the refusal names the unit that holds the incoming number, not the one that tried
    with pytest.raises(BBTError) as refused:
        from_ubnd("12/QĐ-UBND", to="HU")
    assert str(refused.value) == "12/QĐ-UBND is already registered (incoming no. 1 of BBT)."
    assert receive(world, "12-QĐ/TU", "2022-03-01", "2022-03-02").number == "12-QĐ/TU"
    assert receive(world, "12-TB/TU", "2022-03-01", "2022-03-02").number == "12-TB/TU"


def test_two_writers_of_one_state_number_at_once_leave_one_document(world: World) -> None:
    """No unique key spans the types of a state register: the second writer waits for the
    first one's commit, then finds the place taken. PostgreSQL only: SQLite's writers
    already take turns at BEGIN IMMEDIATE."""
    if not world.url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers before they look for the place")
    with pytest.raises(BBTError, match="already registered as 45/QĐ-UBND"):
        rules_support.one_waits_for_the_other(
            world, lambda s: _issue(world, "QĐ", "UBND", 45, session=s),
            lambda s: _issue(world, "TB", "UBND", 45, session=s))
    assert world.read(lambda s: s.exec(select(Document.number).where(
        Document.seq == 45)).all()) == ["45/QĐ-UBND"]
