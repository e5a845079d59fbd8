"""Articles through the editorial workflow, contributors and website visits, on both engines."""

from __future__ import annotations

import json
from datetime import date

from tests.conftest import Bbt, make_user

ARTICLE_KEYS = {"id", "title", "kind", "unit", "author", "photos", "status", "submitted",
                "published", "url"}
ACTIONS = ("review", "approve", "reject", "publish")
# The only legal moves: action -> (from, to).
LEGAL = {("submitted", "review"): "editing", ("editing", "approve"): "approved",
         ("approved", "publish"): "published", ("submitted", "reject"): "rejected",
         ("editing", "reject"): "rejected", ("approved", "reject"): "rejected"}
PATHS = {"submitted": (), "editing": ("review",), "approved": ("review", "approve"),
         "published": ("review", "approve", "publish"), "rejected": ("reject",)}


def add_article(bbt: Bbt, title: str = "Tin hội nghị", kind: str = "news", unit: str = "BBT",
                *extra: str) -> int:
    return int(bbt.ok("article", "add", "--title", title, "--kind", kind, "--unit", unit,
                      *extra).stdout.strip())


def article(bbt: Bbt, article_id: int) -> dict:
    return bbt.json("article", "show", str(article_id))


def prepared(bbt: Bbt, title: str, kind: str = "news", unit: str = "BBT", author: str = "",
             photos: int = 0, steps: tuple[str, ...] = (), published: str | None = None) -> int:
    """An article moved along `steps` through the domain layer: quick setup, so that the
    CLI calls of a test are the ones it is about."""
    from domain import articles
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    with transaction(get_engine(bbt.url)) as session:
        created = articles.add(session, admin, title, kind, unit, author, photos, "2022-01-01")
        for step in steps:
            articles.move(session, admin, created.id or 0, step, on=published)
        return created.id or 0


def test_workflow_records_who_and_when_and_keeps_url(bbt: Bbt) -> None:
    editor = make_user(bbt, "bientap", "BBT", "editor")
    article_id = add_article(editor, "Hội nghi\u0323 tổng kết", "feature", "bbt", "--author",
                             "Ka Thảo", "--photos", "5", "--submitted", "03/02/2022")
    editor.ok("article", "review", str(article_id))
    bbt.ok("article", "approve", str(article_id))
    out = editor.ok("article", "publish", str(article_id), "--on", "2022-02-10", "--url",
                    "https://baolam.lamdong.dcs.vn/tin-bai/1").stdout
    assert "published" in out

    rows = bbt.json("article", "list")
    assert len(rows) == 1 and set(rows[0]) == ARTICLE_KEYS
    assert rows[0] == {"id": article_id, "title": "Hội nghị tổng kết", "kind": "feature",
                       "unit": "BBT", "author": "Ka Thảo", "photos": 5, "status": "published",
                       "submitted": "2022-02-03", "published": "2022-02-10",
                       "url": "https://baolam.lamdong.dcs.vn/tin-bai/1"}
    history = article(bbt, article_id)["history"]
    assert [(h["from"], h["to"], h["account"]) for h in history] == [
        (None, "submitted", "bientap"), ("submitted", "editing", "bientap"),
        ("editing", "approved", "admin"), ("approved", "published", "bientap")]
    assert all(h["at"] for h in history)

    actions = [e["action"] for e in bbt.json("audit", "list") if e["entity"] == "article"]
    assert actions == ["article.publish", "article.approve", "article.review", "article.add"]
    bbt.ok("audit", "verify")
    table = bbt.ok("article", "show", str(article_id)).stdout
    assert "bientap" in table and "published" in table


def test_every_illegal_transition_is_refused_and_changes_nothing(bbt: Bbt) -> None:
    ids = {status: prepared(bbt, f"Tin {status}", steps=path, published="2022-01-05")
           for status, path in PATHS.items()}
    refused = 0
    for status, article_id in ids.items():
        for action in ACTIONS:
            if (status, action) in LEGAL:
                continue
            result = bbt("article", action, str(article_id))
            assert result.exit_code == 1, (status, action, result.output)
            assert f"is {status}" in result.stderr and "Traceback" not in result.output
            refused += 1
    assert refused == 4 * 5 - len(LEGAL)
    after = {r["id"]: r for r in bbt.json("article", "list")}
    assert {s: after[i]["status"] for s, i in ids.items()} == {s: s for s in PATHS}
    assert after[ids["rejected"]]["published"] is None
    for status, article_id in ids.items():  # no event was written for a refused move
        assert len(article(bbt, article_id)["history"]) == len(PATHS[status]) + 1


