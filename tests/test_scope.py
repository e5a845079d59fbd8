"""Scoped administration (SPEC 7.5, issue 17): two district admins on one database each run
their district as if alone. The admin of district A can neither see nor change district B's
units, accounts, documents, deliveries, articles, statistics or reports (exit 3 when it
tries), on both engines; an unscoped admin sees everything."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.conftest import Bbt, prepared

YEAR = dt.date.today().year
TODAY = dt.date.today().isoformat()
PASSWORD_A = "Huyen-A-quan-tri-2024"
PASSWORD_B = "Huyen-B-quan-tri-2024"


@dataclass
class Province:
    root: Bbt
    a: Bbt  # the scoped admin of district A (HA)
    b: Bbt  # the scoped admin of district B (HB)
    doc_a: str
    doc_b: str
    shared: str  # issued by the board, sent to one unit of each district
    article_a: str
    article_b: str


def _issue(who: Bbt, issuer: str, title: str) -> str:
    return who.ok("doc", "issue", "--type", "CV", "--issuer", issuer, "--title", title,
                  "--date", TODAY).stdout.split()[0]


def build_province(bbt: Bbt) -> dict[str, str]:
    for code, parent in (("HA", None), ("HA-X1", "HA"), ("HA-X2", "HA"),
                         ("HB", None), ("HB-X1", "HB")):
        bbt.ok("unit", "add", code, f"Đơn vị {code}",
               "--kind", "grassroots" if parent else "committee",
               *(["--parent", parent] if parent else []))
    for name, district, password in (("qt-a", "HA", PASSWORD_A), ("qt-b", "HB", PASSWORD_B)):
        bbt.ok("account", "add", name, "--unit", district, "--role", "admin",
               "--scope", district, "--password-stdin", input=password + "\n")
    a, b = bbt.as_("qt-a", PASSWORD_A), bbt.as_("qt-b", PASSWORD_B)
    # Each district works alone: its own documents, deliveries, articles and accounts.
    doc_a, doc_b = _issue(a, "HA", "Kế hoạch huyện A"), _issue(b, "HB", "Kế hoạch huyện B")
    a.ok("doc", "send", doc_a, "--to", "HA-X1", "--purpose", "report", "--due", TODAY)
    b.ok("doc", "send", doc_b, "--to", "HB-X1", "--purpose", "report", "--due", TODAY)
    b.ok("account", "add", "vt-b", "--unit", "HB-X1", "--role", "clerk",
         "--password-stdin", input="Van-thu-huyen-B-2024\n")
    shared = _issue(bbt, "BBT", "Công văn chung")
    bbt.ok("doc", "send", shared, "--to", "HA-X1", "--to", "HB-X1")
    article_a = a.ok("article", "add", "--title", "Tin A", "--kind", "news",
                     "--unit", "HA-X1", "--submitted", TODAY).stdout.strip()
    article_b = b.ok("article", "add", "--title", "Tin B", "--kind", "news",
                     "--unit", "HB-X1", "--submitted", TODAY).stdout.strip()
    for who, article in ((a, article_a), (b, article_b)):
        who.ok("article", "review", article)
        who.ok("article", "approve", article)
        who.ok("article", "publish", article, "--on", TODAY)
    bbt.ok("training", "add", "--date", TODAY, "--topic", "Tập huấn B", "--unit", "HB-X1")
    return {"doc_a": doc_a, "doc_b": doc_b, "shared": shared, "article_a": article_a,
            "article_b": article_b}


@pytest.fixture
def province(db_url: str, request: pytest.FixtureRequest) -> Province:
    """Built once per test process on SQLite (each test gets a copy), per test on
    PostgreSQL."""
    root, made = prepared(request, db_url, "province", build_province)
    return Province(root, root.as_("qt-a", PASSWORD_A), root.as_("qt-b", PASSWORD_B), **made)


def refused(who: Bbt, *args: str, **kwargs) -> None:
    result = who(*args, **kwargs)
    assert result.exit_code == 3, (args, result.output)
    assert "limited to the units under" in result.output or "not allowed" in result.output


# ---------------------------------------------------------------- seeing


def test_units_and_accounts_seen_are_the_districts_own(province: Province) -> None:
    codes = {u["code"] for u in province.a.json("unit", "list")}
    assert codes == {"HA", "HA-X1", "HA-X2"}
    users = {r["username"] for r in province.a.json("account", "list")}
    assert users == {"qt-a"}
    assert {"qt-a", "qt-b", "vt-b", "admin"} <= {
        r["username"] for r in province.root.json("account", "list")}
    refused(province.a, "account", "list", "--unit", "HB", "--json")
    trainings = province.a.json("training", "list")
    assert trainings == []  # B's training, attended by B's unit only
    assert len(province.root.json("training", "list")) == 1


def test_documents_and_deliveries_seen_are_the_districts_own(province: Province) -> None:
    listed = {d["number"]: d for d in province.a.json("doc", "list")}
    assert set(listed) == {province.doc_a, province.shared}  # plus what was sent to it
    assert [d["unit"] for d in listed[province.shared]["deliveries"]] == ["HA-X1"]
    everything = {d["number"] for d in province.root.json("doc", "list")}
    assert {province.doc_a, province.doc_b, province.shared} <= everything
    refused(province.a, "doc", "show", province.doc_b)
    refused(province.a, "doc", "list", "--unit", "HB-X1", "--json")
    refused(province.a, "doc", "inbox", "--unit", "HB-X1", "--json")
    shown = province.a.json("doc", "show", province.shared)
    assert [d["unit"] for d in shown["deliveries"]] == ["HA-X1"]
    late = {r["unit"] for r in province.a.json("doc", "late")}
    assert late == {"HA-X1"}
    assert {"HA-X1", "HB-X1"} <= {r["unit"] for r in province.root.json("doc", "late")}


def test_articles_seen_are_the_districts_own(province: Province) -> None:
    assert [r["title"] for r in province.a.json("article", "list")] == ["Tin A"]
    refused(province.a, "article", "show", province.article_b)
    refused(province.a, "article", "list", "--unit", "HB-X1", "--json")
    contributors = province.a.json("article", "contributors", "--year", str(YEAR))
    assert {r["unit"] for r in contributors} == {"HA-X1"}
    units = {r["unit"] for r in province.a.json("stats", "units", "--month", TODAY[:7])["units"]}
    assert "HB-X1" not in units and "HA-X1" in units


def test_statistics_count_the_district_only(province: Province) -> None:
    mine = province.a.json("stats", "monthly", "--year", str(YEAR))["totals"]
    theirs = province.b.json("stats", "monthly", "--year", str(YEAR))["totals"]
    everyone = province.root.json("stats", "monthly", "--year", str(YEAR))["totals"]
    assert (mine["news"], theirs["news"], everyone["news"]) == (1, 1, 2)
    assert (mine["docs_issued"], theirs["docs_issued"], everyone["docs_issued"]) == (1, 1, 3)


def test_reports_count_the_district_only(province: Province) -> None:
    month = str(int(TODAY[5:7]))
    mine = province.a.ok("report", "monthly", "--year", str(YEAR), "--month", month).stdout
    everyone = province.root.ok("report", "monthly", "--year", str(YEAR), "--month",
                                month).stdout
    assert "Đơn vị HA" in mine and "HB" not in mine
    assert mine != everyone
    assert province.a.ok("report", "check", "--year", str(YEAR), "--month", month)


# ---------------------------------------------------------------- changing


def test_units_of_another_district_cannot_be_changed(province: Province) -> None:
    a = province.a
    refused(a, "unit", "set", "HB-X1", "--name", "Đổi tên")
    refused(a, "unit", "add", "HA-X9", "Xã mới", "--kind", "grassroots", "--parent", "HB")
    refused(a, "unit", "add", "TOP", "Ngoài cây", "--kind", "other")  # no parent: the top
    refused(a, "unit", "set", "HA", "--parent", "HB")  # its own root would leave the scope
    refused(a, "unit", "set-term", "HB", "--start", TODAY)
    a.ok("unit", "add", "HA-X3", "Xã mới của A", "--kind", "grassroots", "--parent", "HA")
    a.ok("unit", "set", "HA-X3", "--name", "Xã mới đổi tên")
    assert [u["name"] for u in province.root.json("unit", "list") if u["code"] == "HB-X1"] \
        == ["Đơn vị HB-X1"]


def test_accounts_of_another_district_cannot_be_changed(province: Province) -> None:
    a = province.a
    for args in (("account", "lock", "vt-b"), ("account", "reset-password", "vt-b"),
                 ("account", "set", "vt-b", "--name", "X"), ("account", "lock", "admin"),
                 ("account", "reset-password", "qt-b")):
        refused(a, *args)
    refused(a, "account", "add", "x1", "--unit", "HB-X1", "--role", "clerk")
    # No way out of the scope: no unscoped account, no wider scope, not even for itself.
    refused(a, "account", "add", "x2", "--unit", "HA-X1", "--role", "admin", "--scope", "")
    refused(a, "account", "add", "x3", "--unit", "HA-X1", "--role", "admin", "--scope", "HB")
    refused(a, "account", "set", "qt-a", "--scope", "")
    statuses = {r["username"]: r["status"] for r in province.root.json("account", "list")}
    assert statuses["vt-b"] == "active" and "x1" not in statuses


def test_a_scoped_admins_accounts_stay_in_its_scope(province: Province) -> None:
    province.a.ok("account", "add", "bt-a", "--unit", "HA-X1", "--role", "editor",
                  "--password-stdin", input="Bien-tap-huyen-A-2024\n")
    editor = province.root.as_("bt-a", "Bien-tap-huyen-A-2024")
    assert [r["title"] for r in editor.json("article", "list")] == ["Tin A"]
    refused(editor, "article", "review", province.article_b)
    province.a.ok("account", "add", "vt-a", "--unit", "HA-X1", "--role", "clerk",
                  "--scope", "HA-X1", "--password-stdin", input="Van-thu-huyen-A-2024\n")
    province.a.ok("account", "lock", "vt-a")


def test_documents_and_deliveries_of_another_district_cannot_be_changed(
        province: Province) -> None:
    a = province.a
    refused(a, "doc", "issue", "--type", "CV", "--issuer", "HB", "--title", "Giả danh",
            "--date", TODAY)
    refused(a, "doc", "withdraw", province.doc_b, "--reason", "Thử")
    refused(a, "doc", "send", province.doc_b, "--to", "HA-X1")
    refused(a, "doc", "send", province.doc_a, "--to", "HB-X1")
    refused(a, "doc", "send", province.shared, "--to", "HA-X2")  # seen, but not its register
    refused(a, "doc", "ack", province.doc_b, "--unit", "HB-X1")
    refused(a, "doc", "done", province.shared, "--unit", "HB-X1")
    refused(a, "doc", "return", province.shared, "--unit", "HB-X1", "--reason", "Thử")
    refused(a, "doc", "forward", province.doc_a, "--from", "HA-X1", "--to", "HB-X1")
    refused(a, "doc", "receive", "--number", "1-CV/HB", "--from", "HB", "--date", TODAY,
            "--title", "Vào sổ của B", "--to", "HB-X1")
    # Its own district works as if alone.
    a.ok("doc", "ack", province.shared, "--unit", "HA-X1")
    a.ok("doc", "done", province.doc_a, "--unit", "HA-X1")
    b_deliveries = province.root.json("doc", "show", province.doc_b)["deliveries"]
    assert [d["status"] for d in b_deliveries] == ["sent"]
    assert province.root.json("doc", "show", province.doc_b)["status"] == "issued"


def test_a_district_sends_up_to_the_province_and_sees_who_opened_it(
        province: Province) -> None:
    """Sending and forwarding reach the units above the district (its reports go up), never
    a neighbour; the district follows its own documents' deliveries up there, without
    seeing the province's other work or acting for it."""
    root, a = province.root, province.a
    root.ok("unit", "add", "TINH", "Tỉnh ủy", "--kind", "committee")
    root.ok("unit", "set", "HA", "--parent", "TINH")
    root.ok("unit", "set", "HB", "--parent", "TINH")
    a.ok("doc", "send", province.doc_a, "--to", "TINH", "--purpose", "report")
    refused(a, "doc", "send", province.doc_a, "--to", "HB")  # a neighbour, also under TINH
    refused(a, "doc", "forward", province.doc_a, "--from", "HA-X1", "--to", "HB-X1")
    shown = {d["unit"]: d["status"] for d in a.json("doc", "show", province.doc_a)["deliveries"]}
    assert shown == {"HA-X1": "sent", "TINH": "sent"}
    assert {u["code"] for u in a.json("unit", "list")} == {"HA", "HA-X1", "HA-X2"}
    refused(a, "doc", "ack", province.doc_a, "--unit", "TINH")  # the province's own act
    root.ok("doc", "ack", province.doc_a, "--unit", "TINH")
    shown = {d["unit"]: d["status"] for d in a.json("doc", "show", province.doc_a)["deliveries"]}
    assert shown["TINH"] == "received"
    # The shared document is the board's, not A's: its other deliveries stay hidden.
    assert [d["unit"] for d in a.json("doc", "show", province.shared)["deliveries"]] == ["HA-X1"]


