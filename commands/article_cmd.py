from __future__ import annotations

import typer

from commands.common import acting, done, print_json, print_table


def register(app: typer.Typer) -> None:
    article = typer.Typer(help="Tin bài / website articles.", no_args_is_help=True)
    app.add_typer(article, name="article")

    @article.command("add")
    def add(
        title: str = typer.Option(..., "--title"),
        kind: str = typer.Option(..., "--kind", help="news, feature, slogan, document"),
        unit: str = typer.Option(..., "--unit", help="The source unit's code."),
        author: str = typer.Option("", "--author", help="The contributor (cộng tác viên)."),
        photos: int = typer.Option(0, "--photos"),
        submitted: str | None = typer.Option(None, "--submitted", help="Default: today."),
    ) -> None:
        """Record a submitted article; prints its id."""
        from domain import articles

        with acting("articles.write") as (session, actor):
            created = articles.add(session, actor, title, kind, unit, author, photos, submitted)
        done(str(created.id))

    def step(article_id: int, action: str, **options: str | None) -> None:
        from domain import articles
        from domain.i18n import _

        with acting("articles.write") as (session, actor):
            moved = articles.move(session, actor, article_id, action, **options)  # type: ignore[arg-type]
        done(_("Article {id}: {status}.").format(id=moved.id, status=moved.status))

    @article.command("review")
    def review(article_id: int = typer.Argument(..., metavar="ID")) -> None:
        """Take a submitted article into editing."""
        step(article_id, "review")

    @article.command("approve")
    def approve(article_id: int = typer.Argument(..., metavar="ID")) -> None:
        """Approve an article in editing."""
        step(article_id, "approve")

    @article.command("reject")
    def reject(
        article_id: int = typer.Argument(..., metavar="ID"),
        reason: str = typer.Option("", "--reason", help="Why (kept in its history)."),
    ) -> None:
        """Reject an article that is submitted, in editing or approved."""
        step(article_id, "reject", reason=reason)

    @article.command("publish")
    def publish(
        article_id: int = typer.Argument(..., metavar="ID"),
        on: str | None = typer.Option(None, "--on", help="Publication date; default today."),
        url: str | None = typer.Option(None, "--url"),
    ) -> None:
        """Publish an approved article."""
        step(article_id, "publish", on=on, url=url)

    @article.command("list")
    def list_(
        month: str | None = typer.Option(None, "--month", help="YYYY-MM (published, else submitted)."),
        status: str | None = typer.Option(None, "--status"),
        kind: str | None = typer.Option(None, "--kind"),
        unit: str | None = typer.Option(None, "--unit"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List articles."""
        from domain import articles
        from domain.i18n import _

        with acting() as (session, actor):
            rows = [articles.as_row(a, code) for a, code in articles.listing(
                session, month, status, kind, unit, actor=actor)]
        if as_json:
            print_json(rows)
            return
        # The date the article is counted by: published, else submitted.
        print_table(_("Articles"), ["id", "date", "kind", "status", "unit", "photos", "title"],
                    [[r["id"], r["published"] or r["submitted"], r["kind"], r["status"],
                      r["unit"], r["photos"], r["title"]] for r in rows])

    @article.command("show")
    def show(
        article_id: int = typer.Argument(..., metavar="ID"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """One article and who moved it through the workflow, when."""
        from domain import articles, units
        from domain.i18n import _

        with acting() as (session, actor):
            found = articles.visible(session, actor, article_id)
            row = articles.as_row(found, units.by_id(session)[found.unit_id].code)
            row["history"] = [{"from": e.from_status or None, "to": e.to_status,
                               "account": e.account, "at": e.at.isoformat(),
                               "note": e.note or None}
                              for e in articles.history(session, article_id)]
        if as_json:
            print_json(row)
            return
        print_table(_("Article {id}").format(id=article_id), ["field", "value"],
                    [[k, v] for k, v in row.items() if k != "history"])
        print_table(_("History"), ["at", "account", "from", "to", "note"],
                    [[h["at"][:19], h["account"], h["from"], h["to"], h["note"]]
                     for h in row["history"]])

    @article.command("contributors")
    def contributors(
        year: int = typer.Option(..., "--year"),
        month: int | None = typer.Option(None, "--month"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Published news and features and their photos per author, unit and month."""
        from domain import articles
        from domain.i18n import _

        with acting() as (session, actor):
            rows = articles.contributors(session, year, month, actor=actor)
        if as_json:
            print_json(rows)
            return
        print_table(_("Contributors {year}").format(year=year),
                    ["unit", "author", "month", "news", "features", "photos"],
                    [[r["unit"], r["author"], r["month"], r["news"], r["features"], r["photos"]]
                     for r in rows])
