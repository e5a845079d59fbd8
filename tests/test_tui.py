"""The terminal UI driven as a user would: keys in, widgets read back (App.run_test pilot).

Every screen reaches the database the same way: domain functions in a worker thread, one
transaction each (bbt_tui.db). That path runs on SQLite and on PostgreSQL in the login test
here and in the operator's day of tests/test_tui_screens.py (`bbt` / `demo` fixtures); the
domain functions behind each screen are tested on both engines in their own files. The
rest, UI behaviour that no engine changes, runs on a copy of a SQLite database prepared once
per test process (`fresh_sqlite`, `demo_sqlite`): a copy takes milliseconds, `bbt init
--demo` seconds. One app session drives a whole flow, logging out and in again rather than
starting the app anew; waiting is for workers and messages (bbt_tui.pilot.settle), never a
fixed sleep.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from bbt_tui import areas
from bbt_tui.app import BBTApp
from bbt_tui.pilot import choose, focus, go, log_in, press_and_settle, settle, text_of, type_text
from bbt_tui.widgets.dialogs import ConfirmScreen, MessageScreen
from bbt_tui.widgets.form import FormScreen
from bbt_tui.widgets.paged_table import PagedTable
from tests.conftest import ADMIN_PASSWORD, Bbt, make_user

SIZE = (140, 45)


def drive(url: str, script: Callable[[BBTApp, Pilot], Awaitable[Any]]) -> Any:
    """Run the app headless on `url` and hand it to `script`."""

    async def main() -> Any:
        app = BBTApp(url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            return await script(app, pilot)

    return asyncio.run(main())


async def log_out(pilot: Pilot) -> None:
    await pilot.app.action_logout()  # type: ignore[attr-defined]
    await settle(pilot)


def accounts_json(bbt: Bbt) -> dict[str, dict]:
    return {a["username"]: a for a in bbt.json("account", "list")}


# --- login ----------------------------------------------------------------------------------


def test_wrong_password_shows_an_error_and_five_lock_the_account(bbt: Bbt) -> None:
    make_user(bbt, "vanthu", "BBT", "operator", "Mat-khau-van-thu")

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        messages = []
        await log_in(pilot, "vanthu", "sai-mat-khau")
        messages.append(text_of(pilot, "#login-error"))
        assert app.actor is None and app.screen.query_one("#password", Input).value == ""
        for _ in range(4):
            await type_text(pilot, "sai-mat-khau")
            await press_and_settle(pilot, "enter")
        await type_text(pilot, "Mat-khau-van-thu")  # the right one, too late
        await press_and_settle(pilot, "enter")
        messages.append(text_of(pilot, "#login-error"))
        assert app.actor is None
        return messages

    wrong, locked = drive(bbt.url, script)
    assert wrong == "Wrong username or password."
    assert "locked" in locked
    assert accounts_json(bbt)["vanthu"]["status"] == "locked"


def test_vietnamese_by_default_english_on_request(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """The login screen's language comes from the catalog, not the database."""

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        return [str(w.render()) for w in app.screen.query("Label, Button, Static")]

    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("BBT_LANG", "vi")
    vietnamese = drive(url, script)
    monkeypatch.setenv("BBT_LANG", "en")
    english = drive(url, script)
    assert "Đăng nhập" in vietnamese and "Tên đăng nhập" in vietnamese
    assert "Log in" in english and "Username" in english


# --- accounts, roles and the first login ------------------------------------------------------


