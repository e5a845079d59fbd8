"""Imports of registers and publication records: documents, deliveries, articles, visits
and data entry. Years of Excel registers arrive this way, so these are bulk operations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam as param
from sqlalchemy import func, select, update

from domain import (
    articles,
    dataentry,
    documents,
    numbering,
    registers,
    subsystems,
    units,
    vocab,
)
from domain import settings as settings_
from domain.errors import BBTError
from domain.i18n import N_, _
from domain.imports_base import (
    Cells,
    Column,
    Handler,
    KeyIndex,
    Plan,
    Planned,
    Progress,
    bulk_insert,
    bulk_update,
    choice,
)
from domain.imports_people import UNIT, UNIT_COLUMN, no_unit, unit_codes
from domain.limits import TEXT_LIMITS
from domain.text import fold, today
from models import (
    DELIVERY_STATUSES,
    Article,
    ArticleEvent,
    DataEntry,
    Delivery,
    Document,
    Unit,
    Visit,
    utcnow,
)

DOCUMENT = Document.__table__  # type: ignore[attr-defined]
DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
ARTICLE = Article.__table__  # type: ignore[attr-defined]
ARTICLE_EVENT = ArticleEvent.__table__  # type: ignore[attr-defined]
VISIT = Visit.__table__  # type: ignore[attr-defined]
DATA_ENTRY = DataEntry.__table__  # type: ignore[attr-defined]

# Exports read a page at a time: documents by key (`documents.pages`) in pages of PAGE,
# with their deliveries; articles through one cursor, ARTICLE_PAGE rows a fetch.
PAGE = 500
ARTICLE_PAGE = 2_000

# Enumerations as clerks write them in Vietnamese sheets (folded: no accents, lower case).
DIRECTION_WORDS = {"di": "outgoing", "van ban di": "outgoing", "den": "incoming",
                   "van ban den": "incoming"}
URGENCY_WORDS = {"thuong": "normal", "binh thuong": "normal", "khan": "urgent",
                 "thuong khan": "very_urgent", "hoa toc": "flash"}
PURPOSE_WORDS = {"b/c": "report", "bao cao": "report", "de bao cao": "report",
                 "thuc hien": "act", "de thuc hien": "act", "biet": "inform",
                 "de biet": "inform", "phoi hop": "coordinate"}
ARTICLE_KIND_WORDS = {"tin": "news", "bai": "feature", "khau hieu": "slogan",
                      "van ban": "document"}


def check_delivery_status(value: str) -> str:
    value = vocab.code("delivery_status", value)
    if value not in DELIVERY_STATUSES:
        raise BBTError(_("Delivery status '{value}' is unknown; use one of {choices}.").format(
            value=value, choices=", ".join(DELIVERY_STATUSES)))
    return value


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# ------------------------------------------------------------------ documents


class Documents(Handler):
    """Registers of outgoing and incoming documents. A document is its number, issuer and
    numbering period; imported numbers are claimed in the register counters so that the
    next `doc issue` continues after them without a gap or a duplicate."""

    kind = "documents"
    permission = "documents.write"
    key_names = N_("number in the same register")
    columns = (
        Column("number", ("Số ký hiệu", "Số"), required=True),
        Column("type", ("Loại văn bản",)),
        Column("issuer", ("Cơ quan ban hành",)),
        Column("date", ("Ngày",), required=True, text=False),
        Column("title", ("Tiêu đề", "Trích yếu"), required=True),
        Column("direction", ("Chiều",)),
        Column("urgency", ("Độ khẩn",)),
        # The incoming register (số đến); without them the importer's unit receives.
        Column("received_by", ("Đơn vị nhận",)),
        Column("received_on", ("Ngày đến", "Ngày nhận"), text=False),
        Column("incoming_number", ("Số đến",), text=False),
    )
    INCOMING_ONLY = ("received_by", "received_on", "incoming_number")

    def load(self) -> None:
        self.units = {u.code: u for u in units.listing(self.session)}
        self.place = settings_.get(self.session, "place")
        d = DOCUMENT.c
        query = select(d.id, d.number, d.issuer_id, d.period, d.date, d.title, d.direction,
                       d.urgency, d.recipient_id, d.received_on, d.incoming_number,
                       d.incoming_year)
        self.by_key: dict[tuple[Any, ...], Any] = {}
        self.by_date: dict[tuple[Any, ...], Any] = {}
        self.incoming_taken: dict[tuple[int, int, int], int] = {}
        for r in self.session.execute(query):
            self.by_key[(r.issuer_id, r.number, r.period)] = r
            # Matches a record whose period was written another way by an older version.
            self.by_date.setdefault((r.issuer_id, r.number, r.date), r)
            if r.incoming_number is not None:
                self.incoming_taken[(r.recipient_id, r.incoming_year, r.incoming_number)] = r.id
        self.cache: dict[str, Any] = {}
        # Across the file's chunks: incoming numbers the file names, and incoming documents
        # without one (they take the next numbers once every named one is claimed).
        self.claimed: dict[tuple[int, int, int], int] = {}
        self.unnumbered: list[Planned] | None = []  # None once the last chunk is written
        # Register places the file's new documents take (see _places), 12 bytes each.
        self.places = KeyIndex()
        self.party_ids = {u.id for u in self.units.values() if numbering.is_party(u)}

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        parsed = cells.check("number", numbering.parse, required=True)
        type_ = cells.check("type", numbering.doc_type)
        issuer_code = (cells.text("issuer", limit=40) or "").upper()
        day = cells.date("date", required=True)
        title = cells.text("title", required=True)
        direction = cells.check("direction", choice(DIRECTION_WORDS, documents.check_direction),
                                cache=self.cache) or "outgoing"
        urgency = cells.check("urgency", choice(URGENCY_WORDS, documents.check_urgency),
                              cache=self.cache) or "normal"
        unit = self._issuer(cells, parsed, type_, issuer_code)
        values: dict[str, Any] = {"date": day, "title": title, "direction": direction,
                                  "urgency": urgency}
        if unit is None or parsed is None or day is None:
            return None, values
        party = numbering.is_party(unit) if direction == "outgoing" else parsed.party
        values.update(
            number=numbering.format_number(parsed.seq, parsed.doc_type, unit.code, party),
            seq=parsed.seq, doc_type=parsed.doc_type, issuer_id=unit.id, party=party,
            period=numbering.period_for(unit, day))
        self._incoming(cells, values)
        return (unit.id, values["number"], values["period"]), values

    def _issuer(self, cells: Cells, parsed: Any, type_: str | None, issuer: str) -> Unit | None:
        if parsed is None:
            return None
        if type_ and type_ != parsed.doc_type:
            cells.fail("type", _("The type {type} does not match the number {number}.").format(
                type=type_, number=parsed))
        if issuer and issuer != parsed.issuer:
            cells.fail("issuer", _("The number {number} names issuer {named}, not {sender}.")
                       .format(number=parsed, named=parsed.issuer, sender=issuer))
        unit = self.units.get(parsed.issuer)
        if unit is None:
            cells.fail("issuer" if issuer else "number", no_unit(parsed.issuer))
        return unit

    def _incoming(self, cells: Cells, values: dict[str, Any]) -> None:
        if values["direction"] == "outgoing":
            given = [c for c in self.INCOMING_ONLY if cells.given(c)]
            if given:
                cells.fail(given[0], _("Only an incoming document has a receiving unit, a "
                                       "received date or an incoming number."))
            return
        code = (cells.text("received_by", limit=40) or self.actor.unit_code).upper()
        recipient = self.units.get(code) if code else None
        if recipient is None:
            cells.fail("received_by", no_unit(code) if code else
                       _("Name the receiving unit in the column received_by."))
        received = cells.date("received_on") or values["date"]
        if received < values["date"]:
            cells.fail("received_on", _("A document cannot be received before its date."))
        values.update(recipient_id=recipient.id if recipient else None, received_on=received,
                      incoming_year=received.year,
                      incoming_number=cells.integer("incoming_number", minimum=1))

    def resolve(self, planned: list[Planned]) -> None:
        self._places(planned)
        claimed = self.claimed
        for p in planned:
            v = p.values
            current = self.existing(p)
            if current is not None and current.direction != v["direction"]:
                p.errors.append("direction: " + _("{number} is registered as {direction}; the "
                                "direction cannot change.").format(
                                    number=v["number"], direction=current.direction))
                continue
            if v["direction"] != "incoming":
                continue
            if current is not None:
                self._keep_register(v, current)
            if v["incoming_number"] is None:
                continue
            slot = (v["recipient_id"], v["incoming_year"], v["incoming_number"])
            holder = self.incoming_taken.get(slot)
            if (holder is not None and (current is None or holder != current.id)) or \
                    slot in claimed:
                p.errors.append("incoming_number: " + _(
                    "Incoming number {no} of {year} is already taken.").format(
                        no=v["incoming_number"], year=v["incoming_year"]))
            claimed.setdefault(slot, p.row)
        registers.refuse_closed(self.session, planned, self.existing)  # khóa sổ

    def _places(self, planned: list[Planned]) -> None:
        """A new document may not take a place in its issuer's register that another number
        holds, stored or earlier in the file: a state body numbers every type in one
        sequence (NĐ 30/2020), so 45/TB-UBND beside 45/QĐ-UBND is refused, as `doc issue`
        and `doc receive` refuse it. One query per chunk, for the chunk's places."""
        fresh = [p for p in planned if not p.errors and self.existing(p) is None]
        if not fresh:
            return
        d = DOCUMENT.c
        stored: dict[tuple[Any, ...], str] = {}
        query = select(d.issuer_id, d.period, d.seq, d.doc_type, d.number).where(
            d.issuer_id.in_({p.values["issuer_id"] for p in fresh}),
            d.period.in_({p.values["period"] for p in fresh}),
            d.seq.in_({p.values["seq"] for p in fresh}))
        for r in self.session.execute(query):
            stored.setdefault(self._place(r.issuer_id, r.period, r.seq, r.doc_type), r.number)
        for p in fresh:
            v = p.values
            place = self._place(v["issuer_id"], v["period"], v["seq"], v["doc_type"])
            holder = stored.get(place)
            if holder is not None and holder != v["number"]:
                p.errors.append("number: " + documents.place_taken(v["number"], holder))
            elif (first := self.places.setdefault(place, p.row)) != p.row:
                p.errors.append("number: " + _(
                    "The place of {number} in its register is already taken by row {row}: a "
                    "state body numbers every type of document in one sequence (Nghị định "
                    "30/2020).").format(number=v["number"], row=first))

    def _place(self, issuer_id: int, period: str, seq: int, doc_type: str) -> tuple[Any, ...]:
        return issuer_id, period, seq, doc_type if issuer_id in self.party_ids else "*"

    def _keep_register(self, v: dict[str, Any], current: Any) -> None:
        """A stored incoming document keeps what the file does not say about its register
        entry (the columns it lacks or leaves empty)."""
        if "received_by" not in self.present:
            v["recipient_id"] = current.recipient_id
        if "received_on" not in self.present:
            v["received_on"], v["incoming_year"] = current.received_on, current.incoming_year
        if v["incoming_number"] is None:
            v["incoming_number"] = current.incoming_number

    def existing(self, planned: Planned) -> Any:
        v = planned.values
        return (self.by_key.get(planned.key)
                or self.by_date.get((v["issuer_id"], v["number"], v["date"])))

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        pairs = {"date": (v["date"], current.date), "title": (v["title"], current.title),
                 "urgency": (v["urgency"], current.urgency)}
        if v["direction"] == "incoming":
            pairs.update(received_by=(v["recipient_id"], current.recipient_id),
                         received_on=(v["received_on"], current.received_on),
                         incoming_number=(v["incoming_number"], current.incoming_number))
        return self.changed_in(pairs)

    def write(self, plan: Plan, progress: Progress | None) -> None:
        if self.unnumbered is not None:  # not the last chunk yet: they wait
            self.unnumbered += [p for p in plan.inserts if _unnumbered(p)]
            plan.inserts = [p for p in plan.inserts if not _unnumbered(p)]
        self._claim_numbers(plan)
        now = utcnow()
        rows = [self._row(p, now) for p in plan.inserts]
        bulk_insert(self.session, DOCUMENT, rows, progress)
        updated = [{"id": p.current.id, "date": p.values["date"], "title": p.values["title"],
                    "title_search": fold(p.values["title"]), "urgency": p.values["urgency"]}
                   for p in plan.updates]
        bulk_update(self.session, DOCUMENT, updated)
        incoming = [{"id": p.current.id, "recipient_id": p.values["recipient_id"],
                     "received_on": p.values["received_on"],
                     "incoming_year": p.values["incoming_year"],
                     "incoming_number": p.values["incoming_number"]}
                    for p in plan.updates if p.values["direction"] == "incoming"]
        bulk_update(self.session, DOCUMENT, incoming)

    def finish(self) -> Plan | None:
        waiting, self.unnumbered = self.unnumbered, None
        return Plan(inserts=waiting) if waiting else None

    def _claim_numbers(self, plan: Plan) -> None:
        """Raise each register counter to the highest number imported into it; incoming
        documents without a number then take the next ones of their year, gaplessly."""
        highest: dict[tuple[int, str, str, str], int] = defaultdict(int)
        for p in plan.inserts + plan.updates:
            v = p.values
            if v["direction"] == "outgoing" and p.current is None:
                series = v["doc_type"] if v["party"] else "*"
                key = (v["issuer_id"], "out", series, v["period"])
                highest[key] = max(highest[key], v["seq"])
            elif v["direction"] == "incoming" and v["incoming_number"] is not None:
                key = (v["recipient_id"], "in", "*", str(v["incoming_year"]))
                highest[key] = max(highest[key], v["incoming_number"])
        for (unit_id, book, series, period), value in highest.items():
            numbering.claim_value(self.session, unit_id, book, series, period, value)
        for p in plan.inserts:
            v = p.values
            if v["direction"] == "incoming" and v["incoming_number"] is None:
                v["incoming_number"] = numbering.next_value(
                    self.session, v["recipient_id"], "in", "*", str(v["incoming_year"]))

    def _row(self, p: Planned, now: Any) -> dict[str, Any]:
        v = p.values
        incoming = v["direction"] == "incoming"
        return {"number": v["number"], "seq": v["seq"], "doc_type": v["doc_type"],
                "issuer_id": v["issuer_id"], "period": v["period"], "date": v["date"],
                "place": "" if incoming else self.place, "title": v["title"],
                "title_search": fold(v["title"]), "urgency": v["urgency"], "signer": "",
                "direction": v["direction"],
                "recipient_id": v["recipient_id"] if incoming else None,
                "incoming_number": v["incoming_number"] if incoming else None,
                "incoming_year": v["incoming_year"] if incoming else None,
                "received_on": v["received_on"] if incoming else None, "created_at": now,
                "status": "issued", "withdrawn_reason": ""}

    def export(self) -> Iterator[dict[str, Any]]:
        codes = units.by_id(self.session)
        for docs in documents.pages(self.session, self.actor, oldest_first=True, size=PAGE):
            for d in docs:
                yield {"number": d.number, "type": d.doc_type,
                       "issuer": codes[d.issuer_id].code, "date": iso(d.date), "title": d.title,
                       "direction": d.direction, "urgency": d.urgency,
                       "received_by": codes[d.recipient_id].code if d.recipient_id else None,
                       "received_on": iso(d.received_on), "incoming_number": d.incoming_number}


