import datetime as dt

from sqlmodel import Field, SQLModel

from models.base import utcnow

UNIT_KINDS = ("committee", "office", "board", "grassroots", "government", "other")
# Hướng dẫn 36-HD/VPTW numbers per type through the Party term; Nghị định 30/2020 numbers
# all types together per calendar year.
PARTY_KINDS = frozenset({"committee", "office", "board", "grassroots"})


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=255)
    kind: str = Field(index=True, max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True
    term_start: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Training(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    topic: str = Field(max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)


class TrainingUnit(SQLModel, table=True):
    __tablename__ = "training_unit"
    training_id: int = Field(foreign_key="training.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
