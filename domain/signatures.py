"""Legal digital signatures (chữ ký số): PAdES/CMS signatures inside a document's PDF files,
verified offline with pyHanko against root certificates pinned with `bbt trust add-root`
(the Government Cipher Committee's root, or a test root).

This is not BBT's own Ed25519 seal (niêm phong, domain/keys.py), which proves integrity inside
BBT only. Reports count a document as digitally signed when its latest verification found at
least one signature that is intact (the signed bytes are unchanged and the signature is
mathematically valid) and trusted (its chain ends at a pinned root and every certificate was
valid at the time of verification).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from domain import audit
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from models import Attachment, Document, DocumentFile, LegalSignature, TrustRoot, utcnow

PDF = "application/pdf"


# ---------------------------------------------------------------- trust roots


def _load_certificate(data: bytes) -> Any:
    from cryptography import x509

    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise BBTError(_("This is not an X.509 certificate (PEM or DER).")) from None


def add_root(session: Session, actor: Actor, path: Path | str) -> TrustRoot:
    """Pin a root certificate: signatures chaining to it are trusted."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    require(actor, "settings.write")
    path = Path(path)
    if not path.is_file():
        raise BBTError(_("The file '{path}' does not exist.").format(path=path))
    cert = _load_certificate(path.read_bytes()[:1_000_000])
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise BBTError(_("This certificate is not a certificate authority; pin a root."))
    der = cert.public_bytes(Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    if session.exec(select(TrustRoot).where(TrustRoot.fingerprint == fingerprint)).first():
        raise BBTError(_("This root is already pinned ({fingerprint}).").format(
            fingerprint=fingerprint[:16]))
    root = TrustRoot(fingerprint=fingerprint, subject=cert.subject.rfc4514_string()[:500],
                     der=der, not_after=cert.not_valid_after_utc, added_by=actor.username)
    session.add(root)
    session.flush()
    audit.record(session, actor, "trust.add_root", "trust_root", fingerprint,
                 subject=root.subject)
    return root


def roots(session: Session) -> list[dict[str, Any]]:
    return [{"fingerprint": r.fingerprint, "subject": r.subject,
             "not_after": r.not_after.isoformat(), "added_by": r.added_by}
            for r in session.exec(select(TrustRoot).order_by(col(TrustRoot.id)))]


# ---------------------------------------------------------------- verification


@dataclass
class Found:
    """One signature of a PDF, as verified now."""

    signer: str
    signed_at: str | None
    intact: bool
    trusted: bool
    file: str = ""
    reason: str = ""


def verify_pdf(data: bytes, trust_roots: list[bytes], *, when: datetime | None = None
               ) -> list[Found]:
    """Every embedded signature of the PDF, checked offline (no fetching of CRLs or OCSP)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _quiet_pyhanko()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:
        return []
    anchors = [asn1_x509.Certificate.load(der) for der in trust_roots]
    found = []
    for signature in embedded:
        context = ValidationContext(trust_roots=anchors, allow_fetching=False,
                                    revocation_mode="soft-fail", moment=when)
        found.append(_check(signature, validate_pdf_signature, context))
    return found


def _quiet_pyhanko() -> None:
    """pyHanko logs each failed check with a traceback; the verdict says it in one line."""
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def _check(signature: Any, validate: Any, context: Any) -> Found:
    signer = _signer_name(signature)
    try:
        status = validate(signature, context)
    except Exception as exc:  # a malformed signature is reported, never a traceback
        return Found(signer, None, False, False, reason=str(exc)[:200])
    unchanged = status.docmdp_ok is not False or status.modification_level is None
    intact = bool(status.intact and status.valid and unchanged)
    signed_at = status.signer_reported_dt
    return Found(signer, signed_at.astimezone(UTC).isoformat() if signed_at else None,
                 intact, bool(intact and status.trusted),
                 reason=",".join(status.summary_fields())[:200])


def _signer_name(signature: Any) -> str:
    try:
        subject = signature.signer_cert.subject.native
    except Exception:
        return ""
    return str(subject.get("common_name") or subject.get("organization_name") or "")


def _pdf_files(session: Session, doc: Document) -> list[tuple[DocumentFile, bytes]]:
    rows = session.exec(select(DocumentFile, Attachment).join(
        Attachment, col(Attachment.sha256) == DocumentFile.sha256).where(
        DocumentFile.document_id == doc.id, DocumentFile.media_type == PDF)
        .order_by(col(DocumentFile.id)))
    return [(f, a.data) for f, a in rows]


def verify_document(session: Session, actor: Actor, doc: Document) -> list[Found]:
    """Verify every signature in the document's PDFs and record the result (replacing the
    previous verification)."""
    pinned = list(session.exec(select(TrustRoot.der)))
    results: list[Found] = []
    session.execute(delete(LegalSignature).where(col(LegalSignature.document_id) == doc.id))
    for row, data in _pdf_files(session, doc):
        for found in verify_pdf(data, pinned):
            found.file = row.name
            results.append(found)
            session.add(LegalSignature(
                document_id=doc.id, file_sha256=row.sha256, field_name=row.name[:255],  # type: ignore[arg-type]
                signer=found.signer[:500], intact=found.intact, trusted=found.trusted,
                signed_at=datetime.fromisoformat(found.signed_at) if found.signed_at else None,
                reason=found.reason, verified_at=utcnow(), verified_by=actor.username))
    session.flush()
    return results


def check_new_file(session: Session, actor: Actor, doc: Document, media_type: str) -> None:
    """A newly attached PDF is verified at once, so the register knows it is signed."""
    if media_type == PDF:
        verify_document(session, actor, doc)


def recorded(session: Session, doc: Document) -> list[dict[str, Any]]:
    """The latest recorded verification of the document's legal signatures."""
    rows = session.exec(select(LegalSignature).where(LegalSignature.document_id == doc.id)
                        .order_by(col(LegalSignature.id)))
    return [{"signer": r.signer, "signed_at": r.signed_at.isoformat() if r.signed_at else None,
             "intact": r.intact, "trusted": r.trusted, "file": r.field_name,
             "verified_at": r.verified_at.isoformat()} for r in rows]


