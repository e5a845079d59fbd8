"""Articles (tin bài): filter by month and status, record new ones, move them through
review, approval and publication; and the website's monthly visitors."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Select

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.labels import label, options
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, number, vn_date
from bbt_tui.widgets.form import FormField, FormScreen, check_date, check_int
from bbt_tui.widgets.paged_table import Column, ListSource, Query, Record
from domain.articles import STATUS_NAMES as ARTICLE_STATUS_LABELS
from domain.i18n import _

ARTICLE_KIND_LABELS = {"news": N_("news"), "feature": N_("feature"), "slogan": N_("slogan"),
                       "document": N_("posted document")}


def article_records(session: Any, month: str) -> list[Record]:
    from domain import articles

    return [Record(key=str(a.id),
                   cells=(str(a.id), a.title, label(ARTICLE_KIND_LABELS, a.kind), code,
                          a.author, str(a.photos), label(ARTICLE_STATUS_LABELS, a.status),
                          vn_date(a.submitted), vn_date(a.published)),
                   data={"id": a.id, "status": a.status, "kind": a.kind, "title": a.title})
            for a, code in articles.listing(session, month=month or None, newest_first=True)]


class ArticlesScreen(ListScreen):
    AREA = "articles"
    TITLE_TEXT = N_("Articles")
    HELP = N_("News, features, slogans and documents for the district website. N records a "
              "new one; E starts editing, A approves, P publishes, X rejects the selected "
              "article. Filter by month (YYYY-MM) and status. Y shows the month's royalty "
              "sheet, F the last sync of the website's feed.")
    PERMISSIONS = {"new": "articles.write", "review": "articles.write",
                   "approve": "articles.write", "publish": "articles.write",
                   "reject": "articles.write"}
    BINDINGS = [
        Binding("n", "new", N_("New article"), id="articles.new"),
        Binding("e", "review", N_("Start editing"), id="articles.review"),
        Binding("a", "approve", N_("Approve"), id="articles.approve"),
        Binding("p", "publish", N_("Publish"), id="articles.publish"),
        Binding("x", "reject", N_("Reject"), id="articles.reject"),
        Binding("y", "royalties", N_("Royalties"), id="articles.royalties"),
        Binding("f", "feed", N_("Last feed sync"), id="articles.feed"),
    ]

    month = ""

    def make_source(self) -> ListSource:
        columns = [Column("id", _("No."), 6), Column("title", _("Title")),
                   Column("kind", _("Kind"), 16, priority=-1), Column("unit", _("Unit"), 13),
                   Column("author", _("Author"), 18, priority=-2),
                   Column("photos", _("Photos"), 6, priority=-3),
                   Column("status", _("Status"), 12),
                   Column("submitted", _("Submitted"), 11, priority=-1),
                   Column("published", _("Published"), 11, priority=-2)]

        def matches(record: Record, query: Query) -> bool:
            status = query.filter("status")
            return not status or record.data["status"] == status

        return ListSource(columns,
                          lambda: read(self.app, lambda s, _a: article_records(s, self.month)),
                          matches)

    def filters(self) -> list[Widget]:
        return [Input(placeholder=_("Month YYYY-MM"), id="month-filter", classes="month"),
                Select(options(ARTICLE_STATUS_LABELS), prompt=_("All statuses"),
                       id="status-filter")]

    @on(Input.Submitted, "#month-filter")
    def _month(self, event: Input.Submitted) -> None:
        event.stop()
        self.month = event.value.strip()
        self.refresh_data()

    @on(Select.Changed, "#status-filter")
    def _status(self, event: Select.Changed) -> None:
        self.list.set_filter("status", "" if event.select.is_blank() else str(event.value))

    def action_new(self) -> None:
        from domain import articles

        actor: Any = self.app.actor  # type: ignore[attr-defined]
        fields = [
            FormField("title", N_("Title"), required=True),
            FormField("kind", N_("Kind"), "news", kind="select", required=True,
                      options=options(ARTICLE_KIND_LABELS)),
            FormField("unit", N_("Source unit code"), actor.unit_code, required=True),
            FormField("author", N_("Author")),
            FormField("photos", N_("Photos"), "0", check=check_int),
            FormField("submitted", N_("Submitted on (dd/mm/yyyy)"),
                      date.today().strftime("%d/%m/%Y"), check=check_date),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            article = articles.add(session, actor, v["title"], v["kind"], v["unit"], v["author"],
                                   int(v["photos"] or 0), v["submitted"] or None)
            return str(article.id)

        self.app.push_screen(FormScreen(_("New article"), fields, save),
                             when_done(lambda key: self.changed(_("Article recorded."), key)))

    def _move(self, step: str, record: Record | None = None) -> None:
        """One workflow step on the highlighted article (or the one a dialog confirmed); the
        cursor stays on it wherever the list now shows it."""
        from domain import articles

        record = record or self.selected
        if record is None:
            return
        article_id = record.data["id"]
        run_db(self, lambda session, actor: articles.move(session, actor, article_id, step),
               on_done=lambda a: self.changed(_("Article {id} is now {status}.").format(
                   id=article_id, status=label(ARTICLE_STATUS_LABELS, a.status)), record.key))

    def action_royalties(self) -> None:
        from bbt_tui.screens.board import open_royalties

        open_royalties(self, self.month)

    def action_feed(self) -> None:
        from bbt_tui.screens.board import open_feed_summary

        open_feed_summary(self)

    def action_review(self) -> None:
        self._move("review")

    def action_approve(self) -> None:
        self._move("approve")

    def action_reject(self) -> None:
        from bbt_tui.widgets.dialogs import confirm_then

        if (record := self.selected) is not None:
            confirm_then(self, _("Reject this article? It leaves the workflow for good."),
                         (str(record.data["id"]), record.data["title"]),
                         lambda: self._move("reject", record), _("Reject"))

    def action_publish(self) -> None:
        from domain import articles

        record = self.selected
        if record is None:
            return
        article_id = record.data["id"]
        fields = [FormField("on", N_("Published on (dd/mm/yyyy)"),
                            date.today().strftime("%d/%m/%Y"), required=True, check=check_date),
                  FormField("url", N_("Address on the website"))]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            articles.publish(session, actor, article_id, v["on"], v["url"] or None)
            return record.key

        self.app.push_screen(
            FormScreen(_("Publish article {id}").format(id=article_id), fields, save),
            when_done(lambda key: self.changed(_("Article {id} published.").format(
                id=article_id), key)))


class VisitsScreen(ListScreen):
    AREA = "visits"
    TITLE_TEXT = N_("Visitors")
    HELP = N_("Monthly visitor counts of the district website and the running total. "
              "N records or corrects a month.")
    PERMISSIONS = {"new": "visits.write"}
    BINDINGS = [Binding("n", "new", N_("Record a month"), id="visits.new")]

    def make_source(self) -> ListSource:
        from domain import articles

        columns = [Column("month", _("Month"), 10), Column("visitors", _("Visitors"), 14),
                   Column("cumulative", _("Running total"), 14)]

        def load(session: Any, _actor: Any) -> list[Record]:
            return [Record(key=row["month"], cells=(row["month"], number(row["visitors"]),
                                                    number(row["cumulative"])))
                    for row in reversed(articles.visits(session))]

        return ListSource(columns, lambda: read(self.app, load))

    def action_new(self) -> None:
        from domain import articles

        fields = [FormField("month", N_("Month (YYYY-MM)"), date.today().strftime("%Y-%m"),
                            required=True),
                  FormField("visitors", N_("Visitors"), required=True, check=check_int)]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return articles.set_visits(session, actor, v["month"], int(v["visitors"])).month

        self.app.push_screen(FormScreen(_("Visitors of a month"), fields, save),
                             when_done(lambda month: self.changed(
                                 _("Visitors of {month} saved.").format(month=month), month)))
