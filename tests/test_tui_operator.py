"""The operator's and the editor's day in the terminal UI: every key acts on the record under
the cursor, the cursor stays on that record (or moves to the one just created) after the
change, official acts name the record before they happen, and the screens open on the
period that has records (issue 15).

Each test drives real keys through Textual's pilot on a copy of the prepared demo (Bảo Lâm,
2022) and reads back the table's cursor and the database, to prove WHICH record a key
changed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Select

from bbt_tui.app import BBTApp
from bbt_tui.pilot import fill, focus, go, log_in, press_and_settle, type_text
from bbt_tui.widgets.paged_table import PagedTable
from tests import rules_support
from tests.conftest import ADMIN_PASSWORD, DEMO_USERS, Bbt
from tests.rules_support import World
from tests.test_tui import drive

world = rules_support.world
EDITOR = ("bientap", DEMO_USERS["bientap"])


def query(bbt: Bbt, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Read the database the screens wrote (a SQLite copy of the demo)."""
    with sqlite3.connect(bbt.url.removeprefix("sqlite:///")) as db:
        return db.execute(sql, args).fetchall()


def cursor_key(app: BBTApp) -> str | None:
    """The key of the row under the cursor of the screen's list, as the DataTable has it."""
    table = app.screen.query_one(PagedTable).table
    if table.row_count == 0:
        return None
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def notes(app: BBTApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


# --- the domain behind the screens (both engines) --------------------------------------------


def test_latest_month_position_and_newest_first(world: World) -> None:
    from domain import articles, documents, periods

    admin = world.admin
    today = date(2023, 3, 10)
    assert world.read(lambda s: periods.latest_month(s, today=today)) == (2023, 3)
    for number, day in (("1-CV/TU", "2021-07-10"), ("2-CV/TU", "2021-09-02"),
                        ("3-CV/TU", "2021-09-02"), ("4-CV/TU", "2023-03-30")):
        world.run(documents.receive, admin, number, "TU", day, f"Công văn {number}")
    first = world.run(articles.add, admin, "Tin cũ", "news", "BBT", "", 0, "2021-05-01")
    second = world.run(articles.add, admin, "Tin mới", "news", "BBT", "", 0, "2021-10-20")
    # 4-CV/TU is dated after `today`: the newest month before it is October (the article).
    assert world.read(lambda s: periods.latest_month(s, today=today)) == (2021, 10)

    listed = world.read(lambda s: [d.id for d in documents.listing(s, admin)])
    assert [world.read(lambda s, i=i: documents.position(s, admin, i)) for i in listed] == [
        0, 1, 2, 3]
    outgoing = documents.Filters(direction="outgoing")
    searched = documents.Filters(search="Công văn")
    assert world.read(lambda s: documents.position(s, admin, listed[0], outgoing)) is None
    assert world.read(lambda s: documents.position(s, admin, listed[0], searched)) is None
    assert world.read(lambda s: documents.position(s, admin, 10**6)) is None

    assert periods.parse_month("2022-06") == periods.parse_month("06/2022") == date(2022, 6, 1)
    assert periods.parse_month("2022-13") is None and periods.parse_month("June") is None
    assert periods.next_month(date(2022, 12, 1)) == date(2023, 1, 1)
    assert periods.previous_month(date(2022, 1, 1)) == date(2021, 12, 1)

    ids = world.read(lambda s: [a.id for a, _c in articles.listing(s, newest_first=True)])
    assert ids == [second.id, first.id]
    assert world.read(lambda s: [a.id for a, _c in articles.listing(s)]) == ids[::-1]


# --- articles ---------------------------------------------------------------------------------


def test_article_keys_follow_the_new_article(
        demo_sqlite: Bbt, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list is newest first; a new article dated in March lands mid-list (past the first
    page): the cursor goes to it, and e, a and x (confirmed) move that article and no other;
    a refused move names the statuses in the user's language."""
    monkeypatch.setenv("BBT_LANG", "vi")
    bbt = demo_sqlite
    newest = query(bbt, "SELECT id FROM article ORDER BY coalesce(published, submitted) DESC, "
                        "id DESC LIMIT 1")[0][0]
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, *EDITOR, area="articles")
        seen["first"] = cursor_key(app)
        await pilot.press("n")
        await type_text(pilot, "Hội nghị chuyên đề tháng Ba")
        await fill(pilot, "#field-submitted", "15/03/2022")
        await press_and_settle(pilot, "f2")
        seen["after_new"] = cursor_key(app)
        for key in ("e", "a"):
            await press_and_settle(pilot, key)
            seen[f"after_{key}"] = cursor_key(app)
        await press_and_settle(pilot, "x")
        seen["question"] = str(app.screen.query_one("#confirm-record").render())
        await press_and_settle(pilot, "y")
        seen["after_x"] = cursor_key(app)
        # a rejected article cannot be approved: the refusal is read
        await press_and_settle(pilot, "a")
        seen["notes"] = notes(app)

    drive(bbt.url, script)
    new_id = query(bbt, "SELECT max(id) FROM article")[0][0]
    assert seen["first"] == str(newest) != "1"
    assert seen["after_new"] == seen["after_e"] == seen["after_a"] == seen["after_x"] == str(
        new_id)
    assert str(new_id) in seen["question"] and "tháng Ba" in seen["question"]
    assert query(bbt, "SELECT status FROM article WHERE id = ?", new_id) == [("rejected",)]
    others = query(bbt, "SELECT count(*) FROM article WHERE id != ? AND status IN "
                        "('editing', 'approved', 'rejected')", new_id)
    assert others == [(3,)], "the demo's own editing, approved and rejected articles only"
    refusal = next(n for n in seen["notes"] if n.startswith(f"Tin bài {new_id} đang"))
    assert "bị từ chối" in refusal and "rejected" not in refusal, refusal


# --- documents --------------------------------------------------------------------------------


def test_document_keys_act_on_the_highlighted_document(demo_sqlite: Bbt) -> None:
    """Issuing asks first, naming the document, then the cursor is on the new document (dated
    earlier, below the newest), so k seals that one; w withdraws the highlighted document
    and no other; the send dialog ticks only the units chosen."""
    bbt = demo_sqlite
    seen: dict[str, Any] = {}

    async def issue(app: BBTApp, pilot: Pilot) -> None:
        seen["before"] = cursor_key(app)
        await pilot.press("n")
        app.screen.query_one("#field-doc_type", Select).value = "BC"
        await fill(pilot, "#field-title", "Báo cáo kết quả tháng Năm")
        await fill(pilot, "#field-day", "31/05/2022")
        await fill(pilot, "#field-number", "117")
        await press_and_settle(pilot, "f2")
        seen["issue_question"] = str(app.screen.query_one("#confirm-record").render())
        seen["issued_before_yes"] = query(bbt, "SELECT count(*) FROM document WHERE title = ?",
                                          "Báo cáo kết quả tháng Năm")[0][0]
        await press_and_settle(pilot, "y")
        seen["issued"] = cursor_key(app)
        await press_and_settle(pilot, "k")
        seen["seal_form"] = str(app.screen.query_one(".dialog-title").render())
        await press_and_settle(pilot, "escape")

    async def withdraw(app: BBTApp, pilot: Pilot) -> None:
        await pilot.press("down", "down")
        seen["chosen"] = cursor_key(app)
        await press_and_settle(pilot, "w")
        await type_text(pilot, "Ban hành nhầm")
        await press_and_settle(pilot, "f2")
        seen["withdraw_question"] = str(app.screen.query_one("#confirm-record").render())
        await press_and_settle(pilot, "y")
        seen["after_withdraw"] = cursor_key(app)

    async def send(app: BBTApp, pilot: Pilot) -> None:
        await press_and_settle(pilot, "g")
        ticks = app.screen.query_one(".unit-list")
        count = app.screen.query_one("#field-units .count")

        def boxes() -> list[str]:
            return [ticks.render_line(y).text[:3] for y in range(5)]

        seen["empty"] = (boxes(), str(count.render()))
        await focus(pilot, ".unit-list")
        await pilot.press("down", "space")
        seen["one"] = (boxes(), str(count.render()))

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="documents")
        for step in (issue, withdraw, send):
            await step(app, pilot)

    drive(bbt.url, script)
    new_id = query(bbt, "SELECT id FROM document WHERE title = ?",
                   "Báo cáo kết quả tháng Năm")[0][0]
    assert seen["issued_before_yes"] == 0
    assert "117" in seen["issue_question"] and "tháng Năm" in seen["issue_question"]
    assert seen["issued"] == str(new_id) != seen["before"]
    assert "117-BC/BBT" in seen["seal_form"]

    chosen = int(seen["chosen"])
    assert query(bbt, "SELECT id, withdrawn_reason FROM document WHERE status = 'withdrawn'"
                 ) == [(chosen, "Ban hành nhầm")]
    number, title = query(bbt, "SELECT number, title FROM document WHERE id = ?", chosen)[0]
    assert number in seen["withdraw_question"] and title[:30] in seen["withdraw_question"]
    assert seen["after_withdraw"] == seen["chosen"]

    empty, empty_count = seen["empty"]
    assert not any("X" in box for box in empty), empty
    assert empty_count.startswith("0 ")
    one, one_count = seen["one"]
    assert sum("X" in box for box in one) == 1 and one_count.startswith("1 "), one


