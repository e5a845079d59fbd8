"""A document's files: its main file (the one the seal covers) and appendices.

Files are kept once, addressed by the SHA-256 of their bytes (`attachment`), and typed from
their bytes, never from their name: PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT),
images and plain text; anything else is refused. The text of PDF, DOCX and TXT files is
extracted once, when attached, into `document_text`, which the full-text index follows
(models/search_index.py).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from domain import audit
from domain.auth import Actor, require
from domain.errors import BBTError, NotFound
from domain.i18n import _
from domain.text import nfc
from models import Attachment, Document, DocumentFile, DocumentText

MAX_FILE_BYTES = 50 * 1024 * 1024
# Enough for the body of any real document; keeps one row of the index bounded.
MAX_TEXT_CHARS = 500_000

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
TXT = "text/plain"
# The audit entries that give a document its files, each naming the file's SHA-256.
FILE_ACTIONS = ("document.issue", "document.receive", "document.attach", "document.remind")
_IMAGES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
           (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"II*\x00", "image/tiff"),
           (b"MM\x00*", "image/tiff"))


def sniff(data: bytes) -> str | None:
    """The media type the bytes show, or None when BBT does not keep such files."""
    if data.startswith(b"%PDF-"):
        return PDF
    for magic, media_type in _IMAGES:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return TXT if _is_text(data) else None


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in decoded)


@dataclass
class Incoming:
    """A file read from disk and checked, not yet stored."""

    name: str
    data: bytes
    media_type: str


def read(path: Path | str) -> Incoming:
    """Read and check one file; refused in one sentence when missing, too big or of no kept type."""
    path = Path(path)
    if not path.is_file():
        raise BBTError(_("The file '{path}' does not exist.").format(path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BBTError(_("The file '{path}' is larger than {mb} MB; BBT keeps files up to that "
                         "size.").format(path=path, mb=MAX_FILE_BYTES // (1024 * 1024)))
    data = path.read_bytes()
    media_type = sniff(data)
    if media_type is None:
        raise BBTError(_("The file '{path}' is not a PDF, Word, Excel, OpenDocument, image or "
                         "text file; BBT keeps only those.").format(path=path))
    return Incoming(nfc(path.name)[:255], data, media_type)


def store(session: Session, data: bytes) -> str:
    """Keep the bytes once; their SHA-256 is their address."""
    digest = hashlib.sha256(data).hexdigest()
    if session.get(Attachment, digest) is None:
        session.add(Attachment(sha256=digest, data=data, size=len(data)))
    return digest


def store_path(session: Session, path: Path | str | None) -> tuple[str | None, str | None]:
    """For issue/receive --file: the main file's address and name (None when no file)."""
    if path is None:
        return None, None
    incoming = read(path)
    return store(session, incoming.data), incoming.name


# ---------------------------------------------------------------- text


def extract_text(data: bytes, media_type: str) -> str:
    """The words of a PDF, DOCX or TXT file ("" for others, or when unreadable)."""
    try:
        if media_type == PDF:
            text = _pdf_text(data)
        elif media_type == DOCX:
            text = _docx_text(data)
        elif media_type == TXT:
            text = data.decode("utf-8-sig")
        else:
            return ""
    except Exception:  # a damaged file is still kept, only its text is not searchable
        return ""
    return nfc(text)[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        parts.append(page.extract_text() or "")
        size += len(parts[-1])
        if size > MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def _add_text(session: Session, document_id: int, text: str) -> None:
    if not text.strip():
        return
    row = session.get(DocumentText, document_id)
    if row is None:
        session.add(DocumentText(document_id=document_id, body=text))
    else:
        row.body = (row.body + "\n" + text)[:MAX_TEXT_CHARS]
        session.add(row)


# ---------------------------------------------------------------- a document's files


def _add(session: Session, actor: Actor, doc: Document, incoming: Incoming, role: str,
         sha: str | None = None) -> DocumentFile:
    assert doc.id is not None
    taken = set(session.exec(select(DocumentFile.name).where(
        DocumentFile.document_id == doc.id)))
    if incoming.name in taken:
        raise BBTError(_("{number} already has a file named '{name}'.").format(
            number=doc.number, name=incoming.name))
    row = DocumentFile(document_id=doc.id, sha256=sha or store(session, incoming.data),
                       name=incoming.name, role=role, media_type=incoming.media_type,
                       size=len(incoming.data), added_by=actor.username)
    session.add(row)
    _add_text(session, doc.id, extract_text(incoming.data, incoming.media_type))
    session.flush()
    return row


def register_main(session: Session, actor: Actor, doc: Document) -> None:
    """Called by issue/receive once the document exists: list its main file with the others."""
    if doc.attachment_sha256 is None:
        return
    stored = session.get(Attachment, doc.attachment_sha256)
    assert stored is not None
    incoming = Incoming(doc.attachment_name or "main", stored.data, sniff(stored.data) or TXT)
    _add(session, actor, doc, incoming, "main", doc.attachment_sha256)
    from domain import signatures

    signatures.check_new_file(session, actor, doc, incoming.media_type)


def visible_document(session: Session, actor: Actor, number: str,
                     year: int | None = None) -> Document:
    """The document, if this account may see it (a clerk sees its own unit's only); `year`
    picks one when the number repeats across terms or years."""
    from domain import documents

    require(actor, "read")
    doc = documents.visible(session, actor, number, year)
    if actor.role == "clerk" and not documents._visible_to_clerk(session, actor, doc):
        raise NotFound(_("There is no document {number}.").format(number=doc.number))
    return doc


def attach(session: Session, actor: Actor, number: str, paths: Sequence[Path | str],
           year: int | None = None) -> list[DocumentFile]:
    """Add appendices to a document; every file is checked before any is stored."""
    require(actor, "documents.write")
    if not paths:
        raise BBTError(_("Name at least one file to attach."))
    from domain import documents

    doc = documents.owned(session, actor, number, year)
    incoming = [read(p) for p in paths]
    added = [_add(session, actor, doc, item, "appendix") for item in incoming]
    audit.record_document(session, actor, "document.attach", doc,
                          files=[{"name": f.name, "sha256": f.sha256} for f in added])
    if any(f.media_type == PDF for f in added):
        from domain import signatures

        signatures.check_new_file(session, actor, doc, PDF)
    return added


def listing(session: Session, doc: Document) -> list[DocumentFile]:
    return list(session.exec(select(DocumentFile).where(DocumentFile.document_id == doc.id)
                             .order_by(col(DocumentFile.role).desc(), col(DocumentFile.id))))


def describe(row: DocumentFile) -> dict[str, Any]:
    return {"name": row.name, "role": row.role, "type": row.media_type, "size": row.size,
            "sha256": row.sha256, "added_at": row.added_at.isoformat(),
            "added_by": row.added_by}


def files_of(session: Session, actor: Actor, number: str, year: int | None = None
             ) -> list[dict[str, Any]]:
    return [describe(f) for f in listing(session, visible_document(session, actor, number,
                                                                    year))]


def pick(session: Session, doc: Document, name: str | None) -> DocumentFile:
    """The named file, or the main file (the only one) when no name is given."""
    rows = listing(session, doc)
    if not rows:
        raise NotFound(_("{number} has no files.").format(number=doc.number))
    if name is None:
        main = [r for r in rows if r.role == "main"]
        if main:
            return main[0]
        if len(rows) == 1:
            return rows[0]
        raise BBTError(_("{number} has several files; name one with --name ({names}).").format(
            number=doc.number, names=", ".join(r.name for r in rows)))
    for row in rows:
        if row.name == nfc(name):
            return row
    raise NotFound(_("{number} has no file named '{name}'.").format(number=doc.number, name=name))


def _recorded(session: Session, doc: Document, sha256: str) -> bool:
    """The file's SHA-256 is in the audit chain's entry that added it to this document
    (issued or received with it, attached later): bytes put in the database under another
    address, and the file row pointed at them, do not pass for the document's file."""
    return any(sha256 in detail for detail in audit.document_details(session, doc, FILE_ACTIONS))


def download(session: Session, actor: Actor, number: str, name: str | None = None,
             year: int | None = None) -> tuple[DocumentFile, bytes]:
    """A stored file's bytes, checked against their address; the download is audited."""
    doc = visible_document(session, actor, number, year)
    row = pick(session, doc, name)
    stored = session.get(Attachment, row.sha256)
    if (stored is None or hashlib.sha256(stored.data).hexdigest() != row.sha256
            or not _recorded(session, doc, row.sha256)):
        raise BBTError(_("The stored file '{name}' of {number} was altered or lost.").format(
            name=row.name, number=doc.number))
    audit.record_document(session, actor, "document.download", doc, file=row.name,
                          sha256=row.sha256)
    return row, stored.data