def test_each_legal_move_leads_where_it_should(bbt: Bbt) -> None:
    ids = {}
    for (source, action), target in LEGAL.items():
        ids[source, action] = article_id = prepared(bbt, f"{source} {action}",
                                                    steps=PATHS[source])
        assert target in bbt.ok("article", action, str(article_id)).stdout
    statuses = {r["id"]: r["status"] for r in bbt.json("article", "list")}
    assert {key: statuses[i] for key, i in ids.items()} == LEGAL


def test_bad_input_is_refused_in_one_sentence(bbt: Bbt) -> None:
    cases = [
        (["article", "add", "--title", "T", "--kind", "poem", "--unit", "BBT"], "poem"),
        (["article", "add", "--title", "T", "--kind", "news", "--unit", "NOPE"], "NOPE"),
        (["article", "add", "--title", " ", "--kind", "news", "--unit", "BBT"], "title"),
        (["article", "add", "--title", "T", "--kind", "news", "--unit", "BBT", "--photos", "-1"],
         "negative"),
        (["article", "add", "--title", "T", "--kind", "news", "--unit", "BBT", "--submitted",
          "31/02/2022"], "not a date"),
        (["article", "review", "999"], "999"),
        (["article", "list", "--month", "2022-13"], "YYYY-MM"),
        (["article", "list", "--status", "lost"], "lost"),
        (["article", "contributors", "--year", "2022", "--month", "13"], "YYYY-MM"),
    ]
    for args, fragment in cases:
        result = bbt(*args)
        assert result.exit_code == 1, (args, result.output)
        assert fragment in result.stderr and "Traceback" not in result.output
    article_id = str(add_article(bbt, "Tin", "news", "BBT", "--submitted", "2022-03-10"))
    bbt.ok("article", "review", article_id)
    bbt.ok("article", "approve", article_id)
    early = bbt("article", "publish", article_id, "--on", "2022-03-09")
    assert early.exit_code == 1 and "before it was submitted" in early.stderr
    bad_url = bbt("article", "publish", article_id, "--on", "2022-03-11", "--url", "javascript:x")
    assert bad_url.exit_code == 1 and "http" in bad_url.stderr
    assert article(bbt, int(article_id))["status"] == "approved"
    assert bbt("article", "add", "--title", "T", "--unit", "BBT").exit_code == 2


def test_only_admins_and_editors_write_articles_and_visits(bbt: Bbt) -> None:
    article_id = str(add_article(bbt))
    for role in ("operator", "clerk", "viewer"):
        user = make_user(bbt, f"u.{role}", "BBT", role)
        for args in (["article", "add", "--title", "T", "--kind", "news", "--unit", "BBT"],
                     ["article", "review", article_id], ["visits", "set", "2022-01", "5"]):
            result = user(*args)
            assert result.exit_code == 3, (role, args, result.output)
        assert user.json("article", "list")[0]["status"] == "submitted"
        assert user.json("visits", "list") == []


