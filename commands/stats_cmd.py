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
        elif csv_file is not None:
            _write_csv(csv_file, data, force)
            done(str(csv_file))
        elif xlsx_file is not None:
            _write_xlsx(xlsx_file, data, force)
            done(str(xlsx_file))
        else:
            _print(data)


def _table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows shared by every output: one row per month, then the totals."""
    from domain.stats import FIGURES

    header = ["month", *FIGURES]
    rows = [[m["month"], *(m[key] for key in FIGURES)] for m in data["months"]]
    rows.append(["total", *(data["totals"][key] for key in FIGURES)])
    return header, rows


def _print(data: dict[str, Any]) -> None:
    from domain.i18n import _

    header, rows = _table(data)
    print_table(_("Monthly statistics {year}").format(year=data["year"]), header, rows)


def _write_csv(path: Path, data: dict[str, Any], force: bool) -> None:
    import csv
    import io

    from domain.output import private_file

    header, rows = _table(data)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    with private_file(path, force=force) as handle:
        handle.write(text.getvalue().encode("utf-8"))


def _write_xlsx(path: Path, data: dict[str, Any], force: bool) -> None:
    from openpyxl import Workbook

    from domain.output import private_file

    header, rows = _table(data)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(data["year"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    with private_file(path, force=force) as handle:
        book.save(handle)
