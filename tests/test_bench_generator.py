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
from domain import audit, backup, db, documents, migrate, numbering, units
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
    with Session(province) as session:  # the chain goes on from the load's entry
        assert audit.verify(session).ok
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
               d.title_search, u.code, d.issuer_id, d.recipient_id, d.incoming_number,
               d.incoming_year, d.received_on
        FROM document d JOIN unit u ON u.id = d.issuer_id ORDER BY d.id""")
    with Session(province) as session:
        issuers = {u.id: u for u in session.exec(select(Unit))}
    sequences: dict[tuple, list[int]] = defaultdict(list)
    incoming: dict[tuple, list] = defaultdict(list)
    for d in docs:
        issuer = issuers[d.issuer_id]
        parsed = numbering.parse(d.number)  # written as the documents domain writes them
        assert (str(parsed), parsed.seq, parsed.doc_type, parsed.issuer, parsed.party) == (
            d.number, d.seq, d.doc_type, d.code, issuer.kind in PARTY_KINDS)
        day = d.date if isinstance(d.date, date) else date.fromisoformat(d.date)
        assert d.period == numbering.period_for(issuer, day)  # the term or year on that date
        assert d.title_search == fold(d.title)
        if d.direction == "outgoing":
            series = d.doc_type if parsed.party else "*"
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
    # Outside senders' numbers restart each term or year: a duplicate is the same number in
    # the same period, which receiving it again through the documents domain refuses.
    received = [(d.issuer_id, d.number, d.period) for d in docs if d.direction == "incoming"]
    assert len(set(received)) == len(received)

    counters = {(c.unit_id, c.book, c.series, c.period): c.value for c in rows(
        province, "SELECT unit_id, book, series, period, value FROM register_counter")}
    last_numbers = {key: len(seqs) for key, seqs in sequences.items()}
    last_numbers |= {key: len(numbered) for key, numbered in incoming.items()}
    assert counters == last_numbers

    # Through the documents domain, the next document of the busiest current Party register
    # and the next receipt of this year take the counters' next numbers; a document received
    # again is refused; new rows get fresh ids (PostgreSQL's sequences moved past the load).
    with db.transaction(province) as session:
        current = [(value, key) for key, value in counters.items() if key[1] == "out"
                   and issuers[key[0]].term_start and key[3] == str(issuers[key[0]].term_start)]
        value, (unit_id, _, series, _) = max(current)
        issued = documents.issue(session, SYSTEM, series, issuers[unit_id].code, "Báo cáo thử",
                                 day=date(2022, 7, 1))
        assert issued.seq == value + 1
        old = next(d for d in reversed(docs) if d.direction == "incoming")
        recipient = issuers[old.recipient_id]
        received = documents.receive(session, SYSTEM, "9999/QĐ-CP", "CP", date(2022, 6, 30),
                                     "Quyết định thử", to=recipient.code, received="2022-07-01")
        assert received.incoming_number == counters.get(
            (recipient.id, "in", "*", "2022"), 0) + 1
        with pytest.raises(BBTError, match="already registered"):
            documents.receive(session, SYSTEM, old.number, old.code, old.date, "Again",
                              to=recipient.code, received="2022-07-01")
        target = "BBT" if issuers[unit_id].code != "BBT" else "HU"
        documents.send(session, SYSTEM, issued.number, to=[target], purpose="act")
        delivery = session.exec(select(Delivery).where(
            Delivery.document_id == issued.id)).one()
        units.add(session, SYSTEM, "BENCH-NEW", "Đơn vị mới", "grassroots", "HU")
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
    # One admin limited to each district (SPEC 7.5): its committee, the grassroots' parent.
    roots = [r.code for r in rows(province, """
        SELECT u.code FROM account a JOIN unit u ON u.id = a.scope_unit_id
        WHERE a.role = 'admin'""")]
    districts = {r.code for r in rows(province, """
        SELECT DISTINCT p.code FROM unit g JOIN unit p ON p.id = g.parent_id
        WHERE g.kind = 'grassroots'""")}
    assert sorted(roots) == sorted(districts) and len(districts) >= 1

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