def test_articles_statistics_and_reports_of_another_district_cannot_be_changed(
        province: Province, tmp_path) -> None:
    a = province.a
    refused(a, "article", "add", "--title", "Giả", "--kind", "news", "--unit", "HB-X1")
    refused(a, "article", "reject", province.article_b)
    refused(a, "article", "edit", province.article_b, "--title", "Sửa")
    refused(a, "article", "edit", province.article_a, "--unit", "HB-X1")
    refused(a, "training", "add", "--date", TODAY, "--topic", "T", "--unit", "HB-X1")
    refused(a, "report", "text", "--kind", "monthly", "--period", TODAY[:7],
            "--section", "assessment", "--set", "Đánh giá chung")
    refused(a, "settings", "set", "org.name", "Huyện A")
    refused(a, "audit", "list", "--json")
    refused(a, "export", "accounts", "-o", str(tmp_path / "accounts.csv"))
    assert not (tmp_path / "accounts.csv").exists()
    titles = {r["id"]: r["title"] for r in province.root.json("article", "list")}
    assert titles[int(province.article_b)] == "Tin B"


# ---------------------------------------------------------------- domain level


def test_the_scope_is_the_subtree_computed_at_login(province: Province) -> None:
    from domain import accounts, db
    from domain.db import reading

    with reading(db.get_engine(province.root.url)) as session:
        actor = accounts.actor_of(session, accounts.get(session, "qt-a"))
        by_code = {u.code: u.id for u in __import__("domain.units").units.listing(session)}
        admin = accounts.actor_of(session, accounts.get(session, "admin"))
    assert actor.scope == {by_code["HA"], by_code["HA-X1"], by_code["HA-X2"]}
    assert actor.scope_code == "HA"
    assert admin.scope is None and admin.scope_unit_id is None