# --- the period the screens open on, and keys that stay in the year box -----------------------


def test_screens_open_on_the_newest_month_with_records(
        demo_sqlite: Bbt, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 2022 demo opened years later: the dashboard, the statistics and the reports show
    June 2022 (its newest records), not twelve empty months of today's year."""
    monkeypatch.setenv("BBT_TODAY", "2026-12-01")
    bbt = demo_sqlite
    may = query(bbt, "SELECT count(*) FROM document WHERE date >= '2022-05-01' "
                     "AND date < '2022-06-01'")[0][0]
    news = query(bbt, "SELECT count(*) FROM article WHERE status = 'published' AND kind = 'news'"
                      " AND published >= '2022-01-01' AND published < '2023-01-01'")[0][0]
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        seen["month"] = app.screen.query_one("#month", Input).value
        seen["published"] = str(app.screen.query_one("#figure-published").render())
        await press_and_settle(pilot, "left_square_bracket")  # the month before
        seen["before"] = app.screen.query_one("#month", Input).value
        seen["documents"] = str(app.screen.query_one("#figure-documents").render())
        await go(pilot, "stats")
        seen["stats"] = (app.screen.query_one("#year", Input).value,
                         str(app.screen.query_one("#stats-status").render()))
        await go(pilot, "reports")
        seen["reports"] = (app.screen.query_one("#year", Input).value,
                           str(app.screen.query_one("#part", Select).value))

    drive(bbt.url, script)
    assert seen["month"] == "2022-06"
    assert seen["published"].startswith(f"{news}\n") and news > 0, seen["published"]
    assert seen["before"] == "2022-05"
    assert seen["documents"].startswith(f"{may}\n") and "05/2022" in seen["documents"]
    assert seen["stats"][0] == "2022" and f"{news} news" in seen["stats"][1]
    assert seen["reports"] == ("2022", "1")


def test_a_year_typed_into_the_report_stays_in_its_box(demo_sqlite: Bbt) -> None:
    """Y moves to the year box, which shows the focus; digits typed there change the year
    and never switch screens (digits are the navigation keys elsewhere)."""
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="reports")
        await press_and_settle(pilot, "y")
        year = app.screen.query_one("#year", Input)
        seen["focused"] = app.focused is year
        seen["border"] = (year.styles.border_top[0], year.styles.border_top[1])
        year.value = ""
        await press_and_settle(pilot, "2", "0", "2", "1", "enter")
        seen["screen"] = type(app.screen).__name__
        seen["choice"] = app.screen.choice()  # type: ignore[attr-defined]
        seen["heading"] = app.screen.query_one(Markdown).source

    drive(demo_sqlite.url, script)
    assert seen["focused"] and seen["border"][0] not in ("", "none")
    assert seen["screen"] == "ReportsScreen"
    assert seen["choice"].year == 2021
    assert "6 tháng đầu năm 2021" in seen["heading"]


