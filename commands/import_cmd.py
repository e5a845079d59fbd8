"""`bbt import KIND FILE` and `bbt export KIND`: bulk records in and out (CSV, XLSX, JSON)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from commands.common import acting, login, print_json

if TYPE_CHECKING:
    from domain.imports import Result

KINDS_HELP = "units, accounts, trainings, documents, deliveries, articles, visits, dataentry"


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        kind: str = typer.Argument(..., metavar="KIND", help=KINDS_HELP),
        file: Path = typer.Argument(..., metavar="FILE", help=".csv, .xlsx or .json"),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; write nothing."),
        on_error: str = typer.Option(
            "abort", "--on-error",
            help="abort: one bad row and nothing is written (exit 1); skip: write the good rows."),
        as_json: bool = typer.Option(False, "--json"),
        credentials: Path | None = typer.Option(
            None, "--credentials", help="New file (mode 600) for new accounts' one-time passwords."),
        rejects: Path | None = typer.Option(
            None, "--rejects", help="Write the rejected rows here, to fix and import again."),
        sheet: str | None = typer.Option(None, "--sheet", help="XLSX: the sheet (default: the first)."),
    ) -> None:
        """Import records from a file: every row is checked before anything is written."""
        from domain import imports
        from domain.auth import require

        cls = imports.handler(kind)
        require(login(), cls.permission)  # refuse before reading a large file
        prepared = imports.prepare(kind, file, sheet)
        with _progress(enabled=sys.stdout.isatty() and not as_json) as progress:
            result: Result | None = None
            try:
                with acting(cls.permission) as (session, actor):
                    result = imports.run_import(
                        session, actor, kind, prepared, on_error=on_error, dry_run=dry_run,
                        credentials=credentials, rejects=rejects, progress=progress)
            except BaseException:
                if result is not None:  # the commit failed: those passwords open nothing
                    imports.discard_credentials(result.credentials)
                raise
        _report(result, as_json, dry_run, on_error)

    @app.command("export")
    def export(
        kind: str = typer.Argument(..., metavar="KIND", help=KINDS_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help="Default: CSV on stdout."),
        fmt: str | None = typer.Option(None, "--format", help="csv, xlsx or json (default: from -o)."),
        layout: str = typer.Option("bbt", "--layout", help="bbt, or nd30: documents as a register book (NĐ30 Phụ lục IV)."),
        book: str = typer.Option("outgoing", "--book", help="nd30: outgoing or incoming."),
        year: int | None = typer.Option(None, "--year", help="nd30: one year (default: all)."),
        unit: str | None = typer.Option(None, "--unit", help="nd30: the register's unit (default: yours)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing -o file."),
    ) -> None:
        """Export records in the form `bbt import` reads back."""
        from domain import imports, imports_io
        from domain.errors import BBTError
        from domain.i18n import _
        from domain.output import check_target

        imports.handler(kind)
        chosen = imports_io.format_of(output or Path("stdout.csv"), fmt)
        if output is None and chosen == "xlsx":
            raise BBTError(_("An XLSX export needs a file: add -o FILE.xlsx."))
        if layout not in ("bbt", "nd30") or (layout == "nd30" and kind != "documents"):
            raise BBTError(_("The layout is bbt, or nd30 for documents."))
        if output is not None:
            check_target(output, force=force)
        # Written while it is read, inside the read transaction: the rows are never all in
        # memory, and a failure half-way leaves no file (the temporary one is removed).
        with acting("read") as (session, actor):
            if layout == "nd30":
                from domain import registers

                columns, rows = registers.export_rows(session, actor, book=book, year=year,
                                                      unit=unit)

                def write(target: Any) -> int:
                    return imports_io.write(rows, columns, set(columns), chosen, target,
                                            sheet_name=book)
            else:
                records = imports.export(session, actor, kind)

                def write(target: Any) -> int:
                    return imports.write_export(kind, records, chosen, target)

            if output is None:
                sys.stdout.flush()
                write(sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return
            count = _write_file(output, write, bom=chosen == "csv", force=force)
        typer.echo(_("{count} rows written to {path}.").format(count=count, path=output),
                   err=True)


def _write_file(path: Path, writer: Callable[[Any], int], bom: bool, force: bool) -> int:
    """Mode 600, whole or absent, never over an existing file without --force; the answer
    is the writer's (the number of rows)."""
    from domain.output import private_file

    with private_file(path, force=force) as target:
        if bom:
            target.write(b"\xef\xbb\xbf")  # Excel reads UTF-8 CSV correctly only with a BOM
        return writer(target)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress bar on a terminal; nothing at all when output goes to a file."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        from domain.i18n import _

        labels = {"check": _("Checking"), "write": _("Writing")}

        def update(stage: str, done: int, total: int) -> None:
            label = labels.get(stage, stage)
            bar.update(task, description=label, completed=done, total=total)

        yield update


def _report(result: Result | None, as_json: bool, dry_run: bool, on_error: str) -> None:
    from domain.i18n import _

    assert result is not None
    if as_json:
        print_json(result.as_json())
    else:
        for rejected in result.rejected:
            for error in rejected["errors"]:
                typer.echo(_("row {row}: {error}").format(row=rejected["row"], error=error))
        typer.echo(_("{kind}: {inserted} inserted, {updated} updated, {unchanged} unchanged, "
                     "{rejected} rejected.").format(
            kind=result.kind, inserted=result.inserted, updated=result.updated,
            unchanged=result.unchanged, rejected=len(result.rejected)))
    if unmatched := result.extra.get("unmatched_recipients"):
        typer.echo(_("Recipients that name no unit (kept as text): {names}.").format(
            names="; ".join(unmatched)), err=True)
    if result.ignored_columns:
        typer.echo(_("Columns ignored: {columns}.").format(
            columns=", ".join(result.ignored_columns)), err=True)
    if result.credentials is not None:
        typer.echo(_("The one-time passwords of {count} new accounts are in {path} (readable "
                     "only by you); hand them out and delete the file.").format(
            count=result.inserted, path=result.credentials), err=True)
    if result.rejected and on_error == "abort":
        typer.echo(_("Nothing was written: {count} rows have errors; fix them, or write the "
                     "good rows with --on-error skip.").format(count=len(result.rejected)),
                   err=True)
        raise typer.Exit(1)
    if dry_run:
        typer.echo(_("Dry run: nothing was written."), err=True)
