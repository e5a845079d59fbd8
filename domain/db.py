"""Engines, transactions and schema upgrades for SQLite and PostgreSQL.

SQLite: WAL, foreign keys, busy timeout, synchronous=FULL. Only transactions that write take
the write lock, and they take it up front (BEGIN IMMEDIATE, retried while another writer
holds it), because a read transaction that later upgrades to a write can fail with "database
is locked" whatever the busy timeout. Reads begin deferred and never take the write lock, so
a 30-second report never makes another user's command wait (SPEC sections 6 and 7.2).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, event, or_, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from domain import limits
from domain.errors import BBTError
from domain.i18n import _

# No over-long text or out-of-range number reaches SQL, whichever path built the row.
event.listen(Session, "before_flush", limits.check_flush)

# Kept equal to the newest Alembic revision (a test checks it), so that opening an
# up-to-date database needs one SELECT and never imports Alembic.
HEAD_REVISION = "0001"

BUSY_TIMEOUT_MS = 10_000
# FULL: a commit survives a power cut, not only a crash of the program. The test suite lowers
# it to NORMAL (tests/conftest.py): thousands of throwaway commits, none waiting for the disk.
SQLITE_SYNCHRONOUS = "FULL"
# How long a writer keeps asking for SQLite's write lock (busy timeouts plus back-off).
WRITE_WAIT_SECONDS = 60.0
# Statements a read transaction may run; anything else is a caller that forgot write=True.
_READ_VERBS = ("BEGIN", "COMMIT", "SELECT", "WITH", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "SET",
               "EXPLAIN", "VALUES")


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
        cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("bbt_write", True):
            retrying(lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"), seconds=WRITE_WAIT_SECONDS)
        else:
            conn.exec_driver_sql("BEGIN")


def _read_only_guard(engine: Engine) -> None:
    """A read transaction that writes would, on SQLite, upgrade its lock and fail under
    load: refuse it on every engine, so that the tests find such a caller."""

    @event.listens_for(engine, "before_cursor_execute")
    def check(conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("bbt_write", True) is False:
            verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if verb and verb not in _READ_VERBS:
                raise ReadOnlyViolation(verb)


class ReadOnlyViolation(RuntimeError):
    """A programming error: a transaction opened for reading tried to write."""

    def __init__(self, verb: str) -> None:
        super().__init__(f"a read transaction tried to run {verb}; open it with write=True")


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
        _read_only_guard(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, pool_pre_ping=True, **pool_options())
    _read_only_guard(engine)
    return engine


# PostgreSQL connections each process keeps open (pool size) and may open beyond them for a
# moment (overflow). A shared server runs one process per `bbt serve` browser session and per
# command, so every process must stay small for all of them to fit under the server's
# max_connections: 32 sessions x (2 + 2) = 128 at worst (deploy/README.md). A process that
# needs more waits up to POOL_TIMEOUT seconds for a connection to come back.
POOL_SETTINGS = {"BBT_DB_POOL_SIZE": (2, range(1, 101)),  # 0 would mean "no limit"
                 "BBT_DB_MAX_OVERFLOW": (2, range(0, 101))}
POOL_TIMEOUT = 30


def pool_options() -> dict[str, int]:
    """pool_size and max_overflow from BBT_DB_POOL_SIZE and BBT_DB_MAX_OVERFLOW (the
    engine is made before any setting in the database can be read, so these are variables
    of the environment, like the database URL)."""
    values = {}
    for name, (default, allowed) in POOL_SETTINGS.items():
        given = os.environ.get(name, "").strip() or str(default)
        if not given.isdigit() or int(given) not in allowed:
            raise BBTError(_("{name} must be a whole number from {low} to {high}, not "
                             "{value}.").format(name=name, low=allowed.start,
                                                high=allowed.stop - 1, value=given))
        values[name] = int(given)
    return {"pool_size": values["BBT_DB_POOL_SIZE"],
            "max_overflow": values["BBT_DB_MAX_OVERFLOW"],
            "pool_timeout": POOL_TIMEOUT}


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
    with engine.connect().execution_options(bbt_write=False) as conn:  # a read: no lock
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table yet: a new database
            return None


def ensure_schema(engine: Engine) -> None:
    if current_revision(engine) != HEAD_REVISION:
        from domain import migrate

        migrate.upgrade(engine)


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: committed whole on success, rolled back whole on any error.

    write=False opens a read: deferred on SQLite (no write lock, other users' writes go on
    beside it), one snapshot on PostgreSQL, and refused if it tries to change anything."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            # Begin now, with the mode the begin hook reads. A PostgreSQL read sees one
            # snapshot throughout, as a SQLite read does: a report's figures agree.
            options: dict[str, object] = {"bbt_write": write}
            if not write and engine.dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"
            session.connection(execution_options=options)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def take_turns(session: Session, *key: object) -> None:
    """Writers of the same row that may not exist yet (a month's visitor count) wait for
    each other until the end of the transaction, so the second one finds the first one's
    row and updates it instead of failing on the unique key. PostgreSQL only: SQLite's
    writers take turns already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": "/".join(map(str, key))})


def pages(session: Session, query: Any, keys: Sequence[Any],
          key_of: Callable[[Any], tuple[Any, ...]], *, size: int = 500,
          descending: bool = False, limit: int | None = None) -> Iterator[list[Any]]:
    """A query's rows a page at a time, in the order of `keys` (columns, unique together and
    never NULL): each page starts after the last row of the one before (`key_of` reads its
    key), so every page is an index range, not an OFFSET that reads and drops every row
    before it, and a caller that lets go of each page holds one page whatever the total.
    `limit`: at most this many rows in all."""
    order = [key.desc() if descending else key for key in keys]
    after: tuple[Any, ...] | None = None
    left = limit
    while left is None or left > 0:
        wanted = size if left is None else min(size, left)
        page = query if after is None else query.where(_past(keys, after, descending))
        rows = list(session.exec(page.order_by(*order).limit(wanted)))
        if rows:
            yield rows
        if len(rows) < wanted:
            return
        after = key_of(rows[-1])
        left = None if left is None else left - len(rows)


def _past(keys: Sequence[Any], after: tuple[Any, ...], descending: bool) -> Any:
    """Rows after `after` in the order of `keys`: (k1 > v1) OR (k1 = v1 AND k2 > v2)...,
    spelt out rather than as a row value, which not every planner reads as an index range."""
    terms = []
    for index, (key, value) in enumerate(zip(keys, after, strict=True)):
        beyond = key < value if descending else key > value
        same = [k == v for k, v in zip(keys[:index], after[:index], strict=True)]
        terms.append(and_(*same, beyond) if same else beyond)
    return or_(*terms)


def reading(engine: Engine) -> AbstractContextManager[Session]:
    """A read-only transaction (see `transaction`)."""
    return transaction(engine, write=False)


def is_busy(exc: OperationalError) -> bool:
    """SQLite's write lock held by someone else, or PostgreSQL's serialisation failure."""
    text_ = str(getattr(exc, "orig", exc))
    return "locked" in text_ or "busy" in text_ or "could not serialize" in text_


def retrying(fn, attempts: int = 5, *, seconds: float | None = None):  # type: ignore[no-untyped-def]
    """Run fn() again when the database was briefly locked or a serialisation failed:
    `attempts` times, or (with `seconds`) until that much time has passed."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    attempt = 0
    while True:
        try:
            return fn()
        except OperationalError as exc:
            attempt += 1
            out_of_time = (time.monotonic() >= deadline if deadline is not None
                           else attempt >= attempts)
            if not is_busy(exc) or out_of_time:
                raise
            time.sleep(min(0.05 * 2 ** min(attempt, 5), 1.0))
