"""What every area screen shares: header, navigation bar, footer, F1 help, role checks on
actions, and reloading its data when it comes back into view."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header

from bbt_tui.text import N_
from bbt_tui.widgets.nav import BBTFooter, NavBar
from domain.i18n import _

NAV_BINDINGS = [
    Binding(str(i % 10), f"app.goto({i})", N_("Go to area"), show=False,
            id=f"nav.{i}")
    for i in range(1, 11)
]


class AreaScreen(Screen):
    AREA: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""  # English msgid
    HELP: ClassVar[str] = ""  # English msgid: what the screen is for, in two or three lines
    # Actions that change data, and the permission each needs (hidden from other roles).
    PERMISSIONS: ClassVar[dict[str, str]] = {}

    # Logging out is on every area's footer, near its start where a narrow terminal still
    # shows it (the application's own keys come last).
    BINDINGS = [*NAV_BINDINGS, Binding("ctrl+l", "app.logout", N_("Log out"), id="app.logout"),
                Binding("f1", "app.help", N_("Help"), id="app.help")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar(self.AREA)
        yield from self.compose_body()
        yield BBTFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.title = _(self.TITLE_TEXT)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = self.PERMISSIONS.get(action)
        actor = self.app.actor  # type: ignore[attr-defined]
        return permission is None or (actor is not None and actor.can(permission))

    _shown_before = False

    def on_screen_resume(self) -> None:
        # The first showing loads in on_mount; later ones reload what others may have changed.
        if self._shown_before:
            self.refresh_data()
        self._shown_before = True

    def refresh_data(self) -> None:
        """Reload what the screen shows (another user may have changed it)."""
