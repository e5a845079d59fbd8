from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="Nhật ký / audit chain.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("list")
    def list_(
        limit: int = typer.Option(200, "--limit"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """The newest audit entries."""
        from domain import audit

        with acting("audit.read") as (session, _actor):
            rows: list[dict] = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                     "entity": e.entity, "key": e.entity_key, "detail": e.detail,
                     "hash": e.hash} for e in audit.entries(session, limit)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Audit log"), ["id", "at", "actor", "action", "key"],
                        [[r["id"], r["at"][:19], r["actor"], r["action"], r["key"]]
                         for r in rows])

    @audit_app.command("verify")
    def verify() -> None:
        """Check the hash chain; exit 1 naming the first broken entry."""
        from domain import audit
        from domain.errors import BBTError

        with acting() as (session, _actor):
            verdict = audit.verify(session)
        if not verdict.ok:
            raise BBTError(_("Audit chain broken at entry {broken_id}: {reason}.").format(broken_id=verdict.broken_id, reason=verdict.reason))
        done(_("Audit chain intact: {count} entries.").format(count=verdict.checked))