def test_list_filters_by_month_status_kind_and_unit(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DU-LOCAN", "Đảng bộ xã Lộc An", "--kind", "grassroots")
    published = add_article(bbt, "Tin tháng 3", "news", "BBT", "--submitted", "2022-02-27")
    for action in ("review", "approve"):
        bbt.ok("article", action, str(published))
    bbt.ok("article", "publish", str(published), "--on", "2022-03-02")
    waiting = add_article(bbt, "Bài chờ", "feature", "DU-LOCAN", "--submitted", "2022-02-28")

    def ids(*args: str) -> list[int]:
        return [r["id"] for r in bbt.json("article", "list", *args)]

    assert ids("--month", "2022-03") == [published]  # counted by its published date
    assert ids("--month", "2022-02") == [waiting]  # not published: by submitted date
    assert ids("--status", "submitted") == [waiting]
    assert ids("--kind", "news") == [published]
    assert ids("--unit", "du-locan") == [waiting]
    assert ids("--month", "2022-04") == []
    assert "chờ" in bbt.ok("article", "list").stdout


def test_contributors_per_author_unit_and_month(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DU-LOCAN", "Đảng bộ xã Lộc An", "--kind", "grassroots")
    plan = [  # title, kind, unit, author, photos, published (None: stays unpublished)
        ("a", "news", "BBT", "Ka Thảo", 3, "2022-03-01"),
        ("b", "feature", "BBT", "Ka Thảo", 2, "2022-03-20"),
        ("c", "news", "BBT", "Ka Thảo", 4, "2022-04-02"),
        ("d", "news", "DU-LOCAN", "K'Brơi", 1, "2022-03-05"),
        ("e", "slogan", "BBT", "Ka Thảo", 0, "2022-03-06"),  # not a written contribution
        ("f", "news", "DU-LOCAN", "K'Brơi", 9, None),  # not published
        ("g", "news", "DU-LOCAN", "K'Brơi", 7, "2023-03-05"),  # another year
    ]
    for title, kind, unit, author, photos, published in plan:
        prepared(bbt, title, kind, unit, author, photos,
                 PATHS["published"] if published else (), published)
    rows = bbt.json("article", "contributors", "--year", "2022")
    assert [(r["unit"], r["author"], r["month"], r["news"], r["features"], r["items"],
             r["photos"]) for r in rows] == [
        ("BBT", "Ka Thảo", 3, 1, 1, 2, 5), ("BBT", "Ka Thảo", 4, 1, 0, 1, 4),
        ("DU-LOCAN", "K'Brơi", 3, 1, 0, 1, 1)]
    assert set(rows[0]) == {"author", "unit", "unit_name", "month", "news", "features", "items",
                            "photos"}
    assert rows[2]["unit_name"] == "Đảng bộ xã Lộc An"
    march = bbt.json("article", "contributors", "--year", "2022", "--month", "4")
    assert [(r["unit"], r["month"]) for r in march] == [("BBT", 4)]
    assert "K'Brơi" in bbt.ok("article", "contributors", "--year", "2022").stdout


def test_visits_cumulative_with_opening_balance(bbt: Bbt) -> None:
    from domain.articles import cumulative_visits
    from domain.db import get_engine, transaction

    bbt.ok("settings", "set", "visits.opening_balance", "1000")
    bbt.ok("visits", "set", "2022-02", "300")
    bbt.ok("visits", "set", "2022-01", "200")
    bbt.ok("visits", "set", "2022-02", "350")  # a correction replaces the month
    editor = make_user(bbt, "bientap", "BBT", "editor")
    editor.ok("visits", "set", "2022-04", "50")
    rows = bbt.json("visits", "list")
    assert rows == [{"month": "2022-01", "visitors": 200, "cumulative": 1200},
                    {"month": "2022-02", "visitors": 350, "cumulative": 1550},
                    {"month": "2022-04", "visitors": 50, "cumulative": 1600}]
    with transaction(get_engine(bbt.url)) as session:
        assert cumulative_visits(session, date(2022, 2, 28)) == 1550
        assert cumulative_visits(session, date(2022, 3, 1)) == 1550
        assert cumulative_visits(session, date(2021, 12, 31)) == 1000
        assert cumulative_visits(session, date(2030, 1, 1)) == 1600
    assert "1,550" in bbt.ok("visits", "list").stdout
    for args in (["2022-13", "5"], ["2022/01", "5"], ["2022-01", "-5"]):
        assert bbt("visits", "set", "--", *args).exit_code == 1, args
    assert bbt("visits", "set", "2022-01", "many").exit_code == 2
    audit = [e for e in bbt.json("audit", "list") if e["action"] == "visits.set"]
    assert len(audit) == 4 and json.loads(audit[1]["detail"])["previous"] == 300
    bbt.ok("settings", "set", "visits.opening_balance", "lots")
    broken = bbt("visits", "list")
    assert broken.exit_code == 1 and "opening_balance" in broken.stderr


def test_demo_articles_visits_and_contributors(demo: Bbt) -> None:
    feb = demo.json("article", "list", "--month", "2022-02", "--status", "published",
                    "--kind", "news")
    assert len(feb) == 4 and sum(r["photos"] for r in feb) == 16
    assert all(r["url"].startswith("https://") and r["published"].startswith("2022-02")
               for r in feb)
    waiting = {r["status"] for r in demo.json("article", "list") if r["published"] is None}
    assert waiting == {"submitted", "editing", "approved", "rejected"}
    contributors = demo.json("article", "contributors", "--year", "2022")
    assert sum(r["news"] for r in contributors) == 74
    assert sum(r["photos"] for r in contributors) == 291
    assert len({r["unit"] for r in contributors}) > 10
    visits = demo.json("visits", "list")
    june = next(r for r in visits if r["month"] == "2022-06")
    assert june["cumulative"] == 33_000 and visits[-1] == june
