"""The command palette (Ctrl+P): every screen this account may open and every action of the
current screen, matched without accents ("khoa" finds "Khóa")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
                    or action == "app.command_palette"):
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
