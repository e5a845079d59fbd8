"""The navigation bar (the areas this account may open, with their keys) and a footer that
shows the key descriptions in the user's language."""

from __future__ import annotations

from rich.text import Text
from textual.events import Click
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from bbt_tui import areas
from domain.i18n import _


class NavBar(Static):
    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.update(self._text())

    def _text(self) -> Text:
        text = Text()
        self._spans = []
        for index, area in enumerate(areas.visible(self.app.actor), 1):  # type: ignore[attr-defined]
            key = str(index % 10) if index <= 10 else "·"
            start = len(text)
            style = "bold reverse" if area.name == self.current else ""
            text.append(f" {key} ", style=style or "bold")
            text.append(_(area.title) + " ", style=style)
            self._spans.append((start, len(text), area.name))
            text.append(" ")
        return text

    def on_click(self, event: Click) -> None:
        for start, end, name in self._spans:
            if start <= event.x - 1 < end:
                self.app.show_area(name)  # type: ignore[attr-defined]
                return


class BBTFooter(Footer):
    """Footer whose key descriptions go through the catalog (bindings hold English msgids)."""

    def compose(self):  # type: ignore[no-untyped-def]
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget
