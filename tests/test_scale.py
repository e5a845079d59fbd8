"""Issue 13: costs that follow the open work, on both engines.

The overdue and late-unit figures read the partial index of open deliveries (proved with
the engine's own EXPLAIN), give the same answers as the old whole-history definition on the
demo, and `doc list --json` is read and written a page at a time.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import case, func, select
from sqlmodel import col

from domain import documents, stats, tracking
from domain.auth import Actor
from domain.db import get_engine, transaction
from models import Delivery, Document
from tests.conftest import Bbt

ADMIN = Actor("admin", "admin")
ON = date(2022, 6, 30)


def _plan(session, query) -> str:  # type: ignore[no-untyped-def]
    """The engine's plan of a query, as text (seq scans off on PostgreSQL: a tiny test table
    is read whole otherwise; what we prove is that the partial index *can* serve it)."""
    bind = session.get_bind()
    sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    conn = session.connection()
    if bind.dialect.name == "sqlite":
        return "\n".join(str(row) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))


def test_overdue_and_late_units_read_the_partial_index(demo: Bbt) -> None:
    with transaction(get_engine(demo.url)) as session:
        for query in (tracking.late_units_query(ON), tracking.overdue_documents_query(ON),
                      stats.overdue_query(date(2022, 1, 1), ON)):
            assert "ix_delivery_open_due" in _plan(session, query)
        # Unacknowledged per unit: PostgreSQL reads the partial index (it has no skip scan of
        # ix_delivery_unit_status); SQLite's planner may take a range on status instead on a
        # table this small (at province scale, after ANALYZE, it takes the partial index).
        plan = _plan(session, tracking.unacknowledged_query())
        if session.get_bind().dialect.name == "postgresql":
            assert "ix_delivery_unacknowledged" in plan, plan
        else:
            assert "ix_delivery_unacknowledged" in plan or "(status=?)" in plan, plan
        # withdrawn documents are left out by the short list of their ids, never by reading
        # each delivery's document row
        for query in (tracking.late_units_query(ON), tracking.overdue_documents_query(ON),
                      stats.overdue_query(date(2022, 1, 1), ON),
                      tracking.unacknowledged_query()):
            plan = _plan(session, query)
            assert "ix_document_withdrawn" in plan and "document_pkey" not in plan, plan
            assert "PRIMARY KEY" not in plan, plan


def test_the_partial_index_is_not_used_for_finished_deliveries(demo: Bbt) -> None:
    """The control: a query over every delivery cannot use it (else the test proves nothing)."""
    with transaction(get_engine(demo.url)) as session:
        query = select(func.count()).select_from(Delivery).where(col(Delivery.due) < ON)
        assert "ix_delivery_open_due" not in _plan(session, query)


def _old_late_units(session, on: date) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The definition before issue 13: every delivery ever sent, grouped by unit."""
    rows = documents.unit_summary(session, on=on)
    return {r["unit"]: (r["unacknowledged"], r["overdue"]) for r in rows
            if r["overdue"] or r["unacknowledged"]}


def _old_overdue_documents(session, on: date) -> int:  # type: ignore[no-untyped-def]
    late = case(((col(Delivery.due) < on) & col(Delivery.status).not_in(("done", "returned")),
                 1), else_=0)
    per_document = (select(Delivery.document_id).join(Document, Document.id == Delivery.document_id)
                    .where(Document.status != "withdrawn").group_by(Delivery.document_id)
                    .having(func.sum(late) > 0)).subquery()
    return int(session.execute(select(func.count()).select_from(per_document)).scalar_one())


def test_figures_match_the_whole_history_definition(demo: Bbt) -> None:
    engine = get_engine(demo.url)
    with transaction(engine) as session:
        old = _old_late_units(session, ON)
        new = {r["unit"]: (r["unacknowledged"], r["overdue"])
               for r in tracking.late_units(session, ADMIN, on=ON)}
        assert old and new == old
        overdue = tracking.overdue_documents(session, ADMIN, on=ON)
        assert overdue > 0 and overdue == _old_overdue_documents(session, ON)
        withdrawn = session.execute(
            select(Document.number).join(Delivery, Delivery.document_id == Document.id)
            .where(col(Delivery.due) < ON, col(Delivery.status) == "sent")).scalars().first()
    assert withdrawn is not None
    with transaction(engine, write=True) as session:
        documents.withdraw(session, ADMIN, withdrawn, "Ban hành nhầm")
    with transaction(engine) as session:  # a withdrawn document counts nowhere
        assert tracking.overdue_documents(session, ADMIN, on=ON) == overdue - 1
        assert _old_overdue_documents(session, ON) == overdue - 1
        assert {r["unit"]: (r["unacknowledged"], r["overdue"])
                for r in tracking.late_units(session, ADMIN, on=ON)} == _old_late_units(
                    session, ON)