def test_lock_with_a_keymap_roles_and_a_forced_password_change(fresh_sqlite: Bbt) -> None:
    """One session: the admin locks an account (with confirmation, on a key moved by the
    keymap setting), a viewer finds no write action anywhere, and a new editor must replace
    the one-time password before anything else."""
    bbt = fresh_sqlite
    make_user(bbt, "vt.locan", "BBT", "clerk")
    make_user(bbt, "lanhdao", "BBT", "viewer", "Lanh-dao-xem-bao-cao")
    one_time = bbt.ok("account", "add", "bientap", "--unit", "BBT", "--role",
                      "editor").stdout.rsplit(":", 1)[1].strip()
    bbt.ok("settings", "set", "keymap", json.dumps({"accounts.lock": "k"}))

    async def lock_as_admin(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="accounts")
        table = app.screen.query_one(PagedTable)
        await pilot.press("slash")
        await type_text(pilot, "locan")
        await press_and_settle(pilot, "enter")
        assert [r.key for r in table.records] == ["vt.locan"]
        await press_and_settle(pilot, "l")  # moved to "k" by the keymap: nothing happens
        assert not isinstance(app.screen, ConfirmScreen)
        await press_and_settle(pilot, "k")
        assert isinstance(app.screen, ConfirmScreen)
        await press_and_settle(pilot, "n")  # changed my mind
        assert table.records[0].data["status"] == "active"
        await press_and_settle(pilot, "k")
        await press_and_settle(pilot, "y")
        assert table.records[0].data["status"] == "locked"

    async def look_as_viewer(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "lanhdao", "Lanh-dao-xem-bao-cao")
        writes = {"new", "edit", "set_status", "edit_section", "revoke", "issue", "sign"}
        for area in ("units", "documents", "dataentry", "reports", "keys"):
            await go(pilot, area)
            shown = {b.action for _n, b, enabled, _t in app.screen.active_bindings.values()
                     if enabled}
            assert "app.help" in shown and not shown & writes, (area, shown & writes)
        await press_and_settle(pilot, "n")  # the keys screen's "new key": refused silently
        assert not isinstance(app.screen, FormScreen)
        assert "imports" not in [a.name for a in areas.visible(app.actor)]

    async def first_login(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "bientap", one_time)
        assert isinstance(app.screen, FormScreen) and app.actor is None
        await type_text(pilot, "Tin-bai-moi-2022")
        await pilot.press("enter")
        await type_text(pilot, "Tin-bai-khac")
        await press_and_settle(pilot, "f2")
        assert text_of(pilot, "#error-again") == "The two passwords differ."
        (await focus(pilot, "#field-again")).value = ""
        await type_text(pilot, "Tin-bai-moi-2022")
        await press_and_settle(pilot, "enter")
        assert app.actor is not None and app.actor.role == "editor"
        assert [a.name for a in areas.visible(app.actor)] == [
            "dashboard", "articles", "visits", "stats", "reports", "imports"]

    async def script(app: BBTApp, pilot: Pilot) -> None:
        for step in (lock_as_admin, look_as_viewer, first_login):
            await step(app, pilot)
            await log_out(pilot)

    drive(bbt.url, script)
    accounts = accounts_json(bbt)
    assert accounts["vt.locan"]["status"] == "locked"
    assert accounts["bientap"]["must_change_password"] is False
    bbt.as_("bientap", "Tin-bai-moi-2022").ok("unit", "list")


# --- the demo's figures, search and sort --------------------------------------------------------


def test_dashboard_figures_search_sort_and_audit_on_the_demo(demo_sqlite: Bbt) -> None:
    demo = demo_sqlite
    units = [u for u in demo.json("unit", "list")]
    accounts = demo.json("account", "list")
    trainings = demo.json("training", "list")
    newest_audit = demo.json("audit", "list", "--limit", "1")[0]["id"]
    overdue = demo.json("doc", "list", "--overdue", "--year", "2022")  # the demo's year
    matrix = demo.json("dataentry", "matrix")
    open_ = [d["status"] for doc in demo.json("doc", "list", "--limit", "0")
             if doc["status"] != "withdrawn" for d in doc["deliveries"]
             if d["status"] in ("sent", "received") and d["due"]]

    async def script(app: BBTApp, pilot: Pilot) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        for figure in ("units", "accounts", "trainings", "audit", "overdue", "dataentry",
                       "acknowledged"):
            seen[figure] = str(app.screen.query_one(f"#figure-{figure}").render()).split("\n")
        await focus(pilot, "#figure-units")
        await press_and_settle(pilot, "enter")  # a figure opens its screen
        seen["opened"] = type(app.screen).__name__
        table = app.screen.query_one(PagedTable)
        table.apply_search_now("loc thanh")  # no accents typed, "Lộc Thành" found
        await settle(pilot)
        seen["search"] = [r.cells[1] for r in table.records]
        table.apply_search_now("")
        table.sort_by("code")
        table.sort_by("code")  # the second click reverses
        await settle(pilot)
        seen["sorted"] = [r.key for r in table.records]
        await go(pilot, "audit")
        await press_and_settle(pilot, "v")
        seen["verdict"] = app.screen.last_verdict  # type: ignore[attr-defined]
        return seen

    seen = drive(demo.url, script)
    assert seen["units"][0] == f"{len(units)}"
    assert seen["accounts"][0] == f"{len(accounts)}"
    assert seen["trainings"][0] == f"{len(trainings)}"
    assert seen["audit"][0] == f"{newest_audit}"
    assert seen["overdue"][0] == f"{len(overdue)}"
    received = open_.count("received")
    assert open_ and seen["acknowledged"][0] == f"{round(100 * received / len(open_))}%"
    behind = sum(line["behind"] for block in matrix["subsystems"] for line in block["units"])
    assert seen["dataentry"][2].endswith(f"{behind} units behind")
    assert seen["opened"] == "UnitsScreen"
    assert seen["search"] and all("Lộc Thành" in name for name in seen["search"])
    assert seen["sorted"] == sorted((u["code"] for u in units), reverse=True)
    assert seen["verdict"].startswith("Audit chain intact")


# --- units and accounts through forms -----------------------------------------------------------


