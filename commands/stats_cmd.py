from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commands.common import acting, done, print_json, print_table


def register(app: typer.Typer) -> None:
    stats = typer.Typer(help="Thống kê / statistics.", no_args_is_help=True)
    app.add_typer(stats, name="stats")

    @stats.command("monthly")
    def monthly(
        year: int = typer.Option(..., "--year"),
        month: int | None = typer.Option(None, "--month", min=1, max=12),
        as_json: bool = typer.Option(False, "--json"),
        csv_file: Path | None = typer.Option(None, "--csv", help="Write a CSV file."),
        xlsx_file: Path | None = typer.Option(None, "--xlsx", help="Write an Excel file."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """Published items, photos, visitors and documents per month, counted from the records."""
        from domain import stats as domain_stats
        from domain.i18n import _

        if sum((as_json, csv_file is not None, xlsx_file is not None)) > 1:
            raise typer.BadParameter(_("choose one of --json, --csv and --xlsx."))
        target = csv_file or xlsx_file
        if target is not None:
            from domain.output import check_target

            check_target(target, force=force)
        with acting() as (session, actor):
            data = domain_stats.monthly(session, year, month, actor=actor)
        if as_json:
            print_json(data)
        elif target is not None:
            _write(target, data, "csv" if csv_file is not None else "xlsx", force)
            done(str(target))
        else:
            _print(data)


def _print(data: dict[str, Any]) -> None:
    from domain.i18n import _
    from domain.stats import table

    header, rows = table(data)
    print_table(_("Monthly statistics {year}").format(year=data["year"]), header, rows)


def _write(path: Path, data: dict[str, Any], fmt: str, force: bool) -> None:
    from domain.output import private_file
    from domain.stats import write_table

    with private_file(path, force=force) as handle:
        write_table(data, fmt, handle)
