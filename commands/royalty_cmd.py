"""`bbt royalty`: rates, the monthly payout sheet (nhuận bút), approval, payment, the year."""

from __future__ import annotations

from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def register(app: typer.Typer) -> None:
    royalty = typer.Typer(help="Nhuận bút / royalties and support payments.",
                          no_args_is_help=True)
    app.add_typer(royalty, name="royalty")
    rate = typer.Typer(help="Mức chi / rates per item.", no_args_is_help=True)
    royalty.add_typer(rate, name="rate")

    @rate.command("set")
    def rate_set(
        kind: str = typer.Argument(..., help="news, feature, photo, slogan, document"),
        amount: int = typer.Argument(..., help="Đồng per item."),
        valid_from: str | None = typer.Option(None, "--from", help="YYYY-MM (this month)."),
    ) -> None:
        """Set a rate from a month on; earlier months keep their rates."""
        from domain import royalties

        with acting("settings.write") as (session, actor):
            row = royalties.set_rate(session, actor, kind, amount, valid_from)
        done(f"{row.kind} {row.valid_from}: {row.amount:,}")

    @rate.command("list")
    def rate_list(as_json: bool = typer.Option(False, "--json")) -> None:
        """Every rate with the month it starts."""
        from domain import royalties

        with acting() as (session, _actor):
            rows = [{"kind": r.kind, "from": r.valid_from, "amount": r.amount}
                    for r in royalties.rates(session)]
        if as_json:
            print_json(rows)
        else:
            print_table(_("Royalty rates"), ["kind", "from", "rate"],
                        [list(r.values()) for r in rows])

    @royalty.command("sheet")
    def sheet(
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        as_json: bool = typer.Option(False, "--json"),
        output: Path | None = typer.Option(None, "-o", "--output", help=".xlsx, .docx or .pdf"),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
        date: str | None = typer.Option(None, "--date", help="The sheet's date (today)."),
    ) -> None:
        """The month's payout sheet: one line per author and unit, the total in words."""
        from domain import output as output_
        from domain import royalties, royalty_sheet

        if as_json and output is not None:
            raise typer.BadParameter(_("choose one of --json and -o."))
        if output is not None:
            royalty_sheet.check_output(output)
            output_.check_target(output, force=force)
        with acting() as (session, _actor):
            data = royalties.sheet(session, month)
            content = royalty_sheet.render(session, data, output, date) if output else b""
        if as_json:
            print_json(data.as_json())
        elif output is not None:
            output_.write_private(output, content, force=force)
            done(str(output))
        else:
            _print(data)

    @royalty.command("approve")
    def approve(month: str = typer.Option(..., "--month", help="YYYY-MM")) -> None:
        """Approve the month's sheet as it stands (its total is kept)."""
        from domain import royalties

        with acting("settings.write") as (session, actor):
            row = royalties.approve(session, actor, month)
        done(_("{month}: approved by {who}, {total} đồng.").format(
            month=row.month, who=row.approved_by, total=f"{row.total:,}"))

    @royalty.command("paid")
    def paid(month: str = typer.Option(..., "--month", help="YYYY-MM")) -> None:
        """Record that an approved sheet was paid."""
        from domain import royalties

        with acting("settings.write") as (session, actor):
            row = royalties.mark_paid(session, actor, month)
        done(_("{month}: paid, recorded by {who}.").format(month=row.month, who=row.paid_by))

    @royalty.command("year")
    def year(
        year_: int = typer.Option(..., "--year"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Each month's total, approval and payment, and the year's totals."""
        from domain import royalties

        with acting() as (session, _actor):
            data = royalties.year_summary(session, year_)
        if as_json:
            print_json(data)
            return
        print_table(_("Royalties {year}").format(year=year_),
                    ["month", "total", "approved_by", "paid_by"],
                    [[m["month"], f"{m['total']:,}", m["approved_by"] or "",
                      m["paid_by"] or ""] for m in data["months"]])
        done(f"{data['total']:,} ({data['total_words']})")


def _print(data) -> None:  # type: ignore[no-untyped-def]
    print_table(_("Royalties {month}").format(month=data.month),
                ["author", "unit", "news", "features", "photos", "slogans", "documents",
                 "amount"],
                [[r["author"], r["unit"], r["news"], r["features"], r["photos"], r["slogans"],
                  r["documents"], f"{r['amount']:,}"] for r in data.lines])
    done(f"{data.total:,} — {data.total_words}")
