import datetime as dt

from sqlmodel import Field, SQLModel

from models.base import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=40)
    entity_key: str = Field(default="", max_length=255, index=True)  # a document's history
    detail: str = "{}"  # canonical JSON of the change
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The newest entry's id and hash: deleting the tail of the chain is detected too."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    hash: str = Field(max_length=64)