def test_create_a_unit_and_an_account_through_the_forms(fresh_sqlite: Bbt) -> None:
    bbt = fresh_sqlite

    async def script(app: BBTApp, pilot: Pilot) -> str:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="units")
        await press_and_settle(pilot, "n")
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "DU-LOCTHANH")
        await press_and_settle(pilot, "f2")  # no name, no kind yet
        assert text_of(pilot, "#error-name") == "This field is required."
        assert text_of(pilot, "#error-kind") == "This field is required."
        await focus(pilot, "#field-name")
        await type_text(pilot, "Đảng ủy xã Lộc Thành")
        choose(pilot, "#field-kind", "grassroots")
        await press_and_settle(pilot, "f2")
        assert not isinstance(app.screen, FormScreen)
        assert "DU-LOCTHANH" in [r.key for r in app.screen.query_one(PagedTable).records]

        # The command palette reaches the accounts screen's "New account" too.
        await go(pilot, "accounts")
        await pilot.press("ctrl+p")
        await type_text(pilot, "new account")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "vt.locthanh")
        choose(pilot, "#field-unit", "DU-LOCTHANH")
        choose(pilot, "#field-role", "clerk")
        await press_and_settle(pilot, "f2")
        assert isinstance(app.screen, MessageScreen)
        one_time = str(app.screen.query_one("#secret", Static).render())
        await pilot.press("enter")
        return one_time

    one_time = drive(bbt.url, script)
    unit = next(u for u in bbt.json("unit", "list") if u["code"] == "DU-LOCTHANH")
    assert unit == {"code": "DU-LOCTHANH", "name": "Đảng ủy xã Lộc Thành",
                    "kind": "grassroots", "parent": None, "active": True}
    account = accounts_json(bbt)["vt.locthanh"]
    assert (account["unit"], account["role"], account["must_change_password"]) == (
        "DU-LOCTHANH", "clerk", True)
    clerk = bbt.as_("vt.locthanh", one_time)
    clerk.ok("passwd", "--password-stdin", input="Van-thu-Loc-Thanh\n")


# --- documents: issue, send to a whole kind, acknowledge ------------------------------------------


def test_issue_send_to_a_whole_kind_and_acknowledge_as_a_clerk(fresh_sqlite: Bbt) -> None:
    bbt = fresh_sqlite
    for code in ("DU-LOCAN", "DU-LOCBAC"):
        bbt.ok("unit", "add", code, f"Đảng ủy {code}", "--kind", "grassroots")
    make_user(bbt, "vt.locan", "DU-LOCAN", "clerk", "Van-thu-Loc-An-2022")

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="documents")
        await press_and_settle(pilot, "n")
        choose(pilot, "#field-doc_type", "BC")
        await focus(pilot, "#field-title")
        await type_text(pilot, "Báo cáo kết quả 6 tháng đầu năm 2022")
        await press_and_settle(pilot, "f2")
        assert isinstance(app.screen, ConfirmScreen)  # an official number is taken: asked
        await press_and_settle(pilot, "y")
        table = app.screen.query_one(PagedTable)
        assert table.records[0].data == "01-BC/BBT"
        await press_and_settle(pilot, "g")
        app.screen.query_one("#field-units").add_kind("grassroots")  # type: ignore[attr-defined]
        await press_and_settle(pilot, "f2")
        await press_and_settle(pilot, "y")
        assert not isinstance(app.screen, FormScreen)
        await log_out(pilot)

        await log_in(pilot, "vt.locan", "Van-thu-Loc-An-2022")
        assert type(app.screen).__name__ == "InboxScreen"
        inbox = app.screen.query_one(PagedTable)
        numbers = [r.data["number"] for r in inbox.records]
        await press_and_settle(pilot, "a")
        return numbers

    assert drive(bbt.url, script) == ["01-BC/BBT"]
    shown = bbt.json("doc", "show", "01-BC/BBT")
    shown = shown[0] if isinstance(shown, list) else shown
    statuses = {d["unit"]: d["status"] for d in shown["deliveries"]}
    assert statuses == {"DU-LOCAN": "received", "DU-LOCBAC": "sent"}


# --- articles ------------------------------------------------------------------------------------


def test_an_editor_records_and_publishes_an_article(fresh_sqlite: Bbt) -> None:
    bbt = fresh_sqlite
    make_user(bbt, "bientap", "BBT", "editor", "Bien-tap-vien-2022")

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        await log_in(pilot, "bientap", "Bien-tap-vien-2022", area="articles")
        await press_and_settle(pilot, "n")
        await type_text(pilot, "Lộc Thành ra quân làm đường giao thông nông thôn")
        await press_and_settle(pilot, "f2")
        table = app.screen.query_one(PagedTable)
        statuses = [table.selected.cells[6]] if table.selected else []
        for key in ("e", "a"):
            await press_and_settle(pilot, key)
            statuses.append(table.selected.cells[6] if table.selected else "")
        await press_and_settle(pilot, "p")
        await press_and_settle(pilot, "f2")
        statuses.append(table.selected.cells[6] if table.selected else "")
        return statuses

    assert drive(bbt.url, script) == ["submitted", "editing", "approved", "published"]
    article = bbt.json("article", "list")[0]
    assert (article["title"], article["status"]) == (
        "Lộc Thành ra quân làm đường giao thông nông thôn", "published")
