from __future__ import annotations

import typer

from commands.common import done, engine, read_password_stdin
from domain.i18n import _


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        demo: bool = typer.Option(False, "--demo", help="Load the Bảo Lâm 2022 demo dataset."),
        admin: str = typer.Option("admin", "--admin", help="Username of the first admin."),
        password_stdin: bool = typer.Option(False, "--password-stdin"),
    ) -> None:
        """Create the database and the first admin (safe to run again)."""
        from domain import bootstrap
        from domain.db import transaction

        password = read_password_stdin() if password_stdin else None
        with transaction(engine()) as session:
            result = bootstrap.initialise(session, admin, password, demo)
        if not result.created:
            done(_("Already initialised (admin: {admin}).").format(admin=result.admin))
            return
        done(_("Initialised. Admin: {admin}").format(admin=result.admin))
        if result.one_time_password:
            done(f"Mật khẩu một lần / one-time password: {result.one_time_password}")
        if result.demo_counts:
            counts = ", ".join(f"{k} {v}" for k, v in result.demo_counts.items())
            done(_("Demo data: {counts}. Unit accounts get passwords with "
                   "`bbt account reset-password USERNAME`.").format(counts=counts))
