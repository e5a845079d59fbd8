"""`bbt register print|close|verify`: register books in the layout of Nghị định 30/2020,
Phụ lục IV (sổ đăng ký văn bản đi / đến)."""

from __future__ import annotations

from pathlib import Path

import typer

from commands.common import acting, done
from domain.i18n import _


def register(app: typer.Typer) -> None:
    books = typer.Typer(help="Sổ đăng ký văn bản / register books (NĐ30, Phụ lục IV).",
                        no_args_is_help=True)
    app.add_typer(books, name="register")

    @books.command("print")
    def print_(
        book: str = typer.Option(..., "--book", help="outgoing (văn bản đi) or incoming (đến)."),
        year: int = typer.Option(..., "--year"),
        output: Path = typer.Option(..., "-o", "--output", help=".docx, .pdf or .xlsx"),
        unit: str | None = typer.Option(None, "--unit", help="Default: your own unit."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """Print a year's register book; its SHA-256 goes into the audit chain."""
        from domain import registers

        book = registers.check_book(book)
        registers.format_of(output)
        with acting("read", write=True) as (session, actor):  # the print is recorded
            printed = registers.print_book(session, actor, book=book, year=year, path=output,
                                           unit=unit, force=force)
        done(_("{count} entries written to {path} (SHA-256 {sha}).").format(
            count=printed.entries, path=printed.path, sha=printed.sha256))

    @books.command("close")
    def close(
        year: int = typer.Option(..., "--year"),
        unit: str | None = typer.Option(None, "--unit", help="Default: your own unit."),
        output: Path | None = typer.Option(
            None, "-o", "--output", help="Also print the closed book (--book) to this file."),
        book: str = typer.Option("outgoing", "--book", help="The book printed with -o."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """Close a year's registers (khóa sổ): nothing new is entered in that year."""
        from domain import output as output_
        from domain import registers

        if output is not None:
            book = registers.check_book(book)
            registers.format_of(output)
            output_.check_target(output, force=force)
        with acting("documents.write") as (session, actor):
            closed = registers.close(session, actor, year=year, unit=unit)
            printed = None
            if output is not None:
                printed = registers.print_book(session, actor, book=book, year=year,
                                               path=output, unit=unit, force=force)
        done(_("The registers of {year} are closed.").format(year=closed.year))
        if printed is not None:
            done(_("{count} entries written to {path} (SHA-256 {sha}).").format(
                count=printed.entries, path=printed.path, sha=printed.sha256))

    @books.command("verify")
    def verify(
        file: Path = typer.Argument(..., metavar="FILE"),
        year: int = typer.Option(..., "--year"),
    ) -> None:
        """Check a printed book against the audit chain and the register (exit 1 if not)."""
        from domain import registers

        with acting("read") as (session, actor):
            verdict = registers.verify(session, actor, year=year, path=file)
        if not verdict.ok:
            typer.echo(verdict.reason, err=True)
            raise typer.Exit(1)
        done(verdict.reason)
