"""The terminal UI driven as a user would: keys in, widgets read back (App.run_test pilot).

Database tests use the `bbt` / `demo` fixtures, so they run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from bbt_tui import areas
from bbt_tui.app import BBTApp
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


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their results reach the widgets: a worker's result may start
    another worker (login -> dashboard -> figures), so wait until two rounds find none."""
    quiet = 0
    for _ in range(30):
        await pilot.pause()
        busy = any(not w.is_finished for w in pilot.app.workers)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return


async def type_text(pilot: Pilot, text: str) -> None:
    """Type into the focused field. A pilot key press costs ~70 ms of idle-waiting, so long
    texts are inserted the way a keystroke inserts them; short ones go key by key."""
    focused = pilot.app.focused
    if isinstance(focused, Input) and len(text) > 3:
        focused.insert_text_at_cursor(text)
        await pilot.pause()
    else:
        await pilot.press(*["space" if ch == " " else ch for ch in text])


async def log_in(pilot: Pilot, username: str, password: str) -> None:
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


async def go(pilot: Pilot, area: str) -> None:
    """Press the navigation key of an area (its position among the areas the role sees)."""
    names = [a.name for a in areas.visible(pilot.app.actor)]  # type: ignore[attr-defined]
    await pilot.press(str((names.index(area) + 1) % 10))
    await settle(pilot)


def text_of(app: BBTApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def choose(app: BBTApp, selector: str, value: str) -> None:
    """Pick a Select option (the overlay list is Textual's own, tested upstream)."""
    app.screen.query_one(selector, Select).value = value


def accounts_json(bbt: Bbt) -> dict[str, dict]:
    return {a["username"]: a for a in bbt.json("account", "list")}


@pytest.fixture
def sqlite_bbt(tmp_path) -> Iterator[Bbt]:
    """For UI behaviour that no engine changes (keys, roles, forms, confirmation): SQLite
    only, to keep the suite fast. The domain calls behind them are tested on both engines in
    their own files, and the UI's worker/transaction path runs on both engines in the login,
    dashboard, unit/account creation and document tests here."""
    from domain.db import dispose_all

    runner = Bbt(f"sqlite:///{tmp_path / 'ui.db'}")
    runner.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    yield runner.as_("admin", ADMIN_PASSWORD)
    dispose_all()


def test_wrong_password_shows_an_error_and_five_lock_the_account(bbt: Bbt) -> None:
    make_user(bbt, "vanthu", "BBT", "operator", "Mat-khau-van-thu")

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        messages = []
        await log_in(pilot, "vanthu", "sai-mat-khau")
        messages.append(text_of(app, "#login-error"))
        assert app.actor is None and app.screen.query_one("#password", Input).value == ""
        for _ in range(4):
            await type_text(pilot, "sai-mat-khau")
            await pilot.press("enter")
            await settle(pilot)
        await type_text(pilot, "Mat-khau-van-thu")  # the right one, too late
        await pilot.press("enter")
        await settle(pilot)
        messages.append(text_of(app, "#login-error"))
        assert app.actor is None
        return messages

    wrong, locked = drive(bbt.url, script)
    assert wrong == "Wrong username or password."
    assert "locked" in locked
    assert accounts_json(bbt)["vanthu"]["status"] == "locked"


def test_one_time_password_forces_a_new_password(sqlite_bbt: Bbt) -> None:
    bbt = sqlite_bbt
    out = bbt.ok("account", "add", "bientap", "--unit", "BBT", "--role", "editor").stdout
    one_time = out.rsplit(":", 1)[1].strip()

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "bientap", one_time)
        assert isinstance(app.screen, FormScreen) and app.actor is None
        await type_text(pilot, "Tin-bai-moi-2022")
        await pilot.press("enter")
        await type_text(pilot, "Tin-bai-khac")
        await pilot.press("f2")
        await settle(pilot)
        assert text_of(app, "#error-again") == "The two passwords differ."
        app.screen.query_one("#field-again", Input).value = ""
        app.screen.query_one("#field-again", Input).focus()
        await type_text(pilot, "Tin-bai-moi-2022")
        await pilot.press("enter")
        await settle(pilot)
        assert app.actor is not None and app.actor.role == "editor"

    drive(bbt.url, script)
    assert accounts_json(bbt)["bientap"]["must_change_password"] is False
    bbt.as_("bientap", "Tin-bai-moi-2022").ok("unit", "list")