def test_a_unit_added_under_the_root_does_not_end_a_session(province: Province) -> None:
    """The subtree is recomputed at each TUI action; only a change of scope signs out."""
    from domain import accounts, db
    from domain.db import reading, transaction
    from domain.errors import AuthError

    engine = db.get_engine(province.root.url)
    with reading(engine) as session:
        actor = accounts.actor_of(session, accounts.get(session, "qt-a"))
    province.a.ok("unit", "add", "HA-X4", "Xã bốn", "--kind", "grassroots", "--parent", "HA")
    with reading(engine) as session:
        fresh = accounts.recheck(session, actor)
    assert fresh.scope is not None and len(fresh.scope) == len(actor.scope or ()) + 1
    province.root.ok("account", "set", "qt-a", "--scope", "HA-X1")
    with transaction(engine) as session, pytest.raises(AuthError):
        accounts.recheck(session, actor)


def test_domain_listings_filter_by_the_actor(province: Province) -> None:
    from domain import accounts, articles, db, documents, units
    from domain.db import reading

    with reading(db.get_engine(province.root.url)) as session:
        actor = accounts.actor_of(session, accounts.get(session, "qt-b"))
        assert {u.code for u in units.listing(session, actor=actor)} == {"HB", "HB-X1"}
        assert {a.username for a, _c in accounts.listing(session, actor=actor)} == {
            "qt-b", "vt-b"}
        assert [a.title for a, _c in articles.listing(session, actor=actor)] == ["Tin B"]
        assert {d.number for d in documents.listing(session, actor)} == {
            province.doc_b, province.shared}
        assert documents.count(session, actor) == 2
        summary = documents.unit_summary(session, actor=actor)
        assert {r["unit"] for r in summary} == {"HB-X1"}


