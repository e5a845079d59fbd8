import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import utcnow

ARTICLE_KINDS = ("news", "feature", "slogan", "document")
ARTICLE_STATUSES = ("submitted", "editing", "approved", "published", "rejected")


class Article(SQLModel, table=True):
    __table_args__ = (
        Index("ix_article_status_published", "status", "published"),
        Index("ix_article_unit_submitted", "unit_id", "submitted"),
        Index("ix_article_url", "url"),  # feed sync finds an entry by its URL
    )
    id: int | None = Field(default=None, primary_key=True)
    title: str
    kind: str = Field(max_length=20)
    unit_id: int = Field(foreign_key="unit.id")
    author: str = Field(default="", max_length=255)
    photos: int = 0
    status: str = Field(default="submitted", max_length=20)
    submitted: dt.date
    published: dt.date | None = None
    url: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class ArticleEvent(SQLModel, table=True):
    """Who moved an article from one status to the next, and when."""

    __tablename__ = "article_event"
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    account: str = Field(max_length=80)
    at: dt.datetime = Field(default_factory=utcnow)
    # A reject reason, or what an edit changed (same from and to status). The server default
    # serves bulk inserts that name only the step (imports).
    note: str = Field(default="", sa_column_kwargs={"server_default": ""})


class Visit(SQLModel, table=True):
    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM
    visitors: int
