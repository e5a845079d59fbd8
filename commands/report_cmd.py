from __future__ import annotations

import sys
from pathlib import Path

import typer

from commands.common import acting, done

FORMAT_HELP = "md (default), docx or pdf; docx and pdf need -o FILE."


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Báo cáo / official status reports (sections I-III).",
                         no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("monthly")
    def monthly(
        year: int = typer.Option(..., "--year"),
        month: int = typer.Option(..., "--month", min=1, max=12),
        fmt: str = typer.Option("md", "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help="Write and register."),
        number: int | None = typer.Option(None, "--number", help="An explicit number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        draft: bool = typer.Option(False, "--draft", help="Write -o without registering."),
    ) -> None:
        """The monthly report: Markdown to stdout, or a registered file with -o."""
        _produce("monthly", year, None, month, fmt, output, number, date, draft)

    @report.command("half-year")
    def half_year(
        year: int = typer.Option(..., "--year"),
        half: int = typer.Option(..., "--half", min=1, max=2),
        fmt: str = typer.Option("md", "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help="Write and register."),
        number: int | None = typer.Option(None, "--number", help="An explicit number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        draft: bool = typer.Option(False, "--draft", help="Write -o without registering."),
    ) -> None:
        """The half-year report (6 tháng đầu/cuối năm)."""
        _produce("half-year", year, half, None, fmt, output, number, date, draft)

    @report.command("annual")
    def annual(
        year: int = typer.Option(..., "--year"),
        fmt: str = typer.Option("md", "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help="Write and register."),
        number: int | None = typer.Option(None, "--number", help="An explicit number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        draft: bool = typer.Option(False, "--draft", help="Write -o without registering."),
    ) -> None:
        """The annual report."""
        _produce("annual", year, None, None, fmt, output, number, date, draft)

    @report.command("text")
    def text(
        kind: str = typer.Option(..., "--kind", help="monthly, half-year or annual."),
        period: str = typer.Option(..., "--period", help="2022-06, 2022-H1 or 2022."),
        section: str = typer.Option(..., "--section", help="assessment (II) or tasks (III)."),
        set_: str | None = typer.Option(None, "--set", help="New text (\\n starts a line)."),
        file: Path | None = typer.Option(None, "--file", help="New text from a file (- stdin)."),
        show: bool = typer.Option(False, "--show", help="Print the text (the default)."),
    ) -> None:
        """Show or set the text of section II (assessment) or III (tasks) of a report."""
        _text(kind, period, section, set_, file, show)

    @report.command("check")
    def check(
        year: int = typer.Option(..., "--year"),
        half: int | None = typer.Option(None, "--half", min=1, max=2),
        month: int | None = typer.Option(None, "--month", min=1, max=12),
        date: str | None = typer.Option(None, "--date", help="As of this day (today)."),
    ) -> None:
        """Exit 1 when a total differs from its parts or from `bbt stats monthly`."""
        _check(year, half, month, date)


def _produce(kind: str, year: int, half: int | None, month: int | None, fmt: str,
             output: Path | None, number: int | None, date: str | None, draft: bool) -> None:
    from domain import reports
    from domain.errors import BBTError
    from domain.i18n import _
    from domain.report_render import check_format
    from domain.text import parse_date

    check_format(fmt)
    if output is None and fmt != "md":
        raise typer.BadParameter(_("--format {fmt} needs -o FILE.").format(fmt=fmt))
    if output is not None and not output.parent.resolve().is_dir():
        raise BBTError(_("The folder of {path} does not exist.").format(path=output))
    period = reports.period(kind, year, half, month)
    registering = output is not None and not draft
    with acting("documents.write" if registering else "read") as (session, actor):
        result = reports.generate(
            session, actor, period, fmt, report_date=parse_date(date, "date"), number=number,
            register=registering, filename=output.name if output else None)
    _warn_texts(result, period)
    if result.earlier:
        typer.echo(_("This period was already reported as {numbers}; use --draft for drafts.")
                   .format(numbers=", ".join(result.earlier)), err=True)
    if output is None:
        sys.stdout.write(result.content.decode("utf-8"))
        return
    output.write_bytes(result.content)
    done(f"{result.number}: {output}" if result.number else str(output))


def _warn_texts(result, period) -> None:  # type: ignore[no-untyped-def]
    from domain.i18n import _

    for section, text in result.texts.items():
        if not text.text:
            message = _("Section {section} has no text yet: bbt report text --kind {kind} "
                        "--period {period} --section {section} --set ...")
        elif text.inherited(period):
            message = _("Section {section} repeats the text of {source}; write this period's "
                        "with bbt report text --kind {kind} --period {period} --section "
                        "{section} --set ...")
        else:
            continue
        typer.echo(message.format(section=section, kind=period.kind, period=period.key,
                                  source=text.source), err=True)


def _text(kind: str, key: str, section: str, new_text: str | None, file: Path | None,
          show: bool) -> None:
    from domain import reports
    from domain.i18n import _

    period = reports.parse_period(kind, key)
    reports.check_section(section)
    if new_text is not None and file is not None:
        raise typer.BadParameter(_("choose one of --set and --file."))
    if file is not None:
        new_text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    elif new_text is not None:
        new_text = new_text.replace("\\n", "\n")
    if new_text is not None:
        with acting("reports.write") as (session, actor):
            reports.set_text(session, actor, period, section, new_text)
        if not show:
            done(_("Saved {section} of the {kind} report {period}.").format(
                section=section, kind=kind, period=period.key))
            return
    with acting() as (session, _actor):
        stored = reports.get_text(session, period, section)
    if stored.inherited(period):
        typer.echo(_("(No text for {period} yet; this is the text of {source}.)").format(
            period=period.key, source=stored.source), err=True)
    typer.echo(stored.text)


def _check(year: int, half: int | None, month: int | None, date: str | None) -> None:
    from domain import reports
    from domain.i18n import _
    from domain.text import parse_date, today

    if half is not None and month is not None:
        raise typer.BadParameter(_("choose one of --half and --month."))
    kind = "monthly" if month else "half-year" if half else "annual"
    period = reports.period(kind, year, half, month)
    with acting() as (session, actor):
        problems = reports.check(session, actor, period, parse_date(date, "date") or today())
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    done(_("The {kind} report {period} is consistent: every total equals the sum of its parts "
           "and matches the statistics.").format(kind=kind, period=period.key))
