"""Shared metadata: a constraint naming convention from the first revision.

Alembic cannot rename unnamed constraints later without pain (SPEC section 6), so every
index, unique, foreign key, check and primary key gets a predictable name.
"""

from datetime import UTC, datetime

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Aware UTC timestamp: SQLModel stores times as UTC on every engine."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives stored times back naive (they are UTC), PostgreSQL aware: compare them
    as aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