# ---------------------------------------------------------------- the terminal UI


def test_the_tui_shows_a_scoped_admin_its_district_only(province: Province) -> None:
    """The screens list through the same domain listings, limited by the session's scope
    (no screen passes it), and what spans the whole database is not offered."""
    from textual.pilot import Pilot

    from bbt_tui import areas
    from bbt_tui.app import BBTApp
    from bbt_tui.pilot import go, log_in
    from bbt_tui.widgets.paged_table import PagedTable
    from tests.test_tui import drive

    async def script(app: BBTApp, pilot: Pilot) -> dict[str, set[str]]:
        await log_in(pilot, "qt-a", PASSWORD_A)
        seen = {"areas": {a.name for a in areas.visible(app.actor)}}
        for area in ("units", "accounts", "articles", "documents"):
            await go(pilot, area)
            seen[area] = {r.key for r in app.screen.query_one(PagedTable).records}
        return seen

    seen = drive(province.root.url, script)
    assert seen["units"] == {"HA", "HA-X1", "HA-X2"}
    assert seen["accounts"] == {"qt-a"}
    assert seen["articles"] == {province.article_a}
    assert not {"audit", "settings", "imports"} & seen["areas"]
    assert "units" in seen["areas"]
    assert len(seen["documents"]) == 2  # its own and the one sent to it