def _unnumbered(p: Planned) -> bool:
    return p.values["direction"] == "incoming" and p.values["incoming_number"] is None


# ------------------------------------------------------------------ deliveries


class Deliveries(Handler):
    """Who a document went to. The number names the newest document with that number, as
    `doc send` does."""

    kind = "deliveries"
    permission = "documents.write"
    columns = (
        Column("number", ("Số ký hiệu", "Số"), required=True),
        UNIT_COLUMN,
        Column("purpose", ("Mục đích",)),
        Column("due", ("Hạn xử lý",), text=False),
        Column("status", ("Trạng thái",)),
    )

    def load(self) -> None:
        self.unit_ids = unit_codes(self.session)
        self.unit_of = {id_: code for code, id_ in self.unit_ids.items()}
        self.numbers: dict[str, str | BBTError] = {}
        for raw in self.column("number"):
            raw = raw.strip() if isinstance(raw, str) else raw
            if isinstance(raw, str) and raw not in self.numbers:
                try:
                    self.numbers[raw] = str(numbering.parse(raw))
                except BBTError as exc:
                    self.numbers[raw] = exc
        wanted = sorted({n for n in self.numbers.values() if isinstance(n, str)})
        self.docs: dict[str, Any] = {}
        d = DOCUMENT.c
        for start in range(0, len(wanted), 500):
            query = (select(d.id, d.number, d.date, d.issuer_id)
                     .where(d.number.in_(wanted[start:start + 500]))
                     .order_by(d.date.desc(), d.id.desc()))
            for r in self.session.execute(query):
                self.docs.setdefault(r.number, r)
        e = DELIVERY.c
        self.stored: dict[tuple[int, int], Any] = {}
        ids = [r.id for r in self.docs.values()]
        for start in range(0, len(ids), 500):
            query = select(e.id, e.document_id, e.unit_id, e.purpose, e.due, e.status,
                           e.version, e.received_at, e.done_at).where(
                               e.document_id.in_(ids[start:start + 500]))
            for r in self.session.execute(query):
                self.stored[(r.document_id, r.unit_id)] = r
        self.cache: dict[str, Any] = {}

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        doc = self._document(cells)
        code = (cells.text("unit", required=True) or "").upper()
        unit_id = self.unit_ids.get(code)
        if code and unit_id is None:
            cells.fail("unit", no_unit(code))
        purpose = cells.check("purpose", choice(PURPOSE_WORDS, documents.check_purpose),
                              cache=self.cache) or "inform"
        status = cells.check("status", choice({}, check_delivery_status),
                             cache=self.cache) or "sent"
        due = cells.date("due")
        if doc is not None:
            if unit_id == doc.issuer_id:
                cells.fail("unit", _("{number} is issued by {unit}; it is not sent to its own "
                                     "issuer.").format(number=doc.number, unit=code))
            if due and due < doc.date:
                cells.fail("due", _("The due date is before the document's date."))
        values = {"document_id": doc.id if doc else None, "unit_id": unit_id,
                  "purpose": purpose, "due": due, "status": status,
                  "number": doc.number if doc else None, "unit": code}
        return (values["document_id"], unit_id), values

    def _document(self, cells: Cells) -> Any:
        raw = cells.text("number", required=True)
        if raw is None:
            return None
        number = self.numbers.get(raw)
        if number is None:  # a number typed as a spreadsheet number, not text
            try:
                number = str(numbering.parse(raw))
            except BBTError as exc:
                number = exc
        if isinstance(number, BBTError):
            cells.fail("number", str(number))
            return None
        doc = self.docs.get(number)
        if doc is None:
            cells.fail("number", _("There is no document {number}.").format(number=number))
        return doc

    def duplicate(self, planned: Planned, first_row: int) -> str:
        return "unit: " + _("row {row} already sends {number} to {unit}.").format(
            row=first_row, number=planned.values["number"], unit=planned.values["unit"])

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.key)

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        return self.changed_in({"purpose": (v["purpose"], current.purpose),
                                "due": (v["due"], current.due),
                                "status": (v["status"], current.status)})

    def write(self, plan: Plan, progress: Progress | None) -> None:
        now = utcnow()
        bulk_insert(self.session, DELIVERY, [
            {"document_id": p.values["document_id"], "unit_id": p.values["unit_id"],
             "purpose": p.values["purpose"], "due": p.values["due"],
             "status": p.values["status"], "sent_at": now, "note": "", "version": 1,
             **self._times(p.values["status"], None, now)} for p in plan.inserts], progress)
        names = [n for n in ("purpose", "due", "status") if n in self.present]
        bulk_update(self.session, DELIVERY, [
            {"id": p.current.id, "version": p.current.version + 1,
             **{n: p.values[n] for n in names},
             **self._times(p.values["status"] if "status" in self.present
                           else p.current.status, p.current, now)}
            for p in plan.updates])

    @staticmethod
    def _times(status: str, current: Any, now: Any) -> dict[str, Any]:
        received = current.received_at if current is not None else None
        done = current.done_at if current is not None else None
        if status == "sent":
            return {"received_at": None, "done_at": None}
        if status == "received":
            return {"received_at": received or now, "done_at": None}
        if status == "done":
            return {"received_at": received or now, "done_at": done or now}
        return {"received_at": received, "done_at": done}

    def export(self) -> Iterator[dict[str, Any]]:
        """Document by document in register order, each one's deliveries by unit code."""
        for docs in documents.pages(self.session, self.actor, oldest_first=True, size=PAGE):
            grouped = documents.deliveries_of(self.session, self.actor, docs)
            for doc in docs:
                for d, code in grouped.get(doc.id or 0, []):
                    yield {"number": doc.number, "unit": code, "purpose": d.purpose,
                           "due": iso(d.due), "status": d.status}


