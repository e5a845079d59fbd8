from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    unit = typer.Typer(help="Đơn vị / units.", no_args_is_help=True)
    app.add_typer(unit, name="unit")

    @unit.command("add")
    def add(
        code: str,
        name: str,
        kind: str = typer.Option(..., "--kind", help="committee, office, board, grassroots, government, other"),
        parent: str | None = typer.Option(None, "--parent"),
    ) -> None:
        """Add a unit."""
        from domain import units

        with acting("units.write") as (session, actor):
            created = units.add(session, actor, code, name, kind, parent)
        done(created.code)

    @unit.command("list")
    def list_(
        kind: str | None = typer.Option(None, "--kind"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List units."""
        from domain import units

        with acting() as (session, actor):
            codes = units.by_id(session)
            rows = [units.as_row(u, codes) for u in units.listing(session, kind, actor=actor)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Units"), ["code", "name", "kind", "parent", "active"],
                        [[r["code"], r["name"], r["kind"], r["parent"],
                          _("yes") if r["active"] else _("no")] for r in rows])

    @unit.command("set-term")
    def set_term(code: str, start: str = typer.Option(..., "--start")) -> None:
        """Start a new Party term: per-type numbering restarts from 1."""
        from domain import units

        with acting("units.write") as (session, actor):
            unit_ = units.set_term(session, actor, code, start)
        done(f"{unit_.code}: {unit_.term_start}")
