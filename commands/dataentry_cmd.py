from __future__ import annotations

from typing import Any

import typer

from commands.common import acting, done, print_json, print_table

# How a cell of the matrix reads on a terminal.
MARKS = {"synced": "✔", "entered": "●", "missing": "✘", None: "·"}


def register(app: typer.Typer) -> None:
    dataentry = typer.Typer(help="Nhập liệu / data entry into the information system.",
                            no_args_is_help=True)
    app.add_typer(dataentry, name="dataentry")

    @dataentry.command("set")
    def set_(
        unit: str = typer.Option(..., "--unit"),
        subsystem: str = typer.Option(..., "--subsystem", help="Phân hệ, e.g. 'Khối Đảng'."),
        period: str = typer.Option(..., "--period", help="A year (2021) or a quarter (2022-Q1)."),
        status: str = typer.Option(..., "--status", help="missing, entered, synced"),
        on: str | None = typer.Option(None, "--on", help="Date entered or synced; default today."),
    ) -> None:
        """Record where a unit stands for one subsystem and period."""
        from domain import dataentry as domain_dataentry
        from domain import units

        with acting("dataentry.write") as (session, actor):
            row = domain_dataentry.set_status(session, actor, unit, subsystem, period, status, on)
            values = domain_dataentry.as_row(row, units.get(session, unit).code)
        done(" ".join(str(v) for v in values.values() if v is not None))

    @dataentry.command("matrix")
    def matrix(as_json: bool = typer.Option(False, "--json")) -> None:
        """Units x periods per subsystem: who is behind."""
        from domain import dataentry as domain_dataentry

        with acting() as (session, _actor):
            data = domain_dataentry.matrix(session)
        if as_json:
            print_json(data)
            return
        for block in data["subsystems"]:
            _print_block(block)
        from domain.i18n import _

        done(_("✔ synced  ● entered  ✘ missing  · no record"))

    @dataentry.command("export-ready")
    def export_ready(as_json: bool = typer.Option(False, "--json")) -> None:
        """Entered but not yet synced: what is ready to sync to the province."""
        from domain import dataentry as domain_dataentry
        from domain.i18n import _

        with acting() as (session, _actor):
            rows = domain_dataentry.export_ready(session)
        if as_json:
            print_json(rows)
            return
        print_table(_("Ready to sync"), ["unit", "subsystem", "period", "date"],
                    [[r["unit"], r["subsystem"], r["period"], r["date"]] for r in rows])


def _print_block(block: dict[str, Any]) -> None:
    from domain.i18n import _

    periods = block["periods"]
    rows = [[line["unit"], *(MARKS.get(line["statuses"][p], "?") for p in periods),
             ", ".join(line["missing"]) or "—"] for line in block["units"]]
    print_table(block["subsystem"], ["unit", *periods, _("behind")], rows)