def test_dashboard_figures_search_sort_and_audit_on_the_demo(demo: Bbt) -> None:
    units = [u for u in demo.json("unit", "list")]
    accounts = demo.json("account", "list")
    trainings = demo.json("training", "list")
    newest_audit = demo.json("audit", "list", "--limit", "1")[0]["id"]
    overdue = demo.json("doc", "list", "--overdue")

    async def script(app: BBTApp, pilot: Pilot) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        for figure in ("units", "accounts", "trainings", "audit", "overdue"):
            seen[figure] = str(app.screen.query_one(f"#figure-{figure}").render()).split("\n")[0]
        app.screen.query_one("#figure-units").focus()
        await pilot.press("enter")  # a figure opens its screen
        await settle(pilot)
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
        await pilot.press("v")
        await settle(pilot)
        seen["verdict"] = app.screen.last_verdict  # type: ignore[attr-defined]
        return seen

    seen = drive(demo.url, script)
    assert seen["units"] == f"{len(units)}"
    assert seen["accounts"] == f"{len(accounts)}"
    assert seen["trainings"] == f"{len(trainings)}"
    assert seen["audit"] == f"{newest_audit}"
    assert seen["overdue"] == f"{len(overdue)}"
    assert seen["opened"] == "UnitsScreen"
    assert seen["search"] and all("Lộc Thành" in name for name in seen["search"])
    assert seen["sorted"] == sorted((u["code"] for u in units), reverse=True)
    assert seen["verdict"].startswith("Audit chain intact")


def test_create_a_unit_and_an_account_through_the_forms(bbt: Bbt) -> None:
    async def script(app: BBTApp, pilot: Pilot) -> str:
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        await go(pilot, "units")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "DU-LOCTHANH")
        await pilot.press("f2")  # no name, no kind yet
        await settle(pilot)
        assert text_of(app, "#error-name") == "This field is required."
        assert text_of(app, "#error-kind") == "This field is required."
        app.screen.query_one("#field-name", Input).focus()
        await type_text(pilot, "Đảng ủy xã Lộc Thành")
        choose(app, "#field-kind", "grassroots")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "DU-LOCTHANH" in [r.key for r in app.screen.query_one(PagedTable).records]

        # The command palette reaches the accounts screen's "New account" too.
        await go(pilot, "accounts")
        await pilot.press("ctrl+p")
        await type_text(pilot, "new account")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await type_text(pilot, "vt.locthanh")
        choose(app, "#field-unit", "DU-LOCTHANH")
        choose(app, "#field-role", "clerk")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, MessageScreen)
        one_time = str(app.screen.query_one("#secret", Static).render())
        await pilot.press("enter")
        return one_time

    one_time = drive(bbt.url, script)
    unit = next(u for u in bbt.json("unit", "list") if u["code"] == "DU-LOCTHANH")
    assert unit == {"code": "DU-LOCTHANH", "name": "Đảng ủy xã Lộc Thành",
                    "kind": "grassroots", "parent": None}
    account = accounts_json(bbt)["vt.locthanh"]
    assert (account["unit"], account["role"], account["must_change_password"]) == (
        "DU-LOCTHANH", "clerk", True)
    clerk = bbt.as_("vt.locthanh", one_time)
    clerk.ok("passwd", "--password-stdin", input="Van-thu-Loc-Thanh\n")


def test_lock_an_account_with_confirmation_and_a_keymap_override(sqlite_bbt: Bbt) -> None:
    bbt = sqlite_bbt
    make_user(bbt, "vt.locan", "BBT", "clerk")
    bbt.ok("settings", "set", "keymap", json.dumps({"accounts.lock": "k"}))

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        await go(pilot, "accounts")
        table = app.screen.query_one(PagedTable)
        await pilot.press("slash")
        await type_text(pilot, "locan")
        await pilot.press("enter")
        await settle(pilot)
        assert [r.key for r in table.records] == ["vt.locan"]
        await pilot.press("l")  # moved to "k" by the keymap: nothing happens
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # changed my mind
        await settle(pilot)
        assert table.records[0].data["status"] == "active"
        await pilot.press("k", "y")
        await settle(pilot)
        assert table.records[0].data["status"] == "locked"

    drive(bbt.url, script)
    assert accounts_json(bbt)["vt.locan"]["status"] == "locked"


