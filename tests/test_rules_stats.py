"""Monthly statistics: what is counted, in which month, and what never is (drafts)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from domain import articles, documents, stats
from domain.auth import SYSTEM
from domain.errors import BBTError
from tests import rules_support
from tests.rules_support import World

world = rules_support.world


def article(session: Session, kind: str, photos: int, moves: tuple[str, ...],
            published: str = "2022-03-15") -> None:
    item = articles.add(session, SYSTEM, "Tin bài", kind, "XA1", photos=photos,
                        submitted="2021-12-01")
    for action in moves:
        articles.move(session, SYSTEM, item.id, action, on=published if action == "publish"
                      else None)


PUBLISH = ("review", "approve", "publish")


def month(report: dict, number: int) -> dict:
    return next(m for m in report["months"] if m["month"] == number)


def test_only_published_articles_count_by_their_publication_month(world: World) -> None:
    def seed(session: Session) -> None:
        article(session, "news", 3, PUBLISH)
        article(session, "news", 2, PUBLISH, published="2022-01-01")
        article(session, "news", 5, PUBLISH, published="2021-12-31")  # the year before
        article(session, "feature", 4, PUBLISH, published="2022-12-31")
        article(session, "slogan", 7, PUBLISH)  # a slogan's photos are not counted
        article(session, "document", 1, PUBLISH)
        for draft in ((), ("review",), ("review", "approve"), ("reject",)):
            article(session, "news", 9, draft)  # drafts and rejected never count

    world.run(seed)
    report = world.read(lambda s: stats.monthly(s, 2022, today=date(2022, 12, 31)))
    assert report["year"] == 2022 and [m["month"] for m in report["months"]] == list(range(1, 13))
    assert {k: month(report, 3)[k] for k in ("news", "features", "photos", "slogans",
                                             "documents")} == {
        "news": 1, "features": 0, "photos": 3, "slogans": 1, "documents": 1}
    assert (month(report, 1)["news"], month(report, 1)["photos"]) == (1, 2)
    assert (month(report, 12)["features"], month(report, 12)["photos"]) == (1, 4)
    totals = report["totals"]
    assert (totals["news"], totals["features"], totals["photos"], totals["slogans"],
            totals["documents"]) == (2, 1, 9, 1, 1)
    only_march = world.read(lambda s: stats.monthly(s, 2022, 3, today=date(2022, 12, 31)))
    assert [m["month"] for m in only_march["months"]] == [3]
    assert only_march["totals"]["news"] == 1 and only_march["totals"]["photos"] == 3
    assert world.read(lambda s: stats.monthly(s, 2021))["totals"]["news"] == 1


def test_visitors_documents_and_overdue_deliveries_by_month(world: World) -> None:
    def seed(session: Session) -> None:
        for key, count in (("2021-12", 5), ("2022-01", 100), ("2022-12", 300), ("2023-01", 7)):
            articles.set_visits(session, SYSTEM, key, count)
        for day in ("2021-12-31", "2022-01-01", "2022-03-02", "2022-03-03", "2023-01-01"):
            documents.issue(session, SYSTEM, "KH", "BBT", "Kế hoạch", day=day)
        for n, (day, received) in enumerate((("2021-12-30", "2022-01-01"),
                                             ("2022-03-01", "2022-04-01"),
                                             ("2021-04-01", "2021-04-02"),
                                             ("2022-12-31", "2023-01-01")), start=1):
            documents.receive(session, SYSTEM, f"{n}-CV/TU", "TU", day, "Công văn", to="BBT",
                              received=received)
        # A register's dates never go backwards: the older notice is issued first.
        old = documents.issue(session, SYSTEM, "TB", "BBT", "Thông báo cũ", day="2021-03-01")
        documents.send(session, SYSTEM, old.number, to=["XA1"], due="2021-03-09")  # still open
        doc = documents.issue(session, SYSTEM, "TB", "BBT", "Thông báo", day="2022-01-01")
        documents.send(session, SYSTEM, doc.number, to=["XA1"], due="2022-03-09")
        documents.send(session, SYSTEM, doc.number, to=["XA2"], due="2022-03-10")
        documents.send(session, SYSTEM, doc.number, to=["HU"], due="2022-03-01")
        documents.mark_done(session, SYSTEM, doc.number, "HU")
        documents.send(session, SYSTEM, doc.number, to=["UBND"], due="2022-01-01")
        documents.acknowledge(session, SYSTEM, doc.number, "UBND")

    world.run(seed)
    report = world.read(lambda s: stats.monthly(s, 2022, today=date(2022, 3, 10)))
    totals = report["totals"]
    assert (month(report, 1)["visitors"], month(report, 12)["visitors"], totals["visitors"]) == (
        100, 300, 400)
    assert (month(report, 1)["docs_issued"], month(report, 3)["docs_issued"]) == (2, 2)
    assert totals["docs_issued"] == 4
    assert (month(report, 1)["docs_received"], month(report, 4)["docs_received"]) == (1, 1)
    assert totals["docs_received"] == 2
    # Due 9 March, still open on the 10th: overdue; due the 10th: not yet; done: never.
    assert (month(report, 3)["deliveries_overdue"], month(report, 1)["deliveries_overdue"]) == (
        1, 1)
    assert totals["deliveries_overdue"] == 2
    later = world.read(lambda s: stats.monthly(s, 2022, today=date(2022, 3, 11)))
    assert later["totals"]["deliveries_overdue"] == 3
    last_year = world.read(lambda s: stats.monthly(s, 2021))
    assert (last_year["totals"]["deliveries_overdue"], month(last_year, 3)["deliveries_overdue"],
            last_year["totals"]["docs_received"]) == (1, 1, 1)


@pytest.mark.parametrize(("year", "month_", "message"), [
    (1899, None, "Year 1899 is out of range."), (9999, None, "Year 9999 is out of range."),
    (2022, 0, "Month 0 must be between 1 and 12."), (2022, 13, "Month 13 must be between 1 and 12."),
])
def test_years_and_months_out_of_range_are_refused(year: int, month_: int | None,
                                                   message: str) -> None:
    with pytest.raises(BBTError) as refused:
        stats.monthly(None, year, month_)  # type: ignore[arg-type]  # refused before any query
    assert str(refused.value) == message


@pytest.mark.parametrize(("year", "month_"), [(1900, 1), (9998, 12), (2022, None)])
def test_the_boundaries_of_the_range_are_accepted(world: World, year: int, month_: int | None
                                                  ) -> None:
    report = world.read(lambda s: stats.monthly(s, year, month_, today=date(2022, 1, 1)))
    assert report["year"] == year and sum(report["totals"].values()) == 0


def test_a_draft_is_not_counted_even_when_it_carries_a_publication_date(world: World) -> None:
    """The workflow and imports never give a draft a date; a hand-edited or older database
    might, and a draft is still not news."""
    from models import Article

    def seed(session: Session) -> None:
        for status in ("submitted", "editing", "approved", "rejected", "published"):
            session.add(Article(title=status, kind="news", unit_id=world.unit_ids["XA1"],
                                photos=1, status=status, submitted=date(2022, 3, 1),
                                published=date(2022, 3, 2)))

    world.run(seed)
    totals = world.read(lambda s: stats.monthly(s, 2022, 3))["totals"]
    assert (totals["news"], totals["photos"]) == (1, 1)


def test_withdrawn_documents_count_nowhere(world: World) -> None:
    def seed(session: Session) -> None:
        documents.issue(session, SYSTEM, "KH", "BBT", "Kế hoạch", day="2022-03-01")
        gone = documents.issue(session, SYSTEM, "KH", "BBT", "Kế hoạch sai", day="2022-03-02")
        documents.withdraw(session, SYSTEM, gone.number, "Sai thể thức")
        for n in (1, 2):
            documents.receive(session, SYSTEM, f"{n}-CV/TU", "TU", "2022-03-01", "Công văn",
                              to="BBT", received="2022-03-03")
        documents.withdraw(session, SYSTEM, "2-CV/TU", "Gửi nhầm")

    world.run(seed)
    march = month(world.read(lambda s: stats.monthly(s, 2022)), 3)
    assert (march["docs_issued"], march["docs_received"]) == (1, 1)


@pytest.mark.parametrize(("through", "counted"), [
    (date(2021, 12, 31), (0, 0)),  # before the year: nothing, not the whole year
    (date(2022, 1, 1), (100, 0)),  # a month counts from its first day
    (date(2022, 1, 15), (100, 0)),
    (date(2022, 2, 1), (100, 200)),
])
def test_visitors_of_the_months_begun_by_the_day(world: World, through: date,
                                                 counted: tuple[int, int]) -> None:
    def seed(session: Session) -> None:
        for key, count in (("2022-01", 100), ("2022-02", 200), ("2022-03", 300)):
            articles.set_visits(session, SYSTEM, key, count)

    world.run(seed)
    report = world.read(lambda s: stats.monthly(s, 2022, today=through, through=through))
    assert (month(report, 1)["visitors"], month(report, 2)["visitors"]) == counted
    assert report["totals"]["visitors"] == sum(counted)
