"""Website publication (tin bài): articles through the editorial workflow, contributors, visits.

Workflow: submitted -> editing (review) -> approved -> published, or rejected from any of the
first three. Each move is kept in ArticleEvent (who, when) and in the audit chain.
Statistics count published items by their published date (domain/stats.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, extract, func
from sqlmodel import Session, col, select

from domain import audit, limits, scope, settings, units, vocab
from domain.auth import Actor, require
from domain.db import take_turns
from domain.errors import BBTError, NotFound
from domain.i18n import N_, _
from domain.text import nfc, parse_date
from models import ARTICLE_KINDS, ARTICLE_STATUSES, Article, ArticleEvent, Unit, Visit


@dataclass(frozen=True)
class Move:
    """One step of the editorial workflow: the statuses it starts from and where it leads."""

    sources: tuple[str, ...]
    target: str


MOVES: dict[str, Move] = {
    "review": Move(("submitted",), "editing"),
    "approve": Move(("editing",), "approved"),
    "publish": Move(("approved",), "published"),
    "reject": Move(("submitted", "editing", "approved"), "rejected"),
}

# The statuses as sentences name them (English msgids; the codes stay English in JSON).
STATUS_NAMES = {"submitted": N_("submitted"), "editing": N_("editing"),
                "approved": N_("approved"), "published": N_("published"),
                "rejected": N_("rejected")}


def status_name(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


# Written contributions: slogans and posted documents are the board's own work.
WRITTEN_KINDS = ("news", "feature")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


# --- articles -------------------------------------------------------------------------------


def check_kind(kind: str) -> str:
    kind = vocab.code("article_kind", kind)
    if kind not in ARTICLE_KINDS:
        raise BBTError(_("Article kind '{kind}' is unknown; use one of {kinds}.").format(
            kind=kind, kinds=", ".join(ARTICLE_KINDS)))
    return kind


def check_status(status: str) -> str:
    status = vocab.code("article_status", status)
    if status not in ARTICLE_STATUSES:
        raise BBTError(_("Article status '{status}' is unknown; use one of {statuses}.").format(
            status=status, statuses=", ".join(ARTICLE_STATUSES)))
    return status


def check_photos(photos: int) -> int:
    if photos < 0:
        raise BBTError(_("The number of photos cannot be negative."))
    return limits.count(photos, "photos")


def get(session: Session, article_id: int, *, for_update: bool = False) -> Article:
    # Moving an article locks its row (PostgreSQL), so two editors cannot both move it from
    # the same status; SQLite's write transactions are serialised already.
    article = session.get(Article, article_id, with_for_update=for_update)
    if article is None:
        raise NotFound(_("There is no article with id {id}.").format(id=article_id))
    return article


def visible(session: Session, actor: Actor, article_id: int, *, for_update: bool = False
            ) -> Article:
    """The article, if its unit lies in the actor's scope (exit 3 when it does not)."""
    article = get(session, article_id, for_update=for_update)
    scope.require_in_scope(actor, article.unit_id)
    return article


def add(
    session: Session,
    actor: Actor,
    title: str,
    kind: str,
    unit: str,
    author: str = "",
    photos: int = 0,
    submitted: str | date | None = None,
) -> Article:
    """Record an article as submitted by a unit's contributor."""
    require(actor, "articles.write")
    title = limits.text(title, "title")
    if not title:
        raise BBTError(_("An article needs a title."))
    source = units.visible(session, actor, unit)
    article = Article(
        title=title,
        kind=check_kind(kind),
        unit_id=source.id,  # type: ignore[arg-type]
        author=nfc(author),
        photos=check_photos(photos),
        status="submitted",
        submitted=parse_date(submitted, "submitted") or date.today(),
    )
    session.add(article)
    session.flush()
    session.add(ArticleEvent(article_id=article.id,  # type: ignore[arg-type]
                             from_status="", to_status="submitted", account=actor.username))
    audit.record(session, actor, "article.add", "article", article.id, title=title, kind=kind,
                 unit=source.code, author=article.author, photos=article.photos,
                 submitted=article.submitted)
    return article


