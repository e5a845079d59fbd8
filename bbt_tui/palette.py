"""The command palette (Ctrl+P): every screen this account may open and every action of the
current screen, matched without accents ("khoa" finds "Khóa")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from bbt_tui import areas
from domain.i18n import _
from domain.text import fold

Command = tuple[str, Callable[[], object], str]


class BBTCommands(Provider):
    def _commands(self) -> list[Command]:
        from bbt_tui.app import is_ours

        app = self.app
        found: list[Command] = []
        for area in areas.visible(app.actor):  # type: ignore[attr-defined]
            found.append((_("Go to: {area}").format(area=_(area.title)),
                          partial(app.show_area, area.name),  # type: ignore[attr-defined]
                          _("Open the screen")))
        seen = {"app.logout"}  # offered below, on every screen
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            action = binding.action
            if (not enabled or not is_ours(binding) or action in seen
                    or action in ("app.command_palette", "command_palette")):
                continue
            seen.add(action)
            found.append((_(binding.description),
                          partial(app.run_action, action, node),
                          _("Key: {key}").format(key=app.get_key_display(binding))))
        if app.actor is not None:  # type: ignore[attr-defined]
            found.append((_("Change my password"),
                          app.action_change_password, ""))  # type: ignore[attr-defined]
            found.append((_("Log out"), app.action_logout, ""))  # type: ignore[attr-defined]
        return found

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(fold(query))
        for name, command, help_text in self._commands():
            score = matcher.match(fold(name))
            if score > 0:
                yield Hit(score, name, command, help=help_text)


class BBTCommandPalette(CommandPalette):
    """Textual's palette with its own texts in the user's language."""

    def __init__(self) -> None:
        super().__init__(placeholder=_("Search for commands…"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual writes its "No matches found" in English inside this (private) method; the
        # same steps with the text translated.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(_("No matches found"), style="not bold")),
                    disabled=True, id=self._NO_MATCHES))
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
