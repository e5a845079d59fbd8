"""Monthly statistics: every figure counted from the records, in every output format."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from sqlalchemy import event

from tests.conftest import Bbt

FIGURES = ["news", "features", "photos", "slogans", "documents", "visitors", "docs_issued",
           "docs_received", "deliveries_overdue"]
# The CSV and XLSX headers in the user's language (English in tests; Vietnamese by default).
HEADER = ["Month", "News", "Features", "Photos", "Slogans", "Posted documents", "Visitors",
          "Documents issued", "Documents received", "Overdue deliveries"]


def transaction(bbt: Bbt):  # type: ignore[no-untyped-def]
    from domain.db import get_engine, transaction

    return transaction(get_engine(bbt.url))


def seed(bbt: Bbt) -> None:
    """A small year with one record of every sort around the edges that must not count."""
    from sqlmodel import select

    from models import Article, Delivery, Document, Unit, Visit

    with transaction(bbt) as session:
        unit = session.exec(select(Unit).where(Unit.code == "BBT")).one()

        def article(kind: str, published: str | None, photos: int = 0,
                    status: str = "published") -> Article:
            return Article(title=f"{kind} {published}", kind=kind, unit_id=unit.id,
                           photos=photos, status=status, submitted=date(2021, 12, 1),
                           published=date.fromisoformat(published) if published else None)

        session.add_all([
            article("news", "2022-03-05", 2), article("news", "2022-03-31", 3),
            article("feature", "2022-03-10", 4), article("slogan", "2022-03-01", 5),
            article("document", "2022-04-01", 1), article("document", "2022-04-30"),
            article("news", None, 9, "approved"), article("feature", None, 9, "rejected"),
            article("news", "2021-12-31", 7), article("news", "2023-01-01", 7),
        ])
        session.add_all(Visit(month=m, visitors=v) for m, v in
                        [("2021-12", 100), ("2022-03", 300), ("2022-12", 50), ("2023-01", 70)])

        def document(number: str, direction: str, day: str, received: str | None = None
                     ) -> Document:
            return Document(number=number, seq=1, doc_type="CV", issuer_id=unit.id,
                            period=number, date=date.fromisoformat(day), title=number,
                            direction=direction,
                            received_on=date.fromisoformat(received) if received else None)

        docs = [document("1-CV/BBT", "outgoing", "2022-03-02"),
                document("2-CV/BBT", "outgoing", "2022-03-02"),
                document("3-CV/BBT", "outgoing", "2021-12-30"),
                document("9-KH/TU", "incoming", "2022-02-27", "2022-03-01"),
                document("10-KH/TU", "incoming", "2022-04-01", "2022-04-03")]
        session.add_all(docs)
        session.flush()
        for i, (due, status) in enumerate([("2022-03-10", "sent"), ("2022-03-20", "done"),
                                           ("2022-03-25", "returned"), ("2022-04-15", "received"),
                                           (None, "sent")]):
            session.add(Delivery(document_id=docs[i].id, unit_id=unit.id, status=status,
                                 due=date.fromisoformat(due) if due else None))


def month(result: dict, number: int) -> dict:
    return next(m for m in result["months"] if m["month"] == number)


def test_monthly_counts_every_figure_from_the_records(bbt: Bbt) -> None:
    from domain import stats

    seed(bbt)
    with transaction(bbt) as session:
        on_april_10 = stats.monthly(session, 2022, today=date(2022, 4, 10))
        on_march_20 = stats.monthly(session, 2022, 3, today=date(2022, 3, 20))
        on_april_16 = stats.monthly(session, 2022, 4, today=date(2022, 4, 16))
    assert [m["month"] for m in on_april_10["months"]] == list(range(1, 13))
    assert month(on_april_10, 3) == {
        "month": 3, "news": 2, "features": 1, "photos": 9, "slogans": 1, "documents": 0,
        "visitors": 300, "docs_issued": 2, "docs_received": 1,
        "deliveries_overdue": 1}  # the one due 25/03 was returned: never overdue
    assert month(on_april_10, 4) == {
        "month": 4, "news": 0, "features": 0, "photos": 0, "slogans": 0, "documents": 2,
        "visitors": 0, "docs_issued": 0, "docs_received": 1, "deliveries_overdue": 0}
    assert month(on_april_10, 12) == {"month": 12, **dict.fromkeys(FIGURES, 0), "visitors": 50}
    assert all(set(m) == {"month", *FIGURES} for m in on_april_10["months"])
    assert on_april_10["totals"] == {
        "news": 2, "features": 1, "photos": 9, "slogans": 1, "documents": 2, "visitors": 350,
        "docs_issued": 2, "docs_received": 2, "deliveries_overdue": 1}
    assert on_march_20["months"] == [{**month(on_april_10, 3), "deliveries_overdue": 1}]
    assert on_march_20["totals"] == {k: v for k, v in on_march_20["months"][0].items()
                                     if k != "month"}
    assert on_april_16["months"][0]["deliveries_overdue"] == 1


def test_cli_json_csv_xlsx_and_table_agree(bbt: Bbt, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from domain import stats

    seed(bbt)
    with transaction(bbt) as session:
        expected = stats.monthly(session, 2022)
    result = bbt.json("stats", "monthly", "--year", "2022")
    assert result == expected and set(result) == {"year", "months", "totals"}
    assert set(result["totals"]) == set(FIGURES) and result["year"] == 2022
    assert month(result, 3)["deliveries_overdue"] == 1  # every due date has passed (one returned)
    single = bbt.json("stats", "monthly", "--year", "2022", "--month", "3")
    assert single["months"] == [month(expected, 3)]

    csv_path = tmp_path / "stats.csv"
    bbt.ok("stats", "monthly", "--year", "2022", "--csv", str(csv_path))
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, *rows = list(reader)
    assert header == HEADER and len(rows) == 13
    assert rows[2] == [str(v) for v in month(expected, 3).values()]
    assert rows[-1] == ["Total", *(str(expected["totals"][k]) for k in FIGURES)]

    xlsx_path = tmp_path / "stats.xlsx"
    bbt.ok("stats", "monthly", "--year", "2022", "--month", "3", "--xlsx", str(xlsx_path))
    sheet = load_workbook(xlsx_path).active
    assert sheet is not None and sheet.title == "2022"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [HEADER, list(month(expected, 3).values()),
                      ["Total", *(month(expected, 3)[k] for k in FIGURES)]]

    table = bbt.ok("stats", "monthly", "--year", "2022", env={"COLUMNS": "200"}).stdout
    assert "Total" in table and "300" in table and "Documents issued" in table
    both = bbt("stats", "monthly", "--year", "2022", "--json", "--csv", str(csv_path))
    assert both.exit_code == 2
    assert bbt("stats", "monthly", "--year", "2022", "--month", "13").exit_code == 2
    for year in ("0", "10000"):
        refused = bbt("stats", "monthly", "--year", year)
        assert refused.exit_code == 1 and "Year" in refused.stderr


def test_monthly_runs_a_fixed_number_of_grouped_queries(bbt: Bbt) -> None:
    """No loop over rows in Python: the statement count does not grow with the data."""
    from sqlmodel import select

    from domain import stats
    from domain.db import get_engine
    from models import Article, Unit

    engine = get_engine(bbt.url)

    def statements() -> list[str]:
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(bbt) as session:
                stats.monthly(session, 2022)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return [s for s in seen if s.lstrip().upper().startswith("SELECT")]

    empty = statements()
    with transaction(bbt) as session:
        unit_id = session.exec(select(Unit.id).where(Unit.code == "BBT")).one()
        session.add_all(Article(title=str(i), kind="news", unit_id=unit_id, photos=1,
                                status="published", submitted=date(2022, 1, 1),
                                published=date(2022, 1 + i % 12, 1 + i % 28))
                        for i in range(600))
    full = statements()
    assert len(full) == len(empty) <= 6
    assert any("GROUP BY" in s.upper() for s in full)
    assert bbt.json("stats", "monthly", "--year", "2022")["totals"]["photos"] == 600


def test_demo_matches_the_reference_report(demo: Bbt) -> None:
    from domain.articles import cumulative_visits

    result = demo.json("stats", "monthly", "--year", "2022")
    by_month = {m["month"]: m for m in result["months"]}
    assert [by_month[m]["news"] for m in (2, 3, 4, 5)] == [4, 14, 27, 29]
    assert [by_month[m]["photos"] for m in (2, 3, 4, 5)] == [16, 56, 108, 111]
    assert result["totals"]["news"] == 74 and result["totals"]["photos"] == 291
    assert sum(by_month[m]["documents"] for m in range(1, 7)) == 200
    assert all(by_month[m]["slogans"] > 0 for m in (2, 3, 4, 5))
    assert by_month[6]["visitors"] > 0 and by_month[5]["docs_received"] >= 2
    with transaction(demo) as session:
        assert cumulative_visits(session, date(2022, 6, 6)) == 33_000
    half = [demo.json("stats", "monthly", "--year", "2022", "--month", str(m)) for m in (2, 5)]
    assert [h["totals"]["news"] for h in half] == [4, 29]
    assert json.loads(json.dumps(result)) == result
