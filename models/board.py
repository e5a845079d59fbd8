"""Tables of the board's own jobs (SPEC 7.4): royalty rates and sheets, reminder letters,
data-entry subsystems, website feed syncs."""

import datetime as dt

from sqlmodel import Field, SQLModel

from models.base import utcnow

ROYALTY_KINDS = ("news", "feature", "photo", "slogan", "document")


class RoyaltyRate(SQLModel, table=True):
    """Đồng per item of a kind, in force from a month until the next change."""

    __tablename__ = "royalty_rate"
    kind: str = Field(primary_key=True, max_length=20)
    valid_from: str = Field(primary_key=True, max_length=7)  # YYYY-MM
    amount: int


class RoyaltySheet(SQLModel, table=True):
    """A month's payout sheet once approved (duyệt) and paid (chi): who and when."""

    __tablename__ = "royalty_sheet"
    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM
    total: int = 0  # the total approved: a later change of the records shows as a difference
    approved_by: str = Field(default="", max_length=80)
    approved_at: dt.datetime | None = None
    paid_by: str = Field(default="", max_length=80)
    paid_at: dt.datetime | None = None


class ReminderUnit(SQLModel, table=True):
    """A unit named in a registered reminder letter: the next letter cites this one."""

    __tablename__ = "reminder_unit"
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Subsystem(SQLModel, table=True):
    """A data-entry subsystem (phân hệ) of the province's information system."""

    name: str = Field(primary_key=True, max_length=80)
    created_at: dt.datetime = Field(default_factory=utcnow)


class FeedSync(SQLModel, table=True):
    """One reading of a website feed: when, from where, and what it added."""

    __tablename__ = "feed_sync"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=1000)
    unit_id: int = Field(foreign_key="unit.id")
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=80)
    entries: int = 0
    added: int = 0
    added_titles: str = ""  # newline-separated, what the TUI shows of the last sync
