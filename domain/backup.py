"""Backups: SQLite's online backup API (safe while writers are active), pg_dump for
PostgreSQL. Every restored copy is checked before it replaces anything."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text

from domain.errors import BBTError
from domain.i18n import _


def sqlite_path(engine: Engine) -> Path:
    return Path(engine.url.database or "")


def integrity(engine: Engine) -> list[str]:
    """Problems found by the engine's own checks; empty when the database is sound."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            rows += [_("foreign key broken in {table}").format(table=r[0]) for r in
                     conn.exec_driver_sql("PRAGMA foreign_key_check")]
            return [] if rows == ["ok"] else [r for r in rows if r != "ok"]
        conn.execute(text("SELECT count(*) FROM alembic_version"))
        return []


def _check_sqlite_file(path: Path) -> None:
    # An empty file (or /dev/null) opens as an empty database that passes the integrity
    # check: restoring it would silently replace every record with nothing.
    if not path.is_file() or path.stat().st_size == 0:
        raise BBTError(_("'{path}' is not a BBT backup (not a file, or empty).").format(
            path=path))
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BBTError(_("'{path}' is not a usable SQLite database ({exc}).").format(path=path, exc=exc)) from None
    finally:
        conn.close()
    if result != "ok":
        raise BBTError(_("'{path}' failed the integrity check: {result}.").format(path=path, result=result))
    if not tables:
        raise BBTError(_("'{path}' is not a BBT backup (it has no schema version).").format(
            path=path))


def _create_private(dest: Path) -> None:
    """Create the backup file readable by its owner only: it holds password hashes and
    wrapped signing keys. Never overwrites an existing file."""
    try:
        os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise BBTError(_("'{dest}' already exists; choose a new file for the backup.").format(
            dest=dest)) from None


def backup(engine: Engine, dest: Path) -> None:
    _create_private(dest)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(sqlite_path(engine), timeout=30)
        target = sqlite3.connect(dest)
        try:
            source.backup(target)  # copies page by page, consistent under concurrent writes
        finally:
            target.close()
            source.close()
        _check_sqlite_file(dest)
        return
    try:
        _pg_tool("pg_dump", engine, "--format=custom", f"--schema={_pg_schema(engine)}",
                 f"--file={dest}")
    except BBTError:
        dest.unlink(missing_ok=True)
        raise


def _pg_schema(engine: Engine) -> str:
    """BBT's own schema (the first of the search_path): pg_dump and pg_restore would
    otherwise dump, drop and recreate every schema of the database."""
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def restore(engine: Engine, src: Path) -> None:
    if not src.exists():
        raise BBTError(_("'{src}' does not exist.").format(src=src))
    if engine.dialect.name == "sqlite":
        _check_sqlite_file(src)
        engine.dispose()
        source = sqlite3.connect(src)
        target = sqlite3.connect(sqlite_path(engine), timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    # --strict-names: a dump without this schema is refused instead of restoring nothing.
    _pg_tool("pg_restore", engine, "--clean", "--if-exists", "--single-transaction",
             f"--schema={_pg_schema(engine)}", "--strict-names", str(src))


def _pg_tool(tool: str, engine: Engine, *options: str) -> None:
    if shutil.which(tool) is None:
        raise BBTError(_("{tool} is not installed; install the PostgreSQL client tools.").format(tool=tool))
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run([tool, f"--dbname={dsn}", *options],
                            capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise BBTError(_("{tool} failed: {detail}.").format(tool=tool, detail=lines[-1] if lines else 'exit ' + str(result.returncode)))