def test_data_entry_royalties_and_history_are_the_districts_own(province: Province) -> None:
    root, a = province.root, province.a
    for unit in ("HA-X1", "HB-X1"):
        root.ok("dataentry", "set", "--unit", unit, "--subsystem", "Khối Đảng", "--period",
                str(YEAR), "--status", "entered")
    refused(a, "dataentry", "set", "--unit", "HB-X1", "--subsystem", "Khối Đảng",
            "--period", str(YEAR), "--status", "synced")
    matrix = a.json("dataentry", "matrix")
    assert {u["unit"] for s in matrix["subsystems"] for u in s["units"]} == {"HA-X1"}
    root.ok("royalty", "rate", "set", "news", "100000", "--from", f"{YEAR}-01")
    lines = a.json("royalty", "sheet", "--month", TODAY[:7])["lines"]
    assert [line["unit"] for line in lines] == ["HA-X1"]
    assert len(root.json("royalty", "sheet", "--month", TODAY[:7])["lines"]) == 2
    refused(a, "royalty", "approve", "--month", TODAY[:7])
    root.ok("doc", "ack", province.shared, "--unit", "HB-X1")
    a.ok("doc", "ack", province.shared, "--unit", "HA-X1")
    keys = {r["key"] for r in a.json("doc", "history", province.shared)}
    assert f"{province.shared}@HA-X1" in keys and f"{province.shared}@HB-X1" not in keys
    refused(a, "doc", "history", province.doc_b, "--json")
