import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

DATAENTRY_STATUSES = ("missing", "entered", "synced")


class DataEntry(SQLModel, table=True):
    __tablename__ = "data_entry"
    __table_args__ = (UniqueConstraint("unit_id", "subsystem", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    subsystem: str = Field(max_length=80)
    period: str = Field(max_length=7, index=True)  # 2021 or 2022-Q1
    status: str = Field(default="missing", max_length=10)
    entered_on: dt.date | None = None
    synced_on: dt.date | None = None
