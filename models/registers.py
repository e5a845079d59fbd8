import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class RegisterClosure(SQLModel, table=True):
    """A unit's registers of one calendar year, closed (khóa sổ): nothing new is entered in
    them unless an admin reopens them for one historical entry."""

    __tablename__ = "register_closure"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    closed_by: str = Field(max_length=80)
    closed_at: dt.datetime = Field(default_factory=utcnow)