# --- imports ----------------------------------------------------------------------------------

UNITS_CSV = """code,name,kind,parent
DU-LOCMOI,Đảng ủy xã Lộc Mới,grassroots,
DU-LOCBAO,Đảng ủy xã Lộc Bảo,commune,
"""


def test_import_keys_work_from_the_path_box_and_reasons_show_whole(
        demo_sqlite: Bbt, tmp_path: Path) -> None:
    bbt = demo_sqlite
    sheet = tmp_path / "don-vi.csv"
    sheet.write_text(UNITS_CSV, encoding="utf-8")
    dry = json.loads(bbt("import", "units", str(sheet), "--dry-run", "--on-error", "skip",
                         "--json").stdout)
    reason = "; ".join(dry["rejected"][0]["errors"])
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="imports")
        seen["hint"] = str(app.screen.query_one("#import-status").render())
        app.screen.query_one("#kind", Select).value = "units"
        await fill(pilot, "#path", str(sheet))
        await press_and_settle(pilot, "f3")  # the key the hint names, pressed in the path box
        seen["path"] = app.screen.query_one("#path", Input).value
        table = app.screen.query_one(PagedTable)
        seen["rows"] = [r.key for r in table.records]
        await press_and_settle(pilot, "down")
        seen["detail"] = str(app.screen.query_one("#fate-detail").render())
        await press_and_settle(pilot, "f4")
        app.screen.query_one("#field-on_error", Select).value = "skip"
        await press_and_settle(pilot, "f2")
        seen["status"] = str(app.screen.query_one("#import-status").render())

    drive(bbt.url, script)
    assert "F3" in seen["hint"]
    assert seen["path"] == str(sheet) and seen["rows"] == ["1", "2"]
    assert seen["detail"] == f"Row 2: {reason}" and len(reason) > 40
    assert query(bbt, "SELECT count(*) FROM unit WHERE code = 'DU-LOCMOI'") == [(1,)]
    assert "1 inserted" in seen["status"] and "Nothing written yet" not in seen["status"]
