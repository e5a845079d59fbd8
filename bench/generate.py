"""A province-scale BBT database for the benchmarks, on SQLite or PostgreSQL.

    .venv/bin/python -m bench.generate                       # bench/out/province-1.db
    .venv/bin/python -m bench.generate --scale 0.01          # a quick one
    .venv/bin/python -m bench.generate --db postgresql+psycopg://postgres@127.0.0.1/bbt_bench

Scale 1.0 is Lâm Đồng as thirteen district-level Party organisations over the ten years up to
June 2022: about 1,000 units and accounts, 200,000 documents, 2,000,000 deliveries, 300,000
articles, the website's monthly visits and the data-entry matrix. Smaller scales keep fewer
districts (at least Bảo Lâm, with the demo's unit codes) and proportionally fewer records.

The schema comes from the migrations and the first admin from `bbt init`'s code; the rest is
inserted in bulk (SQLAlchemy Core executemany of plain dicts on SQLite, COPY on PostgreSQL),
one transaction per table, with ids assigned here so that rows can point at each other
without a round trip. Everything is valid for the domain: numbers follow both registers'
schemes gaplessly, the register counters hold the last number given, and one audit entry
records the load.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, islice
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Table,
    func,
    select,
    text,
    update,
)

from bench import province_data as P
from bench.common import ADMIN, ADMIN_PASSWORD, OUT, sqlite_url
from domain import audit, bootstrap, demo, numbering
from domain.auth import SYSTEM
from domain.db import dispose_all, get_engine, make_engine, transaction
from domain.errors import BBTError
from domain.text import fold
from models import (
    PARTY_KINDS,
    Account,
    Article,
    AuditEntry,
    AuditHead,
    DataEntry,
    Delivery,
    Document,
    RegisterCounter,
    Setting,
    Training,
    TrainingUnit,
    Unit,
    Visit,
)

FULL_SCALE = {"documents": 200_000, "deliveries": 2_000_000, "articles": 300_000,
              "audit": 1_000_000}
END = date(2022, 6, 30)  # the data stop where the demo's do: the 2022 half-year report
START = date(END.year - 10, END.month, END.day) + timedelta(days=1)
INCOMING_SHARE = 0.1  # documents received from senders outside the province
BATCH = 20_000


def table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


# --- units ------------------------------------------------------------------------------

@dataclass(eq=False)
class U:
    id: int
    code: str
    name: str
    kind: str
    base: str  # "HU", "VPHU", ... for a district's bodies, "grassroots", or the code itself
    block: int  # index into the province's blocks; -1 for the province, -2 for outsiders
    parent: str | None = None
    terms: tuple[date, ...] = ()  # Party term starts, oldest first; empty for state bodies
    slow: bool = False  # a unit that acknowledges and processes late (the report's laggards)

    @property
    def party(self) -> bool:
        return self.kind in PARTY_KINDS

    def term_at(self, day: date) -> date:
        return max(t for t in self.terms if t <= day)


@dataclass
class BlockUnits:
    block: P.Block
    bodies: dict[str, U] = field(default_factory=dict)
    grassroots: list[U] = field(default_factory=list)

    def slug(self) -> str:
        return fold(self.block.name).replace(" ", "").replace("'", "") or "tinh"


@dataclass
class Province:
    units: list[U] = field(default_factory=list)
    blocks: list[BlockUnits] = field(default_factory=list)
    by_code: dict[str, U] = field(default_factory=dict)

    def add(self, unit: U) -> U:
        if unit.code in self.by_code:
            raise AssertionError(f"duplicate unit code {unit.code}")
        self.units.append(unit)
        self.by_code[unit.code] = unit
        return unit

    def province_bodies(self) -> list[U]:
        return [u for u in self.units if u.block == -1]

    def outsiders(self) -> list[U]:
        return [u for u in self.units if u.block == -2]


def terms_before(latest: date) -> tuple[date, ...]:
    """Five-year Party terms ending with the one that starts on `latest`."""
    return tuple(latest.replace(year=latest.year - 5 * k) for k in (2, 1, 0))


def block_code(base: str, block: P.Block) -> str:
    if block.level == "khối":
        return base.replace("HU", "DUK")
    return f"{base}-{block.suffix}" if block.suffix else base


def block_words(block: P.Block) -> dict[str, str]:
    if block.level == "khối":
        return {"c": "Đảng ủy Khối các cơ quan tỉnh", "d": "Khối các cơ quan tỉnh"}
    committee = "Thành ủy" if block.level == "thành phố" else "Huyện ủy"
    return {"c": f"{committee} {block.name}", "d": f"{block.level} {block.name}"}


def grassroots_names(rng: random.Random, block: P.Block) -> list[tuple[str, str]]:
    """(code, name) of the Party organisations under a district: communes, then agencies."""
    if not block.suffix:  # Bảo Lâm: exactly the demo's 68 organisations
        return demo.grassroots_units()
    if block.level == "khối":
        return [(f"CB-KCQ-{i:02d}", f"{'Đảng bộ' if i <= 12 else 'Chi bộ'} {name}")
                for i, name in enumerate(P.PROVINCIAL_AGENCIES, start=1)]
    district = block_words(block)["d"]
    found = []
    for i, commune in enumerate(block.communes):
        folded = fold(commune).replace(" ", "").replace("'", "").upper()
        prefix = ("" if commune.startswith("Phường") else
                  "thị trấn " if i == 0 and block.level == "huyện" else "xã ")
        found.append((f"DU-{block.suffix}-{folded}", f"Đảng bộ {prefix}{commune}"))
    agencies = [name.format(d=district) for name in P.DISTRICT_AGENCIES]
    agencies += [f"{kind} {commune}" for commune in block.communes for kind in P.SCHOOL_KINDS]
    target = 56 + rng.randint(0, 18)
    for i, name in enumerate(agencies[: max(0, target - len(found))], start=1):
        found.append((f"CB-{block.suffix}-{i:02d}", f"{'Đảng bộ' if i <= 3 else 'Chi bộ'} {name}"))
    return found


def plan_units(rng: random.Random, n_blocks: int, first_id: int, bbt: U) -> Province:
    """Province bodies, outside senders and the blocks' units, parents before children."""
    province = Province()
    ids = iter(range(first_id, 10**9))
    for code, name, kind, parent in P.PROVINCE_UNITS:
        terms = terms_before(P.PROVINCE_TERM_2020) if kind in PARTY_KINDS else ()
        province.add(U(next(ids), code, name, kind, code, -1, parent, terms))
    for code, name, kind in P.EXTERNAL_UNITS:
        terms = P.EXTERNAL_TERMS if kind in PARTY_KINDS else ()
        province.add(U(next(ids), code, name, kind, code, -2, None, terms))
    for index, block in enumerate(P.BLOCKS[:n_blocks]):
        units = BlockUnits(block)
        words = block_words(block)
        district_terms = terms_before(block.term_2020)
        bodies = P.KHOI_BODIES if block.level == "khối" else P.DISTRICT_BODIES
        for base, pattern, kind, parent_base in bodies:
            code = block_code(base, block)
            parent = block_code(parent_base, block) if parent_base else (
                "TU" if kind in PARTY_KINDS else "UBNDT")
            terms = district_terms if kind in PARTY_KINDS else ()
            if code == bbt.code:  # created by `bbt init`: kept, completed later
                bbt.name, bbt.kind, bbt.base, bbt.block = pattern.format(**words), kind, base, index
                bbt.parent, bbt.terms = parent, terms
                unit = province.add(bbt)
            else:
                unit = province.add(U(next(ids), code, pattern.format(**words), kind, base,
                                      index, parent, terms))
            units.bodies[base] = unit
        grassroots_terms = tuple(t - timedelta(days=100) for t in district_terms)
        for code, name in grassroots_names(rng, block):
            units.grassroots.append(province.add(U(
                next(ids), code, name, "grassroots", "grassroots", index,
                units.bodies["HU"].code, grassroots_terms, slow=rng.random() < 0.12)))
        province.blocks.append(units)
    return province


def unit_rows(province: Province, skip: U) -> Iterator[dict]:
    for unit in province.units:
        if unit is not skip:
            yield unit_row(province, unit)


def unit_row(province: Province, unit: U) -> dict:
    parent = province.by_code.get(unit.parent or "")
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent_id": parent.id if parent else None, "active": True,
            "term_start": unit.term_at(END) if unit.terms else None,
            "created_at": at(date(2018, 1, 2), 8)}


# --- small helpers ----------------------------------------------------------------------

def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A UTC time, naive: SQLite stores UTC text and the PostgreSQL load runs in UTC, and
    offset-aware values cost several times more to format, millions of times over."""
    return datetime(day.year, day.month, day.day, hour, minute)


def weekday(day: date) -> date:
    """Offices register on working days: a weekend date moves to the Friday before."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def random_day(rng: random.Random, first: date = START, last: date = END) -> date:
    return weekday(first + timedelta(days=rng.randrange((last - first).days + 1)))


def chooser(weights: dict[str, int]):  # type: ignore[no-untyped-def]
    keys, cumulative = list(weights), list(accumulate(weights.values()))
    return lambda rng: rng.choices(keys, cum_weights=cumulative)[0]


pick_party_type = chooser(P.PARTY_TYPES)
pick_grassroots_type = chooser(P.GRASSROOTS_TYPES)
pick_state_type = chooser(P.STATE_TYPES)
pick_urgency = chooser(P.URGENCY_WEIGHTS)
pick_purpose = chooser({"act": 45, "inform": 35, "coordinate": 20})


@functools.cache
def folded(title: str) -> str:
    return fold(title)


def topic_for(rng: random.Random, year: int) -> str:
    while True:
        topic, first, last = rng.choice(P.TOPICS)
        if first <= year <= last:
            return topic


def person(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(P.HIGHLAND_NAMES)
    return f"{rng.choice(P.FAMILY)} {rng.choice(P.MIDDLE)} {rng.choice(P.GIVEN)}"


def chunks(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


# --- documents and their numbers --------------------------------------------------------

@dataclass(slots=True, eq=False)
class Doc:
    issuer: U
    doc_type: str
    day: date
    id: int = 0
    seq: int = 0
    period: str = ""
    number: str = ""
    recipient: U | None = None  # incoming documents: the unit whose register received it
    received: date | None = None
    incoming_number: int | None = None
    to: list[U] = field(default_factory=list)
    broadcast: list[U] | None = None


def written_number(issuer: U, doc_type: str, seq: int) -> str:
    """36-HD/VPTW for Party bodies (117-BC/BBT), Nghị định 30/2020 for state bodies."""
    return numbering.format_number(seq, doc_type, issuer.code, issuer.party)


def issuer_weight(unit: U) -> int:
    if unit.block == -2 or unit.base == "TTCT":
        return 0
    return P.ISSUER_WEIGHTS.get(unit.base, P.ISSUER_WEIGHTS.get(unit.code, 0))


def doc_type_for(rng: random.Random, issuer: U) -> str:
    if not issuer.party:
        return pick_state_type(rng)
    return pick_grassroots_type(rng) if issuer.kind == "grassroots" else pick_party_type(rng)


def plan_documents(rng: random.Random, province: Province, total: int) -> list[Doc]:
    issuers = [u for u in province.units if issuer_weight(u) > 0]
    cumulative = list(accumulate(issuer_weight(u) for u in issuers))
    n_incoming = round(total * INCOMING_SHARE)
    docs = [Doc(issuer, doc_type_for(rng, issuer), random_day(rng))
            for issuer in rng.choices(issuers, cum_weights=cumulative, k=total - n_incoming)]
    docs += plan_incoming(rng, province, n_incoming)
    # Registered in date order, so ids and sequence numbers grow with the dates.
    docs.sort(key=lambda d: (d.day, rng.random()))
    return docs


def plan_incoming(rng: random.Random, province: Province, count: int) -> list[Doc]:
    senders = province.outsiders()
    offices = [b.bodies["VPHU"] for b in province.blocks]
    state_offices = [b.bodies["VPUB"] for b in province.blocks if "VPUB" in b.bodies]
    docs = []
    for _ in range(count):
        sender = rng.choice(senders)
        if sender.party:
            recipient = province.by_code["VPTU"] if rng.random() < 0.5 else rng.choice(offices)
        else:
            recipient = (province.by_code["VPUBT"] if rng.random() < 0.5 or not state_offices
                         else rng.choice(state_offices))
        day = random_day(rng, START, END - timedelta(days=7))
        docs.append(Doc(sender, doc_type_for(rng, sender), day, recipient=recipient,
                        received=day + timedelta(days=rng.randint(1, 6))))
    return docs


def number_documents(docs: list[Doc], first_id: int) -> dict[tuple[int, str, str, str], int]:
    """Ids, sequence numbers and incoming numbers; returns the register counters' values.

    A document's period is that of its issuer's sequence (domain.numbering.period_for): the
    Party term running on its date, or its year for a state body. Outside senders keep their
    own registers, so their numbers are counted here but have no counter in this database."""
    counters: dict[tuple[int, str, str, str], int] = {}
    sender_seqs: dict[tuple[int, str, str], int] = defaultdict(int)
    for doc_id, doc in enumerate(docs, start=first_id):
        doc.id = doc_id
        issuer = doc.issuer
        if issuer.party:
            series, doc.period = doc.doc_type, issuer.term_at(doc.day).isoformat()
        else:
            series, doc.period = "*", str(doc.day.year)
        if doc.recipient is None:
            key = (issuer.id, "out", series, doc.period)
            doc.seq = counters[key] = counters.get(key, 0) + 1
        else:
            sender_seqs[(issuer.id, series, doc.period)] += 1
            doc.seq = sender_seqs[(issuer.id, series, doc.period)]
        doc.number = written_number(issuer, doc.doc_type, doc.seq)
    incoming = sorted((d for d in docs if d.recipient), key=lambda d: (d.received, d.id))
    for doc in incoming:
        assert doc.recipient is not None and doc.received is not None
        key = (doc.recipient.id, "in", "*", str(doc.received.year))
        doc.incoming_number = counters[key] = counters.get(key, 0) + 1
    return counters


def document_title(rng: random.Random, doc: Doc) -> str:
    day = doc.day
    topic = topic_for(rng, day.year)
    period = rng.choice(P.PERIOD_WORDS).format(m=day.month, q=(day.month - 1) // 3 + 1,
                                               y=day.year)
    pattern = rng.choice(P.TITLE_PATTERNS[doc.doc_type])
    return pattern.format(topic=topic, period=period, y=day.year)


def signer(unit: U, block_words_of: dict[int, dict[str, str]]) -> str:
    words = block_words_of.get(unit.block, {"c": "Tỉnh ủy"})
    return P.SIGNERS[unit.kind].format(**words)


def document_rows(rng: random.Random, province: Province, docs: list[Doc]) -> Iterator[dict]:
    words = {i: block_words(b.block) for i, b in enumerate(province.blocks)}
    places = {i: b.block.name if b.block.level != "khối" else "Đà Lạt"
              for i, b in enumerate(province.blocks)}
    places.update({-1: "Đà Lạt", -2: "Hà Nội"})
    for doc in docs:
        title = document_title(rng, doc)
        incoming = doc.recipient is not None
        yield {
            "id": doc.id, "number": doc.number, "seq": doc.seq, "doc_type": doc.doc_type,
            "issuer_id": doc.issuer.id, "period": doc.period, "date": doc.day,
            "place": places[doc.issuer.block], "title": title, "title_search": folded(title),
            "urgency": pick_urgency(rng), "signer": signer(doc.issuer, words),
            "direction": "incoming" if incoming else "outgoing",
            "recipient_id": doc.recipient.id if doc.recipient else None,
            "incoming_number": doc.incoming_number,
            "incoming_year": doc.received.year if doc.received else None,
            "received_on": doc.received, "attachment_sha256": None, "attachment_name": None,
            "signature": None, "signing_key_id": None, "signed_at": None,
            "status": "issued", "withdrawn_reason": "", "withdrawn_at": None,
            "recipients_text": "", "archive_to": "", "copies": None, "notes": "",
            "handled_by": "", "passed_on": None,
            "created_at": at(doc.received or doc.day, rng.randint(7, 16), rng.randrange(60)),
        }


def counter_rows(counters: dict[tuple[int, str, str, str], int], first_id: int) -> Iterator[dict]:
    for i, ((unit_id, book, series, period), value) in enumerate(sorted(counters.items())):
        yield {"id": first_id + i, "unit_id": unit_id, "book": book, "series": series,
               "period": period, "value": value}


# --- deliveries -------------------------------------------------------------------------

BROADCASTERS = {"HU", "VPHU", "UBND", "VPUB", "TU", "VPTU", "UBNDT", "VPUBT"}


def plan_recipients(rng: random.Random, province: Province, docs: list[Doc], target: int) -> None:
    """A few recipients for every document, then whole groups (all grassroots organisations
    of a district, every district committee) for enough documents to reach the target."""
    bodies = {i: list(b.bodies.values()) for i, b in enumerate(province.blocks)}
    top = province.province_bodies()
    committees = [b.bodies[k] for b in province.blocks for k in ("HU", "VPHU")]
    board_kinds = [[b.bodies[k] for b in province.blocks if k in b.bodies]
                   for k in ("BTCHU", "BTGHU", "BDVHU", "UBKTHU")]
    total = 0
    for doc in docs:
        doc.to = few_recipients(rng, province, doc, bodies, top, committees)
        total += len(doc.to)
    candidates = [d for d in docs if d.recipient is not None or d.issuer.base in BROADCASTERS]
    rng.shuffle(candidates)
    for doc in candidates:
        if total >= target:
            break
        holder = doc.recipient or doc.issuer
        if holder.block >= 0:
            group = province.blocks[holder.block].grassroots
        else:
            group = committees + rng.choice(board_kinds)
        doc.broadcast = group
        already = set(doc.to)
        total += sum(1 for u in group if u not in already and u is not doc.issuer)


def few_recipients(rng: random.Random, province: Province, doc: Doc, bodies: dict[int, list[U]],
                   top: list[U], committees: list[U]) -> list[U]:
    holder = doc.recipient or doc.issuer
    if holder.kind == "grassroots":
        block = province.blocks[holder.block]
        chosen = [block.bodies["HU"]] + rng.sample(list(block.bodies.values()), rng.randint(0, 1))
    elif holder.block >= 0:
        chosen = rng.sample(bodies[holder.block], min(len(bodies[holder.block]),
                                                      rng.randint(1, 5)))
        if doc.doc_type in ("BC", "TTr") and doc.recipient is None:
            chosen.append(province.by_code["TU"])
    else:
        chosen = rng.sample(top + committees, rng.randint(1, 4))
    seen: set[int] = set()
    return [u for u in chosen if u is not holder and u is not doc.issuer
            and not (u.id in seen or seen.add(u.id))]  # type: ignore[func-returns-value]


@dataclass
class DeliveryIds:
    next_id: int


def delivery_rows(rng: random.Random, province: Province, docs: list[Doc],
                  ids: DeliveryIds) -> Iterator[dict]:
    end = at(END, 18)
    for doc in docs:
        sent = at(doc.received or doc.day, rng.randint(8, 16), rng.randrange(60))
        purpose = "act" if rng.random() < 0.6 else "inform"
        due = doc.day + timedelta(days=rng.randint(7, 30)) if purpose == "act" else None
        seen = {doc.issuer.id}
        for unit in doc.to:
            seen.add(unit.id)
            own = ("report" if doc.doc_type in ("BC", "TTr") and unit.base in ("HU", "TU")
                   else pick_purpose(rng))
            own_due = (doc.day + timedelta(days=rng.randint(7, 30))
                       if own in ("act", "report") else
                       doc.day + timedelta(days=20) if own == "coordinate" else None)
            row = delivery(rng, ids, doc, unit, own, own_due, sent, end)
            yield row
            yield from forwards(rng, province, ids, doc, unit, row, seen, end)
        for unit in doc.broadcast or ():
            if unit.id not in seen:
                seen.add(unit.id)
                yield delivery(rng, ids, doc, unit, purpose, due, sent, end)


def delivery(rng: random.Random, ids: DeliveryIds, doc: Doc, unit: U, purpose: str,
             due: date | None, sent: datetime, end: datetime,
             forwarded_from: int | None = None) -> dict:
    status = delivery_status(rng, unit, purpose, (END - doc.day).days)
    lag = rng.uniform(2, 10) if unit.slow else rng.uniform(0.05, 3)
    received = sent + timedelta(days=lag) if status != "sent" else None
    done = None
    if status == "done":
        span = ((due - doc.day).days if due else 10) * (rng.uniform(0.6, 1.8) if unit.slow
                                                        else rng.uniform(0.2, 1.1))
        done = received + timedelta(days=max(0.2, span))  # type: ignore[operator]
    if done is not None and done > end:
        status, done = "received", None
    if received is not None and received > end:
        status, received = "sent", None
    row_id = ids.next_id
    ids.next_id += 1
    return {"id": row_id, "document_id": doc.id, "unit_id": unit.id, "purpose": purpose,
            "due": due, "status": status, "sent_at": sent, "received_at": received,
            "done_at": done, "note": "Trả lại: không đúng đối tượng nhận" if status == "returned"
            else "", "forwarded_from_id": forwarded_from,
            "version": {"sent": 1, "received": 2}.get(status, 3)}


def delivery_status(rng: random.Random, unit: U, purpose: str, age_days: int) -> str:
    """Old deliveries are almost all done; recent ones and slow units' are often not."""
    roll = rng.random() * (0.6 if unit.slow else 1.0)
    if purpose == "inform":
        return "done" if roll < 0.25 else "sent" if roll > 0.97 or age_days < 3 else "received"
    if age_days > 60:
        return ("done" if roll < 0.93 else "received" if roll < 0.97 else
                "returned" if roll < 0.98 else "sent")
    if age_days > 14:
        return "done" if roll < 0.6 else "received" if roll < 0.85 else "sent"
    return "done" if roll < 0.15 else "received" if roll < 0.55 else "sent"


def forwards(rng: random.Random, province: Province, ids: DeliveryIds, doc: Doc, unit: U,
             parent: dict, seen: set[int], end: datetime) -> Iterator[dict]:
    """A district office passes a provincial document on to one or two of its boards."""
    if unit.base != "VPHU" or doc.issuer.block != -1 or parent["received_at"] is None:
        return
    if rng.random() > 0.3:
        return
    boards = [u for u in province.blocks[unit.block].bodies.values()
              if u.kind == "board" and u.id not in seen]
    for board in rng.sample(boards, min(len(boards), rng.randint(1, 2))):
        seen.add(board.id)
        sent = parent["received_at"] + timedelta(hours=rng.uniform(1, 30))
        if sent < end:
            yield delivery(rng, ids, doc, board, parent["purpose"], parent["due"], sent, end,
                           forwarded_from=parent["id"])


# --- people, trainings, website, data entry ---------------------------------------------

def account_rows(rng: random.Random, province: Province, first_id: int) -> Iterator[dict]:
    """One account per unit that works in BBT, and per district one admin limited to it
    (SPEC 7.5); none usable until an admin gives a password."""
    ids = iter(range(first_id, 10**9))
    for unit in province.units:
        if unit.block == -2:
            continue
        username, role, full_name = account_for(rng, province, unit)
        created = random_day(rng, date(2018, 1, 2), END)
        status = rng.choices(("active", "locked", "disabled"), (97, 2, 1))[0]
        yield account_row(next(ids), unit, username, role, full_name, status,
                          at(created, rng.randint(8, 16)))
    # Drawn from no random stream: the rest of the province stays what it was for a seed.
    for district in province.blocks:
        committee = district.bodies["HU"]
        office = district.bodies.get("VPHU", committee)
        suffix = district.block.suffix.lower()
        yield account_row(next(ids), office, f"quantri{'.' + suffix if suffix else ''}",
                          "admin", f"Quản trị {committee.name}", "active",
                          at(date(2022, 1, 4), 8)) | {"scope_unit_id": committee.id}


def account_row(account_id: int, unit: U, username: str, role: str, full_name: str,
                status: str, created: datetime) -> dict:
    return {"id": account_id, "username": username, "full_name": full_name,
            "unit_id": unit.id, "role": role, "scope_unit_id": None, "status": status,
            "password_hash": "!", "must_change_password": True,
            "failed_logins": 5 if status == "locked" else 0, "last_login_at": None,
            "created_at": created}


def account_for(rng: random.Random, province: Province, unit: U) -> tuple[str, str, str]:
    suffix = province.blocks[unit.block].block.suffix.lower() if unit.block >= 0 else "tinh"
    tail = f".{suffix}" if suffix else ""  # Bảo Lâm keeps the demo's usernames
    if unit.base in ("VPHU", "VPTU"):
        return f"vanthu{tail}", "operator", f"Văn thư {unit.name}"
    if unit.base == "BBT":
        return f"bientap{tail}", "editor", person(rng)
    if unit.base in ("HU", "TU"):
        return f"lanhdao{tail}", "viewer", person(rng)
    return f"vt.{unit.code.lower()}", "clerk", f"Văn thư {unit.name}"


def training_rows(rng: random.Random, province: Province, first_id: int
                  ) -> tuple[list[dict], list[dict]]:
    trainings, attendance = [], []
    for block in province.blocks:
        for year in range(START.year + 1, END.year + 1):
            for _ in range(rng.randint(1, 2)):
                last = END if year == END.year else date(year, 12, 31)
                day = random_day(rng, date(year, 1, 2), last)
                training_id = first_id + len(trainings)
                trainings.append({"id": training_id, "date": day,
                                  "topic": f"{rng.choice(P.TRAINING_TOPICS)} ({block.block.name})",
                                  "created_at": at(day, 17)})
                share = rng.uniform(0.6, 1.0)
                attendance += [{"training_id": training_id, "unit_id": u.id}
                               for u in block.grassroots if rng.random() < share]
    return trainings, attendance


def article_rows(rng: random.Random, province: Province, total: int, first_id: int
                 ) -> Iterator[dict]:
    days = sorted(random_day(rng) for _ in range(total))
    authors = {i: [person(rng) for _ in range(12)] for i in range(len(province.blocks))}
    for article_id, submitted in enumerate(days, start=first_id):
        index = rng.randrange(len(province.blocks))
        block = province.blocks[index]
        unit = article_source(rng, block)
        kind = rng.choices(("news", "feature", "slogan", "document"), (55, 15, 5, 25))[0]
        status, published = article_status(rng, submitted)
        photos = {"news": rng.randint(0, 8), "feature": rng.randint(2, 10),
                  "slogan": rng.randint(0, 1), "document": 0}[kind]
        yield {"id": article_id, "title": article_title(rng, kind, unit, submitted),
               "kind": kind, "unit_id": unit.id,
               "author": rng.choice(authors[index]) if kind in ("news", "feature") else "",
               "photos": photos, "status": status, "submitted": submitted,
               "published": published,
               "url": f"https://{block.slug()}.lamdong.dcs.vn/tin-bai/{article_id}"
               if published else "",
               "created_at": at(submitted, rng.randint(7, 20), rng.randrange(60))}


def article_source(rng: random.Random, block: BlockUnits) -> U:
    roll = rng.random()
    if roll < 0.3 and "BBT" in block.bodies:
        return block.bodies["BBT"]
    if roll < 0.45:
        return block.bodies["BTGHU"] if roll < 0.4 else block.bodies["VPHU"]
    return rng.choice(block.grassroots)


def article_status(rng: random.Random, submitted: date) -> tuple[str, date | None]:
    roll = rng.random()
    if (END - submitted).days < 10:  # still in the editors' hands
        return rng.choice(("submitted", "editing", "approved")), None
    if roll < 0.04:
        return "rejected", None
    if roll < 0.05:
        return rng.choice(("submitted", "editing", "approved")), None
    return "published", min(END, submitted + timedelta(days=rng.choice((0, 1, 1, 2, 3, 5))))


def article_title(rng: random.Random, kind: str, unit: U, day: date) -> str:
    topic = topic_for(rng, day.year)
    if kind == "slogan":
        return rng.choice(P.SLOGANS).format(n=day.year - 1930, y=day.year)
    if kind == "document":
        doc_type = rng.choice(("NQ", "KH", "CT", "HD", "KL"))
        return (f"{P.TYPE_NAMES[doc_type]} số {rng.randint(1, 400)}-{doc_type}/TU "
                f"về {topic}")
    pattern = rng.choice(P.NEWS_PATTERNS if kind == "news" else P.FEATURE_PATTERNS)
    return pattern.format(unit=unit.name, topic=topic, topic_cap=topic[:1].upper() + topic[1:])


def visit_rows(rng: random.Random, n_blocks: int) -> Iterator[dict]:
    month, months = START.replace(day=1), []
    while month <= END:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    for i, first in enumerate(months):
        growth = 300 + 700 * i / len(months)  # one district's site: ~1,000 a month lately
        season = 1.15 if first.month in (1, 2, 9) else 0.9 if first.month in (7, 8) else 1.0
        yield {"month": f"{first:%Y-%m}",
               "visitors": round(n_blocks * growth * season * rng.uniform(0.85, 1.15))}


def dataentry_rows(rng: random.Random, province: Province, first_id: int) -> Iterator[dict]:
    """Who entered which year into the general information system, and who is behind."""
    years = [str(y) for y in range(START.year + 1, END.year)]
    quarters = [f"{END.year}-Q{q}" for q in range(1, (END.month - 1) // 3 + 2)]
    next_id = first_id
    for block in province.blocks:
        for base, unit in block.bodies.items():
            if unit.kind in ("office", "board") and base != "BBT":
                subsystem, periods = P.SUBSYSTEMS["party"], years + quarters
            elif base == "VPUB":
                subsystem, periods = P.SUBSYSTEMS["government"], years + quarters
            else:
                continue
            for period in periods:
                yield dataentry_row(rng, next_id, unit, subsystem, period)
                next_id += 1
        for unit in block.grassroots:
            for period in years[-4:] + quarters[:1]:
                yield dataentry_row(rng, next_id, unit, P.SUBSYSTEMS["grassroots"], period)
                next_id += 1


def dataentry_row(rng: random.Random, row_id: int, unit: U, subsystem: str, period: str) -> dict:
    year = int(period[:4])
    quarter = int(period[-1]) if "Q" in period else 4
    period_end = date(year, quarter * 3, 28)
    age = (END - period_end).days
    roll = rng.random() * (0.5 if unit.slow else 1.0) + (0.0 if age > 400 else 0.35)
    status = "synced" if roll > 0.6 else "entered" if roll > 0.25 else "missing"
    entered = (min(END, period_end + timedelta(days=rng.randint(5, 120)))
               if status != "missing" else None)
    synced = (min(END, entered + timedelta(days=rng.randint(3, 30)))  # type: ignore[operator]
              if status == "synced" else None)
    return {"id": row_id, "unit_id": unit.id, "subsystem": subsystem, "period": period,
            "status": status, "entered_on": entered, "synced_on": synced}


# --- the audit trail --------------------------------------------------------------------

# What the offices' commands write most, in turn: a document issued, sent, acknowledged
# by a unit, an article published.
AUDIT_KINDS = (("document.issue", "document"), ("document.send", "document"),
               ("delivery.ack", "delivery"), ("article.publish", "article"))


def load_audit(loader: Loader, count: int, actor: str = ADMIN) -> int:
    """Append `count` valid entries to the chain, each hashed by domain.audit.entry_hash from
    the one before, times spread evenly over the ten years; the head follows them."""
    conn, head = loader.conn, table(AuditHead)
    with conn.begin():
        last_id, prev = conn.execute(select(head.c.last_id, head.c.hash)).one()
    first, end = at(START, 7), at(END, 17)
    step = (end - first) / max(count, 1)
    tail = {"id": last_id, "hash": prev}

    def rows() -> Iterator[dict]:
        prev = tail["hash"]
        for i in range(count):
            action, entity = AUDIT_KINDS[i % len(AUDIT_KINDS)]
            number = f"{i // len(AUDIT_KINDS) + 1}-CV/BBT"
            # An entry domain.audit.entry_hash can read, whose __dict__ is the loader's row.
            entry = SimpleNamespace(
                id=last_id + 1 + i, at=first + step * i, actor=actor, action=action,
                entity=entity, entity_key=number if entity != "delivery" else f"{number}@HU",
                detail=f'{{"title": "Công văn số {number} về công tác tuyên giáo"}}',
                prev_hash=prev)
            entry.hash = prev = audit.entry_hash(prev, entry)  # type: ignore[arg-type]
            yield vars(entry)
        tail.update(id=last_id + count, hash=prev)

    loaded = loader.load("audit_entry", AuditEntry, rows())
    with conn.begin():
        conn.execute(update(head).where(head.c.id == 1).values(last_id=tail["id"],
                                                              hash=tail["hash"]))
    return loaded


# --- loading ----------------------------------------------------------------------------

@dataclass
class Stage:
    name: str
    rows: int = 0
    wall: float = 0.0
    cpu: float = 0.0


class Loader:
    """Bulk inserts, one transaction per table, with the time each table took."""

    def __init__(self, engine: Engine, quiet: bool) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.quiet = quiet
        self.stages: list[Stage] = []
        self._converters: dict[str, list[tuple[str, Callable]]] = {}
        self.conn: Connection = engine.connect()
        if not self.pg:
            raw = self.conn.connection.driver_connection
            # A benchmark database is rebuilt, not recovered: no fsync per commit, and a
            # page cache big enough to keep the delivery indexes in memory while they grow.
            raw.execute("PRAGMA synchronous=OFF")  # type: ignore[union-attr]
            raw.execute("PRAGMA cache_size=-262144")  # type: ignore[union-attr]

    def load(self, name: str, model: type, rows: Iterable[dict]) -> int:
        """Insert rows into an empty-ish table. Its secondary indexes are dropped first and
        rebuilt from the models at the end (a sort instead of millions of random B-tree
        inserts: more than twice as fast); the drift check proves them identical."""
        target = table(model)
        with self.stage(name) as counted, self.conn.begin():
            if self.pg:  # the naive UTC times below are read as UTC
                self.conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
            for index in target.indexes:
                index.drop(self.conn)
            for batch in chunks(rows):
                self._write(target, batch)
                counted.rows += len(batch)
            for index in target.indexes:
                index.create(self.conn)
        return counted.rows

    def _write(self, target: Table, batch: list[dict]) -> None:
        if self.pg:
            self._copy(target, batch)
            return
        converters = self._sqlite_converters(target)
        for row in batch:
            for column, convert in converters:
                if row.get(column) is not None:
                    row[column] = convert(row[column])
        # The driver's executemany of plain tuples: SQLAlchemy's per-row parameter handling
        # cost more than SQLite's insert.
        columns = list(batch[0])
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        self.conn.exec_driver_sql(f'INSERT INTO "{target.name}" ({names}) VALUES ({marks})',
                                  list(map(values, batch)))

    def _sqlite_converters(self, target: Table) -> list[tuple[str, Callable]]:
        """No SQLAlchemy per-value type processing, which costs more than SQLite's own
        insert: dates and times are written here in exactly the text form the typed
        columns store (UTC, `YYYY-MM-DD HH:MM:SS.ffffff`)."""
        if target.name not in self._converters:
            self._converters[target.name] = [
                (c.name, sqlite_datetime if isinstance(stored(c), DateTime) else date.isoformat)
                for c in target.columns if isinstance(stored(c), DateTime | Date)]
        return self._converters[target.name]

    def _copy(self, target: Table, batch: list[dict]) -> None:
        columns = list(batch[0])
        names = ", ".join(f'"{c}"' for c in columns)
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                f'COPY "{target.name}" ({names}) FROM STDIN') as copy:
            for row in batch:
                copy.write_row([row[c] for c in columns])

    @contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        """Times a step: wall clock, and this process's CPU (the database server's work on
        PostgreSQL is not in it), so that a busy machine can be told from a slow step."""
        step = Stage(name)
        wall, cpu = time.perf_counter(), time.process_time()
        yield step
        step.wall, step.cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.stages.append(step)
        if not self.quiet:
            rate = f"{step.rows / step.wall:>10,.0f} rows/s" if step.rows else ""
            print(f"  {name:<18}{step.rows:>11,} rows {step.wall:8.2f} s wall "
                  f"{step.cpu:7.2f} s cpu {rate}", flush=True)

    def finish(self) -> None:
        with self.stage("analyze"):
            self._finish()
        self.conn.close()

    def _finish(self) -> None:
        with self.conn.begin():
            if self.pg:
                self._advance_sequences()
        # Planner statistics, as a database that has lived ten years would have them. On
        # PostgreSQL also the visibility map that autovacuum keeps in a live database: without
        # it every index-only scan fetches its heap pages (the late units took 190 ms, not 80).
        if self.pg:
            self.conn.commit()
            raw = self.conn.connection.driver_connection
            raw.autocommit = True  # type: ignore[union-attr]
            raw.execute("VACUUM ANALYZE")  # type: ignore[union-attr]
            raw.autocommit = False  # type: ignore[union-attr]
        else:
            raw = self.conn.connection.driver_connection
            raw.execute("ANALYZE")  # type: ignore[union-attr]
            raw.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]

    def _advance_sequences(self) -> None:
        """Ids were given here, so PostgreSQL's serial sequences must catch up."""
        for name in ("unit", "account", "training", "document", "delivery", "article",
                     "data_entry", "register_counter"):
            self.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM \"{name}\"), false)"))