def test_doc_late_cli_lists_the_open_work(demo: Bbt) -> None:
    rows = demo.json("doc", "late")
    assert rows and all(r["overdue"] <= r["open_due"] for r in rows)
    assert [(-r["overdue"], -r["unacknowledged"]) for r in rows] == sorted(
        (-r["overdue"], -r["unacknowledged"]) for r in rows)
    assert demo("doc", "late", "--kind", "nonsense").exit_code == 1


def test_stream_pages_by_key_and_lets_rows_go(demo: Bbt) -> None:
    with transaction(get_engine(demo.url)) as session:
        whole = documents.describe(session, ADMIN, documents.listing(session, ADMIN))
        session.expunge_all()
        rows = documents.stream(session, ADMIN, page=2)
        streamed = []
        for row in rows:
            streamed.append(row)
            # row at a time: never more than one page of documents (and their deliveries)
            # held by the session, however far the listing has gone
            held = sum(isinstance(o, Document) for o in session.identity_map.values())
            assert held <= 2
        assert len(whole) > 4 and streamed == whole
        overdue = documents.Filters(overdue=True)
        assert list(documents.stream(session, ADMIN, overdue, limit=5, page=2)) == \
            documents.describe(session, ADMIN, documents.listing(session, ADMIN, overdue, 5))


def test_doc_list_json_streams_the_same_text(demo: Bbt) -> None:
    result = demo.ok("doc", "list", "--limit", "0", "--json")
    with transaction(get_engine(demo.url)) as session:
        expected = documents.describe(session, ADMIN, documents.listing(session, ADMIN))
    assert result.stdout == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    limited = demo("doc", "list", "--limit", "3", "--json")
    assert len(json.loads(limited.stdout)) == 3 and "--limit 0" in limited.stderr
    assert demo.json("doc", "list", "--search", "khong-co-tu-nay-dau") == []


def _modules_after(code: str) -> int:
    import subprocess
    import sys
    from pathlib import Path

    script = f"import sys\n{code}\nsys.stderr.write(str(len(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    return int(result.stderr.strip().splitlines()[-1])


def test_help_imports_a_bounded_number_of_modules() -> None:
    """Start-up is paid per command: `bbt --help` may load what Typer loads plus the command
    tree (33 more modules when this was written), no more: Rich's help renderer adds about
    200 and SQLAlchemy about 155, so Typer's Rich panels or an eager import of the domain
    fail this."""
    typer_alone = _modules_after("import typer")
    help_ = _modules_after("sys.argv = ['bbt', '--help']\nfrom commands.main import app\n"
                           "try:\n    app()\nexcept SystemExit:\n    pass\n"
                           "assert 'rich' not in sys.modules")
    assert 100 < typer_alone < help_ <= typer_alone + 60


def test_report_reads_its_period_only(demo: Bbt) -> None:
    """Trainings of a period and the data-entry matrix come from the database already
    narrowed and as columns: the same answers as filtering every row in Python."""
    from domain import dataentry, units

    start, end = date(2022, 1, 1), date(2022, 7, 1)
    with transaction(get_engine(demo.url)) as session:
        every = units.trainings(session)
        for since, before in ((start, end), (end, date(2030, 1, 1)), (date(2000, 1, 1), start)):
            held = units.trainings(session, start=since, end=before)
            assert held == [(t, codes) for t, codes in every if since <= t.date < before]
        assert units.trainings(session, start=start, end=end)
        assert not units.trainings(session, start=end)
        by_rows: dict[tuple[str, str], dict[str, str]] = {}
        for entry, unit in dataentry.listing(session):
            by_rows.setdefault((entry.subsystem, unit.code), {})[entry.period] = entry.status
        matrix = dataentry.matrix(session)
        assert {(s["subsystem"], u["unit"]): {p: v for p, v in u["statuses"].items() if v}
                for s in matrix["subsystems"] for u in s["units"]} == by_rows
