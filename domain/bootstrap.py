"""`bbt init`: the first admin account, and on request the demo dataset."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from domain import accounts, audit, demo, subsystems
from domain.auth import SYSTEM
from models import Account, Unit


@dataclass
class InitResult:
    created: bool
    admin: str
    one_time_password: str | None = None
    demo_counts: dict[str, int] | None = None


def initialise(session: Session, admin: str = "admin", password: str | None = None,
               with_demo: bool = False) -> InitResult:
    existing = session.exec(select(Account).where(Account.role == "admin")).first()
    if existing is not None:
        return InitResult(False, existing.username)
    audit.start(session)  # the genesis entry: every later chain must start with it
    counts = demo.load(session, SYSTEM) if with_demo else None
    subsystems.seed(session)
    if session.exec(select(Unit).where(Unit.code == "BBT")).first() is None:
        session.add(Unit(code="BBT", name="Ban Biên tập Trang thông tin điện tử", kind="board"))
        session.flush()
        audit.record(session, SYSTEM, "unit.add", "unit", "BBT")
    created = accounts.add(session, SYSTEM, admin, "BBT", "admin", "Quản trị hệ thống", password)
    return InitResult(True, created.account.username, created.one_time_password, counts)