# ------------------------------------------------------------------ articles


# What an article import compares, and the columns it reads of a stored article.
COMPARED = ("kind", "author", "photos", "status", "published", "url")
STORED = ("id", "title", "unit_id", "submitted", *COMPARED)


class Articles(Handler):
    """Articles from years of Excel logs: 100,000 rows must load in seconds, so each row
    costs a few dictionary look-ups (cached answers for repeated kinds, statuses, dates)."""

    kind = "articles"
    permission = "articles.write"
    key_names = N_("title, unit and submitted date")
    columns = (
        Column("title", ("Tiêu đề", "Trích yếu"), required=True),
        Column("kind", ("Thể loại",), required=True),
        UNIT_COLUMN,
        Column("author", ("Tác giả",)),
        Column("photos", ("Số ảnh",), text=False),
        Column("status", ("Trạng thái",)),
        Column("submitted", ("Ngày gửi",), required=True, text=False),
        Column("published", ("Ngày đăng",), text=False),
        Column("url", ("Đường dẫn",)),
    )

    def load(self) -> None:
        self.unit_ids = unit_codes(self.session)
        self.stored: dict[tuple[Any, ...], Any] = {}  # the chunk's stored articles (lookup)
        compared = [n for n in COMPARED if n in self.present]
        self.file_values = itemgetter(*compared) if compared else lambda _v: ()
        self.stored_values = itemgetter(*(STORED.index(n) for n in compared)) if compared \
            else lambda _r: ()
        self.kinds: dict[str, Any] = {}
        self.statuses: dict[str, Any] = {}
        self.dates: dict[Any, Any] = {}
        self.photo_values: dict[Any, int] = {}
        self.kind_check = choice(ARTICLE_KIND_WORDS, articles.check_kind)
        self.status_check = choice({}, articles.check_status)

    def fast(self) -> Any:
        """The common row, answered from the caches that `check` fills: clean text, values
        seen before. Anything unusual returns None and takes the full check."""
        names = [c.name for c in self.columns]
        if not all(n in self.mapping for n in names):
            return None
        pick = itemgetter(*(self.mapping[n] for n in names))
        kinds, statuses, dates, photo_values = self.kinds, self.statuses, self.dates, \
            self.photo_values
        unit_ids = self.unit_ids
        prefixes = ("http://", "https://")

        def fast(raw: list[Any]) -> tuple[Hashable, dict[str, Any]] | None:
            try:
                title, kind, unit, author, photos, status, submitted, published, url = pick(raw)
                author, url = author or "", url or ""
                # str.strip returns the very same object when there is nothing to trim.
                if (not title or title.strip() is not title or title[0] == "'"
                        or len(title) > TEXT_LIMITS["title"] or author.strip() is not author
                        or author[:1] == "'" or len(author) > 255 or url.strip() is not url
                        or url[:1] == "'" or len(url) > TEXT_LIMITS["url"]):
                    return None
                kind, unit_id = kinds[kind], unit_ids[unit]
                status = statuses[status] if status else "submitted"
                submitted = dates[submitted]
                published = dates[published] if published else None
                photos = photo_values[photos] if photos not in (None, "") else 0
            except (KeyError, TypeError, AttributeError, IndexError, ValueError):
                return None
            if (type(kind) is not str or type(status) is not str
                    or (status == "published") != (published is not None)
                    or (published is not None and published < submitted)
                    or (url and not url.startswith(prefixes))):
                return None
            return (title, unit_id, submitted), {
                "title": title, "kind": kind, "unit_id": unit_id, "author": author,
                "photos": photos, "status": status, "submitted": submitted,
                "published": published, "url": url}

        return fast

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        title = cells.text("title", required=True)
        code = cells.text("unit", required=True)
        unit_id = self.unit_ids.get(code) or self.unit_ids.get(code.upper()) if code else None
        if code and unit_id is None:
            cells.fail("unit", no_unit(code))
        status = cells.check("status", self.status_check, cache=self.statuses) or "submitted"
        submitted = cells.date("submitted", required=True, cache=self.dates)
        published = cells.date("published", cache=self.dates)
        url = cells.text("url") or ""
        values = {
            "title": title, "kind": cells.check("kind", self.kind_check, True, self.kinds),
            "unit_id": unit_id, "author": cells.text("author", limit=255) or "",
            "photos": self._photos(cells), "status": status, "submitted": submitted,
            "published": published, "url": url,
        }
        self._consistent(cells, values)
        return (title, unit_id, submitted), values

    def _photos(self, cells: Cells) -> int:
        photos = cells.integer("photos", minimum=None)
        if photos is None:
            return 0
        try:
            photos = articles.check_photos(photos)
        except BBTError as exc:
            cells.fail("photos", str(exc))
            return 0
        raw = cells.values.get("photos")
        if isinstance(raw, str | int) and not isinstance(raw, bool):
            self.photo_values[raw] = photos
        return photos

    @staticmethod
    def _consistent(cells: Cells, v: dict[str, Any]) -> None:
        if v["status"] == "published" and v["published"] is None:
            cells.fail("published", _("A published article needs its publication date."))
        elif v["published"] is not None and v["status"] != "published":
            cells.fail("published", _("Only a published article has a publication date."))
        elif v["published"] and v["submitted"] and v["published"] < v["submitted"]:
            cells.fail("published", _("An article cannot be published before it was "
                                      "submitted."))
        if v["url"] and not v["url"].lower().startswith(("http://", "https://")):
            cells.fail("url", _("The URL '{url}' must start with http:// or https://.").format(
                url=v["url"]))

    def lookup(self, chunk: list[Planned]) -> None:
        """The stored articles with the chunk's natural keys, sought through the index on
        (unit, submitted) a few hundred days at a time. The titles are matched in the query
        too: without them every article of the chunk's days came back, those the import
        had just written included, and psycopg holds a whole result in memory, so the peak
        grew with the file (173 MB for 40 MB of articles on 12 days). Now memory holds one
        chunk's worth, however many articles the database has."""
        keys = {p.key for p in chunk}
        unit_ids = sorted({unit_id for _title, unit_id, _day in keys})
        days = sorted({day for _title, _unit_id, day in keys})
        titles = list({title for title, _unit_id, _day in keys})
        a = ARTICLE.c
        self.stored = {}
        for start in range(0, len(days), 500):
            query = select(*(a[n] for n in STORED)).where(
                a.unit_id.in_(unit_ids), a.submitted.in_(days[start:start + 500]),
                a.title.in_(titles)
            ).order_by(a.id)
            for r in self.session.execute(query):
                if (key := (r[1], r[2], r[3])) in keys:
                    self.stored[key] = r  # the newest of stored twins, as before

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.key)

    def changed(self, planned: Planned, current: Any) -> bool:
        # The values the file gives against the stored ones, as two tuples.
        return bool(self.file_values(planned.values) != self.stored_values(current))

    def write(self, plan: Plan, progress: Progress | None) -> None:
        # Imported articles start without step history, like the demo's: who moved them
        # through the workflow is not in the sheet; the import's audit entry says who loaded
        # them. Status changes made by a re-import are recorded as steps.
        now = utcnow()
        rows = [p.values for p in plan.inserts]
        for row in rows:
            row["created_at"] = now
        bulk_insert(self.session, ARTICLE, rows, progress)
        self._update(plan.updates, now)

    def _update(self, updates: list[Planned], now: Any) -> None:
        names = [n for n in ("kind", "author", "photos", "status", "published", "url")
                 if n in self.present]
        bulk_update(self.session, ARTICLE, [
            {"id": p.current.id, **{n: p.values[n] for n in names}} for p in updates])
        moves = [{"article_id": p.current.id, "from_status": p.current.status,
                  "to_status": p.values["status"], "account": self.actor.username, "at": now}
                 for p in updates if "status" in self.present
                 and p.values["status"] != p.current.status]
        bulk_insert(self.session, ARTICLE_EVENT, moves)

    def export(self) -> Iterator[dict[str, Any]]:
        """`articles.as_row` of every article in `articles.listing` order, read with Core:
        a hundred thousand ORM objects would cost more than writing the file. One sorted
        statement read ARTICLE_PAGE rows at a time (a server-side cursor on PostgreSQL),
        not pages by key: the order (date shown, id) has no index, so every page would
        scan and sort the table again (0.18 s a page at 30,000 articles, quadratic)."""
        a, u = ARTICLE.c, UNIT.c
        when = func.coalesce(a.published, a.submitted)
        query = (select(a.id, a.title, a.kind, a.author, a.photos, a.status, a.submitted,
                        a.published, a.url, u.code).join(UNIT, u.id == a.unit_id)
                 .order_by(when, a.id))
        rows = self.session.execute(query, execution_options={"yield_per": ARTICLE_PAGE})
        for row in rows:
            yield {k: v for k, v in articles.as_row(row, row.code).items()  # type: ignore[arg-type]
                   if k != "id"}


# ------------------------------------------------------------------ visits


class Visits(Handler):
    kind = "visits"
    permission = "visits.write"
    key_names = N_("month")
    columns = (
        Column("month", ("Tháng",), required=True, text=False),
        Column("visitors", ("Lượt truy cập",), required=True, text=False),
    )

    def load(self) -> None:
        query = select(VISIT.c.month, VISIT.c.visitors)
        self.stored = {month: visitors for month, visitors in self.session.execute(query)}

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        value = cells.values.get("month")
        month = None
        if isinstance(value, date):  # Excel turns "2022-01" into a date
            month = f"{value.year:04d}-{value.month:02d}"
        else:
            text = cells.text("month", required=True)
            if text is not None:
                month = cells.check("month", _month)
        return month, {"month": month, "visitors": cells.integer("visitors", required=True)}

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.key)

    def changed(self, planned: Planned, current: Any) -> bool:
        return bool(planned.values["visitors"] != current)

    def write(self, plan: Plan, progress: Progress | None) -> None:
        bulk_insert(self.session, VISIT, [p.values for p in plan.inserts])
        if plan.updates:
            stmt = (update(VISIT).where(VISIT.c.month == param("b_month"))
                    .values(visitors=param("b_visitors")))
            self.session.execute(stmt, [{"b_month": p.values["month"],
                                         "b_visitors": p.values["visitors"]}
                                        for p in plan.updates])

    def export(self) -> Iterator[dict[str, Any]]:
        # One row a month: ten years are 120 rows.
        return ({"month": r["month"], "visitors": r["visitors"]}
                for r in articles.visits(self.session))