def move(
    session: Session,
    actor: Actor,
    article_id: int,
    action: str,
    *,
    on: str | date | None = None,
    url: str | None = None,
    reason: str = "",
) -> Article:
    """Apply one workflow step; an illegal step is refused and changes nothing. A reason
    (why an article is rejected) is kept with the step."""
    require(actor, "articles.write")
    step = MOVES.get(action)
    if step is None:
        raise BBTError(_("Unknown article action '{action}'.").format(action=action))
    article = visible(session, actor, article_id, for_update=True)
    if article.status not in step.sources:
        raise BBTError(_("Article {id} is {status}; it cannot be moved to {target} "
                         "(only from {sources}).").format(
            id=article.id, status=status_name(article.status), target=status_name(step.target),
            sources=", ".join(status_name(s) for s in step.sources)))
    detail: dict[str, Any] = {"from": article.status, "to": step.target}
    reason = limits.text(reason, "reason")
    if reason:
        detail["reason"] = reason
    if step.target == "published":
        _publish(article, on, url)
        detail.update(published=article.published, url=article.url)
    session.add(ArticleEvent(article_id=article.id,  # type: ignore[arg-type]
                             from_status=article.status, to_status=step.target,
                             account=actor.username, note=reason))
    article.status = step.target
    session.add(article)
    audit.record(session, actor, f"article.{action}", "article", article.id, **detail)
    return article


def _publish(article: Article, on: str | date | None, url: str | None) -> None:
    published = parse_date(on, "publication date") or date.today()
    if published < article.submitted:
        raise BBTError(_("Article {id} cannot be published on {on}, before it was submitted "
                         "on {submitted}.").format(id=article.id, on=published,
                                                   submitted=article.submitted))
    link = nfc(url or "")
    if link and not link.lower().startswith(("http://", "https://")):
        raise BBTError(_("The URL '{url}' must start with http:// or https://.").format(url=link))
    article.published, article.url = published, link


def review(session: Session, actor: Actor, article_id: int) -> Article:
    return move(session, actor, article_id, "review")


def approve(session: Session, actor: Actor, article_id: int) -> Article:
    return move(session, actor, article_id, "approve")


def reject(session: Session, actor: Actor, article_id: int, reason: str = "") -> Article:
    return move(session, actor, article_id, "reject", reason=reason)


def publish(
    session: Session, actor: Actor, article_id: int, on: str | date | None = None,
    url: str | None = None,
) -> Article:
    return move(session, actor, article_id, "publish", on=on, url=url)


def month_bounds(month: str) -> tuple[date, date]:
    """First day of YYYY-MM and first day of the month after it."""
    match = MONTH_PATTERN.match(month.strip())
    try:
        if not match:
            raise ValueError(month)
        year, number = int(match[1]), int(match[2])
        return date(year, number, 1), date(year + number // 12, number % 12 + 1, 1)
    except ValueError:
        raise BBTError(_("Month '{month}' must be written YYYY-MM.").format(month=month)) from None


def listing(
    session: Session,
    month: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    unit: str | None = None,
    *,
    actor: Actor | None = None,
    newest_first: bool = False,
) -> list[tuple[Article, str]]:
    """Articles with their unit code, by date (published, else submitted), oldest first or,
    for screens where the latest work is what one acts on, newest first. A month selects by
    published date, or by submitted date for articles not yet published. Of the actor's
    scope (domain.scope)."""
    query = select(Article, Unit.code).join(Unit, col(Unit.id) == Article.unit_id)
    query = scope.where_units(query, actor, Article.unit_id)
    when = func.coalesce(Article.published, Article.submitted)
    if month:
        start, end = month_bounds(month)
        query = query.where(when >= start, when < end)
    if status:
        query = query.where(Article.status == check_status(status))
    if kind:
        query = query.where(Article.kind == check_kind(kind))
    if unit:
        query = query.where(Article.unit_id == units.visible(session, actor, unit).id)
    order = (when.desc(), col(Article.id).desc()) if newest_first else (when, col(Article.id))
    return list(session.exec(query.order_by(*order)))  # type: ignore[arg-type]


def as_row(article: Article, unit_code: str) -> dict[str, Any]:
    """The import columns of SPEC section 4, plus the id."""
    return {
        "id": article.id,
        "title": article.title,
        "kind": article.kind,
        "unit": unit_code,
        "author": article.author,
        "photos": article.photos,
        "status": article.status,
        "submitted": article.submitted.isoformat(),
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
    }


def history(session: Session, article_id: int) -> list[ArticleEvent]:
    get(session, article_id)
    query = (select(ArticleEvent).where(ArticleEvent.article_id == article_id)
             .order_by(col(ArticleEvent.at), col(ArticleEvent.id)))
    return list(session.exec(query))


# --- contributors ---------------------------------------------------------------------------


def contributors(session: Session, year: int, month: int | None = None, *,
                 through: date | None = None, actor: Actor | None = None
                 ) -> list[dict[str, Any]]:
    """Published news and features per author, unit and month of a year, with their photos:
    who writes for the site and which units send too little. One grouped query. `through`
    counts only what was published on or before that day."""
    if month is None:
        start, end = month_bounds(f"{year:04d}-01")[0], date(year + 1, 1, 1)
    else:
        start, end = month_bounds(f"{year:04d}-{month:02d}")
    if through is not None:
        end = max(start, min(end, through + timedelta(days=1)))
    month_of = extract("month", col(Article.published))
    is_news = func.sum(case((col(Article.kind) == "news", 1), else_=0))
    query = (
        select(Article.author, Unit.code, Unit.name, month_of, is_news,  # type: ignore[call-overload]
               func.count(), func.sum(Article.photos))
        .join(Unit, col(Unit.id) == Article.unit_id)
        .where(Article.status == "published", col(Article.kind).in_(WRITTEN_KINDS),
               col(Article.published) >= start, col(Article.published) < end)
        .group_by(Article.author, Unit.code, Unit.name, month_of)
        .order_by(Unit.code, Article.author, month_of)
    )
    query = scope.where_units(query, actor, Article.unit_id)
    return [{"author": author, "unit": code, "unit_name": name, "month": int(number),
             "news": int(news or 0), "features": int(items) - int(news or 0),
             "items": int(items), "photos": int(photos or 0)}
            for author, code, name, number, news, items, photos in session.exec(query)]


# --- visits ---------------------------------------------------------------------------------


def check_month(month: str) -> str:
    start, _end = month_bounds(month)
    return f"{start.year:04d}-{start.month:02d}"


def set_visits(session: Session, actor: Actor, month: str, visitors: int) -> Visit:
    """Record (or correct) a month's visitor count of the website."""
    require(actor, "visits.write")
    month = check_month(month)
    if visitors < 0:
        raise BBTError(_("A visitor count cannot be negative."))
    visitors = limits.count(visitors, "visitors")
    take_turns(session, "visit", month)
    row = session.get(Visit, month)
    previous = row.visitors if row else None
    if row is None:
        row = Visit(month=month, visitors=visitors)
    row.visitors = visitors
    session.add(row)
    audit.record(session, actor, "visits.set", "visit", month, visitors=visitors,
                 previous=previous)
    return row


def opening_balance(session: Session) -> int:
    """Visitors counted before the first recorded month (setting visits.opening_balance)."""
    value = settings.get(session, "visits.opening_balance").strip() or "0"
    try:
        return int(value.replace(",", "").replace(".", ""))
    except ValueError:
        raise BBTError(_("The setting visits.opening_balance ('{value}') is not a whole "
                         "number.").format(value=value)) from None


def visits(session: Session) -> list[dict[str, Any]]:
    """Every recorded month with its count and the running total the site would show."""
    running = opening_balance(session)
    rows = []
    for visit in session.exec(select(Visit).order_by(col(Visit.month))):
        running += visit.visitors
        rows.append({"month": visit.month, "visitors": visit.visitors, "cumulative": running})
    return rows


def cumulative_visits(session: Session, upto: date) -> int:
    """Opening balance plus every month up to and including upto's month."""
    total = session.exec(select(func.coalesce(func.sum(Visit.visitors), 0))
                         .where(col(Visit.month) <= f"{upto.year:04d}-{upto.month:02d}")).one()
    return opening_balance(session) + int(total)
