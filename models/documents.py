import datetime as dt

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import utcnow

DIRECTIONS = ("outgoing", "incoming")
URGENCIES = ("normal", "urgent", "very_urgent", "flash")
PURPOSES = ("report", "act", "inform", "coordinate")
DELIVERY_STATUSES = ("sent", "received", "done", "returned")
# An open delivery with a due date: one that can fall overdue, the work a clerk chases.
# (Received deliveries without a due date stay open for ever and are most open deliveries.)
# Written out literally, not as bound parameters, so that both engines can prove a query's
# condition implies the partial index's: queries use domain.documents.open_delivery().
OPEN_DELIVERY_SQL = "status NOT IN ('done', 'returned') AND due IS NOT NULL"
# A withdrawn (thu hồi) document keeps its number in the register and counts nowhere.
DOCUMENT_STATUSES = ("issued", "withdrawn")
# The few withdrawn documents, literally (see OPEN_DELIVERY_SQL): counts of deliveries leave
# them out with `document_id NOT IN (this index's ids)`, never a join per delivery.
WITHDRAWN_SQL = "status = 'withdrawn'"
# The deliveries not yet received (chưa nhận), literally as above: a few thousand of millions.
UNACKNOWLEDGED_SQL = "status = 'sent'"


class RegisterCounter(SQLModel, table=True):
    """The last number given in one register sequence: gapless numbering lives here.

    A sequence is (unit, book, series, period): series is the document type for Party
    bodies or "*" for state bodies and incoming registers; period is the term start or year.
    """

    __tablename__ = "register_counter"
    __table_args__ = (UniqueConstraint("unit_id", "book", "series", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    book: str = Field(max_length=10)
    series: str = Field(max_length=20)
    period: str = Field(max_length=20)
    value: int = 0


class Attachment(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    data: bytes
    size: int


class Document(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("issuer_id", "number", "period"),
        UniqueConstraint("recipient_id", "incoming_year", "incoming_number"),
        Index("ix_document_direction_date", "direction", "date"),
        Index("ix_document_date_id", "date", "id"),  # the register, newest first
        Index("ix_document_withdrawn", "id", sqlite_where=text(WITHDRAWN_SQL),
              postgresql_where=text(WITHDRAWN_SQL)),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=80, index=True)
    seq: int
    doc_type: str = Field(max_length=10)
    issuer_id: int = Field(foreign_key="unit.id", index=True)
    period: str = Field(max_length=20)
    date: dt.date
    place: str = Field(default="", max_length=120)
    title: str
    # Title folded to lower-case ASCII so "quyet dinh" finds "Quyết định".
    title_search: str = ""
    urgency: str = Field(default="normal", max_length=20)
    signer: str = Field(default="", max_length=255)
    direction: str = Field(max_length=10)
    recipient_id: int | None = Field(default=None, foreign_key="unit.id")
    incoming_number: int | None = None
    incoming_year: int | None = None
    received_on: dt.date | None = None
    attachment_sha256: str | None = Field(default=None, foreign_key="attachment.sha256")
    attachment_name: str | None = Field(default=None, max_length=255)
    signature: bytes | None = None
    signing_key_id: int | None = Field(default=None, foreign_key="signing_key.id")
    signed_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    # Server defaults too: bulk imports insert rows without naming these columns.
    status: str = Field(default="issued", max_length=10,
                        sa_column_kwargs={"server_default": "issued"})
    withdrawn_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})
    withdrawn_at: dt.datetime | None = None
    # The register book's own columns (Nghị định 30/2020, Phụ lục IV), kept as written;
    # empty by default in the database too: bulk inserts that predate them name no value.
    recipients_text: str = Field(  # nơi nhận
        default="", max_length=10000, sa_column_kwargs={"server_default": ""})
    archive_to: str = Field(  # đơn vị, người nhận bản lưu
        default="", max_length=255, sa_column_kwargs={"server_default": ""})
    copies: int | None = None  # số lượng bản
    notes: str = Field(default="", max_length=2000, sa_column_kwargs={"server_default": ""})
    handled_by: str = Field(  # đến: đơn vị hoặc người nhận
        default="", max_length=10000, sa_column_kwargs={"server_default": ""})
    passed_on: dt.date | None = None  # đến: ngày chuyển


class Delivery(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("document_id", "unit_id"),
        # document_id too: unacknowledged per unit is read from the index alone (issue 13).
        Index("ix_delivery_unit_status", "unit_id", "status", "document_id"),
        Index("ix_delivery_status_due", "status", "due"),
        # Reports count the deliveries sent in a period (documents.unit_summary).
        Index("ix_delivery_sent_at", "sent_at"),
        # The open deliveries with a due date only (a small share of history): overdue and
        # late units read this index, never the millions of finished deliveries (issue 13).
        Index("ix_delivery_open_due", "unit_id", "due", "status", "document_id",
              sqlite_where=text(OPEN_DELIVERY_SQL), postgresql_where=text(OPEN_DELIVERY_SQL)),
        # Unacknowledged deliveries per unit, from this index alone: PostgreSQL cannot skip
        # through ix_delivery_unit_status to its 'sent' entries, and read 20,000 heap pages
        # of ix_delivery_status_due's matches at province scale (issue 13).
        Index("ix_delivery_unacknowledged", "unit_id", "document_id",
              sqlite_where=text(UNACKNOWLEDGED_SQL),
              postgresql_where=text(UNACKNOWLEDGED_SQL)),
    )
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    unit_id: int = Field(foreign_key="unit.id")
    purpose: str = Field(default="inform", max_length=20)
    due: dt.date | None = None
    status: str = Field(default="sent", max_length=20)
    sent_at: dt.datetime = Field(default_factory=utcnow)
    received_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    note: str = ""
    forwarded_from_id: int | None = Field(default=None, foreign_key="delivery.id")
    # Optimistic concurrency: a write that read an older version is refused, not lost.
    version: int = 1
