"""Editing units, accounts and articles with history; the editorial queue; each unit's
articles against the quota; the list of data-entry subsystems. Both engines."""

from __future__ import annotations

import json
from datetime import date

from tests.conftest import ADMIN_PASSWORD, Bbt, make_user
from tests.test_articles import prepared


def test_unit_set_renames_moves_and_deactivates_with_history(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    bbt.ok("unit", "add", "DV", "Chi bộ", "--kind", "other")
    row = json.loads(bbt.ok("unit", "set", "dv", "--name", "Chi bộ Trường", "--parent", "HU",
                            "--kind", "Tổ chức cơ sở đảng").stdout)
    assert row == {"code": "DV", "name": "Chi bộ Trường", "kind": "grassroots", "parent": "HU",
                   "active": True}
    assert bbt("unit", "set", "HU", "--parent", "DV").exit_code == 1  # a cycle
    assert bbt("unit", "set", "DV", "--kind", "planet").exit_code == 1
    assert bbt("unit", "set", "DV", "--active", "maybe").exit_code == 2
    bbt.ok("unit", "set", "DV", "--active", "không")
    doc = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn",
                 "--date", "2022-06-01").stdout.strip()
    refused = bbt("doc", "send", doc, "--to", "DV")
    assert refused.exit_code == 1 and "inactive" in refused.stderr
    refused = bbt("doc", "send", doc, "--to-kind", "grassroots")  # nobody active of that kind
    assert refused.exit_code == 1
    entries = [e for e in bbt.json("audit", "list") if e["action"] == "unit.update"]
    details = [e["detail"] if isinstance(e["detail"], dict) else json.loads(e["detail"])
               for e in entries]
    assert {"name": "Chi bộ Trường", "kind": "grassroots", "parent": "HU"} in details
    assert {"active": False} in details


