"""Registered reports: a draft costs nothing; registering spends one number, once per report
kind and period, and freezes what was issued so that `bbt report print` renders it again.

The order keeps the register exact (SPEC 7.1): everything that can be checked is checked
before the number is taken (the period, the format, the output file, an earlier registration
of the period); then, in one transaction, the number is taken, the report composed with it,
rendered, stored as a snapshot and written out. Anything that fails in there (a render error,
a full disk, a kill) rolls the transaction back and the number with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from domain import audit, documents, reports
from domain import settings as settings_
from domain.auth import Actor, require
from domain.errors import BBTError, NotFound
from domain.i18n import _
from domain.reports import Period, ReportData, SectionText
from domain.text import today
from models import AuditHead, Document, ReportSnapshot

FORMAT_BY_SUFFIX = {".md": "md", ".docx": "docx", ".pdf": "pdf"}
SNAPSHOT_VERSION = 1


def format_of(path: Path | None, fmt: str | None) -> str:
    """The format asked for, or else the one FILE's extension names, or Markdown."""
    from domain.report_render import check_format

    named = FORMAT_BY_SUFFIX.get(path.suffix.lower()) if path is not None else None
    if fmt is None:
        return named or "md"
    return check_format(fmt)


def contradicts(path: Path | None, fmt: str | None) -> bool:
    """--format pdf with -o report.docx: a usage error, not a guess."""
    named = FORMAT_BY_SUFFIX.get(path.suffix.lower()) if path is not None else None
    return fmt is not None and named is not None and fmt != named


# ---------------------------------------------------------------- what is printed


@dataclass
class Draft:
    """A report's figures and texts, computed once: printed as a draft, or registered."""

    period: Period
    report_date: date
    data: ReportData
    texts: dict[str, SectionText]
    settings: dict[str, str]


def prepare(session: Session, actor: Actor, p: Period, report_date: date | None = None, *,
            registering: bool = False) -> Draft:
    """The figures as of the report's date. Registering is refused here already when the
    period has a registered report that is not withdrawn."""
    require(actor, "documents.write" if registering else "read")
    if registering:
        refuse_registered(session, p)
    report_date = report_date or today()
    data = reports.build(session, actor, p, report_date)
    return Draft(p, report_date, data, reports.texts(session, p),
                 settings_.all_settings(session))


def compose(draft: Draft, number: str | None, footnote: str = "") -> Any:
    from domain import reports_layout

    ctx = reports_layout.Context(draft.settings, number, draft.report_date, draft.texts)
    document = reports_layout.compose(draft.data, ctx)
    document.footnote = footnote
    return document


def render_draft(draft: Draft, fmt: str) -> bytes:
    """A draft: no number (Số      -BC/BBT), nothing stored."""
    return render(compose(draft, None), fmt, draft.report_date)


def render(document: Any, fmt: str, day: date) -> bytes:
    """The report's bytes, the same on every run: the file's own timestamps (PDF creation
    date and file id, DOCX core properties and zip entries) are the report's date."""
    from domain import report_render

    content = report_render.render(document, fmt)
    if fmt == "pdf":
        return _frozen_pdf(content, day)
    if fmt == "docx":
        return _frozen_docx(content, day)
    return content


_PDF_DATE = re.compile(rb"D:\d{14}Z")
_PDF_ID = re.compile(rb"/ID \[<[0-9A-F]{32}><[0-9A-F]{32}>\]")
_DOCX_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _frozen_pdf(content: bytes, day: date) -> bytes:
    # Same-length replacements: the cross-reference offsets stay right.
    content = _PDF_DATE.sub(f"D:{day:%Y%m%d}000000Z".encode(), content)
    ident = hashlib.md5(_PDF_ID.sub(b"", content), usedforsecurity=False).hexdigest().upper()
    return _PDF_ID.sub(f"/ID [<{ident}><{ident}>]".encode(), content)


