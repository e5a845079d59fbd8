"""Driving the app headless as a user would (Textual's pilot): the tests, the README's
screenshots (scripts/screenshots) and the benches share these steps.

    async with BBTApp(url).run_test(size=(140, 45)) as pilot:
        await log_in(pilot, "admin", password)
        await go(pilot, "documents")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.widgets import Input, TextArea

from bbt_tui import areas

if TYPE_CHECKING:
    from textual.pilot import Pilot


# Workers that run as long as their widget (a folder tree's loader): never waited for.
PERPETUAL_GROUPS = frozenset({"_loader"})


def _running(pilot: Pilot) -> list[Any]:
    return [w for w in pilot.app.workers
            if not w.is_finished and w.group not in PERPETUAL_GROUPS]


async def settle(pilot: Pilot) -> None:
    """Wait until the database workers are done and their results reached the widgets. A
    worker's result may start another worker (login -> dashboard -> figures), so this
    waits until a round finds none running; no fixed sleeps."""
    for _ in range(50):
        await pilot.pause()
        if not _running(pilot):
            await pilot.pause()  # messages posted by the last results
            if not _running(pilot):
                return
        await pilot.app.workers.wait_for_complete(_running(pilot))


async def focus(pilot: Pilot, selector: str) -> Any:
    """Move the focus to a widget of the current screen, and wait until it moved: focus()
    takes effect with the next messages, so a key pressed right after it could still go to
    the widget that had the focus."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    for _ in range(20):
        await pilot.pause()
        if pilot.app.focused is widget:
            break
    return widget


async def type_text(pilot: Pilot, text: str) -> None:
    """Type into the focused field. A pilot key press costs tens of milliseconds of
    idle-waiting, so longer texts are inserted the way a keystroke inserts them."""
    focused = pilot.app.focused
    if isinstance(focused, Input) and len(text) > 3:
        focused.insert_text_at_cursor(text)
        await pilot.pause()
    elif isinstance(focused, TextArea) and len(text) > 3:
        focused.insert(text)
        await pilot.pause()
    else:
        await pilot.press(*["space" if ch == " " else ch for ch in text])


async def press_and_settle(pilot: Pilot, *keys: str) -> None:
    """Press keys, then wait for the workers they started (a key that opens a screen or
    saves a form) and for their results to reach the widgets."""
    await pilot.press(*keys)
    await settle(pilot)


async def fill(pilot: Pilot, selector: str, text: str) -> None:
    """Replace a form field's text as a user would: focus it, clear it, type."""
    field = await focus(pilot, selector)
    field.value = ""
    await type_text(pilot, text)


async def log_in(pilot: Pilot, username: str, password: str, area: str | None = None) -> None:
    """Log in from the login screen, then open `area` if one is named."""
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)
    if area is not None:
        await go(pilot, area)


async def go(pilot: Pilot, area: str) -> None:
    """Open an area by its navigation key (1-9, 0), or through the command palette for the
    areas after the tenth, as a user would."""
    names = [a.name for a in areas.visible(pilot.app.actor)]  # type: ignore[attr-defined]
    index = names.index(area) + 1
    if index <= 10:
        await pilot.press(str(index % 10))
    else:
        from domain.i18n import _

        await pilot.press("ctrl+p")
        await type_text(pilot, _("Go to: {area}").format(area=_(areas.by_name(area).title)))
        await settle(pilot)
        await pilot.press("enter")
    await settle(pilot)


async def steady(pilot: Pilot) -> None:
    """Make the screen repeatable for a picture: cursors stop blinking (shown where the
    focus is), notifications are gone and animations finished."""
    app = pilot.app
    app.clear_notifications()
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def plain(cell: Any) -> str:
    """A table cell's text, styled (Rich Text) or not."""
    return getattr(cell, "plain", str(cell))


def text_of(pilot: Pilot, selector: str) -> str:
    """What a Static (a label, a message) on the current screen shows."""
    from textual.widgets import Static

    return str(pilot.app.screen.query_one(selector, Static).render())


def choose(pilot: Pilot, selector: str, value: str) -> None:
    """Pick a Select option (its overlay list is Textual's own, tested upstream)."""
    from textual.widgets import Select

    pilot.app.screen.query_one(selector, Select).value = value


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[None]:
    """Every domain module's utcnow() answers `moment` (audit times, logins), for pictures
    and snapshots that show the time of the last change. Modules imported later keep the
    real clock, so import them first."""
    import sys

    import models.base

    original = models.base.utcnow
    patched = []
    for module in [m for name, m in list(sys.modules.items())
                   if name.startswith("domain") or name == "models"]:
        if getattr(module, "utcnow", None) is original:
            module.utcnow = lambda: moment  # type: ignore[attr-defined]
            patched.append(module)
    try:
        yield
    finally:
        for module in patched:
            module.utcnow = original  # type: ignore[attr-defined]
