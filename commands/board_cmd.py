"""The board's remaining jobs (SPEC 7.4) added to the existing command groups: `doc remind`,
`unit set`, `account set`, `dataentry subsystem`, `article queue|edit|sync-feed`, `stats
units`. Kept apart from the groups' own modules so that their owners' edits merge cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from commands.common import acting, done, print_json, print_table
from domain.i18n import _


def group(app: typer.Typer, name: str) -> typer.Typer:
    """A command group another module registered (unit, account, doc ...)."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    raise LookupError(name)


def yes_no(value: str | None) -> bool | None:
    from domain import vocab

    if value is None:
        return None
    answer = vocab.yes_no(value)
    if answer is None:
        raise typer.BadParameter(_("write yes or no, not '{value}'.").format(value=value))
    return answer


def register(app: typer.Typer) -> None:
    _register_edits(app)
    _register_articles(app)
    _register_remind(app)


def _register_edits(app: typer.Typer) -> None:
    @group(app, "unit").command("set")
    def unit_set(
        code: str,
        name: str | None = typer.Option(None, "--name"),
        parent: str | None = typer.Option(None, "--parent", help="A unit code; '' for none."),
        kind: str | None = typer.Option(None, "--kind"),
        active: str | None = typer.Option(None, "--active", help="yes or no"),
    ) -> None:
        """Rename, move, re-kind or (de)activate a unit; an inactive unit receives nothing."""
        from domain import units

        with acting("units.write") as (session, actor):
            unit = units.update(session, actor, code, name=name, kind=kind, parent=parent,
                                active=yes_no(active))
            row = units.as_row(unit, units.by_id(session))
        print_json(row)

    @group(app, "account").command("set")
    def account_set(
        username: str,
        role: str | None = typer.Option(None, "--role"),
        unit: str | None = typer.Option(None, "--unit"),
        name: str | None = typer.Option(None, "--name"),
        active: str | None = typer.Option(None, "--active", help="yes or no"),
        scope: str | None = typer.Option(
            None, "--scope", help="Limit it to this unit's subtree; '' for none."),
    ) -> None:
        """Change an account's role, unit, name or scope; --active no stops it logging in."""
        from domain import editorial

        with acting("accounts.write") as (session, actor):
            row = editorial.set_account(session, actor, username, role=role, unit=unit,
                                        full_name=name, active=yes_no(active),
                                        scope_code=scope)
        print_json(row)

    subsystem = typer.Typer(help="Phân hệ / the list of data-entry subsystems.",
                            no_args_is_help=True)
    group(app, "dataentry").add_typer(subsystem, name="subsystem")

    @subsystem.command("add")
    def subsystem_add(name: str) -> None:
        """Put a subsystem on the list."""
        from domain import subsystems

        with acting("dataentry.write") as (session, actor):
            added = subsystems.add(session, actor, name)
        done(added.name)

    @subsystem.command("list")
    def subsystem_list(as_json: bool = typer.Option(False, "--json")) -> None:
        """The subsystems data entry is recorded for."""
        from domain import subsystems

        with acting() as (session, _actor):
            names = subsystems.names(session)
        if as_json:
            print_json(names)
        else:
            print_table(_("Subsystems"), ["name"], [[n] for n in names])


def _register_articles(app: typer.Typer) -> None:
    article = group(app, "article")

    @article.command("queue")
    def queue(as_json: bool = typer.Option(False, "--json")) -> None:
        """Articles not yet published or rejected, oldest first, with days waiting."""
        from domain import editorial

        with acting() as (session, actor):
            rows = editorial.queue(session, actor=actor)
        if as_json:
            print_json(rows)
            return
        print_table(_("Editorial queue"), ["id", "submitted", "status", "days_waiting", "unit", "title"],
                    [[r["id"], r["submitted"], r["status"], r["days_waiting"], r["unit"],
                      r["title"]] for r in rows])

    @article.command("edit")
    def edit(
        article_id: int = typer.Argument(..., metavar="ID"),
        title: str | None = typer.Option(None, "--title"),
        kind: str | None = typer.Option(None, "--kind"),
        author: str | None = typer.Option(None, "--author"),
        photos: int | None = typer.Option(None, "--photos"),
        unit: str | None = typer.Option(None, "--unit"),
        url: str | None = typer.Option(None, "--url"),
    ) -> None:
        """Correct an article; the old and new values stay in its history."""
        from domain import editorial

        with acting("articles.write") as (session, actor):
            changes = editorial.edit(session, actor, article_id, title=title, kind=kind,
                                     author=author, photos=photos, unit=unit, url=url)
        print_json(changes)

    @article.command("sync-feed")
    def sync_feed(
        source: str = typer.Argument(..., metavar="URL|FILE"),
        unit: str = typer.Option(..., "--unit", help="The unit whose website it is."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Record the new entries of an RSS or Atom feed as published articles."""
        from domain import feeds

        with acting("articles.write") as (session, actor):
            result = feeds.sync(session, actor, source, unit)
        if as_json:
            print_json(result.as_json())
            return
        done(_("{added} added, {skipped} already recorded, of {entries} entries.").format(
            added=len(result.added), skipped=result.skipped, entries=result.entries))

    @group(app, "stats").command("units")
    def stats_units(
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Per unit: articles sent and published in the month, the quota, silent units."""
        from domain import editorial

        with acting() as (session, actor):
            data = editorial.stats_units(session, month, actor=actor)
        if as_json:
            print_json(data)
            return
        print_table(_("Units' articles {month} (quota {quota})").format(
            month=data["month"], quota=data["quota"]),
            ["unit", "sent", "articles_published", "quota", "silent"],
            [[r["unit"], r["sent"], r["published"], r["quota"], "✘" if r["silent"] else ""]
             for r in data["units"]])


def _register_remind(app: typer.Typer) -> None:
    @group(app, "doc").command("remind")
    def remind(
        as_of: str = typer.Option(..., "--as-of", help="The day lateness is counted on."),
        issuer: str | None = typer.Option(None, "--issuer", help="The letter's issuer (BBT)."),
        kind: str | None = typer.Option(None, "--kind", help="Only units of this kind."),
        output: Path | None = typer.Option(None, "-o", "--output", help=".md, .docx or .pdf"),
        register: bool = typer.Option(False, "--register", help="Number it and send it."),
        force: bool = typer.Option(False, "--force", help="Replace an existing file."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """The reminder letter (công văn đôn đốc) to every late unit."""
        from domain import letters, reminders
        from domain import output as output_
        from domain.errors import BBTError
        from domain.text import require_date

        try:
            fmt = letters.format_of(output, None, ("md", "docx", "pdf"))
        except BBTError as exc:
            raise typer.BadParameter(str(exc)) from None
        day = require_date(as_of, "date")
        if output is not None:
            output_.check_target(output, force=force)  # before a number is taken
        written = False
        try:
            with acting("documents.write" if register else "read") as (session, actor):
                letter = reminders.prepare(session, actor, as_of=day, issuer=issuer, kind=kind,
                                           fmt=fmt, register=register)
                if output is not None:
                    output_.write_private(output, letter.content, force=force)
                    written = True
        except BaseException:
            if written and output is not None:
                output.unlink(missing_ok=True)  # the number was not kept: neither is the file
            raise
        if as_json:
            print_json([u.as_json() for u in letter.late])
        elif output is None:
            sys.stdout.write(letter.content.decode("utf-8") if fmt == "md" else "")
        if letter.number:
            typer.echo(letter.number, err=as_json or output is None)
        elif output is not None:
            done(str(output))
