from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    settings_app = typer.Typer(help="Cài đặt / settings printed on reports.", no_args_is_help=True)
    app.add_typer(settings_app, name="settings")

    @settings_app.command("list")
    def list_(as_json: bool = typer.Option(False, "--json")) -> None:
        """List settings."""
        from domain import settings

        with acting() as (session, _actor):
            values = settings.all_settings(session)
        if as_json:
            print_json(values)
        else:
            print_table(_("Settings"), ["setting", "value"], list(values.items()))

    @settings_app.command("set")
    def set_(key: str, value: str) -> None:
        """Set a setting (\\n in VALUE starts a new line)."""
        from domain import settings

        with acting("settings.write") as (session, actor):
            settings.set_value(session, actor, key, value)
        done(f"{key} = {value}")