def _month(text: str) -> str:
    """YYYY-MM, or MM/YYYY as Vietnamese sheets write it."""
    if "/" in text:
        month, _sep, year = text.partition("/")
        text = f"{year.strip()}-{month.strip().zfill(2)}"
    return articles.check_month(text)


# ------------------------------------------------------------------ data entry


class DataEntries(Handler):
    """The data-entry matrix. The date is that of the row's status (entered or synced), as
    `dataentry as_row` writes it; a row without a date keeps the stored one (or today)."""

    kind = "dataentry"
    permission = "dataentry.write"
    key_names = N_("unit, subsystem and period")
    columns = (
        UNIT_COLUMN,
        Column("subsystem", ("Phân hệ",), required=True),
        Column("period", ("Kỳ",), required=True, text=False),
        Column("status", ("Trạng thái",), required=True),
        Column("date", ("Ngày",), text=False),
    )

    def load(self) -> None:
        self.unit_ids = unit_codes(self.session)
        e = DATA_ENTRY.c
        query = select(e.id, e.unit_id, e.subsystem, e.period, e.status, e.entered_on,
                       e.synced_on)
        self.stored = {(r.unit_id, r.subsystem, r.period): r for r in self.session.execute(query)}
        self.cache: dict[str, Any] = {}
        self.listed = subsystems.checker(self.session)

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        code = (cells.text("unit", required=True) or "").upper()
        unit_id = self.unit_ids.get(code)
        if code and unit_id is None:
            cells.fail("unit", no_unit(code))
        subsystem = cells.check("subsystem", lambda v: self.listed(dataentry.check_subsystem(v)),
                                required=True)
        period = cells.check("period", dataentry.check_period, required=True)
        status = cells.check("status", choice({}, dataentry.check_status), True, self.cache)
        when = cells.date("date")
        key = (unit_id, subsystem, period)
        values = {"unit_id": unit_id, "subsystem": subsystem, "period": period,
                  "status": status, "entered_on": None, "synced_on": None}
        if status is not None and not cells.errors:
            self._dates(cells, values, when, self.stored.get(key))
        return key, values

    @staticmethod
    def _dates(cells: Cells, v: dict[str, Any], when: date | None, current: Any) -> None:
        """The same rules as `dataentry set`: missing has no date; entered and synced keep
        the stored day when the row gives none; a row synced first was entered that day."""
        status = v["status"]
        if when is not None and status == "missing":
            cells.fail("date", _("A missing period has no date; leave out the date."))
            return
        if when is not None and when > today():
            cells.fail("date", _("The date {on} is in the future.").format(on=when))
            return
        same = current is not None and current.status == status
        if status == "entered":
            v["entered_on"] = when or (current.entered_on if same else None) or today()
        elif status == "synced":
            v["synced_on"] = when or (current.synced_on if same else None) or today()
            entered = current.entered_on if current is not None and \
                current.status != "missing" else None
            v["entered_on"] = entered or v["synced_on"]
            if v["synced_on"] < v["entered_on"]:
                cells.fail("date", _("Data cannot be synced on {synced}, before it was entered "
                                     "on {entered}.").format(synced=v["synced_on"],
                                                             entered=v["entered_on"]))

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.key)

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        return (v["status"], v["entered_on"], v["synced_on"]) != \
            (current.status, current.entered_on, current.synced_on)

    def write(self, plan: Plan, progress: Progress | None) -> None:
        bulk_insert(self.session, DATA_ENTRY, [p.values for p in plan.inserts])
        bulk_update(self.session, DATA_ENTRY, [
            {"id": p.current.id, "status": p.values["status"],
             "entered_on": p.values["entered_on"], "synced_on": p.values["synced_on"]}
            for p in plan.updates])

    def export(self) -> Iterator[dict[str, Any]]:
        # A row per unit, subsystem and period: a province's few thousand.
        return (dataentry.as_row(entry, unit.code) for entry, unit in
                dataentry.listing(self.session))

