"""The navigation bar (the areas this account may open, with their keys) and a footer that
shows the key descriptions in the user's language."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from bbt_tui import areas
from domain.i18n import _


class NavBar(Static):
    """One line per screen width; it wraps onto a second line when the role has many areas.
    A click on an area opens it (the link's action), wherever the line wrapped."""

    DEFAULT_CSS = """
    NavBar { height: auto; background: $panel; padding: 0 1; link-style: none;
             link-style-hover: bold underline; link-background-hover: $panel; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        self.update(self._text())

    def on_resize(self) -> None:
        self.update(self._text())

    def _text(self) -> Text:
        """The areas in order; a line breaks between two areas, never inside one."""
        room = self.size.width - 2 if self.size.width > 2 else 10_000
        text = Text()
        line = 0
        for index, area in enumerate(areas.visible(self.app.actor), 1):  # type: ignore[attr-defined]
            key = str(index % 10) if index <= 10 else "·"
            label = _(area.title)
            width = len(key) + len(label) + 4
            if line and line + width > room:
                text.append("\n")
                line = 0
            link = Style(meta={"@click": f"app.show_area({area.name!r})"})
            style = Style(bold=True, reverse=True) if area.name == self.current else Style()
            text.append(f" {key} ", style=Style(bold=True) + style + link)
            text.append(label + " ", style=style + link)
            text.append(" ")
            line += width
        return text


class BBTFooter(Footer):
    """Footer whose key descriptions go through the catalog (bindings hold English msgids)."""

    def compose(self):  # type: ignore[no-untyped-def]
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget
