"""The editor's desk: the queue of articles with their age at the current step, edits with
their history, each unit's articles against its monthly quota; edits of units and accounts.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain import accounts, articles, audit, limits, scope, settings, units
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import today
from models import Article, ArticleEvent, Unit

WAITING = ("submitted", "editing", "approved")
MAX_QUOTA = 1_000_000


# ---------------------------------------------------------------- the queue


def _step_started(session: Session, ids: list[int]) -> dict[tuple[int, str], date]:
    """When each article last entered each status (ArticleEvent), in one grouped query."""
    if not ids:
        return {}
    query = (select(ArticleEvent.article_id, ArticleEvent.to_status,
                    func.max(ArticleEvent.at))
             .where(col(ArticleEvent.article_id).in_(ids),
                    col(ArticleEvent.from_status) != col(ArticleEvent.to_status))
             .group_by(col(ArticleEvent.article_id), col(ArticleEvent.to_status)))
    return {(article_id, status): at.date() for article_id, status, at in session.exec(query)}


def queue(session: Session, on: date | None = None, *, actor: Actor | None = None
          ) -> list[dict[str, Any]]:
    """Articles not yet published or rejected, oldest first, with the days they have waited
    at their current step (since they entered it, or since submission for imported ones).
    Of the actor's scope (domain.scope)."""
    on = on or today()
    query = (select(Article, Unit.code).join(Unit, col(Unit.id) == Article.unit_id)
             .where(col(Article.status).in_(WAITING))
             .order_by(col(Article.submitted), col(Article.id)))
    query = scope.where_units(query, actor, Article.unit_id)
    rows = list(session.exec(query))
    started = _step_started(session, [a.id for a, _code in rows if a.id is not None])
    out = []
    for article, code in rows:
        # Waiting for review counts from the day the unit sent it (an import has no event).
        since = article.submitted if article.status == "submitted" else max(
            started.get((article.id or 0, article.status), article.submitted), article.submitted)
        out.append({"id": article.id, "title": article.title, "kind": article.kind,
                    "unit": code, "author": article.author, "status": article.status,
                    "submitted": article.submitted.isoformat(), "since": since.isoformat(),
                    "days_waiting": max((on - since).days, 0)})
    return out


# ---------------------------------------------------------------- edits


def edit(session: Session, actor: Actor, article_id: int, **fields: Any) -> dict[str, Any]:
    """Change an article's title, kind, author, photos, unit or URL; the old and new values
    are kept in its history (and the audit chain). Returns what changed."""
    require(actor, "articles.write")
    article = articles.visible(session, actor, article_id, for_update=True)
    changes: dict[str, list[Any]] = {}
    for name, value in _checked(session, actor, fields).items():
        old = getattr(article, name)
        if value != old:
            changes[name] = [old, value]
            setattr(article, name, value)
    if not changes:
        return {}
    shown = {("unit" if k == "unit_id" else k): v for k, v in changes.items()}
    if "unit" in shown:
        codes = units.by_id(session)
        shown["unit"] = [codes[i].code for i in shown["unit"]]
    session.add(article)
    session.add(ArticleEvent(article_id=article.id,  # type: ignore[arg-type]
                             from_status=article.status, to_status=article.status,
                             account=actor.username,
                             note=json.dumps(shown, ensure_ascii=False, default=str)))
    audit.record(session, actor, "article.edit", "article", article.id, **shown)
    return shown


