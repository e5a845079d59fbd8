from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table


def register(app: typer.Typer) -> None:
    visits = typer.Typer(help="Lượt truy cập / website visits.", no_args_is_help=True)
    app.add_typer(visits, name="visits")

    @visits.command("set")
    def set_(
        month: str = typer.Argument(..., metavar="YYYY-MM"),
        count: int = typer.Argument(..., metavar="COUNT"),
    ) -> None:
        """Record (or correct) a month's visitor count."""
        from domain import articles

        with acting("visits.write") as (session, actor):
            row = articles.set_visits(session, actor, month, count)
        done(f"{row.month}: {row.visitors}")

    @visits.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """Monthly visitors and the cumulative total (opening balance plus the months)."""
        from domain import articles
        from domain.i18n import _

        with acting() as (session, _actor):
            rows = articles.visits(session)
        if as_json:
            print_json(rows)
            return
        print_table(_("Website visits"), ["month", "visitors", "cumulative"],
                    [[r["month"], f"{r['visitors']:,}", f"{r['cumulative']:,}"] for r in rows])
