"""Website feed sync: each entry of an RSS or Atom feed (feedparser) becomes a published
article of the unit, its kind from its category (setting `feed.kinds`), its photos counted
from its images. An entry whose URL is already recorded is skipped: syncing twice adds
nothing.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from domain import articles, audit, limits, settings, units
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import fold, nfc, today
from models import Article, ArticleEvent, FeedSync

MAX_FEED_BYTES = 20 * 1024 * 1024
TIMEOUT_SECONDS = 30
IMG_SRC = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.IGNORECASE)


def read_source(source: str) -> bytes:
    """The feed's bytes from an http(s) URL or a file, refusing anything larger than 20 MB."""
    if source.lower().startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                data = bytes(response.read(MAX_FEED_BYTES + 1))
        except OSError as exc:
            raise BBTError(_("The feed {source} could not be read: {reason}.").format(
                source=source, reason=getattr(exc, "reason", None) or exc)) from None
    else:
        path = Path(source)
        if not path.is_file():
            raise BBTError(_("The feed '{source}' is neither an http(s) URL nor a file.").format(
                source=source))
        data = path.read_bytes()[:MAX_FEED_BYTES + 1]
    if len(data) > MAX_FEED_BYTES:
        raise BBTError(_("The feed {source} is larger than 20 MB.").format(source=source))
    return data


def kind_map(session: Session) -> dict[str, str]:
    """Setting feed.kinds: lines of `category=kind`; categories compared folded."""
    found = {}
    for line in settings.get(session, "feed.kinds").splitlines():
        name, sep, kind = line.partition("=")
        if sep and name.strip():
            found[fold(name)] = articles.check_kind(kind.strip())
    return found


def _kind(entry: Any, kinds: dict[str, str]) -> str:
    for tag in entry.get("tags") or []:
        kind = kinds.get(fold(tag.get("term") or tag.get("label") or ""))
        if kind:
            return kind
    return "news"


def count_photos(entry: Any) -> int:
    """Distinct images of an entry: media:content and enclosures of an image type, and
    <img> in its content or summary."""
    images = set()
    for media in [*(entry.get("media_content") or []), *(entry.get("enclosures") or [])]:
        kind = media.get("type") or ""
        if kind.startswith("image/") or media.get("medium") == "image":
            images.add(media.get("url") or media.get("href"))
    texts = [c.get("value", "") for c in entry.get("content") or []]
    texts.append(entry.get("summary") or "")
    for text in texts:
        images.update(IMG_SRC.findall(text))
    images.discard(None)
    return len(images)


def _published(entry: Any) -> date:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else today()


@dataclass
class SyncResult:
    entries: int = 0
    added: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"entries": self.entries, "added": self.added, "skipped": self.skipped}


def sync(session: Session, actor: Actor, source: str, unit: str) -> SyncResult:
    """Record the feed's new entries as published articles of `unit`."""
    import feedparser

    require(actor, "articles.write")
    owner = units.visible(session, actor, unit)
    parsed = feedparser.parse(read_source(source))
    if not parsed.entries and parsed.get("bozo"):
        raise BBTError(_("'{source}' is not an RSS or Atom feed.").format(source=source))
    kinds, result = kind_map(session), SyncResult(entries=len(parsed.entries))
    # An address longer than the url field holds is no page of the site: skipped.
    links = [nfc(e.get("link") or "")[:limits.TEXT_LIMITS["url"] + 1] for e in parsed.entries]
    known = set(session.exec(select(Article.url).where(col(Article.url).in_(links))))
    for entry, link in zip(parsed.entries, links, strict=True):
        if not link.lower().startswith(("http://", "https://")) or link in known or \
                len(link) > limits.TEXT_LIMITS["url"]:
            result.skipped += 1
            continue
        known.add(link)
        result.added.append(_add(session, actor, entry, link, owner.id, kinds))  # type: ignore[arg-type]
    session.add(FeedSync(source=source[:1000], unit_id=owner.id, actor=actor.username,  # type: ignore[arg-type]
                         entries=result.entries, added=len(result.added),
                         added_titles="\n".join(a["title"] for a in result.added)))
    audit.record(session, actor, "article.sync_feed", "feed", source[:255], unit=owner.code,
                 entries=result.entries, added=[a["id"] for a in result.added])
    return result


def _add(session: Session, actor: Actor, entry: Any, link: str, unit_id: int,
         kinds: dict[str, str]) -> dict[str, Any]:
    day = _published(entry)
    title = limits.clean(entry.get("title") or link)[:limits.TEXT_LIMITS["title"]]
    author = limits.clean(entry.get("author") or "")[:limits.TEXT_LIMITS["author"]]
    article = Article(title=title, kind=_kind(entry, kinds), unit_id=unit_id, author=author,
                      photos=count_photos(entry), status="published", submitted=day,
                      published=day, url=link)
    session.add(article)
    session.flush()
    session.add(ArticleEvent(article_id=article.id,  # type: ignore[arg-type]
                             from_status="", to_status="published", account=actor.username,
                             note="feed"))
    return {"id": article.id, "title": article.title, "kind": article.kind,
            "photos": article.photos, "published": day.isoformat(), "url": link}


def last_sync(session: Session) -> FeedSync | None:
    return session.exec(select(FeedSync).order_by(col(FeedSync.at).desc(),
                                                  col(FeedSync.id).desc())).first()