def _checked(session: Session, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "title":
            values["title"] = limits.text(value, "title", required=True)
        elif name == "kind":
            values["kind"] = articles.check_kind(value)
        elif name == "author":
            values["author"] = limits.text(value, "author")
        elif name == "photos":
            values["photos"] = articles.check_photos(value)
        elif name == "unit":
            values["unit_id"] = units.visible(session, actor, value).id
        elif name == "url":
            link = limits.text(value, "url")
            if link and not link.lower().startswith(("http://", "https://")):
                raise BBTError(_("The URL '{url}' must start with http:// or https://.").format(
                    url=link))
            values["url"] = link
        else:
            raise BBTError(_("An article has no field '{name}'.").format(name=name))
    return values


# ---------------------------------------------------------------- units against the quota


def quota(session: Session) -> int:
    value = settings.get(session, "article_quota").strip() or "0"
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_QUOTA:
        raise BBTError(_("The setting article_quota ('{value}') is not a whole number of "
                         "articles.").format(value=value))
    return number


def _home_units(session: Session) -> list[Unit]:
    """Active units of the district: those under another committee (the province's Tỉnh
    ủy and its office) send the board documents, not articles."""
    ids = units.by_id(session)
    org = session.exec(select(Unit).where(
        Unit.code == (settings.get(session, "org.code") or "BBT"))).first()

    def root(unit: Unit) -> Unit:
        seen: set[int] = set()
        while unit.parent_id is not None and unit.parent_id not in seen:
            seen.add(unit.parent_id)
            unit = ids[unit.parent_id]
        return unit

    home = root(org) if org else None
    return sorted((u for u in ids.values() if u.active and not (
        root(u).kind == "committee" and home is not None and root(u).id != home.id)),
        key=lambda u: u.code)


def stats_units(session: Session, month: str, *, actor: Actor | None = None
                ) -> dict[str, Any]:
    """Per unit: articles sent (submitted) and published in the month, the quota, and
    whether the unit was silent (sent nothing); units of the actor's scope."""
    start, end = articles.month_bounds(month)
    return {"month": articles.check_month(month),
            **units_against_quota(session, start=start, end=end, months=1, actor=actor)}


def units_against_quota(session: Session, *, start: date, end: date, months: int,
                        actor: Actor | None = None) -> dict[str, Any]:
    """Per active unit of the district: articles sent and published from `start` up to
    (not including) `end`, against the quota of `months` months; the silent units (sent
    nothing) and those below the quota, by code. A status report covers several months."""
    sent = _count_by_unit(session, col(Article.submitted), start, end)
    published = _count_by_unit(session, col(Article.published), start, end,
                               Article.status == "published")
    per_month = quota(session)
    target = per_month * months
    rows = []
    home = _home_units(session) if not scope.is_scoped(actor) else [
        u for u in units.listing(session, actor=actor) if u.active]  # its district's own
    for unit in sorted(home, key=lambda u: u.code):
        count = sent.get(unit.id or 0, 0)
        rows.append({"unit": unit.code, "name": unit.name, "sent": count,
                     "published": published.get(unit.id or 0, 0), "quota": target,
                     "met": count >= target, "silent": count == 0})
    return {"quota": target, "quota_per_month": per_month, "units": rows,
            "silent": [r["unit"] for r in rows if r["silent"]],
            "below_quota": [r["unit"] for r in rows if not r["met"]]}


def _count_by_unit(session: Session, column: Any, start: date, end: date,
                   *conditions: Any) -> dict[int, int]:
    query = (select(Article.unit_id, func.count()).where(column >= start, column < end,
                                                        *conditions)
             .group_by(col(Article.unit_id)))
    return {unit_id: int(n) for unit_id, n in session.exec(query)}


# ---------------------------------------------------------------- units and accounts


def set_account(session: Session, actor: Actor, username: str, *, role: str | None = None,
                unit: str | None = None, full_name: str | None = None,
                active: bool | None = None, scope_code: str | None = None) -> dict[str, Any]:
    """Change an account; an inactive (disabled) account cannot log in. Returns its row."""
    require(actor, "accounts.write")
    if role is not None and accounts.normalise(username) == actor.username and \
            accounts.check_role(role) != actor.role:
        raise BBTError(_("You cannot change your own role; another admin can."))
    if unit is not None and units.get(session, unit).id != accounts.get(session, username).unit_id:
        units.require_active(units.get(session, unit))  # nobody new joins an inactive unit
    account = accounts.update(session, actor, username, full_name=full_name, unit=unit,
                              role=role, scope_code=scope_code)
    if active is not None:
        status = "active" if active else "disabled"
        if account.username == actor.username and not active:
            raise BBTError(_("You cannot deactivate your own account."))
        if status != account.status:
            previous, account.status = account.status, status
            if active:
                account.failed_logins = 0
            session.add(account)
            audit.record(session, actor, "account.update", "account", account.username,
                         status=status, previous=previous)
    unit_code = units.by_id(session)[account.unit_id].code
    return accounts.as_row(account, unit_code)
