from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import typer

from commands.common import acting, done

FORMAT_HELP = "md, docx or pdf (default: from -o FILE's extension, else md)."
OUTPUT_HELP = "Write this file (.md, .docx, .pdf); never replaces one without --force."
REGISTER_HELP = "Take the next BC number and keep the report (once per period)."


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Báo cáo / official status reports (sections I-III).",
                         no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("monthly")
    def monthly(
        year: int = typer.Option(..., "--year"),
        month: int = typer.Option(..., "--month", min=1, max=12),
        fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help=OUTPUT_HELP),
        number: int | None = typer.Option(None, "--number", help="A historical number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        register_: bool = typer.Option(False, "--register", help=REGISTER_HELP),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """The monthly report: a draft (no number) unless --register."""
        _produce(Request("monthly", year, None, month, fmt, output, number, date, register_,
                         force))

    @report.command("half-year")
    def half_year(
        year: int = typer.Option(..., "--year"),
        half: int = typer.Option(..., "--half", min=1, max=2),
        fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help=OUTPUT_HELP),
        number: int | None = typer.Option(None, "--number", help="A historical number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        register_: bool = typer.Option(False, "--register", help=REGISTER_HELP),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """The half-year report (6 tháng đầu/cuối năm): a draft unless --register."""
        _produce(Request("half-year", year, half, None, fmt, output, number, date, register_,
                         force))

    @report.command("annual")
    def annual(
        year: int = typer.Option(..., "--year"),
        fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "-o", "--output", help=OUTPUT_HELP),
        number: int | None = typer.Option(None, "--number", help="A historical number."),
        date: str | None = typer.Option(None, "--date", help="The report's date (today)."),
        register_: bool = typer.Option(False, "--register", help=REGISTER_HELP),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """The annual report: a draft unless --register."""
        _produce(Request("annual", year, None, None, fmt, output, number, date, register_,
                         force))

    @report.command("print")
    def print_(
        number: str = typer.Argument(..., help="The registered number, e.g. 117-BC/BBT."),
        output: Path | None = typer.Option(None, "-o", "--output", help=OUTPUT_HELP),
        fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
        year: int | None = typer.Option(None, "--year", help="When the number repeats."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    ) -> None:
        """A registered report again, exactly as issued (same number, figures and texts)."""
        _reprint(number, output, fmt, year, force)

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


@dataclass
class Request:
    kind: str
    year: int
    half: int | None
    month: int | None
    fmt: str | None
    output: Path | None
    number: int | None
    date: str | None
    register: bool
    force: bool


def _output_format(output: Path | None, fmt: str | None, force: bool) -> str:
    """The format from --format or the file's extension; checked with the target file
    before any work is done."""
    from domain import report_register
    from domain.i18n import _
    from domain.output import check_target

    if report_register.contradicts(output, fmt):
        raise typer.BadParameter(_("--format {fmt} contradicts the file name {path}.").format(
            fmt=fmt, path=output))
    chosen = report_register.format_of(output, fmt)
    if output is None and chosen != "md":
        raise typer.BadParameter(_("--format {fmt} needs -o FILE.").format(fmt=chosen))
    if output is not None:
        check_target(output, force=force)
    return chosen


def _produce(req: Request) -> None:
    from domain import report_register, reports
    from domain.i18n import _
    from domain.text import parse_date

    if req.number is not None and not req.register:
        raise typer.BadParameter(_("--number goes with --register; a registered report is "
                                   "printed again with `bbt report print NUMBER`."))
    fmt = _output_format(req.output, req.fmt, req.force)
    period = reports.period(req.kind, req.year, req.half, req.month)
    # The figures are read without the write lock: a long report never blocks other users.
    with acting("documents.write" if req.register else "read", write=False) as (session, actor):
        draft = report_register.prepare(session, actor, period, parse_date(req.date, "date"),
                                        registering=req.register)
    _warn_texts(draft.texts, period)
    if not req.register:
        _deliver(req.output, report_register.render_draft(draft, fmt), req.force)
        if req.output is not None:
            done(str(req.output))
        return
    written: list[Path] = []

    def deliver(content: bytes) -> None:
        if req.output is not None:
            _deliver(req.output, content, req.force)
            written.append(req.output)

    try:
        with acting("documents.write") as (session, actor):
            result = report_register.register(session, actor, draft, fmt, number=req.number,
                                              deliver=deliver)
    except BaseException:
        for path in written:  # the number was given back: so is the file that printed it
            path.unlink(missing_ok=True)
        raise
    if req.output is None:
        sys.stdout.write(result.content.decode("utf-8"))
        typer.echo(result.number, err=True)
        return
    done(f"{result.number}: {req.output}")


def _deliver(output: Path | None, content: bytes, force: bool) -> None:
    from domain.output import write_private

    if output is None:
        sys.stdout.write(content.decode("utf-8"))
    else:
        write_private(output, content, force=force)


def _reprint(number: str, output: Path | None, fmt: str | None, year: int | None,
             force: bool) -> None:
    from domain import report_register

    chosen = _output_format(output, fmt, force)
    with acting() as (session, actor):
        shown, content = report_register.reprint(session, actor, number, chosen, year)
    _deliver(output, content, force)
    if output is not None:
        done(f"{shown}: {output}")


def _warn_texts(texts, period) -> None:  # type: ignore[no-untyped-def]
    from domain.i18n import _

    for section, text in texts.items():
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
    section = reports.check_section(section)
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
                section=section, kind=period.kind, period=period.key))
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
