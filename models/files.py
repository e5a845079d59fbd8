"""Stored files of documents, their extracted text, pinned trust roots and the recorded
verifications of legal (PAdES/CMS) signatures (SPEC section 7.3).

The full-text index itself (an FTS5 table on SQLite, a tsvector table with a GIN index on
PostgreSQL) is not a model: Alembic cannot describe it. models/search_index.py creates it
with its triggers whenever `document_text` is created, by a migration or by create_all.
"""

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow

FILE_ROLES = ("main", "appendix")


class DocumentFile(SQLModel, table=True):
    """One file of a document: its main file (the one the seal covers) or an appendix."""

    __tablename__ = "document_file"
    __table_args__ = (UniqueConstraint("document_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    sha256: str = Field(foreign_key="attachment.sha256", max_length=64)
    name: str = Field(max_length=255)
    role: str = Field(default="appendix", max_length=10)
    media_type: str = Field(max_length=100)
    size: int
    added_at: dt.datetime = Field(default_factory=utcnow)
    added_by: str = Field(default="", max_length=80)


class DocumentText(SQLModel, table=True):
    """The searchable text of a document's files, extracted once when they were attached."""

    __tablename__ = "document_text"
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    body: str = ""


class TrustRoot(SQLModel, table=True):
    """A pinned root certificate (the Government Cipher Committee's, or a test root)."""

    __tablename__ = "trust_root"
    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)  # SHA-256 of the DER certificate
    subject: str = Field(max_length=500)
    der: bytes
    not_after: dt.datetime
    added_at: dt.datetime = Field(default_factory=utcnow)
    added_by: str = Field(default="", max_length=80)


class LegalSignature(SQLModel, table=True):
    """The latest verification of one signature found in a document's PDF file."""

    __tablename__ = "legal_signature"
    __table_args__ = (Index("ix_legal_signature_document", "document_id", "intact", "trusted"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    file_sha256: str = Field(max_length=64)
    field_name: str = Field(default="", max_length=255)
    signer: str = Field(default="", max_length=500)
    signed_at: dt.datetime | None = None
    intact: bool = False
    trusted: bool = False
    reason: str = Field(default="", max_length=500)
    verified_at: dt.datetime = Field(default_factory=utcnow)
    verified_by: str = Field(default="", max_length=80)
