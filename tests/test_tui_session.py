"""An open TUI session (and so every `bbt serve` browser session, which runs the same app)
re-reads its account at every action: locked, disabled or changed from another session, the
next action is refused and the app returns to the login screen. Both engines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from bbt_tui.app import BBTApp
from bbt_tui.pilot import go, log_in, settle
from bbt_tui.screens.login import LoginScreen
from tests.conftest import Bbt, make_user

PASSWORD = "Mat-khau-nghiep-vu-2022"


def signed_out_after(bbt: Bbt, change: Callable[[], Any]) -> tuple[str, list[str]]:
    """Log in as an operator, apply `change` from elsewhere, then take one more action."""

    async def main() -> tuple[str, list[str]]:
        app = BBTApp(bbt.url)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await log_in(pilot, "nghiepvu", PASSWORD)
            assert app.actor is not None and app.actor.role == "operator"
            await go(pilot, "units")  # an action that works before the change
            assert not isinstance(app.screen, LoginScreen)
            change()
            await go_back_to(pilot, "documents")
            notes = [n.message for n in app._notifications]
            return type(app.screen).__name__, notes

    return asyncio.run(main())


async def go_back_to(pilot: Pilot, area: str) -> None:
    await go(pilot, area)
    await settle(pilot)


def test_a_lock_from_another_session_signs_the_tui_out(bbt: Bbt) -> None:
    make_user(bbt, "nghiepvu", "BBT", "operator", PASSWORD)
    screen, notes = signed_out_after(bbt, lambda: bbt.ok("account", "lock", "nghiepvu"))
    assert screen == "LoginScreen"
    assert any("locked or disabled" in n for n in notes), notes


def test_a_role_change_signs_the_tui_out(bbt: Bbt) -> None:
    from domain import accounts
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    make_user(bbt, "nghiepvu", "BBT", "operator", PASSWORD)

    def demote() -> None:
        with transaction(get_engine(bbt.url)) as session:
            accounts.update(session, Actor("admin", "admin"), "nghiepvu", role="viewer")

    screen, notes = signed_out_after(bbt, demote)
    assert screen == "LoginScreen"
    assert any("role or unit was changed" in n for n in notes), notes


def test_an_unchanged_account_keeps_working(bbt: Bbt) -> None:
    make_user(bbt, "nghiepvu", "BBT", "operator", PASSWORD)
    screen, notes = signed_out_after(bbt, lambda: bbt.ok("unit", "add", "X", "Đơn vị X",
                                                         "--kind", "other"))
    assert screen != "LoginScreen", notes
