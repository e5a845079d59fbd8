"""The province-scale generator of bench/ builds a database the program accepts: sound, with
an unbroken audit chain, gapless registers whose counters continue where the numbers stop,
and volumes proportional to the scale. Run at a tiny scale on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bench import generate
from bench.common import ADMIN, ADMIN_PASSWORD
from domain import audit, backup, db, migrate, units
from domain.auth import SYSTEM, check_password
from domain.errors import BBTError
from domain.text import fold
from models import (
    ARTICLE_STATUSES,
    DATAENTRY_STATUSES,
    DELIVERY_STATUSES,
    PARTY_KINDS,
    PURPOSES,
    Delivery,
    Document,
    RegisterCounter,
    Unit,
)

SCALE = 0.002


def test_generated_database_is_valid(db_url: str) -> None:
    """One build per engine (each takes a second or two), checked from every side."""
    generate.generate(db_url, scale=SCALE, seed=7, quiet=True)
    province = db.get_engine(db_url)
    check_soundness_and_volumes(province)
    check_records_are_consistent(province)
    check_registers_are_gapless_and_counters_continue_them(province)  # adds rows: last
    with pytest.raises(BBTError, match="already holds data"):
        generate.generate(db_url, scale=SCALE, quiet=True)


def rows(engine: Engine, sql: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def check_soundness_and_volumes(province: Engine) -> None:
    assert backup.integrity(province) == []
    assert db.current_revision(province) == db.HEAD_REVISION
    assert migrate.drift(province) == []
    with Session(province) as session:
        verdict = audit.verify(session)
        assert verdict.ok, verdict.reason
        last = audit.entries(session, limit=1)[0]
    assert last.action == "bench.generate" and '"documents": 400' in last.detail

    counts = dict(rows(province, """
        SELECT 'documents', count(*) FROM document UNION ALL
        SELECT 'deliveries', count(*) FROM delivery UNION ALL
        SELECT 'articles', count(*) FROM article UNION ALL
        SELECT 'units', count(*) FROM unit UNION ALL
        SELECT 'accounts', count(*) FROM account UNION ALL
        SELECT 'visits', count(*) FROM visit"""))
    assert counts["documents"] == round(200_000 * SCALE)
    assert counts["articles"] == round(300_000 * SCALE)
    assert 0.9 <= counts["deliveries"] / (2_000_000 * SCALE) <= 1.1
    assert counts["visits"] == 120  # ten years of months
    assert 60 <= counts["units"] <= 120 and counts["accounts"] >= counts["units"] - 10


def check_registers_are_gapless_and_counters_continue_them(province: Engine) -> None:
    docs = rows(province, """
        SELECT d.id, d.number, d.seq, d.doc_type, d.period, d.date, d.direction, d.title,
               d.title_search, u.code, u.kind, d.issuer_id, d.recipient_id,
               d.incoming_number, d.incoming_year, d.received_on, u.term_start
        FROM document d JOIN unit u ON u.id = d.issuer_id ORDER BY d.id""")
    sequences: dict[tuple, list[int]] = defaultdict(list)
    incoming: dict[tuple, list] = defaultdict(list)
    for d in docs:
        party = d.kind in PARTY_KINDS
        expected = f"{d.seq}-{d.doc_type}/{d.code}" if party else f"{d.seq}/{d.doc_type}-{d.code}"
        assert d.number == expected
        assert d.title_search == fold(d.title)
        if d.direction == "outgoing":
            series = d.doc_type if party else "*"
            if party:  # the term that was running on the document's date
                assert str(d.period) <= str(d.date) and str(d.period) <= str(d.term_start)
            else:
                assert d.period == str(d.date)[:4]
            sequences[(d.issuer_id, "out", series, d.period)].append(d.seq)
        else:
            assert d.incoming_year == int(str(d.received_on)[:4])
            incoming[(d.recipient_id, "in", "*", str(d.incoming_year))].append(
                (d.incoming_number, str(d.received_on)))
    assert incoming and len(sequences) > 20
    for key, seqs in sequences.items():  # registered in date order, 1..N without a gap
        assert seqs == list(range(1, len(seqs) + 1)), key
    for key, numbered in incoming.items():  # numbered in order of receipt
        numbered.sort()
        assert [n for n, _ in numbered] == list(range(1, len(numbered) + 1)), key
        assert [r for _, r in numbered] == sorted(r for _, r in numbered), key
    # Outside senders' numbers restart each term or year: a duplicate is same number, same year.
    received = [(d.issuer_id, d.number, d.period) for d in docs if d.direction == "incoming"]
    assert len(set(received)) == len(received)

    counters = {(c.unit_id, c.book, c.series, c.period): c.value for c in rows(
        province, "SELECT unit_id, book, series, period, value FROM register_counter")}
    last_numbers = {key: len(seqs) for key, seqs in sequences.items()}
    last_numbers |= {key: len(numbered) for key, numbered in incoming.items()}
    assert counters == last_numbers

    # The next document of a Party register takes the counter's next number without clashing,
    # and new rows get fresh ids (PostgreSQL's sequences were moved past the loaded ids).
    with db.transaction(province) as session:
        counter = session.exec(select(RegisterCounter).where(
            RegisterCounter.book == "out", RegisterCounter.series == "BC")).first()
        assert counter is not None
        counter.value += 1
        issuer = session.get(Unit, counter.unit_id)
        doc = Document(number=f"{counter.value}-BC/{issuer.code}", seq=counter.value,  # type: ignore[union-attr]
                       doc_type="BC", issuer_id=counter.unit_id, period=counter.period,
                       date=date(2022, 7, 1), title="Báo cáo", direction="outgoing")
        session.add(doc)
        session.flush()
        delivery = Delivery(document_id=doc.id, unit_id=counter.unit_id)  # type: ignore[arg-type]
        session.add(delivery)
        units.add(session, SYSTEM, "BENCH-NEW", "Đơn vị mới", "grassroots", "HU")
        session.flush()
        new_id = delivery.id
    # Loaded times are stored exactly as the program stores them (SQLite keeps text).
    stored = dict(rows(province, f"SELECT id, sent_at FROM delivery WHERE id IN "
                                 f"((SELECT min(id) FROM delivery), {new_id})"))
    loaded, written = stored[min(stored)], stored[new_id]
    assert type(loaded) is type(written)
    if isinstance(loaded, str):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", loaded), loaded
        assert len(loaded) == len(written)
    else:
        assert loaded.tzinfo == written.tzinfo


def check_records_are_consistent(province: Engine) -> None:
    for unit in rows(province, "SELECT code, kind, term_start, parent_id FROM unit"):
        assert (unit.term_start is not None) == (unit.kind in PARTY_KINDS), unit.code
    accounts = rows(province, "SELECT username, password_hash, role FROM account")
    unusable = [a for a in accounts if a.password_hash == "!"]
    assert len(unusable) == len(accounts) - 1
    admin = next(a for a in accounts if a.password_hash != "!")
    assert admin.username == ADMIN and admin.role == "admin"
    assert check_password(ADMIN_PASSWORD, admin.password_hash)

    deliveries = rows(province, """
        SELECT d.status, d.purpose, d.received_at, d.done_at, d.due, d.forwarded_from_id,
               d.document_id, f.document_id AS forwarded_document
        FROM delivery d LEFT JOIN delivery f ON f.id = d.forwarded_from_id""")
    assert {d.status for d in deliveries} <= set(DELIVERY_STATUSES)
    assert {d.purpose for d in deliveries} <= set(PURPOSES)
    assert {"sent", "received", "done"} <= {d.status for d in deliveries}
    for d in deliveries:
        assert (d.received_at is None) == (d.status == "sent")
        assert (d.done_at is not None) == (d.status == "done")
        if d.forwarded_from_id is not None:
            assert d.forwarded_document == d.document_id
    assert any(d.due is not None for d in deliveries)

    articles = rows(province, "SELECT status, submitted, published, url FROM article")
    assert {a.status for a in articles} <= set(ARTICLE_STATUSES)
    for a in articles:
        published = a.status == "published"
        assert (a.published is not None) == published == bool(a.url)
        if published:
            assert str(a.submitted) <= str(a.published) <= "2022-06-30"

    entries = rows(province, "SELECT status, entered_on, synced_on FROM data_entry")
    assert entries and {e.status for e in entries} <= set(DATAENTRY_STATUSES)
    for e in entries:
        assert (e.entered_on is None) == (e.status == "missing")
        assert (e.synced_on is None) == (e.status != "synced")
