"""The clerk's day in the terminal UI (issue 15) and the reminder letter from the late units'
screen (issue 16), driven with the pilot on a copy of the prepared demo (SQLite) and checked
against the command line; the audit screen's labels cover every action the domain writes."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Markdown

from bbt_tui.app import BBTApp
from bbt_tui.labels import AUDIT_ACTION_LABELS
from bbt_tui.pilot import log_in, plain, press_and_settle, text_of, type_text
from bbt_tui.screens.audit import AuditScreen, detail_lines
from bbt_tui.screens.document_detail import DeliveryScreen
from bbt_tui.screens.inbox import InboxScreen
from bbt_tui.screens.late_units import LateUnitsScreen, LetterScreen
from bbt_tui.screens.login import LoginScreen
from bbt_tui.widgets.dialogs import ConfirmScreen, MessageScreen
from bbt_tui.widgets.form import FormScreen
from bbt_tui.widgets.paged_table import PagedTable
from tests.conftest import ADMIN_PASSWORD, DEMO_USERS, Bbt, make_user
from tests.test_reminders import setup_late
from tests.test_tui import drive

CLERK = "vt.du-locthanh"
ROOT = Path(__file__).resolve().parent.parent


def shown(pilot: Pilot) -> list[str]:
    table = pilot.app.screen.query_one(PagedTable)
    return [r.key for r in table.records]


def test_the_clerk_opens_finishes_and_logs_out(demo_sqlite: Bbt) -> None:
    bbt = demo_sqlite
    clerk = bbt.as_(CLERK, DEMO_USERS[CLERK])
    pending = clerk.json("doc", "inbox")
    # The inbox opens on the first tab with work: waiting (not acknowledged), else in progress.
    status = "sent" if any(r["status"] == "sent" for r in pending) else "received"
    waiting = [r["number"] for r in pending if r["status"] == status]
    assert len(waiting) >= 2, pending
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, CLERK, DEMO_USERS[CLERK])
        assert isinstance(app.screen, InboxScreen)
        table = app.screen.query_one(PagedTable)
        seen["waiting"] = [r.data["number"] for r in table.records]
        await pilot.press("down")  # the second row: Enter must open that one
        record = table.selected
        assert record is not None
        seen["highlighted"] = (record.data["number"], plain(record.cells[3]))
        seen["sender"] = (plain(record.cells[2]), record.data["sender"])
        seen["next"] = table.records[2].key if len(table.records) > 2 else None
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, DeliveryScreen)
        seen["opened"] = (app.screen.doc["number"], text_of(pilot, "#document-title"))
        seen["body"] = text_of(pilot, "#document-body")
        await press_and_settle(pilot, "d")  # done, from the document: this delivery
        assert isinstance(app.screen, FormScreen)
        await press_and_settle(pilot, "f2")
        assert isinstance(app.screen, DeliveryScreen)
        seen["after"] = text_of(pilot, "#document-body")
        await press_and_settle(pilot, "escape")
        assert isinstance(app.screen, InboxScreen)
        seen["waiting_after"] = [r.data["number"] for r in table.records]
        seen["cursor_after"] = table.selected.key if table.selected else None
        await press_and_settle(pilot, *["t"] * (2 if status == "sent" else 1))  # to the done tab
        seen["done_tab"] = [r.data["number"] for r in table.records]
        await press_and_settle(pilot, "ctrl+l")
        seen["logged_out"] = isinstance(app.screen, LoginScreen) and app.actor is None

    drive(bbt.url, script)
    number, title = seen["highlighted"]
    assert seen["waiting"] == waiting
    assert seen["opened"] == (number, title) and number == waiting[1]
    code, sender = seen["sender"]
    assert code == bbt.json("doc", "show", number)["issuer"] and sender.startswith(code + " — ")
    assert f"Sender: {sender}" in seen["body"]
    assert f"Status: {status}" in seen["body"] and "Status: done" in seen["after"]
    assert number not in seen["waiting_after"] and number in seen["done_tab"]
    assert seen["cursor_after"] == seen["next"]  # the row that took its place
    assert seen["logged_out"]
    statuses = {(r["number"], r["status"]) for r in clerk.json("doc", "inbox", "--all")}
    assert (number, "done") in statuses
    assert (waiting[0], status) in statuses  # the other one untouched


def test_the_clerk_returns_and_forwards_the_highlighted_deliveries(demo_sqlite: Bbt) -> None:
    """R and F act on the row under the cursor, not the first one: the second row is
    returned with its reason, then the (new) second row forwarded to a unit that did not
    have it; the first row stays as it was."""
    bbt = demo_sqlite
    clerk = bbt.as_(CLERK, DEMO_USERS[CLERK])
    seen: dict[str, Any] = {}

    async def answer(pilot: Pilot, key: str, text: str) -> None:
        await press_and_settle(pilot, key)
        assert isinstance(pilot.app.screen, FormScreen)
        await type_text(pilot, text)
        await press_and_settle(pilot, "f2")

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, CLERK, DEMO_USERS[CLERK])
        table = app.screen.query_one(PagedTable)
        seen["first"] = table.records[0].data["number"]
        await pilot.press("down")
        seen["returned"] = table.selected.data["number"] if table.selected else None
        await answer(pilot, "r", "Không thuộc thẩm quyền")
        await pilot.press("home", "down")
        number = table.selected.data["number"] if table.selected else ""
        seen["forwarded"] = number
        have = {d["unit"] for d in bbt.json("doc", "show", number)["deliveries"]}
        seen["to"] = next(u["code"] for u in bbt.json("unit", "list")
                          if u["code"] not in have and u["active"])
        await answer(pilot, "f", seen["to"])

    drive(bbt.url, script)
    statuses = {r["number"]: r["status"] for r in clerk.json("doc", "inbox", "--all")}
    assert statuses[seen["returned"]] == "returned"
    assert statuses[seen["first"]] in ("sent", "received")
    assert seen["forwarded"] not in (seen["first"], seen["returned"])
    to = {d["unit"] for d in bbt.json("doc", "show", seen["forwarded"])["deliveries"]}
    assert seen["to"] in to


def test_the_late_units_and_one_reminder_then_a_viewer(demo_sqlite: Bbt) -> None:
    bbt = demo_sqlite
    operator = bbt.as_("vanthu", DEMO_USERS["vanthu"])
    late = [r["unit"] for r in operator.json("doc", "late")]
    reminded = operator.json("doc", "remind", "--as-of", "2022-06-13")  # a draft: no number
    days = {u["unit"]: str(max(d["days_late"] for d in u["documents"])) for u in reminded}
    before = len(bbt.json("doc", "list", "--year", "2022"))
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "vanthu", DEMO_USERS["vanthu"], area="late")
        assert isinstance(app.screen, LateUnitsScreen)
        seen["listed"] = shown(pilot)
        seen["days"] = {r.key: r.cells[5] for r in app.screen.query_one(PagedTable).records}
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, LetterScreen)
        seen["letter"] = app.screen.shown.letter
        assert app.screen.query_one(Markdown) is not None
        await press_and_settle(pilot, "c")
        assert isinstance(app.screen, ConfirmScreen)
        seen["question"] = app.screen.question
        await press_and_settle(pilot, "y")
        assert isinstance(app.screen, MessageScreen)
        seen["message"] = app.screen.body
        await press_and_settle(pilot, "escape")
        await press_and_settle(pilot, "ctrl+l")  # a viewer sees the late units but cannot remind
        await log_in(pilot, "lanhdao", DEMO_USERS["lanhdao"], area="late")
        assert isinstance(app.screen, LateUnitsScreen) and shown(pilot)
        await press_and_settle(pilot, "r")
        seen["viewer_letter"] = isinstance(app.screen, LetterScreen)

    drive(bbt.url, script)
    assert late and seen["listed"] == late and seen["viewer_letter"] is False
    assert {u: d for u, d in seen["days"].items() if d} == days
    letters = [d for d in bbt.json("doc", "list", "--year", "2022")
               if d["type"] == "CV" and d["issuer"] == "BBT"]
    assert len(letters) == 1 and len(bbt.json("doc", "list", "--year", "2022")) == before + 1
    given = letters[0]["number"]
    assert given in seen["question"] and given in seen["message"]
    sent = bbt.json("doc", "show", given)
    assert sorted(d["unit"] for d in sent["deliveries"]) == sorted(days)


def test_the_previewed_number_is_the_one_given_on_both_engines(
        bbt: Bbt, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers behind the late units and the inbox on SQLite and PostgreSQL: the number
    the confirmation shows is the one registered, and a forwarded document's sender is the
    unit that forwarded it."""
    monkeypatch.setenv("BBT_TODAY", "2022-06-13")
    setup_late(bbt)
    bbt.ok("unit", "add", "D", "Đảng bộ xã Lộc Đức", "--kind", "grassroots")
    make_user(bbt, "vt.a", "A", "clerk", "Van-thu-A-2022")
    make_user(bbt, "vt.d", "D", "clerk", "Van-thu-D-2022")
    bbt.as_("vt.a", "Van-thu-A-2022").ok("doc", "forward", "01-KH/BBT", "--from", "A",
                                          "--to", "D")
    bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn trước",
           "--date", "2022-06-01")
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="late")
        await press_and_settle(pilot, "r")
        await press_and_settle(pilot, "c")
        assert isinstance(app.screen, ConfirmScreen)
        seen["question"] = app.screen.question
        await press_and_settle(pilot, "y")
        assert isinstance(app.screen, MessageScreen)
        await press_and_settle(pilot, "escape")
        await press_and_settle(pilot, "ctrl+l")
        await log_in(pilot, "vt.d", "Van-thu-D-2022")
        assert isinstance(app.screen, InboxScreen), app.screen
        seen["status"] = text_of(pilot, "PagedTable .status")
        records = app.screen.query_one(PagedTable).records
        seen["senders"] = {r.data["number"]: plain(r.cells[2]) for r in records}

    drive(bbt.url, script)
    assert "02-CV/BBT" in seen["question"]
    letter = bbt.json("doc", "show", "02-CV/BBT")
    assert letter["title"].startswith("Đôn đốc") and len(letter["deliveries"]) == 4  # A B D X
    assert seen["senders"] == {"01-KH/BBT": "A", "02-CV/BBT": "BBT"}, seen["status"]