def legally_signed(session: Session, doc: Document) -> bool:
    return session.exec(select(LegalSignature.id).where(
        LegalSignature.document_id == doc.id, col(LegalSignature.intact),
        col(LegalSignature.trusted))).first() is not None


def legally_signed_ids() -> Any:
    """A subquery of the documents with at least one intact and trusted signature."""
    return select(LegalSignature.document_id).where(
        col(LegalSignature.intact), col(LegalSignature.trusted))


def as_json(found: list[Found]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(f).items() if k != "reason"} for f in found]


def summary(session: Session, doc: Document) -> dict[str, Any]:
    """What `doc show` adds: the files, the recorded legal signatures and `legally_signed`."""
    from domain import files

    found = recorded(session, doc)
    return {"files": [files.describe(f) for f in files.listing(session, doc)],
            "legal_signatures": found,
            "legally_signed": any(s["intact"] and s["trusted"] for s in found)}


def verify(session: Session, actor: Actor, number: str, year: int | None = None,
           trust: list[Any] | None = None) -> dict[str, Any]:
    """`doc verify`: the internal seal (niêm phong) and every legal signature, recorded and
    audited. Valid when whatever is present holds: a seal, if any, is valid and every legal
    signature is intact and trusted; a document with neither is not valid."""
    from domain import files, keys

    doc = files.visible_document(session, actor, number, year)
    seal = keys.verify(session, actor, doc.number, trust, year=year)
    sealed = doc.signature is not None
    found = verify_document(session, actor, doc)
    valid = ((sealed or bool(found)) and (seal.valid or not sealed)
             and all(f.intact and f.trusted for f in found))
    audit.record_document(session, actor, "document.verify", doc, valid=valid,
                          seal=seal.valid if sealed else None,
                          legal_signatures=[[f.signer, f.intact, f.trusted] for f in found])
    return {"number": doc.number, "valid": valid,
            "seal": {"present": sealed, "valid": seal.valid, "reason": seal.reason},
            "legal_signatures": as_json(found),
            "legally_signed": any(f.intact and f.trusted for f in found)}
