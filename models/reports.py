import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import utcnow


class ReportSnapshot(SQLModel, table=True):
    """A registered report frozen as it was issued: `bbt report print` renders it again.

    `content` is JSON: the composed document (every figure and text as printed), the figures
    of section I, the texts of sections II and III, the signer and the audit chain's head at
    the moment of registration.
    """

    __tablename__ = "report_snapshot"
    __table_args__ = (Index("ix_report_snapshot_kind_period", "kind", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", unique=True)
    kind: str = Field(max_length=20)  # monthly, half-year, annual
    period: str = Field(max_length=10)  # 2022-06, 2022-H1, 2022
    report_date: dt.date
    content: str
    created_at: dt.datetime = Field(default_factory=utcnow)
