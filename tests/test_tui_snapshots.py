"""The look of every main screen on the demo, in Vietnamese, at the smallest supported
terminal (80×24) and a large one (200×50), pinned as SVG files in tests/__snapshots__/; and,
read from the widgets rather than the pictures, what 80×24 must keep on screen for every
role: the navigation bar, each screen's main keys in the footer, the status and due columns.

Repeatable by construction: a fixed terminal size, the demo as of its day (BBT_TODAY) with
its audit clock frozen (see tests/test_tui.py), cursors that do not blink, no notifications.
One app session per size takes all the pictures. After an intended change of the look, review
the new pictures and accept them with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from syrupy import SnapshotAssertion
from textual.command import CommandInput, CommandList
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from bbt_tui import areas
from bbt_tui.app import BBTApp
from bbt_tui.pilot import frozen_clock, go, log_in, settle, steady, type_text
from bbt_tui.widgets.nav import BBTFooter, NavBar
from domain.i18n import _
from tests.conftest import ADMIN_PASSWORD, DEMO_CLOCK, DEMO_USERS, Bbt
from tests.test_tui import log_out

SMALL, LARGE = (80, 24), (200, 50)
# The admin's screens pictured, in the order visited; the clerk's inbox comes after.
ADMIN_SCREENS = ("dashboard", "documents", "articles", "reports", "stats", "units",
                 "accounts", "audit", "dataentry", "trainings")
CLERK = "vt.du-locthanh"
PASSWORDS = {"admin": ADMIN_PASSWORD, **DEMO_USERS}
ROLES = ("admin", "vanthu", "bientap", CLERK)  # administrator, operator, editor, clerk
# The keys a screen is for: at 80 columns the footer shows them, whole.
ESSENTIAL_KEYS = {
    "inbox": {"a", "d", "f"},
    "documents": {"n", "r", "g", "k"},
    "articles": {"n", "e", "a", "p"},
    "reports": {"e", "t", "r"},
    "dataentry": {"e", "n", "y"},
    "units": {"n", "e", "t"},
    "accounts": {"n", "e", "l", "u"},
    "stats": {"left_square_bracket", "right_square_bracket", "c", "x"},
    "trainings": {"n"},
    "audit": {"v"},
}
# Columns that a narrow screen keeps (others, of lower priority, make room for them).
KEPT_COLUMNS = {
    "inbox": {"number", "title", "status", "due"},
    "documents": {"number", "date", "title", "signed"},
    "articles": {"id", "title", "status"},
    "accounts": {"username", "full_name", "role", "status"},
    "audit": {"id", "at", "action", "detail"},
}


def run_at(url: str, size: tuple[int, int],
           script: Callable[[BBTApp, Pilot], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        app = BBTApp(url)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            return await script(app, pilot)

    with frozen_clock(DEMO_CLOCK):  # the audit screen shows when each login happened
        return asyncio.run(main())


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x50"])
def test_main_screens_look_as_pinned(
        demo_sqlite: Bbt,
        snapshot: SnapshotAssertion, monkeypatch: pytest.MonkeyPatch,
        size: tuple[int, int]) -> None:
    monkeypatch.setenv("BBT_LANG", "vi")

    async def picture(pilot: Pilot) -> str:
        await steady(pilot)
        return pilot.app.export_screenshot(title="BBT")

    async def script(app: BBTApp, pilot: Pilot) -> dict[str, str]:
        pictures = {"login": await picture(pilot)}
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        for name in ADMIN_SCREENS:
            await go(pilot, name)
            pictures[name] = await picture(pilot)
        await log_out(pilot)
        await log_in(pilot, CLERK, DEMO_USERS[CLERK])
        pictures["inbox"] = await picture(pilot)
        return pictures

    pictures = run_at(demo_sqlite.url, size, script)
    svg = snapshot.use_extension(SVGImageExtension)
    suffix = "{}x{}".format(*size)
    for name, picture_svg in pictures.items():
        assert svg(name=f"{name}-{suffix}") == picture_svg, name


def footer_keys_shown(app: BBTApp) -> set[str]:
    """Keys whose footer entry is on screen whole (not hidden, not under the palette key)."""
    footer = app.screen.query_one(BBTFooter)
    palette = [k for k in footer.query(FooterKey) if k.has_class("-command-palette")]
    right = palette[0].region.x if palette else footer.region.right
    return {key.key for key in footer.query(FooterKey)
            if key.display and key.region.width and key.region.right <= right
            and not key.has_class("-command-palette")}


def columns_shown(app: BBTApp) -> set[str]:
    """Keys of the table's columns that fit whole within its width."""
    table = app.screen.query_one(DataTable)
    x, shown = 0, set()
    for column in table.ordered_columns:
        x += column.get_render_width(table)
        if x <= table.scrollable_content_region.width:
            shown.add(str(column.key.value))
    return shown


def test_80x24_keeps_navigation_main_keys_and_columns_on_screen(
        demo_sqlite: Bbt,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BBT_LANG", "vi")
    seen: dict[str, Any] = {"missing": []}

    def check(app: BBTApp, who: str, area: str) -> None:
        where = f"{who} / {area}"
        nav = app.screen.query_one(NavBar)
        current = _(areas.by_name(area).title)
        if not (nav.region.height and nav.region.y < 4 and current in str(nav.render())):
            seen["missing"].append(f"{where}: navigation bar {nav.region}")
        offered = {b.key for _n, b, _enabled, _t in app.screen.active_bindings.values() if b.show}
        lacking = (ESSENTIAL_KEYS.get(area, set()) & offered) - footer_keys_shown(app)
        if lacking:
            seen["missing"].append(f"{where}: footer lacks {sorted(lacking)}")
        if area in KEPT_COLUMNS and (lacking := KEPT_COLUMNS[area] - columns_shown(app)):
            seen["missing"].append(f"{where}: columns off screen {sorted(lacking)}")

    async def script(app: BBTApp, pilot: Pilot) -> None:
        footer = app.screen.query_one(BBTFooter)
        seen["palette"] = [str(k.description) for k in footer.query(FooterKey)
                           if k.has_class("-command-palette")]
        await pilot.press("ctrl+p")
        seen["placeholder"] = app.screen.query_one(CommandInput).placeholder
        await type_text(pilot, "qqqq")
        await pilot.pause(0.8)  # Textual waits half a second before saying nothing matched
        found = app.screen.query_one(CommandList)
        seen["no match"] = [str(found.get_option_at_index(i).prompt.renderable)  # an Align
                            for i in range(found.option_count)]
        await pilot.press("escape")
        for who in ROLES:
            await log_in(pilot, who, PASSWORDS[who])
            for area in areas.visible(app.actor):
                await go(pilot, area.name)
                check(app, who, area.name)
            await log_out(pilot)

    run_at(demo_sqlite.url, SMALL, script)
    assert seen["missing"] == []
    # Textual's own texts, in the user's language.
    assert seen["palette"] == ["Lệnh"]
    assert seen["placeholder"] == "Tìm lệnh…"
    assert seen["no match"] == ["Không tìm thấy lệnh nào"]