def test_a_viewer_sees_no_write_actions(sqlite_bbt: Bbt) -> None:
    bbt = sqlite_bbt
    make_user(bbt, "lanhdao", "BBT", "viewer", "Lanh-dao-xem-bao-cao")

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "lanhdao", "Lanh-dao-xem-bao-cao")
        await go(pilot, "units")
        shown = {b.action for _n, b, enabled, _t in app.screen.active_bindings.values() if enabled}
        assert "search" in shown and "new" not in shown and "edit" not in shown
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)

    drive(bbt.url, script)


@pytest.mark.parametrize(("lang", "login", "username"), [
    ("vi", "Đăng nhập", "Tên đăng nhập"), ("en", "Log in", "Username")])
def test_vietnamese_by_default_english_on_request(
        lang: str, login: str, username: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """SQLite only: the login screen's language comes from the catalog, not the database."""
    monkeypatch.setenv("BBT_LANG", lang)

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        return [str(w.render()) for w in app.screen.query("Label, Button, Static")]

    texts = drive(f"sqlite:///{tmp_path / 'x.db'}", script)
    assert login in texts and username in texts


def test_issue_send_to_a_whole_kind_and_acknowledge_as_a_clerk(bbt: Bbt) -> None:
    for code in ("DU-LOCAN", "DU-LOCBAC"):
        bbt.ok("unit", "add", code, f"Đảng ủy {code}", "--kind", "grassroots")
    make_user(bbt, "vt.locan", "DU-LOCAN", "clerk", "Van-thu-Loc-An-2022")

    async def as_admin(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        await go(pilot, "documents")
        await pilot.press("n")
        await settle(pilot)
        choose(app, "#field-doc_type", "BC")
        app.screen.query_one("#field-title", Input).focus()
        await type_text(pilot, "Báo cáo kết quả 6 tháng đầu năm 2022")
        await pilot.press("f2")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        assert table.records[0].data == "01-BC/BBT"
        await pilot.press("g")
        await settle(pilot)
        app.screen.query_one("#field-units").add_kind("grassroots")  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)

    async def as_clerk(app: BBTApp, pilot: Pilot) -> list[str]:
        await log_in(pilot, "vt.locan", "Van-thu-Loc-An-2022")
        assert type(app.screen).__name__ == "InboxScreen"
        table = app.screen.query_one(PagedTable)
        numbers = [r.data["number"] for r in table.records]
        await pilot.press("a")
        await settle(pilot)
        return numbers

    drive(bbt.url, as_admin)
    assert drive(bbt.url, as_clerk) == ["01-BC/BBT"]
    shown = bbt.json("doc", "show", "01-BC/BBT")
    shown = shown[0] if isinstance(shown, list) else shown
    statuses = {d["unit"]: d["status"] for d in shown["deliveries"]}
    assert statuses == {"DU-LOCAN": "received", "DU-LOCBAC": "sent"}


def test_an_editor_records_and_publishes_an_article(sqlite_bbt: Bbt) -> None:
    bbt = sqlite_bbt
    make_user(bbt, "bientap", "BBT", "editor", "Bien-tap-vien-2022")

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        await log_in(pilot, "bientap", "Bien-tap-vien-2022")
        assert [a.name for a in areas.visible(app.actor)] == ["dashboard", "articles", "visits"]
        await go(pilot, "articles")
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Lộc Thành ra quân làm đường giao thông nông thôn")
        await pilot.press("f2")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        statuses = [table.selected.cells[6]] if table.selected else []
        for key in ("e", "a"):
            await pilot.press(key)
            await settle(pilot)
            statuses.append(table.selected.cells[6] if table.selected else "")
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        statuses.append(table.selected.cells[6] if table.selected else "")
        return statuses

    assert drive(bbt.url, script) == ["submitted", "editing", "approved", "published"]
    article = bbt.json("article", "list")[0]
    assert (article["title"], article["status"]) == (
        "Lộc Thành ra quân làm đường giao thông nông thôn", "published")
