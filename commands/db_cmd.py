from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commands.common import done, login, state
from domain.i18n import _


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Cơ sở dữ liệu / database maintenance.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade() -> None:
        """Bring the database to the newest schema."""
        from domain import db, migrate

        engine = db.get_engine(state.db, upgrade=False)
        migrate.upgrade(engine)
        done(_("Schema at revision {revision}.").format(revision=db.current_revision(engine)))

    @db_app.command("current")
    def current() -> None:
        """Print the schema revision of the database."""
        from domain import db

        engine = db.get_engine(state.db, upgrade=False)
        done(db.current_revision(engine) or _("empty (no schema yet)"))

    @db_app.command("check")
    def check() -> None:
        """Integrity check, schema revision and drift; exit 1 on any problem."""
        from domain import backup, db, migrate
        from domain.errors import BBTError

        engine = db.get_engine(state.db, upgrade=False)
        problems = backup.integrity(engine)
        revision = db.current_revision(engine)
        if revision != db.HEAD_REVISION:
            problems.append(_("schema at {revision}, newest is {newest}").format(
                revision=revision, newest=db.HEAD_REVISION))
        elif diff := migrate.drift(engine):
            problems.append(_("schema differs from the models in {count} places").format(
                count=len(diff)))
        else:
            problems += _register_problems(engine)
        if problems:
            raise BBTError(_("Database check failed: {problems}.").format(
                problems="; ".join(problems)))
        done(_("Database OK (schema {revision}).").format(revision=revision))

    def _register_problems(engine: Any) -> list[str]:
        from domain import documents
        from domain.db import transaction

        with transaction(engine, write=False) as session:
            count, examples = documents.shared_places(session)
        if not count:
            return []
        return [_("places of state registers holding more than one number: {count} ({examples})")
                .format(count=count, examples="; ".join(" = ".join(e) for e in examples))]

    @db_app.command("backup")
    def backup_(dest: Path) -> None:
        """Copy the database to DEST while it stays in use (admin)."""
        from domain import backup
        from domain.auth import require

        require(login(), "settings.write")
        from commands.common import engine

        backup.backup(engine(), dest)
        done(_("Backup written to {path}.").format(path=dest))

    @db_app.command("copy")
    def copy_(
        to: str = typer.Option(..., "--to", help="Address of an empty database to copy into."),
    ) -> None:
        """Copy the whole database into an empty one (SQLite or PostgreSQL), then prove it (admin)."""
        from commands.common import engine
        from domain import dbcopy

        report = dbcopy.copy(engine(), to, login())
        for table, rows in report.tables:
            done(_("{table}: {rows} rows").format(table=table, rows=rows))
        done(_("Copied to {target} and proved: row counts equal, audit chain intact "
               "({entries} entries, Merkle root {root}), {counters} register counters equal.")
             .format(target=report.target, entries=report.audit_entries,
                     root=report.merkle_root[:16], counters=report.counters))

    @db_app.command("restore")
    def restore(src: Path) -> None:
        """Replace the database with the backup SRC (admin; checked before use)."""
        from domain import backup, db
        from domain.auth import require

        engine = db.get_engine(state.db)
        require(login(), "settings.write")
        backup.restore(engine, src)
        db.dispose_all()
        db.get_engine(state.db)  # brings an older backup up to the newest schema
        done(_("Restored from {path}.").format(path=src))