# --- the audit screen ------------------------------------------------------------------------


def written_actions() -> set[str]:
    """Every action code the domain passes to audit.record, read from its source; an
    f-string action names its variants (article moves, lock/unlock)."""
    from domain import articles
    from domain.audit import GENESIS_ACTION

    codes = {GENESIS_ACTION}
    dynamic = {"article.{action}": {f"article.{m}" for m in articles.MOVES},
               "account.{'unlock' if status == 'active' else 'lock'}":
                   {"account.lock", "account.unlock"}}
    for path in [*(ROOT / "domain").glob("*.py"), *(ROOT / "commands").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("record", "record_document")
                    and len(node.args) >= 3):
                continue
            action = node.args[2]
            if isinstance(action, ast.Constant):
                codes.add(action.value)
            else:
                codes |= dynamic[ast.get_source_segment(path.read_text(encoding="utf-8"),
                                                        action)[2:-1]]  # type: ignore[index]
    return codes


def test_every_audit_action_has_a_label() -> None:
    codes = written_actions()
    assert {"document.view", "delivery.done", "article.publish", "account.unlock"} <= codes
    assert codes - AUDIT_ACTION_LABELS.keys() == set()


def test_an_audit_detail_reads_as_names_and_values() -> None:
    detail = json.dumps({"units": ["DU-LOCAN", "DU-LOCBAC"], "due": "2022-06-20",
                         "valid": True}, sort_keys=True)
    assert detail_lines(detail) == ["Due: 2022-06-20", "Units: DU-LOCAN, DU-LOCBAC",
                                    "valid: yes"]
    assert detail_lines("not json") == ["not json"]


def test_the_audit_screen_shows_labels(demo_sqlite: Bbt) -> None:
    async def script(app: BBTApp, pilot: Pilot) -> tuple[list[str], str]:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="audit")
        assert isinstance(app.screen, AuditScreen)
        records = app.screen.query_one(PagedTable).records
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, MessageScreen)
        return [plain(r.cells[3]) for r in records], app.screen.body

    actions, body = drive(demo_sqlite.url, script)
    assert actions and set(actions) <= {str(v) for v in AUDIT_ACTION_LABELS.values()}
    assert "{" not in body