def _frozen_docx(content: bytes, day: date) -> bytes:
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = _DOCX_TIME.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(entry.filename, date_time=(day.year, day.month, day.day,
                                                              0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
    return out.getvalue()


# ---------------------------------------------------------------- registering


def registered(session: Session, p: Period) -> Document | None:
    """The period's registered report that still stands (not withdrawn), if any."""
    query = (select(Document).join(ReportSnapshot, col(ReportSnapshot.document_id) == Document.id)
             .where(ReportSnapshot.kind == p.kind, ReportSnapshot.period == p.key,
                    col(Document.status) != "withdrawn"))
    return session.exec(query).first()


def refuse_registered(session: Session, p: Period, *, other_than: int | None = None) -> None:
    found = registered(session, p)
    if found is not None and found.id != other_than:
        raise BBTError(_("The {kind} report {period} is already registered as {number}; print "
                         "it with `bbt report print {number}`, or withdraw it first.").format(
            kind=p.kind, period=p.key, number=found.number))


@dataclass
class Registered:
    number: str
    content: bytes
    snapshot: dict[str, Any]


def register(session: Session, actor: Actor, draft: Draft, fmt: str, *,
             number: int | None = None,
             deliver: Callable[[bytes], None] | None = None) -> Registered:
    """Take the next number of the board's BC register (or a historical `number`), freeze the
    report and hand the rendered bytes to `deliver` (which writes the file): all in the
    caller's transaction, so a failure anywhere gives the number back."""
    from domain import report_render

    require(actor, "documents.write")
    report_render.check_format(fmt)
    p = draft.period
    org = draft.settings.get("org.code") or "BBT"
    doc = documents.issue(session, actor, "BC", org, reports.report_title(p, draft.settings),
                          day=draft.report_date, number=number,
                          signer=draft.settings.get("signer.name", ""))
    # Taking the number locked the register: a registration that raced this one and
    # committed first is seen now.
    refuse_registered(session, p, other_than=doc.id)
    head = _audit_head(session)
    document = compose(draft, doc.number, _head_line(head))
    snapshot = {"version": SNAPSHOT_VERSION, "number": doc.number, "kind": p.kind,
                "period": p.key, "date": draft.report_date.isoformat(),
                "signer": {"name": draft.settings.get("signer.name", ""),
                           "title": draft.settings.get("signer.title", "")},
                "audit_head": head, "figures": _figures(draft.data),
                "texts": {k: dataclasses.asdict(v) for k, v in draft.texts.items()},
                "document": document_to_json(document)}
    content_json = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, default=str)
    assert doc.id is not None
    session.add(ReportSnapshot(document_id=doc.id, kind=p.kind, period=p.key,
                               report_date=draft.report_date, content=content_json))
    session.flush()
    digest = hashlib.sha256(content_json.encode()).hexdigest()
    audit.record_document(session, actor, "report.register", doc, kind=p.kind, period=p.key,
                          snapshot=digest)
    content = render(document, fmt, draft.report_date)
    if deliver is not None:
        deliver(content)  # the last step: a file that cannot be written spends no number
    return Registered(doc.number, content, snapshot)


def _audit_head(session: Session) -> dict[str, Any]:
    head = session.get(AuditHead, 1)
    return {"entries": head.last_id if head else 0, "hash": head.hash if head else ""}


def _head_line(head: dict[str, Any]) -> str:
    """Printed on the last page: a paper copy anchors the audit chain too (SPEC 7.2)."""
    return (f"Nhật ký hệ thống tại thời điểm đăng ký: {head['entries']} mục, "
            f"mã băm cuối {head['hash']}")


def _figures(data: ReportData) -> dict[str, Any]:
    """Section I's figures as numbers, beside the printed words: what reprints must equal."""
    return {"as_of": data.as_of.isoformat(), "months": data.months, "totals": data.totals,
            "accounts_created": data.accounts_created, "trained_units": data.trained_units,
            "trained_grassroots": data.trained_grassroots,
            "grassroots_total": data.grassroots_total,
            "grassroots_routing": data.grassroots_routing,
            "deliveries": {k: v for k, v in dataclasses.asdict(data.deliveries).items()
                           if k != "late_units"},
            "signed": data.signed, "issued": data.issued,
            "visitors_cumulative": data.visitors_cumulative,
            "visitors_average": data.visitors_average,
            "directives": [d.number for d in data.directives],
            "unit_articles": data.unit_articles}


# ---------------------------------------------------------------- printing again


def snapshot_of(session: Session, actor: Actor, number: str, year: int | None = None
                ) -> tuple[Document, dict[str, Any]]:
    require(actor, "read")
    doc = documents.visible(session, actor, number, year)
    stored = session.exec(select(ReportSnapshot).where(
        ReportSnapshot.document_id == doc.id)).first()
    if stored is None:
        raise NotFound(_("{number} is not a registered report; only reports registered with "
                         "--register can be printed again.").format(number=doc.number))
    _require_as_registered(session, doc, stored.content)
    return doc, json.loads(stored.content)


def _require_as_registered(session: Session, doc: Document, content: str) -> None:
    """The stored copy is the one registered: its SHA-256 is the one the audit chain recorded
    then. Someone who rewrites the copy in the database must also rewrite the chain, which
    `bbt audit verify` against an anchor kept outside detects."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    recorded = audit.document_details(session, doc, ["report.register"])
    if not any(json.loads(detail).get("snapshot") == digest for detail in recorded):
        raise BBTError(_("The stored copy of report {number} is not the one registered: its "
                         "SHA-256 is not the one the audit chain recorded, so it was changed "
                         "in the database. Nothing was printed; run `bbt audit verify`.")
                       .format(number=doc.number))


def reprint(session: Session, actor: Actor, number: str, fmt: str,
            year: int | None = None) -> tuple[str, bytes]:
    """The registered report exactly as issued: its number, figures and texts, whatever
    changed in the database since."""
    from domain import report_render

    report_render.check_format(fmt)
    doc, snapshot = snapshot_of(session, actor, number, year)
    day = date.fromisoformat(snapshot["date"])
    return doc.number, render(document_from_json(snapshot["document"]), fmt, day)


# ---------------------------------------------------------------- the snapshot's JSON


def document_to_json(document: Any) -> dict[str, Any]:
    from domain.reports_layout import Heading, Paragraph, Table

    tags = {Heading: "heading", Paragraph: "paragraph", Table: "table"}
    fields = {f.name: getattr(document, f.name) for f in dataclasses.fields(document)}
    fields["body"] = [{"type": tags[type(b)], **dataclasses.asdict(b)} for b in document.body]
    return fields


def document_from_json(stored: dict[str, Any]) -> Any:
    """Back into a ReportDocument; fields the layout added since take their defaults, so an
    old snapshot still prints."""
    from domain.reports_layout import Heading, Paragraph, ReportDocument, Table

    kinds: dict[str, Any] = {"heading": Heading, "paragraph": Paragraph, "table": Table}
    body = [_build(kinds[b["type"]], {k: v for k, v in b.items() if k != "type"})
            for b in stored.get("body", [])]
    return _build(ReportDocument, {**stored, "body": body})


def _build(cls: Any, values: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})