def stored(column: Column) -> object:
    """The type a column is stored as (the implementation under SQLModel's decorators)."""
    return getattr(column.type, "impl", column.type)


def sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def next_id(conn: Connection, model: type) -> int:
    return (conn.execute(select(func.max(table(model).c.id))).scalar() or 0) + 1


def scaled(scale: float) -> dict[str, int]:
    return {key: max(1, round(value * scale)) for key, value in FULL_SCALE.items()}


def blocks_for(scale: float) -> int:
    return min(len(P.BLOCKS), max(1, round(len(P.BLOCKS) * scale)))


def generate(url: str, scale: float = 1.0, seed: int = 2022, admin: str = ADMIN,
             password: str = ADMIN_PASSWORD, quiet: bool = False,
             audit_entries: int | None = None) -> dict[str, int]:
    """Build the database at url (which must hold no data yet); returns the row counts.
    The audit trail has a million entries at scale 1.0 unless `audit_entries` says."""
    started, cpu = time.perf_counter(), time.process_time()
    rng = random.Random(seed)
    say = (lambda *_: None) if quiet else print
    engine = get_engine(url)
    with transaction(engine) as session:
        if session.scalar(select(func.count()).select_from(table(Account))):
            raise BBTError("The database already holds data; build into a new one "
                           "(or pass --force).")
        bootstrap.initialise(session, admin, password)
    say(f"  {'schema and admin':<18}{time.perf_counter() - started:>23.2f} s wall")
    loader = Loader(engine, quiet)
    counts = load_everything(loader, rng, scale)
    entries = scaled(scale)["audit"] if audit_entries is None else audit_entries
    counts["audit"] = load_audit(loader, entries, admin)
    loader.finish()
    with transaction(engine) as session:
        audit.record(session, SYSTEM, "bench.generate", "database", "province", scale=scale,
                     seed=seed, **counts)
    say(f"  {'total':<18}{time.perf_counter() - started:>23.2f} s wall "
        f"{time.process_time() - cpu:7.2f} s cpu")
    return counts


