"""Engines, transactions and schema upgrades for SQLite and PostgreSQL.

SQLite: WAL, foreign keys, busy timeout, synchronous=FULL, and write transactions that take
the write lock up front (BEGIN IMMEDIATE), because a read transaction that later upgrades to
a write can fail with "database is locked" whatever the busy timeout (SPEC section 6).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from domain.errors import BBTError
from domain.i18n import _

# Kept equal to the newest Alembic revision (a test checks it), so that opening an
# up-to-date database needs one SELECT and never imports Alembic.
HEAD_REVISION = "0001"

BUSY_TIMEOUT_MS = 10_000


def default_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("bbt", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'bbt.db'}"


def resolve_url(url: str | None = None) -> str:
    return url or os.environ.get("BBT_DATABASE_URL") or default_url()


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_engines: dict[str, Engine] = {}


def _create_private(path: Path) -> None:
    """A new database file is readable by its owner only: it holds password hashes and
    wrapped signing keys (SQLite gives its -wal and -shm files the same mode)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _create_private(Path(path))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_hooks(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None, *, upgrade: bool = True) -> Engine:
    """The engine for a URL, its database created and migrated to the newest schema."""
    url = resolve_url(url)
    if url not in _engines:
        try:
            engine = make_engine(url)
            if upgrade:
                ensure_schema(engine)
        except OperationalError as exc:
            raise BBTError(_("Cannot open the database: {detail}.").format(detail=_first_line(exc))) from exc
        _engines[url] = engine
    return _engines[url]


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _first_line(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return msg[0].rstrip(".") if msg else type(exc).__name__


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table yet: a new database
            return None


def ensure_schema(engine: Engine) -> None:
    if current_revision(engine) != HEAD_REVISION:
        from domain import migrate

        migrate.upgrade(engine)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed whole on success, rolled back whole on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def retrying(fn, attempts: int = 5):  # type: ignore[no-untyped-def]
    """Run fn() again when the database was briefly locked or a serialisation failed."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            locked = "locked" in str(exc) or "could not serialize" in str(exc)
            if not locked or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError(_("unreachable"))
