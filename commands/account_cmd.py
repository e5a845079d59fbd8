from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table, read_password_stdin
from domain.i18n import _


def register(app: typer.Typer) -> None:
    account = typer.Typer(help="Tài khoản / accounts.", no_args_is_help=True)
    app.add_typer(account, name="account")

    @account.command("add")
    def add(
        username: str,
        unit: str = typer.Option(..., "--unit"),
        role: str = typer.Option(..., "--role", help="admin, operator, editor, clerk, viewer"),
        name: str = typer.Option("", "--name"),
        password_stdin: bool = typer.Option(False, "--password-stdin"),
        scope: str | None = typer.Option(
            None, "--scope", help="Limit the account to this unit's subtree (SPEC 7.5)."),
    ) -> None:
        """Create an account; without a password a one-time password is printed once."""
        from domain import accounts

        password = read_password_stdin() if password_stdin else None
        with acting("accounts.write") as (session, actor):
            created = accounts.add(session, actor, username, unit, role, name, password,
                                   scope_code=scope)
        done(created.account.username)
        if created.one_time_password:
            done(f"Mật khẩu một lần / one-time password: {created.one_time_password}")

    @account.command("list")
    def list_(
        unit: str | None = typer.Option(None, "--unit"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List accounts (never any password material)."""
        from domain import accounts

        with acting() as (session, actor):
            rows = [accounts.as_row(a, code)
                    for a, code in accounts.listing(session, unit, actor=actor)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Accounts"), ["username", "full_name", "unit", "role", "status"],
                        [[r["username"], r["full_name"], r["unit"], r["role"], r["status"]]
                         for r in rows])

    @account.command("lock")
    def lock(username: str) -> None:
        """Lock an account."""
        from domain import accounts

        with acting("accounts.write") as (session, actor):
            accounts.set_status(session, actor, username, "locked")
        done(_("{username}: locked").format(username=username))

    @account.command("unlock")
    def unlock(username: str) -> None:
        """Unlock an account and clear its failed-login counter."""
        from domain import accounts

        with acting("accounts.write") as (session, actor):
            accounts.set_status(session, actor, username, "active")
        done(_("{username}: active").format(username=username))

    @account.command("reset-password")
    def reset_password(username: str) -> None:
        """Give a new one-time password, printed once."""
        from domain import accounts

        with acting("accounts.write") as (session, actor):
            one_time = accounts.reset_password(session, actor, username)
        done(f"Mật khẩu một lần / one-time password: {one_time}")

    @account.command("recover")
    def recover(
        username: str,
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the new password from stdin."),
    ) -> None:
        """Reset an admin's password and unlock it, without logging in: for whoever holds
        the database itself (the SQLite file, or the PostgreSQL URL). Audited."""
        from commands.common import engine
        from domain import accounts
        from domain.db import transaction

        if password_stdin:
            new = read_password_stdin()
        else:
            new = typer.prompt(_("New password"), hide_input=True, confirmation_prompt=True)
        with transaction(engine()) as session:
            account = accounts.recover(session, username, new)
        done(_("{username}: password reset and unlocked.").format(username=account.username))

    @app.command("passwd")
    def passwd(
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the new password from stdin."),
    ) -> None:
        """Change your own password (required after a one-time password)."""
        import os

        from commands.common import _credentials, engine, login
        from domain import accounts
        from domain.db import transaction

        actor = login(allow_must_change=True)
        old = os.environ.get("BBT_PASSWORD") or _credentials()[1]
        if password_stdin:
            new = read_password_stdin()
        else:
            new = typer.prompt(_("New password"), hide_input=True,
                               confirmation_prompt=True)
        with transaction(engine()) as session:
            accounts.change_password(session, actor, old, new)
        done(_("Password changed."))