def load_everything(loader: Loader, rng: random.Random, scale: float) -> dict[str, int]:
    conn, target = loader.conn, scaled(scale)
    with conn.begin():
        bbt_row = conn.execute(select(table(Unit)).where(table(Unit).c.code == "BBT")).one()
        first = {m: next_id(conn, m) for m in (Unit, Account, Training, Document, Delivery,
                                              Article, DataEntry, RegisterCounter)}
    bbt = U(bbt_row.id, "BBT", bbt_row.name, bbt_row.kind, "BBT", 0)
    province = plan_units(rng, blocks_for(scale), first[Unit], bbt)
    counts = {"units": loader.load("unit", Unit, unit_rows(province, bbt)) + 1}
    with conn.begin():  # the admin's unit existed before: it joins Bảo Lâm's bodies
        conn.execute(update(table(Unit)).where(table(Unit).c.id == bbt.id)
                     .values(**{k: v for k, v in unit_row(province, bbt).items()
                                if k in ("name", "kind", "parent_id", "term_start")}))
    counts["accounts"] = loader.load("account", Account, account_rows(rng, province,
                                                                      first[Account])) + 1
    trainings, attendance = training_rows(rng, province, first[Training])
    counts["trainings"] = loader.load("training", Training, trainings)
    loader.load("training_unit", TrainingUnit, attendance)

    with loader.stage("(plan documents)") as step:
        docs = plan_documents(rng, province, target["documents"])
        counters = number_documents(docs, first[Document])
        plan_recipients(rng, province, docs, target["deliveries"])
        step.rows = len(docs)
    counts["documents"] = loader.load("document", Document, document_rows(rng, province, docs))
    counts["deliveries"] = loader.load("delivery", Delivery, delivery_rows(
        rng, province, docs, DeliveryIds(first[Delivery])))
    loader.load("register_counter", RegisterCounter, counter_rows(counters,
                                                                  first[RegisterCounter]))
    del docs
    counts["articles"] = loader.load("article", Article, article_rows(
        rng, province, target["articles"], first[Article]))
    counts["visits"] = loader.load("visit", Visit, visit_rows(rng, len(province.blocks)))
    loader.load("setting", Setting, [{"key": "visits.opening_balance",
                                      "value": str(25_000 * len(province.blocks))}])
    counts["dataentry"] = loader.load("data_entry", DataEntry, dataentry_rows(
        rng, province, first[DataEntry]))
    return counts


