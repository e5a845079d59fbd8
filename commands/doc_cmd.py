from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_json_stream, print_table
from domain.i18n import _


def passphrase(confirm: bool = False) -> str:
    """From BBT_KEY_PASSPHRASE or a hidden prompt; never echoed, never logged."""
    value = os.environ.get("BBT_KEY_PASSPHRASE")
    if value is not None:
        return value
    import sys

    if not sys.stdin.isatty():
        from domain.errors import AuthError

        raise AuthError(_("Set BBT_KEY_PASSPHRASE or run in a terminal to enter the passphrase."))
    return typer.prompt(_("Passphrase"), hide_input=True, confirmation_prompt=confirm)


YEAR_HELP = "The year of the document's date, when its number repeats (terms, years)."


def register(app: typer.Typer) -> None:
    doc = typer.Typer(help="Văn bản / documents: registers, seals, deliveries.",
                      no_args_is_help=True)
    app.add_typer(doc, name="doc")

    @doc.command("issue")
    def issue(
        type_: str = typer.Option(..., "--type", help="NQ, QĐ, QĐi, CT, KL, KH, HD, BC, TB, CV..."),
        issuer: str = typer.Option(..., "--issuer"),
        title: str = typer.Option(..., "--title"),
        date: str | None = typer.Option(None, "--date"),
        number: int | None = typer.Option(None, "--number", help="Historical documents only."),
        file: Path | None = typer.Option(None, "--file"),
        urgency: str = typer.Option("normal", "--urgency"),
        signer: str = typer.Option("", "--signer"),
        reopen: bool = typer.Option(False, "--reopen", help="Admin: a historical --number in a closed year."),
    ) -> None:
        """Register an outgoing document; prints its number."""
        from domain import documents

        with acting("documents.write") as (session, actor):
            created = documents.issue(session, actor, type_, issuer, title, date, number, file,
                                      urgency, signer, reopen=reopen)
        done(created.number)

    @doc.command("receive")
    def receive(
        number: str = typer.Option(..., "--number"),
        sender: str = typer.Option(..., "--from"),
        date: str = typer.Option(..., "--date"),
        title: str = typer.Option(..., "--title"),
        to: str | None = typer.Option(None, "--to"),
        received: str | None = typer.Option(None, "--received"),
        file: Path | None = typer.Option(None, "--file"),
        urgency: str = typer.Option("normal", "--urgency"),
        reopen: bool = typer.Option(False, "--reopen", help="Admin: enter it in a closed year."),
    ) -> None:
        """Register an incoming document; prints its incoming number (số đến)."""
        from domain import documents

        with acting("documents.write") as (session, actor):
            created = documents.receive(session, actor, number, sender, date, title, to,
                                        received, file, urgency, reopen=reopen)
        done(str(created.incoming_number))

    @doc.command("sign")
    def sign(
        number: str,
        year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    ) -> None:
        """Seal a document with its issuer's key (passphrase: BBT_KEY_PASSPHRASE or prompt)."""
        from domain import keys

        with acting("documents.sign") as (session, actor):
            signed = keys.sign(session, actor, number, passphrase(), year=year)
        done(_("{number}: sealed").format(number=signed.number))

    @doc.command("verify")
    def verify(
        number: str,
        trust: Path | None = typer.Option(None, "--trust",
                                          help="Accept only keys on this trust list."),
        as_json: bool = typer.Option(False, "--json"),
        year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    ) -> None:
        """The seal (niêm phong) and every digital signature of the PDF files; exit 1 unless
        all hold."""
        from commands.file_cmd import verify_command

        verify_command(number, as_json, year, trust)

    @doc.command("send")
    def send(
        number: str,
        to: list[str] = typer.Option([], "--to"),
        to_kind: str | None = typer.Option(None, "--to-kind"),
        purpose: str = typer.Option("inform", "--purpose", help="report, act, inform, coordinate"),
        due: str | None = typer.Option(None, "--due"),
        year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    ) -> None:
        """Send a document to units or to every unit of a kind."""
        from domain import documents

        with acting("documents.write") as (session, actor):
            result = documents.send(session, actor, number, to, to_kind, purpose, due, year)
        already = (_(", {count} already had it").format(count=len(result.already))
                   if result.already else "")
        done(_("{number}: sent to {count} units").format(number=number, count=len(result.sent))
             + already)

    @doc.command("ack")
    def ack(number: str, unit: str = typer.Option(..., "--unit"),
            year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """Acknowledge receipt for a unit."""
        from domain import documents

        with acting("deliveries.act") as (session, actor):
            documents.acknowledge(session, actor, number, unit, year=year)
        done(_("{number}@{unit}: received").format(number=number, unit=unit))

    @doc.command("done")
    def done_(number: str, unit: str = typer.Option(..., "--unit"),
              note: str = typer.Option("", "--note"),
              year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """Mark a unit's delivery processed."""
        from domain import documents

        with acting("deliveries.act") as (session, actor):
            documents.mark_done(session, actor, number, unit, note, year=year)
        done(_("{number}@{unit}: done").format(number=number, unit=unit))

    @doc.command("forward")
    def forward(number: str, from_: str = typer.Option(..., "--from"),
                to: str = typer.Option(..., "--to"),
                due: str | None = typer.Option(None, "--due"),
                year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """Forward a received document from one unit to another."""
        from domain import documents

        with acting("deliveries.act") as (session, actor):
            documents.forward(session, actor, number, from_, to, due=due, year=year)
        done(_("{number}: forwarded {source} -> {target}").format(number=number, source=from_,
                                                                    target=to))

    @doc.command("list")
    def list_(
        direction: str | None = typer.Option(None, "--direction"),
        year: int | None = typer.Option(None, "--year"),
        unit: str | None = typer.Option(None, "--unit"),
        overdue: bool = typer.Option(False, "--overdue"),
        search: str | None = typer.Option(None, "--search", help="Words of the number, the title or the files' text (accents ignored)."),
        date_from: str | None = typer.Option(None, "--from"),
        date_to: str | None = typer.Option(None, "--to"),
        limit: int = typer.Option(500, "--limit", help="At most this many, newest first; 0 = all."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List documents, newest first."""
        from domain import documents
        from domain.text import parse_date

        filters = documents.Filters(direction, year, unit, overdue, search,
                                    parse_date(date_from, "from"), parse_date(date_to, "to"))
        shown = {"more": False}

        def upto_limit(rows: Iterator[dict]) -> Iterator[dict]:
            for index, row in enumerate(rows):
                if limit and index == limit:
                    shown["more"] = True  # the one past the limit is only looked at
                    return
                yield row

        with acting() as (session, actor):
            found = upto_limit(documents.stream(session, actor, filters,
                                                limit + 1 if limit else None))
            if as_json:
                print_json_stream(found)  # written as read: any size, flat memory
            else:
                rows = list(found)
        if shown["more"]:
            import sys

            sys.stderr.write(_("Showing the newest {limit} documents; there are more "
                               "(--limit 0 shows all).").format(limit=limit) + "\n")
        if as_json:
            return
        print_table(_("Documents"), ["number", "date", "direction", "title", "sent", "done", "late"], [
            [r["number"], r["date"], r["direction"][:3], r["title"][:60], len(r["deliveries"]),
             sum(d["status"] == "done" for d in r["deliveries"]),
             sum(d["overdue"] for d in r["deliveries"])] for r in rows])

    @doc.command("show")
    def show(number: str, as_json: bool = typer.Option(False, "--json"),
             year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """A document with every delivery's status."""
        from domain import documents

        with acting(write=True) as (session, actor):  # the view is recorded (NĐ30)
            row = documents.show(session, actor, number, year)
        if as_json:
            print_json(row)
            return
        done(f"{row['number']}  {row['date']}  {row['title']}")
        done(_("sealed: {signed}  direction: {direction}").format(signed=row["signed"],
                                                                 direction=row["direction"]))
        if row["status"] == "withdrawn":
            done(_("WITHDRAWN: {reason}").format(reason=row["withdrawn_reason"]))
        from commands.file_cmd import show_files_and_signatures

        show_files_and_signatures(row)
        print_table(_("Deliveries"), ["unit", "purpose", "status", "due", "overdue"],
                    [[d["unit"], d["purpose"], d["status"], d["due"], "!" if d["overdue"] else ""]
                     for d in row["deliveries"]])

    @doc.command("withdraw")
    def withdraw(number: str, reason: str = typer.Option(..., "--reason"),
                 year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """Thu hồi: the number stays in the register, withdrawn; it counts nowhere."""
        from domain import documents

        with acting("documents.write") as (session, actor):
            withdrawn = documents.withdraw(session, actor, number, reason, year)
        done(_("{number}: withdrawn").format(number=withdrawn.number))

    @doc.command("return")
    def return_(number: str, unit: str = typer.Option(..., "--unit"),
                reason: str = typer.Option(..., "--reason"),
                year: int | None = typer.Option(None, "--year", help=YEAR_HELP)) -> None:
        """The unit sends the delivery back (returned: never overdue)."""
        from domain import documents

        with acting("deliveries.act") as (session, actor):
            documents.give_back(session, actor, number, unit, reason, year)
        done(_("{number}@{unit}: returned").format(number=number, unit=unit))

    @doc.command("late")
    def late(kind: str | None = typer.Option(None, "--kind"),
             as_json: bool = typer.Option(False, "--json")) -> None:
        """Units with late or unacknowledged deliveries, the most late first."""
        from domain import tracking

        with acting() as (session, actor):
            rows = tracking.late_units(session, actor, kind=kind)
        if as_json:
            print_json(rows)
            return
        print_table(_("Late units"), ["unit", "name", "open_due", "unacknowledged", "overdue"],
                    [[r["unit"], r["name"], r["open_due"], r["unacknowledged"], r["overdue"]]
                     for r in rows])

    @doc.command("inbox")
    def inbox(unit: str | None = typer.Option(None, "--unit"),
              all_: bool = typer.Option(False, "--all", help="Include finished ones."),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """A unit's deliveries to acknowledge or finish (a clerk's own unit by default)."""
        from domain import documents

        with acting() as (session, actor):
            rows: list[dict] = [{"number": doc_.number, "title": doc_.title, "purpose": d.purpose,
                     "status": d.status, "due": d.due.isoformat() if d.due else None,
                     "overdue": documents.is_overdue(d)}
                    for d, doc_ in documents.inbox(session, actor, unit, not all_)]
        if as_json:
            print_json(rows)
            return
        print_table(_("Inbox"), ["number", "title", "purpose", "status", "due"],
                    [[r["number"], r["title"][:50], r["purpose"], r["status"], r["due"]]
                     for r in rows])
