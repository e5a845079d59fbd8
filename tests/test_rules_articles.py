"""The editorial workflow of an article as a state machine: every move from every status,
legal ones recorded (event and audit entry), illegal ones refused without a trace."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlmodel import select

from domain import articles
from domain.errors import BBTError
from models import Article, ArticleEvent
from tests import rules_support
from tests.rules_support import World

world = rules_support.world

# Written out from the workflow of SPEC section 4, not read from domain.articles.MOVES.
LEGAL = {
    ("submitted", "review"): "editing", ("editing", "approve"): "approved",
    ("approved", "publish"): "published", ("submitted", "reject"): "rejected",
    ("editing", "reject"): "rejected", ("approved", "reject"): "rejected",
}
SOURCES = {"review": "submitted", "approve": "editing", "publish": "approved",
           "reject": "submitted, editing, approved"}
TARGETS = {"review": "editing", "approve": "approved", "publish": "published",
           "reject": "rejected"}


class Workflow(RuleBasedStateMachine):
    ids = Bundle("articles")

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.editor = world.actor("editor")
        self.expected: dict[int, str] = {}

    @rule(target=ids, kind=st.sampled_from(["news", "feature", "slogan", "document"]))
    def add(self, kind: str) -> int:
        article = self.world.run(articles.add, self.editor, "Tin bài", kind, "XA1",
                                 submitted="2022-03-01")
        self.expected[article.id] = "submitted"
        return article.id  # type: ignore[return-value]

    @rule(article_id=ids, action=st.sampled_from(sorted(SOURCES)))
    def move(self, article_id: int, action: str) -> None:
        status = self.expected[article_id]
        entries = len(self.world.audit())
        target = LEGAL.get((status, action))
        if target is None:
            with pytest.raises(BBTError) as refused:
                self.world.run(articles.move, self.editor, article_id, action, on="2022-03-01")
            assert str(refused.value) == (
                f"Article {article_id} is {status}; it cannot be moved to {TARGETS[action]} "
                f"(only from {SOURCES[action]}).")
            assert len(self.world.audit()) == entries
            return
        moved = self.world.run(articles.move, self.editor, article_id, action, on="2022-03-01")
        assert moved.status == target
        self.expected[article_id] = target
        entry = self.world.audit()[-1]
        assert (entry.action, entry.entity, entry.entity_key, entry.actor) == (
            f"article.{action}", "article", str(article_id), "editor-bbt")
        detail = json.loads(entry.detail)
        assert (detail["from"], detail["to"]) == (status, target)
        if target == "published":
            assert detail["published"] == "2022-03-01" and detail["url"] == ""

    @invariant()
    def statuses_and_history_match(self) -> None:
        def stored(session):  # type: ignore[no-untyped-def]
            found = {a.id: a.status for a in session.exec(select(Article))}
            events: dict[int, list[str]] = {}
            for event in session.exec(select(ArticleEvent).order_by(ArticleEvent.id)):  # type: ignore[arg-type]
                events.setdefault(event.article_id, []).append(event.to_status)
            return found, events

        found, events = self.world.read(stored)
        for article_id, status in self.expected.items():
            assert found[article_id] == status
            assert events[article_id][0] == "submitted" and events[article_id][-1] == status


def test_the_editorial_workflow(world: World) -> None:
    Workflow.TestCase.settings = settings(
        max_examples=12, stateful_step_count=12, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(lambda: Workflow(world), settings=Workflow.TestCase.settings)


def test_publication_dates_urls_and_refusals(world: World) -> None:
    editor = world.actor("editor")

    def approved() -> int:
        item = world.run(articles.add, editor, "Tin", "news", "XA1", photos=2,
                         submitted="2022-03-10")
        world.run(articles.review, editor, item.id)
        world.run(articles.approve, editor, item.id)
        return item.id  # type: ignore[return-value]

    first = approved()
    with pytest.raises(BBTError) as refused:
        world.run(articles.publish, editor, first, on="2022-03-09")
    assert str(refused.value) == (f"Article {first} cannot be published on 2022-03-09, before "
                                  "it was submitted on 2022-03-10.")
    with pytest.raises(BBTError, match="^The URL 'ftp://x' must start with http:// or https://."):
        world.run(articles.publish, editor, first, on="2022-03-10", url="ftp://x")
    published = world.run(articles.publish, editor, first, on="2022-03-10",
                          url="HTTPS://baolam.vn/tin")
    assert (published.status, published.published, published.url) == (
        "published", date(2022, 3, 10), "HTTPS://baolam.vn/tin")
    with pytest.raises(BBTError, match="^Unknown article action 'delete'.$"):
        world.run(articles.move, editor, first, "delete")
    with pytest.raises(BBTError, match="^The number of photos cannot be negative.$"):
        world.run(articles.add, editor, "Tin", "news", "XA1", photos=-1)
    with pytest.raises(BBTError, match="^An article needs a title.$"):
        world.run(articles.add, editor, " ", "news", "XA1")
    assert world.run(articles.add, editor, "Ảnh", "news", "XA1", photos=0).photos == 0
