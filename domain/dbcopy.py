"""`bbt db copy`: a whole database into an empty one (SQLite to PostgreSQL and back), then
proved: row counts per table, the audit chain verified on the copy (same length, same last
hash, same Merkle root as the source's), and every register counter equal.

The source is read in one snapshot (a deferred read on SQLite, REPEATABLE READ on
PostgreSQL), a batch at a time, so memory stays bounded however large the database. The
target is written in one transaction that includes the proof: a copy that fails its proof is
rolled back and leaves the target empty (SPEC section 7.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from sqlalchemy import Connection, Engine, LargeBinary, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from domain import audit, db
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _

# Rows per INSERT batch; tables with binary columns (attachments of several MB) use few.
# A batch is one multi-row INSERT (several times faster than a row-by-row executemany on
# PostgreSQL), kept under the drivers' limits on bound parameters.
BATCH_ROWS = 1000
BINARY_BATCH_ROWS = 20
MAX_PARAMETERS = 30_000


@dataclass
class CopyReport:
    target: str  # the target's address, password hidden
    tables: list[tuple[str, int]] = field(default_factory=list)
    audit_entries: int = 0
    merkle_root: str = ""
    counters: int = 0


def tables() -> list[Table]:
    """Every table of the models, parents before children (foreign keys)."""
    import models  # noqa: F401  (registers every table in the metadata)

    return list(SQLModel.metadata.sorted_tables)


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def copy(source: Engine, target_url: str, actor: Actor) -> CopyReport:
    """Copy the source database into the empty database at target_url and prove the copy."""
    require(actor, "settings.write")
    _check_source(source)
    target = _empty_target(target_url)
    report = CopyReport(shown(target_url))
    with _snapshot(source) as src, target.begin() as dst:
        for table in tables():
            report.tables.append((table.name, _copy_table(src, dst, table)))
        if dst.dialect.name == "postgresql":
            _move_sequences(dst)
        _prove(src, dst, report)
        _record(dst, actor, source, report)
    return report


def _check_source(source: Engine) -> None:
    """Every table of the models must be there to be copied (an older schema is refused)."""
    present = set(inspect(source).get_table_names())
    for table in tables():
        if table.name not in present:
            raise BBTError(_("The source database has no table {table}: it is not at the "
                             "newest schema; run `bbt db upgrade` on it first.").format(
                table=table.name))


def _empty_target(url: str) -> Engine:
    """The target engine, migrated to the newest schema, after checking it holds nothing:
    the check comes first so that a database in use is never touched."""
    target = db.get_engine(url, upgrade=False)
    present = set(inspect(target).get_table_names())
    with target.connect() as conn:
        for table in tables():
            if table.name in present and conn.execute(select(1).select_from(table).limit(1)).first():
                raise BBTError(_("The target database already holds data (table {table}); "
                                 "copy only into an empty database.").format(table=table.name))
    db.ensure_schema(target)
    return target


@contextmanager
def _snapshot(source: Engine) -> Iterator[Connection]:
    """One consistent read of the source, taking no write lock."""
    with source.connect() as conn:
        if source.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        conn.execution_options(bbt_write=False)
        with conn.begin():
            yield conn


def _batch_size(table: Table) -> int:
    binary = any(isinstance(column.type, LargeBinary) for column in table.columns)
    return BINARY_BATCH_ROWS if binary else min(BATCH_ROWS,
                                                MAX_PARAMETERS // len(table.columns))


def _self_links(table: Table) -> list[str]:
    """Columns referring to the same table (a unit's parent, a forwarded delivery)."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    size = _batch_size(table)
    key = list(table.primary_key.columns)
    links = _self_links(table)
    # Rows go in key order, so a link to a row with a greater key would point at a row not
    # yet copied: it is inserted empty and set once the whole table is there.
    later: list[tuple[Any, str, Any]] = []
    result = src.execution_options(stream_results=True, yield_per=size).execute(
        select(table).order_by(*key))
    count = 0
    for rows in result.partitions(size):
        batch = [dict(row._mapping) for row in rows]
        for row in batch:
            for name in links:
                if row[name] is not None and row[name] > row[key[0].name]:
                    later.append((row[key[0].name], name, row[name]))
                    row[name] = None
        dst.execute(table.insert().values(batch))
        count += len(batch)
    for row_key, name, value in later:
        dst.execute(table.update().where(key[0] == row_key).values({name: value}))
    return count


def _move_sequences(dst: Connection) -> None:
    """PostgreSQL's id sequences past the copied ids: the next new row must not collide."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].autoincrement is False or key[0].type.python_type is not int:
            continue
        dst.execute(text(
            f'SELECT setval(pg_get_serial_sequence(:table, :column), '
            f'coalesce(max("{key[0].name}"), 0) + 1, false) FROM "{table.name}"'),
            {"table": table.name, "column": key[0].name})


def _prove(src: Connection, dst: Connection, report: CopyReport) -> None:
    for table, copied in report.tables:
        source_rows = _count(src, table)
        target_rows = _count(dst, table)
        if not source_rows == copied == target_rows:
            raise BBTError(_("The copy failed its proof: table {table} has {target} rows in "
                             "the copy and {source} in the source; nothing was copied.").format(
                table=table, target=target_rows, source=source_rows))
    _prove_audit(src, dst, report)
    report.counters = _prove_counters(src, dst)


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(select(func.count()).select_from(SQLModel.metadata.tables[table]))
               .scalar_one())


def _prove_audit(src: Connection, dst: Connection, report: CopyReport) -> None:
    with Session(bind=dst) as session:
        copied = audit.verify(session)
    if not copied.ok:
        raise BBTError(_("The copy failed its proof: its audit chain is broken at entry "
                         "{broken_id} ({reason}); nothing was copied.").format(
            broken_id=copied.broken_id, reason=copied.reason))
    with Session(bind=src) as session:
        original = audit.verify(session)
    if (copied.checked, copied.last_hash, copied.merkle_root) != (
            original.checked, original.last_hash, original.merkle_root):
        raise BBTError(_("The copy failed its proof: its audit chain differs from the "
                         "source's; nothing was copied."))
    report.audit_entries, report.merkle_root = copied.checked, copied.merkle_root


def _prove_counters(src: Connection, dst: Connection) -> int:
    """Every register counter equal, compared in order a row at a time."""
    counter = SQLModel.metadata.tables["register_counter"]
    columns = [counter.c.unit_id, counter.c.book, counter.c.series, counter.c.period]
    query = select(*columns, counter.c.value).order_by(*columns)
    checked = 0
    for mine, theirs in zip_longest(dst.execute(query), src.execute(query)):
        if mine is None or theirs is None or tuple(mine) != tuple(theirs):
            raise BBTError(_("The copy failed its proof: a register counter differs from the "
                             "source's; nothing was copied."))
        checked += 1
    return checked


def _record(dst: Connection, actor: Actor, source: Engine, report: CopyReport) -> None:
    """The copy says where it came from: one entry after the proved chain."""
    with Session(bind=dst) as session:
        audit.record(session, actor, "db.copy", "database", "",
                     source=source.url.render_as_string(hide_password=True),
                     entries=report.audit_entries, merkle_root=report.merkle_root)
