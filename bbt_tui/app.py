"""BBTApp: log in, then the areas this account's role may open.

    BBTApp(db_url).run()

Every database call goes through domain/ in a worker thread (bbt_tui.db.run_db); widgets
are touched on the UI thread only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from bbt_tui import areas
from bbt_tui.callbacks import when_done
from bbt_tui.palette import BBTCommands
from bbt_tui.text import N_
from domain.i18n import _

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Engine

    from domain.auth import Actor


def is_ours(binding: Binding) -> bool:
    """BBT's own keys (they have an id, or show in the footer), not Textual's built-in cursor
    and focus keys, which would appear untranslated in help and the palette."""
    return bool(binding.description) and (binding.id is not None or binding.show) and (
        not binding.action.startswith("app.goto"))


class BBTApp(App[None]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "BBT"
    COMMANDS = App.COMMANDS | {BBTCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit"),
        Binding("f1", "help", N_("Help"), id="app.help"),
        # Declared here so that the footer's label is ours (Textual's reads "palette").
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True,
                id="app.palette", tooltip=N_("Open the command palette")),
    ]

    def __init__(self, db_url: str | None = None, *, engine: Engine | None = None) -> None:
        super().__init__()
        self.db_url = db_url
        self._engine = engine
        self.actor: Actor | None = None
        self._installed: list[str] = []

    @property
    def engine(self) -> Engine:
        """Opened (and migrated when new) on first use, from a worker thread."""
        if self._engine is None:
            from domain.db import get_engine

            self._engine = get_engine(self.db_url)
        return self._engine

    def on_mount(self) -> None:
        from bbt_tui.screens.login import LoginScreen

        self.title = _("BBT — Editorial Board")
        self.push_screen(LoginScreen())

    # --- session ---------------------------------------------------------------------------

    def signed_in(self, actor: Actor, keymap: str = "") -> None:
        """Called by the login screen once the password (and a forced change) is done."""
        from bbt_tui.labels import ROLE_LABELS, label

        self.actor = actor
        self.sub_title = f"{actor.username} · {label(ROLE_LABELS, actor.role)} · {actor.unit_code}"
        self.apply_keymap(keymap)
        self.show_area(areas.home(actor))

    def apply_keymap(self, keymap: str) -> bool:
        """The setting "keymap": JSON {binding id: keys}, e.g. {"units.new": "f4"}."""
        if not keymap.strip():
            self.set_keymap({})
            return True
        try:
            mapping = json.loads(keymap)
            if not isinstance(mapping, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
                raise ValueError
        except ValueError:
            self.notify(_("The keymap setting is not a JSON object of action: key; ignored."),
                        severity="warning")
            return False
        self.set_keymap(mapping)
        return True

    async def action_logout(self) -> None:
        from bbt_tui.screens.login import LoginScreen

        self.actor = None
        self.sub_title = ""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        await self.switch_screen(LoginScreen())
        for name in self._installed:
            self.uninstall_screen(name)
        self._installed.clear()

    def session_ended(self, message: str) -> None:
        """The account was locked, disabled or changed meanwhile (bbt_tui.db re-reads it at
        every action): sign out at once and say why."""
        if self.actor is None:  # another worker noticed first
            return
        self.actor = None
        self.notify(message, severity="error", timeout=15)
        self.call_later(self.action_logout)

    def action_change_password(self) -> None:
        from bbt_tui.screens.login import change_password_form

        if self.actor is not None:
            self.push_screen(change_password_form(self.actor, None),
                             when_done(lambda _r: self.notify(_("Password changed."))))

    # --- navigation ------------------------------------------------------------------------

    def show_area(self, name: str) -> None:
        area = areas.by_name(name)
        if self.actor is None or area not in areas.visible(self.actor):
            self.notify(_("Your role cannot open this screen."), severity="warning")
            return
        screen_name = f"area:{name}"
        if screen_name not in self._installed:
            self.install_screen(areas.make_screen(area), screen_name)
            self._installed.append(screen_name)
        if self.screen is not self.get_screen(screen_name):
            self.switch_screen(screen_name)

    def action_show_area(self, name: str) -> None:
        """A click on the navigation bar."""
        self.show_area(name)

    def action_goto(self, index: int) -> None:
        shown = areas.visible(self.actor)
        if 1 <= index <= len(shown):
            self.show_area(shown[index - 1].name)

    def action_help(self) -> None:
        from bbt_tui.widgets.dialogs import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = _(getattr(screen, "TITLE_TEXT", "") or "BBT")
        text = _(getattr(screen, "HELP", "") or N_("Use the keys below; Esc closes a dialog."))
        keys = []
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if enabled and is_ours(binding):
                keys.append((self.get_key_display(binding), _(binding.description)))
        self.push_screen(HelpScreen(title, text, keys))

    def action_command_palette(self) -> None:
        """Textual's palette, with its placeholder and messages translated."""
        from bbt_tui.palette import BBTCommandPalette

        if self.use_command_palette and not BBTCommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(BBTCommandPalette())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own palette entries, in the user's language."""
        yield SystemCommand(_("Quit"), _("Close the program"), self.action_quit)
        yield SystemCommand(_("Change theme"), _("Light or dark colours"),
                            self.action_change_theme)
        yield SystemCommand(_("Save a screenshot"), _("An SVG picture of this screen"),
                            lambda: self.set_timer(0.1, self._save_screenshot_now))

    def _save_screenshot_now(self) -> None:
        path = self.save_screenshot()
        self.notify(_("Saved {path}").format(path=path))

    def run_db(self, work: Any, on_done: Any = None, on_error: Any = None) -> None:
        from bbt_tui.db import run_db

        run_db(self, work, on_done, on_error)
