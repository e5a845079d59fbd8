"""A small, cheap world for the domain-level rule tests (tests/test_rules_*.py).

Every test gets a fresh database with a few units, on SQLite and PostgreSQL (the `db_url`
fixture). On SQLite the migrated and seeded database is built once per machine and copied
per test (a millisecond instead of a second and a half of migrations), which keeps the
rule tests fast enough to run thousands of times under mutation testing (scripts/mutation).

The seed is written with plain model inserts, never through the domain: a mutation run may
build the template while a domain module is mutated, and the template must not depend on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from domain.auth import Actor
from domain.db import dispose_all, get_engine, transaction
from models import AuditEntry, Unit

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("admin", "operator", "editor", "clerk", "viewer")
HU_TERM = date(2020, 10, 1)

# code, name, kind, active, term start
UNITS = [
    ("BBT", "Ban Biên tập", "board", True, None),
    ("HU", "Huyện ủy Bảo Lâm", "committee", True, HU_TERM),
    ("UBND", "Ủy ban nhân dân huyện", "government", True, None),
    ("TU", "Tỉnh ủy Lâm Đồng", "committee", True, None),
    ("XA1", "Đảng ủy xã Lộc An", "grassroots", True, None),
    ("XA2", "Đảng ủy xã Lộc Bảo", "grassroots", True, None),
    ("XA3", "Đảng ủy xã Lộc Bắc (giải thể)", "grassroots", False, None),
]


def _seed(engine: Engine) -> None:
    with transaction(engine) as session:
        for code, name, kind, active, term in UNITS:
            session.add(Unit(code=code, name=name, kind=kind, active=active, term_start=term))


def _template_key() -> str:
    """Changes whenever the schema or this seed changes, so a stale template is never used."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _sqlite_template() -> Path:
    template = Path(tempfile.gettempdir()) / f"bbt-rules-{os.getuid()}-{_template_key()}.db"
    if not template.exists():
        building = template.with_suffix(f".{os.getpid()}.tmp")
        url = f"sqlite:///{building}"
        _seed(get_engine(url))
        get_engine(url).dispose()  # the last close checkpoints the WAL into the file
        os.replace(building, template)  # atomic: parallel workers never see half a file
        for extra in ("-wal", "-shm"):
            Path(f"{building}{extra}").unlink(missing_ok=True)
    return template


@dataclass
class World:
    """A seeded database and one actor of each role (the clerk belongs to XA1)."""

    url: str
    engine: Engine
    unit_ids: dict[str, int] = field(default_factory=dict)

    def actor(self, role: str, unit: str = "BBT") -> Actor:
        return Actor(f"{role}-{unit.lower()}", role, self.unit_ids[unit], unit)

    @property
    def admin(self) -> Actor:
        return self.actor("admin")

    @property
    def clerk(self) -> Actor:
        return self.actor("clerk", "XA1")

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """fn(session, *args) in one transaction, committed on success."""
        with transaction(self.engine) as session:
            return fn(session, *args, **kwargs)

    def read(self, fn: Callable[[Session], Any]) -> Any:
        with Session(self.engine) as session:
            return fn(session)

    def audit(self, action: str | None = None) -> list[AuditEntry]:
        def query(session: Session) -> list[AuditEntry]:
            entries = list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]
            return [e for e in entries if action is None or e.action == action]

        return self.read(query)


def waiting_for_a_lock(world: World, pid: object, seconds: float = 30) -> None:
    """PostgreSQL: return once the backend `pid` waits for a lock (a second writer has
    reached what the first one holds), so that a test's order of events is certain."""
    deadline = time.monotonic() + seconds
    with world.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waits = watcher.execute(text("SELECT wait_event_type FROM pg_stat_activity "
                                         "WHERE pid = :pid"), {"pid": pid}).scalar()
            watcher.rollback()  # a fresh snapshot of pg_stat_activity each time
            if waits == "Lock":
                return
    raise AssertionError(f"backend {pid} never waited for a lock")


def one_waits_for_the_other(world: World, first: Callable[[Session], Any],
                            second: Callable[[Session], Any]) -> tuple[Any, Any]:
    """PostgreSQL: run `first` in a transaction and, before it commits, `second` in another
    on a thread; return both results once the second one, after waiting for a lock the
    first held, has ended. A failure of the second is raised here."""
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def run_second() -> None:
        try:
            with transaction(world.engine) as session:
                outcome["pid"] = session.execute(text("SELECT pg_backend_pid()")).scalar()
                started.set()
                outcome["result"] = second(session)
        except Exception as exc:  # noqa: BLE001 - raised in the test's thread below
            outcome["error"] = exc
        finally:
            started.set()

    with transaction(world.engine) as session:
        result = first(session)
        thread = threading.Thread(target=run_second)
        thread.start()
        assert started.wait(30)
        waiting_for_a_lock(world, outcome.get("pid"))
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return result, outcome["result"]


def make_world(db_url: str) -> Iterator[World]:
    if db_url.startswith("sqlite"):
        shutil.copyfile(_sqlite_template(), db_url.split("///", 1)[1])
        engine = get_engine(db_url)
    else:
        engine = get_engine(db_url)
        _seed(engine)
    with Session(engine) as session:
        ids = {u.code: u.id for u in session.exec(select(Unit))}
    yield World(db_url, engine, ids)  # type: ignore[arg-type]
    dispose_all()


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    yield from make_world(db_url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Only under scripts/mutation, which loads this module as a plugin (`-p`): the fastest
    tests first (mutmut's recorded durations), so that a mutant dies as early as it can."""
    recorded = Path("mutants") / "mutmut-stats.json"
    if recorded.exists():
        durations = json.loads(recorded.read_text())["duration_by_test"]
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