# --- command line -----------------------------------------------------------------------

def clear(url: str) -> None:
    """--force: an SQLite file is deleted; a PostgreSQL database loses BBT's tables."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[-1])
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            file.unlink(missing_ok=True)
        return
    from sqlmodel import SQLModel

    engine = make_engine(url)
    with engine.begin() as conn:
        SQLModel.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database URL (default: bench/out/province-SCALE.db)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 200,000 documents, 2,000,000 deliveries, 300,000 articles")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--admin", default=ADMIN)
    parser.add_argument("--admin-password", default=ADMIN_PASSWORD)
    parser.add_argument("--force", action="store_true",
                        help="replace an existing database (SQLite file or BBT's PostgreSQL tables)")
    parser.add_argument("--audit-entries", type=int, default=None, metavar="N",
                        help="audit entries to write (default: 1,000,000 x the scale)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.audit_entries is not None and args.audit_entries < 0:
        parser.error("--audit-entries must not be negative")
    url = args.db or sqlite_url(OUT / f"province-{args.scale:g}.db")
    if args.force:
        clear(url)
    try:
        counts = generate(url, args.scale, args.seed, args.admin, args.admin_password,
                          args.quiet, args.audit_entries)
    except BBTError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        dispose_all()
    if not args.quiet:
        print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
