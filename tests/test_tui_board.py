"""The board's jobs in the TUI: the editorial queue on the editor's dashboard, the late units
and their reminder letter from Documents, the royalty sheet and the last feed sync from
Articles. Driven with the pilot on a copy of the prepared demo (SQLite), checked against
the command line."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from bbt_tui.app import BBTApp
from bbt_tui.pilot import focus, log_in, press_and_settle, type_text
from bbt_tui.screens.late_units import LateUnitsScreen, LetterScreen
from bbt_tui.widgets.dialogs import MessageScreen, TableScreen
from bbt_tui.widgets.figures import Figure
from bbt_tui.widgets.paged_table import PagedTable
from tests.conftest import ADMIN_PASSWORD, DEMO_USERS, Bbt
from tests.test_feeds import RSS
from tests.test_tui import drive


def test_queue_on_the_editors_dashboard(demo_sqlite: Bbt) -> None:
    queue = demo_sqlite.json("article", "queue")

    async def script(app: BBTApp, pilot: Pilot) -> tuple[str, str]:
        await log_in(pilot, "bientap", DEMO_USERS["bientap"])
        figure = app.screen.query_one("#figure-queue", Figure)
        return figure.value, figure.detail

    value, detail = drive(demo_sqlite.url, script)
    assert queue and value == str(len(queue))
    assert str(max(q["days_waiting"] for q in queue)) in detail


def test_documents_l_opens_the_late_units(demo_sqlite: Bbt) -> None:
    """The late units have their own area (tests/test_tui_clerk.py drives the reminder);
    L on Documents still leads there."""
    late = [u["unit"] for u in demo_sqlite.json("doc", "late")]

    async def script(app: BBTApp, pilot: Pilot) -> list[str]:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="documents")
        await press_and_settle(pilot, "l")
        assert isinstance(app.screen, LateUnitsScreen)
        assert not isinstance(app.screen, LetterScreen)
        return [r.key for r in app.screen.query_one(PagedTable).records]

    assert drive(demo_sqlite.url, script) == late


def test_royalties_and_last_feed_sync_from_articles(demo_sqlite: Bbt, tmp_path: Path) -> None:
    for kind, amount in (("news", "100000"), ("feature", "200000"), ("photo", "50000"),
                         ("slogan", "0"), ("document", "10000")):
        demo_sqlite.ok("royalty", "rate", "set", kind, amount, "--from", "2022-01")
    feed = tmp_path / "rss.xml"
    feed.write_text(RSS, encoding="utf-8")
    demo_sqlite.ok("article", "sync-feed", str(feed), "--unit", "BBT")
    sheet = demo_sqlite.json("royalty", "sheet", "--month", "2022-06")
    target = tmp_path / "nhuan-but.xlsx"
    seen: dict[str, Any] = {}

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "bientap", DEMO_USERS["bientap"], area="articles")
        await press_and_settle(pilot, "y")
        assert isinstance(app.screen, TableScreen)
        seen["rows"] = len(app.screen.query_one(PagedTable).records)
        seen["intro"] = str(app.screen.query_one(".intro", Static).render())
        field = await focus(pilot, "#save-path")
        field.value = ""
        await type_text(pilot, str(target))
        await press_and_settle(pilot, "f2")
        assert not isinstance(app.screen, TableScreen)
        await press_and_settle(pilot, "f")
        assert isinstance(app.screen, MessageScreen)
        seen["feed"] = app.screen.body

    drive(demo_sqlite.url, script)
    assert seen["rows"] == len(sheet["lines"]) > 0
    assert sheet["total_words"] in seen["intro"]
    assert target.exists() and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "2 added of 3 entries" in seen["feed"]
    assert "Hội nghị sơ kết 6 tháng đầu năm" in seen["feed"]