def test_account_set_changes_role_unit_and_stops_login(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Chi bộ", "--kind", "grassroots")
    user = make_user(bbt, "hoa", "BBT", "viewer")
    row = json.loads(bbt.ok("account", "set", "hoa", "--role", "Văn thư", "--unit", "DV",
                            "--name", "Nguyễn Thị Hoa").stdout)
    assert (row["role"], row["unit"], row["full_name"], row["status"]) == \
        ("operator", "DV", "Nguyễn Thị Hoa", "active")
    user.ok("unit", "list")
    bbt.ok("account", "set", "hoa", "--active", "no")
    refused = user("unit", "list")
    assert refused.exit_code == 3 and "disabled" in refused.stderr
    assert bbt("account", "set", "admin", "--active", "no").exit_code == 1
    assert bbt("account", "set", "admin", "--role", "viewer").exit_code == 1
    assert bbt("account", "set", "hoa", "--role", "chief").exit_code == 1
    bbt.ok("unit", "set", "DV", "--active", "no")
    assert bbt("account", "set", "hoa", "--unit", "DV").exit_code == 0  # unchanged: fine
    bbt.ok("unit", "add", "DV2", "Chi bộ 2", "--kind", "grassroots")
    bbt.ok("unit", "set", "DV2", "--active", "no")
    assert bbt("account", "set", "hoa", "--unit", "DV2").exit_code == 1
    bbt.ok("account", "set", "hoa", "--active", "yes")
    user.ok("unit", "list")
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("account", "set", "hoa", "--active", "no").exit_code == 3
    actions = [e["action"] for e in bbt.json("audit", "list")]
    assert actions.count("account.update") >= 3


def test_queue_oldest_first_with_days_at_the_current_step(bbt: Bbt) -> None:
    first = prepared(bbt, "Cũ nhất", "news", "BBT", "A", 0)  # submitted 2022-01-01
    second = prepared(bbt, "Đang biên tập", "feature", "BBT", "B", 0, ("review",))
    prepared(bbt, "Đã đăng", "news", "BBT", "C", 0, ("review", "approve", "publish"),
             "2022-02-01")
    rejected = prepared(bbt, "Bị từ chối", "news", "BBT", "D", 0)
    bbt.ok("article", "reject", str(rejected), "--reason", "Trùng nội dung")
    queue = bbt.json("article", "queue", env={"BBT_TODAY": "2022-03-02"})
    assert [q["id"] for q in queue] == [first, second]
    assert queue[0]["status"] == "submitted" and queue[0]["days_waiting"] == 60
    # the review happened today (real time), so its step started then, not on 1 January
    assert queue[1]["status"] == "editing" and queue[1]["since"] == date.today().isoformat()
    history = bbt.json("article", "show", str(rejected))["history"]
    assert history[-1]["to"] == "rejected" and history[-1]["note"] == "Trùng nội dung"


def test_article_edit_keeps_old_and_new_values(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Chi bộ", "--kind", "grassroots")
    article_id = prepared(bbt, "Tin sai", "news", "BBT", "A", 1)
    changes = json.loads(bbt.ok("article", "edit", str(article_id), "--title", "Tin đúng",
                                "--kind", "Bài", "--photos", "3", "--unit", "DV").stdout)
    assert changes == {"title": ["Tin sai", "Tin đúng"], "kind": ["news", "feature"],
                       "photos": [1, 3], "unit": ["BBT", "DV"]}
    assert json.loads(bbt.ok("article", "edit", str(article_id), "--title", "Tin đúng")
                      .stdout) == {}
    shown = bbt.json("article", "show", str(article_id))
    assert (shown["title"], shown["kind"], shown["unit"], shown["photos"]) == \
        ("Tin đúng", "feature", "DV", 3)
    edit = shown["history"][-1]
    assert edit["from"] == edit["to"] == "submitted" and "Tin sai" in edit["note"]
    assert bbt("article", "edit", str(article_id), "--photos", "-1").exit_code == 1
    assert bbt("article", "edit", str(article_id), "--url", "ftp://x").exit_code == 1
    assert bbt("article", "edit", "999", "--title", "x").exit_code == 1
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("article", "edit", str(article_id), "--title", "x").exit_code == 3


def test_stats_units_sent_published_quota_and_silent(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "HU", "Huyện ủy", "--kind", "committee")
    bbt.ok("unit", "set", "BBT", "--parent", "HU")
    for code in ("A", "B", "C"):
        bbt.ok("unit", "add", code, f"Đơn vị {code}", "--kind", "grassroots", "--parent", "HU")
    bbt.ok("unit", "add", "TU", "Tỉnh ủy", "--kind", "committee")
    bbt.ok("unit", "add", "VPTU", "Văn phòng Tỉnh ủy", "--kind", "office", "--parent", "TU")
    bbt.ok("settings", "set", "article_quota", "2")
    for title in ("1", "2"):
        _submit(bbt, title, "A", "2022-05-0" + title)
    _submit(bbt, "3", "B", "2022-05-10", publish="2022-05-12")
    _submit(bbt, "4", "B", "2022-04-28", publish="2022-05-02")  # sent in April
    bbt.ok("unit", "set", "C", "--active", "no")
    data = bbt.json("stats", "units", "--month", "2022-05")
    rows = {r["unit"]: r for r in data["units"]}
    assert set(rows) == {"HU", "BBT", "A", "B"}  # the province's units are not the district's
    assert (rows["A"]["sent"], rows["A"]["published"], rows["A"]["met"]) == (2, 0, True)
    assert (rows["B"]["sent"], rows["B"]["published"], rows["B"]["met"]) == (1, 2, False)
    assert data["silent"] == ["BBT", "HU"] and data["quota"] == 2
    assert data["below_quota"] == ["B", "BBT", "HU"]
    bbt.ok("settings", "set", "article_quota", "lots")
    assert bbt("stats", "units", "--month", "2022-05").exit_code == 1


def _submit(bbt: Bbt, title: str, unit: str, submitted: str, publish: str | None = None) -> None:
    from domain import articles
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    with transaction(get_engine(bbt.url)) as session:
        created = articles.add(session, admin, title, "news", unit, "", 0, submitted)
        if publish:
            for step in ("review", "approve", "publish"):
                articles.move(session, admin, created.id or 0, step, on=publish)


def test_subsystems_are_a_list(bbt: Bbt) -> None:
    assert bbt.json("dataentry", "subsystem", "list") == ["Khối Đảng", "UBND huyện"]
    bbt.ok("dataentry", "set", "--unit", "BBT", "--subsystem", "ubnd huyen", "--period", "2021",
           "--status", "Đã nhập", "--on", "2022-01-05")
    matrix = bbt.json("dataentry", "matrix")
    assert [b["subsystem"] for b in matrix["subsystems"]] == ["UBND huyện"]
    refused = bbt("dataentry", "set", "--unit", "BBT", "--subsystem", "Phân hệ lạ", "--period",
                  "2021", "--status", "entered")
    assert refused.exit_code == 1 and "subsystem add" in refused.stderr
    assert bbt("dataentry", "subsystem", "add", "khoi dang").exit_code == 1  # same, folded
    bbt.ok("dataentry", "subsystem", "add", "Mặt trận")
    bbt.ok("dataentry", "set", "--unit", "BBT", "--subsystem", "Mặt trận", "--period", "2021",
           "--status", "missing")
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("dataentry", "subsystem", "add", "Khác").exit_code == 3


def test_demo_has_the_reference_subsystems(demo: Bbt) -> None:
    assert demo.json("dataentry", "subsystem", "list") == ["Khối Đảng", "UBND huyện"]
    assert ADMIN_PASSWORD
